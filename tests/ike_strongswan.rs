//! The IKE audit (`edgeaudit::probe::ike::audit_ike`) against real strongSwan 5.9 responders.
//!
//! charon binds UDP 500 and 4500 on every address, so each test makes a network namespace of its
//! own and runs charon there (`harness::strongswan`). The audit must run in the same namespace:
//! the test binary runs itself again under `ip netns exec NS` with only the hidden test
//! [`probe_child`] selected and the target in `EDGEAUDIT_IKE_TARGET`; the child prints the
//! `IkeAudit` as one JSON line, which the parent reads back. No example binary or extra build
//! step is needed, and the library function is what is tested.
//!
//! Expected sets come from each configuration and were confirmed in charon's log ("selected
//! proposal: …"). A strongSwan quirk shapes the IKEv1 expectation: in Main Mode message 1 it
//! checks encryption, hash and group but echoes the authentication method of the first offered
//! transform (the method is only checked at message 5), so every method edgeaudit offers comes
//! back "chosen".

mod harness;

use std::collections::BTreeSet;
use std::time::Duration;

use edgeaudit::observation::{IkeAlgorithm, IkeAudit};
use harness::netns::Namespace;
use harness::strongswan::Strongswan;

const TARGET_VAR: &str = "EDGEAUDIT_IKE_TARGET";
const MARK: &str = "IKEAUDIT-JSON:";
/// Whole-audit deadline inside the child.
const AUDIT_SECONDS: u64 = 40;

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
        let deadline = tokio::time::Instant::now() + Duration::from_secs(AUDIT_SECONDS);
        edgeaudit::probe::ike::audit_ike(addr, deadline, Duration::from_millis(500)).await
    });
    println!("{MARK}{}", serde_json::to_string(&audit).expect("json"));
}

/// Runs [`probe_child`] inside `ns` against `target` and returns its audit.
fn audit_in(ns: &Namespace, target: &str, charon: &Strongswan) -> IkeAudit {
    ns.run_child_test("probe_child", MARK, &[(TARGET_VAR, target)], || {
        format!("charon log:\n{}", charon.log())
    })
}

