//! File inputs over JSON: a string is text, `{"base64": "..."}` is bytes.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use zoho_core::FileContent;

struct FileVisitor;

impl<'de> Visitor<'de> for FileVisitor {
    type Value = FileContent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a string (text) or {"base64": "..."} (bytes)"#)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<FileContent, E> {
        Ok(FileContent::Text(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<FileContent, E> {
        Ok(FileContent::Text(text))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FileContent, A::Error> {
        let mut encoded: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "base64" || encoded.is_some() {
                return Err(de::Error::custom(format!(
                    r#"unexpected key `{key}`; a binary file is exactly {{"base64": "..."}}"#
                )));
            }
            encoded = Some(map.next_value()?);
        }
        let encoded =
            encoded.ok_or_else(|| de::Error::custom(r#"a binary file is {"base64": "..."}"#))?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map(FileContent::Binary)
            .map_err(|error| de::Error::custom(format!("`base64` is not valid base64: {error}")))
    }
}

/// A file input.
pub fn deserialize_file<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<FileContent, D::Error> {
    deserializer.deserialize_any(FileVisitor)
}

/// An optional file input (`null` is absent).
pub fn deserialize_optional_file<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<FileContent>, D::Error> {
    struct Wrapped(FileContent);
    impl<'de> serde::Deserialize<'de> for Wrapped {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_file(deserializer).map(Wrapped)
        }
    }
    let wrapped: Option<Wrapped> = serde::Deserialize::deserialize(deserializer)?;
    Ok(wrapped.map(|Wrapped(file)| file))
}

/// An optional map of files by part name.
pub fn deserialize_file_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, FileContent>>, D::Error> {
    struct Wrapped(FileContent);
    impl<'de> serde::Deserialize<'de> for Wrapped {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_file(deserializer).map(Wrapped)
        }
    }
    let map: Option<BTreeMap<String, Wrapped>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(map.map(|map| map.into_iter().map(|(k, Wrapped(v))| (k, v)).collect()))
}
