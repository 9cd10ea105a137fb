//! The MCP methods over JSON-RPC 2.0: `initialize`, `ping`, `tools/list` and `tools/call`, the
//! same for every transport. A body in, the answer out (`None` when nothing is to be answered).
//!
//! Messages are read by [`crate::jsonrpc`], and a tool call runs through [`Rpc::run`], exactly
//! the path of a JSON-RPC call on `/rpc`: the same decoding, per-call timeout, panic guard and
//! log line. Nothing is remembered between messages (the tool list never changes, and every
//! revision served answers alike), so any process of a deployment can answer any message.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::jsonrpc::{self, ErrorObject, Id, Outcome, Params, Request, Response, codes};
use crate::mcp::catalog::{Catalog, with_mcp_defaults};
use crate::mcp::{tool_result, version};
use crate::rpc::Rpc;

/// What `initialize` tells the model about these tools.
const INSTRUCTIONS: &str = "Each tool is one Zoho CRM or Zoho Books action. `connection` picks \
    which configured Zoho account to act on (the default one when omitted). List tools return a \
    small page by default; when more records follow, the result ends with a note naming the \
    arguments of the next call. A failed call is a result with isError, holding the error code \
    and Zoho's own code and message.";

/// The MCP server: the tools of a [`Catalog`], run through an [`Rpc`].
#[derive(Debug, Clone)]
pub struct Mcp {
    rpc: Rpc,
    catalog: Arc<Catalog>,
}

impl Mcp {
    /// Serve `catalog`'s tools, each call run by `rpc`.
    pub fn new(rpc: Rpc, catalog: Arc<Catalog>) -> Self {
        Mcp { rpc, catalog }
    }

    /// The limits in force: those of the calls, which also bound a message's size.
    pub fn limits(&self) -> &crate::rpc::Limits {
        self.rpc.limits()
    }

    /// Answer a body holding one message or a batch; `None` when it held only notifications
    /// and responses, which are not answered.
    pub async fn handle_body(&self, body: &[u8]) -> Option<Vec<u8>> {
        match serde_json::from_slice(body) {
            Ok(value) => self.handle_value(value).await,
            Err(err) => encode(&Response::error(Id::Null, ErrorObject::parse_error(err))),
        }
    }

    /// As [`Mcp::handle_body`], for a body already read as JSON.
    pub async fn handle_value(&self, value: Value) -> Option<Vec<u8>> {
        match value {
            Value::Array(items) if items.is_empty() => encode(&Response::error(
                Id::Null,
                ErrorObject::invalid_request("a batch must hold at least one message"),
            )),
            Value::Array(items) if items.len() > self.rpc.limits().max_batch => {
                encode(&Response::error(
                    Id::Null,
                    ErrorObject::invalid_request(format!(
                        "the batch holds {} messages; at most {} are allowed",
                        items.len(),
                        self.rpc.limits().max_batch
                    )),
                ))
            }
            Value::Array(items) => {
                let mut answers = Vec::new();
                for item in items {
                    answers.extend(self.handle_message(item).await);
                }
                if answers.is_empty() {
                    None
                } else {
                    encode(&answers)
                }
            }
            message => self.handle_message(message).await.and_then(|r| encode(&r)),
        }
    }

    /// Answer one message; `None` for a notification or a response.
    pub async fn handle_message(&self, message: Value) -> Option<Response> {
        // We send no requests, so a response from the client answers nothing of ours.
        if is_response(&message) {
            return None;
        }
        let request = match jsonrpc::parse_request(message) {
            Ok(request) => request,
            Err(response) => return Some(*response),
        };
        let Request { id, method, params } = request;
        // A notification (`notifications/initialized`, `notifications/cancelled`) asks for no
        // answer, and none of them changes what this server does.
        let id = id?;
        let params = match params {
            Params::ByPosition(_) => {
                return Some(Response::error(
                    id,
                    ErrorObject::invalid_params("params", "MCP params are an object"),
                ));
            }
            other => other.into_named().unwrap_or_default(),
        };
        let outcome = match method.as_str() {
            "initialize" => initialize(&params),
            "ping" => Ok(json!({})),
            "tools/list" => self.list_tools(&params),
            "tools/call" => self.call_tool(&id, params).await,
            other => Err(ErrorObject::method_not_found(other)),
        };
        Some(match outcome {
            Ok(result) => Response::result(id, result),
            Err(error) => Response::error(id, error),
        })
    }

