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

// ---------------------------------------------------------------------------------------------
// SMB
// ---------------------------------------------------------------------------------------------

#[test]
fn smb_default_samba_refuses_smb1_and_lists_every_smb2_dialect() {
    let server = harness::smbd::smbd("default", &[]);
    let audit = rt().block_on(edgeaudit::probe::smb::audit_smb(server.addr(), deadline()));
    assert_eq!(audit.smb1_accepted, Some(false), "{audit:?}");
    assert_eq!(audit.dialects, ["3.1.1", "3.0.2", "3.0", "2.1", "2.0.2"]);
    assert!(audit.dialects_complete);
    assert_eq!(audit.signing_enabled, Some(true));
    assert_eq!(audit.signing_required, Some(false));
    assert_eq!(audit.preauth_hashes, ["SHA-512"]);
    assert_eq!(audit.encryption_ciphers, ["AES-128-GCM"]);
    assert_eq!(audit.signing_algorithms, ["AES-GMAC"]);
    assert_eq!(
        audit.capabilities,
        [
            "SMB2_GLOBAL_CAP_DFS",
            "SMB2_GLOBAL_CAP_LEASING",
            "SMB2_GLOBAL_CAP_LARGE_MTU",
            "SMB2_GLOBAL_CAP_MULTI_CHANNEL"
        ]
    );
    // Samba derives its GUID from the NetBIOS name ("edgelab").
    assert_eq!(
        audit.server_guid.as_deref(),
        Some("65676465-616c-0062-0000-000000000000")
    );
    assert_eq!(audit.multi_protocol_answer.as_deref(), Some("smb2:0x02ff"));
    assert_eq!(audit.connections, 7);
    assert_eq!(
        audit.notes,
        [
            "SMB1 NEGOTIATE (NT LM 0.12 only): SMB1 response accepting none of the offered \
          dialects (DialectIndex 0xFFFF)"
        ]
    );
}

#[test]
fn smb_nt1_samba_accepts_smb1() {
    let server = harness::smbd::smbd("nt1", &["server min protocol = NT1"]);
    let audit = rt().block_on(edgeaudit::probe::smb::audit_smb(server.addr(), deadline()));
    assert_eq!(audit.smb1_accepted, Some(true), "{audit:?}");
    // Offered SMB 2.??? too, Samba still switches to SMB2.
    assert_eq!(audit.multi_protocol_answer.as_deref(), Some("smb2:0x02ff"));
    assert_eq!(audit.dialects, ["3.1.1", "3.0.2", "3.0", "2.1", "2.0.2"]);
    assert!(audit.notes.is_empty(), "{audit:?}");
}

#[test]
fn smb_mandatory_signing_and_smb3_only() {
    let server = harness::smbd::smbd(
        "signing",
        &[
            "server signing = mandatory",
            "server min protocol = SMB3_00",
        ],
    );
    let audit = rt().block_on(edgeaudit::probe::smb::audit_smb(server.addr(), deadline()));
    assert_eq!(audit.signing_required, Some(true), "{audit:?}");
    assert_eq!(audit.signing_enabled, Some(true));
    assert_eq!(audit.dialects, ["3.1.1", "3.0.2", "3.0"]);
    assert!(audit.dialects_complete);
    assert_eq!(audit.smb1_accepted, Some(false));
    assert_eq!(
        audit.notes.last().map(String::as_str),
        Some("SMB2 NEGOTIATE offering 2.0.2, 2.1: NEGOTIATE failed with NTSTATUS 0xc00000bb")
    );
}

// ---------------------------------------------------------------------------------------------
// SSDP (closed and silent ports; a real responder, minissdpd, in tests/ssdp_real.rs)
// ---------------------------------------------------------------------------------------------

#[test]
fn ssdp_closed_and_silent_ports() {
    let addr = std::net::SocketAddr::new(harness::LOOPBACK_V4, harness::closed_port());
    let audit = rt().block_on(edgeaudit::probe::ssdp::ssdp_search(addr, deadline()));
    assert!(!audit.answered);
    assert_eq!(
        audit.notes,
        ["ICMP port unreachable (nothing listens on the port)"]
    );
    // A bound socket that never answers: silence until the deadline.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let started = std::time::Instant::now();
    let audit = rt().block_on(edgeaudit::probe::ssdp::ssdp_search(
        silent.local_addr().unwrap(),
        Instant::now() + Duration::from_millis(400),
    ));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!audit.answered);
    assert!(audit.notes[0].starts_with("no answer before the deadline"));
}

// ---------------------------------------------------------------------------------------------
// Drivers inside a scan: slots, budget and the target deadline apply
// ---------------------------------------------------------------------------------------------

fn ctx(budget: usize) -> edgeaudit::probe::HostContext {
    use edgeaudit::probe::{ConnectionBudget, HostContext, ProbeConfig};
    use std::sync::Arc;
    use tokio::sync::Semaphore;
    HostContext {
        address: harness::LOOPBACK_V4,
        hostname: None,
        config: ProbeConfig::default(),
        global_slots: Arc::new(Semaphore::new(8)),
        host_slots: Arc::new(Semaphore::new(2)),
        budget: Arc::new(ConnectionBudget::new(budget)),
        deadline: deadline(),
        on_port_done: Arc::new(|| {}),
    }
}

#[test]
fn drivers_in_a_scan_context_spend_the_hosts_budget() {
    let vnc = harness::vnc::xvnc("None");
    let smb = harness::smbd::smbd("budget", &[]);
    let snmp = harness::snmpd::snmpd("public");
    let rt = rt();

    let c = ctx(4);
    let audit = rt.block_on(edgeaudit::probe::vnc::audit_vnc_in(&c, vnc.port()));
    assert_eq!(audit.no_auth, Some(true));
    assert_eq!(c.budget.remaining(), 3);

    // Three connections left: both SMB1 probes and one SMB2 round, then the budget is out.
    let audit = rt.block_on(edgeaudit::probe::smb::audit_smb_in(&c, smb.port()));
    assert_eq!(audit.connections, 3, "{audit:?}");
    assert_eq!(audit.dialects, ["3.1.1"]);
    assert!(!audit.dialects_complete);
    assert!(
        audit
            .notes
            .last()
            .is_some_and(|n| n.ends_with("connection budget exhausted")),
        "{audit:?}"
    );
    assert_eq!(c.budget.remaining(), 0);
    let audit = rt.block_on(edgeaudit::probe::vnc::audit_vnc_in(&c, vnc.port()));
    assert_eq!(
        audit.notes,
        ["VNC audit not run: connection budget exhausted"]
    );

    // SNMP takes slots, not connections.
    let audit = rt.block_on(edgeaudit::probe::snmp::audit_snmp_in(&c, snmp.port()));
    assert_eq!(audit.v2c_public, Some(true));
    assert_eq!(c.host_slots.available_permits(), 2);

    // Past the target deadline nothing starts.
    let mut late = ctx(10);
    late.deadline = Instant::now();
    let audit = rt.block_on(edgeaudit::probe::smb::audit_smb_in(&late, smb.port()));
    assert_eq!(audit.connections, 0);
    assert_eq!(audit.smb1_accepted, None);
    assert!(audit.dialects.is_empty());
    let audit = rt.block_on(edgeaudit::probe::snmp::audit_snmp_in(&late, snmp.port()));
    assert_eq!(
        (audit.v1_public, audit.v2c_public),
        (None, None),
        "{audit:?}"
    );
}
