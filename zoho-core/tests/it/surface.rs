//! zoho-core's public surface is the list in its crate doc: a name made public at the crate root
//! without being listed there (or listed without being public) fails here.

use std::collections::BTreeSet;

const LIB_RS: &str = include_str!("../../src/lib.rs");

/// The names in the crate doc's `# Public surface` section, as its intra-doc links give them.
fn listed() -> BTreeSet<String> {
    let section: String = LIB_RS
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .skip_while(|line| line.trim() != "# Public surface")
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n");
    section
        .split("[`")
        .skip(1)
        .filter_map(|rest| rest.split_once("`]").map(|(name, _)| name))
        .filter(|name| !name.contains("::"))
        .map(str::to_owned)
        .collect()
}

/// The names lib.rs makes public at the root: `pub use` items and `pub` declarations (`mod`,
/// `const`, `fn`, `struct`, ...), except what is `#[doc(hidden)]` (the crates' own `__private`).
fn public_at_root() -> BTreeSet<String> {
    let code: Vec<&str> = LIB_RS
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .collect();
    let mut names = BTreeSet::new();
    for use_item in code.join(" ").split(';') {
        let Some(path) = use_item.trim().strip_prefix("pub use ") else {
            continue;
        };
        let leaves: Vec<&str> = match path.split_once('{') {
            Some((_, list)) => list.trim_end_matches('}').split(',').collect(),
            None => vec![path.rsplit("::").next().unwrap_or(path)],
        };
        for leaf in leaves
            .iter()
            .map(|leaf| leaf.trim())
            .filter(|l| !l.is_empty())
        {
            names.insert(leaf.rsplit(" as ").next().unwrap_or(leaf).to_owned());
        }
    }
    const KINDS: [&str; 8] = [
        "mod", "const", "static", "fn", "struct", "enum", "trait", "type",
    ];
    for (i, line) in code.iter().enumerate() {
        let hidden = i > 0 && code[i - 1] == "#[doc(hidden)]";
        let Some(rest) = line.strip_prefix("pub ") else {
            continue;
        };
        let Some((kind, rest)) = rest.split_once(' ') else {
            continue;
        };
        if KINDS.contains(&kind) && !hidden {
            let name = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names
}

#[test]
fn every_public_name_at_the_root_is_listed_in_the_crate_doc_and_nothing_else() {
    let public = public_at_root();
    let listed = listed();
    assert!(
        public.contains("Client") && public.contains("config"),
        "{public:?}"
    );
    let unlisted: Vec<_> = public.difference(&listed).collect();
    let not_public: Vec<_> = listed.difference(&public).collect();
    assert!(
        unlisted.is_empty() && not_public.is_empty(),
        "public at the root but not in the crate doc's `# Public surface`: {unlisted:?}; \
         listed there but not public at the root: {not_public:?}"
    );
}

#[test]
fn the_building_blocks_are_not_at_the_root() {
    assert!(!public_at_root().contains("__private"));
    for name in [
        "within",
        "http_client",
        "Limiter",
        "OAuthEndpoints",
        "resolve_url",
    ] {
        assert!(
            !public_at_root().contains(name),
            "`{name}` is for zoho-rs's crates (`__private`)"
        );
    }
}
