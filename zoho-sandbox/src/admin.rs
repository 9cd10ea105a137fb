//! The sandbox's own routes under `/__sandbox/`: stats, faults, the self client and the clock.

use std::time::Duration;

use http::Method;
use serde_json::{Value, json};

use crate::http::{Reply, Req};
use crate::state::State;

fn bad_request(route: &'static str, message: &str) -> Reply {
    Reply::json(route, 400, &json!({ "error": message }))
}

/// Routes `/__sandbox/...`.
pub(crate) fn handle(state: &State, req: &Req) -> Reply {
    match (&req.method, req.path.as_str()) {
        (&Method::GET, "/__sandbox/stats") => {
            Reply::json("sandbox.stats", 200, &state.stats.snapshot())
        }
        (&Method::POST, "/__sandbox/stats/reset") => {
            state.stats.reset();
            Reply::json("sandbox.stats", 200, &state.stats.snapshot())
        }
        (&Method::GET, "/__sandbox/faults") => faults_json(state),
        (&Method::POST, "/__sandbox/faults") => set_faults(state, req),
        (&Method::POST, "/__sandbox/self-client") => crate::accounts::self_client(state, req),
        (&Method::POST, "/__sandbox/clock/advance") => advance_clock(state, req),
        (&Method::GET, "/__sandbox/health") => {
            Reply::json("sandbox.health", 200, &json!({"status": "ok"}))
        }
        _ => Reply::json(
            "sandbox.unknown",
            404,
            &json!({"error": "no such sandbox route; see /__sandbox/stats, /__sandbox/faults, /__sandbox/self-client, /__sandbox/clock/advance"}),
        ),
    }
}

fn faults_json(state: &State) -> Reply {
    let faults = state.faults();
    Reply::json(
        "sandbox.faults",
        200,
        &serde_json::to_value(faults).unwrap_or(Value::Null),
    )
}

fn set_faults(state: &State, req: &Req) -> Reply {
    const ROUTE: &str = "sandbox.faults";
    let patch: Value = match serde_json::from_slice(&req.body) {
        Ok(value) => value,
        Err(e) => return bad_request(ROUTE, &format!("body: not JSON: {e}")),
    };
    let Some(patch) = patch.as_object() else {
        return bad_request(ROUTE, "body: expected a JSON object");
    };
    // A count, not a setting: it runs down as token requests fail.
    let mut patch = patch.clone();
    if let Some(count) = patch.remove("fail_next_token_requests") {
        let Some(count) = count.as_u64().and_then(|n| u32::try_from(n).ok()) else {
            return bad_request(
                ROUTE,
                "fail_next_token_requests: expected a whole number of requests",
            );
        };
        state
            .token_failures
            .store(count, std::sync::atomic::Ordering::Release);
    }
    let patch = &patch;
    let result = match state.faults.write() {
        Ok(mut faults) => faults.apply_patch(patch),
        Err(_) => Err("faults: lock poisoned".to_owned()),
    };
    match result {
        Ok(()) => faults_json(state),
        Err(message) => bad_request(ROUTE, &message),
    }
}

fn advance_clock(state: &State, req: &Req) -> Reply {
    const ROUTE: &str = "sandbox.clock";
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let Some(seconds) = body.get("seconds").and_then(Value::as_u64) else {
        return bad_request(ROUTE, "seconds: expected a whole number of seconds");
    };
    state.clock.advance(Duration::from_secs(seconds));
    Reply::json(ROUTE, 200, &json!({"advanced_seconds": seconds}))
}
