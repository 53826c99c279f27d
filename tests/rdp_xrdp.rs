//! The RDP audit (`probe::rdp::audit`) against real xrdp 0.9 servers on loopback, one per
//! `security_layer` / `crypt_level` configuration (tests/harness/xrdp.rs). xrdp has no CredSSP,
//! so every xrdp server here must come out with `nla_required: false`, and a CredSSP request
//! answered with Standard RDP Security must never count as CredSSP accepted. One real NLA server
//! completes the picture: FreeRDP's shadow server with `/sec:nla` (tests/harness/freerdp.rs).

mod harness;

use std::time::Duration;

use edgeaudit::observation::{RdpAudit, RdpNegotiationOutcome};
use edgeaudit::probe::rdp::audit::{audit_rdp, open_tls_ready_stream, RdpError};
use edgeaudit::probe::rdp::wire::Protocols;
use harness::freerdp::shadow_nla;
use harness::xrdp::{xrdp, CryptLevel, SecurityLayer, XRDP_CERT_CN};
use tokio::time::Instant;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn audit(layer: SecurityLayer, crypt: CryptLevel) -> RdpAudit {
    let server = xrdp(layer, crypt);
    let deadline = Instant::now() + Duration::from_secs(30);
    let audit = rt().block_on(audit_rdp(server.addr(), deadline));
    eprintln!(
        "{layer:?}/{crypt:?}: {}",
        serde_json::to_string_pretty(&audit).unwrap()
    );
    audit
}

