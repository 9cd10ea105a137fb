//! What a `tools/call` answers: an action's result or error as an MCP tool result.
//!
//! A result is its JSON as text (what every client shows the model) and, when the tool has an
//! output schema, the same value as `structuredContent`. Bytes (`responseType: "binary"`) are an
//! embedded resource, not base64 inside text. A list page with more records after it carries a
//! note naming the arguments of the next call. An action's failure is a result with `isError`
//! and the JSON-RPC error object (code, message and Zoho's code in `data`), so the model can read
//! it and correct itself; only faults of ours are protocol errors.

use serde_json::{Map, Value, json};
use zoho_core::__private::CRM_DISCRETE_PAGING_LIMIT;

use crate::jsonrpc::ErrorObject;
use crate::mcp::catalog::Tool;
use action_spec::ResultShape;

/// The response type that makes a raw request answer bytes.
const BINARY: &str = "binary";

/// The tool result of a call that succeeded with `result`.
pub fn success(tool: &Tool, arguments: &Map<String, Value>, result: Value) -> Value {
    if let Some(blob) = binary(tool, arguments, &result) {
        return json!({
            "content": [{
                "type": "resource",
                "resource": {
                    "uri": resource_uri(tool, arguments),
                    "mimeType": "application/octet-stream",
                    "blob": blob,
                },
            }],
        });
    }
    let mut content = vec![text(serde_json::to_string(&result).unwrap_or_default())];
    if let Some(note) = next_page_note(tool, arguments, &result) {
        content.push(text(note));
    }
    let mut answer = Map::new();
    answer.insert("content".into(), Value::Array(content));
    if tool.typed_result && result.is_object() {
        answer.insert("structuredContent".into(), result);
    }
    Value::Object(answer)
}

/// The tool result of a call the action refused or Zoho failed.
pub fn failure(error: &ErrorObject) -> Value {
    let detail = json!({ "error": error });
    json!({
        "content": [text(serde_json::to_string(&detail).unwrap_or_default())],
        "isError": true,
    })
}

fn text(text: String) -> Value {
    json!({"type": "text", "text": text})
}

/// The base64 of a raw request's bytes, when the call asked for bytes.
fn binary<'a>(tool: &Tool, arguments: &Map<String, Value>, result: &'a Value) -> Option<&'a str> {
    let key = tool.response_type.as_ref()?;
    if arguments.get(key).and_then(Value::as_str) != Some(BINARY) {
        return None;
    }
    let object = result.as_object()?;
    match (object.len(), object.get("base64")) {
        (1, Some(Value::String(blob))) => Some(blob),
        _ => None,
    }
}

/// `zoho://crm/Leads/1/Attachments/2`: the product and the path the bytes came from.
fn resource_uri(tool: &Tool, arguments: &Map<String, Value>) -> String {
    let base = format!("zoho://{}/", tool.product);
    let path = tool
        .path
        .as_ref()
        .and_then(|key| arguments.get(key))
        .and_then(Value::as_str)
        .unwrap_or(&tool.name)
        .trim_start_matches('/');
    // Joining escapes what a URI cannot hold; a path that still does not fit names the tool.
    url::Url::parse(&base)
        .and_then(|base| base.join(path))
        .map_or_else(|_| format!("{base}{}", tool.name), String::from)
}

