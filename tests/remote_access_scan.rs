//! End to end: `edgeaudit scan` against real VNC (TigerVNC `Xvnc`) and SNMP (`snmpd`) servers on
//! loopback: each service is identified, audited, and judged by the mic-telework rules (VNC
//! without a password, SNMP community `public`). SMB is named by port 445 only (it answers no
//! light probe), so the lab's Samba on a free port is audited in `tests/misc_probes.rs` through
//! the probe itself rather than through a scan.

mod harness;

use std::collections::BTreeSet;

use serde_json::Value;

use harness::report::{self, str_at};
use harness::run::scan;
use harness::{snmpd, vnc, LOOPBACK_V4};

fn violations(report: &Value) -> BTreeSet<(String, u64)> {
    report::findings(report)
        .iter()
        .filter(|f| f["status"] == "violation")
        .map(|f| {
            (
                str_at(f, "/rule").to_string(),
                f["location"]["port"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn vnc_without_password_is_found() {
    let open_vnc = vnc::xvnc("None");
    let locked_vnc = vnc::xvnc("VncAuth");
    let run = scan()
        .target("127.0.0.1")
        .ports(&[open_vnc.port(), locked_vnc.port()])
        .args(["--udp-ports", "none"])
        .timeout("60s")
        .connect_timeout("3s")
        .run();
    let report = run.json();
    let ctx = run.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let vnc_open = report::service(report::port(host, open_vnc.port()));
    assert_eq!(str_at(vnc_open, "/kind"), "vnc", "{ctx}");
    assert_eq!(report::at(vnc_open, "/vnc_audit/no_auth"), true, "{ctx}");
    let found = violations(&report);
    assert!(
        found.contains(&("vnc-no-authentication".into(), u64::from(open_vnc.port()))),
        "{found:?}\n{ctx}"
    );
    assert!(
        !found.contains(&("vnc-no-authentication".into(), u64::from(locked_vnc.port()))),
        "{found:?}\n{ctx}"
    );
    // Critical violation under the default --fail-on high.
    assert_eq!(run.code, Some(1), "{ctx}");
}

#[test]
fn snmp_public_community_is_found_over_udp() {
    let public = snmpd::snmpd("public");
    let private = snmpd::snmpd("edgeaudit-private-community");
    let spec = format!("snmp:{},snmp:{}", public.port(), private.port());
    let run = scan()
        .target("127.0.0.1")
        .ports(&[harness::closed_port()])
        .args(["--udp-ports", spec.as_str()])
        .run();
    let report = run.json();
    let ctx = run.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let udp: Vec<&Value> = report::array_at(host, "/ports")
        .iter()
        .filter(|p| p["transport"] == "udp")
        .collect();
    assert_eq!(udp.len(), 2, "{ctx}");
    let answered = udp
        .iter()
        .find(|p| p["port"] == public.port())
        .expect("public port");
    assert_eq!(answered["state"], "open", "{ctx}");
    assert_eq!(
        str_at(answered, "/service/snmp_audit/sys_descr"),
        "edgeaudit lab",
        "{ctx}"
    );
    let silent = udp
        .iter()
        .find(|p| p["port"] == private.port())
        .expect("private port");
    assert_eq!(silent["state"], "filtered", "{ctx}");
    let found = violations(&report);
    assert!(
        found.contains(&("snmp-public-community".into(), u64::from(public.port()))),
        "{found:?}\n{ctx}"
    );
    assert!(
        !found.iter().any(|(_, p)| *p == u64::from(private.port())),
        "{found:?}\n{ctx}"
    );
}
