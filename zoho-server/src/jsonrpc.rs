//! JSON-RPC 2.0 messages: what a request body may hold, and the responses we send back.
//!
//! Parsing is done by hand over `serde_json::Value` rather than with derived `Deserialize`, because
//! the specification distinguishes cases a derive cannot: an absent `id` (a notification) from
//! `"id": null` (a call whose answer carries `null`), and a request that is not valid (answered
//! with `-32600` and the id when it can be read) from a body that is not JSON at all (`-32700`).
//!
//! The body is read by [`StrictValue`], which refuses a member repeated in one object: serde_json
//! keeps the last of them, so `{"method":"crm.getRecord","method":"crm.removeRecord"}` would run
//! the remove while a proxy or log that reads the first saw a harmless read.

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value, json};

/// The error codes of the JSON-RPC 2.0 specification and of our interface table, as numbers.
/// Each is its entry of the catalogue (`action_spec::errors`), which also lists its `data` keys.
pub mod codes {
    use action_spec::errors;

    /// The body is not JSON.
    pub const PARSE_ERROR: i64 = errors::PARSE_ERROR.code;
    /// Not a valid request object.
    pub const INVALID_REQUEST: i64 = errors::INVALID_REQUEST.code;
    /// No such method.
    pub const METHOD_NOT_FOUND: i64 = errors::METHOD_NOT_FOUND.code;
    /// Params do not fit the method.
    pub const INVALID_PARAMS: i64 = errors::INVALID_PARAMS.code;
    /// A fault of ours.
    pub const INTERNAL_ERROR: i64 = errors::INTERNAL_ERROR.code;
    /// Zoho answered with an error.
    pub const ZOHO_API_ERROR: i64 = errors::ZOHO_ERROR.code;
    /// No usable token for the connection.
    pub const UNAUTHORIZED: i64 = errors::UNAUTHORIZED.code;
    /// Rate limited and out of retries.
    pub const RATE_LIMITED: i64 = errors::RATE_LIMITED.code;
    /// Network failure or timeout.
    pub const NETWORK: i64 = errors::NETWORK_ERROR.code;
    /// The record does not exist.
    pub const NOT_FOUND: i64 = errors::NOT_FOUND.code;
}

/// A request id, echoed back exactly as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Id {
    /// A numeric id (integers and fractions are kept as sent).
    Number(Number),
    /// A string id.
    String(String),
    /// `null`: allowed by the specification, and what errors carry when the id cannot be read.
    Null,
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::String(s) => write!(f, "{s:?}"),
            Id::Null => f.write_str("null"),
        }
    }
}

/// The params of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    /// No `params` member.
    None,
    /// Params by name: the only form our methods accept.
    ByName(Map<String, Value>),
    /// Params by position: valid JSON-RPC, refused by every method with `-32602`.
    ByPosition(Vec<Value>),
}

impl Params {
    /// The named params, or the `-32602` error for positional ones (an absent `params` is `{}`).
    pub fn into_named(self) -> Result<Map<String, Value>, ErrorObject> {
        match self {
            Params::None => Ok(Map::new()),
            Params::ByName(map) => Ok(map),
            Params::ByPosition(_) => Err(ErrorObject::invalid_params(
                "params",
                "params must be an object of named params (for example {\"recordType\": \"Leads\"}); \
                 positional params (an array) are not supported",
            )),
        }
    }
}

/// A valid request object: a call (with an id) or a notification (without).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `None` for a notification, which is run but never answered.
    pub id: Option<Id>,
    /// The method name.
    pub method: String,
    /// The params as sent.
    pub params: Params,
}

impl Request {
    /// Whether the caller expects no answer.
    pub fn is_notification(&self) -> bool {
        self.id.is_none()
    }
}

