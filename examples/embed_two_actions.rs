//! Embedding zoho-rs in a Rust program: two typed actions with one shared client.
//!
//! Run it against the built-in sandbox (no Zoho account needed):
//!
//! ```sh
//! cargo run -p zoho-server --example embed_two_actions
//! ```
//!
//! Against real Zoho, build the connection from your config instead of the sandbox:
//!
//! ```ignore
//! let config: ConnectionConfig = toml::from_str(r#"
//!     kind = "oauth2"
//!     region_url = "https://accounts.zoho.eu"
//!     client_id = "1000.XXXX"
//!     client_secret_env = "ZOHO_CLIENT_SECRET"
//!     token_store = "tokens/default.json"
//! "#)?;
//! let connection = Connection::from_env("default", config)?; // tokens from `zoho-server auth login`
//! let client = connection.client();
//! ```

use futures::TryStreamExt;
use serde_json::json;
use zoho_actions::output::Record;
use zoho_actions::{Action, ListAction, crm};
use zoho_core::{Connection, ConnectionConfig, Secret};
use zoho_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local Zoho with 25 seeded Leads, and a connection authorized like a script would be:
    // a self-client grant code exchanged for tokens.
    let sandbox = Sandbox::start(SandboxConfig {
        records: 25,
        ..SandboxConfig::default()
    })
    .await?;
    let grant: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/__sandbox/self-client", sandbox.base_url()))
        .form(&[("scope", "ZohoCRM.modules.ALL")])
        .send()
        .await?
        .json()
        .await?;
    let connection = Connection::new(
        "default",
        ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url()),
        Secret::new(zoho_sandbox::CLIENT_SECRET),
    )?;
    let code = grant["code"]
        .as_str()
        .ok_or("the sandbox sent no grant code")?;
    connection.exchange_self_client_code(code).await?;
    let client = connection.client();

    // Action 1: create a Lead. Values win over Dynamic Fields on a clash.
    let mut create = crm::CreateRecord::new("Leads");
    create.values = serde_json::from_value(json!({
        "Last_Name": "Lovelace",
        "Company": "Analytical Engines",
        "Email": "ada@example.com"
    }))?;
    let created = create.execute(&client).await?; // a typed CRM write result
    println!("created Lead {} ({})", created.details.id, created.message);

    // Action 2: read the Leads back. One page, typed: its records and its paging info...
    let mut list = crm::GetRecords::new("Leads");
    list.fields = Some(vec!["Last_Name".into(), "Company".into()]);
    list.per_page = 10;
    let page = list.execute(&client).await?;
    let first = page.data.first().and_then(|lead| lead.get_str("Last_Name"));
    println!(
        "first page: {} Leads (first: {}), more after it: {}",
        page.info.count,
        first.unwrap_or("none"),
        page.info.more_records
    );

    // ...then every page, one page in memory at a time.
    list.fetch_all = true;
    let leads: Vec<Record> = list.records(&client).try_collect().await?;
    let ada = leads
        .iter()
        .filter(|lead| lead.get_str("Last_Name") == Some("Lovelace"))
        .count();
    let listed = leads
        .iter()
        .any(|lead| lead.id() == Some(created.details.id.as_str()));
    println!("{} Leads in all; {ada} named Lovelace", leads.len());

    sandbox.shutdown().await;
    if ada == 1 && listed {
        Ok(())
    } else {
        Err("the created Lead was not listed".into())
    }
}