    fn list_tools(&self, params: &Map<String, Value>) -> Result<Value, ErrorObject> {
        // Every tool is on the first page, so no cursor was ever handed out.
        if let Some(cursor) = params.get("cursor").filter(|c| !c.is_null()) {
            return Err(ErrorObject::invalid_params(
                "cursor",
                format!(
                    "{cursor} is not a cursor this server handed out; every tool is on the first page"
                ),
            ));
        }
        Ok(json!({ "tools": self.catalog.listing() }))
    }

    async fn call_tool(
        &self,
        id: &Id,
        mut params: Map<String, Value>,
    ) -> Result<Value, ErrorObject> {
        let name = match params.remove("name") {
            Some(Value::String(name)) => name,
            Some(_) => return Err(ErrorObject::invalid_params("name", "must be a string")),
            None => {
                return Err(ErrorObject::invalid_params(
                    "name",
                    "is missing; name the tool to call",
                ));
            }
        };
        let Some(tool) = self.catalog.tool(&name) else {
            return Err(ErrorObject::new(
                codes::INVALID_PARAMS,
                format!("Unknown tool: `{name}`; tools/list names every tool"),
            )
            .with_data(json!({ "field": "name", "tool": name })));
        };
        let arguments = match params.remove("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(arguments)) => arguments,
            Some(_) => {
                return Err(ErrorObject::invalid_params(
                    "arguments",
                    "must be an object of the tool's arguments by name",
                ));
            }
        };
        let arguments = with_mcp_defaults(tool, arguments);
        let request = Request {
            id: Some(id.clone()),
            method: tool.name.clone(),
            params: Params::ByName(arguments.clone()),
        };
        let response = self.rpc.run(request).await;
        match response.map(|response| response.outcome) {
            Some(Outcome::Result(result)) => Ok(tool_result::success(tool, &arguments, result)),
            // A fault of ours is a server error, not something the model can correct.
            Some(Outcome::Error(error)) if error.code == codes::INTERNAL_ERROR => Err(error),
            Some(Outcome::Error(error)) => Ok(tool_result::failure(&error)),
            None => Err(crate::rpc_error::internal(
                &"a call with an id got no answer",
            )),
        }
    }
}

fn initialize(params: &Map<String, Value>) -> Result<Value, ErrorObject> {
    let requested = match params.get("protocolVersion") {
        Some(Value::String(version)) => version.as_str(),
        Some(_) => {
            return Err(ErrorObject::invalid_params(
                "protocolVersion",
                "must be a string",
            ));
        }
        None => {
            return Err(ErrorObject::invalid_params(
                "protocolVersion",
                format!(
                    "is missing; this server speaks {}",
                    version::SUPPORTED.join(", ")
                ),
            ));
        }
    };
    Ok(json!({
        "protocolVersion": version::negotiate(requested),
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": {
            "name": "zoho-server",
            "title": "zoho-rs: Zoho CRM and Zoho Books actions",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "instructions": INSTRUCTIONS,
    }))
}