/// `selected:<p>` / `failure:<code>` per tested protocol, in the order sent.
fn outcomes(audit: &RdpAudit) -> Vec<(String, String)> {
    audit
        .negotiations
        .iter()
        .map(|n| {
            let o = match &n.outcome {
                RdpNegotiationOutcome::Selected { protocol, .. } => format!("selected:{protocol}"),
                RdpNegotiationOutcome::Failure { code } => format!("failure:{code}"),
                RdpNegotiationOutcome::NoNegotiation => "no_negotiation".into(),
                RdpNegotiationOutcome::Error { error } => format!("error:{error}"),
            };
            (n.protocol.clone(), o)
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// xrdp with `security_layer=rdp` answers every request, TLS and CredSSP included, by selecting
/// Standard RDP Security.
const RDP_ONLY: [(&str, &str); 5] = [
    ("PROTOCOL_RDP", "selected:PROTOCOL_RDP"),
    ("PROTOCOL_SSL", "selected:PROTOCOL_RDP"),
    ("PROTOCOL_HYBRID", "selected:PROTOCOL_RDP"),
    ("PROTOCOL_HYBRID_EX", "selected:PROTOCOL_RDP"),
    ("PROTOCOL_RDSTLS", "selected:PROTOCOL_RDP"),
];

fn assert_standard_only(audit: &RdpAudit, method: &str, level: &str) {
    assert_eq!(outcomes(audit), pairs(&RDP_ONLY));
    assert_eq!(audit.connections, 5);
    assert_eq!(audit.accepted, ["PROTOCOL_RDP"]);
    assert_eq!(audit.standard_rdp_security_allowed, Some(true));
    assert_eq!(audit.nla_required, Some(false));
    assert_eq!(audit.server_flags, ["EXTENDED_CLIENT_DATA_SUPPORTED"]);
    let sec = audit.standard_security.as_ref().expect("standard security");
    assert_eq!(sec.encryption_method, method);
    assert_eq!(sec.encryption_level, level);
    assert_eq!(sec.server_version.as_deref(), Some("0x00080004"));
    assert_eq!(sec.server_random_len, 32);
    assert!(sec.server_certificate_len > 0);
    assert_eq!(sec.server_certificate_type.as_deref(), Some("proprietary"));
    assert!(audit.tls.is_none());
    assert!(audit.ntlm.is_none());
    // The nmap rdp-enum-encryption false positive: CredSSP "answered" with Standard RDP Security.
    assert!(audit
        .notes
        .iter()
        .any(|n| n.starts_with("requested PROTOCOL_HYBRID, the server selected PROTOCOL_RDP")));
}

#[test]
fn rdp_layer_low() {
    let a = audit(SecurityLayer::Rdp, CryptLevel::Low);
    assert_standard_only(&a, "ENCRYPTION_METHOD_40BIT", "ENCRYPTION_LEVEL_LOW");
}

#[test]
fn rdp_layer_medium() {
    // xrdp's "medium" is ENCRYPTION_LEVEL_CLIENT_COMPATIBLE; offered every method, it picks 40-bit.
    let a = audit(SecurityLayer::Rdp, CryptLevel::Medium);
    assert_standard_only(
        &a,
        "ENCRYPTION_METHOD_40BIT",
        "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE",
    );
}

#[test]
fn rdp_layer_high() {
    let a = audit(SecurityLayer::Rdp, CryptLevel::High);
    assert_standard_only(&a, "ENCRYPTION_METHOD_128BIT", "ENCRYPTION_LEVEL_HIGH");
}

#[test]
fn rdp_layer_fips() {
    let a = audit(SecurityLayer::Rdp, CryptLevel::Fips);
    assert_standard_only(&a, "ENCRYPTION_METHOD_FIPS", "ENCRYPTION_LEVEL_FIPS");
}

fn assert_tls_certificate(audit: &RdpAudit) {
    let tls = audit.tls.as_ref().expect("TLS facts");
    assert_eq!(tls.rdp_protocol, "PROTOCOL_SSL");
    assert_eq!(tls.handshake_error, None);
    // xrdp.ini says ssl_protocols=TLSv1.2, TLSv1.3; rustls prefers 1.3.
    assert_eq!(tls.version.as_deref(), Some("TLSv1.3"));
    let cert = tls.certificate.as_ref().expect("certificate");
    assert_eq!(cert.subject, format!("CN={XRDP_CERT_CN}"));
    assert_eq!(cert.issuer, cert.subject);
    assert!(cert.self_signed);
    assert_eq!(cert.key_type, "RSA");
    assert_eq!(cert.key_bits, Some(2048));
}

#[test]
fn tls_layer() {
    let a = audit(SecurityLayer::Tls, CryptLevel::High);
    assert_eq!(
        outcomes(&a),
        pairs(&[
            ("PROTOCOL_RDP", "failure:SSL_REQUIRED_BY_SERVER"),
            ("PROTOCOL_SSL", "selected:PROTOCOL_SSL"),
            ("PROTOCOL_HYBRID", "failure:SSL_REQUIRED_BY_SERVER"),
            ("PROTOCOL_HYBRID_EX", "failure:SSL_REQUIRED_BY_SERVER"),
            ("PROTOCOL_RDSTLS", "failure:SSL_REQUIRED_BY_SERVER"),
        ])
    );
    assert_eq!(a.accepted, ["PROTOCOL_SSL"]);
    assert_eq!(a.standard_rdp_security_allowed, Some(false));
    assert_eq!(a.nla_required, Some(false));
    assert_eq!(
        a.nla_evidence.as_deref(),
        Some("PROTOCOL_RDP: failure:SSL_REQUIRED_BY_SERVER; PROTOCOL_SSL: selected:PROTOCOL_SSL")
    );
    assert!(a.standard_security.is_none());
    assert_tls_certificate(&a);
    assert!(a.ntlm.is_none());
}

#[test]
fn negotiate_layer() {
    let a = audit(SecurityLayer::Negotiate, CryptLevel::High);
    assert_eq!(
        outcomes(&a),
        pairs(&[
            ("PROTOCOL_RDP", "selected:PROTOCOL_RDP"),
            ("PROTOCOL_SSL", "selected:PROTOCOL_SSL"),
            ("PROTOCOL_HYBRID", "selected:PROTOCOL_RDP"),
            ("PROTOCOL_HYBRID_EX", "selected:PROTOCOL_RDP"),
            ("PROTOCOL_RDSTLS", "selected:PROTOCOL_RDP"),
        ])
    );
    assert_eq!(a.accepted, ["PROTOCOL_RDP", "PROTOCOL_SSL"]);
    assert_eq!(a.standard_rdp_security_allowed, Some(true));
    assert_eq!(a.nla_required, Some(false));
    let sec = a.standard_security.as_ref().expect("standard security");
    assert_eq!(sec.encryption_method, "ENCRYPTION_METHOD_128BIT");
    assert_eq!(sec.encryption_level, "ENCRYPTION_LEVEL_HIGH");
    assert_tls_certificate(&a);
    assert!(a.ntlm.is_none());
}

#[test]
fn tls_ready_stream_only_when_tls_is_selected() {
    let tls = xrdp(SecurityLayer::Tls, CryptLevel::High);
    let rdp = xrdp(SecurityLayer::Rdp, CryptLevel::High);
    rt().block_on(async {
        let deadline = Instant::now() + Duration::from_secs(10);
        let stream = open_tls_ready_stream(tls.addr(), Protocols::SSL, deadline)
            .await
            .expect("TLS-ready stream");
        assert_eq!(stream.peer_addr().unwrap(), tls.addr());
        match open_tls_ready_stream(rdp.addr(), Protocols::SSL, deadline).await {
            Err(RdpError::NotTlsReady { requested, outcome }) => {
                assert_eq!(requested, "PROTOCOL_SSL");
                assert_eq!(outcome, "selected:PROTOCOL_RDP");
            }
            other => panic!("expected NotTlsReady, got {other:?}"),
        }
        match open_tls_ready_stream(tls.addr(), Protocols::HYBRID, deadline).await {
            Err(RdpError::NotTlsReady { outcome, .. }) => {
                assert_eq!(outcome, "failure:SSL_REQUIRED_BY_SERVER")
            }
            other => panic!("expected NotTlsReady, got {other:?}"),
        }
    });
}

#[test]
fn freerdp_shadow_requires_nla_and_names_itself_in_ntlm() {
    let server = shadow_nla();
    let deadline = Instant::now() + Duration::from_secs(30);
    let a = rt().block_on(audit_rdp(server.addr(), deadline));
    eprintln!("{}", serde_json::to_string_pretty(&a).unwrap());
    assert_eq!(
        outcomes(&a),
        pairs(&[
            ("PROTOCOL_RDP", "failure:HYBRID_REQUIRED_BY_SERVER"),
            ("PROTOCOL_SSL", "failure:HYBRID_REQUIRED_BY_SERVER"),
            ("PROTOCOL_HYBRID", "selected:PROTOCOL_HYBRID"),
            // FreeRDP 2 has no Early User Authorization: HYBRID out of HYBRID|HYBRID_EX.
            ("PROTOCOL_HYBRID_EX", "selected:PROTOCOL_HYBRID"),
            ("PROTOCOL_RDSTLS", "failure:HYBRID_REQUIRED_BY_SERVER"),
        ])
    );
    assert_eq!(a.accepted, ["PROTOCOL_HYBRID"]);
    assert_eq!(a.standard_rdp_security_allowed, Some(false));
    assert_eq!(a.nla_required, Some(true));
    assert_eq!(
        a.nla_evidence.as_deref(),
        Some(
            "PROTOCOL_RDP: failure:HYBRID_REQUIRED_BY_SERVER; \
             PROTOCOL_SSL: failure:HYBRID_REQUIRED_BY_SERVER; CredSSP accepted"
        )
    );
    assert!(a.standard_security.is_none());
    let tls = a.tls.as_ref().expect("TLS under CredSSP");
    assert_eq!(tls.rdp_protocol, "PROTOCOL_HYBRID");
    assert!(tls.version.is_some(), "{tls:?}");
    assert!(tls.certificate.as_ref().is_some_and(|c| c.self_signed));

    let ntlm = a.ntlm.as_ref().expect("NTLM CHALLENGE_MESSAGE facts");
    assert_eq!(ntlm.credssp_version, Some(6));
    // FreeRDP (WinPR) names the machine by its host name: NetBIOS upper case, DNS as is.
    let dns = ntlm.dns_computer.clone().expect("MsvAvDnsComputerName");
    let netbios: String = dns
        .split('.')
        .next()
        .unwrap()
        .to_uppercase()
        .chars()
        .take(15)
        .collect();
    assert_eq!(ntlm.netbios_computer.as_deref(), Some(netbios.as_str()));
    assert_eq!(ntlm.target_name.as_deref(), Some(netbios.as_str()));
    assert!(ntlm.os_version.is_some());
    assert!(ntlm.timestamp.is_some());
}

/// Regenerates `pcap-fixtures/rdp/*.pcap`: one whole audit per xrdp configuration, captured with
/// tcpdump on `lo` (port-filtered). Not part of the normal run (it needs tcpdump and writes into
/// the source tree): `cargo test --test rdp_xrdp -- --ignored record_pcap_fixtures`.
#[test]
#[ignore]
fn record_pcap_fixtures() {
    use std::process::{Command, Stdio};
    let tcpdump = harness::find_binary("tcpdump", "tcpdump");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pcap-fixtures/rdp");
    std::fs::create_dir_all(&dir).unwrap();
    for (file, layer, crypt) in [
        ("xrdp-rdp-low.pcap", SecurityLayer::Rdp, CryptLevel::Low),
        ("xrdp-rdp-fips.pcap", SecurityLayer::Rdp, CryptLevel::Fips),
        ("xrdp-tls.pcap", SecurityLayer::Tls, CryptLevel::High),
        (
            "xrdp-negotiate-high.pcap",
            SecurityLayer::Negotiate,
            CryptLevel::High,
        ),
    ] {
        let server = xrdp(layer, crypt);
        let path = dir.join(file);
        let mut dump = Command::new(&tcpdump)
            .args(["-i", "lo", "-U", "-s", "0", "-Z", "root", "-w"])
            .arg(&path)
            .arg(format!("tcp port {}", server.port()))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tcpdump");
        std::thread::sleep(Duration::from_secs(1));
        let audit = rt().block_on(audit_rdp(
            server.addr(),
            Instant::now() + Duration::from_secs(30),
        ));
        std::thread::sleep(Duration::from_secs(1));
        // SIGINT so tcpdump flushes and closes the file.
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(dump.id().to_string())
            .status();
        let _ = dump.wait();
        eprintln!(
            "{file}: port {} accepted {:?}",
            server.port(),
            audit.accepted
        );
    }
}