fn names(list: &[IkeAlgorithm]) -> BTreeSet<String> {
    list.iter()
        .map(|a| match a.key_length {
            Some(k) => format!("{}/{k}", a.name),
            None => a.name.clone(),
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn ikev2_conn(name: &str, proposals: &str) -> String {
    format!(
        "  {name} {{\n    version = 2\n    proposals = {proposals}\n    local {{\n      auth = psk\n      \
         id = gw.lab.test\n    }}\n    remote {{\n      auth = psk\n    }}\n    children {{\n      \
         c {{\n        esp_proposals = aes128-sha256\n      }}\n    }}\n  }}"
    )
}

#[test]
fn ikev2_weak_proposal_is_enumerated_exactly() {
    let ns = Namespace::create("ike-weak");
    let charon = Strongswan::start(&ns, &ikev2_conn("weak", "aes128-sha1-modp1024"), "");
    let audit = audit_in(&ns, "127.0.0.1:500", &charon);
    let log = charon.log();
    assert!(audit.answered, "{audit:?}");
    let v2 = audit.v2.as_ref().expect("IKEv2 tested");
    assert!(v2.enumeration_complete, "{v2:?}\n{log}");
    assert_eq!(names(&v2.accepted_encryption), set(&["ENCR_AES_CBC/128"]));
    assert_eq!(names(&v2.accepted_prf), set(&["PRF_HMAC_SHA1"]));
    assert_eq!(names(&v2.accepted_integrity), set(&["AUTH_HMAC_SHA1_96"]));
    assert_eq!(names(&v2.accepted_groups), set(&["modp1024"]));
    assert!(!v2.cookie_required);
    // INVALID_KE (modp2048 → modp1024), the SA, then one NO_PROPOSAL_CHOSEN per step.
    assert_eq!(v2.requests, 6, "{v2:?}");
    // No IKEv1 connection: every IKEv1 offer is refused.
    let v1 = audit.v1.as_ref().expect("IKEv1 tested");
    assert!(v1.answered && v1.main_mode_transforms.is_empty(), "{v1:?}");
    assert_eq!(v1.aggressive_mode, Some(false));
    assert_eq!(
        v1.aggressive_mode_refusal.as_deref(),
        Some("NO_PROPOSAL_CHOSEN")
    );
    assert!(audit.packets_sent >= v2.requests + v1.requests);
}

#[test]
fn ikev2_strong_proposals_over_ipv4_and_over_ipv6_port_4500() {
    let ns = Namespace::create("ike-strong");
    let charon = Strongswan::start(
        &ns,
        &ikev2_conn(
            "strong",
            "aes256gcm16-prfsha384-ecp384,aes256-sha256-modp3072",
        ),
        "",
    );
    for target in ["127.0.0.1:500", "[::1]:4500"] {
        let audit = audit_in(&ns, target, &charon);
        let v2 = audit.v2.as_ref().expect("IKEv2 tested");
        let ctx = format!("{target}: {v2:?}\n{}", charon.log());
        assert!(v2.enumeration_complete, "{ctx}");
        assert_eq!(
            names(&v2.accepted_encryption),
            set(&["ENCR_AES_CBC/256", "ENCR_AES_GCM_16/256"]),
            "{ctx}"
        );
        assert_eq!(
            names(&v2.accepted_prf),
            set(&["PRF_HMAC_SHA2_256", "PRF_HMAC_SHA2_384"]),
            "{ctx}"
        );
        assert_eq!(
            names(&v2.accepted_integrity),
            set(&["AUTH_HMAC_SHA2_256_128"]),
            "{ctx}"
        );
        assert_eq!(
            names(&v2.accepted_groups),
            set(&["modp3072", "ecp384"]),
            "{ctx}"
        );
        assert_eq!(
            audit.port,
            target.rsplit(':').next().unwrap().parse::<u16>().unwrap()
        );
    }
}

#[test]
fn ikev1_aggressive_mode_psk_is_reported() {
    let ns = Namespace::create("ike-aggr");
    let conn = "  agg {\n    version = 1\n    aggressive = yes\n    proposals = aes128-sha1-modp1024\n    \
                local {\n      auth = psk\n      id = gw.lab.test\n    }\n    remote {\n      \
                auth = psk\n    }\n    children {\n      c {\n        esp_proposals = aes128-sha1\n      \
                }\n    }\n  }";
    let charon = Strongswan::start(
        &ns,
        conn,
        "  i_dont_care_about_security_and_use_aggressive_mode_psk = yes",
    );
    let audit = audit_in(&ns, "127.0.0.1:500", &charon);
    let ctx = format!("{audit:?}\n{}", charon.log());
    let v2 = audit.v2.as_ref().expect("IKEv2 tested");
    assert!(v2.answered && v2.accepted_encryption.is_empty(), "{ctx}");
    let v1 = audit.v1.as_ref().expect("IKEv1 tested");
    assert!(v1.main_mode_complete, "{ctx}");
    let chosen: BTreeSet<String> = v1
        .main_mode_transforms
        .iter()
        .map(|t| {
            format!(
                "{}/{} {} {} {}",
                t.encryption.name,
                t.encryption.key_length.unwrap_or(0),
                t.hash.name,
                t.auth.name,
                t.group.name
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
    assert_eq!(v1.aggressive_mode, Some(true), "{ctx}");
    let t = v1.aggressive_mode_transform.as_ref().expect("transform");
    assert_eq!(
        (t.auth.name.as_str(), t.group.name.as_str()),
        ("PSK", "modp1024")
    );
    // strongSwan answers our NAT-T, DPD and XAUTH Vendor IDs with its own.
    assert!(v1.nat_t && v1.dpd && v1.xauth, "{ctx}");
    assert!(charon.log().contains("selected peer config \"agg\""));
}
