//! The built server against hostile and careless clients: slow bodies, too many connections for
//! its file descriptors, control characters aimed at its log. Each runs `zoho-server serve
//! --sandbox` as a child process, so its memory and its limits are its own.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `zoho-server serve --sandbox` (prefixed by `wrapper`, such as `prlimit`), its address read
/// from the banner; killed when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Served {
    fn start(wrapper: &[&str], extra: &[&str]) -> Served {
        let binary = env!("CARGO_BIN_EXE_zoho-server");
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        command
            .args([
                "serve",
                "--sandbox",
                "--sandbox-records",
                "5",
                "--listen",
                "127.0.0.1:0",
            ])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = Some(std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        }));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let banner = lines
            .find_map(|line| line.ok().filter(|line| line.contains("JSON-RPC on")))
            .expect("the server printed its banner");
        // Keep draining stdout so the child never blocks on it.
        std::thread::spawn(move || lines.for_each(drop));
        let addr = banner[banner.find("http://").unwrap() + 7..]
            .trim_end_matches("/rpc")
            .parse()
            .unwrap();
        Served {
            child,
            addr,
            stderr,
        }
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer = reqwest::Client::new()
            .post(format!("http://{}/rpc", self.addr))
            .json(&body)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        answer.json().await.unwrap()
    }

    /// Stop the server (SIGTERM) and hand back what it logged.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        self.stderr
            .take()
            .map(|reader| reader.join().unwrap())
            .unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start a request declaring a body of `declared` bytes and send none of it yet.
