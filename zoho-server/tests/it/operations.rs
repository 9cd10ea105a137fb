//! Every request the 14 original actions send, on CRM v3 and v8, is one of Zoho's published
//! operations (`fixtures/zoho_operations.toml`): method and path template, query parameters Zoho
//! names for it (and those it requires), and what its body must carry. The requests are read off
//! the sandbox's request log, so what is checked is what went on the wire.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use zoho_core::{AccessToken, Client, Secret, StaticToken};
use zoho_sandbox::{CLIENT_ID, CLIENT_SECRET, Sandbox, SandboxConfig};

/// The component's actions, whose requests this file holds to Zoho's operations. Actions added
/// later are covered by their own tests.
const ORIGINAL_ACTIONS: [&str; 14] = [
    "books.createRecord",
    "books.getRecord",
    "books.getRecords",
    "books.rawRequest",
    "books.removeRecord",
    "books.updateRecord",
    "crm.addAttachment",
    "crm.coqlQuery",
    "crm.createRecord",
    "crm.getRecord",
    "crm.getRecords",
    "crm.rawRequest",
    "crm.removeRecord",
    "crm.updateRecord",
];
const ORGANIZATION: &str = "10234695";

#[derive(Debug, Deserialize)]
struct Table {
    operations: Vec<Operation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Operation {
    name: String,
    method: String,
    path: String,
    #[serde(default)]
    query: Vec<String>,
    #[serde(default)]
    required_query: Vec<String>,
    body: Option<String>,
    #[serde(default)]
    body_keys: Vec<String>,
    #[serde(default)]
    required_body: Vec<String>,
    #[serde(default)]
    required_body_by_type: BTreeMap<String, Vec<String>>,
}

impl Operation {
    /// The template's placeholders bound to the path's segments, when the path fits it.
    fn bind<'a>(&self, path: &'a str) -> Option<HashMap<String, &'a str>> {
        let template: Vec<&str> = self.path.split('/').collect();
        let segments: Vec<&str> = path.split('/').collect();
        if template.len() != segments.len() {
            return None;
        }
        let mut bound = HashMap::new();
        for (part, segment) in template.iter().zip(&segments) {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some("v") if !is_crm_version(segment) => return None,
                Some("id")
                    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    return None;
                }
                Some(name) if !segment.is_empty() => {
                    bound.insert(name.to_owned(), *segment);
                }
                Some(_) => return None,
                None if part != segment => return None,
                None => {}
            }
        }
        Some(bound)
    }

    fn literal_segments(&self) -> usize {
        self.path.split('/').filter(|p| !p.starts_with('{')).count()
    }

    /// What is wrong with the request for this operation; empty when it fits.
    fn mismatches(&self, request: &Logged, bound: &HashMap<String, &str>) -> Vec<String> {
        let mut wrong = Vec::new();
        for name in request.query.keys() {
            if !self.query.contains(name) && !self.required_query.contains(name) {
                wrong.push(format!(
                    "query `{name}` is not a parameter of {}",
                    self.name
                ));
            }
        }
        for name in &self.required_query {
            if !request.query.contains_key(name) {
                wrong.push(format!("{} requires query `{name}`", self.name));
            }
        }
        match self.body.as_deref() {
            None if !request.body.is_null() => {
                wrong.push(format!("{} takes no body", self.name));
            }
            Some("multipart") if request.body.get("multipart_bytes").is_none() => {
                wrong.push(format!("{} takes a multipart body", self.name));
            }
            Some("json") => {
                let Some(body) = request.body.as_object() else {
                    wrong.push(format!("{} takes a JSON object", self.name));
                    return wrong;
                };
                for key in body.keys() {
                    if !self.body_keys.is_empty() && !self.body_keys.contains(key) {
                        wrong.push(format!("body key `{key}` is not one of {}'s", self.name));
                    }
                }
                let by_type = bound
                    .get("type")
                    .and_then(|t| self.required_body_by_type.get(*t))
                    .into_iter()
                    .flatten();
                for key in self.required_body.iter().chain(by_type) {
                    if !body.contains_key(key) {
                        wrong.push(format!("{} requires body key `{key}`", self.name));
                    }
                }
            }
            _ => {}
        }
        wrong
    }
}

fn is_crm_version(text: &str) -> bool {
    matches!(text, "v2.1" | "v3" | "v4" | "v5" | "v6" | "v7" | "v8")
}

