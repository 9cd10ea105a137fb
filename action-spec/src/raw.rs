//! The spec file as written: serde structs that refuse unknown keys and keep positions.
//! Names, types and locations stay strings here so that `resolve` can check them all and
//! say what is allowed, instead of stopping at the first bad one.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use toml::Spanned;

/// `[connections.<kind>]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConnection {
    pub label: Option<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    #[serde(default)]
    pub inputs: Vec<Spanned<RawConnectionInput>>,
}

/// `[[connections.<kind>.inputs]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConnectionInput {
    pub key: Spanned<String>,
    pub label: Option<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    pub required: Option<Spanned<bool>>,
    pub default: Option<Spanned<String>>,
    pub secret: Option<bool>,
}

/// `[inputs.<key>]`: an input any action may use.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInput {
    pub label: Option<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    pub values: Option<Spanned<Vec<String>>>,
    pub required: Option<Spanned<bool>>,
    pub default: Option<Spanned<toml::Value>>,
    pub when_omitted: Option<Spanned<String>>,
    #[serde(rename = "in")]
    pub location: Option<Spanned<String>>,
    pub wire: Option<Spanned<String>>,
    pub field: Option<Spanned<String>>,
    #[serde(rename = "for")]
    pub of: Option<Spanned<String>>,
    pub min: Option<Spanned<i64>>,
    pub max: Option<Spanned<i64>>,
}

/// `[[actions]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAction {
    pub product: Spanned<String>,
    pub name: Spanned<String>,
    pub label: Option<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub http_method: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub parent_path: Option<Spanned<String>>,
    pub body: Option<Spanned<String>>,
    pub body_constants: Option<Spanned<toml::Table>>,
    pub result: Spanned<String>,
    pub result_description: Option<Spanned<String>>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub record: Option<Spanned<RawRecord>>,
    #[serde(default)]
    pub query: std::collections::BTreeMap<String, String>,
    pub record_paths: Option<Spanned<String>>,
    pub one_of: Option<Spanned<Vec<Vec<String>>>>,
    pub inputs: Vec<Spanned<RawInputRef>>,
}

/// One operation of `[record_paths.<product>.<type>]`: `create = { path = "...", parent_id = {...} }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOperationPath {
    pub path: Spanned<String>,
    pub parent_id: Option<Spanned<RawParentId>>,
}

/// `parent_id = { in = "body_field", wire = "contact_id" }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawParentId {
    #[serde(rename = "in")]
    pub location: Spanned<String>,
    pub wire: Spanned<String>,
}

/// `record = { type = "recordType", id = "recordId" }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRecord {
    #[serde(rename = "type")]
    pub record_type: Spanned<String>,
    pub id: Spanned<String>,
}

/// An entry of an action's `inputs`: a shared input's key, or `{ use = "key", ... }` with overrides.
#[derive(Debug)]
pub(crate) enum RawInputRef {
    Use(String),
    Override(Box<RawOverride>),
}

/// What an action may change about a shared input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    #[serde(rename = "use")]
    pub key: Spanned<String>,
    pub label: Option<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    pub required: Option<Spanned<bool>>,
    pub default: Option<Spanned<toml::Value>>,
    pub when_omitted: Option<Spanned<String>>,
    /// Where the value goes for this action (`recordType` as `?module=`), with its `wire`.
    #[serde(rename = "in")]
    pub location: Option<Spanned<String>>,
    pub wire: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawInputRef {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RefVisitor;

        impl<'de> Visitor<'de> for RefVisitor {
            type Value = RawInputRef;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an input key, or a table `{ use = \"key\", ... }` that overrides label, comment, required, default, when_omitted, in or wire")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<RawInputRef, E> {
                Ok(RawInputRef::Use(key.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawInputRef, A::Error> {
                RawOverride::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|over| RawInputRef::Override(Box::new(over)))
            }
        }

        deserializer.deserialize_any(RefVisitor)
    }
}
