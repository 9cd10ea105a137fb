//! The embedded [`Store`]: a folder of JSON files, nothing to install.
//!
//! `connections/NAME.json` holds a connection's record and its sealed tokens, `pending/DIGEST.json`
//! an authorization in progress. Every file is written whole (a private temporary file, fsynced,
//! renamed over the old one), so a crash leaves the old file or the new one; the temporary files
//! a killed process left behind are removed when the store opens.
//!
//! Every change runs under an exclusive lock on `.lock` in the folder (and a mutex inside the
//! process), read to write: the version check of [`Store::write_tokens`] is exact for every
//! process on the machine that opens the folder. Processes on several machines share a Redis
//! store instead (a lock on a network file system is not to be trusted).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::auth::BoxFuture;
use crate::store::file_io::{blocking, io_error, read_json, to_json};
use crate::store::record::SealedTokens;
use crate::store::{
    ConnectionRecord, Keyring, PendingAuthorization, PendingPut, Store, TokenRecord, TokenWrite,
    WriteOutcome, check_connection_name, now_ms, state_digest,
};
use crate::token::{remove_leftover_temps_in, write_atomically};

/// A store in a folder, readable by its owner only. Debug shows the folder and key ids only.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
    keyring: Keyring,
    writes: Arc<tokio::sync::Mutex<()>>,
    pub(super) events: Arc<super::events_file::FileEvents>,
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
            events: Arc::default(),
        })
    }

    /// The folder the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(super) fn keyring(&self) -> &Keyring {
        &self.keyring
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

    /// Run `change` on connection `name`'s file (`None`: there is none) under the store's
    /// locks; what it leaves in the slot is written back when it answers `true` beside its
    /// answer (`None` then deletes the file).
    async fn change<T: Send + 'static>(
        &self,
        name: &str,
        change: impl FnOnce(&mut Option<ConnectionFile>) -> Result<(T, bool), Error> + Send + 'static,
    ) -> Result<T, Error> {
        let path = self.connection_path(name)?;
        let lock_path = self.root.join(".lock");
        let _inside = self.writes.lock().await;
        blocking(move || {
            let _across = lock_folder(&lock_path)?;
            let mut file = read_json(&path)?;
            let (answer, write) = change(&mut file)?;
            if write {
                match &file {
                    Some(file) => write_atomically(&path, &to_json(file, "a store file")?)
                        .map_err(|err| io_error("write", &path, &err))?,
                    None => match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                        Err(err) => return Err(io_error("delete", &path, &err)),
                    },
                }
            }
            Ok(answer)
        })
        .await
    }
}

/// Take the exclusive lock on the folder's `.lock` file; it is released when the file closes.
fn lock_folder(path: &Path) -> Result<std::fs::File, Error> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|err| io_error("create", dir, &err))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|err| io_error("open", path, &err))?;
    file.lock().map_err(|err| io_error("lock", path, &err))?;
    Ok(file)
}

impl Store for FileStore {
    fn create_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let record = record.clone();
        Box::pin(async move {
            self.change(&record.name.clone(), move |file| {
                if file.is_some() {
                    return Ok((false, false));
                }
                *file = Some(ConnectionFile {
                    record,
                    tokens: None,
                });
                Ok((true, true))
            })
            .await
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
        let record = record.clone();
        Box::pin(async move {
            self.change(&record.name.clone(), move |file| match file {
                Some(file) => {
                    file.record = record;
                    Ok((true, true))
                }
                None => Ok((false, false)),
            })
            .await
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
            self.change(name, |file| {
                let existed = file.take().is_some();
                Ok((existed, existed))
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
        let keyring = self.keyring.clone();
        let write = write.clone();
        let owned = name.to_owned();
        Box::pin(async move {
            self.change(name, move |file| {
                let Some(file) = file else {
                    return Err(Error::InvalidInput {
                        field: "connection".into(),
                        reason: format!("no connection named `{owned}` in the store"),
                    });
                };
                let current = file
                    .tokens
                    .as_ref()
                    .map(|sealed| sealed.open(&keyring, &owned))
                    .transpose()?;
                if current.as_ref().map_or(0, |record| record.version) != expected {
                    return Ok((WriteOutcome::Conflict(current), false));
                }
                let Some(next) = write.next_record(current.as_ref()) else {
                    return Ok((WriteOutcome::Conflict(None), false));
                };
                file.tokens = Some(SealedTokens::seal(&keyring, &owned, &next)?);
                Ok((WriteOutcome::Written(next.version), true))
            })
            .await
        })
    }

    fn clear_tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.change(name, |file| match file {
                Some(file) if file.tokens.is_some() => {
                    file.tokens = None;
                    Ok(((), true))
                }
                _ => Ok(((), false)),
            })
            .await
        })
    }

    fn put_pending<'a>(
        &'a self,
        state: &'a str,
        pending: &'a PendingAuthorization,
        cap: usize,
    ) -> BoxFuture<'a, Result<PendingPut, Error>> {
        Box::pin(async move {
            let path = self.pending_path(state);
            let dir = self.root.join(PENDING);
            let bytes = to_json(pending, "a store file")?;
            let connection = pending.connection.clone();
            blocking(move || {
                // Counted, then written: two starts racing may both pass at `cap - 1`, so the
                // bound holds within the starts made at the same instant.
                let mut in_progress = pending_in_progress(&dir, &connection);
                if in_progress.len() >= cap {
                    in_progress.sort_unstable();
                    let first_expires_at_ms = in_progress.first().copied().unwrap_or_else(now_ms);
                    return Ok(PendingPut::Full {
                        first_expires_at_ms,
                    });
                }
                write_atomically(&path, &bytes).map_err(|err| io_error("write", &path, &err))?;
                Ok(PendingPut::Kept)
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

/// When each authorization of `connection` still in progress expires; on the way, drop the
/// files of authorizations nobody finished in time (a failure only leaves them longer).
fn pending_in_progress(dir: &Path, connection: &str) -> Vec<u64> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let now = now_ms();
    let mut in_progress = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "json")
            && let Ok(Some(pending)) = read_json::<PendingAuthorization>(&path)
        {
            if pending.expires_at_ms <= now {
                let _ = std::fs::remove_file(&path);
            } else if pending.connection == connection {
                in_progress.push(pending.expires_at_ms);
            }
        }
    }
    in_progress
}
