//! Which revisions of the Model Context Protocol this server speaks, and how one is agreed.
//!
//! Every revision here is served the same way: tools are listed and called identically, and the
//! fields a revision added (`title`, `outputSchema`, `structuredContent`) are ones older clients
//! ignore. So the version agreed on changes nothing about what is sent; it is negotiated because
//! the handshake requires it, and checked over HTTP because the transport requires that.
//!
//! Not served: the stateless 2026-07-28 revision (`server/discover` and a per-request envelope).
//! A client that probes for it gets "method not found" and falls back to `initialize`, as the
//! revisions' own negotiation rules expect.

/// The revisions served, newest first.
pub const SUPPORTED: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// The revision answered to a client asking for one we do not serve: our newest.
pub const LATEST: &str = SUPPORTED[0];

/// What an HTTP request without an `MCP-Protocol-Version` header is taken to speak, as the
/// Streamable HTTP transport prescribes.
pub const ASSUMED_WITHOUT_HEADER: &str = "2025-03-26";

/// Whether `version` is a revision this server speaks.
pub fn is_supported(version: &str) -> bool {
    SUPPORTED.contains(&version)
}

/// The revision to answer a client's `initialize` with: the one it asked for when we speak it,
/// else our newest (the client then decides whether it can go on).
pub fn negotiate(requested: &str) -> &'static str {
    SUPPORTED
        .iter()
        .find(|supported| **supported == requested)
        .copied()
        .unwrap_or(LATEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_served_revision_is_answered_as_asked() {
        for version in SUPPORTED {
            assert_eq!(negotiate(version), version);
        }
    }

    #[test]
    fn an_unknown_revision_is_answered_with_the_newest() {
        assert_eq!(negotiate("2099-01-01"), LATEST);
        assert_eq!(negotiate(""), LATEST);
        assert_eq!(negotiate("2026-07-28"), LATEST);
    }

    #[test]
    fn the_assumed_revision_is_one_we_serve() {
        assert!(is_supported(ASSUMED_WITHOUT_HEADER));
        assert!(!is_supported("1.0"));
    }
}
