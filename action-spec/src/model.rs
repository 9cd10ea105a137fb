//! The checked spec: every action with its inputs resolved, ready for code and docs generation.

use serde_json::Value;

/// A whole, checked spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The connection kinds, in file order.
    pub connections: Vec<Connection>,
    /// The actions, in file order.
    pub actions: Vec<Action>,
    /// Record types Zoho serves at other paths than the actions' templates build, in file order.
    pub record_paths: Vec<RecordPaths>,
}

impl Spec {
    /// The record-path entries an action consults: those of its product that give a path for
    /// its `record_paths` operation, each with that operation's path.
    pub fn record_paths_of<'s>(
        &'s self,
        action: &Action,
    ) -> Vec<(&'s RecordPaths, &'s OperationPath)> {
        let Some(operation) = &action.record_paths else {
            return Vec::new();
        };
        self.record_paths
            .iter()
            .filter(|entry| entry.product == action.product)
            .filter_map(|entry| entry.operation(operation).map(|path| (entry, path)))
            .collect()
    }
}

/// `[record_paths.<product>.<record type>]`: where Zoho serves one record type, per operation,
/// when its paths are not `/{type}[/{id}]` and `/{parent}/{parent id}/{type}[/{id}]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPaths {
    /// The product (`books`).
    pub product: Product,
    /// The record type as users name it in Record Type (`contactpersons`).
    pub record_type: String,
    /// Why the type is listed, for the docs.
    pub comment: String,
    /// The one parent record type it may be named under (`contacts`); without one, parent
    /// inputs are refused for this type.
    pub parent: Option<String>,
    /// The operations whose paths differ, in file order (`create`, ...); the others use the
    /// action's own templates.
    pub operations: Vec<(String, OperationPath)>,
}

impl RecordPaths {
    /// The path of this operation, if the entry gives one.
    pub fn operation(&self, name: &str) -> Option<&OperationPath> {
        self.operations
            .iter()
            .find(|(operation, _)| operation == name)
            .map(|(_, path)| path)
    }
}

/// The inputs an action that consults [`RecordPaths`] is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPathKeys<'a> {
    /// The record type: the first placeholder of `path` (`recordType`).
    pub record_type: &'a str,
    /// The parent type: the first placeholder only `parent_path` has (`parentRecordType`).
    pub parent_type: &'a str,
    /// The parent id: the second placeholder only `parent_path` has (`parentRecordId`).
    pub parent_id: &'a str,
}

impl<'a> RecordPathKeys<'a> {
    /// The keys read from an action's templates, if they have that shape.
    pub fn of(
        path: Option<&'a PathTemplate>,
        parent_path: Option<&'a PathTemplate>,
    ) -> Option<RecordPathKeys<'a>> {
        let record_type = match path?.segments.first()? {
            PathPart::Input(key) => key.as_str(),
            PathPart::Literal(_) => return None,
        };
        let in_path: Vec<&str> = path?.placeholders().collect();
        let parents: Vec<&str> = parent_path?
            .placeholders()
            .filter(|key| !in_path.contains(key))
            .collect();
        match parents.as_slice() {
            [parent_type, parent_id] => Some(RecordPathKeys {
                record_type,
                parent_type,
                parent_id,
            }),
            _ => None,
        }
    }
}

/// One operation of a [`RecordPaths`] entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationPath {
    /// The path; its placeholders name the action's path inputs (`{recordId}`,
    /// `{parentRecordId}`).
    pub path: PathTemplate,
    /// Where the parent's id goes when the path does not hold it.
    pub parent_id: ParentIdPlace,
}

/// Where a [`RecordPaths`] operation sends the parent's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentIdPlace {
    /// In the path (the path uses the parent id input): the parent must be given.
    Path,
    /// As this query pair (`project_id`), when the parent is given.
    Query(String),
    /// As this top-level key of the JSON body (`contact_id`), when the parent is given.
    BodyField(String),
    /// Not sent: the record's own id is enough.
    NotSent,
}

/// A kind of connection (`oauth2`) and what a deployer configures for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// The kind as written in the config file (`oauth2`).
    pub kind: String,
    /// Its label (`OAuth 2.0`).
    pub label: String,
    /// What it is for.
    pub comment: String,
    /// What the deployer fills in.
    pub inputs: Vec<ConnectionInput>,
}

