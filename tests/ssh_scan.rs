//! End to end: `edgeaudit scan` against OpenSSH configured hardened and legacy. Identification
//! names SSH, the SSH audit runs on the port, and the mic-telework and ssh-baseline rules judge
//! the algorithm lists and authentication methods.

mod harness;

use std::collections::BTreeSet;

use serde_json::Value;

use harness::report::{self, port, service, str_at};
use harness::run::scan;
use harness::sshd_config::{sshd, SshdProfile};
use harness::LOOPBACK_V4;

fn scan_sshd(profile: SshdProfile) -> (Value, String, u16) {
    let server = sshd(profile);
    let p = server.server.port();
    let run = scan()
        .target("127.0.0.1")
        .ports(&[p])
        .vantage("outside")
        .args(["--profile", "mic-telework", "--profile", "ssh-baseline"])
        .run();
    (run.json(), run.context(), p)
}

fn violations(report: &Value) -> BTreeSet<String> {
    report::findings(report)
        .iter()
        .filter(|f| f["status"] == "violation")
        .map(|f| str_at(f, "/id").to_string())
        .collect()
}

#[test]
fn legacy_sshd_breaks_the_algorithm_and_password_rules() {
    let (report, ctx, p) = scan_sshd(SshdProfile::Legacy);
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let svc = service(port(host, p));
    assert_eq!(str_at(svc, "/kind"), "ssh", "{ctx}");
    let methods: Vec<&str> = report::array_at(svc, "/ssh_audit/auth_methods")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(methods.contains(&"password"), "{ctx}");
    let found = violations(&report);
    for id in [
        "mic-telework/ssh-reachable-from-outside",
        "mic-telework/ssh-weak-algorithms",
        "mic-telework/ssh-password-auth-from-outside",
        "ssh-baseline/ssh-kex",
        "ssh-baseline/ssh-ciphers-macs",
        "ssh-baseline/ssh-password-auth",
        "ssh-baseline/ssh-host-keys",
    ] {
        assert!(found.contains(id), "{id} missing from {found:?}\n{ctx}");
    }
    let weak = report::findings(&report)
        .iter()
        .find(|f| f["id"] == "mic-telework/ssh-weak-algorithms")
        .unwrap();
    let actual = str_at(weak, "/actual/en");
    for name in [
        "diffie-hellman-group1-sha1",
        "3des-cbc",
        "hmac-md5",
        "ssh-rsa",
    ] {
        assert!(actual.contains(name), "{name} not in {actual}\n{ctx}");
    }
    // Debian backported the Terrapin fix to its OpenSSH 9.2: the rule follows what the server
    // announced, whichever way that went.
    let strict = report::at(svc, "/ssh_audit/strict_kex").as_bool();
    assert_eq!(
        found.contains("mic-telework/ssh-no-strict-kex"),
        strict == Some(false),
        "{ctx}"
    );
}

#[test]
fn hardened_sshd_passes_the_algorithm_rules() {
    let (report, ctx, p) = scan_sshd(SshdProfile::Hardened);
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let svc = service(port(host, p));
    assert_eq!(
        report::array_at(svc, "/ssh_audit/auth_methods"),
        &[Value::from("publickey")],
        "{ctx}"
    );
    let found = violations(&report);
    for id in [
        "mic-telework/ssh-weak-algorithms",
        "mic-telework/ssh-password-auth-from-outside",
        "ssh-baseline/ssh-kex",
        "ssh-baseline/ssh-ciphers-macs",
        "ssh-baseline/ssh-password-auth",
        "ssh-baseline/ssh-host-keys",
    ] {
        assert!(!found.contains(id), "{id} in {found:?}\n{ctx}");
    }
    // Exposure from outside is still a finding, and nothing is left untested.
    assert!(
        found.contains("mic-telework/ssh-reachable-from-outside"),
        "{ctx}"
    );
    let untested: Vec<&str> = report::not_tested(&report)
        .iter()
        .map(|f| str_at(f, "/id"))
        .collect();
    assert!(untested.is_empty(), "{untested:?}\n{ctx}");
}
