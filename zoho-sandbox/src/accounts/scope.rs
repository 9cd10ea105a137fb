//! OAuth scopes a token carries, and the checks CRM and Books make against them.

use std::collections::HashSet;

/// The scopes granted to a token, lower-cased for case-insensitive matching.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scopes {
    granted: HashSet<String>,
    /// As the client asked for them, for the token response.
    pub original: Vec<String>,
}

/// The operation a call performs, as scopes name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Read,
    Create,
    Update,
    Delete,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }

    /// The operation an HTTP method performs.
    pub(crate) fn of_method(method: &http::Method) -> Op {
        match *method {
            http::Method::POST => Op::Create,
            http::Method::PUT | http::Method::PATCH => Op::Update,
            http::Method::DELETE => Op::Delete,
            _ => Op::Read,
        }
    }
}

impl Scopes {
    /// Parses scopes separated by commas or spaces, as Zoho's authorize URL and self client take them.
    pub(crate) fn parse(text: &str) -> Scopes {
        let original: Vec<String> = text
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Scopes {
            granted: original.iter().map(|s| s.to_ascii_lowercase()).collect(),
            original,
        }
    }

    /// Whether no scope at all was given.
    pub(crate) fn is_empty(&self) -> bool {
        self.granted.is_empty()
    }

    fn has(&self, scope: &str) -> bool {
        self.granted.contains(scope)
    }

    /// `prefix.ALL`, `prefix.<op>`, and `WRITE` for create, update and delete.
    fn has_op(&self, prefix: &str, op: Op) -> bool {
        self.has(&format!("{prefix}.all"))
            || self.has(&format!("{prefix}.{}", op.name()))
            || (op != Op::Read && self.has(&format!("{prefix}.write")))
    }

    /// `ZohoCRM.modules.ALL|<op>` or `ZohoCRM.modules.<Module>.ALL|<op>` (crm.md §2.1).
    pub(crate) fn crm_module(&self, module: &str, op: Op) -> bool {
        self.has_op("zohocrm.modules", op)
            || self.has_op(
                &format!("zohocrm.modules.{}", module.to_ascii_lowercase()),
                op,
            )
    }

    /// Attachments need the module scope and an attachments scope (crm.md §5); the broad
    /// `ZohoCRM.modules.ALL` counts as both.
    pub(crate) fn crm_attachments(&self, module: &str, op: Op) -> bool {
        self.crm_module(module, op)
            && (self.has_op("zohocrm.modules", op)
                || self.has_op("zohocrm.modules.attachments", op))
    }

    /// `ZohoCRM.settings.ALL|READ` or `ZohoCRM.settings.<what>.ALL|READ`.
    pub(crate) fn crm_settings(&self, what: &str) -> bool {
        self.has_op("zohocrm.settings", Op::Read)
            || self.has_op(&format!("zohocrm.settings.{what}"), Op::Read)
    }

    /// `ZohoCRM.<family>.READ` (or `.ALL`) for the read-only families `users` and `org`.
    pub(crate) fn crm_read(&self, family: &str) -> bool {
        self.has_op(&format!("zohocrm.{family}"), Op::Read)
    }

    /// `ZohoCRM.bulk.ALL|READ|CREATE` (wave2.md §2.1, §3.2).
    pub(crate) fn crm_bulk(&self, op: Op) -> bool {
        self.has_op("zohocrm.bulk", op)
    }

    /// `ZohoFiles.files.ALL`: uploads to Zoho's file store (bulk write files, wave2.md §3.1).
    pub(crate) fn files(&self) -> bool {
        self.has("zohofiles.files.all")
    }

    /// `ZohoCRM.coql.READ` (or `.ALL`).
    pub(crate) fn crm_coql(&self) -> bool {
        self.has_op("zohocrm.coql", Op::Read)
    }

    /// `ZohoCRM.notifications.ALL|<op>`, and `WRITE` for create, update and delete
    /// (wave2.md §1.1).
    pub(crate) fn crm_notifications(&self, op: Op) -> bool {
        self.has_op("zohocrm.notifications", op)
    }

    /// `ZohoBooks.fullaccess.all` or `ZohoBooks.<family>.ALL|<op>` (books.md §8).
    pub(crate) fn books(&self, family: &str, op: Op) -> bool {
        self.has("zohobooks.fullaccess.all") || self.has_op(&format!("zohobooks.{family}"), op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_scopes_match_by_module_and_operation() {
        let scopes = Scopes::parse("ZohoCRM.modules.Leads.READ,ZohoCRM.settings.fields.READ");
        assert!(scopes.crm_module("Leads", Op::Read));
        assert!(!scopes.crm_module("Leads", Op::Create));
        assert!(!scopes.crm_module("Contacts", Op::Read));
        assert!(scopes.crm_settings("fields"));
        assert!(!scopes.crm_settings("modules"));
        let all = Scopes::parse("ZohoCRM.modules.ALL ZohoBooks.fullaccess.all");
        assert!(all.crm_attachments("Leads", Op::Create));
        assert!(all.books("invoices", Op::Delete));
        let books = Scopes::parse("ZohoBooks.invoices.READ");
        assert!(books.books("invoices", Op::Read));
        assert!(!books.books("invoices", Op::Create));
        assert!(!books.books("contacts", Op::Read));
        let watch = Scopes::parse("ZohoCRM.notifications.READ ZohoCRM.notifications.WRITE");
        assert!(watch.crm_notifications(Op::Read) && watch.crm_notifications(Op::Delete));
        assert!(!Scopes::parse("ZohoCRM.notifications.READ").crm_notifications(Op::Create));
        assert!(!all.crm_notifications(Op::Read));
    }
}