/// One setting of a connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionInput {
    /// The config-file key (`region_url`).
    pub key: String,
    /// Its label (`Region URL`).
    pub label: String,
    /// What it means.
    pub comment: String,
    /// Whether it must be given.
    pub required: bool,
    /// The value used when it is not given.
    pub default: Option<String>,
    /// A secret: never logged or echoed.
    pub secret: bool,
}

/// The Zoho product an action talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    /// Zoho CRM.
    Crm,
    /// Zoho Books.
    Books,
}

impl Product {
    /// The name used in method names and Rust module names (`crm`).
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Crm => "crm",
            Product::Books => "books",
        }
    }
}

/// The HTTP methods an action may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// Every method, in the order they are listed to users.
    pub const ALL: [HttpMethod; 5] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ];

    /// The method as written in the spec and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// How a record body is wrapped before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyWrap {
    /// CRM: `{"data": [record]}`, plus any `body_field` inputs beside `data`.
    CrmRecord,
    /// Books: the record object as it is.
    BooksRecord,
    /// CRM notifications: `{"watch": [channel]}`, the one channel object made of the
    /// `body_field` inputs and the body constants.
    CrmWatch,
}

/// What an action's result is made of; mirrors `zoho_core::ResultShape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultShape {
    /// The body as Zoho sent it.
    Raw,
    /// A CRM single-record write.
    CrmWrite,
    /// One CRM record.
    CrmRecord,
    /// A page of CRM records.
    CrmRecords,
    /// A COQL result.
    CrmCoql,
    /// A CRM delete.
    CrmDelete,
    /// One Books record.
    BooksRecord,
    /// A page of Books records.
    BooksRecords,
    /// A Books delete.
    BooksDelete,
    /// CRM multi-record writes: the `batch` input sent 100 records per request.
    CrmWriteMany,
    /// CRM multi-record deletes: the `batch` input's ids sent 100 per request.
    CrmDeleteMany,
    /// A JSON object as Zoho sent it.
    Json,
    /// A downloaded file.
    CrmFile,
    /// A JSON Schema of a CRM module's records.
    CrmSchema,
    /// A JSON Schema of a Books record type's records, from the fields Books lists for it.
    BooksSchema,
    /// A CRM bulk read job run to the end: created once, polled, its ZIP/CSV pages streamed
    /// as records.
    CrmBulkRead,
    /// A CRM bulk write job: the `batch` records uploaded as a zipped CSV, the job created once
    /// and polled, its per-row result mapped back to the records' indexes.
    CrmBulkWrite,
}

impl ResultShape {
    /// Every shape with its spec name.
    pub const ALL: [(&'static str, ResultShape); 17] = [
        ("raw", ResultShape::Raw),
        ("crm_write", ResultShape::CrmWrite),
        ("crm_record", ResultShape::CrmRecord),
        ("crm_records", ResultShape::CrmRecords),
        ("crm_coql", ResultShape::CrmCoql),
        ("crm_delete", ResultShape::CrmDelete),
        ("books_record", ResultShape::BooksRecord),
        ("books_records", ResultShape::BooksRecords),
        ("books_delete", ResultShape::BooksDelete),
        ("crm_write_many", ResultShape::CrmWriteMany),
        ("crm_delete_many", ResultShape::CrmDeleteMany),
        ("json", ResultShape::Json),
        ("crm_file", ResultShape::CrmFile),
        ("crm_schema", ResultShape::CrmSchema),
        ("books_schema", ResultShape::BooksSchema),
        ("crm_bulk_read", ResultShape::CrmBulkRead),
        ("crm_bulk_write", ResultShape::CrmBulkWrite),
    ];

    /// The name of the matching `zoho_core::ResultShape` variant (`CrmWrite`).
    pub fn variant(self) -> &'static str {
        match self {
            ResultShape::Raw => "Raw",
            ResultShape::CrmWrite => "CrmWrite",
            ResultShape::CrmRecord => "CrmRecord",
            ResultShape::CrmRecords => "CrmRecords",
            ResultShape::CrmCoql => "CrmCoql",
            ResultShape::CrmDelete => "CrmDelete",
            ResultShape::BooksRecord => "BooksRecord",
            ResultShape::BooksRecords => "BooksRecords",
            ResultShape::BooksDelete => "BooksDelete",
            ResultShape::CrmWriteMany => "CrmWriteMany",
            ResultShape::CrmDeleteMany => "CrmDeleteMany",
            ResultShape::Json => "Json",
            ResultShape::CrmFile => "CrmFile",
            ResultShape::CrmSchema => "CrmSchema",
            ResultShape::BooksSchema => "BooksSchema",
            ResultShape::CrmBulkRead => "CrmBulkRead",
            ResultShape::CrmBulkWrite => "CrmBulkWrite",
        }
    }

