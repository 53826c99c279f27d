//! The SSDP probe (`edgeaudit::probe::ssdp::ssdp_search`) against a real UPnP stack: Debian's
//! minissdpd 1.6 (package `minissdpd`, see `harness::minissdpd`).
//!
//! minissdpd binds UDP 1900 on every address and needs a multicast-capable interface, so each
//! test makes a network namespace of its own with a veth pair (`ssdp0`, 10.0.0.1/24, and its
//! peer `ssdp1`; the private address exists only inside that namespace and no packet leaves
//! it), starts minissdpd on `ssdp0` and registers services through its unix socket. The probe
//! must run in the same namespace: the test binary runs itself again under `ip netns exec NS`
//! with only the hidden test [`probe_child`] selected and the target in [`TARGET_VAR`]; the child
//! prints the `SsdpAudit` as one JSON line, which the parent reads back.

mod harness;

use std::collections::BTreeSet;
use std::time::Duration;

use edgeaudit::observation::{SsdpAudit, SsdpResponse};
use harness::minissdpd::{push_string, Minissdpd, Service};
use harness::netns::Namespace;

const TARGET_VAR: &str = "EDGEAUDIT_SSDP_TARGET";
const MARK: &str = "SSDPAUDIT-JSON:";
const IFACE: &str = "ssdp0";
const PEER: &str = "ssdp1";
const ADDRESS: &str = "10.0.0.1";
/// Whole-probe deadline inside the child (the probe itself listens 2 s).
const PROBE_SECONDS: u64 = 10;

/// The hidden half: runs only when the parent sets [`TARGET_VAR`].
#[test]
#[ignore = "runs inside a namespace, started by the other tests"]
fn probe_child() {
    let Ok(target) = std::env::var(TARGET_VAR) else {
        return;
    };
    let addr = target.parse().expect("target address");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let audit = rt.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(PROBE_SECONDS);
        edgeaudit::probe::ssdp::ssdp_search(addr, deadline).await
    });
    println!("{MARK}{}", serde_json::to_string(&audit).expect("json"));
}

/// A namespace with `ssdp0` (10.0.0.1/24, multicast on) and its veth peer, both up.
fn lab_namespace(tag: &str) -> Namespace {
    let ns = Namespace::create(tag);
    ns.exec_checked(
        "ip",
        &["link", "add", IFACE, "type", "veth", "peer", "name", PEER],
    );
    ns.exec_checked("ip", &["link", "set", IFACE, "multicast", "on", "up"]);
    ns.exec_checked("ip", &["link", "set", PEER, "up"]);
    ns.exec_checked(
        "ip",
        &["addr", "add", &format!("{ADDRESS}/24"), "dev", IFACE],
    );
    ns
}

/// Runs [`probe_child`] inside `ns` against `target` and returns its audit.
fn search_in(ns: &Namespace, target: &str, daemon: &Minissdpd) -> SsdpAudit {
    ns.run_child_test("probe_child", MARK, &[(TARGET_VAR, target)], || {
        format!("minissdpd log:\n{}", daemon.log())
    })
}

const UUID: &str = "uuid:5f0e2b7c-edge-4a1d-9c3e-0123456789ab";
const SERVER: &str = "Debian/12 UPnP/1.1 edgeaudit-lab/1.0";
const LOCATION: &str = "http://10.0.0.1:5000/rootDesc.xml";
const IGD: &str = "urn:schemas-upnp-org:device:InternetGatewayDevice:1";

fn service(st: &str) -> Service {
    Service {
        st: st.into(),
        usn: format!("{UUID}::{st}"),
        server: SERVER.into(),
        location: LOCATION.into(),
    }
}

fn expected(st: &str) -> SsdpResponse {
    SsdpResponse {
        server: Some(SERVER.into()),
        st: Some(st.into()),
        usn: Some(format!("{UUID}::{st}")),
        location: Some(LOCATION.into()),
    }
}

#[test]
fn minissdpd_answers_every_registered_service() {
    let ns = lab_namespace("ssdp");
    let mut daemon = Minissdpd::start(&ns, IFACE);
    daemon.register(&service("upnp:rootdevice"));
    daemon.register(&service(IGD));
    let audit = search_in(&ns, &format!("{ADDRESS}:1900"), &daemon);
    let log = daemon.log();
    assert!(audit.answered, "{audit:?}\n{log}");
    assert!(audit.notes.is_empty(), "{audit:?}");
    // One answer per registered service for ST: ssdp:all, in any order.
    let got: BTreeSet<_> = audit.responses.iter().map(|r| format!("{r:?}")).collect();
    let want: BTreeSet<_> = [expected("upnp:rootdevice"), expected(IGD)]
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
    assert_eq!(audit.responses.len(), 2, "{audit:?}\n{log}");
    assert_eq!(got, want);
    // minissdpd saw our unicast search (its debug log names the request and its source).
    assert!(log.contains("SSDP M-SEARCH from 10.0.0.1:"), "{log}");
    assert!(log.contains("ST:ssdp:all"), "{log}");
}

#[test]
fn minissdpd_without_services_is_silent() {
    // minissdpd listens but knows no service: it answers nothing, which the probe reports as
    // silence (not a refusal: something is bound to UDP 1900).
    let ns = lab_namespace("ssdp-empty");
    let daemon = Minissdpd::start(&ns, IFACE);
    let audit = search_in(&ns, &format!("{ADDRESS}:1900"), &daemon);
    assert!(!audit.answered, "{audit:?}");
    assert!(audit.responses.is_empty());
    assert_eq!(audit.notes.len(), 1, "{audit:?}");
    assert!(
        audit.notes[0].starts_with("no answer before the deadline"),
        "{audit:?}"
    );
    let log = daemon.log();
    assert!(log.contains("SSDP M-SEARCH from 10.0.0.1:"), "{log}");
}

#[test]
fn minissdpd_length_prefix() {
    // The socket protocol's length prefix (codelength.h): 7 bits a byte, high bit = more.
    let mut v = Vec::new();
    push_string(&mut v, b"ab");
    assert_eq!(v, b"\x02ab");
    let mut v = Vec::new();
    push_string(&mut v, &[b'x'; 200]);
    assert_eq!(&v[..2], &[0x81, 0x48]);
    assert_eq!(v.len(), 202);
}
