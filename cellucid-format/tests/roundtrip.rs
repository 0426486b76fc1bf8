//! Property tests: model → JSON → model, payload encode/decode, gzip encode → decode.

use std::collections::BTreeMap;
use std::io::Write;

use cellucid_format::gzip::{self, GzipMemberWriter};
use cellucid_format::{
    decode_le, encode_le, format_python_float, CategoricalField, CategoricalSchema, Category,
    Centroid, ConnectivityManifest, ContinuousField, ContinuousSchema, DatasetIdentity, Embeddings,
    ExportSettings, ObsFieldSummary, ObsManifest, ObsSchemas, Source, Stats, ValueBounds,
    VarManifest, VarSchema, VectorField, VectorFields,
};
use cellucid_quant::Bits;
use proptest::prelude::*;

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        any::<f32>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(f64::from),
        Just(-0.0),
        Just(0.0),
        Just(1e16),
        Just(1e-5),
        Just(5e-324),
    ]
}

/// Any text, including quotes, backslashes, control characters, non-ASCII and astral code points.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}",
        any::<String>(),
        Just("Zellqualität \"😀\" \\ \u{7f}\n\t\u{1}".to_owned()),
    ]
}

fn category() -> impl Strategy<Value = Category> {
    prop_oneof![
        any::<bool>().prop_map(Category::Bool),
        any::<i64>().prop_map(Category::Int),
        finite().prop_map(Category::Float),
        text().prop_map(Category::Str),
    ]
}

fn bounds() -> impl Strategy<Value = ValueBounds> {
    (finite(), finite()).prop_map(|(min, max)| ValueBounds { min, max })
}

fn bits() -> impl Strategy<Value = Option<Bits>> {
    prop_oneof![Just(None), Just(Some(Bits::U8)), Just(Some(Bits::U16))]
}

fn compression() -> impl Strategy<Value = Option<u32>> {
    proptest::option::of(1u32..=9)
}

fn centroid() -> impl Strategy<Value = Centroid> {
    (
        category(),
        prop::collection::vec(finite(), 1..=3),
        any::<u64>(),
    )
        .prop_map(|(category, position, n_points)| Centroid {
            category,
            position,
            n_points,
        })
}

fn obs_manifest() -> impl Strategy<Value = ObsManifest> {
    let continuous =
        prop::collection::vec((any::<u64>(), text(), proptest::option::of(bounds())), 0..4);
    let categorical = prop::collection::vec(
        (
            any::<u64>(),
            text(),
            prop::collection::vec(category(), 0..5),
            prop::collection::btree_map("[1-3]", prop::collection::vec(centroid(), 0..3), 0..3),
            proptest::option::of(bounds()),
        ),
        0..3,
    );
    (
        any::<u64>(),
        proptest::option::of(finite()),
        proptest::option::of(text()),
        compression(),
        bits(),
        continuous,
        categorical,
    )
        .prop_map(|(n, q, latent, c, b, cont, cat)| ObsManifest {
            format: "compact_v1".to_owned(),
            n_points: n,
            centroid_outlier_quantile: q,
            latent_key: latent,
            compression: c,
            obs_schemas: ObsSchemas {
                continuous: (!cont.is_empty()).then(|| ContinuousSchema::new(b, c)),
                categorical: (!cat.is_empty()).then(|| CategoricalSchema::new(b, c)),
            },
            continuous_fields: cont
                .into_iter()
                .map(|(index, key, bounds)| ContinuousField { index, key, bounds })
                .collect(),
            categorical_fields: cat
                .into_iter()
                .map(
                    |(index, key, categories, centroids, outlier_bounds)| CategoricalField {
                        index,
                        key,
                        categories,
                        codes_dtype: "uint16".to_owned(),
                        codes_missing_value: 65535,
                        centroids_by_dim: centroids,
                        outlier_bounds,
                    },
                )
                .collect(),
        })
}