fn is_response(message: &Value) -> bool {
    message.as_object().is_some_and(|object| {
        !object.contains_key("method")
            && (object.contains_key("result") || object.contains_key("error"))
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Option<Vec<u8>> {
    // Our response types always serialize; should one ever not, say so rather than panic.
    Some(serde_json::to_vec(value).unwrap_or_else(|err| {
        let error = crate::rpc_error::internal(&format!("response did not serialize: {err}"));
        serde_json::to_vec(&Response::error(Id::Null, error)).unwrap_or_default()
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::Value;

    use super::*;
    use crate::dispatch::{BoxFuture, Dispatcher};
    use crate::rpc::Limits;

    /// Echoes the params of any tool; `fail` answers a Zoho error, `boom` a fault of ours.
    struct Echo;

    impl Dispatcher for Echo {
        fn call<'a>(
            &'a self,
            method: &'a str,
            params: Map<String, Value>,
        ) -> BoxFuture<'a, Result<Value, ErrorObject>> {
            Box::pin(async move {
                match params.get("recordId").and_then(Value::as_str) {
                    Some("fail") => Err(ErrorObject::new(codes::ZOHO_API_ERROR, "Zoho refused")
                        .with_data(json!({"zohoCode": "INVALID_DATA"}))),
                    Some("boom") => Err(ErrorObject::internal("abc")),
                    _ => Ok(json!({"method": method, "params": params})),
                }
            })
        }
    }

    fn mcp() -> Mcp {
        Mcp::new(
            Rpc::new(Arc::new(Echo), Limits::default()),
            Catalog::builtin().unwrap(),
        )
    }

    async fn ask(body: Value) -> Value {
        let answer = mcp()
            .handle_body(body.to_string().as_bytes())
            .await
            .unwrap();
        serde_json::from_slice(&answer).unwrap()
    }

    fn call(id: i64, name: &str, arguments: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": name, "arguments": arguments}})
    }

    #[tokio::test]
    async fn initialize_answers_the_version_asked_for_when_served() {
        for (asked, answered) in [
            ("2025-06-18", "2025-06-18"),
            ("2099-01-01", version::LATEST),
        ] {
            let answer = ask(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": asked, "capabilities": {},
                           "clientInfo": {"name": "t", "version": "1"}}}))
            .await;
            assert_eq!(answer["result"]["protocolVersion"], answered);
            assert_eq!(
                answer["result"]["capabilities"]["tools"]["listChanged"],
                false
            );
        }
    }

    #[tokio::test]
    async fn notifications_and_responses_get_no_answer() {
        let mcp = mcp();
        for body in [
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 4, "result": {}}),
            json!([{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}]),
        ] {
            assert!(
                mcp.handle_body(body.to_string().as_bytes()).await.is_none(),
                "{body}"
            );
        }
    }

    #[tokio::test]
    async fn ping_answers_an_empty_result() {
        let answer = ask(json!({"jsonrpc": "2.0", "id": "p", "method": "ping"})).await;
        assert_eq!(answer, json!({"jsonrpc": "2.0", "id": "p", "result": {}}));
    }

    #[tokio::test]
    async fn tools_list_holds_every_method() {
        let answer = ask(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})).await;
        let names: Vec<&str> = answer["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tool| tool["name"].as_str().unwrap())
            .collect();
        let methods: Vec<&str> = zoho_actions::METHODS.iter().map(|m| m.name).collect();
        assert_eq!(names, methods);
        assert!(answer["result"].get("nextCursor").is_none());
    }

    #[tokio::test]
    async fn a_call_runs_the_method_of_the_same_name_with_its_arguments() {
        let answer = ask(call(
            7,
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": "1"}),
        ))
        .await;
        let result = &answer["result"];
        assert_eq!(answer["id"], 7);
        assert_eq!(result["structuredContent"]["method"], "crm.getRecord");
        assert_eq!(result["structuredContent"]["params"]["recordId"], "1");
    }

    #[tokio::test]
    async fn a_list_call_without_a_page_size_gets_the_mcp_default() {
        let answer = ask(call(1, "crm.getRecords", json!({"recordType": "Leads"}))).await;
        assert_eq!(
            answer["result"]["structuredContent"]["params"]["perPage"],
            crate::mcp::catalog::MCP_PER_PAGE
        );
    }

    #[tokio::test]
    async fn an_action_error_is_a_tool_result_with_is_error() {
        let answer = ask(call(
            1,
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": "fail"}),
        ))
        .await;
        assert_eq!(answer["result"]["isError"], true);
        let text = answer["result"]["content"][0]["text"].as_str().unwrap();
        let shown: Value = serde_json::from_str(text).unwrap();
        assert_eq!(shown["error"]["data"]["zohoCode"], "INVALID_DATA");
    }

    #[tokio::test]
    async fn protocol_errors_are_json_rpc_errors() {
        let unknown = ask(call(1, "crm.nope", json!({}))).await;
        assert_eq!(unknown["error"]["code"], codes::INVALID_PARAMS);
        assert_eq!(unknown["error"]["data"]["tool"], "crm.nope");
        let bad_arguments = ask(call(2, "crm.getRecord", json!([1]))).await;
        assert_eq!(bad_arguments["error"]["data"]["field"], "arguments");
        let ours = ask(call(
            3,
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": "boom"}),
        ))
        .await;
        assert_eq!(ours["error"]["code"], codes::INTERNAL_ERROR);
        let unknown_method =
            ask(json!({"jsonrpc": "2.0", "id": 4, "method": "server/discover"})).await;
        assert_eq!(unknown_method["error"]["code"], codes::METHOD_NOT_FOUND);
        let not_json = mcp().handle_body(b"{").await.unwrap();
        let not_json: Value = serde_json::from_slice(&not_json).unwrap();
        assert_eq!(not_json["error"]["code"], codes::PARSE_ERROR);
    }

    #[tokio::test]
    async fn a_cursor_never_handed_out_is_refused() {
        let answer = ask(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": "x"}}),
        )
        .await;
        assert_eq!(answer["error"]["data"]["field"], "cursor");
    }

    #[tokio::test]
    async fn a_batch_answers_its_requests_in_order() {
        let answer = ask(json!([
            {"jsonrpc": "2.0", "id": 1, "method": "ping"},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        ]))
        .await;
        let ids: Vec<&Value> = answer
            .as_array()
            .unwrap()
            .iter()
            .map(|a| &a["id"])
            .collect();
        assert_eq!(ids, [&json!(1), &json!(2)]);
    }
}
