//! The VNC, SMB, SNMP and SSDP probes against real servers on loopback (issue 4): exact
//! observations for each server configuration.

mod harness;

use std::time::Duration;

use edgeaudit::observation::VncAudit;
use edgeaudit::probe::vnc::audit_vnc;
use tokio::time::Instant;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(10)
}

fn vnc_types(audit: &VncAudit) -> Vec<(u32, &str)> {
    audit
        .security_types
        .iter()
        .map(|t| (t.code, t.name.as_str()))
        .collect()
}

#[test]
fn vnc_without_authentication_offers_none() {
    let server = harness::vnc::xvnc("None");
    let audit = rt().block_on(audit_vnc(server.addr(), deadline()));
    assert_eq!(
        audit.protocol_version.as_deref(),
        Some("003.008"),
        "{audit:?}"
    );
    assert_eq!(audit.negotiated_version.as_deref(), Some("3.8"));
    assert_eq!(vnc_types(&audit), [(1, "None")]);
    assert_eq!(audit.no_auth, Some(true));
    assert_eq!(audit.failure_reason, None);
    assert!(audit.notes.is_empty(), "{audit:?}");
}

#[test]
fn vnc_with_password_offers_vnc_authentication_only() {
    let server = harness::vnc::xvnc("VncAuth");
    let audit = rt().block_on(audit_vnc(server.addr(), deadline()));
    assert_eq!(vnc_types(&audit), [(2, "VNC Authentication")], "{audit:?}");
    assert_eq!(audit.no_auth, Some(false));
}

#[test]
fn vnc_lists_every_offered_type_in_the_servers_order() {
    // TigerVNC announces each VeNCrypt sub-type's outer type, so VeNCrypt appears twice.
    let server = harness::vnc::xvnc("VeNCrypt,TLSNone,VncAuth,None");
    let audit = rt().block_on(audit_vnc(server.addr(), deadline()));
    assert_eq!(
        vnc_types(&audit),
        [
            (19, "VeNCrypt"),
            (19, "VeNCrypt"),
            (2, "VNC Authentication"),
            (1, "None")
        ],
        "{audit:?}"
    );
    assert_eq!(audit.no_auth, Some(true));
}

#[test]
fn vnc_audit_of_a_closed_port_says_why() {
    let port = harness::closed_port();
    let addr = std::net::SocketAddr::new(harness::LOOPBACK_V4, port);
    let audit = rt().block_on(audit_vnc(addr, deadline()));
    assert_eq!(audit.no_auth, None);
    assert!(audit.security_types.is_empty());
    assert!(
        audit.notes[0].starts_with("VNC audit not run: connect"),
        "{audit:?}"
    );
}

#[test]
fn vnc_audit_of_a_silent_server_ends_at_the_deadline() {
    let server = harness::Lab::tarpit();
    let started = std::time::Instant::now();
    let audit = rt().block_on(audit_vnc(
        server.addr(),
        Instant::now() + Duration::from_millis(300),
    ));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(audit.no_auth, None);
    assert!(audit.notes[0].contains("before the deadline"), "{audit:?}");
}

// ---------------------------------------------------------------------------------------------
// SNMP
// ---------------------------------------------------------------------------------------------

#[test]
fn snmp_public_community_answers_both_versions_with_sys_descr() {
    let server = harness::snmpd::snmpd("public");
    let audit = rt().block_on(edgeaudit::probe::snmp::audit_snmp(
        server.addr(),
        deadline(),
    ));
    assert_eq!(
        audit,
        edgeaudit::observation::SnmpAudit {
            v1_public: Some(true),
            v2c_public: Some(true),
            sys_descr: Some(harness::snmpd::SYS_DESCR.into()),
            notes: vec![],
        }
    );
}

#[test]
fn snmp_other_community_is_silence_not_a_pass() {
    let server = harness::snmpd::snmpd("n0t-publ1c");
    let started = std::time::Instant::now();
    let audit = rt().block_on(edgeaudit::probe::snmp::audit_snmp_with(
        server.addr(),
        deadline(),
        Duration::from_millis(900),
    ));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "each version is bounded"
    );
    assert_eq!(audit.v1_public, Some(false), "{audit:?}");
    assert_eq!(audit.v2c_public, Some(false));
    assert_eq!(audit.sys_descr, None);
    assert_eq!(audit.notes.len(), 2);
    assert!(
        audit.notes[0].starts_with("SNMPv1: no answer to community \"public\" after 3 attempts"),
        "{audit:?}"
    );
}

#[test]
fn snmp_closed_port_is_told_by_icmp() {
    // Nothing binds this UDP port (the harness reserved it for TCP in this process).
    let addr = std::net::SocketAddr::new(harness::LOOPBACK_V4, harness::closed_port());
    let audit = rt().block_on(edgeaudit::probe::snmp::audit_snmp(addr, deadline()));
    assert_eq!(audit.v1_public, Some(false));
    assert_eq!(audit.v2c_public, Some(false));
    assert!(
        audit.notes[0].contains("ICMP port unreachable"),
        "{audit:?}"
    );
}
