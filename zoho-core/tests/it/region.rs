//! Every data center's URLs, and reading a region from what users type.

#![allow(clippy::unwrap_used)]

use zoho_core::{Error, Region};

/// (code, accounts server, API domain): `crm.md` §1 and `books.md` §1.1.
const TABLE: [(&str, &str, &str); 10] = [
    (
        "us",
        "https://accounts.zoho.com",
        "https://www.zohoapis.com",
    ),
    ("eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    ("in", "https://accounts.zoho.in", "https://www.zohoapis.in"),
    (
        "au",
        "https://accounts.zoho.com.au",
        "https://www.zohoapis.com.au",
    ),
    ("jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    (
        "cn",
        "https://accounts.zoho.com.cn",
        "https://www.zohoapis.com.cn",
    ),
    (
        "ca",
        "https://accounts.zohocloud.ca",
        "https://www.zohoapis.ca",
    ),
    ("sa", "https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    ("uk", "https://accounts.zoho.uk", "https://www.zohoapis.uk"),
    ("ae", "https://accounts.zoho.ae", "https://www.zohoapis.ae"),
];

#[test]
fn every_region_knows_its_urls() {
    assert_eq!(Region::ALL.len(), TABLE.len());
    for (code, accounts, api) in TABLE {
        let region = Region::parse(code).unwrap();
        assert_eq!(region.code(), code);
        assert_eq!(region.accounts_url(), accounts);
        assert_eq!(region.auth_url(), format!("{accounts}/oauth/v2/auth"));
        assert_eq!(region.token_url(), format!("{accounts}/oauth/v2/token"));
        assert_eq!(
            region.revoke_url(),
            format!("{accounts}/oauth/v2/token/revoke")
        );
        assert_eq!(region.api_domain(), api);
    }
}

#[test]
fn canada_uses_zohocloud_for_accounts_and_zohoapis_for_the_api() {
    let canada = Region::parse("CA").unwrap();
    assert_eq!(canada.accounts_url(), "https://accounts.zohocloud.ca");
    assert_eq!(canada.api_domain(), "https://www.zohoapis.ca");
    assert!(Region::parse("https://accounts.zoho.ca").is_err());
}

#[test]
fn a_region_is_read_from_a_code_or_an_accounts_url() {
    for (code, accounts, _) in TABLE {
        let expected = Region::parse(code).unwrap();
        assert_eq!(Region::parse(&code.to_uppercase()).unwrap(), expected);
        assert_eq!(Region::parse(accounts).unwrap(), expected);
        assert_eq!(Region::parse(&format!("{accounts}/")).unwrap(), expected);
        assert_eq!(
            Region::parse(&format!("  {}  ", accounts.to_uppercase())).unwrap(),
            expected
        );
        assert_eq!(
            Region::from_accounts_host(&accounts["https://".len()..]),
            Some(expected)
        );
    }
}

#[test]
fn an_unknown_region_is_a_config_error_listing_the_known_ones() {
    for unknown in [
        "xx",
        "",
        "https://accounts.zoho.ca",
        "https://accounts.zoho.eu.evil.example",
        "http://accounts.zoho.eu",
        "https://accounts.zoho.eu:8443",
        "https://accounts.zoho.eu/oauth/v2/auth",
        "https://user@accounts.zoho.eu",
        "accounts.zoho.eu",
    ] {
        let err = Region::parse(unknown).unwrap_err();
        let Error::Config(message) = &err else {
            panic!("`{unknown}`: expected a config error, got {err:?}")
        };
        assert!(
            message.contains(&format!("unknown region `{}`", unknown.trim())),
            "{message}"
        );
        for (code, accounts, _) in TABLE {
            assert!(
                message.contains(code) && message.contains(accounts),
                "`{message}` lacks {accounts}"
            );
        }
    }
}
