//! The tools: one per spec action, read from the OpenRPC document the server serves (generated
//! from the spec by `cargo xtask docs`), so an action added to the spec is a tool with nothing
//! else written, and the spec is parsed in one place.
//!
//! Everything a tool says comes from the action's method there: its name is the JSON-RPC method name, its title
//! the label, its input schema the params schema, its annotations the spec's `read_only`,
//! `destructive` and `idempotent` flags, and its output schema the result schema when the result
//! shape is typed. The one MCP-specific change is a smaller default page for list actions: an
//! agent reads every record it is handed, so a page of 200 crowds out everything else.

use std::sync::{Arc, OnceLock};

use action_spec::ResultShape;
use serde_json::{Map, Value, json};

/// The page size list tools use when the caller gives none and does not follow pages.
pub const MCP_PER_PAGE: u64 = 20;

/// How many records a whole-export tool (`crm.bulkRead`) returns when the caller gives no
/// `maxRecords`, and the most it returns whatever the caller gives: one MCP result holds them
/// all, so an export of 300,000 records must not be one.
pub const MCP_EXPORT_RECORDS: u64 = 200;
/// The most records one whole-export tool result holds.
pub const MCP_EXPORT_MAX_RECORDS: u64 = 2_000;

/// Zoho's query names for paging; the inputs that send them are the ones a page note names.
const PER_PAGE_WIRE: &str = "per_page";
const PAGE_WIRE: &str = "page";
const PAGE_TOKEN_WIRE: &str = "page_token";
/// The spec's request fields that make a call follow pages itself.
const FOLLOW_FIELDS: [&str; 2] = ["paging.fetch_all", "paging.max_records"];

/// Every tool, in spec order.
#[derive(Debug, Clone)]
pub struct Catalog {
    tools: Vec<Tool>,
}

/// One tool: what `tools/list` shows, and what `tools/call` needs to know about the action.
#[derive(Debug, Clone)]
pub struct Tool {
    /// The tool name: the action's JSON-RPC method name (`crm.getRecords`).
    pub name: String,
    /// The tool as `tools/list` shows it.
    pub listing: Value,
    /// What the action's result is made of.
    pub result: ResultShape,
    /// Whether the listing has an `outputSchema`, so results carry `structuredContent`.
    pub typed_result: bool,
    /// The product (`crm`), for the URIs of binary results.
    pub product: String,
    /// For list actions: the inputs that page.
    pub paging: Option<Paging>,
    /// For actions that collect a whole export in one result (`crm.bulkRead`): the input that
    /// bounds it (`maxRecords`), which MCP always sets.
    pub export_bound: Option<String>,
    /// The input choosing how the response is read (`responseType`), when the action has one.
    pub response_type: Option<String>,
    /// The input holding a raw request's path (`url`), when the action has one.
    pub path: Option<String>,
}

/// The paging inputs of a list action, by param name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// The page size (`perPage`).
    pub per_page: String,
    /// The page number (`page`).
    pub page: Option<String>,
    /// The CRM page token (`pageToken`).
    pub page_token: Option<String>,
    /// Inputs that make the call follow pages itself (`fetchAll`, `maxRecords`).
    pub follow: Vec<String>,
}

