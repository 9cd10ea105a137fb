//! The `[connections.NAME]` table of `zoho.toml`, read as users write it.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use serde::Deserialize;
use zoho_core::config::{DEFAULT_REGION_URL, DEFAULT_SCOPES};
use zoho_core::{Connection, ConnectionConfig, ConnectionKind, Error, Region, Secret};

#[derive(Deserialize)]
struct File {
    connections: BTreeMap<String, ConnectionConfig>,
}

fn parse(toml_text: &str) -> Result<ConnectionConfig, String> {
    let file: File = toml::from_str(toml_text).map_err(|err| err.to_string())?;
    Ok(file.connections.into_values().next().unwrap())
}

#[test]
fn the_documented_example_reads_as_written() {
    let config = parse(
        r#"
        [connections.default]
        kind = "oauth2"
        region_url = "https://accounts.zoho.eu"
        client_id = "1000.XXXX"
        client_secret_env = "ZOHO_CLIENT_SECRET"
        scopes = "ZohoCRM.modules.ALL ZohoBooks.fullaccess.all"
        crm_api_version = "v3"
        books_organization_id = "10234695"
        token_store = "tokens/default.json"
        "#,
    )
    .unwrap();
    config.validate().unwrap();
    assert_eq!(config.kind, ConnectionKind::OAuth2);
    assert_eq!(config.region().unwrap(), Some(Region::Eu));
    assert_eq!(
        config.scope_list(),
        ["ZohoCRM.modules.ALL", "ZohoBooks.fullaccess.all"]
    );
    assert_eq!(config.crm_api_version.as_str(), "v3");
    assert_eq!(config.books_organization_id.as_deref(), Some("10234695"));
    assert_eq!(
        config.token_store.as_deref(),
        Some(std::path::Path::new("tokens/default.json"))
    );
    assert_eq!(
        config.oauth_endpoints().unwrap().token_url.as_str(),
        "https://accounts.zoho.eu/oauth/v2/token"
    );
    assert_eq!(
        config.default_api_domain().unwrap().as_deref(),
        Some("https://www.zohoapis.eu")
    );
}

#[test]
fn a_client_id_alone_gets_the_documented_defaults() {
    let config = parse("[connections.default]\nclient_id = \"1000.XXXX\"\n").unwrap();
    config.validate().unwrap();
    assert_eq!(config, ConnectionConfig::new("1000.XXXX"));
    assert_eq!(
        config.region().unwrap(),
        Some(Region::parse(DEFAULT_REGION_URL).unwrap())
    );
    assert_eq!(config.scopes, DEFAULT_SCOPES);
    assert_eq!(config.client_secret_env, "ZOHO_CLIENT_SECRET");
    assert_eq!(config.crm_api_version.as_str(), "v3");
    assert_eq!(config.concurrency, 10);
    assert_eq!(config.heavy_concurrency, 10);
    assert_eq!(config.max_retries, 2);
    assert_eq!(config.retry_initial_ms, 1000);
    assert_eq!(config.connect_timeout_secs, 10);
    assert_eq!(config.timeout_secs, 30);
    assert_eq!(config.daily_credits, None);
    assert_eq!(config.crm_default_fields, None);
}

#[test]
fn unknown_keys_and_secrets_in_the_file_are_refused() {
    let typo =
        parse("[connections.default]\nclient_id = \"1000.X\"\nregion = \"eu\"\n").unwrap_err();
    assert!(typo.contains("unknown field `region`"), "{typo}");
    let secret =
        parse("[connections.default]\nclient_id = \"1000.X\"\nclient_secret = \"s3cr3t-value\"\n")
            .unwrap_err();
    assert!(secret.contains("unknown field `client_secret`"), "{secret}");
}

#[test]
fn crm_api_versions_from_v2_1_to_v8_are_accepted() {
    for version in ["v2.1", "v3", "v4", "v5", "v6", "v7", "V8"] {
        let config = parse(&format!(
            "[connections.a]\nclient_id = \"1\"\ncrm_api_version = \"{version}\"\n"
        ))
        .unwrap();
        assert_eq!(config.crm_api_version.as_str(), version.to_lowercase());
    }
    for version in ["v2", "v9", "3", "latest"] {
        let err = parse(&format!(
            "[connections.a]\nclient_id = \"1\"\ncrm_api_version = \"{version}\"\n"
        ))
        .unwrap_err();
        assert!(
            err.contains("crm_api_version") && err.contains("v2.1, v3"),
            "{err}"
        );
    }
}

