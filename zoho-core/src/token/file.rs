//! A token store in a JSON file, written so that a crash at any moment leaves the old tokens or
//! the new ones: never a broken file, never a lost refresh token.
//!
//! A save writes a temporary file next to the target (mode 0600, created new), fsyncs it, renames
//! it over the target and fsyncs the directory so the rename itself is durable. Rename within one
//! directory is atomic, so readers see one whole file or the other.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::auth::BoxFuture;
use crate::token::{StoredTokens, TokenStore};
use crate::{Error, Secret};

/// Keeps one connection's tokens in a JSON file readable by its owner only.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

/// The file's layout. Timestamps are Unix seconds.
#[derive(Serialize, Deserialize)]
struct FileLayout {
    version: u32,
    refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scopes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accounts_server: Option<String>,
}

const LAYOUT_VERSION: u32 = 1;

impl FileStore {
    /// A store at `path` (created on first save, with its directory).
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }

    /// The file the tokens live in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// First half of a save: write `tokens` to a new temporary file next to the target and
    /// fsync it. Nothing is visible to readers until [`StagedSave::commit`]; dropping the
    /// staged save deletes the temporary file.
    pub async fn stage(&self, tokens: &StoredTokens) -> Result<StagedSave, Error> {
        let contents = encode(tokens)?;
        let path = self.path.clone();
        let temp = run_blocking(move || {
            write_temp(&path, &contents).map_err(|err| io_error("write", &path, &err))
        })
        .await?;
        Ok(StagedSave {
            target: self.path.clone(),
            temp: Some(temp),
        })
    }

    fn read(&self) -> Result<Option<StoredTokens>, Error> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io_error("read", &self.path, &err)),
        };
        warn_if_readable_by_others(&self.path);
        // serde_json's error names a line and column, never the content.
        let layout: FileLayout = serde_json::from_slice(&bytes).map_err(|err| {
            Error::Config(format!(
                "token store `{}` is not a token file we can read ({err}); authorize again to rewrite it",
                self.path.display()
            ))
        })?;
        Ok(Some(decode(layout)))
    }
}

/// A save that has been written and fsynced but not yet put in place.
#[derive(Debug)]
pub struct StagedSave {
    target: PathBuf,
    temp: Option<PathBuf>,
}

impl StagedSave {
    /// The temporary file holding the new tokens.
    pub fn temp_path(&self) -> Option<&Path> {
        self.temp.as_deref()
    }

    /// Second half of a save: rename the temporary file over the target and fsync the directory.
    pub async fn commit(mut self) -> Result<(), Error> {
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        let target = self.target.clone();
        run_blocking(move || {
            let result = fs::rename(&temp, &target).and_then(|()| sync_dir(parent_dir(&target)));
            if result.is_err() {
                let _ = fs::remove_file(&temp);
            }
            result.map_err(|err| io_error("replace", &target, &err))
        })
        .await
    }
}

impl Drop for StagedSave {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = fs::remove_file(temp);
        }
    }
}

impl TokenStore for FileStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, Error>> {
        let store = self.clone();
        Box::pin(async move { run_blocking(move || store.read()).await })
    }

    fn save<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.stage(tokens).await?.commit().await })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), Error>> {
        let path = self.path.clone();
        Box::pin(async move {
            run_blocking(move || {
                match fs::remove_file(&path) {
                    Ok(()) => sync_dir(parent_dir(&path)),
                    Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(err) => Err(err),
                }
                .map_err(|err| io_error("delete", &path, &err))
            })
            .await
        })
    }
}

fn encode(tokens: &StoredTokens) -> Result<Vec<u8>, Error> {
    let layout = FileLayout {
        version: LAYOUT_VERSION,
        refresh_token: tokens.refresh_token.expose().to_string(),
        access_token: tokens
            .access_token
            .as_ref()
            .map(|token| token.expose().to_string()),
        expires_at: tokens.expires_at.map(|at| {
            at.duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs())
        }),
        api_domain: tokens.api_domain.clone(),
        scopes: tokens.scopes.clone(),
        accounts_server: tokens.accounts_server.clone(),
    };
    let mut bytes = serde_json::to_vec_pretty(&layout)
        .map_err(|err| Error::Internal(format!("cannot encode tokens: {err}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn decode(layout: FileLayout) -> StoredTokens {
    StoredTokens {
        refresh_token: Secret::new(layout.refresh_token),
        access_token: layout.access_token.map(Secret::new),
        // A time the clock cannot hold is no expiry to trust: the access token is refreshed.
        expires_at: layout
            .expires_at
            .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs))),
        api_domain: layout.api_domain,
        scopes: layout.scopes,
        accounts_server: layout.accounts_server,
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn write_temp(target: &Path, contents: &[u8]) -> io::Result<PathBuf> {
    let dir = parent_dir(target);
    create_private_dir(dir)?;
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let temp = dir.join(format!(
        ".{}.tmp-{}-{:016x}",
        name.to_string_lossy(),
        std::process::id(),
        rand::rng().next_u64()
    ));
    let written = open_private_new(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    match written {
        Ok(()) => Ok(temp),
        Err(err) => {
            let _ = fs::remove_file(&temp);
            Err(err)
        }
    }
}

#[cfg(unix)]
fn open_private_new(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private_new(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// Make a rename in `dir` durable: on Unix the directory entry is data of the directory.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "token store is readable by other users; it should be mode 0600");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

fn io_error(action: &str, path: &Path, err: &io::Error) -> Error {
    Error::Config(format!(
        "cannot {action} token store `{}`: {err}",
        path.display()
    ))
}

async fn run_blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|err| Error::Internal(format!("token store task failed: {err}")))?
}