    /// Whether the result is a page of records, with pages to follow.
    pub fn is_list(self) -> bool {
        matches!(self, ResultShape::CrmRecords | ResultShape::BooksRecords)
    }

    /// Whether the result's records can be streamed one at a time: a list's pages, or a bulk
    /// read's jobs.
    pub fn streams_records(self) -> bool {
        self.is_list() || self == ResultShape::CrmBulkRead
    }

    /// Whether the action runs a Zoho job (create once, poll, fetch the result) rather than
    /// one request: its `path` is where the job is created.
    pub fn is_job(self) -> bool {
        matches!(self, ResultShape::CrmBulkRead | ResultShape::CrmBulkWrite)
    }

    /// The input type a multi-record shape sends in chunks (`in = "batch"`), if it is one.
    pub fn batch_type(self) -> Option<InputKind> {
        match self {
            ResultShape::CrmWriteMany | ResultShape::CrmBulkWrite => {
                Some(InputKind::JsonObjectList)
            }
            ResultShape::CrmDeleteMany => Some(InputKind::StringList),
            _ => None,
        }
    }
}

/// A path template: `/{recordType}/{recordId}/Attachments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    /// The template as written.
    pub text: String,
    /// Its segments.
    pub segments: Vec<PathPart>,
}

impl PathTemplate {
    /// The input keys the template uses, in order.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|part| match part {
            PathPart::Input(key) => Some(key.as_str()),
            PathPart::Literal(_) => None,
        })
    }
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// A fixed segment (`Attachments`).
    Literal(String),
    /// A segment filled from an input (`recordId`).
    Input(String),
}

/// The inputs that name the record an action is about (for record-not-found errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInputs {
    /// The input holding the record type.
    pub record_type: String,
    /// The input holding the record id.
    pub record_id: String,
}

/// One action: a JSON-RPC method and a Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The product it talks to.
    pub product: Product,
    /// The name within the product (`getRecords`).
    pub name: String,
    /// Its label as users know it (`CRM - Get Records`).
    pub label: String,
    /// One line on what it does.
    pub summary: String,
    /// A longer description.
    pub description: String,
    /// The HTTP method, unless an input gives it.
    pub http_method: Option<HttpMethod>,
    /// The path template, unless an input gives the path.
    pub path: Option<PathTemplate>,
    /// The path used when every parent input is given.
    pub parent_path: Option<PathTemplate>,
    /// How `record` inputs are wrapped into the body.
    pub body: Option<BodyWrap>,
    /// Keys every request body carries with a fixed value (`_delete_events = true`), put where
    /// `body_field` inputs go; sorted by key.
    pub body_constants: Vec<(String, Value)>,
    /// What the result is made of.
    pub result: ResultShape,
    /// What the result holds, for the docs.
    pub result_description: String,
    /// It only reads.
    pub read_only: bool,
    /// It deletes or overwrites data.
    pub destructive: bool,
    /// Calling it twice has the effect of calling it once.
    pub idempotent: bool,
    /// The inputs naming the record it is about.
    pub record: Option<RecordInputs>,
    /// Query pairs sent on every call (`type=CurrentUser`), in key order.
    pub query: Vec<(String, String)>,
    /// The operation (`create`) whose `record_paths` entries can take the place of `path` and
    /// `parent_path` for the record type given.
    pub record_paths: Option<String>,
    /// Groups of optional inputs of which a call gives exactly one (`criteria`, `email`,
    /// `phone`, `word` of CRM Search Records), each in spec order.
    pub one_of: Vec<Vec<String>>,
    /// Its inputs, in spec order.
    pub inputs: Vec<Input>,
}

