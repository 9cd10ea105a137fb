//! A token store in a JSON file, written so that a crash at any moment leaves the old tokens or
//! the new ones: never a broken file, never a lost refresh token.
//!
//! A save writes a temporary file next to the target (mode 0600, created new), fsyncs it, renames
//! it over the target and fsyncs the directory so the rename itself is durable. Rename within one
//! directory is atomic, so readers see one whole file or the other.
//!
//! A process killed between the write and the rename leaves its temporary file behind, holding a
//! refresh token. The first load of a store therefore removes the temporary files of that store
//! left by processes that are gone (or by this one, when no save of ours is using them).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::auth::BoxFuture;
use crate::token::{StoredTokens, TokenStore};
use crate::{Error, Secret};

/// Keeps one connection's tokens in a JSON file readable by its owner only.
#[derive(Clone)]
pub struct FileStore {
    path: PathBuf,
    swept: Arc<AtomicBool>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Temporary files of saves running in this process: never swept away from under them.
static SAVES_IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A save that takes this long is no save: its temporary file is removed whoever made it.
const ABANDONED_AFTER: Duration = Duration::from_secs(60 * 60);

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
        FileStore {
            path: path.into(),
            swept: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Remove the temporary files earlier saves of this store left behind (a process killed
    /// half-way through a save); how many were removed. Files of saves still running, here or in
    /// a live process, are left alone. The first load does this by itself.
    pub fn remove_leftover_temps(&self) -> io::Result<usize> {
        let dir = parent_dir(&self.path);
        let Some(name) = self.path.file_name() else {
            return Ok(0);
        };
        let prefix = format!(".{}.tmp-", name.to_string_lossy());
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(err),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let file_name = entry.file_name();
            let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
                continue;
            };
            let path = entry.path();
            if is_leftover(&path, rest) && fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(
                store = %self.path.display(),
                removed,
                "removed temporary token files left by an interrupted save"
            );
            sync_dir(dir)?;
        }
        Ok(removed)
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
        Ok(StagedSave::new(self.path.clone(), temp))
    }

    fn read(&self) -> Result<Option<StoredTokens>, Error> {
        if !self.swept.swap(true, Ordering::SeqCst)
            && let Err(err) = self.remove_leftover_temps()
        {
            tracing::warn!(store = %self.path.display(), error = %err, "could not look for leftover temporary token files");
        }
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
    fn new(target: PathBuf, temp: PathBuf) -> StagedSave {
        StagedSave {
            target,
            temp: Some(temp),
        }
    }

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
            save_ended(&temp);
            result.map_err(|err| io_error("replace", &target, &err))
        })
        .await
    }
}

impl Drop for StagedSave {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = fs::remove_file(&temp);
            save_ended(&temp);
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

/// Write `contents` to `target` so that a crash leaves the old file or the new one: a private
/// temporary file next to it, fsynced, renamed over it, the directory fsynced.
pub(crate) fn write_atomically(target: &Path, contents: &[u8]) -> io::Result<()> {
    let temp = write_temp(target, contents)?;
    let result = fs::rename(&temp, target).and_then(|()| sync_dir(parent_dir(target)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    save_ended(&temp);
    result
}

/// Remove from `dir` the temporary files of [`write_atomically`] that no running save owns (left
/// by a process killed half-way); how many were removed.
pub(crate) fn remove_leftover_temps_in(dir: &Path) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .filter(|name| name.starts_with('.'))
            .and_then(|name| name.split_once(".tmp-"))
            .map(|(_, rest)| rest.to_owned())
        else {
            continue;
        };
        let path = entry.path();
        if is_leftover(&path, &rest) && fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        sync_dir(dir)?;
    }
    Ok(removed)
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
    lock_saves().push(temp.clone());
    let written = open_private_new(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    match written {
        Ok(()) => Ok(temp),
        Err(err) => {
            let _ = fs::remove_file(&temp);
            save_ended(&temp);
            Err(err)
        }
    }
}

fn lock_saves() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    SAVES_IN_FLIGHT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn save_ended(temp: &Path) {
    let mut saves = lock_saves();
    if let Some(found) = saves.iter().position(|p| p == temp) {
        saves.swap_remove(found);
    }
}

/// Whether the temporary file at `path`, named `.NAME.tmp-{rest}` with `rest` = `PID-RANDOM`,
/// belongs to no save still running.
fn is_leftover(path: &Path, rest: &str) -> bool {
    let abandoned = fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age > ABANDONED_AFTER);
    if abandoned {
        return true;
    }
    let Some(pid) = rest
        .split('-')
        .next()
        .and_then(|pid| pid.parse::<u32>().ok())
    else {
        return false;
    };
    if pid == std::process::id() {
        // Ours (or of an earlier process with our pid, as a container's first process always
        // has): a leftover unless a save of ours is writing it now.
        return !lock_saves().iter().any(|p| p == path);
    }
    !process_is_alive(pid)
}

/// Whether process `pid` is running. Where that cannot be told, it is taken to be, so only the
/// hour-old files of other processes are removed.
fn process_is_alive(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        return true;
    }
    match fs::read_to_string(proc_root.join(pid.to_string()).join("stat")) {
        // After the command name in parentheses comes the state; a zombie has ended.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, after)| after.split_whitespace().next())
            .is_none_or(|state| !matches!(state, "Z" | "X")),
        Err(_) => false,
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
