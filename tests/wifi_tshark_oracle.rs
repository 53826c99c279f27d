//! The Wi-Fi survey against Wireshark's 802.11 dissector: for every fixture in
//! `pcap-fixtures/wifi/`, `tshark` lists each beacon and probe response with its fields, and the
//! facts edgeaudit reports for each (BSSID, SSID) must equal what tshark shows for the first frame
//! of that pair, and the frame counts must equal tshark's.
//!
//! Needs `tshark` (Debian package `tshark`); without it the test fails, it never skips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use edgeaudit::wifi::elements::{AkmSuite, CipherSuite, OUI_IEEE80211, OUI_MICROSOFT};
use edgeaudit::wifi::{read_capture, AccessPoint, CaptureError};

/// tshark field names, checked with `tshark -G fields` (Wireshark 4.0).
const FIELDS: [&str; 19] = [
    "wlan.fc.type_subtype",
    "wlan.bssid",
    "wlan.ssid",
    "wlan.fixed.capabilities.privacy",
    "wlan.rsn.gcs.oui",
    "wlan.rsn.gcs.type",
    "wlan.rsn.pcs.type",
    "wlan.rsn.akms.type",
    "wlan.rsn.capabilities.mfpr",
    "wlan.rsn.capabilities.mfpc",
    "wlan.rsn.gmcs.type",
    "wps.wifi_protected_setup_state",
    "wps.ap_setup_locked",
    "wlan.wfa.ie.wpa.mcs.oui",
    "wlan.wfa.ie.wpa.mcs.type",
    "wlan.wfa.ie.wpa.ucs.type",
    "wlan.wfa.ie.wpa.type",
    "wlan.ds.current_channel",
    "wlan.ht.info.primarychannel",
];

/// One frame as tshark printed it, by field name.
type TsharkFrame = BTreeMap<&'static str, String>;

fn tshark(path: &Path) -> Vec<TsharkFrame> {
    let mut command = Command::new("tshark");
    // Validate radiotap-declared FCSs so frames with a bad one can be left out, as edgeaudit does.
    command
        .args(["-n", "-o", "wlan.check_checksum:TRUE", "-r"])
        .arg(path);
    command.args([
        "-Y",
        "(wlan.fc.type_subtype == 8 || wlan.fc.type_subtype == 5) && !(wlan.fcs.status == 0)",
        "-T",
        "fields",
        "-E",
        "separator=\t",
    ]);
    for field in FIELDS {
        command.args(["-e", field]);
    }
    let output = command.output().unwrap_or_else(|e| {
        panic!(
            "cannot run tshark ({e}): install the Debian package `tshark` \
             (DEBIAN_FRONTEND=noninteractive apt-get install -y tshark)"
        )
    });
    // tshark exits non-zero on a truncated file after printing every frame before the cut.
    let stdout = String::from_utf8(output.stdout).expect("tshark output is UTF-8");
    stdout
        .lines()
        .map(|line| {
            let values: Vec<&str> = line.split('\t').collect();
            assert_eq!(values.len(), FIELDS.len(), "tshark line {line:?}");
            FIELDS
                .iter()
                .zip(values)
                .map(|(field, value)| (*field, value.to_string()))
                .collect()
        })
        .collect()
}

fn number(text: &str) -> u64 {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    }
    .unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// A comma-separated list of numbers; empty when tshark printed nothing.
fn numbers(text: &str) -> Vec<u64> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(number)
        .collect()
}

fn optional(text: &str) -> Option<u64> {
    numbers(text).first().copied()
}

fn oui_number(oui: [u8; 3]) -> u64 {
    u64::from(oui[0]) << 16 | u64::from(oui[1]) << 8 | u64::from(oui[2])
}

fn cipher_types(list: &[CipherSuite]) -> Vec<u64> {
    list.iter().map(|c| u64::from(c.suite_type())).collect()
}

fn akm_types(list: &[AkmSuite]) -> Vec<u64> {
    list.iter().map(|a| u64::from(a.suite_type())).collect()
}