impl Action {
    /// The JSON-RPC method name (`crm.getRecords`).
    pub fn method_name(&self) -> String {
        format!("{}.{}", self.product.as_str(), self.name)
    }

    /// The Rust type name (`GetRecords`).
    pub fn type_name(&self) -> String {
        upper_camel(&self.name)
    }

    /// The input with this key.
    pub fn input(&self, key: &str) -> Option<&Input> {
        self.inputs.iter().find(|input| input.key == key)
    }

    /// The inputs a `record_paths` entry is keyed on, when the action consults the table.
    pub fn record_path_keys(&self) -> Option<RecordPathKeys<'_>> {
        self.record_paths.as_ref()?;
        RecordPathKeys::of(self.path.as_ref(), self.parent_path.as_ref())
    }

    /// Inputs that appear only in the parent path: all or none of them must be given.
    pub fn parent_inputs(&self) -> Vec<&Input> {
        let Some(parent) = &self.parent_path else {
            return Vec::new();
        };
        let in_path: Vec<&str> = self
            .path
            .as_ref()
            .map(|path| path.placeholders().collect())
            .unwrap_or_default();
        parent
            .placeholders()
            .filter(|key| !in_path.contains(key))
            .filter_map(|key| self.input(key))
            .collect()
    }
}

/// The type of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputType {
    /// Text.
    String,
    /// A whole number (`u64` in Rust).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// One of a fixed set of strings.
    Enum(Vec<String>),
    /// A list of strings.
    StringList,
    /// Keys with string values.
    StringMap,
    /// A JSON object whose values keep their JSON types.
    JsonObject,
    /// A list of JSON objects (records), any length.
    JsonObjectList,
    /// Any JSON value.
    Json,
    /// A file: text, or bytes as `{"base64": "..."}`.
    File,
    /// Files by name.
    FileMap,
    /// The name of a configured connection.
    Connection,
}

impl InputType {
    /// The kind of this type, without enum values.
    pub fn kind(&self) -> InputKind {
        match self {
            InputType::String => InputKind::String,
            InputType::Integer => InputKind::Integer,
            InputType::Boolean => InputKind::Boolean,
            InputType::Enum(_) => InputKind::Enum,
            InputType::StringList => InputKind::StringList,
            InputType::StringMap => InputKind::StringMap,
            InputType::JsonObject => InputKind::JsonObject,
            InputType::JsonObjectList => InputKind::JsonObjectList,
            InputType::Json => InputKind::Json,
            InputType::File => InputKind::File,
            InputType::FileMap => InputKind::FileMap,
            InputType::Connection => InputKind::Connection,
        }
    }

    /// The spec name of this type.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

/// An input type without its enum values: what the spec's `type` names, and what the rules'
/// tables (which types may go where) are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// `string`
    String,
    /// `integer`
    Integer,
    /// `boolean`
    Boolean,
    /// `enum`
    Enum,
    /// `string_list`
    StringList,
    /// `string_map`
    StringMap,
    /// `json_object`
    JsonObject,
    /// `json_object_list`
    JsonObjectList,
    /// `json`
    Json,
    /// `file`
    File,
    /// `file_map`
    FileMap,
    /// `connection`
    Connection,
}

impl InputKind {
    /// Every kind, in the order they are listed to users.
    pub const ALL: [InputKind; 12] = [
        InputKind::String,
        InputKind::Integer,
        InputKind::Boolean,
        InputKind::Enum,
        InputKind::StringList,
        InputKind::StringMap,
        InputKind::JsonObject,
        InputKind::JsonObjectList,
        InputKind::Json,
        InputKind::File,
        InputKind::FileMap,
        InputKind::Connection,
    ];

