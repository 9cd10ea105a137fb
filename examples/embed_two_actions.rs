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
use zoho_actions::crm;
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
    let created = create.execute(&client).await?;
    println!("created Lead {}", created["details"]["id"]);

    // Action 2: read every Lead back, one page in memory at a time.
    let mut list = crm::GetRecords::new("Leads");
    list.fields = Some(vec!["Last_Name".into(), "Company".into()]);
    list.per_page = 10;
    list.fetch_all = true;
    let leads: Vec<serde_json::Value> = list.records(&client).try_collect().await?;
    let ada = leads
        .iter()
        .filter(|lead| lead["Last_Name"] == "Lovelace")
        .count();
    println!("{} Leads in all; {ada} named Lovelace", leads.len());

    sandbox.shutdown().await;
    if ada == 1 {
        Ok(())
    } else {
        Err("the created Lead was not listed".into())
    }
}