/// The error member of a response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorObject {
    /// The error code (see [`codes`]).
    pub code: i64,
    /// A short sentence for people.
    pub message: String,
    /// Structured detail for programs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error with a code, a message and no data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// The same error with `data` attached. Its keys are the catalogue's for the code (checked
    /// in debug builds, so every test that builds an error checks it).
    pub fn with_data(mut self, data: Value) -> Self {
        debug_assert!(
            uncatalogued_key(self.code, &data).is_none(),
            "error {} carries `data.{}`, which action_spec::errors does not list for it",
            self.code,
            uncatalogued_key(self.code, &data).unwrap_or_default()
        );
        self.data = Some(data);
        self
    }

    /// `-32700`: the body is not JSON.
    pub fn parse_error(detail: impl std::fmt::Display) -> Self {
        ErrorObject::new(
            codes::PARSE_ERROR,
            format!("Parse error: the body is not valid JSON ({detail})"),
        )
    }

    /// `-32600`: not a valid request object; `reason` says what is wrong.
    pub fn invalid_request(reason: impl std::fmt::Display) -> Self {
        ErrorObject::new(codes::INVALID_REQUEST, format!("Invalid Request: {reason}"))
    }

    /// `-32601`: no such method; `data.method` is the name asked for.
    pub fn method_not_found(method: &str) -> Self {
        ErrorObject::new(
            codes::METHOD_NOT_FOUND,
            format!("Method not found: `{method}`"),
        )
        .with_data(json!({ "method": method }))
    }

    /// `-32602`: `field` is the JSON path of the bad param, `reason` says why.
    pub fn invalid_params(field: &str, reason: impl std::fmt::Display) -> Self {
        let reason = reason.to_string();
        ErrorObject::new(
            codes::INVALID_PARAMS,
            format!("Invalid params: `{field}`: {reason}"),
        )
        .with_data(json!({ "field": field, "reason": reason }))
    }

    /// `-32603`: a fault of ours; `error_id` is logged next to the detail, which stays in the log.
    pub fn internal(error_id: &str) -> Self {
        ErrorObject::new(
            codes::INTERNAL_ERROR,
            format!("Internal error (id {error_id}); the server log has the detail"),
        )
        .with_data(json!({ "errorId": error_id }))
    }
}

/// The first key of `data` the catalogue does not list for `code` (or every key, for a code it
/// does not list).
fn uncatalogued_key(code: i64, data: &Value) -> Option<String> {
    let entry = action_spec::errors::by_code(code);
    data.as_object()?
        .keys()
        .find(|key| !entry.is_some_and(|entry| entry.allows(key)))
        .cloned()
}

/// A response to one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    jsonrpc: Version,
    /// The id of the call answered (`null` when it could not be read).
    pub id: Id,
    /// The result or the error.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What a call came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Outcome {
    /// It succeeded with this result.
    #[serde(rename = "result")]
    Result(Value),
    /// It failed.
    #[serde(rename = "error")]
    Error(ErrorObject),
}

impl Response {
    /// A successful answer.
    pub fn result(id: Id, result: Value) -> Self {
        Response {
            jsonrpc: Version,
            id,
            outcome: Outcome::Result(result),
        }
    }

    /// A failed answer.
    pub fn error(id: Id, error: ErrorObject) -> Self {
        Response {
            jsonrpc: Version,
            id,
            outcome: Outcome::Error(error),
        }
    }

    /// The error, when the call failed.
    pub fn error_object(&self) -> Option<&ErrorObject> {
        match &self.outcome {
            Outcome::Error(error) => Some(error),
            Outcome::Result(_) => None,
        }
    }
}

/// The `"jsonrpc": "2.0"` member, always the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version;

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("2.0")
    }
}

/// What a request body holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// One request object, or the error to answer it with when it is not valid.
    Single(Result<Request, Box<Response>>),
    /// A batch: each item a request, or the error to answer that item with.
    Batch(Vec<Result<Request, Box<Response>>>),
    /// The whole body is refused with one error (not JSON, empty batch, batch too long).
    Refused(Response),
}

/// Read a request body. `max_batch` is the longest batch accepted.
pub fn parse_body(body: &[u8], max_batch: usize) -> Message {
    let value = match serde_json::from_slice::<StrictValue>(body) {
        Ok(StrictValue(value)) => value,
        // Syntax is all serde_json judges; the one data error is ours: a repeated member.
        Err(err) if err.classify() == serde_json::error::Category::Data => {
            return Message::Refused(Response::error(Id::Null, ErrorObject::invalid_request(err)));
        }
        Err(err) => {
            return Message::Refused(Response::error(Id::Null, ErrorObject::parse_error(err)));
        }
    };
    match value {
        Value::Array(items) if items.is_empty() => Message::Refused(Response::error(
            Id::Null,
            ErrorObject::invalid_request("a batch must hold at least one request object"),
        )),
        Value::Array(items) if items.len() > max_batch => Message::Refused(Response::error(
            Id::Null,
            ErrorObject::invalid_request(format!(
                "the batch holds {} requests; at most {max_batch} are allowed in one batch",
                items.len()
            )),
        )),
        Value::Array(items) => Message::Batch(items.into_iter().map(parse_request).collect()),
        other => Message::Single(parse_request(other)),
    }
}

