//! The optional JSONL request log: method, path, query and body of every request, with every
//! secret (client secret, codes, tokens) replaced, written by a background task.

use std::path::Path;

use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::error::Error;
use crate::http::{Req, parse_pairs};

const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "code",
    "refresh_token",
    "access_token",
    "token",
    "password",
];

/// Sends log lines to the writer task.
#[derive(Debug)]
pub(crate) struct RequestLog {
    lines: mpsc::UnboundedSender<String>,
}

impl RequestLog {
    /// Opens (appends to) the file and starts the writer task.
    pub(crate) async fn open(path: &Path) -> Result<RequestLog, Error> {
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .await
            .map_err(|source| Error::RequestLog {
                path: path.to_owned(),
                source,
            })?;
        let (lines, mut rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            let mut out = tokio::io::BufWriter::new(file);
            while let Some(line) = rx.recv().await {
                let mut ok = out.write_all(line.as_bytes()).await.is_ok();
                while let Ok(more) = rx.try_recv() {
                    ok &= out.write_all(more.as_bytes()).await.is_ok();
                }
                if !ok || out.flush().await.is_err() {
                    tracing::warn!("request log: write failed");
                }
            }
        });
        Ok(RequestLog { lines })
    }

    /// Logs one request.
    pub(crate) fn record(&self, req: &Req, status: u16) {
        let line = json!({
            "method": req.method.as_str(),
            "path": req.path,
            "query": redact_pairs(&req.query),
            "body": body_of(req),
            "status": status,
        });
        let _ = self.lines.send(format!("{line}\n"));
    }
}

fn redact_pairs(pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        let value = if SECRET_KEYS.contains(&k.as_str()) {
            "[redacted]".to_owned()
        } else {
            v.clone()
        };
        map.insert(k.clone(), Value::String(value));
    }
    Value::Object(map)
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) {
                    *v = Value::from("[redacted]");
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn body_of(req: &Req) -> Value {
    if req.body.is_empty() {
        return Value::Null;
    }
    match req.content_type().as_str() {
        "application/x-www-form-urlencoded" => redact_pairs(&parse_pairs(&req.body)),
        ct if ct.starts_with("multipart/") => json!({ "multipart_bytes": req.body.len() }),
        _ => match serde_json::from_slice::<Value>(&req.body) {
            Ok(mut value) => {
                redact_json(&mut value);
                value
            }
            Err(_) => json!({ "bytes": req.body.len() }),
        },
    }
}