#[test]
fn the_deprecated_kind_needs_its_three_urls() {
    let missing =
        parse("[connections.a]\nkind = \"oauth2_deprecated\"\nclient_id = \"1\"\n").unwrap();
    let err = missing.validate().unwrap_err();
    assert!(
        err.to_string().contains("`authorize_url` is required"),
        "{err}"
    );

    let complete = parse(
        r#"
        [connections.a]
        kind = "oauth2_deprecated"
        client_id = "1"
        authorize_url = "https://accounts.zohocloud.ca/oauth/v2/auth"
        token_url = "https://accounts.zohocloud.ca/oauth/v2/token"
        refresh_token_revoke_url = "https://accounts.zohocloud.ca/oauth/v2/token/revoke"
        "#,
    )
    .unwrap();
    complete.validate().unwrap();
    assert_eq!(
        complete.default_api_domain().unwrap().as_deref(),
        Some("https://www.zohoapis.ca")
    );

    let mixed = ConnectionConfig {
        region_url: Some("eu".into()),
        ..complete.clone()
    };
    assert!(
        mixed
            .validate()
            .unwrap_err()
            .to_string()
            .contains("`region_url` does not apply")
    );
    let mixed = ConnectionConfig {
        kind: ConnectionKind::OAuth2,
        ..complete
    };
    assert!(
        mixed
            .validate()
            .unwrap_err()
            .to_string()
            .contains("`authorize_url` does not apply")
    );
}

#[test]
fn bad_settings_are_named_in_the_error() {
    let base = ConnectionConfig::new("1000.X");
    let cases: Vec<(ConnectionConfig, &str)> = vec![
        (
            ConnectionConfig {
                region_url: Some("https://accounts.zoho.ca".into()),
                ..base.clone()
            },
            "`region_url`",
        ),
        (
            ConnectionConfig {
                client_id: " ".into(),
                ..base.clone()
            },
            "`client_id`",
        ),
        (
            ConnectionConfig {
                scopes: "  ".into(),
                ..base.clone()
            },
            "`scopes`",
        ),
        (
            ConnectionConfig {
                concurrency: 0,
                ..base.clone()
            },
            "`concurrency`",
        ),
        (
            ConnectionConfig {
                concurrency: usize::MAX,
                ..base.clone()
            },
            "`concurrency`",
        ),
        (
            ConnectionConfig {
                timeout_secs: 0,
                ..base.clone()
            },
            "`timeout_secs`",
        ),
        (
            ConnectionConfig {
                books_organization_id: Some("10-23".into()),
                ..base.clone()
            },
            "`books_organization_id`",
        ),
        (
            ConnectionConfig {
                crm_default_fields: Some(vec![]),
                ..base.clone()
            },
            "`crm_default_fields`",
        ),
        (
            ConnectionConfig {
                api_base_url: Some("http://example.com".into()),
                ..base.clone()
            },
            "`api_base_url`",
        ),
        (
            ConnectionConfig {
                accounts_url: Some("ftp://127.0.0.1".into()),
                ..base.clone()
            },
            "`accounts_url`",
        ),
    ];
    for (config, field) in cases {
        let err = Connection::new("sales", config, Secret::new("s")).unwrap_err();
        let Error::Config(message) = &err else {
            panic!("{field}: expected a config error, got {err:?}")
        };
        assert!(
            message.contains("connection `sales`") && message.contains(field),
            "{message}"
        );
    }
}

#[test]
fn the_client_secret_comes_from_the_named_environment_variable() {
    let config = ConnectionConfig {
        client_secret_env: "ZOHO_RS_TEST_SECRET_THAT_IS_NEVER_SET".into(),
        ..ConnectionConfig::new("1000.X")
    };
    let err = Connection::from_env("default", config).unwrap_err();
    let Error::Config(message) = &err else {
        panic!("expected a config error, got {err:?}")
    };
    assert!(
        message.contains("ZOHO_RS_TEST_SECRET_THAT_IS_NEVER_SET"),
        "{message}"
    );
}

#[test]
fn a_sandbox_connection_talks_to_one_base_url() {
    let config = ConnectionConfig::at_base_url("1000.SANDBOXCLIENT", "http://127.0.0.1:4010");
    config.validate().unwrap();
    assert_eq!(
        config.oauth_endpoints().unwrap().token_url.as_str(),
        "http://127.0.0.1:4010/oauth/v2/token"
    );
    assert_eq!(
        config.default_api_domain().unwrap().as_deref(),
        Some("http://127.0.0.1:4010")
    );
}
