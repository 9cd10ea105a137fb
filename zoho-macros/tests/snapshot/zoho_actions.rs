// Generated from action-spec/zoho.toml by zoho-macros; do not edit.
// Refresh: UPDATE_SNAPSHOT=1 cargo test -p zoho-macros snapshot

/// The spec these actions were generated from; `action_spec::parse` reads it back for
/// JSON Schema and OpenRPC. Including it also rebuilds this crate when the spec changes.
pub const SPEC_TOML: &str = ::core::include_str!("../../../action-spec/zoho.toml");
/// The enum inputs of the actions: one type per input, serialized as the spec's values.
pub mod types {
    /// Method: The HTTP method.
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Hash,
        ::zoho_actions::__private::serde::Deserialize,
        ::zoho_actions::__private::serde::Serialize
    )]
    #[serde(crate = "::zoho_actions::__private::serde")]
    pub enum Method {
        /// `GET`
        #[serde(rename = "GET")]
        Get,
        /// `POST`
        #[serde(rename = "POST")]
        Post,
        /// `PUT`
        #[serde(rename = "PUT")]
        Put,
        /// `PATCH`
        #[serde(rename = "PATCH")]
        Patch,
        /// `DELETE`
        #[serde(rename = "DELETE")]
        Delete,
    }
    impl Method {
        /// The value as the spec and JSON write it.
        pub fn as_str(self) -> &'static str {
            match self {
                Method::Get => "GET",
                Method::Post => "POST",
                Method::Put => "PUT",
                Method::Patch => "PATCH",
                Method::Delete => "DELETE",
            }
        }
    }
    /// Response Type: How to read the response: json, text, or binary (returned as {"base64": "..."}).
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Hash,
        ::zoho_actions::__private::serde::Deserialize,
        ::zoho_actions::__private::serde::Serialize
    )]
    #[serde(crate = "::zoho_actions::__private::serde")]
    pub enum ResponseType {
        /// `json`
        #[serde(rename = "json")]
        Json,
        /// `text`
        #[serde(rename = "text")]
        Text,
        /// `binary`
        #[serde(rename = "binary")]
        Binary,
    }
    impl ResponseType {
        /// The value as the spec and JSON write it.
        pub fn as_str(self) -> &'static str {
            match self {
                ResponseType::Json => "json",
                ResponseType::Text => "text",
                ResponseType::Binary => "binary",
            }
        }
    }
    /// Sort Order: Ascending or descending.
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Hash,
        ::zoho_actions::__private::serde::Deserialize,
        ::zoho_actions::__private::serde::Serialize
    )]
    #[serde(crate = "::zoho_actions::__private::serde")]
    pub enum SortOrder {
        /// `asc`
        #[serde(rename = "asc")]
        Asc,
        /// `desc`
        #[serde(rename = "desc")]
        Desc,
    }
    impl SortOrder {
        /// The value as the spec and JSON write it.
        pub fn as_str(self) -> &'static str {
            match self {
                SortOrder::Asc => "asc",
                SortOrder::Desc => "desc",
            }
        }
    }
    /// Sort By: The field to sort by.
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Hash,
        ::zoho_actions::__private::serde::Deserialize,
        ::zoho_actions::__private::serde::Serialize
    )]
    #[serde(crate = "::zoho_actions::__private::serde")]
    pub enum SortBy {
        /// `id`
        #[serde(rename = "id")]
        Id,
        /// `Created_Time`
        #[serde(rename = "Created_Time")]
        CreatedTime,
        /// `Modified_Time`
        #[serde(rename = "Modified_Time")]
        ModifiedTime,
    }
    impl SortBy {
        /// The value as the spec and JSON write it.
        pub fn as_str(self) -> &'static str {
            match self {
                SortBy::Id => "id",
                SortBy::CreatedTime => "Created_Time",
                SortBy::ModifiedTime => "Modified_Time",
            }
        }
    }
}
/// Zoho CRM actions, one struct per action.
pub mod crm {
    /** **CRM - Add Attachment**: Attach a file to a CRM record.

Uploads one file (text or binary) as an attachment of a CRM record.

JSON-RPC method `crm.addAttachment`; `POST /{recordType}/{recordId}/Attachments`.

Result: Zoho's result item for the upload: `code`, `details` (with the attachment id), `message`, `status`.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct AddAttachment {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Default: `"Leads"`.
        #[serde(rename = "recordType", default = "AddAttachment::default_record_type")]
        pub record_type: ::std::string::String,
        /// **Record ID** (`recordId`): The id of one record. Ids are strings of digits; keep them as strings. Required.
        #[serde(rename = "recordId")]
        pub record_id: ::std::string::String,
        /// **File** (`file`): The file to attach: a string for text, or {"base64": "..."} for bytes. Required.
        #[serde(
            rename = "file",
            deserialize_with = "::zoho_actions::__private::deserialize_file"
        )]
        pub file: ::zoho_actions::__private::zoho_core::FileContent,
        /// **File Name** (`fileName`): The file name Zoho shows for the attachment. When omitted: the part name, `file`.
        #[serde(rename = "fileName", default)]
        pub file_name: ::core::option::Option<::std::string::String>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(
            rename = "debugRequest",
            default = "AddAttachment::default_debug_request"
        )]
        pub debug_request: bool,
    }
    impl AddAttachment {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.addAttachment";
        /// A `crm.addAttachment` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_id: impl ::core::convert::Into<::std::string::String>,
            file: ::zoho_actions::__private::zoho_core::FileContent,
        ) -> Self {
            AddAttachment {
                connection: ::core::option::Option::None,
                record_type: Self::default_record_type(),
                record_id: record_id.into(),
                file,
                file_name: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_record_type() -> ::std::string::String {
            ::std::string::String::from("Leads")
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Post;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                ::std::vec![
                    ::zoho_actions::__private::zoho_core::PathSegment::Value { input :
                    "recordType", value : { let value = & self.record_type; value.clone()
                    } }, ::zoho_actions::__private::zoho_core::PathSegment::Value { input
                    : "recordId", value : { let value = & self.record_id; value.clone() }
                    },
                    ::zoho_actions::__private::zoho_core::PathSegment::Literal("Attachments")
                ],
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.addAttachment",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::CrmWrite;
            request.idempotent = false;
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let json: ::core::option::Option<
                ::zoho_actions::__private::serde_json::Value,
            > = ::core::option::Option::None;
            let mut parts = ::std::vec::Vec::new();
            {
                let value = &self.file;
                parts
                    .push(::zoho_actions::__private::zoho_core::MultipartPart {
                        name: ::std::string::String::from("file"),
                        file_name: ::core::option::Option::Some(
                            self
                                .file_name
                                .clone()
                                .unwrap_or_else(|| ::std::string::String::from("file")),
                        ),
                        content: value.clone(),
                    });
            }
            request.body = ::zoho_actions::__private::body(json, parts, "", "file")?;
            request.record = ::zoho_actions::__private::record_ref(
                ::core::option::Option::Some({
                    let value = &self.record_type;
                    value.clone()
                }),
                ::core::option::Option::Some({
                    let value = &self.record_id;
                    value.clone()
                }),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **CRM - COQL Query**: Run a COQL select query.

Runs one COQL select query; page through results with LIMIT and OFFSET in the query.

JSON-RPC method `crm.coqlQuery`; `POST /coql`.

Result: `data` (the matching records) and `info` (`count`, `more_records`); no match is an empty result.

This action is read-only, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct CoqlQuery {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Query** (`query`): A COQL select query, for example `select Last_Name from Leads where Last_Name is not null limit 10`. Required.
        #[serde(rename = "query")]
        pub query: ::std::string::String,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(rename = "debugRequest", default = "CoqlQuery::default_debug_request")]
        pub debug_request: bool,
    }
    impl CoqlQuery {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.coqlQuery";
        /// A `crm.coqlQuery` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(query: impl ::core::convert::Into<::std::string::String>) -> Self {
            CoqlQuery {
                connection: ::core::option::Option::None,
                query: query.into(),
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Post;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                ::std::vec![
                    ::zoho_actions::__private::zoho_core::PathSegment::Literal("coql")
                ],
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.coqlQuery",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::CrmCoql;
            request.idempotent = true;
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let mut object = ::zoho_actions::__private::serde_json::Map::new();
            {
                let value = &self.query;
                object
                    .insert(
                        ::std::string::String::from("select_query"),
                        ::zoho_actions::__private::serde_json::Value::String(
                            value.clone(),
                        ),
                    );
            }
            let json = (!object.is_empty())
                .then_some(::zoho_actions::__private::serde_json::Value::Object(object));
            let parts = ::std::vec::Vec::new();
            request.body = ::zoho_actions::__private::body(json, parts, "query", "")?;
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **CRM - Create Record**: Create a CRM record.

Creates one CRM record from Dynamic Fields and Values (Values win on a clash).

JSON-RPC method `crm.createRecord`; `POST /{recordType}`.

Result: Zoho's result item: `code`, `details` (with the new record's id), `message`, `status`.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct CreateRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Dynamic Fields** (`dynamicFields`): Field names and values set at deploy time (config variables), merged into the record body.
        #[serde(rename = "dynamicFields", default)]
        pub dynamic_fields: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Values** (`values`): Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.
        #[serde(rename = "values", default)]
        pub values: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Trigger** (`trigger`): Automations to run on this write (workflow, approval, blueprint); an empty list runs none. When omitted, Zoho runs all of them.
        #[serde(rename = "trigger", default)]
        pub trigger: ::core::option::Option<::std::vec::Vec<::std::string::String>>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(
            rename = "debugRequest",
            default = "CreateRecord::default_debug_request"
        )]
        pub debug_request: bool,
    }
    impl CreateRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.createRecord";
        /// A `crm.createRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            CreateRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                dynamic_fields: ::core::option::Option::None,
                values: ::core::option::Option::None,
                trigger: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Post;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                ::std::vec![
                    ::zoho_actions::__private::zoho_core::PathSegment::Value { input :
                    "recordType", value : { let value = & self.record_type; value.clone()
                    } }
                ],
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.createRecord",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::CrmWrite;
            request.idempotent = false;
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let mut record = ::zoho_actions::__private::serde_json::Map::new();
            if let ::core::option::Option::Some(value) = &self.dynamic_fields {
                record.extend(value.clone());
            }
            if let ::core::option::Option::Some(value) = &self.values {
                record.extend(value.clone());
            }
            let mut body = ::zoho_actions::__private::serde_json::Map::new();
            body.insert(
                ::std::string::String::from("data"),
                ::zoho_actions::__private::serde_json::Value::Array(
                    ::std::vec![
                        ::zoho_actions::__private::serde_json::Value::Object(record)
                    ],
                ),
            );
            if let ::core::option::Option::Some(value) = &self.trigger {
                body.insert(
                    ::std::string::String::from("trigger"),
                    ::zoho_actions::__private::serde_json::Value::Array(
                        value
                            .iter()
                            .cloned()
                            .map(::zoho_actions::__private::serde_json::Value::String)
                            .collect(),
                    ),
                );
            }
            request.body = ::zoho_actions::__private::zoho_core::RequestBody::Json(
                ::zoho_actions::__private::serde_json::Value::Object(body),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **CRM - Get Record**: Fetch one CRM record.

Fetches one CRM record by module and id, optionally only some fields.

JSON-RPC method `crm.getRecord`; `GET /{recordType}/{recordId}`.

Result: The record.

This action is read-only, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct GetRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Record ID** (`recordId`): The id of one record. Ids are strings of digits; keep them as strings. Required.
        #[serde(rename = "recordId")]
        pub record_id: ::std::string::String,
        /// **Fields** (`fields`): API names of the fields to return, sent comma-separated.
        #[serde(rename = "fields", default)]
        pub fields: ::core::option::Option<::std::vec::Vec<::std::string::String>>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(rename = "debugRequest", default = "GetRecord::default_debug_request")]
        pub debug_request: bool,
    }
    impl GetRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.getRecord";
        /// A `crm.getRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
            record_id: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            GetRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                record_id: record_id.into(),
                fields: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Get;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                ::std::vec![
                    ::zoho_actions::__private::zoho_core::PathSegment::Value { input :
                    "recordType", value : { let value = & self.record_type; value.clone()
                    } }, ::zoho_actions::__private::zoho_core::PathSegment::Value { input
                    : "recordId", value : { let value = & self.record_id; value.clone() }
                    }
                ],
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.getRecord",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::CrmRecord;
            request.idempotent = true;
            if let ::core::option::Option::Some(value) = &self.fields {
                if !value.is_empty() {
                    request
                        .query
                        .push((::std::string::String::from("fields"), value.join(",")));
                }
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            request.record = ::zoho_actions::__private::record_ref(
                ::core::option::Option::Some({
                    let value = &self.record_type;
                    value.clone()
                }),
                ::core::option::Option::Some({
                    let value = &self.record_id;
                    value.clone()
                }),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **CRM - Get Records**: List CRM records.

Lists records of a CRM module, one page at a time or all pages with Fetch All. Zoho requires Fields when listing.

JSON-RPC method `crm.getRecords`; `GET /{recordType}`.

Result: `data` (the page's records) and `info` (paging: `page`, `per_page`, `more_records`, `next_page_token`).

This action is read-only, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct GetRecords {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Fields** (`fields`): API names of the fields to return, sent comma-separated. Zoho requires them when listing records: when omitted, the connection's `crm_default_fields` are sent; without either the call is refused (-32602 on `fields`).
        #[serde(rename = "fields", default)]
        pub fields: ::core::option::Option<::std::vec::Vec<::std::string::String>>,
        /// **Page** (`page`): The page of records to return, from 1. Allowed: 1 or more.
        #[serde(rename = "page", default)]
        pub page: ::core::option::Option<u64>,
        /// **Per Page** (`perPage`): How many records a page holds, up to 200. Default: `200`. Allowed: 1 to 200.
        #[serde(rename = "perPage", default = "GetRecords::default_per_page")]
        pub per_page: u64,
        /// **Page Token** (`pageToken`): The `next_page_token` of a previous page, to read beyond the first 2,000 records; not combined with Page.
        #[serde(rename = "pageToken", default)]
        pub page_token: ::core::option::Option<::std::string::String>,
        /// **Sort Order** (`sortOrder`): Ascending or descending.
        #[serde(rename = "sortOrder", default)]
        pub sort_order: ::core::option::Option<super::types::SortOrder>,
        /// **Sort By** (`sortBy`): The field to sort by.
        #[serde(rename = "sortBy", default)]
        pub sort_by: ::core::option::Option<super::types::SortBy>,
        /// **Fetch All** (`fetchAll`): Follow every page and return all records in one result. Default: `false`.
        #[serde(rename = "fetchAll", default = "GetRecords::default_fetch_all")]
        pub fetch_all: bool,
        /// **Max Records** (`maxRecords`): Stop after this many records when following pages.
        #[serde(rename = "maxRecords", default)]
        pub max_records: ::core::option::Option<u64>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(rename = "debugRequest", default = "GetRecords::default_debug_request")]
        pub debug_request: bool,
    }
    impl GetRecords {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.getRecords";
        /// A `crm.getRecords` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            GetRecords {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                fields: ::core::option::Option::None,
                page: ::core::option::Option::None,
                per_page: Self::default_per_page(),
                page_token: ::core::option::Option::None,
                sort_order: ::core::option::Option::None,
                sort_by: ::core::option::Option::None,
                fetch_all: Self::default_fetch_all(),
                max_records: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_per_page() -> u64 {
            200
        }
        fn default_fetch_all() -> bool {
            false
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            if let ::core::option::Option::Some(value) = &self.page {
                ::zoho_actions::__private::check_range(
                    "page",
                    *value,
                    ::core::option::Option::Some(1u64),
                    ::core::option::Option::None,
                )?;
            }
            {
                let value = &self.per_page;
                ::zoho_actions::__private::check_range(
                    "perPage",
                    *value,
                    ::core::option::Option::Some(1u64),
                    ::core::option::Option::Some(200u64),
                )?;
            }
            let method = ::zoho_actions::__private::zoho_core::Method::Get;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                ::std::vec![
                    ::zoho_actions::__private::zoho_core::PathSegment::Value { input :
                    "recordType", value : { let value = & self.record_type; value.clone()
                    } }
                ],
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.getRecords",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::CrmRecords;
            request.idempotent = true;
            if let ::core::option::Option::Some(value) = &self.fields {
                if !value.is_empty() {
                    request
                        .query
                        .push((::std::string::String::from("fields"), value.join(",")));
                }
            }
            if let ::core::option::Option::Some(value) = &self.page {
                request
                    .query
                    .push((::std::string::String::from("page"), value.to_string()));
            }
            {
                let value = &self.per_page;
                request
                    .query
                    .push((::std::string::String::from("per_page"), value.to_string()));
            }
            if let ::core::option::Option::Some(value) = &self.page_token {
                request
                    .query
                    .push((::std::string::String::from("page_token"), value.clone()));
            }
            if let ::core::option::Option::Some(value) = &self.sort_order {
                request
                    .query
                    .push((
                        ::std::string::String::from("sort_order"),
                        value.as_str().to_owned(),
                    ));
            }
            if let ::core::option::Option::Some(value) = &self.sort_by {
                request
                    .query
                    .push((
                        ::std::string::String::from("sort_by"),
                        value.as_str().to_owned(),
                    ));
            }
            {
                let value = &self.fetch_all;
                request.paging.fetch_all = *value;
            }
            if let ::core::option::Option::Some(value) = &self.max_records {
                request.paging.max_records = ::core::option::Option::Some(*value);
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
        /// The records of every page, one at a time, as `fetchAll`/`maxRecords` say;
        /// one page is held in memory at a time.
        pub fn records<'a>(
            &self,
            client: &'a ::zoho_actions::__private::zoho_core::Client,
        ) -> impl ::zoho_actions::__private::futures::Stream<
            Item = ::core::result::Result<
                ::zoho_actions::__private::serde_json::Value,
                ::zoho_actions::__private::zoho_core::Error,
            >,
        > + ::core::marker::Send + 'a {
            ::zoho_actions::__private::records(client, self.to_request())
        }
    }
    /** **CRM - Raw Request**: Any CRM call.

Sends any request below the CRM API root, `{api_domain}/crm/v3` (`api_domain` is what Zoho returns with the token, such as `https://www.zohoapis.eu`; the version is the connection's `crm_api_version`): URL is Zoho's documented path without `/crm/v3`, so `/Leads/123/actions/convert` converts a lead. Retries as the retry inputs say.

JSON-RPC method `crm.rawRequest`.

Result: The response body as Zoho sent it, read as Response Type says.

This action is destructive.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct RawRequest {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **URL** (`url`): A path below the product's base URL, which already ends in the API root (`/crm/v3`, or the connection's `crm_api_version`; `/books/v3`): give Zoho's documented path without it, such as `/Leads`. A query string may follow; anything that is not a path is refused. Required.
        #[serde(rename = "url")]
        pub url: ::std::string::String,
        /// **Method** (`method`): The HTTP method. Required.
        #[serde(rename = "method")]
        pub method: super::types::Method,
        /// **Data** (`data`): The request body, sent as JSON.
        #[serde(rename = "data", default)]
        pub data: ::core::option::Option<::zoho_actions::__private::serde_json::Value>,
        /// **Form Data** (`formData`): Text fields of a multipart form upload.
        #[serde(rename = "formData", default)]
        pub form_data: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **File Data** (`fileData`): Files of a multipart form upload, by part name: a string for text, or {"base64": "..."} for bytes.
        #[serde(
            rename = "fileData",
            default,
            deserialize_with = "::zoho_actions::__private::deserialize_file_map"
        )]
        pub file_data: ::core::option::Option<
            ::std::collections::BTreeMap<
                ::std::string::String,
                ::zoho_actions::__private::zoho_core::FileContent,
            >,
        >,
        /// **File Data File Names** (`fileDataFileNames`): File names for the File Data parts; keys match File Data's keys.
        #[serde(rename = "fileDataFileNames", default)]
        pub file_data_file_names: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **Query Parameter** (`queryParameters`): Query string pairs, as in ?key1=value1&key2=value2.
        #[serde(rename = "queryParameters", default)]
        pub query_parameters: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **Header** (`headers`): Extra request headers. Authorization is the connection's own and is refused.
        #[serde(rename = "headers", default)]
        pub headers: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **Response Type** (`responseType`): How to read the response: json, text, or binary (returned as {"base64": "..."}). Default: `"json"`.
        #[serde(rename = "responseType", default = "RawRequest::default_response_type")]
        pub response_type: super::types::ResponseType,
        /// **Timeout** (`timeout`): Longest wait for a response, in milliseconds, per try. Allowed: 1 or more.
        #[serde(rename = "timeout", default)]
        pub timeout: ::core::option::Option<u64>,
        /// **Retry Delay (ms)** (`retryDelayMs`): Pause between retries when exponential backoff is off. Default: `0`.
        #[serde(rename = "retryDelayMs", default = "RawRequest::default_retry_delay_ms")]
        pub retry_delay_ms: u64,
        /// **Retry On All Errors** (`retryOnAllErrors`): Retry on every failed response (429, other 4xx, 3xx) rather than only 5xx and network errors. Default: `false`.
        #[serde(
            rename = "retryOnAllErrors",
            default = "RawRequest::default_retry_on_all_errors"
        )]
        pub retry_on_all_errors: bool,
        /// **Max Retry Count** (`maxRetryCount`): Retries after the first try; 0 means none. Default: `0`. Allowed: at most 100.
        #[serde(
            rename = "maxRetryCount",
            default = "RawRequest::default_max_retry_count"
        )]
        pub max_retry_count: u64,
        /// **Use Exponential Backoff** (`useExponentialBackoff`): Use a built-in growing delay; Retry Delay is then ignored. Default: `false`.
        #[serde(
            rename = "useExponentialBackoff",
            default = "RawRequest::default_use_exponential_backoff"
        )]
        pub use_exponential_backoff: bool,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(rename = "debugRequest", default = "RawRequest::default_debug_request")]
        pub debug_request: bool,
    }
    impl RawRequest {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.rawRequest";
        /// A `crm.rawRequest` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            url: impl ::core::convert::Into<::std::string::String>,
            method: super::types::Method,
        ) -> Self {
            RawRequest {
                connection: ::core::option::Option::None,
                url: url.into(),
                method,
                data: ::core::option::Option::None,
                form_data: ::core::option::Option::None,
                file_data: ::core::option::Option::None,
                file_data_file_names: ::core::option::Option::None,
                query_parameters: ::core::option::Option::None,
                headers: ::core::option::Option::None,
                response_type: Self::default_response_type(),
                timeout: ::core::option::Option::None,
                retry_delay_ms: Self::default_retry_delay_ms(),
                retry_on_all_errors: Self::default_retry_on_all_errors(),
                max_retry_count: Self::default_max_retry_count(),
                use_exponential_backoff: Self::default_use_exponential_backoff(),
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_response_type() -> super::types::ResponseType {
            super::types::ResponseType::Json
        }
        fn default_retry_delay_ms() -> u64 {
            0
        }
        fn default_retry_on_all_errors() -> bool {
            false
        }
        fn default_max_retry_count() -> u64 {
            0
        }
        fn default_use_exponential_backoff() -> bool {
            false
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            if let ::core::option::Option::Some(value) = &self.timeout {
                ::zoho_actions::__private::check_range(
                    "timeout",
                    *value,
                    ::core::option::Option::Some(1u64),
                    ::core::option::Option::None,
                )?;
            }
            {
                let value = &self.max_retry_count;
                ::zoho_actions::__private::check_range(
                    "maxRetryCount",
                    *value,
                    ::core::option::Option::None,
                    ::core::option::Option::Some(100u64),
                )?;
            }
            let method = ::zoho_actions::__private::method(
                "method",
                &{
                    let value = &self.method;
                    value.as_str().to_owned()
                },
            )?;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Raw(
                self.url.clone(),
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.rawRequest",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::Raw;
            request.idempotent = false;
            if let ::core::option::Option::Some(value) = &self.query_parameters {
                request
                    .query
                    .extend(
                        value.iter().map(|(name, text)| (name.clone(), text.clone())),
                    );
            }
            if let ::core::option::Option::Some(value) = &self.headers {
                request
                    .headers
                    .extend(
                        value.iter().map(|(name, text)| (name.clone(), text.clone())),
                    );
            }
            {
                let value = &self.response_type;
                request.response_type = ::zoho_actions::__private::response_type(
                    "responseType",
                    value.as_str(),
                )?;
            }
            if let ::core::option::Option::Some(value) = &self.timeout {
                request.timeout = ::core::option::Option::Some(
                    ::std::time::Duration::from_millis(*value),
                );
            }
            {
                let value = &self.retry_delay_ms;
                request.retry.delay = ::std::time::Duration::from_millis(*value);
            }
            {
                let value = &self.retry_on_all_errors;
                request.retry.retry_on_all_errors = *value;
            }
            {
                let value = &self.max_retry_count;
                request.retry.max_retries = ::zoho_actions::__private::to_u32(
                    "maxRetryCount",
                    *value,
                )?;
            }
            {
                let value = &self.use_exponential_backoff;
                request.retry.exponential_backoff = *value;
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let mut json: ::core::option::Option<
                ::zoho_actions::__private::serde_json::Value,
            > = ::core::option::Option::None;
            if let ::core::option::Option::Some(value) = &self.data {
                json = ::core::option::Option::Some(value.clone());
            }
            let mut parts = ::std::vec::Vec::new();
            if let ::core::option::Option::Some(value) = &self.form_data {
                ::zoho_actions::__private::text_parts(&mut parts, value);
            }
            if let ::core::option::Option::Some(names) = &self.file_data_file_names {
                ::zoho_actions::__private::names_match(
                    "fileDataFileNames",
                    names,
                    "fileData",
                    self.file_data.as_ref(),
                )?;
            }
            if let ::core::option::Option::Some(value) = &self.file_data {
                ::zoho_actions::__private::file_parts(
                    &mut parts,
                    value,
                    self.file_data_file_names.as_ref(),
                );
            }
            request.body = ::zoho_actions::__private::body(
                json,
                parts,
                "data",
                "formData, fileData",
            )?;
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **CRM - Remove Record**: Delete a CRM record.

Deletes one CRM record by module and id; it goes to the recycle bin.

JSON-RPC method `crm.removeRecord`; `DELETE /{recordType}/{recordId}`.

Result: Zoho's result item: `code`, `details` (the id), `message`, `status`.

This action is destructive, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct RemoveRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Record ID** (`recordId`): The id of one record. Ids are strings of digits; keep them as strings. Required.
        #[serde(rename = "recordId")]
        pub record_id: ::std::string::String,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(
            rename = "debugRequest",
            default = "RemoveRecord::default_debug_request"
        )]
        pub debug_request: bool,
    }
    impl RemoveRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.removeRecord";
        /// A `crm.removeRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
            record_id: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            RemoveRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                record_id: record_id.into(),
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Delete;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                ::std::vec![
                    ::zoho_actions::__private::zoho_core::PathSegment::Value { input :
                    "recordType", value : { let value = & self.record_type; value.clone()
                    } }, ::zoho_actions::__private::zoho_core::PathSegment::Value { input
                    : "recordId", value : { let value = & self.record_id; value.clone() }
                    }
                ],
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.removeRecord",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::CrmDelete;
            request.idempotent = true;
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            request.record = ::zoho_actions::__private::record_ref(
                ::core::option::Option::Some({
                    let value = &self.record_type;
                    value.clone()
                }),
                ::core::option::Option::Some({
                    let value = &self.record_id;
                    value.clone()
                }),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **CRM - Update Record**: Update a CRM record.

Updates one CRM record with Dynamic Fields and Values (Values win on a clash).

JSON-RPC method `crm.updateRecord`; `PUT /{recordType}/{recordId}`.

Result: Zoho's result item: `code`, `details`, `message`, `status`.

This action is destructive, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct UpdateRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Record ID** (`recordId`): The id of one record. Ids are strings of digits; keep them as strings. Required.
        #[serde(rename = "recordId")]
        pub record_id: ::std::string::String,
        /// **Dynamic Fields** (`dynamicFields`): Field names and values set at deploy time (config variables), merged into the record body.
        #[serde(rename = "dynamicFields", default)]
        pub dynamic_fields: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Values** (`values`): Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.
        #[serde(rename = "values", default)]
        pub values: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Trigger** (`trigger`): Automations to run on this write (workflow, approval, blueprint); an empty list runs none. When omitted, Zoho runs all of them.
        #[serde(rename = "trigger", default)]
        pub trigger: ::core::option::Option<::std::vec::Vec<::std::string::String>>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(
            rename = "debugRequest",
            default = "UpdateRecord::default_debug_request"
        )]
        pub debug_request: bool,
    }
    impl UpdateRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "crm.updateRecord";
        /// A `crm.updateRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
            record_id: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            UpdateRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                record_id: record_id.into(),
                dynamic_fields: ::core::option::Option::None,
                values: ::core::option::Option::None,
                trigger: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Put;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                ::std::vec![
                    ::zoho_actions::__private::zoho_core::PathSegment::Value { input :
                    "recordType", value : { let value = & self.record_type; value.clone()
                    } }, ::zoho_actions::__private::zoho_core::PathSegment::Value { input
                    : "recordId", value : { let value = & self.record_id; value.clone() }
                    }
                ],
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "crm.updateRecord",
                ::zoho_actions::__private::zoho_core::Product::Crm,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::CrmWrite;
            request.idempotent = true;
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let mut record = ::zoho_actions::__private::serde_json::Map::new();
            if let ::core::option::Option::Some(value) = &self.dynamic_fields {
                record.extend(value.clone());
            }
            if let ::core::option::Option::Some(value) = &self.values {
                record.extend(value.clone());
            }
            let mut body = ::zoho_actions::__private::serde_json::Map::new();
            body.insert(
                ::std::string::String::from("data"),
                ::zoho_actions::__private::serde_json::Value::Array(
                    ::std::vec![
                        ::zoho_actions::__private::serde_json::Value::Object(record)
                    ],
                ),
            );
            if let ::core::option::Option::Some(value) = &self.trigger {
                body.insert(
                    ::std::string::String::from("trigger"),
                    ::zoho_actions::__private::serde_json::Value::Array(
                        value
                            .iter()
                            .cloned()
                            .map(::zoho_actions::__private::serde_json::Value::String)
                            .collect(),
                    ),
                );
            }
            request.body = ::zoho_actions::__private::zoho_core::RequestBody::Json(
                ::zoho_actions::__private::serde_json::Value::Object(body),
            );
            request.record = ::zoho_actions::__private::record_ref(
                ::core::option::Option::Some({
                    let value = &self.record_type;
                    value.clone()
                }),
                ::core::option::Option::Some({
                    let value = &self.record_id;
                    value.clone()
                }),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
}
/// Zoho Books actions, one struct per action.
pub mod books {
    /** **Books - Create Record**: Create a Books record.

Creates one record of the given Books record type from Dynamic Fields and Values (Values win on a clash). With both parent inputs, the record is created under that parent.

JSON-RPC method `books.createRecord`; `POST /{recordType}`, or `/{parentRecordType}/{parentRecordId}/{recordType}` with a parent.

Result: The created record, as Zoho Books returns it.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct CreateRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Parent Record Type** (`parentRecordType`): With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.
        #[serde(rename = "parentRecordType", default)]
        pub parent_record_type: ::core::option::Option<::std::string::String>,
        /// **Parent Record Id** (`parentRecordId`): With Parent Record Type: the id of the parent the record lives under.
        #[serde(rename = "parentRecordId", default)]
        pub parent_record_id: ::core::option::Option<::std::string::String>,
        /// **Dynamic Fields** (`dynamicFields`): Field names and values set at deploy time (config variables), merged into the record body.
        #[serde(rename = "dynamicFields", default)]
        pub dynamic_fields: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Values** (`values`): Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.
        #[serde(rename = "values", default)]
        pub values: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Organization ID** (`organizationId`): The Books organization to act in. When omitted: the connection's organization, or the user's only organization.
        #[serde(rename = "organizationId", default)]
        pub organization_id: ::core::option::Option<::std::string::String>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(
            rename = "debugRequest",
            default = "CreateRecord::default_debug_request"
        )]
        pub debug_request: bool,
    }
    impl CreateRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "books.createRecord";
        /// A `books.createRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            CreateRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                parent_record_type: ::core::option::Option::None,
                parent_record_id: ::core::option::Option::None,
                dynamic_fields: ::core::option::Option::None,
                values: ::core::option::Option::None,
                organization_id: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Post;
            let path = match ::zoho_actions::__private::all_or_none([
                (
                    "parentRecordType",
                    self.parent_record_type.as_ref().map(|value| value.clone()),
                ),
                (
                    "parentRecordId",
                    self.parent_record_id.as_ref().map(|value| value.clone()),
                ),
            ])? {
                ::core::option::Option::Some(
                    [parent_parent_record_type,
                    parent_parent_record_id,
                    ],
                ) => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordType", value : parent_parent_record_type
                            }, ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordId", value : parent_parent_record_id },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } }
                        ],
                    )
                }
                ::core::option::Option::None => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } }
                        ],
                    )
                }
            };
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "books.createRecord",
                ::zoho_actions::__private::zoho_core::Product::Books,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::BooksRecord;
            request.idempotent = false;
            if let ::core::option::Option::Some(value) = &self.organization_id {
                request.organization_id = ::core::option::Option::Some(value.clone());
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let mut record = ::zoho_actions::__private::serde_json::Map::new();
            if let ::core::option::Option::Some(value) = &self.dynamic_fields {
                record.extend(value.clone());
            }
            if let ::core::option::Option::Some(value) = &self.values {
                record.extend(value.clone());
            }
            let body = record;
            request.body = ::zoho_actions::__private::zoho_core::RequestBody::Json(
                ::zoho_actions::__private::serde_json::Value::Object(body),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **Books - Get Record**: Fetch one Books record.

Fetches one Books record by type and id, optionally under a parent record.

JSON-RPC method `books.getRecord`; `GET /{recordType}/{recordId}`, or `/{parentRecordType}/{parentRecordId}/{recordType}/{recordId}` with a parent.

Result: The record, as Zoho Books returns it.

This action is read-only, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct GetRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Record ID** (`recordId`): The id of one record. Ids are strings of digits; keep them as strings. Required.
        #[serde(rename = "recordId")]
        pub record_id: ::std::string::String,
        /// **Parent Record Type** (`parentRecordType`): With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.
        #[serde(rename = "parentRecordType", default)]
        pub parent_record_type: ::core::option::Option<::std::string::String>,
        /// **Parent Record Id** (`parentRecordId`): With Parent Record Type: the id of the parent the record lives under.
        #[serde(rename = "parentRecordId", default)]
        pub parent_record_id: ::core::option::Option<::std::string::String>,
        /// **Organization ID** (`organizationId`): The Books organization to act in. When omitted: the connection's organization, or the user's only organization.
        #[serde(rename = "organizationId", default)]
        pub organization_id: ::core::option::Option<::std::string::String>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(rename = "debugRequest", default = "GetRecord::default_debug_request")]
        pub debug_request: bool,
    }
    impl GetRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "books.getRecord";
        /// A `books.getRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
            record_id: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            GetRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                record_id: record_id.into(),
                parent_record_type: ::core::option::Option::None,
                parent_record_id: ::core::option::Option::None,
                organization_id: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Get;
            let path = match ::zoho_actions::__private::all_or_none([
                (
                    "parentRecordType",
                    self.parent_record_type.as_ref().map(|value| value.clone()),
                ),
                (
                    "parentRecordId",
                    self.parent_record_id.as_ref().map(|value| value.clone()),
                ),
            ])? {
                ::core::option::Option::Some(
                    [parent_parent_record_type,
                    parent_parent_record_id,
                    ],
                ) => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordType", value : parent_parent_record_type
                            }, ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordId", value : parent_parent_record_id },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordId", value : { let value = & self.record_id;
                            value.clone() } }
                        ],
                    )
                }
                ::core::option::Option::None => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordId", value : { let value = & self.record_id;
                            value.clone() } }
                        ],
                    )
                }
            };
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "books.getRecord",
                ::zoho_actions::__private::zoho_core::Product::Books,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::BooksRecord;
            request.idempotent = true;
            if let ::core::option::Option::Some(value) = &self.organization_id {
                request.organization_id = ::core::option::Option::Some(value.clone());
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            request.record = ::zoho_actions::__private::record_ref(
                ::core::option::Option::Some({
                    let value = &self.record_type;
                    value.clone()
                }),
                ::core::option::Option::Some({
                    let value = &self.record_id;
                    value.clone()
                }),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **Books - Get Records**: List Books records.

Lists records of a Books record type, one page at a time or all pages with Fetch All; Search Fields filter them.

JSON-RPC method `books.getRecords`; `GET /{recordType}`, or `/{parentRecordType}/{parentRecordId}/{recordType}` with a parent.

Result: The page's records under their list key, with `page_context`.

This action is read-only, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct GetRecords {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Parent Record Type** (`parentRecordType`): With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.
        #[serde(rename = "parentRecordType", default)]
        pub parent_record_type: ::core::option::Option<::std::string::String>,
        /// **Parent Record Id** (`parentRecordId`): With Parent Record Type: the id of the parent the record lives under.
        #[serde(rename = "parentRecordId", default)]
        pub parent_record_id: ::core::option::Option<::std::string::String>,
        /// **Search Fields** (`searchFields`): Filters as field/value pairs, each sent as a query parameter (for example `customer_name` or `total_greater_than`).
        #[serde(rename = "searchFields", default)]
        pub search_fields: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **Page** (`page`): The page of records to return, from 1. Allowed: 1 or more.
        #[serde(rename = "page", default)]
        pub page: ::core::option::Option<u64>,
        /// **Per Page** (`perPage`): How many records a page holds, up to 200. Default: `200`. Allowed: 1 to 200.
        #[serde(rename = "perPage", default = "GetRecords::default_per_page")]
        pub per_page: u64,
        /// **Fetch All** (`fetchAll`): Follow every page and return all records in one result. Default: `false`.
        #[serde(rename = "fetchAll", default = "GetRecords::default_fetch_all")]
        pub fetch_all: bool,
        /// **Max Records** (`maxRecords`): Stop after this many records when following pages.
        #[serde(rename = "maxRecords", default)]
        pub max_records: ::core::option::Option<u64>,
        /// **Organization ID** (`organizationId`): The Books organization to act in. When omitted: the connection's organization, or the user's only organization.
        #[serde(rename = "organizationId", default)]
        pub organization_id: ::core::option::Option<::std::string::String>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(rename = "debugRequest", default = "GetRecords::default_debug_request")]
        pub debug_request: bool,
    }
    impl GetRecords {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "books.getRecords";
        /// A `books.getRecords` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            GetRecords {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                parent_record_type: ::core::option::Option::None,
                parent_record_id: ::core::option::Option::None,
                search_fields: ::core::option::Option::None,
                page: ::core::option::Option::None,
                per_page: Self::default_per_page(),
                fetch_all: Self::default_fetch_all(),
                max_records: ::core::option::Option::None,
                organization_id: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_per_page() -> u64 {
            200
        }
        fn default_fetch_all() -> bool {
            false
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            if let ::core::option::Option::Some(value) = &self.page {
                ::zoho_actions::__private::check_range(
                    "page",
                    *value,
                    ::core::option::Option::Some(1u64),
                    ::core::option::Option::None,
                )?;
            }
            {
                let value = &self.per_page;
                ::zoho_actions::__private::check_range(
                    "perPage",
                    *value,
                    ::core::option::Option::Some(1u64),
                    ::core::option::Option::Some(200u64),
                )?;
            }
            let method = ::zoho_actions::__private::zoho_core::Method::Get;
            let path = match ::zoho_actions::__private::all_or_none([
                (
                    "parentRecordType",
                    self.parent_record_type.as_ref().map(|value| value.clone()),
                ),
                (
                    "parentRecordId",
                    self.parent_record_id.as_ref().map(|value| value.clone()),
                ),
            ])? {
                ::core::option::Option::Some(
                    [parent_parent_record_type,
                    parent_parent_record_id,
                    ],
                ) => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordType", value : parent_parent_record_type
                            }, ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordId", value : parent_parent_record_id },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } }
                        ],
                    )
                }
                ::core::option::Option::None => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } }
                        ],
                    )
                }
            };
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "books.getRecords",
                ::zoho_actions::__private::zoho_core::Product::Books,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::BooksRecords;
            request.idempotent = true;
            if let ::core::option::Option::Some(value) = &self.search_fields {
                request
                    .query
                    .extend(
                        value.iter().map(|(name, text)| (name.clone(), text.clone())),
                    );
            }
            if let ::core::option::Option::Some(value) = &self.page {
                request
                    .query
                    .push((::std::string::String::from("page"), value.to_string()));
            }
            {
                let value = &self.per_page;
                request
                    .query
                    .push((::std::string::String::from("per_page"), value.to_string()));
            }
            {
                let value = &self.fetch_all;
                request.paging.fetch_all = *value;
            }
            if let ::core::option::Option::Some(value) = &self.max_records {
                request.paging.max_records = ::core::option::Option::Some(*value);
            }
            if let ::core::option::Option::Some(value) = &self.organization_id {
                request.organization_id = ::core::option::Option::Some(value.clone());
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
        /// The records of every page, one at a time, as `fetchAll`/`maxRecords` say;
        /// one page is held in memory at a time.
        pub fn records<'a>(
            &self,
            client: &'a ::zoho_actions::__private::zoho_core::Client,
        ) -> impl ::zoho_actions::__private::futures::Stream<
            Item = ::core::result::Result<
                ::zoho_actions::__private::serde_json::Value,
                ::zoho_actions::__private::zoho_core::Error,
            >,
        > + ::core::marker::Send + 'a {
            ::zoho_actions::__private::records(client, self.to_request())
        }
    }
    /** **Books - Raw Request**: Any Books call.

Sends any request below the Books API root, `{api_domain}/books/v3` (`api_domain` is what Zoho returns with the token, such as `https://www.zohoapis.eu`): URL is Zoho's documented path without `/books/v3`, so `/organizations` reaches the organizations list. Retries as the retry inputs say.

JSON-RPC method `books.rawRequest`.

Result: The response body as Zoho sent it, read as Response Type says.

This action is destructive.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct RawRequest {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **URL** (`url`): A path below the product's base URL, which already ends in the API root (`/crm/v3`, or the connection's `crm_api_version`; `/books/v3`): give Zoho's documented path without it, such as `/Leads`. A query string may follow; anything that is not a path is refused. Required.
        #[serde(rename = "url")]
        pub url: ::std::string::String,
        /// **Method** (`method`): The HTTP method. Required.
        #[serde(rename = "method")]
        pub method: super::types::Method,
        /// **Data** (`data`): The request body, sent as JSON.
        #[serde(rename = "data", default)]
        pub data: ::core::option::Option<::zoho_actions::__private::serde_json::Value>,
        /// **Form Data** (`formData`): Text fields of a multipart form upload.
        #[serde(rename = "formData", default)]
        pub form_data: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **File Data** (`fileData`): Files of a multipart form upload, by part name: a string for text, or {"base64": "..."} for bytes.
        #[serde(
            rename = "fileData",
            default,
            deserialize_with = "::zoho_actions::__private::deserialize_file_map"
        )]
        pub file_data: ::core::option::Option<
            ::std::collections::BTreeMap<
                ::std::string::String,
                ::zoho_actions::__private::zoho_core::FileContent,
            >,
        >,
        /// **File Data File Names** (`fileDataFileNames`): File names for the File Data parts; keys match File Data's keys.
        #[serde(rename = "fileDataFileNames", default)]
        pub file_data_file_names: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **Query Parameter** (`queryParameters`): Query string pairs, as in ?key1=value1&key2=value2.
        #[serde(rename = "queryParameters", default)]
        pub query_parameters: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **Header** (`headers`): Extra request headers. Authorization is the connection's own and is refused.
        #[serde(rename = "headers", default)]
        pub headers: ::core::option::Option<
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        >,
        /// **Response Type** (`responseType`): How to read the response: json, text, or binary (returned as {"base64": "..."}). Default: `"json"`.
        #[serde(rename = "responseType", default = "RawRequest::default_response_type")]
        pub response_type: super::types::ResponseType,
        /// **Timeout** (`timeout`): Longest wait for a response, in milliseconds, per try. Allowed: 1 or more.
        #[serde(rename = "timeout", default)]
        pub timeout: ::core::option::Option<u64>,
        /// **Retry Delay (ms)** (`retryDelayMs`): Pause between retries when exponential backoff is off. Default: `0`.
        #[serde(rename = "retryDelayMs", default = "RawRequest::default_retry_delay_ms")]
        pub retry_delay_ms: u64,
        /// **Retry On All Errors** (`retryOnAllErrors`): Retry on every failed response (429, other 4xx, 3xx) rather than only 5xx and network errors. Default: `false`.
        #[serde(
            rename = "retryOnAllErrors",
            default = "RawRequest::default_retry_on_all_errors"
        )]
        pub retry_on_all_errors: bool,
        /// **Max Retry Count** (`maxRetryCount`): Retries after the first try; 0 means none. Default: `0`. Allowed: at most 100.
        #[serde(
            rename = "maxRetryCount",
            default = "RawRequest::default_max_retry_count"
        )]
        pub max_retry_count: u64,
        /// **Use Exponential Backoff** (`useExponentialBackoff`): Use a built-in growing delay; Retry Delay is then ignored. Default: `false`.
        #[serde(
            rename = "useExponentialBackoff",
            default = "RawRequest::default_use_exponential_backoff"
        )]
        pub use_exponential_backoff: bool,
        /// **Organization ID** (`organizationId`): The Books organization to act in. When omitted: the connection's organization, or the user's only organization.
        #[serde(rename = "organizationId", default)]
        pub organization_id: ::core::option::Option<::std::string::String>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(rename = "debugRequest", default = "RawRequest::default_debug_request")]
        pub debug_request: bool,
    }
    impl RawRequest {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "books.rawRequest";
        /// A `books.rawRequest` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            url: impl ::core::convert::Into<::std::string::String>,
            method: super::types::Method,
        ) -> Self {
            RawRequest {
                connection: ::core::option::Option::None,
                url: url.into(),
                method,
                data: ::core::option::Option::None,
                form_data: ::core::option::Option::None,
                file_data: ::core::option::Option::None,
                file_data_file_names: ::core::option::Option::None,
                query_parameters: ::core::option::Option::None,
                headers: ::core::option::Option::None,
                response_type: Self::default_response_type(),
                timeout: ::core::option::Option::None,
                retry_delay_ms: Self::default_retry_delay_ms(),
                retry_on_all_errors: Self::default_retry_on_all_errors(),
                max_retry_count: Self::default_max_retry_count(),
                use_exponential_backoff: Self::default_use_exponential_backoff(),
                organization_id: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_response_type() -> super::types::ResponseType {
            super::types::ResponseType::Json
        }
        fn default_retry_delay_ms() -> u64 {
            0
        }
        fn default_retry_on_all_errors() -> bool {
            false
        }
        fn default_max_retry_count() -> u64 {
            0
        }
        fn default_use_exponential_backoff() -> bool {
            false
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            if let ::core::option::Option::Some(value) = &self.timeout {
                ::zoho_actions::__private::check_range(
                    "timeout",
                    *value,
                    ::core::option::Option::Some(1u64),
                    ::core::option::Option::None,
                )?;
            }
            {
                let value = &self.max_retry_count;
                ::zoho_actions::__private::check_range(
                    "maxRetryCount",
                    *value,
                    ::core::option::Option::None,
                    ::core::option::Option::Some(100u64),
                )?;
            }
            let method = ::zoho_actions::__private::method(
                "method",
                &{
                    let value = &self.method;
                    value.as_str().to_owned()
                },
            )?;
            let path = ::zoho_actions::__private::zoho_core::RequestPath::Raw(
                self.url.clone(),
            );
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "books.rawRequest",
                ::zoho_actions::__private::zoho_core::Product::Books,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::Raw;
            request.idempotent = false;
            if let ::core::option::Option::Some(value) = &self.query_parameters {
                request
                    .query
                    .extend(
                        value.iter().map(|(name, text)| (name.clone(), text.clone())),
                    );
            }
            if let ::core::option::Option::Some(value) = &self.headers {
                request
                    .headers
                    .extend(
                        value.iter().map(|(name, text)| (name.clone(), text.clone())),
                    );
            }
            {
                let value = &self.response_type;
                request.response_type = ::zoho_actions::__private::response_type(
                    "responseType",
                    value.as_str(),
                )?;
            }
            if let ::core::option::Option::Some(value) = &self.timeout {
                request.timeout = ::core::option::Option::Some(
                    ::std::time::Duration::from_millis(*value),
                );
            }
            {
                let value = &self.retry_delay_ms;
                request.retry.delay = ::std::time::Duration::from_millis(*value);
            }
            {
                let value = &self.retry_on_all_errors;
                request.retry.retry_on_all_errors = *value;
            }
            {
                let value = &self.max_retry_count;
                request.retry.max_retries = ::zoho_actions::__private::to_u32(
                    "maxRetryCount",
                    *value,
                )?;
            }
            {
                let value = &self.use_exponential_backoff;
                request.retry.exponential_backoff = *value;
            }
            if let ::core::option::Option::Some(value) = &self.organization_id {
                request.organization_id = ::core::option::Option::Some(value.clone());
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let mut json: ::core::option::Option<
                ::zoho_actions::__private::serde_json::Value,
            > = ::core::option::Option::None;
            if let ::core::option::Option::Some(value) = &self.data {
                json = ::core::option::Option::Some(value.clone());
            }
            let mut parts = ::std::vec::Vec::new();
            if let ::core::option::Option::Some(value) = &self.form_data {
                ::zoho_actions::__private::text_parts(&mut parts, value);
            }
            if let ::core::option::Option::Some(names) = &self.file_data_file_names {
                ::zoho_actions::__private::names_match(
                    "fileDataFileNames",
                    names,
                    "fileData",
                    self.file_data.as_ref(),
                )?;
            }
            if let ::core::option::Option::Some(value) = &self.file_data {
                ::zoho_actions::__private::file_parts(
                    &mut parts,
                    value,
                    self.file_data_file_names.as_ref(),
                );
            }
            request.body = ::zoho_actions::__private::body(
                json,
                parts,
                "data",
                "formData, fileData",
            )?;
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **Books - Remove Record**: Delete a Books record.

Deletes one Books record by type and id, optionally under a parent record.

JSON-RPC method `books.removeRecord`; `DELETE /{recordType}/{recordId}`, or `/{parentRecordType}/{parentRecordId}/{recordType}/{recordId}` with a parent.

Result: Zoho Books' `code` and `message`.

This action is destructive, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct RemoveRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Record ID** (`recordId`): The id of one record. Ids are strings of digits; keep them as strings. Required.
        #[serde(rename = "recordId")]
        pub record_id: ::std::string::String,
        /// **Parent Record Type** (`parentRecordType`): With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.
        #[serde(rename = "parentRecordType", default)]
        pub parent_record_type: ::core::option::Option<::std::string::String>,
        /// **Parent Record Id** (`parentRecordId`): With Parent Record Type: the id of the parent the record lives under.
        #[serde(rename = "parentRecordId", default)]
        pub parent_record_id: ::core::option::Option<::std::string::String>,
        /// **Organization ID** (`organizationId`): The Books organization to act in. When omitted: the connection's organization, or the user's only organization.
        #[serde(rename = "organizationId", default)]
        pub organization_id: ::core::option::Option<::std::string::String>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(
            rename = "debugRequest",
            default = "RemoveRecord::default_debug_request"
        )]
        pub debug_request: bool,
    }
    impl RemoveRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "books.removeRecord";
        /// A `books.removeRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
            record_id: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            RemoveRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                record_id: record_id.into(),
                parent_record_type: ::core::option::Option::None,
                parent_record_id: ::core::option::Option::None,
                organization_id: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Delete;
            let path = match ::zoho_actions::__private::all_or_none([
                (
                    "parentRecordType",
                    self.parent_record_type.as_ref().map(|value| value.clone()),
                ),
                (
                    "parentRecordId",
                    self.parent_record_id.as_ref().map(|value| value.clone()),
                ),
            ])? {
                ::core::option::Option::Some(
                    [parent_parent_record_type,
                    parent_parent_record_id,
                    ],
                ) => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordType", value : parent_parent_record_type
                            }, ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordId", value : parent_parent_record_id },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordId", value : { let value = & self.record_id;
                            value.clone() } }
                        ],
                    )
                }
                ::core::option::Option::None => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordId", value : { let value = & self.record_id;
                            value.clone() } }
                        ],
                    )
                }
            };
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "books.removeRecord",
                ::zoho_actions::__private::zoho_core::Product::Books,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::BooksDelete;
            request.idempotent = true;
            if let ::core::option::Option::Some(value) = &self.organization_id {
                request.organization_id = ::core::option::Option::Some(value.clone());
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            request.record = ::zoho_actions::__private::record_ref(
                ::core::option::Option::Some({
                    let value = &self.record_type;
                    value.clone()
                }),
                ::core::option::Option::Some({
                    let value = &self.record_id;
                    value.clone()
                }),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
    /** **Books - Update Record**: Update a Books record.

Updates one Books record with Dynamic Fields and Values (Values win on a clash), optionally under a parent record.

JSON-RPC method `books.updateRecord`; `PUT /{recordType}/{recordId}`, or `/{parentRecordType}/{parentRecordId}/{recordType}/{recordId}` with a parent.

Result: The updated record, as Zoho Books returns it.

This action is destructive, idempotent.*/
    #[derive(Debug, Clone, PartialEq, ::zoho_actions::__private::serde::Deserialize)]
    #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
    #[non_exhaustive]
    pub struct UpdateRecord {
        /// **Connection** (`connection`): Which configured connection to use. When omitted: the default connection.
        #[serde(rename = "connection", default)]
        pub connection: ::core::option::Option<::std::string::String>,
        /// **Record Type** (`recordType`): The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`. Required.
        #[serde(rename = "recordType")]
        pub record_type: ::std::string::String,
        /// **Record ID** (`recordId`): The id of one record. Ids are strings of digits; keep them as strings. Required.
        #[serde(rename = "recordId")]
        pub record_id: ::std::string::String,
        /// **Parent Record Type** (`parentRecordType`): With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.
        #[serde(rename = "parentRecordType", default)]
        pub parent_record_type: ::core::option::Option<::std::string::String>,
        /// **Parent Record Id** (`parentRecordId`): With Parent Record Type: the id of the parent the record lives under.
        #[serde(rename = "parentRecordId", default)]
        pub parent_record_id: ::core::option::Option<::std::string::String>,
        /// **Dynamic Fields** (`dynamicFields`): Field names and values set at deploy time (config variables), merged into the record body.
        #[serde(rename = "dynamicFields", default)]
        pub dynamic_fields: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Values** (`values`): Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.
        #[serde(rename = "values", default)]
        pub values: ::core::option::Option<
            ::zoho_actions::__private::serde_json::Map<
                ::std::string::String,
                ::zoho_actions::__private::serde_json::Value,
            >,
        >,
        /// **Organization ID** (`organizationId`): The Books organization to act in. When omitted: the connection's organization, or the user's only organization.
        #[serde(rename = "organizationId", default)]
        pub organization_id: ::core::option::Option<::std::string::String>,
        /// **Debug Request** (`debugRequest`): Log the outgoing request, with secrets redacted. Default: `false`.
        #[serde(
            rename = "debugRequest",
            default = "UpdateRecord::default_debug_request"
        )]
        pub debug_request: bool,
    }
    impl UpdateRecord {
        /// The JSON-RPC method name of this action.
        pub const METHOD: &'static str = "books.updateRecord";
        /// A `books.updateRecord` call with its required inputs; optional inputs are unset and defaults applied.
        pub fn new(
            record_type: impl ::core::convert::Into<::std::string::String>,
            record_id: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            UpdateRecord {
                connection: ::core::option::Option::None,
                record_type: record_type.into(),
                record_id: record_id.into(),
                parent_record_type: ::core::option::Option::None,
                parent_record_id: ::core::option::Option::None,
                dynamic_fields: ::core::option::Option::None,
                values: ::core::option::Option::None,
                organization_id: ::core::option::Option::None,
                debug_request: Self::default_debug_request(),
            }
        }
        fn default_debug_request() -> bool {
            false
        }
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::zoho_core::ActionRequest,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let method = ::zoho_actions::__private::zoho_core::Method::Put;
            let path = match ::zoho_actions::__private::all_or_none([
                (
                    "parentRecordType",
                    self.parent_record_type.as_ref().map(|value| value.clone()),
                ),
                (
                    "parentRecordId",
                    self.parent_record_id.as_ref().map(|value| value.clone()),
                ),
            ])? {
                ::core::option::Option::Some(
                    [parent_parent_record_type,
                    parent_parent_record_id,
                    ],
                ) => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordType", value : parent_parent_record_type
                            }, ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "parentRecordId", value : parent_parent_record_id },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordId", value : { let value = & self.record_id;
                            value.clone() } }
                        ],
                    )
                }
                ::core::option::Option::None => {
                    ::zoho_actions::__private::zoho_core::RequestPath::Segments(
                        ::std::vec![
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordType", value : { let value = & self
                            .record_type; value.clone() } },
                            ::zoho_actions::__private::zoho_core::PathSegment::Value {
                            input : "recordId", value : { let value = & self.record_id;
                            value.clone() } }
                        ],
                    )
                }
            };
            let mut request = ::zoho_actions::__private::zoho_core::ActionRequest::new(
                "books.updateRecord",
                ::zoho_actions::__private::zoho_core::Product::Books,
                method,
                path,
            );
            request.result = ::zoho_actions::__private::zoho_core::ResultShape::BooksRecord;
            request.idempotent = true;
            if let ::core::option::Option::Some(value) = &self.organization_id {
                request.organization_id = ::core::option::Option::Some(value.clone());
            }
            {
                let value = &self.debug_request;
                request.debug_request = *value;
            }
            let mut record = ::zoho_actions::__private::serde_json::Map::new();
            if let ::core::option::Option::Some(value) = &self.dynamic_fields {
                record.extend(value.clone());
            }
            if let ::core::option::Option::Some(value) = &self.values {
                record.extend(value.clone());
            }
            let body = record;
            request.body = ::zoho_actions::__private::zoho_core::RequestBody::Json(
                ::zoho_actions::__private::serde_json::Value::Object(body),
            );
            request.record = ::zoho_actions::__private::record_ref(
                ::core::option::Option::Some({
                    let value = &self.record_type;
                    value.clone()
                }),
                ::core::option::Option::Some({
                    let value = &self.record_id;
                    value.clone()
                }),
            );
            ::core::result::Result::Ok(request)
        }
        /// Send the call with `client` and return Zoho's result, shaped as the spec says.
        /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
        pub async fn execute(
            &self,
            client: &::zoho_actions::__private::zoho_core::Client,
        ) -> ::core::result::Result<
            ::zoho_actions::__private::serde_json::Value,
            ::zoho_actions::__private::zoho_core::Error,
        > {
            let request = self.to_request()?;
            client.execute(request).await
        }
    }
}
/// Decode JSON-RPC `params` (by name) for the action named `method` and describe its HTTP
/// call, without sending anything. Params that do not fit are `Error::InvalidInput` naming
/// the JSON path of the bad param; an unknown method is `DispatchError::UnknownMethod`.
pub fn prepare(
    method: &str,
    params: ::zoho_actions::__private::serde_json::Value,
) -> ::core::result::Result<
    ::zoho_actions::__private::Prepared,
    ::zoho_actions::__private::DispatchError,