impl Catalog {
    /// The tools of an OpenRPC document: one per method that is an action (has an
    /// `x-result-shape`); the server's own methods are not tools. `Err` says what is missing.
    pub fn from_document(document: &Value) -> Result<Catalog, String> {
        let methods = document
            .get("methods")
            .and_then(Value::as_array)
            .ok_or("the OpenRPC document has no `methods` array")?;
        let tools = methods
            .iter()
            .filter(|method| method.get("x-result-shape").is_some())
            .map(Tool::from_method)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Catalog { tools })
    }

    /// The tools of a spec file's text; `Err` holds every mistake the spec check found.
    pub fn from_spec_toml(text: &str) -> Result<Catalog, String> {
        let spec = action_spec::parse(text, "zoho.toml").map_err(|d| d.to_string())?;
        Catalog::from_document(&action_spec::openrpc::document(&spec))
    }

    /// The tools of the document the server serves, built once per process.
    pub fn builtin() -> Result<Arc<Catalog>, String> {
        static BUILTIN: OnceLock<Result<Arc<Catalog>, String>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let document = crate::actions::openrpc_document()?;
                Catalog::from_document(&document).map(Arc::new)
            })
            .clone()
    }

    /// The tool called `name`.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|tool| tool.name == name)
    }

    /// Every tool, in spec order.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// The `tools` array of a `tools/list` result.
    pub fn listing(&self) -> Value {
        Value::Array(self.tools.iter().map(|tool| tool.listing.clone()).collect())
    }
}

impl Tool {
    fn from_method(method: &Value) -> Result<Tool, String> {
        let text = |value: &Value| value.as_str().map(str::to_owned);
        let name = method
            .get("name")
            .and_then(text)
            .ok_or("a method without a `name`")?;
        let missing = |what: &str| format!("method `{name}` has no {what}");
        let shape_name = method.get("x-result-shape").and_then(Value::as_str);
        let result = ResultShape::ALL
            .iter()
            .find(|(each, _)| Some(*each) == shape_name)
            .map(|(_, shape)| *shape)
            .ok_or_else(|| missing("known `x-result-shape`"))?;
        let params: &[Value] = method
            .get("params")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let paging = result.is_list().then(|| paging(params)).flatten();
        let export_bound = (result.streams_records() && !result.is_list())
            .then(|| request_param(params, "paging.max_records"))
            .flatten();
        let mut input_schema = method
            .get("x-params-schema")
            .cloned()
            .ok_or_else(|| missing("`x-params-schema`"))?;
        if let Some(paging) = &paging {
            lower_default_page(&mut input_schema, paging);
        }
        if let Some(bound) = &export_bound {
            bound_export(&mut input_schema, bound);
        }
        let label = method.get("x-label").and_then(text).unwrap_or_default();
        let mut description = method.get("description").and_then(text).unwrap_or_default();
        let result_description = method
            .pointer("/result/description")
            .and_then(text)
            .unwrap_or_default();
        if !result_description.is_empty() {
            description.push_str("\n\nResult: ");
            description.push_str(&result_description);
        }
        let flag = |key: &str| method.get(key).and_then(Value::as_bool).unwrap_or(false);
        let mut listing = json!({
            "name": name,
            "title": label,
            "description": description,
            "inputSchema": input_schema,
            "annotations": {
                // Clients that predate the top-level `title` read it here.
                "title": label,
                "readOnlyHint": flag("x-read-only"),
                "destructiveHint": flag("x-destructive"),
                "idempotentHint": flag("x-idempotent"),
            },
        });
        // MCP output schemas must describe an object; a raw body can be anything.
        let output_schema = method
            .pointer("/result/schema")
            .cloned()
            .unwrap_or(Value::Null);
        let typed_result = result != ResultShape::Raw
            && output_schema.get("type").and_then(Value::as_str) == Some("object");
        if typed_result && let Value::Object(map) = &mut listing {
            map.insert("outputSchema".into(), output_schema);
        }
        let product = method
            .pointer("/tags/0/name")
            .and_then(text)
            .ok_or_else(|| missing("product tag"))?;
        Ok(Tool {
            name,
            listing,
            result,
            typed_result,
            product,
            paging,
            export_bound,
            response_type: request_param(params, "response_type"),
            path: request_param(params, "path"),
        })
    }
}

/// The name of a param.
fn param_name(param: &Value) -> Option<String> {
    param.get("name").and_then(Value::as_str).map(str::to_owned)
}

