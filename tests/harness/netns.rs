//! Network namespaces a test creates for itself: for servers that bind every address
//! (gnutls-serv) and for network conditions loopback cannot show (a port whose packets are
//! dropped). Traffic stays on the namespace's own loopback. Deleted when dropped.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::find_binary;
use super::run::{bin, run_command, Run};

pub struct Namespace {
    pub name: String,
    ip: PathBuf,
}

impl Namespace {
    /// Re-runs this test binary inside the namespace with only the `#[ignore]`d test `child`
    /// selected and `env` set, and reads back the JSON value the child printed after `mark`.
    /// `context` (a server log…) goes into the panic message when the child printed nothing.
    pub fn run_child_test<T: serde::de::DeserializeOwned>(
        &self,
        child: &str,
        mark: &str,
        env: &[(&str, &str)],
        context: impl FnOnce() -> String,
    ) -> T {
        let exe = std::env::current_exe().expect("test binary path");
        let mut cmd = self.command(exe);
        cmd.args([child, "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads", "1"]);
        for (key, value) in env {
            cmd.env(key, value);
        }
        let output = cmd.output().expect("run the child test in the namespace");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.split_once(mark).map(|(_, json)| json))
            .unwrap_or_else(|| {
                panic!(
                    "no result from the child ({}):\n{stdout}\n{}\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr),
                    context()
                )
            });
        serde_json::from_str(line).expect("child JSON")
    }

    /// `edgeaudit-TAG-PID`, with its loopback up.
    pub fn create(tag: &str) -> Namespace {
        let ip = find_binary("ip", "iproute2");
        let name = format!("edgeaudit-{tag}-{}", std::process::id());
        run_checked(Command::new(&ip).args(["netns", "add", &name]));
        let ns = Namespace { name, ip };
        run_checked(ns.command("ip").args(["link", "set", "lo", "up"]));
        ns
    }

    /// `ip netns exec NAME program`, ready for arguments.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(&self.ip);
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }

    /// Runs `program args...` inside the namespace and panics if it fails.
    pub fn exec_checked(&self, program: impl AsRef<OsStr>, args: &[&str]) {
        run_checked(self.command(program).args(args));
    }

    /// Whether something inside the namespace accepts a TCP connection on 127.0.0.1:`port`.
    pub fn accepts(&self, port: u16) -> bool {
        self.command("bash")
            .args(["-c", &format!("exec 3<>/dev/tcp/127.0.0.1/{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Runs `edgeaudit ARGS...` inside the namespace, under the harness watchdog.
    pub fn edgeaudit(&self, args: Vec<String>) -> Run {
        run_command(assert_cmd::Command::from_std(self.command(bin())), args)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new(&self.ip)
            .args(["netns", "del", &self.name])
            .status();
    }
}

pub fn run_checked(cmd: &mut Command) {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        output.status.success(),
        "{cmd:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
