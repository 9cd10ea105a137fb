//! The embedded [`Store`]: a folder of JSON files, nothing to install.
//!
//! `connections/NAME.json` holds a connection's record and its sealed tokens, `pending/DIGEST.json`
//! an authorization in progress. Every file is written whole (a private temporary file, fsynced,
//! renamed over the old one), so a crash leaves the old file or the new one; the temporary files
//! a killed process left behind are removed when the store opens.
//!
//! Writes are serialized inside the process, which makes the version check of
//! [`Store::write_tokens`] exact for one server process. Several processes must share a Redis
//! store instead: files give them no compare-and-set.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::auth::BoxFuture;
use crate::store::record::SealedTokens;
use crate::store::{
    ConnectionRecord, Keyring, PendingAuthorization, Store, TokenRecord, TokenWrite, WriteOutcome,
    check_connection_name, now_ms, state_digest,
};
use crate::token::{remove_leftover_temps_in, write_atomically};

/// A store in a folder, readable by its owner only. Debug shows the folder and key ids only.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
    keyring: Keyring,
    writes: Arc<tokio::sync::Mutex<()>>,
}

/// One connection's file.
#[derive(Serialize, Deserialize)]
struct ConnectionFile {
    record: ConnectionRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tokens: Option<SealedTokens>,
}

const CONNECTIONS: &str = "connections";
const PENDING: &str = "pending";

impl FileStore {
    /// Open the store in `root` (created on first write), sealing tokens with `keyring`, and
    /// remove the temporary files an interrupted write left there.
    pub fn open(root: impl Into<PathBuf>, keyring: Keyring) -> Result<FileStore, Error> {
        let root = root.into();
        for dir in [CONNECTIONS, PENDING] {
            let dir = root.join(dir);
            match remove_leftover_temps_in(&dir) {
                Ok(0) => {}
                Ok(removed) => {
                    tracing::info!(store = %dir.display(), removed, "removed temporary files left by an interrupted write")
                }
                Err(err) => return Err(io_error("clean", &dir, &err)),
            }
        }
        Ok(FileStore {
            root,
            keyring,
            writes: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The folder the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn connection_path(&self, name: &str) -> Result<PathBuf, Error> {
        check_connection_name(name)?;
        Ok(self.root.join(CONNECTIONS).join(format!("{name}.json")))
    }

    fn pending_path(&self, state: &str) -> PathBuf {
        self.root
            .join(PENDING)
            .join(format!("{}.json", state_digest(state)))
    }

    async fn read_connection(&self, name: &str) -> Result<Option<ConnectionFile>, Error> {
        let path = self.connection_path(name)?;
        blocking(move || read_json(&path)).await
    }

    async fn write_connection(&self, file: &ConnectionFile) -> Result<(), Error> {
        let path = self.connection_path(&file.record.name)?;
        let bytes = to_json(file)?;
        blocking(move || {
            write_atomically(&path, &bytes).map_err(|err| io_error("write", &path, &err))
        })
        .await
    }
}

impl Store for FileStore {
    fn create_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let _write = self.writes.lock().await;
            if self.read_connection(&record.name).await?.is_some() {
                return Ok(false);
            }
            self.write_connection(&ConnectionFile {
                record: record.clone(),
                tokens: None,
            })
            .await?;
            Ok(true)
        })
    }

    fn connection<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<ConnectionRecord>, Error>> {
        Box::pin(async move { Ok(self.read_connection(name).await?.map(|file| file.record)) })
    }

