//! `GET /connections` in a real browser: Debian's `chromium`, headless, driven over the DevTools
//! protocol on a pipe (`--remote-debugging-pipe`: JSON messages ending in NUL on descriptors 3
//! and 4), so no WebSocket client is needed. Without `chromium` the test is skipped with a
//! message, except in CI (`CI` set), where that is a failure; `.ci/run` installs it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::created::{Instance, write_config_with};

const API_KEY: &str = "page-test-key-0123456789";

/// A headless Chromium with one page; killed when dropped.
struct Browser {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    next: u64,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// `None` (after saying why) when `chromium` is not installed and this is not CI.
    fn start() -> Option<Browser> {
        if Command::new("chromium")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromium is not on PATH; .ci/run installs it (apt-get install chromium)"
            );
            eprintln!(
                "SKIPPED: chromium is not on PATH (apt-get install chromium); the browser test did not run"
            );
            return None;
        }
        let profile = tempfile::tempdir().unwrap();
        // The pipe is the shell's stdin and stdout moved to descriptors 3 and 4.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(
                "exec chromium --headless --no-sandbox --disable-gpu --no-first-run \
                 --no-default-browser-check --disable-extensions --remote-debugging-pipe \
                 --user-data-dir=\"$0\" about:blank 3<&0 4>&1 0</dev/null 1>/dev/null 2>/dev/null",
            )
            .arg(profile.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let to = child.stdin.take().unwrap();
        let from = BufReader::new(child.stdout.take().unwrap());
        let mut browser = Browser {
            child,
            to,
            from,
            next: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = browser.send(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.send(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        Some(browser)
    }

    /// Send a DevTools command and wait for its answer (events in between are skipped).
    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next += 1;
        let mut message = json!({"id": self.next, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = Value::String(session.to_owned());
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        self.to.flush().unwrap();
        loop {
            let mut raw = Vec::new();
            let read = self.from.read_until(0, &mut raw).unwrap();
            assert!(read > 0, "chromium closed the DevTools pipe");
            raw.pop();
            let answer: Value = serde_json::from_slice(&raw).unwrap();
            if answer["id"] == self.next {
                if let Some(error) = answer.get("error") {
                    return json!({"error": error});
                }
                return answer["result"].clone();
            }
        }
    }

    fn navigate(&mut self, url: &str) {
        let session = self.session.clone();
        self.send(Some(&session), "Page.navigate", json!({"url": url}));
        self.wait_for(&format!(
            "document.readyState === 'complete' && location.href.startsWith({})",
            json!(url)
        ));
    }

    /// The value of JavaScript `expression` in the page (`null` while it navigates).
    fn eval(&mut self, expression: &str) -> Value {
        let session = self.session.clone();
        let answer = self.send(
            Some(&session),
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        if answer.get("exceptionDetails").is_some() || answer.get("error").is_some() {
            return Value::Null;
        }
        answer["result"]["value"].clone()
    }

    /// Wait until `condition` holds in the page (a page loaded, a navigation ended).
    fn wait_for(&mut self, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.eval(&format!("!!({condition})")) != Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "the page never showed `{condition}`; it shows:\n{}",
                self.eval("document.documentElement.outerHTML")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What a person reads on the page.
    fn text(&mut self) -> String {
        self.eval("document.body.innerText")
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A row's cell as the page shows it.
fn cell(name: &str, class: &str) -> String {
    format!("document.querySelector('tr[data-connection=\"{name}\"] td.{class}')?.innerText")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_connects_a_created_connection_from_the_page_and_sees_it_authorized() {
    let Some(mut browser) = tokio::task::spawn_blocking(Browser::start).await.unwrap() else {
        return;
    };
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        sandbox.base_url(),
        "kind = \"file\"\npath = \"state\"",
        "",
    );
    let instance =
        tokio::task::spawn_blocking(move || Instance::start_with_key(&config, Some(API_KEY)))
            .await
            .unwrap();
    instance
        .ok(
            "connections.create",
            json!({"name": "acme", "regionUrl": "eu"}),
        )
        .await;
    // A consent the customer denied, with markup in Zoho's error: the page shows it as text.
    let broken = instance
        .ok("connections.create", json!({"name": "broken"}))
        .await;
    let url = url::Url::parse(broken["authorizeUrl"].as_str().unwrap()).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let mut denied = url::Url::parse(&format!("{}/oauth/callback", instance.base)).unwrap();
    denied
        .query_pairs_mut()
        .append_pair("state", &state)
        .append_pair("error", "<img src=x onerror=alert(1)>access_denied");
    assert_eq!(reqwest::get(denied).await.unwrap().status(), 400);

    let base = instance.base.clone();
    let sandbox_base = sandbox.base_url().to_owned();
    tokio::task::spawn_blocking(move || {
        let page = format!("{base}/connections");
        // With an API key set, the page asks for it first.
        browser.navigate(&page);
        assert!(browser.text().contains("needs its API key"), "{}", browser.text());
        browser.eval(&format!(
            "document.querySelector('input[name=key]').value = {}; document.querySelector('form').submit()",
            json!(API_KEY)
        ));
        browser.wait_for("document.querySelector('table')");
        assert_eq!(browser.eval(&cell("acme", "status")), "pending");
        assert_eq!(browser.eval(&cell("acme", "region")), "eu");
        let error = browser.eval(&cell("broken", "error"));
        assert!(
            error
                .as_str()
                .unwrap()
                .contains("<img src=x onerror=alert(1)>access_denied"),
            "Zoho's error is shown as text: {error}"
        );
        assert_eq!(
            browser.eval("document.querySelectorAll('td img, script').length"),
            0,
            "markup from Zoho became part of the page"
        );

        // Connect: off to Zoho's (the sandbox's) consent page, Accept, and back.
        browser.eval("document.querySelector('tr[data-connection=\"acme\"] a.connect').click()");
        browser.wait_for(&format!(
            "location.href.startsWith({}) && document.querySelector('button[value=accept]')",
            json!(sandbox_base)
        ));
        browser.eval("document.querySelector('button[value=accept]').click()");
        browser.wait_for(&format!(
            "location.href.startsWith({}) && document.readyState === 'complete'",
            json!(format!("{base}/oauth/callback"))
        ));
        assert!(browser.text().contains("authorized"), "{}", browser.text());
        browser.navigate(&page);
        assert_eq!(browser.eval(&cell("acme", "status")), "authorized");
        assert_eq!(
            browser.eval("document.querySelector('tr[data-connection=\"acme\"] a.connect').innerText"),
            "Re-authorize"
        );

        // Remove: the row goes, and the page says so.
        browser.eval(
            "document.querySelector('tr[data-connection=\"broken\"] button[type=submit]').click()",
        );
        browser.wait_for("location.search.includes('removed=broken')");
        let text = browser.text();
        assert!(text.contains("Connection broken was removed"), "{text}");
        assert_eq!(
            browser.eval("document.querySelectorAll('tr[data-connection=\"broken\"]').length"),
            0
        );
        let html = browser.eval("document.documentElement.outerHTML");
        let html = html.as_str().unwrap();
        assert!(!html.contains(API_KEY), "the key is on the page");
        assert!(!html.contains("1000."), "a token or the client id is on the page");
    })
    .await
    .unwrap();
    let gone = instance
        .err("connections.get", json!({"name": "broken"}))
        .await;
    assert_eq!(gone["data"]["field"], "name", "{gone:#}");
    // acme works for actions after the consent the page started.
    instance
        .ok(
            "crm.getRecords",
            json!({"connection": "acme", "recordType": "Leads", "fields": ["Last_Name"], "perPage": 1}),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_follows_the_api_key_rule_and_refuses_other_origins() {
    let sandbox = zoho_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        sandbox.base_url(),
        "kind = \"file\"\npath = \"state\"",
        "",
    );
    let instance =
        tokio::task::spawn_blocking(move || Instance::start_with_key(&config, Some(API_KEY)))
            .await
            .unwrap();
    instance
        .ok("connections.create", json!({"name": "acme"}))
        .await;
    let page = format!("{}/connections", instance.base);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let asked = http.get(&page).send().await.unwrap();
    assert_eq!(asked.status(), 401);
    assert!(asked.text().await.unwrap().contains("name=\"key\""));
    let with_bearer = http.get(&page).bearer_auth(API_KEY).send().await.unwrap();
    assert_eq!(with_bearer.status(), 200);
    assert!(
        with_bearer
            .text()
            .await
            .unwrap()
            .contains("data-connection=\"acme\"")
    );

    let login = format!("{}/connections/login", instance.base);
    let wrong = http
        .post(&login)
        .form(&[("key", "not-the-key-0123456789")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let right = http
        .post(&login)
        .form(&[("key", API_KEY)])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 303);
    let cookie = right.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(API_KEY),
        "the cookie holds the key: {cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = http
        .get(&page)
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), 200);
    // A cookie with a later expiry than it was signed for is refused.
    let (name_expiry, tag) = session.split_once('.').unwrap();
    let (name, expiry) = name_expiry.split_once('=').unwrap();
    let forged = format!("{name}={}.{tag}", expiry.parse::<u64>().unwrap() + 1);
    let refused = http
        .get(&page)
        .header("cookie", forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // Another site's page posting the remove button is refused, and nothing is removed.
    let remove = format!("{}/connections/remove", instance.base);
    let cross = http
        .post(&remove)
        .header("cookie", &session)
        .header("origin", "https://evil.example")
        .form(&[("name", "acme")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let without_key = http
        .post(&remove)
        .form(&[("name", "acme")])
        .send()
        .await
        .unwrap();
    assert_eq!(without_key.status(), 401);
    assert_eq!(
        instance
            .ok("connections.get", json!({"name": "acme"}))
            .await["status"],
        "pending"
    );
}
