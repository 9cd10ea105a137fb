//! The file store's subscriptions and event logs.
//!
//! `subscriptions/ID.json` holds a subscription's record (its channel token sealed), written
//! whole like every file of the store. `events/ID.log` is its event log: one JSON line per event
//! (cursor, time stored, dedupe key, what is known of the record, the event), appended and
//! fsynced before an append answers, so an acknowledged event survives a crash. A process keeps
//! an index of each log it touched (dedupe keys, what is known of each record, line offsets) and
//! catches up with lines another process appended before it appends or reads. Trimming rewrites
//! the log without the lines older than the retention, atomically.

use std::collections::HashMap;
use std::io::{self, BufRead as _, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::Error;
use crate::Secret;
use crate::auth::BoxFuture;
use crate::store::events::{
    EventPage, EventStore, LogIndex, LogLine, NewEvent, SubscriptionRecord, check_subscription_id,
    parse_seq,
};
use crate::store::events_local::LocalLeases;
use crate::store::file_io::{blocking, io_error, read_json, to_json};
use crate::store::{FileStore, now_ms};
use crate::token::write_atomically;

const SUBSCRIPTIONS: &str = "subscriptions";
const EVENTS: &str = "events";

/// The indexes of the logs this process touched, and its leases.
#[derive(Debug, Default)]
pub(crate) struct FileEvents {
    logs: Mutex<HashMap<String, Arc<Mutex<LogIndex>>>>,
    leases: LocalLeases,
}

/// What a subscription's record is called should it not encode.
const SUBSCRIPTION: &str = "a subscription";

fn write_record(path: &Path, record: &SubscriptionRecord) -> Result<(), Error> {
    write_atomically(path, &to_json(record, SUBSCRIPTION)?)
        .map_err(|err| io_error("write", path, &err))
}

/// Index the lines of `path` past what `index` has seen.
fn catch_up(path: &Path, index: &mut LogIndex) -> Result<(), Error> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(io_error("open", path, &err)),
    };
    let len = file
        .metadata()
        .map_err(|err| io_error("read", path, &err))?
        .len();
    if len < index.indexed_len {
        // Rewritten by a trim in another process: index it again from the start.
        *index = LogIndex {
            seen: std::mem::take(&mut index.seen),
            latest: std::mem::take(&mut index.latest),
            ..LogIndex::default()
        };
    }
    if len == index.indexed_len {
        return Ok(());
    }
    file.seek(SeekFrom::Start(index.indexed_len))
        .map_err(|err| io_error("read", path, &err))?;
    let mut reader = io::BufReader::new(file);
    let mut offset = index.indexed_len;
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|err| io_error("read", path, &err))?;
        if read == 0 || !line.ends_with('\n') {
            // A line cut short by a crash is not an event: it was never acknowledged.
            break;
        }
        if let Ok(parsed) = serde_json::from_str::<LogLine>(&line) {
            index.learn(&parsed);
            index.offsets.insert(parsed.seq, offset);
        }
        offset += read as u64;
    }
    index.indexed_len = offset;
    Ok(())
}

impl FileStore {
    fn subscription_path(&self, id: &str) -> Result<PathBuf, Error> {
        check_subscription_id(id)?;
        Ok(self.root().join(SUBSCRIPTIONS).join(format!("{id}.json")))
    }

    fn log_path(&self, id: &str) -> Result<PathBuf, Error> {
        check_subscription_id(id)?;
        Ok(self.root().join(EVENTS).join(format!("{id}.log")))
    }

    fn log_index(&self, id: &str) -> Arc<Mutex<LogIndex>> {
        self.events
            .logs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id.to_owned())
            .or_default()
            .clone()
    }

    /// Run `job` on subscription `id`'s record under the events lock.
    async fn change_subscription<T: Send + 'static>(
        &self,
        id: &str,
        job: impl FnOnce(&Path, Option<SubscriptionRecord>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let path = self.subscription_path(id)?;
        let index = self.log_index(id);
        blocking(move || {
            let _held = index.lock().unwrap_or_else(PoisonError::into_inner);
            let current = read_json(&path)?;
            job(&path, current)
        })
        .await
    }
}