async fn open_body(addr: SocketAddr, declared: usize) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /rpc HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Send a byte every `every` until the server answers or closes (the answer's first line), or
/// `give_up` passes (`None`).
async fn trickle(mut stream: TcpStream, every: Duration, give_up: Duration) -> Option<String> {
    let started = Instant::now();
    let mut answer = [0u8; 64];
    while started.elapsed() < give_up {
        tokio::select! {
            read = stream.read(&mut answer) => {
                let n = read.unwrap_or(0);
                let head = String::from_utf8_lossy(&answer[..n]);
                return Some(head.lines().next().unwrap_or("closed").to_owned());
            }
            () = tokio::time::sleep(every) => {
                if stream.write_all(b" ").await.is_err() {
                    return Some("closed".to_owned());
                }
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_trickling_bodies_are_cut_at_the_deadline_and_hold_little_memory() {
    let server = Served::start(&[], &["--body-timeout-secs", "2"]);
    let before = server.rss_kib();
    let started = Instant::now();
    let trickles: Vec<_> =
        futures::future::join_all((0..50).map(|_| open_body(server.addr, 100_000)))
            .await
            .into_iter()
            .map(|stream| {
                tokio::spawn(trickle(
                    stream,
                    Duration::from_millis(10),
                    Duration::from_secs(6),
                ))
            })
            .collect();
    let mut peak = before;
    while !trickles.iter().all(tokio::task::JoinHandle::is_finished)
        && started.elapsed() < Duration::from_secs(7)
    {
        peak = peak.max(server.rss_kib());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cut_after = started.elapsed();
    // The server answers 408 and closes with the trickled bytes unread, so the kernel resets
    // the connection: a client that writes at that moment can meet the reset before it reads
    // the answer (seen under load). Either way the body was cut; when it is answered, it is 408.
    let mut answered = 0;
    for trickle in trickles {
        let answer = trickle.await.unwrap();
        match answer.as_deref() {
            Some("HTTP/1.1 408 Request Timeout") => answered += 1,
            Some("closed") => {}
            other => panic!("each slow body is cut by the deadline, got {other:?}"),
        }
    }
    assert!(answered > 0, "the slow bodies are answered 408");
    assert!(cut_after < Duration::from_secs(5), "{cut_after:?}");
    // Before, each byte received held about 8 KB: these 50 bodies (about 10 KB in all by the
    // deadline) took some 80 MB.
    let grown_mib = peak.saturating_sub(before) / 1024;
    eprintln!("RSS before {before} KiB, peak {peak} KiB during 50 trickles");
    assert!(grown_mib < 20, "RSS grew by {grown_mib} MiB");
    assert!(peak / 1024 < 100, "RSS peaked at {} MiB", peak / 1024);
    let answer = server
        .call(
            "crm.getRecords",
            json!({"recordType": "Leads", "perPage": 1, "fields": ["Last_Name"]}),
        )
        .await;
    assert!(answer["result"]["data"].is_array(), "{answer}");
}

/// The full scenario of the issue: 10 s of trickling at the default deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes 10 s; run with --ignored"]
async fn fifty_bodies_trickling_for_ten_seconds_stay_under_100_mb() {
    let server = Served::start(&[], &[]);
    let trickles: Vec<_> =
        futures::future::join_all((0..50).map(|_| open_body(server.addr, 100_000)))
            .await
            .into_iter()
            .map(|stream| {
                tokio::spawn(trickle(
                    stream,
                    Duration::from_millis(10),
                    Duration::from_secs(14),
                ))
            })
            .collect();
    let mut peak = 0;
    while !trickles.iter().all(tokio::task::JoinHandle::is_finished) {
        peak = peak.max(server.rss_kib());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("RSS peak {peak} KiB during 50 trickles of 10 s");
    for trickle in trickles {
        assert_eq!(
            trickle.await.unwrap().as_deref(),
            Some("HTTP/1.1 408 Request Timeout")
        );
    }
    assert!(peak / 1024 < 100, "RSS peaked at {} MiB", peak / 1024);
}

/// Let this test process hold more connections than the server under test may.
fn raise_own_fd_limit(at_least: u64) {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    assert!(
        limit >= at_least,
        "this test needs {at_least} open files; the hard limit is {limit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_1024_descriptors_1100_idle_or_slow_connections_do_not_lock_out_a_fresh_one() {
    raise_own_fd_limit(1400);
    let server = Served::start(&["prlimit", "--nofile=1024:1024", "--"], &[]);
    let mut held = Vec::new();
    for n in 0..1100 {
        let stream = if n % 2 == 0 {
            TcpStream::connect(server.addr).await.unwrap()
        } else {
            open_body(server.addr, 1000).await
        };
        held.push(stream);
    }
    // Let the server accept them all (closing the oldest idle ones as it must).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let answer = server
        .call(
            "crm.getRecords",
            json!({"recordType": "Leads", "perPage": 1, "fields": ["Last_Name"]}),
        )
        .await;
    assert!(answer["result"]["data"].is_array(), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(held);
    let log = server.stop();
    assert!(
        !log.contains("-32004"),
        "no call failed as a network error: {log}"
    );
}

#[test]
fn the_soft_open_file_limit_is_raised_to_the_hard_one() {
    let server = Served::start(&["prlimit", "--nofile=1024:4096", "--"], &[]);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id())).unwrap();
    let open_files = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<&str> = open_files.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers, ["4096", "4096"], "{open_files}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cr_or_lf_in_any_param_never_starts_a_log_line() {
    let server = Served::start(&[], &[]);
    let forged = "\r\n2026-01-01T00:00:00.000000Z  INFO FORGED: admin logged in\n";
    server
        .call(
            "crm.getRecords",
            json!({"connection": forged, "recordType": "Leads"}),
        )
        .await;
    server
        .call(&format!("crm.getRecord{forged}"), json!({}))
        .await;
    server
        .call(
            "crm.getRecord",
            json!({"recordType": forged, "recordId": forged}),
        )
        .await;
    let body = json!({"jsonrpc": "2.0", "id": forged, "method": "crm.nope"});
    reqwest::Client::new()
        .post(format!("http://{}/rpc", server.addr))
        .json(&body)
        .send()
        .await
        .unwrap();
    let log = server.stop();
    assert!(log.contains("FORGED"), "the values were logged: {log}");
    for line in log.lines() {
        assert!(!line.contains("\r"), "{line:?}");
        assert!(
            !line.starts_with("2026-01-01T00:00:00"),
            "a forged line: {line:?}"
        );
        assert!(
            line.starts_with(|c: char| c.is_ascii_digit()),
            "every line starts with its time: {line:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_oauth_callbacks_are_logged_without_code_or_state() {
    let server = Served::start(&[], &[]);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://{}", server.addr);
    let replayed = client
        .get(format!(
            "{base}/oauth/callback?code=1000.SECRETGRANTCODE&state=FORGEDSTATEVALUE"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 400);
    // The user presses Deny on the consent page of a flow started here.
    let started = client
        .get(format!("{base}/oauth/start?connection=default"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 302);
    let consent = url::Url::parse(started.headers()["location"].to_str().unwrap()).unwrap();
    let state = consent
        .query_pairs()
        .find(|(key, _)| key == "state")
        .unwrap()
        .1
        .into_owned();
    let denied = client
        .get(format!(
            "{base}/oauth/callback?error=access_denied&state={state}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 400);
    let page = denied.text().await.unwrap();
    assert!(page.contains("the user declined"), "{page}");
    assert!(
        page.contains("/oauth/start?connection=default"),
        "how to retry: {page}"
    );
    assert!(!page.contains("Zoho refused"), "{page}");
    // A redirect naming an accounts server that is not Zoho's, with a flow's real state.
    let started = client
        .get(format!("{base}/oauth/start?connection=default"))
        .send()
        .await
        .unwrap();
    let consent = url::Url::parse(started.headers()["location"].to_str().unwrap()).unwrap();
    let foreign_state = consent
        .query_pairs()
        .find(|(key, _)| key == "state")
        .unwrap()
        .1
        .into_owned();
    let foreign = client
        .get(format!(
            "{base}/oauth/callback?code=1000.SECRETFOREIGNCODE&state={foreign_state}\
             &accounts-server=https%3A%2F%2Faccounts.evil.example"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 400);
    let log = server.stop();
    let refusals: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("an OAuth callback was refused"))
        .collect();
    assert_eq!(refusals.len(), 3, "{log}");
    assert!(
        refusals.iter().all(|line| line.contains(" INFO ")),
        "{refusals:#?}"
    );
    for secret in [
        "SECRETGRANTCODE",
        "FORGEDSTATEVALUE",
        "SECRETFOREIGNCODE",
        state.as_str(),
        foreign_state.as_str(),
    ] {
        assert!(!log.contains(secret), "`{secret}` is in the log: {log}");
    }
}

#[test]
fn auth_login_on_a_port_serve_holds_says_to_use_serves_oauth_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zoho.toml");
    std::fs::write(
        &config,
        "[connections.eu]\nclient_id = \"1000.A\"\nclient_secret_env = \"TEST_SECRET\"\n\
         region_url = \"eu\"\ntoken_store = \"tokens.json\"\n",
    )
    .unwrap();
    // What a running `serve` looks like to the port.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_zoho-server"))
        .args(["auth", "login", "--connection", "eu", "--config"])
        .arg(&config)
        .args(["--listen", &addr])
        .env("TEST_SECRET", "not-a-real-secret")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("zoho-server serve"), "{stderr}");
    assert!(
        stderr.contains(&format!("http://{addr}/oauth/start?connection=eu")),
        "{stderr}"
    );
}
