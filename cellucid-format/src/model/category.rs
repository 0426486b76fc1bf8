//! Category labels: JSON scalars (format.md §14).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A category label, written as a JSON scalar: `true`, `3`, `0.5` or `"T cell"`.
///
/// Integers and floats are distinct: `Int(1)` is written `1` and `Float(1.0)` is written `1.0`.
/// `null` is not a label.
#[derive(Debug, Clone, PartialEq)]
pub enum Category {
    /// A boolean label.
    Bool(bool),
    /// An integer label (the writer keeps |v| ≤ 2^53 − 1).
    Int(i64),
    /// A finite float label.
    Float(f64),
    /// A string label.
    Str(String),
}

impl Category {
    /// Whether two labels are the same category for the viewer (JavaScript equality of the
    /// parsed scalars: `1` and `1.0` are equal, `1` and `"1"` are not).
    pub fn same_label(&self, other: &Self) -> bool {
        match (self.as_number(), other.as_number()) {
            (Some(a), Some(b)) => a == b,
            _ => self == other,
        }
    }

    /// The label as a number when it is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Self::Int(v) => Some(*v as f64),
            Self::Float(v) => Some(*v),
            _ => None,
        }
    }

    /// Whether the label is a finite scalar (every label except a non-finite float).
    pub fn is_finite(&self) -> bool {
        match self {
            Self::Float(v) => v.is_finite(),
            _ => true,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(v) => write!(f, "{v}"),
            Self::Int(v) => write!(f, "{v}"),
            Self::Float(v) => f.write_str(&crate::json::format_python_float(*v)),
            Self::Str(v) => write!(f, "{v:?}"),
        }
    }
}

impl From<&str> for Category {
    fn from(value: &str) -> Self {
        Self::Str(value.to_owned())
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Bool(v) => serializer.serialize_bool(*v),
            Self::Int(v) => serializer.serialize_i64(*v),
            Self::Float(v) => serializer.serialize_f64(*v),
            Self::Str(v) => serializer.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CategoryVisitor)
    }
}

struct CategoryVisitor;

impl Visitor<'_> for CategoryVisitor {
    type Value = Category;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a category label (a boolean, number or string)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Category, E> {
        Ok(Category::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Category, E> {
        Ok(Category::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Category, E> {
        i64::try_from(v)
            .map(Category::Int)
            .map_err(|_| E::custom(format!("integer category label {v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Category, E> {
        Ok(Category::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Category, E> {
        Ok(Category::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Category, E> {
        Ok(Category::Str(v))
    }
}
