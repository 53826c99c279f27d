//! End to end: servers that misbehave (never answer, answer garbage, hang up at once) must not
//! stall the scan past its deadline, crash it, or be mistaken for a known service.
//!
//! These are deadline-correctness tests, not speed tests: the margin is generous.

mod harness;

use std::time::Duration;

use harness::report::{self, expected_exit, port, service, state, str_at};
use harness::run::{scan, TARGET_TIMEOUT_SECS};
use harness::{closed_port, Lab, LOOPBACK_V4};

/// Slack on top of `--timeout` for process start, resolution and report writing.
const MARGIN: Duration = Duration::from_secs(10);

#[test]
fn tarpit_garbage_and_hang_up_finish_within_the_deadline() {
    let tarpit = Lab::tarpit();
    let garbage = Lab::garbage();
    let hang_up = Lab::plain_listener();
    let closed = closed_port();

    let run = scan()
        .target("127.0.0.1")
        .ports(&[tarpit.port(), garbage.port(), hang_up.port(), closed])
        .run();
    run.assert_no_panic();
    let limit = Duration::from_secs(TARGET_TIMEOUT_SECS) + MARGIN;
    assert!(
        run.elapsed < limit,
        "scan took {:?}, deadline {limit:?}\n{}",
        run.elapsed,
        run.context()
    );
    let report = run.json();
    let ctx = run.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);

    let silent = port(host, tarpit.port());
    assert_eq!(state(silent), "open", "{ctx}");
    assert_eq!(service(silent)["status"], "timeout", "{ctx}");

    let noise = port(host, garbage.port());
    assert_eq!(state(noise), "open", "{ctx}");
    let svc = service(noise);
    assert_eq!(svc["kind"], "unknown", "{ctx}");
    assert_eq!(svc["status"], "unrecognised", "{ctx}");
    assert!(
        svc["banner"]["length"].as_u64().unwrap_or(0) > 0,
        "garbage kept as evidence\n{ctx}"
    );
    // The first garbage byte is 0xad, escaped as \xad.
    assert!(str_at(svc, "/banner/escaped").starts_with("\\xad"), "{ctx}");

    let rude = port(host, hang_up.port());
    assert_eq!(state(rude), "open", "{ctx}");
    assert_eq!(service(rude)["status"], "connection_closed", "{ctx}");

    assert_eq!(state(port(host, closed)), "closed", "{ctx}");
    assert!(matches!(run.code, Some(0 | 1 | 3)), "{ctx}");
    assert_eq!(run.code, Some(expected_exit(&report, "high")), "{ctx}");
}

#[test]
fn a_target_deadline_cuts_the_host_short_and_exits_3() {
    // Ten silent ports, one at a time, and two seconds for the whole target: the deadline must
    // hit before every tarpit has been waited on.
    let tarpits: Vec<_> = (0..10).map(|_| Lab::tarpit()).collect();
    let ports: Vec<u16> = tarpits.iter().map(|t| t.port()).collect();
    let run = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .timeout("2s")
        .args(["--per-host", "1", "--concurrency", "1"])
        .run();
    run.assert_no_panic();
    let limit = Duration::from_secs(2) + MARGIN;
    assert!(
        run.elapsed < limit,
        "scan took {:?}, deadline {limit:?}\n{}",
        run.elapsed,
        run.context()
    );
    let report = run.json();
    let ctx = run.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    assert!(
        host["incomplete"].as_str().is_some_and(|r| !r.is_empty()),
        "host not marked incomplete\n{ctx}"
    );
    // Every port is accounted for, and those never tried say so.
    for p in &ports {
        let s = state(port(host, *p));
        assert!(s == "open" || s == "not_tested", "port {p} is {s}\n{ctx}");
    }
    assert!(!report::has_violation_at_or_above(&report, "high"), "{ctx}");
    run.assert_exit(3);
}
