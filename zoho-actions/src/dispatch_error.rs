//! Why a dispatched call failed.

/// The error of [`crate::dispatch`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// No action has this method name.
    #[error("unknown method `{0}`")]
    UnknownMethod(String),
    /// The action refused its params or failed.
    #[error(transparent)]
    Action(#[from] zoho_core::Error),
}
