//! One client used from several single-threaded runtimes, as zoho-server serves on one per core.

use std::sync::mpsc;
use std::time::Duration;

use httpmock::prelude::*;
use serde_json::json;
use zoho_core::{Method, Product, ResultShape};

use crate::exec_support::*;

fn get_lead() -> zoho_core::ActionRequest {
    request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads"), value("recordId", "1")],
        ResultShape::CrmRecord,
    )
}

fn single_threaded() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A pooled connection is driven by the runtime that opened it. A thread whose runtime is no
/// longer being run (it went on to other work) must not leave another thread's calls waiting
/// on the connections it opened.
#[test]
fn a_call_does_not_wait_on_a_connection_another_idle_runtime_opened() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/crm/v3/Leads/1");
        then.status(200)
            .json_body(json!({"data": [{"id": "1", "Last_Name": "Doe"}]}));
    });
    let client = client(&server);

    let (opened, wait_opened) = mpsc::channel();
    let (finish, wait_finish) = mpsc::channel::<()>();
    let first = std::thread::spawn({
        let client = client.clone();
        move || {
            let runtime = single_threaded();
            let record = runtime.block_on(client.execute(get_lead()));
            opened.send(record.is_ok()).expect("the test is waiting");
            // Keep the runtime (and the connection it opened) alive, but no longer run it.
            let _ = wait_finish.recv();
            drop(runtime);
        }
    });
    assert!(wait_opened.recv().expect("first thread"), "the first call");

    let second = single_threaded().block_on(async {
        tokio::time::timeout(Duration::from_secs(10), client.execute(get_lead())).await
    });
    let _ = finish.send(());
    first.join().expect("first thread");
    let record = second
        .expect("the second runtime's call is answered, not left waiting")
        .expect("record");
    assert_eq!(record, json!({"id": "1", "Last_Name": "Doe"}));
}
