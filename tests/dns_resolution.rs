//! End to end: names resolved through the lab's dnsmasq (`--resolver 127.0.0.1:PORT`), every
//! address audited, and a name that does not exist reported as not tested.

mod harness;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};

use harness::dns::{self, Zone};
use harness::report::{self, array_at, expected_exit, port, state, str_at};
use harness::run::{scan, Run};
use harness::{closed_port, Lab, Server, LOOPBACK_V4, LOOPBACK_V6};
use serde_json::Value;

fn addresses(value: &Value, pointer: &str) -> BTreeSet<IpAddr> {
    array_at(value, pointer)
        .iter()
        .map(|a| {
            a.as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("bad address {a}"))
        })
        .collect()
}

fn set(addrs: &[IpAddr]) -> BTreeSet<IpAddr> {
    addrs.iter().copied().collect()
}

/// Scans `name` through `resolver` on the listener's port and a closed one.
fn scan_name(resolver: &Server, name: &str, listener: &Server) -> (Run, Value) {
    let run = scan()
        .target(name)
        .ports(&[listener.port(), closed_port()])
        .resolver(resolver.addr())
        .run();
    let report = run.json();
    (run, report)
}

/// Checks the `resolved` record of a target.
fn assert_resolved(
    target: &Value,
    name: &str,
    resolver: SocketAddr,
    v4: &[IpAddr],
    v6: &[IpAddr],
    ctx: &str,
) {
    assert_eq!(str_at(target, "/resolution/kind"), "resolved", "{ctx}");
    assert_eq!(
        str_at(target, "/resolution/name").trim_end_matches('.'),
        name,
        "{ctx}"
    );
    assert!(
        str_at(target, "/resolution/resolver").contains(&resolver.port().to_string()),
        "resolution.resolver does not name the lab resolver {resolver}\n{ctx}"
    );
    assert_eq!(addresses(target, "/resolution/ipv4"), set(v4), "{ctx}");
    assert_eq!(addresses(target, "/resolution/ipv6"), set(v6), "{ctx}");
}

#[test]
fn every_a_record_of_a_name_is_audited() {
    let resolver = Lab::dnsmasq(&Zone::lab());
    let [a, b] = dns::MULTI_V4.map(IpAddr::V4);
    let listener = Lab::plain_listener_on(&[a, b]);
    let (run, report) = scan_name(&resolver, dns::MULTI, &listener);
    let ctx = run.context();

    let target = report::target(&report, dns::MULTI);
    assert_resolved(target, dns::MULTI, resolver.addr(), &[a, b], &[], &ctx);
    assert_eq!(
        report::host_addresses(target),
        set(&[a, b]),
        "two hosts expected\n{ctx}"
    );
    for address in [a, b] {
        let host = report::host(target, address);
        assert_eq!(state(port(host, listener.port())), "open", "{ctx}");
        assert_eq!(str_at(host, "/vantage"), "inside");
    }
    run.assert_exit(expected_exit(&report, "high"));
}

#[test]
fn an_aaaa_only_name_is_audited_on_ipv6() {
    harness::require_ipv6_loopback();
    let resolver = Lab::dnsmasq(&Zone::lab());
    let listener = Lab::plain_listener_on(&[LOOPBACK_V6]);
    let (run, report) = scan_name(&resolver, dns::V6ONLY, &listener);
    let ctx = run.context();

    let target = report::target(&report, dns::V6ONLY);
    assert_resolved(
        target,
        dns::V6ONLY,
        resolver.addr(),
        &[],
        &[LOOPBACK_V6],
        &ctx,
    );
    assert_eq!(
        report::host_addresses(target),
        set(&[LOOPBACK_V6]),
        "only ::1\n{ctx}"
    );
    let host = report::host(target, LOOPBACK_V6);
    assert_eq!(state(port(host, listener.port())), "open", "{ctx}");
    run.assert_exit(expected_exit(&report, "high"));
}