    /// The spec name (`string_map`).
    pub fn name(self) -> &'static str {
        match self {
            InputKind::String => "string",
            InputKind::Integer => "integer",
            InputKind::Boolean => "boolean",
            InputKind::Enum => "enum",
            InputKind::StringList => "string_list",
            InputKind::StringMap => "string_map",
            InputKind::JsonObject => "json_object",
            InputKind::JsonObjectList => "json_object_list",
            InputKind::Json => "json",
            InputKind::File => "file",
            InputKind::FileMap => "file_map",
            InputKind::Connection => "connection",
        }
    }

    /// The kind a spec name names.
    pub fn from_name(name: &str) -> Option<InputKind> {
        InputKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// `a, b, c` of the kinds' names.
    pub fn list(kinds: &[InputKind]) -> String {
        kinds
            .iter()
            .map(|kind| kind.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Where an input goes in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A path segment (`{key}` in the path template).
    Path,
    /// Query: a scalar as `wire=value`, a list joined with commas, a map as one pair per entry.
    Query {
        /// The query name for scalars and lists (`per_page`).
        wire: String,
    },
    /// Headers: a map as one header per entry, a scalar under `wire`.
    Header {
        /// The header name for a scalar.
        wire: Option<String>,
    },
    /// Merged into the record body; later record inputs win on a clash.
    Record,
    /// One field of the record body (`Note_Title`), set after the `record` inputs are merged.
    RecordField {
        /// The field's API name.
        wire: String,
    },
    /// The items of a multi-record call, sent in chunks as the action's result shape says.
    Batch,
    /// The whole JSON body.
    Body,
    /// One key of the top-level JSON body object (`trigger`, `select_query`).
    BodyField {
        /// The key, or a dotted path into nested objects (`query.module.api_name`); a segment
        /// of digits is an array index (`resource.0.find_by`).
        wire: String,
    },
    /// Multipart parts: a file as the part `wire`, a file map as one part per key,
    /// a string map as one text part per key.
    Multipart {
        /// The part name for a single file.
        wire: String,
    },
    /// The file name(s) of a multipart file input.
    FileName {
        /// The file input the names are for.
        of: String,
    },
    /// A request option.
    Request(RequestField),
    /// Picks the connection's client.
    Client,
}

impl Location {
    /// The spec names of the locations.
    pub const NAMES: [&'static str; 12] = [
        "path",
        "query",
        "header",
        "record",
        "record_field",
        "batch",
        "body",
        "body_field",
        "multipart",
        "file_name",
        "request",
        "client",
    ];
}

/// A request option an input sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestField {
    /// `debug_request` (boolean).
    DebugRequest,
    /// `timeout` in milliseconds (integer).
    Timeout,
    /// `retry.delay` in milliseconds (integer).
    RetryDelay,
    /// `retry.max_retries` (integer).
    MaxRetries,
    /// `retry.exponential_backoff` (boolean).
    ExponentialBackoff,
    /// `retry.retry_on_all_errors` (boolean).
    RetryOnAllErrors,
    /// `response_type` (enum of json/text/binary).
    ResponseType,
    /// `paging.fetch_all` (boolean).
    FetchAll,
    /// `paging.max_records` (integer).
    MaxRecords,
    /// `organization_id` (string).
    OrganizationId,
    /// The HTTP method (enum of GET/POST/PUT/PATCH/DELETE).
    Method,
    /// The raw path (string).
    Path,
    /// `validate`: check CRM writes against the module's schema first (boolean).
    Validate,
    /// `job.poll_interval` in milliseconds: the first wait between a job's status calls (integer).
    JobPollInterval,
    /// `job.max_wait` in milliseconds: how long a job may run before the call gives up (integer).
    JobMaxWait,
}

impl RequestField {
    /// Every field with its spec name and the kind of input it needs.
    pub const ALL: [(&'static str, RequestField, InputKind); 15] = [
        (
            "debug_request",
            RequestField::DebugRequest,
            InputKind::Boolean,
        ),
        ("timeout", RequestField::Timeout, InputKind::Integer),
        ("retry.delay", RequestField::RetryDelay, InputKind::Integer),
        (
            "retry.max_retries",
            RequestField::MaxRetries,
            InputKind::Integer,
        ),
        (
            "retry.exponential_backoff",
            RequestField::ExponentialBackoff,
            InputKind::Boolean,
        ),
        (
            "retry.retry_on_all_errors",
            RequestField::RetryOnAllErrors,
            InputKind::Boolean,
        ),
        ("response_type", RequestField::ResponseType, InputKind::Enum),
        (
            "paging.fetch_all",
            RequestField::FetchAll,
            InputKind::Boolean,
        ),
        (
            "paging.max_records",
            RequestField::MaxRecords,
            InputKind::Integer,
        ),
        (
            "organization_id",
            RequestField::OrganizationId,
            InputKind::String,
        ),
        ("method", RequestField::Method, InputKind::Enum),
        ("path", RequestField::Path, InputKind::String),
        ("validate", RequestField::Validate, InputKind::Boolean),
        (
            "job.poll_interval",
            RequestField::JobPollInterval,
            InputKind::Integer,
        ),
        ("job.max_wait", RequestField::JobMaxWait, InputKind::Integer),
    ];

    /// The values an enum input for this field may list (`GET`, ... for `method`; `json`,
    /// `text`, `binary` for `response_type`); empty for fields that take no enum. The runtime's
    /// own enum has exactly these, so generated code converts with a plain `From`.
    pub fn enum_values(self) -> Vec<&'static str> {
        match self {
            RequestField::Method => HttpMethod::ALL.iter().map(|m| m.as_str()).collect(),
            RequestField::ResponseType => vec!["json", "text", "binary"],
            _ => Vec::new(),
        }
    }

    /// The spec name (`retry.delay`).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, field, _)| *field == self)
            .map_or("", |(name, _, _)| name)
    }
}

