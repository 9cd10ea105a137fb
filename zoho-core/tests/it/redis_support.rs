//! A private `redis-server` per test, from PATH, on a Unix socket in its own folder; killed
//! (SIGKILL) when dropped or when a test says so. Without `redis-server` the tests that need it
//! are skipped with a loud message, except in CI (`CI` set), where that is a failure.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    dir: tempfile::TempDir,
    append_only: bool,
}

impl RedisServer {
    /// Start one without persistence; `None` (after saying why) when `redis-server` is missing.
    pub fn start() -> Option<RedisServer> {
        RedisServer::start_with(false)
    }

    /// Start one that keeps an append-only file (fsync always), to survive `kill -9`.
    pub fn start_persistent() -> Option<RedisServer> {
        RedisServer::start_with(true)
    }

    fn start_with(append_only: bool) -> Option<RedisServer> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not on PATH; .ci/run installs it (apt-get install redis-server)"
            );
            eprintln!(
                "SKIPPED: redis-server is not on PATH (apt-get install redis-server); the Redis tests did not run"
            );
            return None;
        }
        let mut server = RedisServer {
            child: None,
            dir: tempfile::tempdir().unwrap(),
            append_only,
        };
        server.restart();
        Some(server)
    }

    /// The socket's path.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// The URL a store opens.
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    /// Kill the server with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// Start the server again in the same folder (with its append-only file, if it keeps one).
    pub fn restart(&mut self) {
        self.kill();
        let dir = self.dir.path();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", "0", "--unixsocket"])
            .arg(self.socket())
            .args(["--unixsocketperm", "700", "--save", ""])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.append_only {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        self.child = Some(command.spawn().unwrap());
        wait_for(&self.socket());
    }

    /// The value of string `key` as `redis-cli` prints it (empty when there is none).
    #[allow(dead_code)] // zoho-server's fleet tests include this file too and read the lock
    pub fn get(&self, key: &str) -> String {
        let output = Command::new("redis-cli")
            .arg("-s")
            .arg(self.socket())
            .args(["GET", key])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Every key and its value as `redis-cli` dumps them (strings, hashes, sorted sets).
    pub fn dump(&self) -> String {
        let cli = |args: &[&str]| {
            let output = Command::new("redis-cli")
                .arg("-s")
                .arg(self.socket())
                .args(args)
                .output()
                .unwrap();
            String::from_utf8_lossy(&output.stdout).into_owned()
        };
        let mut all = String::new();
        for key in cli(&["--scan"]).lines() {
            let kind = cli(&["TYPE", key]);
            let value = match kind.trim() {
                "string" => cli(&["GET", key]),
                "hash" => cli(&["HGETALL", key]),
                "zset" => cli(&["ZRANGE", key, "0", "-1", "WITHSCORES"]),
                other => format!("<{other}>"),
            };
            all.push_str(&format!("{key} = {value}\n"));
        }
        all
    }
}

fn wait_for(socket: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::os::unix::net::UnixStream::connect(socket).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("redis-server did not come up on {}", socket.display());
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
