//! docs/config.md is the reference of every configuration key: each table there lists exactly the
//! keys serde accepts in that place, and each default it gives is the one the code applies.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::Value;
use zoho_core::ConnectionConfig;
use zoho_server::connections::ConfigFile;

const REFERENCE: &str = include_str!("../../../docs/config.md");

/// The keys serde accepts for `T` (aliases included): what `deserialize_struct` is handed.
fn serde_keys<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
    let mut keys = Vec::new();
    let _ = T::deserialize(KeyCatcher { keys: &mut keys });
    assert!(
        !keys.is_empty(),
        "{} is not a struct",
        std::any::type_name::<T>()
    );
    keys
}

/// A deserializer that only records the field list of the struct asked of it.
struct KeyCatcher<'a> {
    keys: &'a mut Vec<&'static str>,
}

#[derive(Debug)]
struct Caught;

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("keys caught")
    }
}

impl std::error::Error for Caught {}

impl de::Error for Caught {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Caught
    }
}

impl<'de> Deserializer<'de> for KeyCatcher<'_> {
    type Error = Caught;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Caught> {
        Err(Caught)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Caught> {
        self.keys.extend_from_slice(fields);
        Err(Caught)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The rows of the table under `## {heading}`: key (without backticks) to its default cell.
fn documented(heading: &str) -> BTreeMap<String, String> {
    let title = format!("## {heading}");
    let section = REFERENCE
        .split("\n## ")
        .find(|part| format!("## {part}").starts_with(&title))
        .unwrap_or_else(|| panic!("docs/config.md has no `{title}` section"));
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            assert!(
                cells.len() >= 4,
                "a row is key | type | default | meaning: {line}"
            );
            let key = cells[0].trim_start_matches("| ").trim_matches('`');
            (key.to_owned(), cells[2].to_owned())
        })
        .collect()
}

/// What differs between the keys the code accepts and the rows of one section, said as a fix.
fn mismatch(place: &str, code: &[&str], docs: &BTreeMap<String, String>) -> Option<String> {
    let undocumented: Vec<&&str> = code
        .iter()
        .filter(|key| !docs.contains_key(**key))
        .collect();
    let unknown: Vec<&String> = docs
        .keys()
        .filter(|key| !code.contains(&key.as_str()))
        .collect();
    match (undocumented.is_empty(), unknown.is_empty()) {
        (true, true) => None,
        (false, _) => Some(format!(
            "docs/config.md, section {place}, lacks {undocumented:?}: add a row (key | type | default | meaning)"
        )),
        (true, false) => Some(format!(
            "docs/config.md, section {place}, documents {unknown:?}, which the configuration does not accept"
        )),
    }
}

fn assert_same_keys(place: &str, code: &[&str], docs: &BTreeMap<String, String>) {
    if let Some(message) = mismatch(place, code, docs) {
        panic!("{message}");
    }
}

#[test]
fn the_top_level_keys_are_documented() {
    assert_same_keys(
        "Top level",
        &serde_keys::<ConfigFile>(),
        &documented("Top level"),
    );
}

#[test]
fn every_connection_key_is_documented_and_nothing_else() {
    assert_same_keys(
        "[connections.NAME]",
        &serde_keys::<ConnectionConfig>(),
        &documented("`[connections.NAME]`"),
    );
}

#[test]
fn documented_connection_defaults_are_the_ones_applied() {
    let docs = documented("`[connections.NAME]`");
    // The least a connection needs; everything else takes its default.
    let config: ConnectionConfig = toml::from_str("client_id = \"1000.X\"").unwrap();
    let applied = serde_json::to_value(&config).unwrap();
    for (key, value) in applied.as_object().unwrap() {
        if key == "client_id" {
            assert_eq!(docs[key], "required");
            continue;
        }
        let shown = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        assert_eq!(
            docs[key],
            format!("`{shown}`"),
            "docs/config.md gives `{key}` another default than the code applies"
        );
    }
    // A key left out when serialized has no value of its own: the page says none, or names the
    // fallback the code uses in its place.
    let fallbacks = [("region_url", zoho_core::config::DEFAULT_REGION_URL)];
    for (key, default) in &docs {
        if applied.as_object().unwrap().contains_key(key) {
            continue;
        }
        match fallbacks.iter().find(|(name, _)| name == key) {
            Some((_, fallback)) => assert_eq!(default, &format!("`{fallback}`"), "`{key}`"),
            None => assert!(
                default.starts_with("none"),
                "`{key}` has no default in the code; docs/config.md says {default}"
            ),
        }
    }
}

