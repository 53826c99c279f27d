//! End to end: a port whose packets are dropped is `filtered`, not `closed` or `open`.
//!
//! Loopback in the main namespace always answers, so the test makes a network namespace of its
//! own, drops TCP to one port on that namespace's loopback with nftables, and runs the real binary
//! inside it. Traffic never leaves the namespace.

mod harness;

use harness::find_binary;
use harness::netns::Namespace;
use harness::report::{self, state, str_at};
use harness::run::scan;
use harness::LOOPBACK_V4;

const DROPPED_PORT: u16 = 9;
const REFUSED_PORT: u16 = 10;

#[test]
fn dropped_port_is_filtered_and_refused_port_is_closed() {
    let nft = find_binary("nft", "nftables");
    let ns = Namespace::create("filtered");
    let ruleset = format!(
        "add table inet edgeaudit_test; \
         add chain inet edgeaudit_test input {{ type filter hook input priority 0; }}; \
         add rule inet edgeaudit_test input tcp dport {DROPPED_PORT} drop"
    );
    ns.exec_checked(&nft, &[&ruleset]);

    let scan_args = scan()
        .target("127.0.0.1")
        .ports(&[DROPPED_PORT, REFUSED_PORT])
        .connect_timeout("1s")
        .command_line();
    let run = ns.edgeaudit(scan_args);
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