    fn update_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let _write = self.writes.lock().await;
            let Some(file) = self.read_connection(&record.name).await? else {
                return Ok(false);
            };
            self.write_connection(&ConnectionFile {
                record: record.clone(),
                tokens: file.tokens,
            })
            .await?;
            Ok(true)
        })
    }

    fn list_connections<'a>(
        &'a self,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<ConnectionRecord>, Error>> {
        Box::pin(async move {
            let dir = self.root.join(CONNECTIONS);
            let after = after.map(str::to_owned);
            let names = blocking(move || {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
                    Err(err) => return Err(io_error("list", &dir, &err)),
                };
                let mut names: Vec<String> = entries
                    .filter_map(Result::ok)
                    .filter_map(|entry| {
                        let name = entry
                            .file_name()
                            .to_str()?
                            .strip_suffix(".json")?
                            .to_owned();
                        check_connection_name(&name).ok().map(|()| name)
                    })
                    .filter(|name| after.as_ref().is_none_or(|after| name > after))
                    .collect();
                names.sort_unstable();
                names.truncate(limit);
                Ok(names)
            })
            .await?;
            let mut page = Vec::with_capacity(names.len());
            for name in names {
                // One deleted between listing and reading is simply not on the page.
                if let Some(file) = self.read_connection(&name).await? {
                    page.push(file.record);
                }
            }
            Ok(page)
        })
    }

    fn delete_connection<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let _write = self.writes.lock().await;
            let path = self.connection_path(name)?;
            blocking(move || match std::fs::remove_file(&path) {
                Ok(()) => Ok(true),
                Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
                Err(err) => Err(io_error("delete", &path, &err)),
            })
            .await
        })
    }

    fn tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<TokenRecord>, Error>> {
        Box::pin(async move {
            match self.read_connection(name).await? {
                Some(ConnectionFile {
                    tokens: Some(sealed),
                    ..
                }) => sealed.open(&self.keyring, name).map(Some),
                _ => Ok(None),
            }
        })
    }

    fn write_tokens<'a>(
        &'a self,
        name: &'a str,
        expected: u64,
        write: &'a TokenWrite,
    ) -> BoxFuture<'a, Result<WriteOutcome, Error>> {
        Box::pin(async move {
            let _write = self.writes.lock().await;
            let Some(mut file) = self.read_connection(name).await? else {
                return Err(Error::InvalidInput {
                    field: "connection".into(),
                    reason: format!("no connection named `{name}` in the store"),
                });
            };
            let current = file
                .tokens
                .as_ref()
                .map(|sealed| sealed.open(&self.keyring, name))
                .transpose()?;
            if current.as_ref().map_or(0, |record| record.version) != expected {
                return Ok(WriteOutcome::Conflict(current));
            }
            let Some(next) = write.next_record(current.as_ref()) else {
                return Ok(WriteOutcome::Conflict(None));
            };
            file.tokens = Some(SealedTokens::seal(&self.keyring, name, &next)?);
            self.write_connection(&file).await?;
            Ok(WriteOutcome::Written(next.version))
        })
    }

    fn clear_tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let _write = self.writes.lock().await;
            if let Some(mut file) = self.read_connection(name).await?
                && file.tokens.is_some()
            {
                file.tokens = None;
                self.write_connection(&file).await?;
            }
            Ok(())
        })
    }

    fn put_pending<'a>(
        &'a self,
        state: &'a str,
        pending: &'a PendingAuthorization,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let path = self.pending_path(state);
            let dir = self.root.join(PENDING);
            let bytes = to_json(pending)?;
            blocking(move || {
                remove_expired_pending(&dir);
                write_atomically(&path, &bytes).map_err(|err| io_error("write", &path, &err))
            })
            .await
        })
    }

    fn take_pending<'a>(
        &'a self,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<PendingAuthorization>, Error>> {
        Box::pin(async move {
            let path = self.pending_path(state);
            blocking(move || {
                let pending: Option<PendingAuthorization> = read_json(&path)?;
                // Whoever removes the file took it: a second taker finds it gone.
                match std::fs::remove_file(&path) {
                    Ok(()) => Ok(pending.filter(|p| p.expires_at_ms > now_ms())),
                    Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(err) => Err(io_error("delete", &path, &err)),
                }
            })
            .await
        })
    }
}

/// Drop the files of authorizations nobody finished in time; a failure only leaves them longer.
fn remove_expired_pending(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = now_ms();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "json")
            && let Ok(Some(pending)) = read_json::<PendingAuthorization>(&path)
            && pending.expires_at_ms <= now
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, Error> {
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

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|err| Error::Internal(format!("cannot encode a store file: {err}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn io_error(action: &str, path: &Path, err: &io::Error) -> Error {
    Error::Config(format!(
        "cannot {action} store file `{}`: {err}",
        path.display()
    ))
}

async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|err| Error::Internal(format!("store task failed: {err}")))?
}
