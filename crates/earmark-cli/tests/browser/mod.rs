//! A real headless Chromium, driven over WebDriver (chromedriver, W3C protocol, HTTP on
//! loopback) with a small blocking client. Used by the report's browser test.
//!
//! Missing Chromium is a failure, not a skip: the message says how to install it. Paths can
//! be overridden with `EARMARK_CHROMEDRIVER` and `EARMARK_CHROMIUM`.

#![allow(
    dead_code,
    reason = "each test crate that includes this module uses only some of it"
)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const INSTALL: &str = "the report's browser test needs Chromium and its WebDriver: on Debian \
    `apt-get install chromium chromium-driver` (.ci/run installs them when missing), or set \
    EARMARK_CHROMEDRIVER and EARMARK_CHROMIUM to their paths";

fn find(var: &str, names: &[&str]) -> PathBuf {
    if let Ok(p) = std::env::var(var) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "{var}={} is not a file; {INSTALL}",
            p.display()
        );
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([
        PathBuf::from("/usr/bin"),
        PathBuf::from("/usr/lib/chromium"),
    ]) {
        for n in names {
            let c = dir.join(n);
            if c.is_file() {
                return c;
            }
        }
    }
    panic!("{} not found; {INSTALL}", names.join(" or "));
}

/// A chromedriver process and one browser session; both end when this is dropped.
pub struct Browser {
    child: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

/// What a page logged to the console (and Chromium's own reports, e.g. CSP violations).
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub level: String,
    pub source: String,
    pub message: String,
}

impl Browser {
    pub fn start() -> Self {
        let driver = find("EARMARK_CHROMEDRIVER", &["chromedriver"]);
        let chromium = find(
            "EARMARK_CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        // Port 0: chromedriver picks a free port and prints it, so parallel tests never race
        // for one.
        let mut child = Command::new(&driver)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {INSTALL}", driver.display()));
        let stdout = child.stdout.take().unwrap();
        let mut port = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                port = rest.trim_end_matches('.').trim().parse::<u16>().ok();
                break;
            }
        }
        let Some(port) = port else {
            let _ = child.kill();
            panic!(
                "{} did not say which port it listens on; {INSTALL}",
                driver.display()
            );
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                // No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1000"]
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let mut b = Self {
            child,
            base,
            session: String::new(),
            agent,
        };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}; {INSTALL}"))
            .to_owned();
        b
    }

    /// One WebDriver command; a WebDriver error is a panic naming it.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self
                .agent
                .post(&url)
                .send_json(b.unwrap_or_else(|| json!({}))),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status();
        let v: Value = resp
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(
            status.is_success(),
            "{method} {path}: {status}: {}",
            v["value"]
        );
        v["value"].clone()
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn open(&self, file: &Path) {
        let url = format!("file://{}", file.canonicalize().unwrap().display());
        self.call("POST", &self.s("/url"), Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns
    /// what it returns. WebDriver runs it outside the page's CSP, which still binds the page.
    pub fn eval(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The console and browser log since the last call.
    pub fn log(&self) -> Vec<LogEntry> {
        let v = self.call(
            "POST",
            &self.s("/se/log"),
            Some(json!({ "type": "browser" })),
        );
        v.as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|e| LogEntry {
                level: e["level"].as_str().unwrap_or("").to_owned(),
                source: e["source"].as_str().unwrap_or("").to_owned(),
                message: e["message"].as_str().unwrap_or("").to_owned(),
            })
            .collect()
    }

    /// Log entries that are errors (console errors, uncaught exceptions, CSP violations).
    pub fn errors(&self) -> Vec<LogEntry> {
        self.log()
            .into_iter()
            .filter(|e| e.level == "SEVERE" || e.level == "WARNING")
            .collect()
    }

    /// Clicks the first element matching a CSS selector, as a user would.
    pub fn click(&self, css: &str) {
        let v = self.call(
            "POST",
            &self.s("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = v
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap()
            .to_owned();
        self.call(
            "POST",
            &self.s(&format!("/element/{id}/click")),
            Some(json!({})),
        );
    }

    /// The text of an open alert, prompt or confirm dialog, if any.
    pub fn alert(&self) -> Option<String> {
        let url = format!("{}{}", self.base, self.s("/alert/text"));
        let mut resp = self.agent.get(&url).call().ok()?;
        let ok = resp.status().is_success();
        let v: Value = resp.body_mut().read_json().ok()?;
        ok.then(|| v["value"].as_str().unwrap_or("").to_owned())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}{}", self.base, self.s(""));
            let _ = self.agent.delete(&url).call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
