//! End to end: input the CLI must refuse with exit code 2 and a clear message, before any
//! traffic; and the one "unreachable" case we can make safely (a closed loopback port).

mod harness;

use std::time::Duration;

use harness::report::{self, port, state};
use harness::run::{edgeaudit, scan, tls, Run};
use harness::{closed_port, LOOPBACK_V4};

/// A refusal comes before any scanning, so it is quick.
const QUICK: Duration = Duration::from_secs(10);

fn assert_refused(run: &Run, mention: &[&str]) {
    run.assert_exit(2);
    assert!(
        !run.stderr.trim().is_empty(),
        "a usage error says why\n{}",
        run.context()
    );
    assert!(
        mention.is_empty() || mention.iter().any(|m| run.stderr.contains(m)),
        "stderr mentions none of {mention:?}\n{}",
        run.context()
    );
    assert!(
        run.elapsed < QUICK,
        "refusing took {:?}\n{}",
        run.elapsed,
        run.context()
    );
}

#[test]
fn a_target_that_is_not_a_name_is_a_usage_error() {
    let run = scan().target("bad host!").ports(&[closed_port()]).run();
    assert_refused(&run, &["bad host!"]);
}

#[test]
fn a_cidr_block_over_the_limit_is_refused_without_the_flag() {
    // 65,536 loopback addresses. Never run with --allow-large-cidr.
    let run = scan()
        .target("127.0.0.0/16")
        .ports(&[closed_port()])
        .timeout("5s")
        .run();
    assert_refused(&run, &["127.0.0.0/16", "--allow-large-cidr"]);
}

#[test]
fn bad_port_specs_are_usage_errors() {
    for spec in ["abc", "70000", "80-"] {
        let run = scan().target("127.0.0.1").ports_spec(spec).run();
        assert_refused(&run, &[]);
    }
}

#[test]
fn bad_durations_are_usage_errors() {
    let closed = [closed_port()];
    assert_refused(
        &scan()
            .target("127.0.0.1")
            .ports(&closed)
            .timeout("5parsecs")
            .run(),
        &["5parsecs"],
    );
    assert_refused(
        &scan()
            .target("127.0.0.1")
            .ports(&closed)
            .connect_timeout("soon")
            .run(),
        &["soon"],
    );
}

#[test]
fn bad_option_values_are_usage_errors() {
    let closed = [closed_port()];
    let base = || scan().target("127.0.0.1").ports(&closed);
    assert_refused(&base().fail_on("severe").run(), &["severe"]);
    assert_refused(&base().vantage("sideways").run(), &["sideways"]);
    assert_refused(&base().format("pdf").run(), &["pdf"]);
    assert_refused(
        &base().args(["--resolver", "not-an-ip"]).run(),
        &["not-an-ip"],
    );
    assert_refused(
        &base().args(["--profile", "no-such-profile"]).run(),
        &["no-such-profile"],
    );
}

#[test]
fn an_unreadable_or_empty_trust_store_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-ca.pem");
    let run = tls()
        .target("127.0.0.1")
        .ports(&[closed_port()])
        .args(["--trust-store".to_string(), missing.display().to_string()])
        .run();
    assert_refused(&run, &["no-such-ca.pem"]);
    let junk = dir.path().join("junk-ca.pem");
    std::fs::write(&junk, "-----BEGIN NOTHING-----\n").expect("write junk");
    let run = scan()
        .target("127.0.0.1")
        .ports(&[closed_port()])
        .args(["--trust-store".to_string(), junk.display().to_string()])
        .run();
    assert_refused(&run, &["junk-ca.pem"]);
}

#[test]
fn a_scan_without_targets_is_a_usage_error() {
    assert_refused(&scan().ports(&[closed_port()]).run(), &[]);
}

#[test]
fn a_missing_targets_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("targets.txt");
    let run = scan()
        .arg("--targets-file")
        .arg(missing.display().to_string())
        .ports(&[closed_port()])
        .run();
    assert_refused(&run, &[]);
    run.assert_stderr_names_file(&missing);
}

#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    assert_refused(&edgeaudit(["frobnicate"]), &[]);
}

#[test]
fn a_closed_port_on_loopback_is_closed_and_nothing_is_wrong() {
    let closed = closed_port();
    let run = scan().target("127.0.0.1").ports(&[closed]).run();
    let report = run.json();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    assert_eq!(state(port(host, closed)), "closed", "{}", run.context());
    assert!(report::violations(&report).is_empty(), "{}", run.context());
    run.assert_exit(0);
}