fn paging(params: &[Value]) -> Option<Paging> {
    let by_wire = |wire_name: &str| {
        params
            .iter()
            .find(|param| param.get("x-query").and_then(Value::as_str) == Some(wire_name))
            .and_then(param_name)
    };
    let follow = params
        .iter()
        .filter(|param| {
            param
                .get("x-request-field")
                .and_then(Value::as_str)
                .is_some_and(|field| FOLLOW_FIELDS.contains(&field))
        })
        .filter_map(param_name)
        .collect();
    Some(Paging {
        per_page: by_wire(PER_PAGE_WIRE)?,
        page: by_wire(PAGE_WIRE),
        page_token: by_wire(PAGE_TOKEN_WIRE),
        follow,
    })
}

/// The param that sets the spec's request field `field`.
fn request_param(params: &[Value], field: &str) -> Option<String> {
    params
        .iter()
        .find(|param| param.get("x-request-field").and_then(Value::as_str) == Some(field))
        .and_then(param_name)
}

/// Show the MCP bound of a whole export in the schema.
fn bound_export(schema: &mut Value, bound: &str) {
    let Some(property) = schema
        .get_mut("properties")
        .and_then(|properties| properties.get_mut(bound))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    property.insert("default".into(), Value::from(MCP_EXPORT_RECORDS));
    property.insert("maximum".into(), Value::from(MCP_EXPORT_MAX_RECORDS));
    let description = property
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    property.insert(
        "description".into(),
        Value::String(format!(
            "{description} Over MCP the default is {MCP_EXPORT_RECORDS} and the most is \
             {MCP_EXPORT_MAX_RECORDS}: a result holds every record it returns. For the whole \
             export, call the method through JSON-RPC or `zoho-server call ... --jsonl`."
        )),
    );
}

/// Show the MCP default page size in the schema, and say when it applies.
fn lower_default_page(schema: &mut Value, paging: &Paging) {
    let Some(property) = schema
        .get_mut("properties")
        .and_then(|properties| properties.get_mut(&paging.per_page))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let spec_default = property.get("default").cloned();
    property.insert("default".into(), Value::from(MCP_PER_PAGE));
    let follow = paging
        .follow
        .iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut note = format!(
        " Over MCP the default is {MCP_PER_PAGE}, to keep results small; a result with more \
         records after it says how to get the next page."
    );
    if let (Some(default), false) = (spec_default, follow.is_empty()) {
        note.push_str(&format!(" With {follow} the default is {default}."));
    }
    let description = property
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    property.insert("description".into(), Value::String(description + &note));
}