#[test]
fn a_key_missing_from_the_page_or_only_on_it_is_caught() {
    let keys = serde_keys::<ConnectionConfig>();
    let mut docs = documented("`[connections.NAME]`");
    assert_eq!(mismatch("test", &keys, &docs), None);
    docs.remove("token_store");
    let message = mismatch("test", &keys, &docs).unwrap();
    assert!(message.contains("lacks [\"token_store\"]"), "{message}");
    docs.insert("token_store".into(), "none".into());
    docs.insert("tokens_store".into(), "none".into());
    let message = mismatch("test", &keys, &docs).unwrap();
    assert!(
        message.contains("documents [\"tokens_store\"]"),
        "{message}"
    );
}

#[test]
fn every_app_and_store_key_is_documented_with_the_default_applied() {
    use zoho_core::config::{AppConfig, StoreConfig};
    for (place, code, heading, least) in [
        (
            "[apps.NAME]",
            serde_keys::<AppConfig>(),
            "`[apps.NAME]`",
            serde_json::to_value(toml::from_str::<AppConfig>("client_id = \"1000.X\"").unwrap())
                .unwrap(),
        ),
        (
            "[store]",
            serde_keys::<StoreConfig>(),
            "`[store]`",
            serde_json::to_value(toml::from_str::<StoreConfig>("").unwrap()).unwrap(),
        ),
    ] {
        let docs = documented(heading);
        assert_same_keys(place, &code, &docs);
        for (key, value) in least.as_object().unwrap() {
            if key == "client_id" {
                assert_eq!(docs[key], "required");
                continue;
            }
            let shown = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            assert_eq!(docs[key], format!("`{shown}`"), "{place} `{key}`");
        }
        for (key, default) in &docs {
            if !least.as_object().unwrap().contains_key(key) {
                assert!(default.starts_with("none"), "{place} `{key}`: {default}");
            }
        }
    }
}

/// The spec's connection inputs (what docs/actions.md and `rpc.discover` tell a deployer to set)
/// are keys `[connections.NAME]` accepts, with the defaults the code applies: the spec cannot
/// drift from `ConnectionConfig` again (it once said `client_secret` where the key is
/// `client_secret_env`).
#[test]
fn the_specs_connection_inputs_are_config_keys_with_the_defaults_applied() {
    let spec = action_spec::parse(
        include_str!("../../../action-spec/zoho.toml"),
        "action-spec/zoho.toml",
    )
    .unwrap();
    let keys = serde_keys::<ConnectionConfig>();
    assert!(!spec.connections.is_empty());
    for connection in &spec.connections {
        // The least a connection of this kind needs, to read the defaults off.
        let least = match connection.kind.as_str() {
            "oauth2" => "client_id = \"1000.X\"".to_owned(),
            "oauth2_deprecated" => "kind = \"oauth2_deprecated\"\nclient_id = \"1000.X\"\n\
                 authorize_url = \"https://accounts.zoho.com/oauth/v2/auth\"\n\
                 token_url = \"https://accounts.zoho.com/oauth/v2/token\"\n\
                 refresh_token_revoke_url = \"https://accounts.zoho.com/oauth/v2/token/revoke\""
                .to_owned(),
            other => panic!("the spec declares connection kind `{other}`, which zoho-core lacks"),
        };
        let config: ConnectionConfig = toml::from_str(&least).unwrap();
        config.validate().unwrap();
        let applied = serde_json::to_value(&config).unwrap();
        for input in &connection.inputs {
            let place = format!(
                "spec connection `{}` input `{}`",
                connection.kind, input.key
            );
            // A secret never sits in the file: `KEY_env` names the variable that holds it.
            let key = match input.secret {
                true => format!("{}_env", input.key),
                false => input.key.clone(),
            };
            assert!(
                keys.contains(&key.as_str()),
                "{place}: `[connections.NAME]` has no key `{key}`"
            );
            if input.secret {
                assert!(
                    !keys.contains(&input.key.as_str()),
                    "{place}: a secret in the file"
                );
                continue;
            }
            let fallback = (key == "region_url").then_some(zoho_core::config::DEFAULT_REGION_URL);
            let code_default = applied.get(&key).and_then(Value::as_str).or(fallback);
            match (&input.default, input.required) {
                (Some(default), _) => assert_eq!(
                    Some(default.as_str()),
                    code_default,
                    "{place}: the spec's default is not the one zoho-core applies"
                ),
                (None, true) => {
                    let without: String = least
                        .lines()
                        .filter(|line| !line.starts_with(&format!("{key} =")))
                        .collect::<Vec<_>>()
                        .join("\n");
                    let refused = toml::from_str::<ConnectionConfig>(&without)
                        .map_err(|e| e.to_string())
                        .and_then(|config| config.validate().map_err(|e| e.to_string()));
                    assert!(
                        refused.is_err(),
                        "{place}: required in the spec, not in zoho-core"
                    );
                }
                (None, false) => {}
            }
        }
    }
}
