//! End to end: `edgeaudit scan --udp-ports 500` (the real binary) against real strongSwan 5.9
//! responders, each in a network namespace of the test's own (`harness::strongswan`), judged by
//! the mic-telework IKE rules. The three configurations are those of `tests/ike_strongswan.rs`,
//! and the `ike_audit` in the report must carry exactly the accepted sets that file asserts for
//! the library call.
//!
//! One scan per source address per charon: charon keeps the half-open IKE_SAs the audit leaves
//! behind and drops new ones from the same peer once `init_limit_peer_half_open` (5) is reached
//! ("per-IP half-open IKE_SA limit of 5 reached"). The aggressive-mode audit alone leaves 5
//! (four Main Mode transforms and the Aggressive Mode exchange), so a second scan from 127.0.0.1
//! would see nothing from IKEv1. The text-format run therefore gets a charon of its own, and the
//! IPv6 scan comes from ::1, a different peer.

mod harness;

use std::collections::BTreeSet;

use serde_json::Value;

use harness::netns::Namespace;
use harness::report::{self, str_at};
use harness::run::{scan, Run};
use harness::strongswan::Strongswan;
use harness::{LOOPBACK_V4, LOOPBACK_V6};

/// Nothing listens on TCP inside a fresh namespace: any port is closed.
const CLOSED_TCP: u16 = 1;

const WEAK: &str = "aes128-sha1-modp1024";
const STRONG: &str = "aes256gcm16-prfsha384-ecp384,aes256-sha256-modp3072";
const AGGRESSIVE_EXTRA: &str = "  i_dont_care_about_security_and_use_aggressive_mode_psk = yes";

fn ikev2_conn(name: &str, proposals: &str) -> String {
    format!(
        "  {name} {{\n    version = 2\n    proposals = {proposals}\n    local {{\n      auth = psk\n      \
         id = gw.lab.test\n    }}\n    remote {{\n      auth = psk\n    }}\n    children {{\n      \
         c {{\n        esp_proposals = aes128-sha256\n      }}\n    }}\n  }}"
    )
}

fn aggressive_conn() -> &'static str {
    "  agg {\n    version = 1\n    aggressive = yes\n    proposals = aes128-sha1-modp1024\n    \
     local {\n      auth = psk\n      id = gw.lab.test\n    }\n    remote {\n      \
     auth = psk\n    }\n    children {\n      c {\n        esp_proposals = aes128-sha1\n      \
     }\n    }\n  }"
}

/// `edgeaudit scan TARGET --ports 1 --udp-ports 500 --vantage outside` inside `ns`.
fn scan_ike(ns: &Namespace, target: &str, format: &str) -> Run {
    ns.edgeaudit(
        scan()
            .target(target)
            .ports(&[CLOSED_TCP])
            .args(["--udp-ports", "500"])
            .vantage("outside")
            .format(format)
            .timeout("60s")
            .command_line(),
    )
}

/// The UDP 500 observation, checked to be an open, identified IKE port; returns its `ike_audit`.
fn ike_audit<'a>(report: &'a Value, target: &str, ctx: &str) -> &'a Value {
    let address = target.parse().expect("address");
    let host = report::host(report::target(report, target), address);
    let udp: Vec<&Value> = report::array_at(host, "/ports")
        .iter()
        .filter(|p| p["transport"] == "udp")
        .collect();
    assert_eq!(udp.len(), 1, "{ctx}");
    let port = udp[0];
    assert_eq!(port["port"], 500, "{ctx}");
    assert_eq!(report::state(port), "open", "{ctx}");
    let tcp = report::port(host, CLOSED_TCP);
    assert_eq!(
        (report::state(tcp), &tcp["transport"]),
        ("closed", &Value::from("tcp")),
        "{ctx}"
    );
    let service = report::service(port);
    assert_eq!(str_at(service, "/kind"), "ike", "{ctx}");
    let audit = report::at(service, "/ike_audit");
    assert_eq!(audit["answered"], true, "{ctx}");
    assert_eq!(audit["port"], 500, "{ctx}");
    audit
}

