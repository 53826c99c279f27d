//! Running the real `edgeaudit` binary, with a watchdog, and looking at what it did.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

/// No single run of the binary may take longer than this; it is killed past it.
pub const WATCHDOG: Duration = Duration::from_secs(120);
/// The `--connect-timeout` the end-to-end scans use.
pub const CONNECT_TIMEOUT: &str = "1s";
/// The `--timeout` (per target) the end-to-end scans use, and the same in seconds.
pub const TARGET_TIMEOUT: &str = "20s";
pub const TARGET_TIMEOUT_SECS: u64 = 20;
/// Exit code of a Rust panic.
pub const PANIC_EXIT: i32 = 101;

/// The binary under test.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("edgeaudit")
}

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    /// `None` when the process was killed by a signal (e.g. by the watchdog).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `edgeaudit ARGS...` to completion (or until [`WATCHDOG`] kills it).
pub fn edgeaudit<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    run_command(assert_cmd::Command::new(bin()), args)
}

/// Runs `cmd ARGS...` (the binary, or a wrapper that execs it) without colour, under the
/// watchdog, and records what it did.
pub fn run_command(mut cmd: assert_cmd::Command, args: Vec<String>) -> Run {
    let started = Instant::now();
    let output = cmd
        .args(&args)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .timeout(WATCHDOG)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Run {
        args,
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

impl Run {
    /// The command, its exit and its output, for assertion messages.
    pub fn context(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "$ edgeaudit {}", shell_words(&self.args));
        let _ = writeln!(
            s,
            "exit: {} after {:.2?}",
            self.code
                .map_or("killed by a signal (watchdog?)".to_string(), |c| c
                    .to_string()),
            self.elapsed
        );
        let _ = writeln!(s, "--- stdout ---\n{}", clip(&self.stdout));
        let _ = writeln!(s, "--- stderr ---\n{}", clip(&self.stderr));
        s
    }

    /// Fails unless the binary exited normally (no signal, no panic).
    pub fn assert_no_panic(&self) -> &Self {
        match self.code {
            None => panic!(
                "edgeaudit was killed (watchdog {WATCHDOG:?})\n{}",
                self.context()
            ),
            Some(PANIC_EXIT) => panic!("edgeaudit panicked\n{}", self.context()),
            Some(_) => self,
        }
    }

    pub fn assert_exit(&self, expected: i32) -> &Self {
        self.assert_no_panic();
        assert_eq!(
            self.code,
            Some(expected),
            "unexpected exit code\n{}",
            self.context()
        );
        self
    }

    /// The JSON document on stdout.
    pub fn json(&self) -> Value {
        self.assert_no_panic();
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", self.context()))
    }

    /// Asserts that stderr names `file` (its full path or its file name).
    pub fn assert_stderr_names_file(&self, file: &std::path::Path) -> &Self {
        let full = file.display().to_string();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            self.stderr.contains(&full) || (!name.is_empty() && self.stderr.contains(&name)),
            "stderr does not name the file {full}\n{}",
            self.context()
        );
        self
    }

    /// Asserts that stderr points at line `line` (`line 4`, `line: 4`, `:4:`, `:4,`, or a
    /// `4 | ...` source excerpt).
    pub fn assert_stderr_names_line(&self, line: usize) -> &Self {
        assert!(
            names_line(&self.stderr, line),
            "stderr does not name line {line}\n{}",
            self.context()
        );
        self
    }
}

/// Whether `text` refers to line `line` in one of the usual ways.
pub fn names_line(text: &str, line: usize) -> bool {
    let n = line.to_string();
    let patterns = [
        (format!("line {n}"), true),
        (format!("line: {n}"), true),
        (format!("line={n}"), true),
        (format!(":{n}:"), false),
        (format!(":{n},"), false),
        (format!(":{n})"), false),
        (format!(" {n} |"), false),
        (format!("\n{n} |"), false),
    ];
    let lower = text.to_lowercase();
    patterns.iter().any(|(p, open_ended)| {
        lower.match_indices(p.as_str()).any(|(at, m)| {
            let after = lower[at + m.len()..].chars().next();
            let before = lower[..at].chars().next_back();
            let digit_after = *open_ended && after.is_some_and(|c| c.is_ascii_digit());
            let digit_before =
                !open_ended && p.starts_with(' ') && before.is_some_and(|c| c.is_ascii_digit());
            !digit_after && !digit_before
        })
    })
}

fn clip(s: &str) -> &str {
    const MAX: usize = 8000;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty()
                || a.chars()
                    .any(|c| c.is_whitespace() || "!'\"$&;|<>()[]*?".contains(c))
            {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `edgeaudit scan` with the lab's defaults: `--no-progress --format json --connect-timeout 1s
/// --timeout 20s`, explicit `--ports`, and nothing else unless a test adds it.
#[derive(Debug, Clone)]
pub struct Scan {
    /// `scan` or `tls`.
    command: &'static str,
    targets: Vec<String>,
    ports: Option<String>,
    format: String,
    timeout: String,
    connect_timeout: String,
    extra: Vec<String>,
}

pub fn scan() -> Scan {
    Scan {
        command: "scan",
        targets: Vec::new(),
        ports: None,
        format: "json".into(),
        timeout: TARGET_TIMEOUT.into(),
        connect_timeout: CONNECT_TIMEOUT.into(),
        extra: Vec::new(),
    }
}

/// `edgeaudit tls` with the same defaults as [`scan`].
pub fn tls() -> Scan {
    Scan {
        command: "tls",
        ..scan()
    }
}

impl Scan {
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.targets.push(target.into());
        self
    }

    pub fn ports(mut self, ports: &[u16]) -> Self {
        let list: Vec<String> = ports.iter().map(u16::to_string).collect();
        self.ports = Some(list.join(","));
        self
    }

    /// A raw `--ports` spec (for tests of the spec parser).
    pub fn ports_spec(mut self, spec: impl Into<String>) -> Self {
        self.ports = Some(spec.into());
        self
    }

    pub fn format(mut self, format: &str) -> Self {
        self.format = format.into();
        self
    }

    pub fn timeout(mut self, timeout: &str) -> Self {
        self.timeout = timeout.into();
        self
    }

    pub fn connect_timeout(mut self, timeout: &str) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    pub fn vantage(self, vantage: &str) -> Self {
        self.args(["--vantage", vantage])
    }

    pub fn fail_on(self, level: &str) -> Self {
        self.args(["--fail-on", level])
    }

    pub fn resolver(self, addr: std::net::SocketAddr) -> Self {
        assert!(
            addr.ip().is_loopback(),
            "tests resolve through a loopback resolver only"
        );
        self.args(["--resolver".to_string(), addr.to_string()])
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extra.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn command_line(&self) -> Vec<String> {
        let mut args = vec![
            self.command.to_string(),
            "--no-progress".into(),
            "--format".into(),
            self.format.clone(),
            "--connect-timeout".into(),
            self.connect_timeout.clone(),
            "--timeout".into(),
            self.timeout.clone(),
        ];
        if let Some(ports) = &self.ports {
            args.push("--ports".into());
            args.push(ports.clone());
        }
        args.extend(self.extra.iter().cloned());
        args.extend(self.targets.iter().cloned());
        args
    }

    pub fn run(self) -> Run {
        edgeaudit(self.command_line())
    }
}
