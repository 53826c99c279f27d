//! End to end: a port whose packets are dropped is `filtered`, not `closed` or `open`.
//!
//! Loopback in the main namespace always answers, so the test makes a network namespace of its
//! own, drops TCP to one port on that namespace's loopback with nftables, and runs the real binary
//! inside it. Traffic never leaves the namespace.

mod harness;

use std::process::Command;

use harness::find_binary;
use harness::report::{self, state, str_at};
use harness::run::{bin, scan, Run, WATCHDOG};
use harness::LOOPBACK_V4;

const DROPPED_PORT: u16 = 9;
const REFUSED_PORT: u16 = 10;

/// A network namespace that exists for one test and is deleted when it ends.
struct Namespace {
    name: String,
}

impl Namespace {
    fn create(tag: &str) -> Namespace {
        let name = format!("edgeaudit-{tag}-{}", std::process::id());
        run_checked("ip", &["netns", "add", &name]);
        let ns = Namespace { name };
        ns.exec_checked("ip", &["link", "set", "lo", "up"]);
        ns
    }

    fn exec_checked(&self, program: &str, args: &[&str]) {
        let mut full = vec!["netns", "exec", &self.name, program];
        full.extend_from_slice(args);
        run_checked("ip", &full);
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn run_checked(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn dropped_port_is_filtered_and_refused_port_is_closed() {
    let nft = find_binary("nft", "nftables");
    let ns = Namespace::create("filtered");
    let ruleset = format!(
        "add table inet edgeaudit_test; \
         add chain inet edgeaudit_test input {{ type filter hook input priority 0; }}; \
         add rule inet edgeaudit_test input tcp dport {DROPPED_PORT} drop"
    );
    ns.exec_checked(&nft.to_string_lossy(), &[&ruleset]);

    let scan_args = scan()
        .target("127.0.0.1")
        .ports(&[DROPPED_PORT, REFUSED_PORT])
        .connect_timeout("1s")
        .command_line();
    let started = std::time::Instant::now();
    let output = assert_cmd::Command::new("ip")
        .args(["netns", "exec", &ns.name])
        .arg(bin())
        .args(&scan_args)
        .env("NO_COLOR", "1")
        .timeout(WATCHDOG)
        .output()
        .expect("run edgeaudit inside the namespace");
    let run = Run {
        args: scan_args,
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    };
    run.assert_no_panic();
    let report = run.json();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let dropped = report::port(host, DROPPED_PORT);
    assert_eq!(state(dropped), "filtered", "{}", run.context());
    assert!(
        !str_at(dropped, "/reason").is_empty(),
        "a filtered port says why: {}",
        run.context()
    );
    assert_eq!(
        state(report::port(host, REFUSED_PORT)),
        "closed",
        "{}",
        run.context()
    );
}