/// Checks one access point against the first tshark frame of its (BSSID, SSID).
fn compare(file: &str, ap: &AccessPoint, frame: &TsharkFrame) {
    let at = format!("{file} {} {:?}", ap.bssid, ap.ssid.text);
    let field = |name: &str| frame[name].as_str();
    assert_eq!(
        ap.privacy,
        number(field("wlan.fixed.capabilities.privacy")) == 1,
        "{at}"
    );

    let rsn = ap.rsn.as_ref();
    assert_eq!(
        rsn.and_then(|r| r.group_cipher)
            .map(|c| u64::from(c.suite_type())),
        optional(field("wlan.rsn.gcs.type")),
        "{at} RSN group cipher"
    );
    if let Some(group) = rsn.and_then(|r| r.group_cipher) {
        let oui = match group {
            CipherSuite::Other { oui, .. } => oui,
            _ => OUI_IEEE80211,
        };
        assert_eq!(
            Some(oui_number(oui)),
            optional(field("wlan.rsn.gcs.oui")),
            "{at}"
        );
    }
    assert_eq!(
        rsn.and_then(|r| r.pairwise_ciphers.as_deref())
            .map(cipher_types)
            .unwrap_or_default(),
        numbers(field("wlan.rsn.pcs.type")),
        "{at} RSN pairwise"
    );
    assert_eq!(
        rsn.and_then(|r| r.akm_suites.as_deref())
            .map(akm_types)
            .unwrap_or_default(),
        numbers(field("wlan.rsn.akms.type")),
        "{at} RSN AKMs"
    );
    let has_capabilities = rsn.is_some_and(|r| r.capabilities.is_some());
    assert_eq!(
        has_capabilities.then(|| u64::from(rsn.is_some_and(|r| r.mfpr))),
        optional(field("wlan.rsn.capabilities.mfpr")),
        "{at} MFPR"
    );
    assert_eq!(
        has_capabilities.then(|| u64::from(rsn.is_some_and(|r| r.mfpc))),
        optional(field("wlan.rsn.capabilities.mfpc")),
        "{at} MFPC"
    );
    assert_eq!(
        rsn.and_then(|r| r.group_management_cipher)
            .map(|c| u64::from(c.suite_type())),
        optional(field("wlan.rsn.gmcs.type")),
        "{at} group management cipher"
    );

    let wpa = ap.wpa.as_ref();
    assert_eq!(
        wpa.and_then(|w| w.group_cipher)
            .map(|c| u64::from(c.suite_type())),
        optional(field("wlan.wfa.ie.wpa.mcs.type")),
        "{at} WPA group cipher"
    );
    if let Some(group) = wpa.and_then(|w| w.group_cipher) {
        let oui = match group {
            CipherSuite::Other { oui, .. } => oui,
            _ => OUI_MICROSOFT,
        };
        assert_eq!(
            Some(oui_number(oui)),
            optional(field("wlan.wfa.ie.wpa.mcs.oui")),
            "{at}"
        );
    }
    assert_eq!(
        wpa.map(|w| cipher_types(&w.pairwise_ciphers))
            .unwrap_or_default(),
        numbers(field("wlan.wfa.ie.wpa.ucs.type")),
        "{at} WPA pairwise"
    );
    assert_eq!(
        wpa.map(|w| akm_types(&w.akm_suites)).unwrap_or_default(),
        numbers(field("wlan.wfa.ie.wpa.type")),
        "{at} WPA AKMs"
    );

    let wps = ap.wps_details.as_ref();
    assert_eq!(
        wps.and_then(|w| w.state).map(u64::from),
        optional(field("wps.wifi_protected_setup_state")),
        "{at} WPS state"
    );
    assert_eq!(
        wps.and_then(|w| w.ap_setup_locked).map(u64::from),
        optional(field("wps.ap_setup_locked")),
        "{at} WPS AP setup locked"
    );

    // edgeaudit falls back to the radio header's frequency only when both elements are absent.
    let element_channel = optional(field("wlan.ds.current_channel"))
        .or_else(|| optional(field("wlan.ht.info.primarychannel")));
    if element_channel.is_some() || ap.frequency_mhz.is_none() {
        assert_eq!(ap.channel.map(u64::from), element_channel, "{at} channel");
    }
}

fn check_file(path: &Path) -> usize {
    let file = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or(path)
        .display()
        .to_string();
    let bytes = std::fs::read(path).unwrap();
    let summary = match read_capture(&bytes) {
        Ok(summary) => summary,
        // Refused on purpose: tshark reads a 4 GiB snaplen header; garbage fails in both.
        Err(CaptureError::AbsurdSnaplen { .. }) | Err(CaptureError::UnknownMagic { .. }) => {
            return 0
        }
        Err(e) => panic!("{file}: {e}"),
    };
    let frames = tshark(path);
    // Group tshark's frames by (BSSID, SSID octets); tshark prints an empty SSID as <MISSING>.
    let mut groups: BTreeMap<(String, String), Vec<&TsharkFrame>> = BTreeMap::new();
    for frame in &frames {
        let ssid = match frame["wlan.ssid"].as_str() {
            "<MISSING>" => String::new(),
            hex => hex.to_string(),
        };
        groups
            .entry((frame["wlan.bssid"].clone(), ssid))
            .or_default()
            .push(frame);
    }
    let ours: Vec<(String, String)> = summary
        .access_points
        .iter()
        .map(|ap| (ap.bssid.clone(), ap.ssid.hex.clone()))
        .collect();
    let theirs: Vec<(String, String)> = groups.keys().cloned().collect();
    assert_eq!(ours, theirs, "{file}: (BSSID, SSID) pairs");
    for ap in &summary.access_points {
        let group = &groups[&(ap.bssid.clone(), ap.ssid.hex.clone())];
        let count = |subtype: &str| {
            group
                .iter()
                .filter(|f| f["wlan.fc.type_subtype"] == subtype)
                .count() as u64
        };
        assert_eq!(
            (ap.beacons, ap.probe_responses),
            (count("0x0008"), count("0x0005")),
            "{file} {} frame counts",
            ap.bssid
        );
        compare(&file, ap, group[0]);
    }
    assert_eq!(summary.management_frames as usize, frames.len(), "{file}");
    frames.len()
}

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pcap-fixtures/wifi");
    let mut files = Vec::new();
    for dir in ["synthetic", "malformed", "third-party/aircrack-ng"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e != "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_matches_tshark() {
    let files = fixtures();
    assert!(files.len() >= 27, "{} fixtures", files.len());
    let frames: usize = files.iter().map(|path| check_file(path)).sum();
    assert!(frames > 300, "only {frames} frames compared");
}