/// Read one request object; an invalid one becomes the error response to send for it.
pub fn parse_request(value: Value) -> Result<Request, Box<Response>> {
    let Value::Object(mut object) = value else {
        return Err(Box::new(Response::error(
            Id::Null,
            ErrorObject::invalid_request(format!(
                "expected a request object, found {}",
                kind_of(&value)
            )),
        )));
    };
    // Read the id first, so every later complaint can be answered with it.
    let id = match object.remove("id") {
        None => None,
        Some(Value::Null) => Some(Id::Null),
        Some(Value::Number(n)) => Some(Id::Number(n)),
        Some(Value::String(s)) => Some(Id::String(s)),
        Some(other) => {
            return Err(Box::new(Response::error(
                Id::Null,
                ErrorObject::invalid_request(format!(
                    "`id` must be a string, a number or null, found {}",
                    kind_of(&other)
                )),
            )));
        }
    };
    let refuse = |reason: String| {
        Box::new(Response::error(
            id.clone().unwrap_or(Id::Null),
            ErrorObject::invalid_request(reason),
        ))
    };
    match object.remove("jsonrpc") {
        Some(Value::String(v)) if v == "2.0" => {}
        Some(other) => return Err(refuse(format!("`jsonrpc` must be \"2.0\", found {other}"))),
        None => return Err(refuse("`jsonrpc` is missing; it must be \"2.0\"".into())),
    }
    let method = match object.remove("method") {
        Some(Value::String(method)) => method,
        Some(other) => {
            return Err(refuse(format!(
                "`method` must be a string, found {}",
                kind_of(&other)
            )));
        }
        None => return Err(refuse("`method` is missing".into())),
    };
    let params = match object.remove("params") {
        None => Params::None,
        Some(Value::Object(map)) => Params::ByName(map),
        Some(Value::Array(items)) => Params::ByPosition(items),
        Some(other) => {
            return Err(refuse(format!(
                "`params` must be an object, found {}",
                kind_of(&other)
            )));
        }
    };
    // A misspelt member (`param`, `ID`) would otherwise be dropped without a word.
    if let Some(unknown) = object.keys().next() {
        return Err(refuse(format!(
            "unknown member `{unknown}`; a request has only `jsonrpc`, `method`, `params` and `id`"
        )));
    }
    Ok(Request { id, method, params })
}

