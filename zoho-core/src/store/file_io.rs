//! What the file store (`file.rs`) and its subscriptions (`events_file.rs`) share: reading a
//! JSON file back, encoding one to be written whole, naming the file in every error, and running
//! the file work off the async threads.

use std::io;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;

/// The value in the JSON file at `path`, `None` when there is no such file.
pub(super) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, Error> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(io_error("read", path, &err)),
    };
    // serde_json's error names a line and column, never the content.
    serde_json::from_slice(&bytes).map(Some).map_err(|err| {
        Error::Config(format!(
            "store file `{}` cannot be read ({err})",
            path.display()
        ))
    })
}

/// `value` as a file's content: pretty JSON and a final newline; `what` names it should it not
/// encode.
pub(super) fn to_json<T: Serialize>(value: &T, what: &str) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|err| Error::Internal(format!("cannot encode {what}: {err}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The store could not `action` (read, write, list…) the file at `path`.
pub(super) fn io_error(action: &str, path: &Path, err: &io::Error) -> Error {
    Error::Config(format!(
        "cannot {action} store file `{}`: {err}",
        path.display()
    ))
}

/// Run `job`, which touches files, on tokio's blocking threads.
pub(super) async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|err| Error::Internal(format!("store task failed: {err}")))?
}