impl EventStore for FileStore {
    fn create_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let record = record.clone();
        Box::pin(async move {
            self.change_subscription(&record.id.clone(), move |path, current| {
                if current.is_some() {
                    return Ok(false);
                }
                write_record(path, &record)?;
                Ok(true)
            })
            .await
        })
    }

    fn subscription<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<SubscriptionRecord>, Error>> {
        Box::pin(async move {
            let path = self.subscription_path(id)?;
            blocking(move || read_json(&path)).await
        })
    }

    fn update_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let record = record.clone();
        Box::pin(async move {
            self.change_subscription(&record.id.clone(), move |path, current| {
                if current.is_none() {
                    return Ok(false);
                }
                write_record(path, &record)?;
                Ok(true)
            })
            .await
        })
    }

    fn list_subscriptions(&self) -> BoxFuture<'_, Result<Vec<SubscriptionRecord>, Error>> {
        let dir = self.root().join(SUBSCRIPTIONS);
        Box::pin(async move {
            blocking(move || {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
                    Err(err) => return Err(io_error("list", &dir, &err)),
                };
                let mut paths: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .filter(|path| {
                        path.extension().is_some_and(|ext| ext == "json")
                            && !path
                                .file_name()
                                .is_some_and(|name| name.to_string_lossy().starts_with('.'))
                    })
                    .collect();
                paths.sort();
                let mut records = Vec::with_capacity(paths.len());
                for path in paths {
                    if let Some(record) = read_json::<SubscriptionRecord>(&path)? {
                        records.push(record);
                    }
                }
                Ok(records)
            })
            .await
        })
    }

    fn delete_subscription<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let log = self.log_path(id)?;
            let existed = self
                .change_subscription(id, move |path, current| {
                    for gone in [path, log.as_path()] {
                        match std::fs::remove_file(gone) {
                            Ok(()) => {}
                            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                            Err(err) => return Err(io_error("delete", gone, &err)),
                        }
                    }
                    Ok(current.is_some())
                })
                .await?;
            self.events
                .logs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(id);
            Ok(existed)
        })
    }

    fn append_events<'a>(
        &'a self,
        subscription: &'a SubscriptionRecord,
        events: &'a [NewEvent],
    ) -> BoxFuture<'a, Result<usize, Error>> {
        let subscription = subscription.clone();
        let events = events.to_vec();
        Box::pin(async move {
            let path = self.log_path(&subscription.id)?;
            let index = self.log_index(&subscription.id);
            blocking(move || {
                let mut index = index.lock().unwrap_or_else(PoisonError::into_inner);
                catch_up(&path, &mut index)?;
                let before = LogIndex {
                    seen: index.seen.clone(),
                    latest: index.latest.clone(),
                    next_seq: index.next_seq,
                    ..LogIndex::default()
                };
                let lines = index.admit(&subscription, &events, now_ms());
                if lines.is_empty() {
                    return Ok(0);
                }
                let written = append_lines(&path, index.indexed_len, &lines);
                match written {
                    Ok(offsets) => {
                        for (line, (offset, len)) in lines.iter().zip(offsets) {
                            index.offsets.insert(line.seq, offset);
                            index.indexed_len = offset + len;
                        }
                        Ok(lines.len())
                    }
                    Err(err) => {
                        // Nothing was acknowledged: forget what the failed write would have added.
                        index.seen = before.seen;
                        index.latest = before.latest;
                        index.next_seq = before.next_seq;
                        Err(io_error("append to", &path, &err))
                    }
                }
            })
            .await
        })
    }

    fn read_events<'a>(
        &'a self,
        id: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<EventPage, Error>> {
        Box::pin(async move {
            let after = parse_seq(after)?;
            let path = self.log_path(id)?;
            let index = self.log_index(id);
            blocking(move || {
                let mut index = index.lock().unwrap_or_else(PoisonError::into_inner);
                catch_up(&path, &mut index)?;
                let Some((_, &start)) = index.offsets.range(after + 1..).next() else {
                    return Ok(EventPage { events: Vec::new() });
                };
                let mut file =
                    std::fs::File::open(&path).map_err(|err| io_error("open", &path, &err))?;
                file.seek(SeekFrom::Start(start))
                    .map_err(|err| io_error("read", &path, &err))?;
                let mut bytes = Vec::new();
                file.take(index.indexed_len - start)
                    .read_to_end(&mut bytes)
                    .map_err(|err| io_error("read", &path, &err))?;
                let events = bytes
                    .split(|b| *b == b'\n')
                    .filter_map(|line| serde_json::from_slice::<LogLine>(line).ok())
                    .filter(|line| line.seq > after)
                    .take(limit)
                    .map(|line| (line.seq.to_string(), line.event))
                    .collect();
                Ok(EventPage { events })
            })
            .await
        })
    }

    fn trim_events<'a>(&'a self, id: &'a str, before_ms: u64) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(async move {
            let path = self.log_path(id)?;
            let index = self.log_index(id);
            blocking(move || {
                let mut index = index.lock().unwrap_or_else(PoisonError::into_inner);
                catch_up(&path, &mut index)?;
                let text = match std::fs::read(&path) {
                    Ok(text) => text,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
                    Err(err) => return Err(io_error("read", &path, &err)),
                };
                let mut kept = Vec::with_capacity(text.len());
                let mut dropped = 0;
                for line in text.split_inclusive(|b| *b == b'\n') {
                    match serde_json::from_slice::<LogLine>(line) {
                        Ok(parsed) if parsed.stored_ms < before_ms => dropped += 1,
                        _ if line.ends_with(b"\n") => kept.extend_from_slice(line),
                        _ => {}
                    }
                }
                if dropped == 0 {
                    return Ok(0);
                }
                write_atomically(&path, &kept).map_err(|err| io_error("write", &path, &err))?;
                // The dedupe keys and what is known of records stay: only the lines go.
                index.offsets.clear();
                index.indexed_len = 0;
                let next_seq = index.next_seq;
                catch_up(&path, &mut index)?;
                index.next_seq = index.next_seq.max(next_seq);
                Ok(dropped)
            })
            .await
        })
    }

    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let held = self.events.leases.try_lease(name, owner, ttl);
        Box::pin(std::future::ready(Ok(held)))
    }

    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.events.leases.release(name, owner);
        Box::pin(std::future::ready(Ok(())))
    }

    fn seal(&self, id: &str, field: &str, secret: &Secret) -> Result<String, Error> {
        self.keyring()
            .seal(&format!("subscription:{id}"), field, secret)
    }

    fn open(&self, id: &str, field: &str, sealed: &str) -> Result<Secret, Error> {
        self.keyring()
            .open(&format!("subscription:{id}"), field, sealed)
    }
}

