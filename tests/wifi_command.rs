//! End to end: `edgeaudit wifi` on the committed 802.11 fixtures — which networks are judged, the
//! findings each class gets, the report sections, a saved survey re-evaluated offline, and clear
//! "not tested" outcomes for a file that is not a capture or an interface that cannot capture.

mod harness;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use harness::report::{self, str_at};
use harness::run::{edgeaudit, Run};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/wifi")
        .join(name)
}

fn wifi(args: &[&str]) -> Run {
    let mut all = vec!["wifi", "--format", "json", "--lang", "en"];
    all.extend_from_slice(args);
    edgeaudit(all)
}

/// (rule, SSID) of every violation.
fn violations(report: &Value) -> BTreeSet<(String, String)> {
    report::findings(report)
        .iter()
        .filter(|f| f["status"] == "violation")
        .map(|f| {
            let target = str_at(f, "/location/target");
            let ssid = target.rsplit_once(" (").map_or(target, |(s, _)| s);
            (str_at(f, "/rule").to_string(), ssid.to_string())
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(r, s)| (r.to_string(), s.to_string()))
        .collect()
}

/// The organisation's networks named with --ssid get exactly the findings their class calls for;
/// every other network is listed but not judged.
#[test]
fn own_networks_are_judged_by_class() {
    let path = fixture("synthetic/radiotap.pcap");
    let own = [
        "lab-open",
        "lab-wep",
        "lab-wpa1-tkip",
        "lab-wpa2-psk",
        "lab-wpa2-tkip",
        "lab-wpa3-transition",
        "lab-wpa3-sae",
        "lab-wpa3-enterprise",
    ];
    let mut args = vec!["--capture", path.to_str().unwrap()];
    for ssid in own {
        args.extend(["--ssid", ssid]);
    }
    let run = wifi(&args);
    let report = run.json();
    let ctx = run.context();
    assert_eq!(run.code, Some(1), "a high violation (open, WEP)\n{ctx}");
    assert_eq!(
        violations(&report),
        pairs(&[
            ("wifi-open-or-wep", "lab-open"),
            ("wifi-open-or-wep", "lab-wep"),
            ("wifi-wpa1-or-tkip", "lab-wpa1-tkip"),
            ("wifi-wpa1-or-tkip", "lab-wpa2-tkip"),
            ("wifi-wps-enabled", "lab-wpa2-psk"),
            ("wifi-no-pmf", "lab-wpa2-psk"),
            ("wifi-no-pmf", "lab-wpa2-tkip"),
        ]),
        "{ctx}"
    );
    let survey = report::at(&report, "/scan/wifi");
    assert_eq!(
        survey["own_ssids"].as_array().map(Vec::len),
        Some(own.len()),
        "{ctx}"
    );
    let aps = report::array_at(survey, "/capture/access_points");
    assert!(aps.len() > own.len(), "nearby networks are kept\n{ctx}");
}

/// Without --ssid every network heard is judged, and the text report says so.
#[test]
fn without_ssid_every_network_is_judged_and_the_report_says_so() {
    let path = fixture("synthetic/dot11-fcs-be.pcap");
    let run = wifi(&["--capture", path.to_str().unwrap()]);
    let report = run.json();
    let judged: BTreeSet<String> = violations(&report).into_iter().map(|(_, s)| s).collect();
    for ssid in [
        "lab-open",
        "lab-wep",
        "lab-wpa-wpa2-mixed",
        "lab-wpa2-wps-unconfigured",
    ] {
        assert!(judged.contains(ssid), "{ssid}\n{}", run.context());
    }
    let text = edgeaudit(["wifi", "--capture", path.to_str().unwrap(), "--lang", "en"]);
    assert!(
        text.stdout
            .contains("no --ssid given: every network heard was judged"),
        "{}",
        text.context()
    );
    assert!(
        text.stdout.contains("Organisation's networks"),
        "{}",
        text.context()
    );
}

/// A saved survey evaluates offline to the same findings, and another profile can be applied.
#[test]
fn saved_survey_is_re_evaluated_offline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("wifi.json");
    let path = fixture("third-party/aircrack-ng/wpa-psk-linksys.cap");
    let run = wifi(&[
        "--capture",
        path.to_str().unwrap(),
        "--save",
        saved.to_str().unwrap(),
    ]);
    let live = run.json();
    assert_eq!(
        violations(&live),
        pairs(&[("wifi-wpa1-or-tkip", "linksys"),]),
        "{}",
        run.context()
    );
    let again = edgeaudit(["evaluate", saved.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        violations(&again.json()),
        violations(&live),
        "{}",
        again.context()
    );
}

/// Not a capture file: a clear message, a "not tested" finding, exit 3 — never a panic.
#[test]
fn a_file_that_is_not_a_capture_is_not_tested() {
    for name in [
        "malformed/garbage-magic.pcap",
        "malformed/absurd-snaplen.pcap",
    ] {
        let path = fixture(name);
        let run = wifi(&["--capture", path.to_str().unwrap()]);
        run.assert_exit(3);
        let report = run.json();
        let not_tested = report::not_tested(&report);
        assert_eq!(not_tested.len(), 1, "{}", run.context());
        assert_eq!(str_at(not_tested[0], "/rule"), "wifi-not-tested");
        assert!(
            run.stderr.contains("Wi-Fi survey not made"),
            "{}",
            run.context()
        );
        assert!(
            run.stderr.contains(name.rsplit('/').next().unwrap()),
            "{}",
            run.context()
        );
    }
    let missing = fixture("no-such-file.pcap");
    let run = wifi(&["--capture", missing.to_str().unwrap()]);
    run.assert_exit(3);
    assert!(
        run.stderr.contains("no-such-file.pcap"),
        "{}",
        run.context()
    );
}

/// Damaged records are skipped and counted; what is readable is still judged.
#[test]
fn damaged_records_are_counted_not_fatal() {
    let path = fixture("malformed/truncated-record.pcap");
    let run = wifi(&["--capture", path.to_str().unwrap()]);
    let report = run.json();
    let skipped = report::array_at(&report, "/scan/wifi/capture/skipped");
    assert!(
        skipped
            .iter()
            .any(|s| s["reason"] == "record_beyond_file" && s["count"] == 1),
        "{}",
        run.context()
    );
    assert_eq!(
        report::array_at(&report, "/scan/wifi/capture/access_points").len(),
        1,
        "{}",
        run.context()
    );
}

/// Live capture on interfaces that cannot give 802.11 frames: a clear reason, exit 3.
#[test]
fn live_capture_refuses_unusable_interfaces() {
    let run = wifi(&["--interface", "lo", "--duration", "1s"]);
    run.assert_exit(3);
    assert!(
        run.stderr.contains("not in monitor mode"),
        "{}",
        run.context()
    );
    let run = wifi(&["--interface", "edgeaudit-none0", "--duration", "1s"]);
    run.assert_exit(3);
    assert!(
        run.stderr.contains("no network interface named"),
        "{}",
        run.context()
    );
    let run = edgeaudit(["wifi", "--duration", "1s"]);
    run.assert_exit(2);
}