fn identity() -> impl Strategy<Value = DatasetIdentity> {
    let stats = (
        any::<u64>(),
        any::<u64>(),
        any::<bool>(),
        proptest::option::of(any::<u64>()),
    );
    let files = || prop::collection::btree_map("[1-3]d", text(), 0..3);
    let vector = proptest::option::of((
        proptest::option::of(text()),
        prop::collection::btree_map(
            text(),
            (text(), prop::collection::vec(1u32..=3, 0..3), files()),
            0..2,
        ),
    ));
    (
        (text(), text(), text(), proptest::option::of(text()), text()),
        stats,
        (prop::collection::vec(1u32..=3, 0..3), files()),
        prop::collection::vec((text(), proptest::option::of(any::<u64>())), 0..4),
        proptest::option::of((compression(), bits(), bits(), "uint(8|16)")),
        proptest::option::of((
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
        )),
        vector,
    )
        .prop_map(
            |(names, stats, emb, fields, settings, source, vector)| DatasetIdentity {
                version: 2,
                id: names.0,
                name: names.1,
                description: names.2,
                created_at: names.3,
                cellucid_data_version: names.4,
                stats: Stats {
                    n_cells: stats.0,
                    n_genes: stats.1,
                    n_obs_fields: fields.len() as u64,
                    n_categorical_fields: 0,
                    n_continuous_fields: 0,
                    has_connectivity: stats.2,
                    n_edges: stats.3,
                },
                embeddings: Embeddings {
                    default_dimension: emb.0.last().copied().unwrap_or(1),
                    available_dimensions: emb.0,
                    files: emb.1,
                },
                obs_fields: fields
                    .into_iter()
                    .map(|(key, n)| match n {
                        Some(n) => ObsFieldSummary::category(key, n),
                        None => ObsFieldSummary::continuous(key),
                    })
                    .collect(),
                export_settings: settings.map(|(c, v, o, d)| ExportSettings {
                    compression: c,
                    var_quantization: v.map(Bits::bits),
                    obs_continuous_quantization: o.map(Bits::bits),
                    obs_categorical_dtype: d,
                }),
                source: source.map(|(name, url, citation)| Source {
                    name,
                    url,
                    citation,
                    filename: None,
                }),
                vector_fields: vector.map(|(default_field, fields)| VectorFields {
                    default_field,
                    fields: fields
                        .into_iter()
                        .map(|(id, (label, dims, files))| {
                            let field = VectorField {
                                label,
                                default_dimension: dims.last().copied().unwrap_or(1),
                                available_dimensions: dims,
                                files,
                                basis: "umap".to_owned(),
                            };
                            (id, field)
                        })
                        .collect::<BTreeMap<_, _>>(),
                }),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn python_floats_parse_back_exactly(v in finite()) {
        let text = format_python_float(v);
        let back: f64 = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back.to_bits(), v.to_bits(), "{}", text);
        prop_assert!(text.contains('.') || text.contains('e'), "{}", text);
    }

    #[test]
    fn obs_manifest_round_trips(model in obs_manifest()) {
        let json = model.to_json_string();
        prop_assert!(json.is_ascii());
        let back = ObsManifest::from_json_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &model);
        prop_assert_eq!(back.to_json_string(), json);
    }

    #[test]
    fn identity_round_trips(model in identity()) {
        let json = model.to_json_string();
        let back = DatasetIdentity::from_json_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &model);
        prop_assert_eq!(back.to_json_string(), json);
    }

    #[test]
    fn var_and_connectivity_round_trip(
        n in 1u64..1_000_000, edges in any::<u64>(), c in compression(), b in bits(),
        fields in prop::collection::vec((text(), proptest::option::of(bounds())), 0..5),
        column in proptest::option::of(text()),
    ) {
        let var = VarManifest {
            format: "compact_v1".to_owned(),
            n_points: n,
            var_gene_id_column: column,
            compression: c,
            quantization: b.map(Bits::bits),
            var_schema: VarSchema::new(b, c),
            fields: fields.into_iter().enumerate()
                .map(|(i, (key, bounds))| ContinuousField { index: i as u64, key, bounds })
                .collect(),
        };
        let json = var.to_json_string();
        let back = VarManifest::from_json_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &var);
        prop_assert_eq!(back.to_json_string(), json);
        let conn = ConnectivityManifest::new(n, edges, edges / 2, c);
        let json = conn.to_json_string();
        let back = ConnectivityManifest::from_json_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, conn);
    }

    #[test]
    fn payloads_round_trip(
        a in prop::collection::vec(any::<u16>(), 0..200),
        b in prop::collection::vec(any::<u32>(), 0..200),
        c in prop::collection::vec(any::<u32>().prop_map(f32::from_bits), 0..200),
        d in prop::collection::vec(any::<u64>().prop_map(f64::from_bits), 0..200),
    ) {
        let bytes = encode_le(&a);
        prop_assert_eq!(bytes.len(), a.len() * 2);
        if let Some(first) = a.first() {
            prop_assert_eq!(&bytes[..2], &first.to_le_bytes());
        }
        prop_assert_eq!(decode_le::<u16>(&bytes).ok(), Some(a));
        prop_assert_eq!(decode_le::<u32>(&encode_le(&b)).ok(), Some(b));
        let back: Vec<f32> = decode_le(&encode_le(&c)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(back.iter().zip(&c).all(|(x, y)| x.to_bits() == y.to_bits()) && back.len() == c.len());
        let back: Vec<f64> = decode_le(&encode_le(&d)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(back.iter().zip(&d).all(|(x, y)| x.to_bits() == y.to_bits()) && back.len() == d.len());
    }

    #[test]
    fn gzip_round_trips(
        data in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..5000),
            prop::collection::vec(0u8..3, 0..20_000),
        ],
        level in 1u32..=9,
        chunk in 1usize..4096,
    ) {
        let member = gzip::encode_member(&data, level);
        prop_assert_eq!(&member[..10], &gzip::header_bytes(level));
        prop_assert_eq!(gzip::declared_size(&member), Some(data.len() as u32));
        let back = gzip::decode_member_exact(&member, data.len()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &data);
        // A streaming writer fed in arbitrary chunks yields the same member.
        let mut writer = GzipMemberWriter::new(Vec::new(), level).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for part in data.chunks(chunk) {
            writer.write_all(part).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let streamed = writer.finish().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(gzip::decode_member(&streamed, data.len()).ok(), Some(data.clone()));
        // The ceiling is enforced before inflating.
        if !data.is_empty() {
            let refused = matches!(
                gzip::decode_member(&member, data.len() - 1),
                Err(gzip::GzipError::DeclaredSizeTooLarge { .. })
            );
            prop_assert!(refused);
        }
    }

    #[test]
    fn gzip_decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300), max in 0usize..4096) {
        let _ = gzip::decode_member(&bytes, max);
        let mut framed = gzip::header_bytes(6).to_vec();
        framed.extend_from_slice(&bytes);
        let _ = gzip::decode_member(&framed, max);
    }

    #[test]
    fn damaged_members_are_refused(data in prop::collection::vec(any::<u8>(), 1..2000), at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let mut member = gzip::encode_member(&data, 6);
        let i = at.index(member.len());
        // MTIME, XFL and OS (bytes 4..10) and the FTEXT flag carry no data: readers ignore them.
        prop_assume!(!((4..10).contains(&i) || (i == 3 && flip == 1)));
        member[i] ^= flip;
        // A corrupted byte never decodes to other bytes: the header check, the inflater, the
        // CRC or ISIZE refuses it. The only corruption that may decode at all is in bits every
        // inflater ignores (the padding after a stored block's 3-bit header, or after the last
        // block), and then it decodes to the original data.
        let decoded = gzip::decode_member(&member, 1 << 20);
        if let Ok(bytes) = &decoded {
            prop_assert!(bytes == &data, "corruption at {} decoded to other bytes", i);
        }
        // The fixed header fields and the trailer are always checked.
        if i < 4 || i >= member.len() - 8 {
            prop_assert!(decoded.is_err(), "corruption at {} undetected", i);
        }
    }

    /// The one undetectable corruption the test above allows exists: incompressible data is
    /// stored, and the 5 padding bits after the stored block's header are ignored by inflaters.
    #[test]
    fn stored_block_padding_is_ignored(data in prop::collection::vec(any::<u8>(), 64..512)) {
        let mut member = gzip::encode_member(&data, 6);
        prop_assume!(member[10] & 0b110 == 0); // BTYPE 00: a stored block
        member[10] ^= 0b1111_1000;
        prop_assert_eq!(gzip::decode_member(&member, 1 << 20).ok(), Some(data));
    }
}

#[test]
fn trailing_members_are_refused() {
    let mut member = gzip::encode_member(b"abc", 6);
    let second = gzip::encode_member(b"", 6);
    member.splice(member.len() - 8..member.len() - 8, second);
    assert!(matches!(
        gzip::decode_member(&member, 100),
        Err(gzip::GzipError::TrailingData { .. })
    ));
    let short = gzip::encode_member(b"abcdef", 6);
    assert!(gzip::decode_member(&short[..short.len() - 1], 100).is_err());
}