/// One line of the sandbox's request log.
#[derive(Debug, Deserialize)]
struct Logged {
    method: String,
    path: String,
    #[serde(default)]
    query: BTreeMap<String, Value>,
    #[serde(default)]
    body: Value,
}

fn operations() -> Vec<Operation> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/zoho_operations.toml"),
    )
    .unwrap();
    toml::from_str::<Table>(&text).unwrap().operations
}

async fn access_token(sandbox: &Sandbox) -> String {
    let http = reqwest::Client::new();
    let code = sandbox
        .self_client_code("ZohoCRM.modules.ALL,ZohoCRM.coql.READ,ZohoBooks.fullaccess.all")
        .unwrap();
    let tokens: Value = http
        .post(format!("{}/oauth/v2/token", sandbox.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn call(client: &Client, method: &str, params: Value) -> Result<Value, zoho_core::Error> {
    let prepared = zoho_actions::prepare(method, params)
        .unwrap_or_else(|err| panic!("{method}: the params do not fit: {err:?}"));
    client.execute(prepared.request).await
}

/// Runs each original action once on `client` (a CRM version) against the sandbox.
async fn run_every_original_action(client: &Client) -> Vec<&'static str> {
    let mut ran = Vec::new();
    let lead = call(
        client,
        "crm.getRecords",
        json!({"recordType": "Leads", "fields": ["Last_Name"], "perPage": 2, "sortOrder": "asc", "sortBy": "Created_Time"}),
    )
    .await
    .unwrap()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ran.push("crm.getRecords");
    call(
        client,
        "crm.getRecord",
        json!({"recordType": "Leads", "recordId": lead}),
    )
    .await
    .unwrap();
    ran.push("crm.getRecord");
    let created = call(
        client,
        "crm.createRecord",
        json!({"recordType": "Leads", "values": {"Last_Name": "Operations"}, "trigger": ["workflow"]}),
    )
    .await
    .unwrap()["details"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ran.push("crm.createRecord");
    call(
        client,
        "crm.updateRecord",
        json!({"recordType": "Leads", "recordId": created, "values": {"Company": "Published"}, "trigger": []}),
    )
    .await
    .unwrap();
    ran.push("crm.updateRecord");
    call(
        client,
        "crm.addAttachment",
        json!({"recordType": "Leads", "recordId": created, "file": "notes", "fileName": "notes.txt"}),
    )
    .await
    .unwrap();
    ran.push("crm.addAttachment");
    call(
        client,
        "crm.coqlQuery",
        json!({"query": "select Last_Name from Leads where Last_Name is not null limit 2"}),
    )
    .await
    .unwrap();
    ran.push("crm.coqlQuery");
    call(
        client,
        "crm.rawRequest",
        json!({"url": "/Leads?fields=Last_Name&per_page=1", "method": "GET"}),
    )
    .await
    .unwrap();
    ran.push("crm.rawRequest");
    call(
        client,
        "crm.removeRecord",
        json!({"recordType": "Leads", "recordId": created}),
    )
    .await
    .unwrap();
    ran.push("crm.removeRecord");

    let contact = call(
        client,
        "books.createRecord",
        json!({"recordType": "contacts", "organizationId": ORGANIZATION, "values": {"contact_name": "Operations Ltd"}}),
    )
    .await
    .unwrap()["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ran.push("books.createRecord");
    call(
        client,
        "books.getRecord",
        json!({"recordType": "contacts", "recordId": contact, "organizationId": ORGANIZATION}),
    )
    .await
    .unwrap();
    ran.push("books.getRecord");
    call(
        client,
        "books.getRecords",
        json!({"recordType": "contacts", "organizationId": ORGANIZATION, "searchFields": {"contact_name": "Operations Ltd"}, "perPage": 10}),
    )
    .await
    .unwrap();
    ran.push("books.getRecords");
    call(
        client,
        "books.updateRecord",
        json!({"recordType": "contacts", "recordId": contact, "organizationId": ORGANIZATION, "values": {"contact_name": "Operations Ltd", "phone": "+1 555"}}),
    )
    .await
    .unwrap();
    ran.push("books.updateRecord");
    call(
        client,
        "books.rawRequest",
        json!({"url": "/organizations", "method": "GET"}),
    )
    .await
    .unwrap();
    ran.push("books.rawRequest");
    call(
        client,
        "books.removeRecord",
        json!({"recordType": "contacts", "recordId": contact, "organizationId": ORGANIZATION}),
    )
    .await
    .unwrap();
    ran.push("books.removeRecord");
    ran
}

/// The log's lines once the writer task has flushed `expected` API requests (or 5 s passed).
async fn logged_api_requests(log: &Path, expected: usize) -> Vec<Logged> {
    let mut lines = Vec::new();
    for _ in 0..100 {
        lines = std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str::<Logged>(line).unwrap())
            .filter(|l| l.path.starts_with("/crm/") || l.path.starts_with("/books/"))
            .collect();
        if lines.len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_of_the_original_actions_is_a_published_zoho_operation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let sandbox = Sandbox::start(SandboxConfig {
        records: 20,
        request_log: Some(log.clone()),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let token = AccessToken {
        token: Secret::new(access_token(&sandbox).await),
        api_domain: sandbox.base_url().to_owned(),
    };
    let mut sent = 0;
    for version in ["v3", "v8"] {
        let client = Client::builder(format!("operations-{version}"))
            .token_source(Arc::new(StaticToken(token.clone())))
            .api_base(sandbox.base_url())
            .crm_version(version)
            .build()
            .unwrap();
        let ran = run_every_original_action(&client).await;
        let mut expected = ORIGINAL_ACTIONS.to_vec();
        let mut covered = ran.clone();
        expected.sort_unstable();
        covered.sort_unstable();
        assert_eq!(covered, expected, "every original action ran on {version}");
        sent += ran.len();
    }

    let operations = operations();
    let requests = logged_api_requests(&log, sent).await;
    assert!(
        requests.len() >= sent,
        "{} requests logged for {sent} calls",
        requests.len()
    );
    let mut versions_seen = Vec::new();
    for request in &requests {
        let fitting = operations
            .iter()
            .filter(|op| op.method == request.method)
            .filter_map(|op| op.bind(&request.path).map(|bound| (op, bound)))
            .max_by_key(|(op, _)| op.literal_segments());
        let Some((operation, bound)) = fitting else {
            panic!(
                "{} {} is no operation Zoho publishes",
                request.method, request.path
            );
        };
        let wrong = operation.mismatches(request, &bound);
        assert!(
            wrong.is_empty(),
            "{} {}: {}",
            request.method,
            request.path,
            wrong.join("; ")
        );
        if let Some(version) = bound.get("v") {
            versions_seen.push((*version).to_owned());
        }
    }
    for version in ["v3", "v8"] {
        assert!(
            versions_seen.iter().any(|v| v == version),
            "no CRM request went to {version}"
        );
    }
    sandbox.shutdown().await;
}

/// Each logged request is the operation of the table it fits best, and fits it.
fn assert_published(operations: &[Operation], requests: &[Logged]) {
    for request in requests {
        let fitting = operations
            .iter()
            .filter(|op| op.method == request.method)
            .filter_map(|op| op.bind(&request.path).map(|bound| (op, bound)))
            .max_by_key(|(op, _)| op.literal_segments());
        let Some((operation, bound)) = fitting else {
            panic!(
                "{} {} is no operation Zoho publishes",
                request.method, request.path
            );
        };
        let wrong = operation.mismatches(request, &bound);
        assert!(
            wrong.is_empty(),
            "{} {}: {}",
            request.method,
            request.path,
            wrong.join("; ")
        );
    }
}

/// The generic Books actions on the record types Zoho serves at their own paths (the spec's
/// `record_paths`: contact persons, time entries, the employee delete) send Zoho's operations,
/// not the parent pattern (`POST /contacts/{id}/contactpersons` is none of Zoho's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_books_record_path_requests_are_published_zoho_operations() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let sandbox = Sandbox::start(SandboxConfig {
        records: 400,
        request_log: Some(log.clone()),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let token = AccessToken {
        token: Secret::new(access_token(&sandbox).await),
        api_domain: sandbox.base_url().to_owned(),
    };
    let client = Client::builder("record-paths")
        .token_source(Arc::new(StaticToken(token)))
        .api_base(sandbox.base_url())
        .build()
        .unwrap();
    let org = json!(ORGANIZATION);
    let contact = call(
        &client,
        "books.createRecord",
        json!({"recordType": "contacts", "organizationId": org, "values": {"contact_name": "Paths Ltd"}}),
    )
    .await
    .unwrap()["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let parent = |params: Value| {
        let mut params = params;
        params["parentRecordType"] = json!("contacts");
        params["parentRecordId"] = json!(contact);
        params["organizationId"] = org.clone();
        params
    };
    let person = call(
        &client,
        "books.createRecord",
        parent(json!({"recordType": "contactpersons", "values": {"first_name": "Wil"}})),
    )
    .await
    .unwrap()["contact_person_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (method, params) in [
        ("books.getRecords", json!({"recordType": "contactpersons"})),
        (
            "books.getRecord",
            json!({"recordType": "contactpersons", "recordId": person}),
        ),
        (
            "books.updateRecord",
            json!({"recordType": "contactpersons", "recordId": person, "values": {"last_name": "Rose"}}),
        ),
        (
            "books.removeRecord",
            json!({"recordType": "contactpersons", "recordId": person}),
        ),
    ] {
        call(&client, method, parent(params)).await.unwrap();
    }
    let projects = call(
        &client,
        "books.getRecords",
        json!({"recordType": "projects", "organizationId": org, "perPage": 1}),
    )
    .await
    .unwrap();
    let project = projects["projects"][0]["project_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_project = json!({"recordType": "timeentries", "parentRecordType": "projects",
                            "parentRecordId": project, "organizationId": org});
    let mut create = in_project.clone();
    create["values"] = json!({"task_id": "1", "user_id": "2", "log_date": "2026-01-05"});
    let entry = call(&client, "books.createRecord", create).await.unwrap()["time_entry_id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(&client, "books.getRecords", in_project).await.unwrap();
    call(
        &client,
        "books.removeRecord",
        json!({"recordType": "timeentries", "recordId": entry, "organizationId": org}),
    )
    .await
    .unwrap();
    let employee = call(
        &client,
        "books.createRecord",
        json!({"recordType": "employees", "organizationId": org, "values": {"name": "Ada", "email": "ada@example.com"}}),
    )
    .await
    .unwrap()["employee_id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &client,
        "books.removeRecord",
        json!({"recordType": "employees", "recordId": employee, "organizationId": org}),
    )
    .await
    .unwrap();

    let sent = 12;
    let requests = logged_api_requests(&log, sent).await;
    assert!(requests.len() >= sent, "{} requests logged", requests.len());
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.path == "/books/v3/contacts/contactpersons"),
        "the contact person was created at Zoho's path"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.method == "DELETE" && r.path.starts_with("/books/v3/employee/")),
        "the employee was deleted at Zoho's path"
    );
    assert_published(&operations(), &requests);
    sandbox.shutdown().await;
}

#[test]
fn the_table_catches_a_request_zoho_does_not_publish() {
    let operations = operations();
    let list = operations
        .iter()
        .find(|op| op.name == "CRM Get Records")
        .unwrap();
    let request = Logged {
        method: "GET".into(),
        path: "/crm/v3/Leads".into(),
        query: BTreeMap::from([
            ("per_page".to_owned(), json!("5")),
            ("perPage".to_owned(), json!("5")),
        ]),
        body: Value::Null,
    };
    let bound = list.bind(&request.path).unwrap();
    let wrong = list.mismatches(&request, &bound);
    assert!(wrong.iter().any(|w| w.contains("`perPage`")), "{wrong:?}");
    assert!(
        wrong.iter().any(|w| w.contains("requires query `fields`")),
        "{wrong:?}"
    );
    let books_update = operations
        .iter()
        .find(|op| op.name == "Books update")
        .unwrap();
    let nameless = Logged {
        method: "PUT".into(),
        path: "/books/v3/contacts/460000000026049".into(),
        query: BTreeMap::from([("organization_id".to_owned(), json!(ORGANIZATION))]),
        body: json!({"phone": "1"}),
    };
    let bound = books_update.bind(&nameless.path).unwrap();
    assert!(
        books_update
            .mismatches(&nameless, &bound)
            .iter()
            .any(|w| w.contains("`contact_name`"))
    );
    assert!(list.bind("/crm/v9/Leads").is_none(), "v9 is no CRM version");
    // books.md §2.2: contact persons are not created under their contact.
    assert!(
        !operations.iter().any(|op| op.method == "POST"
            && op
                .bind("/books/v3/contacts/460000000026049/contactpersons")
                .is_some()),
        "the parent pattern for a contact person create is no Zoho operation"
    );
}
