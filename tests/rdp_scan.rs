//! End to end: `edgeaudit scan` against real xrdp servers on loopback. Identification names the
//! port RDP, the RDP audit runs on it, the TLS engine runs over the RDP channel when the server
//! accepts TLS, and the mic-telework rules judge the result.

mod harness;

use std::time::Instant;

use serde_json::Value;

use harness::report::{self, array_at, port, service, str_at};
use harness::run::scan;
use harness::xrdp::{xrdp, CryptLevel, SecurityLayer};
use harness::LOOPBACK_V4;

fn scan_rdp(layer: SecurityLayer, crypt: CryptLevel, vantage: &str) -> (Value, String, u16) {
    let server = xrdp(layer, crypt);
    let started = Instant::now();
    let run = scan()
        .target("127.0.0.1")
        .ports(&[server.port()])
        .vantage(vantage)
        .connect_timeout("3s")
        .timeout("60s")
        .run();
    let report = run.json();
    let ctx = format!(
        "{}\n(scan took {:?})\n--- xrdp ---\n{}",
        run.context(),
        started.elapsed(),
        server.log()
    );
    (report, ctx, server.port())
}

fn rule_ids(report: &Value, status: &str) -> Vec<String> {
    report::findings(report)
        .iter()
        .filter(|f| f["status"] == status)
        .map(|f| str_at(f, "/id").to_string())
        .collect()
}

/// Standard RDP Security only, 40-bit: RDP named, no TLS, no NLA; from outside that is exposure
/// plus the security-layer rules.
#[test]
fn standard_security_low_from_outside() {
    let (report, ctx, p) = scan_rdp(SecurityLayer::Rdp, CryptLevel::Low, "outside");
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let svc = service(port(host, p));
    assert_eq!(str_at(svc, "/kind"), "rdp", "{ctx}");
    let accepted: Vec<&str> = array_at(svc, "/rdp_audit/accepted")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(accepted, ["PROTOCOL_RDP"], "{ctx}");
    assert_eq!(report::at(svc, "/rdp_audit/nla_required"), false, "{ctx}");
    assert_eq!(
        str_at(svc, "/rdp_audit/standard_security/encryption_method"),
        "ENCRYPTION_METHOD_40BIT",
        "{ctx}"
    );
    assert!(svc.get("tls_audit").is_none(), "no TLS to audit\n{ctx}");
    let violations = rule_ids(&report, "violation");
    for rule in [
        "mic-telework/rdp-reachable-from-outside",
        "mic-telework/rdp-without-nla",
        "mic-telework/rdp-standard-security",
        "mic-telework/rdp-weak-standard-encryption",
    ] {
        assert!(
            violations.iter().any(|v| v == rule),
            "{rule} missing from {violations:?}\n{ctx}"
        );
    }
}

/// TLS only: the TLS engine audits the RDP channel (xrdp's ssl_protocols are TLS 1.2 and 1.3),
/// its self-signed certificate is seen, and Standard RDP Security is not allowed. Inside, RDP
/// without NLA is still reported, the exposure rule is not.
#[test]
fn tls_layer_inside_gets_a_tls_audit_over_rdp() {
    let (report, ctx, p) = scan_rdp(SecurityLayer::Tls, CryptLevel::High, "inside");
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let svc = service(port(host, p));
    assert_eq!(str_at(svc, "/kind"), "rdp", "{ctx}");
    assert_eq!(
        report::at(svc, "/rdp_audit/standard_rdp_security_allowed"),
        false,
        "{ctx}"
    );
    let accepted: Vec<&str> = array_at(svc, "/tls_audit/versions")
        .iter()
        .filter(|v| v["support"] == "accepted")
        .filter_map(|v| v["version"].as_str())
        .collect();
    assert_eq!(accepted, ["TLSv1.3", "TLSv1.2"], "{ctx}");
    assert_eq!(
        str_at(svc, "/tls_audit/certificate_chain/certificates/0/subject"),
        format!("CN={}", harness::xrdp::XRDP_CERT_CN),
        "{ctx}"
    );
    let violations = rule_ids(&report, "violation");
    assert!(
        violations.iter().any(|v| v == "mic-telework/rdp-without-nla"),
        "{violations:?}\n{ctx}"
    );
    for absent in [
        "mic-telework/rdp-reachable-from-outside",
        "mic-telework/rdp-standard-security",
    ] {
        assert!(
            !violations.iter().any(|v| v == absent),
            "{absent} in {violations:?}\n{ctx}"
        );
    }
}