/// How to get the records after `result`: the page after it, when there is one and the call
/// did not follow pages, or the rest of a whole export bounded by MCP.
pub fn next_page_note(
    tool: &Tool,
    arguments: &Map<String, Value>,
    result: &Value,
) -> Option<String> {
    if let Some(bound) = &tool.export_bound {
        let info = result.get("info")?;
        if info.get("more_records") != Some(&Value::Bool(true)) {
            return None;
        }
        let shown = info.get("count").and_then(Value::as_u64).unwrap_or(0);
        let mut rest = arguments.clone();
        rest.remove(bound);
        let params = serde_json::to_string(&rest).unwrap_or_default();
        return Some(format!(
            "More records: these are the first {shown} of the export, which has more (an MCP \
             result holds at most {}, and holds them all at once). To get every record, run the \
             same export outside MCP, without \"{bound}\": the JSON-RPC method `{}` on /rpc, or \
             `zoho-server call {} '{params}' --jsonl`, which streams them one per line.",
            crate::mcp::catalog::MCP_EXPORT_MAX_RECORDS,
            tool.name,
            tool.name,
        ));
    }
    let paging = tool.paging.as_ref()?;
    if paging.follow.iter().any(|key| {
        !matches!(
            arguments.get(key),
            None | Some(Value::Null | Value::Bool(false))
        )
    }) {
        return None;
    }
    let number = |value: Option<&Value>| value.and_then(Value::as_u64);
    let page_key = paging.page.as_ref()?;
    let again = format!("call `{}` again with the same arguments and", tool.name);
    match tool.result {
        ResultShape::CrmRecords => {
            let info = result.get("info")?;
            if info.get("more_records") != Some(&Value::Bool(true)) {
                return None;
            }
            let by_token = paging
                .page_token
                .as_ref()
                .is_some_and(|key| arguments.contains_key(key));
            let page = number(info.get("page"))
                .or(number(arguments.get(page_key)))
                .unwrap_or(1);
            let per_page = number(info.get("per_page"))
                .or(number(arguments.get(&paging.per_page)))
                .unwrap_or(1);
            let within_limit = (page + 1).saturating_mul(per_page) <= CRM_DISCRETE_PAGING_LIMIT;
            if !by_token && within_limit {
                return Some(format!(
                    "More records: {again} \"{page_key}\": {}.",
                    page + 1
                ));
            }
            let token = info.get("next_page_token").and_then(Value::as_str)?;
            let token_key = paging.page_token.as_deref()?;
            Some(format!(
                "More records: {again} \"{token_key}\": \"{token}\" (and without \"{page_key}\"); \
                 Zoho serves records past {CRM_DISCRETE_PAGING_LIMIT} only by token."
            ))
        }
        ResultShape::BooksRecords => {
            let context = result.get("page_context")?;
            if context.get("has_more_page") != Some(&Value::Bool(true)) {
                return None;
            }
            let page = number(context.get("page"))
                .or(number(arguments.get(page_key)))
                .unwrap_or(1);
            Some(format!(
                "More records: {again} \"{page_key}\": {}.",
                page + 1
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::mcp::catalog::Catalog;

    fn tool(name: &str) -> Tool {
        Catalog::builtin().unwrap().tool(name).unwrap().clone()
    }

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_typed_result_is_text_and_structured_content() {
        let record = json!({"id": "1", "Last_Name": "Doe"});
        let answer = success(&tool("crm.getRecord"), &Map::new(), record.clone());
        assert_eq!(answer["structuredContent"], record);
        let shown: Value =
            serde_json::from_str(answer["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(shown, record);
        assert!(answer.get("isError").is_none());
    }

    #[test]
    fn a_raw_result_has_no_structured_content() {
        let answer = success(
            &tool("crm.rawRequest"),
            &Map::new(),
            json!({"any": "thing"}),
        );
        assert!(answer.get("structuredContent").is_none());
    }

    #[test]
    fn bytes_asked_for_are_an_embedded_resource() {
        let arguments = args(
            json!({"url": "/Leads/1/Attachments/2", "method": "GET", "responseType": "binary"}),
        );
        let answer = success(
            &tool("crm.rawRequest"),
            &arguments,
            json!({"base64": "AAEC"}),
        );
        let resource = &answer["content"][0];
        assert_eq!(resource["type"], "resource");
        assert_eq!(resource["resource"]["blob"], "AAEC");
        assert_eq!(
            resource["resource"]["uri"],
            "zoho://crm/Leads/1/Attachments/2"
        );
        assert_eq!(answer["content"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_json_body_that_looks_like_bytes_stays_json() {
        let arguments = args(json!({"url": "/x", "method": "GET"}));
        let answer = success(
            &tool("crm.rawRequest"),
            &arguments,
            json!({"base64": "AAEC"}),
        );
        assert_eq!(answer["content"][0]["type"], "text");
    }

    #[test]
    fn a_crm_page_with_more_after_it_names_the_next_page() {
        let page = json!({"data": [], "info": {"page": 1, "per_page": 20, "more_records": true, "next_page_token": "t"}});
        let note = next_page_note(
            &tool("crm.getRecords"),
            &args(json!({"recordType": "Leads"})),
            &page,
        )
        .unwrap();
        assert!(note.contains("\"page\": 2"), "{note}");
        let answer = success(&tool("crm.getRecords"), &Map::new(), page);
        assert_eq!(answer["content"][1]["text"].as_str().unwrap(), note);
    }

    #[test]
    fn past_the_discrete_limit_the_note_names_the_token() {
        let page = json!({"data": [], "info": {"page": 10, "per_page": 200, "more_records": true, "next_page_token": "tok"}});
        let note = next_page_note(&tool("crm.getRecords"), &Map::new(), &page).unwrap();
        assert!(note.contains("\"pageToken\": \"tok\""), "{note}");
        let by_token = args(json!({"pageToken": "old"}));
        let page = json!({"data": [], "info": {"per_page": 20, "more_records": true, "next_page_token": "new"}});
        let note = next_page_note(&tool("crm.getRecords"), &by_token, &page).unwrap();
        assert!(note.contains("\"pageToken\": \"new\""), "{note}");
    }

    #[test]
    fn the_last_page_and_followed_pages_have_no_note() {
        let last = json!({"data": [], "info": {"page": 3, "per_page": 20, "more_records": false}});
        assert!(next_page_note(&tool("crm.getRecords"), &Map::new(), &last).is_none());
        let more = json!({"data": [], "info": {"count": 5, "more_records": true}});
        let following = args(json!({"maxRecords": 5}));
        assert!(next_page_note(&tool("crm.getRecords"), &following, &more).is_none());
    }

    #[test]
    fn a_books_page_with_more_after_it_names_the_next_page() {
        let page = json!({"invoices": [], "page_context": {"page": 2, "per_page": 20, "has_more_page": true}});
        let note = next_page_note(&tool("books.getRecords"), &Map::new(), &page).unwrap();
        assert!(note.contains("\"page\": 3"), "{note}");
    }

    #[test]
    fn a_failure_is_an_error_result_with_the_zoho_code() {
        let error =
            ErrorObject::new(-32001, "Zoho refused").with_data(json!({"zohoCode": "INVALID_DATA"}));
        let answer = failure(&error);
        assert_eq!(answer["isError"], true);
        let shown: Value =
            serde_json::from_str(answer["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(shown["error"]["code"], -32001);
        assert_eq!(shown["error"]["data"]["zohoCode"], "INVALID_DATA");
    }
}