/// One input of an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The JSON-RPC param name (`perPage`).
    pub key: String,
    /// Its label (`Per Page`).
    pub label: String,
    /// What it means.
    pub comment: String,
    /// Its type.
    pub ty: InputType,
    /// Whether it must be given.
    pub required: bool,
    /// The value used when it is not given, as JSON.
    pub default: Option<Value>,
    /// What happens when it is not given and there is no default value (`the default connection`).
    pub when_omitted: Option<String>,
    /// Where it goes.
    pub location: Location,
    /// Smallest allowed integer.
    pub min: Option<u64>,
    /// Largest allowed integer.
    pub max: Option<u64>,
}

impl Input {
    /// The Rust field name (`per_page`).
    pub fn field_name(&self) -> String {
        snake_case(&self.key)
    }

    /// The Rust type name of an enum input (`SortOrder`).
    pub fn enum_type_name(&self) -> String {
        upper_camel(&self.key)
    }
}

/// `getRecords` -> `GetRecords`.
pub fn upper_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper_next = true;
    for ch in name.chars() {
        if ch == '_' || ch == '-' || ch == ' ' {
            upper_next = true;
        } else if upper_next {
            out.extend(ch.to_uppercase());
            upper_next = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The Rust variant name of an enum value: `asc` -> `Asc`, `Created_Time` -> `CreatedTime`,
/// `GET` -> `Get`.
pub fn variant_name(value: &str) -> String {
    if value.chars().any(|ch| ch.is_lowercase()) {
        upper_camel(value)
    } else {
        upper_camel(&value.to_lowercase())
    }
}

/// `perPage` -> `per_page`; `Created_Time` -> `created_time`; `GET` -> `get`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (index, &ch) in chars.iter().enumerate() {
        if ch.is_uppercase() {
            let prev = index.checked_sub(1).and_then(|at| chars.get(at));
            let next = chars.get(index + 1);
            let starts_word = prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_uppercase())
                    && next.is_some_and(|n| n.is_lowercase()));
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{snake_case, upper_camel};

    #[test]
    fn names_convert_as_rust_expects() {
        assert_eq!(snake_case("perPage"), "per_page");
        assert_eq!(snake_case("fileDataFileNames"), "file_data_file_names");
        assert_eq!(snake_case("Created_Time"), "created_time");
        assert_eq!(snake_case("GET"), "get");
        assert_eq!(snake_case("recordId"), "record_id");
        assert_eq!(upper_camel("getRecords"), "GetRecords");
        assert_eq!(upper_camel("Created_Time"), "CreatedTime");
        assert_eq!(upper_camel("asc"), "Asc");
    }
}
