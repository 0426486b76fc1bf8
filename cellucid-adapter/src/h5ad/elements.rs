//! `H5Type` wrappers for the element types `hdf5-reader` does not decode itself:
//! h5py booleans (`enum<int8> {FALSE: 0, TRUE: 1}`) and IEEE half floats.

use half::f16;
use hdf5_reader::error::{ByteOrder, Error, Result};
use hdf5_reader::{Datatype, EnumMember, H5Type};

/// Whether an enum type is h5py's boolean encoding: a 1-byte integer base with exactly the
/// members `FALSE` = 0 and `TRUE` = 1.
pub(crate) fn is_h5py_bool(base: &Datatype, members: &[EnumMember]) -> bool {
    let one_byte = matches!(base, Datatype::FixedPoint { size: 1, .. });
    let value = |name: &str| {
        members
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value.clone())
    };
    one_byte
        && members.len() == 2
        && value("FALSE").as_deref() == Some(&[0u8][..])
        && value("TRUE").as_deref() == Some(&[1u8][..])
}

/// One h5py boolean element (any non-zero byte is `true`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct H5Bool(pub(crate) bool);

impl H5Type for H5Bool {
    fn hdf5_type() -> Datatype {
        Datatype::Enum {
            base: Box::new(Datatype::FixedPoint {
                size: 1,
                signed: true,
                byte_order: ByteOrder::LittleEndian,
            }),
            members: vec![
                EnumMember {
                    name: "FALSE".to_string(),
                    value: vec![0],
                },
                EnumMember {
                    name: "TRUE".to_string(),
                    value: vec![1],
                },
            ],
        }
    }

    fn from_bytes(bytes: &[u8], dtype: &Datatype) -> Result<Self> {
        match (dtype, bytes.first()) {
            (Datatype::Enum { base, members }, Some(&b)) if is_h5py_bool(base, members) => {
                Ok(H5Bool(b != 0))
            }
            (_, None) => Err(Error::InvalidData(
                "boolean element has no bytes".to_string(),
            )),
            (other, _) => Err(Error::TypeMismatch {
                expected: "h5py boolean enum".to_string(),
                actual: format!("{other:?}"),
            }),
        }
    }

    fn element_size(_dtype: &Datatype) -> usize {
        1
    }
}

/// One IEEE half-precision element.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct H5F16(pub(crate) f16);

impl H5Type for H5F16 {
    fn hdf5_type() -> Datatype {
        Datatype::FloatingPoint {
            size: 2,
            byte_order: ByteOrder::LittleEndian,
        }
    }

    fn from_bytes(bytes: &[u8], dtype: &Datatype) -> Result<Self> {
        let (
            Datatype::FloatingPoint {
                size: 2,
                byte_order,
            },
            Some(&[a, b]),
        ) = (
            dtype,
            bytes.get(..2).and_then(|s| <&[u8; 2]>::try_from(s).ok()),
        )
        else {
            return Err(Error::TypeMismatch {
                expected: "2-byte float".to_string(),
                actual: format!("{dtype:?} ({} bytes)", bytes.len()),
            });
        };
        let bits = match byte_order {
            ByteOrder::BigEndian => u16::from_be_bytes([a, b]),
            _ => u16::from_le_bytes([a, b]),
        };
        Ok(H5F16(f16::from_bits(bits)))
    }

    fn element_size(_dtype: &Datatype) -> usize {
        2
    }
}