> {
    let _ = &params;
    let (request, connection) = match method {
        "books.createRecord" => {
            let action: books::CreateRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "books.getRecord" => {
            let action: books::GetRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "books.getRecords" => {
            let action: books::GetRecords = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "books.rawRequest" => {
            let action: books::RawRequest = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "books.removeRecord" => {
            let action: books::RemoveRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "books.updateRecord" => {
            let action: books::UpdateRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.addAttachment" => {
            let action: crm::AddAttachment = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.coqlQuery" => {
            let action: crm::CoqlQuery = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.createRecord" => {
            let action: crm::CreateRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.getRecord" => {
            let action: crm::GetRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.getRecords" => {
            let action: crm::GetRecords = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.rawRequest" => {
            let action: crm::RawRequest = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.removeRecord" => {
            let action: crm::RemoveRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        "crm.updateRecord" => {
            let action: crm::UpdateRecord = ::zoho_actions::__private::decode(params)?;
            (action.to_request()?, action.connection.clone())
        }
        _ => {
            return ::core::result::Result::Err(
                ::zoho_actions::__private::DispatchError::UnknownMethod(
                    method.to_owned(),
                ),
            );
        }
    };
    ::core::result::Result::Ok(::zoho_actions::__private::Prepared {
        request,
        connection,
    })
}
/// Run the action named `method` with JSON-RPC `params` (by name), on the client its
/// `connection` param picks. Inputs are checked in full before a client is picked.
pub async fn dispatch(
    method: &str,
    params: ::zoho_actions::__private::serde_json::Value,
    clients: &dyn ::zoho_actions::__private::zoho_core::ClientSource,
) -> ::core::result::Result<
    ::zoho_actions::__private::serde_json::Value,
    ::zoho_actions::__private::DispatchError,
> {
    let prepared = prepare(method, params)?;
    let client = clients.client(prepared.connection.as_deref())?;
    ::core::result::Result::Ok(client.execute(prepared.request).await?)
}
/// The records of a list action (`*.getRecords`), one at a time, following pages as its
/// `fetchAll`/`maxRecords` params say; one page is held in memory at a time. Any other
/// action is `Error::InvalidInput` on `method`.
pub fn dispatch_records<'a>(
    method: &str,
    params: ::zoho_actions::__private::serde_json::Value,
    clients: &'a dyn ::zoho_actions::__private::zoho_core::ClientSource,
) -> ::core::result::Result<
    ::zoho_actions::__private::RecordStream<'a>,
    ::zoho_actions::__private::DispatchError,
> {
    ::zoho_actions::__private::record_stream(prepare(method, params)?, clients)
}
/// Every action as a JSON-RPC method: name, summary, flags and the JSON Schema of its params.
pub static METHODS: &[::zoho_actions::__private::zoho_core::MethodDescriptor] = &[
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "books.createRecord",
        label: "Books - Create Record",
        summary: "Create a Books record",
        description: "Creates one record of the given Books record type from Dynamic Fields and Values (Values win on a clash). With both parent inputs, the record is created under that parent.",
        read_only: false,
        destructive: false,
        idempotent: false,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"parentRecordType\":{\"type\":\"string\",\"title\":\"Parent Record Type\",\"description\":\"With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.\"},\"parentRecordId\":{\"type\":\"string\",\"title\":\"Parent Record Id\",\"description\":\"With Parent Record Type: the id of the parent the record lives under.\"},\"dynamicFields\":{\"type\":\"object\",\"title\":\"Dynamic Fields\",\"description\":\"Field names and values set at deploy time (config variables), merged into the record body.\"},\"values\":{\"type\":\"object\",\"title\":\"Values\",\"description\":\"Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.\"},\"organizationId\":{\"type\":\"string\",\"title\":\"Organization ID\",\"description\":\"The Books organization to act in. When omitted: the connection's organization, or the user's only organization.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "books.getRecord",
        label: "Books - Get Record",
        summary: "Fetch one Books record",
        description: "Fetches one Books record by type and id, optionally under a parent record.",
        read_only: true,
        destructive: false,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"recordId\":{\"type\":\"string\",\"title\":\"Record ID\",\"description\":\"The id of one record. Ids are strings of digits; keep them as strings.\"},\"parentRecordType\":{\"type\":\"string\",\"title\":\"Parent Record Type\",\"description\":\"With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.\"},\"parentRecordId\":{\"type\":\"string\",\"title\":\"Parent Record Id\",\"description\":\"With Parent Record Type: the id of the parent the record lives under.\"},\"organizationId\":{\"type\":\"string\",\"title\":\"Organization ID\",\"description\":\"The Books organization to act in. When omitted: the connection's organization, or the user's only organization.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\",\"recordId\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "books.getRecords",
        label: "Books - Get Records",
        summary: "List Books records",
        description: "Lists records of a Books record type, one page at a time or all pages with Fetch All; Search Fields filter them.",
        read_only: true,
        destructive: false,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"parentRecordType\":{\"type\":\"string\",\"title\":\"Parent Record Type\",\"description\":\"With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.\"},\"parentRecordId\":{\"type\":\"string\",\"title\":\"Parent Record Id\",\"description\":\"With Parent Record Type: the id of the parent the record lives under.\"},\"searchFields\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"Search Fields\",\"description\":\"Filters as field/value pairs, each sent as a query parameter (for example `customer_name` or `total_greater_than`).\"},\"page\":{\"type\":\"integer\",\"minimum\":1,\"title\":\"Page\",\"description\":\"The page of records to return, from 1.\"},\"perPage\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":200,\"title\":\"Per Page\",\"description\":\"How many records a page holds, up to 200.\",\"default\":200},\"fetchAll\":{\"type\":\"boolean\",\"title\":\"Fetch All\",\"description\":\"Follow every page and return all records in one result.\",\"default\":false},\"maxRecords\":{\"type\":\"integer\",\"minimum\":0,\"title\":\"Max Records\",\"description\":\"Stop after this many records when following pages.\"},\"organizationId\":{\"type\":\"string\",\"title\":\"Organization ID\",\"description\":\"The Books organization to act in. When omitted: the connection's organization, or the user's only organization.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "books.rawRequest",
        label: "Books - Raw Request",
        summary: "Any Books call",
        description: "Sends any request below the Books API root, `{api_domain}/books/v3` (`api_domain` is what Zoho returns with the token, such as `https://www.zohoapis.eu`): URL is Zoho's documented path without `/books/v3`, so `/organizations` reaches the organizations list. Retries as the retry inputs say.",
        read_only: false,
        destructive: true,
        idempotent: false,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"url\":{\"type\":\"string\",\"title\":\"URL\",\"description\":\"A path below the product's base URL, which already ends in the API root (`/crm/v3`, or the connection's `crm_api_version`; `/books/v3`): give Zoho's documented path without it, such as `/Leads`. A query string may follow; anything that is not a path is refused.\"},\"method\":{\"type\":\"string\",\"enum\":[\"GET\",\"POST\",\"PUT\",\"PATCH\",\"DELETE\"],\"title\":\"Method\",\"description\":\"The HTTP method.\"},\"data\":{\"title\":\"Data\",\"description\":\"The request body, sent as JSON.\"},\"formData\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"Form Data\",\"description\":\"Text fields of a multipart form upload.\"},\"fileData\":{\"type\":\"object\",\"additionalProperties\":{\"oneOf\":[{\"type\":\"string\",\"description\":\"Text content.\"},{\"type\":\"object\",\"description\":\"Binary content, base64-encoded.\",\"properties\":{\"base64\":{\"type\":\"string\",\"contentEncoding\":\"base64\"}},\"required\":[\"base64\"],\"additionalProperties\":false}]},\"title\":\"File Data\",\"description\":\"Files of a multipart form upload, by part name: a string for text, or {\\\"base64\\\": \\\"...\\\"} for bytes.\"},\"fileDataFileNames\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"File Data File Names\",\"description\":\"File names for the File Data parts; keys match File Data's keys.\"},\"queryParameters\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"Query Parameter\",\"description\":\"Query string pairs, as in ?key1=value1&key2=value2.\"},\"headers\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"Header\",\"description\":\"Extra request headers. Authorization is the connection's own and is refused.\"},\"responseType\":{\"type\":\"string\",\"enum\":[\"json\",\"text\",\"binary\"],\"title\":\"Response Type\",\"description\":\"How to read the response: json, text, or binary (returned as {\\\"base64\\\": \\\"...\\\"}).\",\"default\":\"json\"},\"timeout\":{\"type\":\"integer\",\"minimum\":1,\"title\":\"Timeout\",\"description\":\"Longest wait for a response, in milliseconds, per try.\"},\"retryDelayMs\":{\"type\":\"integer\",\"minimum\":0,\"title\":\"Retry Delay (ms)\",\"description\":\"Pause between retries when exponential backoff is off.\",\"default\":0},\"retryOnAllErrors\":{\"type\":\"boolean\",\"title\":\"Retry On All Errors\",\"description\":\"Retry on every failed response (429, other 4xx, 3xx) rather than only 5xx and network errors.\",\"default\":false},\"maxRetryCount\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100,\"title\":\"Max Retry Count\",\"description\":\"Retries after the first try; 0 means none.\",\"default\":0},\"useExponentialBackoff\":{\"type\":\"boolean\",\"title\":\"Use Exponential Backoff\",\"description\":\"Use a built-in growing delay; Retry Delay is then ignored.\",\"default\":false},\"organizationId\":{\"type\":\"string\",\"title\":\"Organization ID\",\"description\":\"The Books organization to act in. When omitted: the connection's organization, or the user's only organization.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"url\",\"method\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "books.removeRecord",
        label: "Books - Remove Record",
        summary: "Delete a Books record",
        description: "Deletes one Books record by type and id, optionally under a parent record.",
        read_only: false,
        destructive: true,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"recordId\":{\"type\":\"string\",\"title\":\"Record ID\",\"description\":\"The id of one record. Ids are strings of digits; keep them as strings.\"},\"parentRecordType\":{\"type\":\"string\",\"title\":\"Parent Record Type\",\"description\":\"With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.\"},\"parentRecordId\":{\"type\":\"string\",\"title\":\"Parent Record Id\",\"description\":\"With Parent Record Type: the id of the parent the record lives under.\"},\"organizationId\":{\"type\":\"string\",\"title\":\"Organization ID\",\"description\":\"The Books organization to act in. When omitted: the connection's organization, or the user's only organization.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\",\"recordId\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "books.updateRecord",
        label: "Books - Update Record",
        summary: "Update a Books record",
        description: "Updates one Books record with Dynamic Fields and Values (Values win on a clash), optionally under a parent record.",
        read_only: false,
        destructive: true,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"recordId\":{\"type\":\"string\",\"title\":\"Record ID\",\"description\":\"The id of one record. Ids are strings of digits; keep them as strings.\"},\"parentRecordType\":{\"type\":\"string\",\"title\":\"Parent Record Type\",\"description\":\"With Parent Record Id: the record lives under this parent type, as in /{parent type}/{parent id}/{record type}.\"},\"parentRecordId\":{\"type\":\"string\",\"title\":\"Parent Record Id\",\"description\":\"With Parent Record Type: the id of the parent the record lives under.\"},\"dynamicFields\":{\"type\":\"object\",\"title\":\"Dynamic Fields\",\"description\":\"Field names and values set at deploy time (config variables), merged into the record body.\"},\"values\":{\"type\":\"object\",\"title\":\"Values\",\"description\":\"Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.\"},\"organizationId\":{\"type\":\"string\",\"title\":\"Organization ID\",\"description\":\"The Books organization to act in. When omitted: the connection's organization, or the user's only organization.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\",\"recordId\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.addAttachment",
        label: "CRM - Add Attachment",
        summary: "Attach a file to a CRM record",
        description: "Uploads one file (text or binary) as an attachment of a CRM record.",
        read_only: false,
        destructive: false,
        idempotent: false,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\",\"default\":\"Leads\"},\"recordId\":{\"type\":\"string\",\"title\":\"Record ID\",\"description\":\"The id of one record. Ids are strings of digits; keep them as strings.\"},\"file\":{\"oneOf\":[{\"type\":\"string\",\"description\":\"Text content.\"},{\"type\":\"object\",\"description\":\"Binary content, base64-encoded.\",\"properties\":{\"base64\":{\"type\":\"string\",\"contentEncoding\":\"base64\"}},\"required\":[\"base64\"],\"additionalProperties\":false}],\"title\":\"File\",\"description\":\"The file to attach: a string for text, or {\\\"base64\\\": \\\"...\\\"} for bytes.\"},\"fileName\":{\"type\":\"string\",\"title\":\"File Name\",\"description\":\"The file name Zoho shows for the attachment. When omitted: the part name, `file`.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordId\",\"file\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.coqlQuery",
        label: "CRM - COQL Query",
        summary: "Run a COQL select query",
        description: "Runs one COQL select query; page through results with LIMIT and OFFSET in the query.",
        read_only: true,
        destructive: false,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"query\":{\"type\":\"string\",\"title\":\"Query\",\"description\":\"A COQL select query, for example `select Last_Name from Leads where Last_Name is not null limit 10`.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"query\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.createRecord",
        label: "CRM - Create Record",
        summary: "Create a CRM record",
        description: "Creates one CRM record from Dynamic Fields and Values (Values win on a clash).",
        read_only: false,
        destructive: false,
        idempotent: false,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"dynamicFields\":{\"type\":\"object\",\"title\":\"Dynamic Fields\",\"description\":\"Field names and values set at deploy time (config variables), merged into the record body.\"},\"values\":{\"type\":\"object\",\"title\":\"Values\",\"description\":\"Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.\"},\"trigger\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"title\":\"Trigger\",\"description\":\"Automations to run on this write (workflow, approval, blueprint); an empty list runs none. When omitted, Zoho runs all of them.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.getRecord",
        label: "CRM - Get Record",
        summary: "Fetch one CRM record",
        description: "Fetches one CRM record by module and id, optionally only some fields.",
        read_only: true,
        destructive: false,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"recordId\":{\"type\":\"string\",\"title\":\"Record ID\",\"description\":\"The id of one record. Ids are strings of digits; keep them as strings.\"},\"fields\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"title\":\"Fields\",\"description\":\"API names of the fields to return, sent comma-separated.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\",\"recordId\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.getRecords",
        label: "CRM - Get Records",
        summary: "List CRM records",
        description: "Lists records of a CRM module, one page at a time or all pages with Fetch All. Zoho requires Fields when listing.",
        read_only: true,
        destructive: false,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"fields\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"title\":\"Fields\",\"description\":\"API names of the fields to return, sent comma-separated. Zoho requires them when listing records: when omitted, the connection's `crm_default_fields` are sent; without either the call is refused (-32602 on `fields`).\"},\"page\":{\"type\":\"integer\",\"minimum\":1,\"title\":\"Page\",\"description\":\"The page of records to return, from 1.\"},\"perPage\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":200,\"title\":\"Per Page\",\"description\":\"How many records a page holds, up to 200.\",\"default\":200},\"pageToken\":{\"type\":\"string\",\"title\":\"Page Token\",\"description\":\"The `next_page_token` of a previous page, to read beyond the first 2,000 records; not combined with Page.\"},\"sortOrder\":{\"type\":\"string\",\"enum\":[\"asc\",\"desc\"],\"title\":\"Sort Order\",\"description\":\"Ascending or descending.\"},\"sortBy\":{\"type\":\"string\",\"enum\":[\"id\",\"Created_Time\",\"Modified_Time\"],\"title\":\"Sort By\",\"description\":\"The field to sort by.\"},\"fetchAll\":{\"type\":\"boolean\",\"title\":\"Fetch All\",\"description\":\"Follow every page and return all records in one result.\",\"default\":false},\"maxRecords\":{\"type\":\"integer\",\"minimum\":0,\"title\":\"Max Records\",\"description\":\"Stop after this many records when following pages.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.rawRequest",
        label: "CRM - Raw Request",
        summary: "Any CRM call",
        description: "Sends any request below the CRM API root, `{api_domain}/crm/v3` (`api_domain` is what Zoho returns with the token, such as `https://www.zohoapis.eu`; the version is the connection's `crm_api_version`): URL is Zoho's documented path without `/crm/v3`, so `/Leads/123/actions/convert` converts a lead. Retries as the retry inputs say.",
        read_only: false,
        destructive: true,
        idempotent: false,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"url\":{\"type\":\"string\",\"title\":\"URL\",\"description\":\"A path below the product's base URL, which already ends in the API root (`/crm/v3`, or the connection's `crm_api_version`; `/books/v3`): give Zoho's documented path without it, such as `/Leads`. A query string may follow; anything that is not a path is refused.\"},\"method\":{\"type\":\"string\",\"enum\":[\"GET\",\"POST\",\"PUT\",\"PATCH\",\"DELETE\"],\"title\":\"Method\",\"description\":\"The HTTP method.\"},\"data\":{\"title\":\"Data\",\"description\":\"The request body, sent as JSON.\"},\"formData\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"Form Data\",\"description\":\"Text fields of a multipart form upload.\"},\"fileData\":{\"type\":\"object\",\"additionalProperties\":{\"oneOf\":[{\"type\":\"string\",\"description\":\"Text content.\"},{\"type\":\"object\",\"description\":\"Binary content, base64-encoded.\",\"properties\":{\"base64\":{\"type\":\"string\",\"contentEncoding\":\"base64\"}},\"required\":[\"base64\"],\"additionalProperties\":false}]},\"title\":\"File Data\",\"description\":\"Files of a multipart form upload, by part name: a string for text, or {\\\"base64\\\": \\\"...\\\"} for bytes.\"},\"fileDataFileNames\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"File Data File Names\",\"description\":\"File names for the File Data parts; keys match File Data's keys.\"},\"queryParameters\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"Query Parameter\",\"description\":\"Query string pairs, as in ?key1=value1&key2=value2.\"},\"headers\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"title\":\"Header\",\"description\":\"Extra request headers. Authorization is the connection's own and is refused.\"},\"responseType\":{\"type\":\"string\",\"enum\":[\"json\",\"text\",\"binary\"],\"title\":\"Response Type\",\"description\":\"How to read the response: json, text, or binary (returned as {\\\"base64\\\": \\\"...\\\"}).\",\"default\":\"json\"},\"timeout\":{\"type\":\"integer\",\"minimum\":1,\"title\":\"Timeout\",\"description\":\"Longest wait for a response, in milliseconds, per try.\"},\"retryDelayMs\":{\"type\":\"integer\",\"minimum\":0,\"title\":\"Retry Delay (ms)\",\"description\":\"Pause between retries when exponential backoff is off.\",\"default\":0},\"retryOnAllErrors\":{\"type\":\"boolean\",\"title\":\"Retry On All Errors\",\"description\":\"Retry on every failed response (429, other 4xx, 3xx) rather than only 5xx and network errors.\",\"default\":false},\"maxRetryCount\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100,\"title\":\"Max Retry Count\",\"description\":\"Retries after the first try; 0 means none.\",\"default\":0},\"useExponentialBackoff\":{\"type\":\"boolean\",\"title\":\"Use Exponential Backoff\",\"description\":\"Use a built-in growing delay; Retry Delay is then ignored.\",\"default\":false},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"url\",\"method\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.removeRecord",
        label: "CRM - Remove Record",
        summary: "Delete a CRM record",
        description: "Deletes one CRM record by module and id; it goes to the recycle bin.",
        read_only: false,
        destructive: true,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"recordId\":{\"type\":\"string\",\"title\":\"Record ID\",\"description\":\"The id of one record. Ids are strings of digits; keep them as strings.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\",\"recordId\"],\"additionalProperties\":false}",
    },
    ::zoho_actions::__private::zoho_core::MethodDescriptor {
        name: "crm.updateRecord",
        label: "CRM - Update Record",
        summary: "Update a CRM record",
        description: "Updates one CRM record with Dynamic Fields and Values (Values win on a clash).",
        read_only: false,
        destructive: true,
        idempotent: true,
        params_schema: "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\",\"title\":\"Connection\",\"description\":\"Which configured connection to use. When omitted: the default connection.\"},\"recordType\":{\"type\":\"string\",\"title\":\"Record Type\",\"description\":\"The kind of record to act on: a CRM module API name such as `Leads`, or a Books record type such as `invoices`.\"},\"recordId\":{\"type\":\"string\",\"title\":\"Record ID\",\"description\":\"The id of one record. Ids are strings of digits; keep them as strings.\"},\"dynamicFields\":{\"type\":\"object\",\"title\":\"Dynamic Fields\",\"description\":\"Field names and values set at deploy time (config variables), merged into the record body.\"},\"values\":{\"type\":\"object\",\"title\":\"Values\",\"description\":\"Field names and values of the record to create or update; on a clash with Dynamic Fields, Values win. JSON types are kept as given.\"},\"trigger\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"title\":\"Trigger\",\"description\":\"Automations to run on this write (workflow, approval, blueprint); an empty list runs none. When omitted, Zoho runs all of them.\"},\"debugRequest\":{\"type\":\"boolean\",\"title\":\"Debug Request\",\"description\":\"Log the outgoing request, with secrets redacted.\",\"default\":false}},\"required\":[\"recordType\",\"recordId\"],\"additionalProperties\":false}",
    },
];