/// Algorithm names (`NAME/KEYLEN` when a key length is given) of a JSON list.
fn names(audit: &Value, pointer: &str) -> BTreeSet<String> {
    report::array_at(audit, pointer)
        .iter()
        .map(|a| {
            let name = str_at(a, "/name");
            match a["key_length"].as_u64() {
                Some(k) => format!("{name}/{k}"),
                None => name.to_string(),
            }
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// IKE rule violations at UDP 500: rule id → evidence (`actual`, English).
fn ike_violations(report: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report::violations(report)
        .into_iter()
        .filter(|f| f["location"]["port"] == 500)
        .map(|f| {
            harness::rules::assert_well_formed(f);
            assert_eq!(f["profile"], harness::rules::PROFILE);
            (
                str_at(f, "/rule").to_string(),
                f["actual"]["en"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn rule_ids(found: &[(String, String)]) -> BTreeSet<String> {
    found.iter().map(|(r, _)| r.clone()).collect()
}

fn evidence<'a>(found: &'a [(String, String)], rule: &str) -> &'a str {
    found
        .iter()
        .find(|(r, _)| r == rule)
        .map(|(_, e)| e.as_str())
        .unwrap_or_default()
}

#[test]
fn weak_ikev2_proposal_is_scanned_and_judged() {
    let ns = Namespace::create("ikescan-weak");
    let charon = Strongswan::start(&ns, &ikev2_conn("weak", WEAK), "");
    let run = scan_ike(&ns, "127.0.0.1", "json");
    let report = run.json();
    let ctx = format!("{}\ncharon log:\n{}", run.context(), charon.log());
    let audit = ike_audit(&report, "127.0.0.1", &ctx);
    assert_eq!(audit["v2"]["enumeration_complete"], true, "{ctx}");
    assert_eq!(
        names(audit, "/v2/accepted_encryption"),
        set(&["ENCR_AES_CBC/128"]),
        "{ctx}"
    );
    assert_eq!(
        names(audit, "/v2/accepted_prf"),
        set(&["PRF_HMAC_SHA1"]),
        "{ctx}"
    );
    assert_eq!(
        names(audit, "/v2/accepted_integrity"),
        set(&["AUTH_HMAC_SHA1_96"]),
        "{ctx}"
    );
    assert_eq!(
        names(audit, "/v2/accepted_groups"),
        set(&["modp1024"]),
        "{ctx}"
    );
    assert_eq!(audit["v2"]["requests"], 6, "{ctx}");
    assert_eq!(
        audit["v1"]["main_mode_transforms"],
        Value::Array(vec![]),
        "{ctx}"
    );
    assert_eq!(audit["v1"]["aggressive_mode"], false, "{ctx}");
    let found = ike_violations(&report);
    assert_eq!(
        rule_ids(&found),
        set(&["ike-weak-algorithms", "ike-weak-dh-groups"]),
        "{found:?}\n{ctx}"
    );
    assert_eq!(
        evidence(&found, "ike-weak-dh-groups"),
        "weak DH groups accepted: IKEv2 modp1024",
        "{ctx}"
    );
    assert_eq!(
        evidence(&found, "ike-weak-algorithms"),
        "weak algorithms accepted: IKEv2 PRF_HMAC_SHA1, IKEv2 AUTH_HMAC_SHA1_96",
        "{ctx}"
    );
    // Medium violations only: under the default --fail-on high the exit is 0.
    assert_eq!(run.code, Some(0), "{ctx}");
}

#[test]
fn strong_ikev2_proposals_over_ipv4_and_ipv6_have_no_ike_violation() {
    let ns = Namespace::create("ikescan-strong");
    let charon = Strongswan::start(&ns, &ikev2_conn("strong", STRONG), "");
    for (target, address) in [("127.0.0.1", LOOPBACK_V4), ("::1", LOOPBACK_V6)] {
        let run = scan_ike(&ns, target, "json");
        let report = run.json();
        let ctx = format!("{}\ncharon log:\n{}", run.context(), charon.log());
        assert_eq!(
            report::host_addresses(report::target(&report, target)),
            [address].into()
        );
        let audit = ike_audit(&report, target, &ctx);
        assert_eq!(audit["v2"]["enumeration_complete"], true, "{ctx}");
        assert_eq!(
            names(audit, "/v2/accepted_encryption"),
            set(&["ENCR_AES_CBC/256", "ENCR_AES_GCM_16/256"]),
            "{ctx}"
        );
        assert_eq!(
            names(audit, "/v2/accepted_prf"),
            set(&["PRF_HMAC_SHA2_256", "PRF_HMAC_SHA2_384"]),
            "{ctx}"
        );
        assert_eq!(
            names(audit, "/v2/accepted_integrity"),
            set(&["AUTH_HMAC_SHA2_256_128"]),
            "{ctx}"
        );
        assert_eq!(
            names(audit, "/v2/accepted_groups"),
            set(&["modp3072", "ecp384"]),
            "{ctx}"
        );
        assert_eq!(audit["v1"]["aggressive_mode"], false, "{ctx}");
        let found = ike_violations(&report);
        assert!(found.is_empty(), "{found:?}\n{ctx}");
        assert!(
            report::findings_at_port(&report, 500).is_empty(),
            "no IKE finding at all (not even not_tested)\n{ctx}"
        );
        assert_eq!(run.code, Some(0), "{ctx}");
    }
}

#[test]
fn ikev1_aggressive_mode_psk_is_scanned_and_judged() {
    let ns = Namespace::create("ikescan-aggr");
    let charon = Strongswan::start(&ns, aggressive_conn(), AGGRESSIVE_EXTRA);
    let run = scan_ike(&ns, "127.0.0.1", "json");
    let report = run.json();
    let ctx = format!("{}\ncharon log:\n{}", run.context(), charon.log());
    let audit = ike_audit(&report, "127.0.0.1", &ctx);
    assert!(
        report::array_at(audit, "/v2/accepted_encryption").is_empty(),
        "{ctx}"
    );
    assert_eq!(audit["v1"]["main_mode_complete"], true, "{ctx}");
    let chosen: BTreeSet<String> = report::array_at(audit, "/v1/main_mode_transforms")
        .iter()
        .map(|t| {
            format!(
                "{}/{} {} {} {}",
                str_at(t, "/encryption/name"),
                t["encryption"]["key_length"].as_u64().unwrap_or(0),
                str_at(t, "/hash/name"),
                str_at(t, "/auth/name"),
                str_at(t, "/group/name")
            )
        })
        .collect();
    assert_eq!(
        chosen,
        set(&[
            "AES-CBC/128 SHA PSK modp1024",
            "AES-CBC/128 SHA RSA-SIG modp1024",
            "AES-CBC/128 SHA XAUTHInitPreShared modp1024",
            "AES-CBC/128 SHA XAUTHInitRSA modp1024",
        ]),
        "{ctx}"
    );
    assert_eq!(audit["v1"]["aggressive_mode"], true, "{ctx}");
    assert_eq!(
        str_at(audit, "/v1/aggressive_mode_transform/auth/name"),
        "PSK"
    );
    assert_eq!(
        str_at(audit, "/v1/aggressive_mode_transform/group/name"),
        "modp1024"
    );
    // Aggressive Mode, and the Main Mode transforms (SHA-1 hash, group 2) are weak too.
    let found = ike_violations(&report);
    assert_eq!(
        rule_ids(&found),
        set(&[
            "ike-aggressive-mode",
            "ike-weak-algorithms",
            "ike-weak-dh-groups"
        ]),
        "{found:?}\n{ctx}"
    );
    assert_eq!(
        evidence(&found, "ike-aggressive-mode"),
        "IKEv1 Aggressive Mode with a pre-shared key accepted",
        "{ctx}"
    );
    assert_eq!(
        evidence(&found, "ike-weak-dh-groups"),
        "weak DH groups accepted: IKEv1 modp1024",
        "{ctx}"
    );
    assert_eq!(
        evidence(&found, "ike-weak-algorithms"),
        "weak algorithms accepted: IKEv1 SHA",
        "{ctx}"
    );
    // ike-aggressive-mode is high: the default --fail-on high fails the run.
    assert_eq!(run.code, Some(1), "{ctx}");
}

/// The text report of the aggressive-mode responder, printed for the human (`--nocapture`).
#[test]
fn text_report_of_aggressive_mode_responder() {
    let ns = Namespace::create("ikescan-text");
    let charon = Strongswan::start(&ns, aggressive_conn(), AGGRESSIVE_EXTRA);
    let run = scan_ike(&ns, "127.0.0.1", "text");
    let ctx = format!("{}\ncharon log:\n{}", run.context(), charon.log());
    eprintln!("{}", run.stdout);
    assert_eq!(run.code, Some(1), "{ctx}");
    for needle in [
        "500/udp",
        "mic-telework/ike-aggressive-mode",
        "mic-telework/ike-weak-dh-groups",
        "mic-telework/ike-weak-algorithms",
    ] {
        assert!(run.stdout.contains(needle), "{needle} missing\n{ctx}");
    }
}
