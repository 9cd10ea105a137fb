//! The one error type of the benchmark binary: every failure names what was being measured.

/// What stopped a benchmark.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line does not fit.
    #[error("usage: {0}")]
    Usage(String),
    /// Starting or talking to a child process (sandbox, server, export child) failed.
    #[error("{what}: {reason}")]
    Child {
        /// Which process.
        what: String,
        /// Why.
        reason: String,
    },
    /// An HTTP exchange during setup failed or answered something unexpected.
    #[error("{what}: {reason}")]
    Setup {
        /// Which step.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A measured call failed; a benchmark of failing calls measures nothing.
    #[error("{what}: {failed} of {total} calls failed; first failure: {first}")]
    CallsFailed {
        /// Which measurement.
        what: String,
        /// How many failed.
        failed: u64,
        /// How many were made.
        total: u64,
        /// The first failure's message.
        first: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// zoho-core refused or failed (setting up a connection). Boxed: it is large and only
    /// travels on the failure path.
    #[error("zoho-core: {0}")]
    Zoho(Box<zoho_core::Error>),
    /// The sandbox did not start.
    #[error("sandbox: {0}")]
    Sandbox(#[from] zoho_sandbox::Error),
}

impl From<zoho_core::Error> for Error {
    fn from(err: zoho_core::Error) -> Error {
        Error::Zoho(Box::new(err))
    }
}

impl Error {
    /// A setup step's failure.
    pub fn setup(what: &'static str, reason: impl std::fmt::Display) -> Error {
        Error::Setup {
            what,
            reason: reason.to_string(),
        }
    }

    /// A child process's failure.
    pub fn child(what: impl Into<String>, reason: impl std::fmt::Display) -> Error {
        Error::Child {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