/// Append `lines` to the log at `path` (whose indexed length is `at`) and fsync; each line's
/// offset and length.
fn append_lines(path: &Path, at: u64, lines: &[LogLine]) -> io::Result<Vec<(u64, u64)>> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let len = file.metadata()?.len();
    if len > at {
        // A line cut short by a crash: end it, so the next line starts clean.
        file.write_all(b"\n")?;
    }
    let mut offset = file.metadata()?.len();
    let mut bytes = Vec::new();
    let mut spans = Vec::with_capacity(lines.len());
    for line in lines {
        let mut text = serde_json::to_vec(line).map_err(io::Error::other)?;
        text.push(b'\n');
        spans.push((offset, text.len() as u64));
        offset += text.len() as u64;
        bytes.extend_from_slice(&text);
    }
    file.write_all(&bytes)?;
    file.sync_data()?;
    Ok(spans)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::Keyring;
    use crate::store::events::{Operation, Origin};

    fn subscription() -> SubscriptionRecord {
        SubscriptionRecord {
            id: "sub_test".into(),
            connection: "default".into(),
            source: "crm.poll".into(),
            record_types: vec!["Leads".into()],
            operations: Operation::ALL.to_vec(),
            fields: None,
            interval_secs: 60,
            organization_id: None,
            deliver: None,
            created_at_ms: 0,
            status: "active".into(),
            channel: None,
            cursors: Default::default(),
            delivery: Default::default(),
            last_error: None,
            last_sync_ms: None,
        }
    }

    fn event(id: &str, operation: Operation, at_ms: i64) -> NewEvent {
        NewEvent {
            record_type: "Leads".into(),
            record_id: id.into(),
            operation,
            at_ms,
            changed_fields: None,
            values: None,
            origin: Origin::Callback,
        }
    }

    #[tokio::test]
    async fn events_survive_a_reopen_and_a_cut_short_line_and_stay_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let sub = subscription();
        let store = FileStore::open(dir.path(), Keyring::none()).unwrap();
        assert!(store.create_subscription(&sub).await.unwrap());
        assert!(!store.create_subscription(&sub).await.unwrap());
        let first = [
            event("1", Operation::Create, 1_000),
            event("2", Operation::Create, 1_500),
        ];
        assert_eq!(store.append_events(&sub, &first).await.unwrap(), 2);
        assert_eq!(store.append_events(&sub, &first).await.unwrap(), 0);
        // A crash in the middle of a line.
        let log = dir.path().join("events/sub_test.log");
        let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        file.write_all(b"{\"seq\":3,\"stored").unwrap();
        drop(file);

        let reopened = FileStore::open(dir.path(), Keyring::none()).unwrap();
        let page = reopened.read_events("sub_test", None, 10).await.unwrap();
        assert_eq!(page.events.len(), 2);
        assert_eq!(
            reopened.append_events(&sub, &first).await.unwrap(),
            0,
            "known after a reopen"
        );
        let later = [event("1", Operation::Edit, 2_000)];
        assert_eq!(reopened.append_events(&sub, &later).await.unwrap(), 1);
        let cursor = page.events[1].0.clone();
        let rest = reopened
            .read_events("sub_test", Some(&cursor), 10)
            .await
            .unwrap();
        assert_eq!(rest.events.len(), 1);
        assert_eq!(rest.events[0].1["operation"], "edit");
        assert!(rest.events[0].0.parse::<u64>().unwrap() > cursor.parse::<u64>().unwrap());

        // Trimming drops what is older than the retention, and nothing else.
        assert_eq!(reopened.trim_events("sub_test", 0).await.unwrap(), 0);
        assert_eq!(reopened.trim_events("sub_test", u64::MAX).await.unwrap(), 3);
        assert!(
            reopened
                .read_events("sub_test", None, 10)
                .await
                .unwrap()
                .events
                .is_empty()
        );
        assert_eq!(reopened.append_events(&sub, &later).await.unwrap(), 0);
        assert!(reopened.delete_subscription("sub_test").await.unwrap());
        assert!(reopened.subscription("sub_test").await.unwrap().is_none());
        assert!(!log.exists());
    }

    #[tokio::test]
    async fn a_lease_is_held_by_one_owner_until_it_runs_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path(), Keyring::none()).unwrap();
        let ttl = Duration::from_millis(200);
        assert!(store.try_lease("s", "a", ttl).await.unwrap());
        assert!(!store.try_lease("s", "b", ttl).await.unwrap());
        assert!(store.try_lease("s", "a", ttl).await.unwrap(), "extended");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(store.try_lease("s", "b", ttl).await.unwrap(), "taken over");
        store.release_lease("s", "b").await.unwrap();
        assert!(store.try_lease("s", "a", ttl).await.unwrap());
    }
}
