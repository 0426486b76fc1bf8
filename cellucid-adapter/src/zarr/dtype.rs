//! `zarrs` data types → the adapter's [`DType`].

use zarrs::array::data_type::{
    BoolDataType, Float16DataType, Float32DataType, Float64DataType, Int16DataType, Int32DataType,
    Int64DataType, Int8DataType, StringDataType, UInt16DataType, UInt32DataType, UInt64DataType,
    UInt8DataType,
};
use zarrs::array::DataType;

use crate::values::DType;

/// The adapter element type of a Zarr data type, or a description of the unsupported type.
///
/// Zarr v2 dtypes arrive already converted by `zarrs` (`<f4` → `float32`, `|b1` → `bool`,
/// `|O` with the `vlen-utf8` filter → `string`); big-endian v2 arrays decode to native order.
/// Fixed-width unicode (`<U8`), bytes, complex, datetime and optional types are refused.
pub(super) fn dtype_of(data_type: &DataType) -> Result<DType, String> {
    let table: [(bool, DType); 13] = [
        (data_type.is::<BoolDataType>(), DType::Bool),
        (data_type.is::<Int8DataType>(), DType::I8),
        (data_type.is::<Int16DataType>(), DType::I16),
        (data_type.is::<Int32DataType>(), DType::I32),
        (data_type.is::<Int64DataType>(), DType::I64),
        (data_type.is::<UInt8DataType>(), DType::U8),
        (data_type.is::<UInt16DataType>(), DType::U16),
        (data_type.is::<UInt32DataType>(), DType::U32),
        (data_type.is::<UInt64DataType>(), DType::U64),
        (data_type.is::<Float16DataType>(), DType::F16),
        (data_type.is::<Float32DataType>(), DType::F32),
        (data_type.is::<Float64DataType>(), DType::F64),
        (data_type.is::<StringDataType>(), DType::Str),
    ];
    table
        .iter()
        .find(|(matches, _)| *matches)
        .map(|&(_, dtype)| dtype)
        .ok_or_else(|| format!("Zarr data type `{data_type}`"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use zarrs::array::data_type;

    use super::dtype_of;
    use crate::values::DType;

    #[test]
    fn every_anndata_type_maps_and_others_are_refused() {
        let cases = [
            (data_type::bool(), DType::Bool),
            (data_type::int8(), DType::I8),
            (data_type::int16(), DType::I16),
            (data_type::int32(), DType::I32),
            (data_type::int64(), DType::I64),
            (data_type::uint8(), DType::U8),
            (data_type::uint16(), DType::U16),
            (data_type::uint32(), DType::U32),
            (data_type::uint64(), DType::U64),
            (data_type::float16(), DType::F16),
            (data_type::float32(), DType::F32),
            (data_type::float64(), DType::F64),
            (data_type::string(), DType::Str),
        ];
        for (dt, expected) in cases {
            assert_eq!(dtype_of(&dt), Ok(expected), "{dt}");
        }
        let refused = dtype_of(&data_type::complex64()).unwrap_err();
        assert!(refused.contains("complex64"), "{refused}");
    }
}
