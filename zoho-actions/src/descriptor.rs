//! What a generated action says about itself, for `methods` listings and discovery. It lives
//! with the actions: only they make descriptors ([`crate::METHODS`]).

/// One JSON-RPC method, as generated from the action spec into [`crate::METHODS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodDescriptor {
    /// The JSON-RPC method name (`crm.getRecords`).
    pub name: &'static str,
    /// The action's label as users know it (`CRM - Get Records`).
    pub label: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// A longer description.
    pub description: &'static str,
    /// It only reads.
    pub read_only: bool,
    /// It deletes or overwrites data.
    pub destructive: bool,
    /// Calling it twice has the effect of calling it once.
    pub idempotent: bool,
    /// JSON Schema of the params object, as a JSON string.
    pub params_schema: &'static str,
}