/// The arguments a call runs with: the caller's, plus the MCP page size for a list call that
/// gives none and does not follow pages.
pub fn with_mcp_defaults(tool: &Tool, mut arguments: Map<String, Value>) -> Map<String, Value> {
    if let Some(bound) = &tool.export_bound {
        // A number above the most is lowered to it; anything else is for the action to refuse.
        let given = match arguments.get(bound) {
            None | Some(Value::Null) => Some(MCP_EXPORT_RECORDS),
            Some(value) => value.as_u64().map(|n| n.min(MCP_EXPORT_MAX_RECORDS)),
        };
        if let Some(n) = given {
            arguments.insert(bound.clone(), Value::from(n));
        }
    }
    if let Some(paging) = &tool.paging {
        let follows = paging.follow.iter().any(|key| match arguments.get(key) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => false,
            Some(_) => true,
        });
        if !follows && !arguments.contains_key(&paging.per_page) {
            arguments.insert(paging.per_page.clone(), Value::from(MCP_PER_PAGE));
        }
    }
    arguments
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use action_spec::{Action, InputType};

    use super::*;

    fn is_integer(action: &Action, key: &str) -> bool {
        action
            .input(key)
            .is_some_and(|input| input.ty == InputType::Integer)
    }

    fn builtin() -> Arc<Catalog> {
        Catalog::builtin().unwrap()
    }

    #[test]
    fn every_action_is_a_tool_and_nothing_else_is() {
        let catalog = builtin();
        let names: Vec<&str> = catalog.tools().iter().map(|t| t.name.as_str()).collect();
        let methods: Vec<&str> = zoho_actions::METHODS.iter().map(|m| m.name).collect();
        assert_eq!(names, methods);
    }

    #[test]
    fn annotations_and_title_come_from_the_spec_flags_and_label() {
        let catalog = builtin();
        for method in zoho_actions::METHODS {
            let listing = &catalog.tool(method.name).unwrap().listing;
            assert_eq!(listing["title"], method.label);
            assert_eq!(
                listing["annotations"],
                json!({"title": method.label, "readOnlyHint": method.read_only,
                       "destructiveHint": method.destructive, "idempotentHint": method.idempotent}),
                "{}",
                method.name
            );
            assert_eq!(listing["inputSchema"]["type"], "object");
        }
    }

    #[test]
    fn tool_names_fit_the_mcp_name_rule() {
        for tool in builtin().tools() {
            assert!(
                !tool.name.is_empty()
                    && tool.name.len() <= 128
                    && tool
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)),
                "{}",
                tool.name
            );
        }
    }

    #[test]
    fn a_spec_edit_that_adds_an_action_adds_the_tool() {
        let added = r#"
[[actions]]
product = "crm"
name = "getLeadTwice"
label = "CRM - Get Lead Twice"
summary = "Read a record again"
description = "Reads one record."
http_method = "GET"
path = "/{recordType}/{recordId}"
result = "crm_record"
result_description = "The record."
read_only = true
destructive = false
idempotent = true
record = { type = "recordType", id = "recordId" }
inputs = ["connection", "recordType", "recordId"]
"#;
        let text = format!("{}\n{added}", zoho_actions::SPEC_TOML);
        let catalog = Catalog::from_spec_toml(&text).unwrap();
        assert_eq!(catalog.tools().len(), builtin().tools().len() + 1);
        let tool = catalog.tool("crm.getLeadTwice").unwrap();
        assert_eq!(tool.listing["annotations"]["readOnlyHint"], true);
        assert_eq!(
            tool.listing["inputSchema"]["required"],
            json!(["recordType", "recordId"])
        );
    }

    #[test]
    fn list_tools_default_to_a_small_page_unless_they_follow_pages() {
        let spec = action_spec::parse(zoho_actions::SPEC_TOML, "zoho.toml").unwrap();
        let lists: Vec<&Action> = spec.actions.iter().filter(|a| a.result.is_list()).collect();
        assert!(!lists.is_empty());
        let catalog = builtin();
        for action in lists {
            let tool = catalog.tool(&action.method_name()).unwrap();
            let paging = tool.paging.as_ref().unwrap();
            assert!(is_integer(action, &paging.per_page));
            let schema = &tool.listing["inputSchema"]["properties"][&paging.per_page];
            assert_eq!(schema["default"], MCP_PER_PAGE);
            let input = action.input(&paging.per_page).unwrap();
            assert!(input.max.is_none_or(|max| max >= MCP_PER_PAGE));

            let plain = with_mcp_defaults(tool, Map::new());
            assert_eq!(plain[&paging.per_page], MCP_PER_PAGE);
            let mut given = Map::new();
            given.insert(paging.per_page.clone(), json!(5));
            assert_eq!(with_mcp_defaults(tool, given)[&paging.per_page], 5);
            for follow in &paging.follow {
                let mut following = Map::new();
                following.insert(follow.clone(), json!(true));
                assert!(
                    !with_mcp_defaults(tool, following).contains_key(&paging.per_page),
                    "{follow}"
                );
            }
        }
    }

    #[test]
    fn typed_results_have_an_object_output_schema_and_raw_ones_none() {
        for tool in builtin().tools() {
            let schema = tool.listing.get("outputSchema");
            if tool.result == ResultShape::Raw {
                assert!(schema.is_none(), "{}", tool.name);
            } else {
                assert_eq!(schema.unwrap()["type"], "object", "{}", tool.name);
            }
        }
    }
}
