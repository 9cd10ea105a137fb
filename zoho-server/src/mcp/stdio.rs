//! MCP over stdio: one JSON-RPC message per line in, one answer per line out, as desktop agents
//! launch a server. Messages run concurrently, so a `ping` is answered while a slow call runs;
//! answers are written whole, one line each, in the order they finish. `notifications/cancelled`
//! stops the call it names, which then gets no answer (what was already sent to Zoho stays
//! done). End of input ends the session once every call in flight has answered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use crate::jsonrpc::{ErrorObject, Id, Response};
use crate::mcp::protocol::Mcp;

/// Serve `mcp` on `input` and `output` until `input` ends.
pub async fn serve<R, W>(mcp: Arc<Mcp>, input: R, mut output: W) -> std::io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let (answers, mut to_write) = mpsc::unbounded_channel::<Vec<u8>>();
    let max_line = mcp.limits().max_body_bytes;
    // Calls in flight by request id, so a cancellation can find its call.
    let running: Arc<Mutex<HashMap<String, AbortHandle>>> = Arc::default();
    let read = async move {
        let mut lines = input.lines();
        let mut in_flight = JoinSet::new();
        while let Some(line) = lines.next_line().await? {
            if line.trim().is_empty() {
                continue;
            }
            if line.len() > max_line {
                let refusal = Response::error(
                    Id::Null,
                    ErrorObject::invalid_request(format!(
                        "the message is larger than this server's limit of {max_line} bytes"
                    )),
                );
                let _ = answers.send(serde_json::to_vec(&refusal).unwrap_or_default());
                continue;
            }
            let message: Value = match serde_json::from_str(&line) {
                Ok(message) => message,
                Err(_) => {
                    // Not JSON: answered with the parse error.
                    if let Some(answer) = mcp.handle_body(line.as_bytes()).await {
                        let _ = answers.send(answer);
                    }
                    continue;
                }
            };
            if let Some(cancelled) = cancelled_request(&message) {
                if let Some(call) = lock(&running).remove(&cancelled) {
                    call.abort();
                }
                continue;
            }
            let key = request_key(&message);
            let (mcp, answers, registry) = (mcp.clone(), answers.clone(), running.clone());
            let done_key = key.clone();
            let handle = in_flight.spawn(async move {
                let answer = mcp.handle_value(message).await;
                if let Some(key) = &done_key {
                    lock(&registry).remove(key);
                }
                if let Some(answer) = answer {
                    // The writer only stops when output failed; the answer has nowhere to go.
                    let _ = answers.send(answer);
                }
            });
            if let Some(key) = key {
                lock(&running).insert(key, handle);
            }
            // Reap finished calls so a long session does not keep every handle.
            while in_flight.try_join_next().is_some() {}
        }
        while in_flight.join_next().await.is_some() {}
        Ok::<(), std::io::Error>(())
    };
    let write = async move {
        while let Some(mut answer) = to_write.recv().await {
            answer.push(b'\n');
            output.write_all(&answer).await?;
            output.flush().await?;
        }
        Ok::<(), std::io::Error>(())
    };
    tokio::try_join!(read, write).map(|_| ())
}

/// The id of the request a `notifications/cancelled` names, as a registry key.
fn cancelled_request(message: &Value) -> Option<String> {
    if message.get("method")?.as_str()? != "notifications/cancelled" || message.get("id").is_some()
    {
        return None;
    }
    message
        .get("params")?
        .get("requestId")
        .map(Value::to_string)
}

/// The registry key of a request with an id (`None` for notifications and batches).
fn request_key(message: &Value) -> Option<String> {
    message.get("method")?;
    message.get("id").map(Value::to_string)
}

/// The registry, whose entries stay sound even if a holder panicked mid-update.
fn lock(
    running: &Mutex<HashMap<String, AbortHandle>>,
) -> std::sync::MutexGuard<'_, HashMap<String, AbortHandle>> {
    running
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use serde_json::{Map, Value, json};
    use tokio::io::{AsyncWriteExt, BufReader};

    use super::*;
    use crate::dispatch::{BoxFuture, Dispatcher};
    use crate::mcp::catalog::Catalog;
    use crate::rpc::{Limits, Rpc};

    /// Sleeps as long as `recordId` says, in milliseconds.
    struct Slow;

    impl Dispatcher for Slow {
        fn call<'a>(
            &'a self,
            _method: &'a str,
            params: Map<String, Value>,
        ) -> BoxFuture<'a, Result<Value, ErrorObject>> {
            Box::pin(async move {
                let ms = params["recordId"].as_str().unwrap().parse().unwrap();
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(json!({"slept": ms}))
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_ping_is_answered_while_a_slow_call_runs_and_every_answer_is_a_line() {
        let mcp = Arc::new(Mcp::new(
            Rpc::new(Arc::new(Slow), Limits::default()),
            Catalog::builtin().unwrap(),
        ));
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let (server_in, server_out) = tokio::io::split(server);
        let serving = tokio::spawn(serve(mcp, BufReader::new(server_in), server_out));
        let input = [
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "crm.getRecord", "arguments": {"recordType": "Leads", "recordId": "5000"}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
        ];
        for message in &input {
            client
                .write_all(format!("{message}\n").as_bytes())
                .await
                .unwrap();
        }
        client.write_all(b"\n").await.unwrap();
        let (client_in, mut client_out) = tokio::io::split(client);
        client_out.shutdown().await.unwrap();
        let mut lines = BufReader::new(client_in).lines();
        let first: Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        let second: Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(first["id"], 2, "the ping does not wait for the call");
        assert_eq!(second["id"], 1);
        assert_eq!(second["result"]["structuredContent"]["slept"], 5000);
        assert!(
            lines.next_line().await.unwrap().is_none(),
            "the notification has no answer"
        );
        serving.await.unwrap().unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_call_stops_and_gets_no_answer() {
        let mcp = Arc::new(Mcp::new(
            Rpc::new(Arc::new(Slow), Limits::default()),
            Catalog::builtin().unwrap(),
        ));
        let (client, server) = tokio::io::duplex(64 * 1024);
        let (server_in, server_out) = tokio::io::split(server);
        let serving = tokio::spawn(serve(mcp, BufReader::new(server_in), server_out));
        let (client_in, mut client_out) = tokio::io::split(client);
        let slow = json!({"jsonrpc": "2.0", "id": "slow", "method": "tools/call",
            "params": {"name": "crm.getRecord", "arguments": {"recordType": "Leads", "recordId": "600000"}}});
        client_out
            .write_all(format!("{slow}\n").as_bytes())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": "slow", "reason": "the user stopped it"}});
        let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
        client_out
            .write_all(format!("{cancel}\n{ping}\n").as_bytes())
            .await
            .unwrap();
        client_out.shutdown().await.unwrap();
        let started = tokio::time::Instant::now();
        let mut lines = BufReader::new(client_in).lines();
        let only: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(only["id"], 2);
        assert!(
            lines.next_line().await.unwrap().is_none(),
            "the cancelled call is not answered"
        );
        serving.await.unwrap().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the call did not run to its end"
        );
    }
}