/// A JSON value read with every object's members checked to be distinct, at any depth.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so serde_json never hands one over; null is its own answer.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match object.entry(key) {
                Entry::Occupied(taken) => {
                    return Err(de::Error::custom(format!(
                        "member `{}` appears twice in one object; each member may appear once",
                        taken.key()
                    )));
                }
                Entry::Vacant(free) => {
                    let StrictValue(value) = map.next_value()?;
                    free.insert(value);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn single(body: &str) -> Result<Request, Box<Response>> {
        match parse_body(body.as_bytes(), 10) {
            Message::Single(item) => item,
            other => panic!("expected a single message, got {other:?}"),
        }
    }

    fn refused(body: &str) -> ErrorObject {
        match parse_body(body.as_bytes(), 10) {
            Message::Refused(response) => {
                assert_eq!(response.id, Id::Null);
                response.error_object().unwrap().clone()
            }
            other => panic!("expected the body to be refused, got {other:?}"),
        }
    }

    #[test]
    fn a_call_keeps_its_id_method_and_named_params() {
        let request = single(
            r#"{"jsonrpc":"2.0","id":7,"method":"crm.getRecord","params":{"recordId":"1"}}"#,
        )
        .unwrap();
        assert_eq!(request.id, Some(Id::Number(7.into())));
        assert_eq!(request.method, "crm.getRecord");
        assert_eq!(request.params.into_named().unwrap()["recordId"], "1");
    }

    #[test]
    fn ids_of_every_allowed_kind_are_echoed_exactly() {
        for (raw, expected) in [
            ("\"abc\"", json!("abc")),
            ("-12", json!(-12)),
            ("1.5", json!(1.5)),
            ("18446744073709551615", json!(18446744073709551615u64)),
            ("null", Value::Null),
        ] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{raw},"method":"m"}}"#);
            let request = single(&body).unwrap();
            let response = Response::result(request.id.unwrap(), json!(true));
            let sent = serde_json::to_value(&response).unwrap();
            assert_eq!(sent["id"], expected, "id {raw}");
            assert!(
                serde_json::to_string(&response)
                    .unwrap()
                    .contains(&format!("\"id\":{raw}"))
            );
        }
    }

    #[test]
    fn an_absent_id_is_a_notification_and_a_null_id_is_not() {
        assert!(
            single(r#"{"jsonrpc":"2.0","method":"m"}"#)
                .unwrap()
                .is_notification()
        );
        assert!(
            !single(r#"{"jsonrpc":"2.0","method":"m","id":null}"#)
                .unwrap()
                .is_notification()
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_a_parse_error() {
        assert_eq!(
            refused(r#"{"jsonrpc":"2.0","method""#).code,
            codes::PARSE_ERROR
        );
        assert_eq!(refused("").code, codes::PARSE_ERROR);
    }

    #[test]
    fn an_empty_batch_is_an_invalid_request() {
        let error = refused("[]");
        assert_eq!(error.code, codes::INVALID_REQUEST);
        assert!(error.message.contains("at least one"), "{}", error.message);
    }

    #[test]
    fn a_batch_longer_than_the_limit_is_refused() {
        let body = format!("[{}]", [r#"{"jsonrpc":"2.0","method":"m"}"#; 11].join(","));
        let error = refused(&body);
        assert_eq!(error.code, codes::INVALID_REQUEST);
        assert!(error.message.contains("at most 10"), "{}", error.message);
    }

    #[test]
    fn each_batch_item_is_judged_alone() {
        let Message::Batch(items) = parse_body(br#"[{"jsonrpc":"2.0","id":1,"method":"m"}, 1, {"jsonrpc":"1.0","id":"x","method":"m"}]"#, 10) else {
            panic!("expected a batch");
        };
        assert!(items[0].is_ok());
        let second = items[1].as_ref().unwrap_err();
        assert_eq!(second.id, Id::Null);
        assert_eq!(second.error_object().unwrap().code, codes::INVALID_REQUEST);
        let third = items[2].as_ref().unwrap_err();
        assert_eq!(
            third.id,
            Id::String("x".into()),
            "the id is echoed when it can be read"
        );
        assert!(third.error_object().unwrap().message.contains("\"2.0\""));
    }

    #[test]
    fn invalid_request_objects_say_what_is_wrong() {
        for (body, says) in [
            (r#"{"id":1,"method":"m"}"#, "`jsonrpc` is missing"),
            (r#"{"jsonrpc":"2.0","id":1}"#, "`method` is missing"),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
                "`method` must be a string",
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"m","params":"x"}"#,
                "`params` must be an object",
            ),
            (r#"{"jsonrpc":"2.0","id":{},"method":"m"}"#, "`id` must be"),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"m","param":{}}"#,
                "unknown member `param`",
            ),
            ("\"hello\"", "expected a request object"),
        ] {
            let response = single(body).unwrap_err();
            let error = response.error_object().unwrap();
            assert_eq!(error.code, codes::INVALID_REQUEST, "{body}");
            assert!(error.message.contains(says), "{body}: {}", error.message);
        }
    }

    #[test]
    fn a_member_given_twice_is_an_invalid_request_wherever_it_is() {
        for (body, twice) in [
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"crm.getRecord","method":"crm.removeRecord"}"#,
                "method",
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"recordId":"1","recordId":"2"}}"#,
                "recordId",
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"values":{"Email":"a","Email":"b"}}}"#,
                "Email",
            ),
            (
                r#"[{"jsonrpc":"2.0","id":1,"method":"m"},{"jsonrpc":"2.0","id":2,"id":3,"method":"m"}]"#,
                "id",
            ),
        ] {
            let error = refused(body);
            assert_eq!(error.code, codes::INVALID_REQUEST, "{body}");
            assert!(
                error
                    .message
                    .contains(&format!("member `{twice}` appears twice")),
                "{body}: {}",
                error.message
            );
        }
    }

    #[test]
    fn the_strict_reader_reads_what_serde_json_reads() {
        let body = r#"{"a":[1,-2,3.5,18446744073709551615,1e300,"s\n\u00e9",true,null,{}],"b":{"c":{"a":1}}}"#;
        let strict: StrictValue = serde_json::from_str(body).unwrap();
        let plain: Value = serde_json::from_str(body).unwrap();
        assert_eq!(strict.0, plain);
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            refused(&deep).code,
            codes::PARSE_ERROR,
            "nesting stays bounded"
        );
    }

    #[test]
    fn positional_params_are_refused_naming_params() {
        let request = single(r#"{"jsonrpc":"2.0","id":1,"method":"m","params":[1,2]}"#).unwrap();
        let error = request.params.into_named().unwrap_err();
        assert_eq!(error.code, codes::INVALID_PARAMS);
        assert_eq!(error.data.unwrap()["field"], "params");
    }

    #[test]
    fn responses_have_exactly_the_members_of_the_specification() {
        let ok = serde_json::to_value(Response::result(Id::Number(1.into()), Value::Null)).unwrap();
        assert_eq!(ok, json!({"jsonrpc": "2.0", "id": 1, "result": null}));
        let err = serde_json::to_value(Response::error(
            Id::String("a".into()),
            ErrorObject::invalid_params("values.Email", "must be a string"),
        ))
        .unwrap();
        assert_eq!(
            err,
            json!({"jsonrpc": "2.0", "id": "a", "error": {
                "code": -32602,
                "message": "Invalid params: `values.Email`: must be a string",
                "data": {"field": "values.Email", "reason": "must be a string"}
            }})
        );
    }
}