#[test]
fn a_name_with_a_and_aaaa_is_audited_on_both_families() {
    harness::require_ipv6_loopback();
    let resolver = Lab::dnsmasq(&Zone::lab());
    let listener = Lab::plain_listener_on(&[LOOPBACK_V4, LOOPBACK_V6]);
    let (run, report) = scan_name(&resolver, dns::BOTH, &listener);
    let ctx = run.context();

    let target = report::target(&report, dns::BOTH);
    assert_resolved(
        target,
        dns::BOTH,
        resolver.addr(),
        &[LOOPBACK_V4],
        &[LOOPBACK_V6],
        &ctx,
    );
    assert_eq!(
        report::host_addresses(target),
        set(&[LOOPBACK_V4, LOOPBACK_V6]),
        "{ctx}"
    );
    for address in [LOOPBACK_V4, LOOPBACK_V6] {
        assert_eq!(
            state(port(report::host(target, address), listener.port())),
            "open",
            "{ctx}"
        );
    }
    run.assert_exit(expected_exit(&report, "high"));
}

#[test]
fn a_name_that_does_not_exist_is_not_tested_and_the_rest_still_runs() {
    let resolver = Lab::dnsmasq(&Zone::lab());
    let listener = Lab::plain_listener();
    let run = scan()
        .target(dns::NX)
        .target("127.0.0.1")
        .ports(&[listener.port()])
        .resolver(resolver.addr())
        .run();
    let report = run.json();
    let ctx = run.context();

    let nx = report::target(&report, dns::NX);
    assert_eq!(str_at(nx, "/resolution/kind"), "failed", "{ctx}");
    assert_eq!(
        str_at(nx, "/resolution/name").trim_end_matches('.'),
        dns::NX
    );
    assert!(!str_at(nx, "/resolution/reason").is_empty(), "{ctx}");
    assert!(
        report::hosts(nx).is_empty(),
        "an unresolved name has no hosts\n{ctx}"
    );
    let untested: Vec<_> = report::not_tested(&report)
        .into_iter()
        .filter(|f| f["location"]["target"] == dns::NX)
        .collect();
    assert!(
        !untested.is_empty(),
        "no not_tested finding for {}\n{ctx}",
        dns::NX
    );
    for finding in untested {
        harness::rules::assert_well_formed(finding);
    }

    // The other target was scanned all the same.
    let other = report::target(&report, "127.0.0.1");
    assert_eq!(
        state(port(report::host(other, LOOPBACK_V4), listener.port())),
        "open",
        "{ctx}"
    );

    assert!(!report::has_violation_at_or_above(&report, "high"), "{ctx}");
    run.assert_exit(3);
}

#[test]
fn all_lab_names_in_one_run() {
    harness::require_ipv6_loopback();
    let resolver = Lab::dnsmasq(&Zone::lab());
    let [a, b] = dns::MULTI_V4.map(IpAddr::V4);
    let listener = Lab::plain_listener_on(&[LOOPBACK_V4, LOOPBACK_V6, a, b]);
    let run = scan()
        .target(dns::MULTI)
        .target(dns::V6ONLY)
        .target(dns::BOTH)
        .target(dns::NX)
        .ports(&[listener.port()])
        .resolver(resolver.addr())
        .run();
    let report = run.json();
    let ctx = run.context();
    let expected: [(&str, Vec<IpAddr>); 4] = [
        (dns::MULTI, vec![a, b]),
        (dns::V6ONLY, vec![LOOPBACK_V6]),
        (dns::BOTH, vec![LOOPBACK_V4, LOOPBACK_V6]),
        (dns::NX, vec![]),
    ];
    for (name, addrs) in expected {
        let target = report::target(&report, name);
        assert_eq!(report::host_addresses(target), set(&addrs), "{name}\n{ctx}");
        for address in addrs {
            assert_eq!(
                state(port(report::host(target, address), listener.port())),
                "open",
                "{name} {address}\n{ctx}"
            );
        }
    }
    assert!(!report::has_violation_at_or_above(&report, "high"), "{ctx}");
    run.assert_exit(3);
}
