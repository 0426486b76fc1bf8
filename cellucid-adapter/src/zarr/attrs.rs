//! JSON attributes (`.zattrs`, `zarr.json` `attributes`) → [`AttrValue`].

use serde_json::Value;

use crate::backend::AttrValue;

/// Decode one JSON attribute into the shapes AnnData uses.
///
/// Scalars map one to one (integers that fit `i64` → `Int`, other numbers → `Float`). Arrays
/// of strings → `StrList`, of integers → `IntList`, of numbers → `FloatList`; an empty array
/// is `StrList(vec![])` (anndata's empty `column-order`). Anything else (`null`, objects,
/// mixed arrays) is `Other` carrying its JSON text.
pub(super) fn attr_value(value: &Value) -> AttrValue {
    match value {
        Value::String(s) => AttrValue::Str(s.clone()),
        Value::Bool(b) => AttrValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => AttrValue::Int(i),
            None => n
                .as_f64()
                .map_or_else(|| AttrValue::Other(n.to_string()), AttrValue::Float),
        },
        Value::Array(items) => {
            list_value(items).unwrap_or_else(|| AttrValue::Other(value.to_string()))
        }
        Value::Null | Value::Object(_) => AttrValue::Other(value.to_string()),
    }
}

/// A homogeneous JSON list, or `None` when it mixes kinds or holds non-scalars.
fn list_value(items: &[Value]) -> Option<AttrValue> {
    if items.is_empty() {
        return Some(AttrValue::StrList(Vec::new()));
    }
    if let Some(strings) = items
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
    {
        return Some(AttrValue::StrList(strings));
    }
    if let Some(ints) = items.iter().map(Value::as_i64).collect::<Option<Vec<_>>>() {
        return Some(AttrValue::IntList(ints));
    }
    items
        .iter()
        .map(Value::as_f64)
        .collect::<Option<Vec<_>>>()
        .map(AttrValue::FloatList)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::attr_value;
    use crate::backend::AttrValue;

    #[test]
    fn anndata_attributes_decode_to_their_shapes() {
        let cases = [
            (json!("categorical"), AttrValue::Str("categorical".into())),
            (json!(true), AttrValue::Bool(true)),
            (json!(3), AttrValue::Int(3)),
            (json!(-2.5), AttrValue::Float(-2.5)),
            (
                json!(["a", "b c/d"]),
                AttrValue::StrList(vec!["a".into(), "b c/d".into()]),
            ),
            (json!([]), AttrValue::StrList(vec![])),
            (json!([400, 40]), AttrValue::IntList(vec![400, 40])),
            (json!([1, 2.5]), AttrValue::FloatList(vec![1.0, 2.5])),
        ];
        for (json, expected) in cases {
            assert_eq!(attr_value(&json), expected, "{json}");
        }
    }

    #[test]
    fn unusual_attributes_become_other_with_their_json() {
        assert_eq!(attr_value(&json!(null)), AttrValue::Other("null".into()));
        assert_eq!(
            attr_value(&json!({"a": 1})),
            AttrValue::Other("{\"a\":1}".into())
        );
        assert_eq!(
            attr_value(&json!(["a", 1])),
            AttrValue::Other("[\"a\",1]".into())
        );
        assert_eq!(
            attr_value(&json!(u64::MAX)),
            AttrValue::Float(u64::MAX as f64)
        );
    }
}
