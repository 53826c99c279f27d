//! The Wi-Fi survey against every capture in `pcap-fixtures/wifi/` (described in its README):
//! the exact access points, security class, PMF, WPS, TKIP, frame counts and skip counts.

use std::path::{Path, PathBuf};

use edgeaudit::wifi::{
    read_capture, AccessPoint, CaptureError, CaptureFormat, CaptureSummary, SkipReason,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/wifi")
        .join(name)
}

fn read(name: &str) -> Result<CaptureSummary, CaptureError> {
    read_capture(&std::fs::read(fixture(name)).expect(name))
}

fn survey(name: &str) -> CaptureSummary {
    read(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn snake<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// One line per access point: BSSID, SSID text, class, PMF, WPS, TKIP allowed, beacons, probe
/// responses, channel.
fn row(ap: &AccessPoint) -> String {
    format!(
        "{} {:?} {} pmf={} wps={} tkip={} b={} pr={} ch={}",
        ap.bssid,
        ap.ssid.text,
        snake(ap.security),
        snake(ap.pmf),
        snake(ap.wps),
        ap.tkip_allowed,
        ap.beacons,
        ap.probe_responses,
        ap.channel.map_or("-".to_string(), |c| c.to_string()),
    )
}

fn rows(summary: &CaptureSummary) -> Vec<String> {
    summary.access_points.iter().map(row).collect()
}

fn skipped(summary: &CaptureSummary) -> Vec<(SkipReason, u64)> {
    summary
        .skipped
        .iter()
        .map(|s| (s.reason, s.count))
        .collect()
}

const SYNTHETIC_ROWS: [&str; 20] = [
    r#"02:00:00:00:00:01 "lab-open" open pmf=off wps=none tkip=false b=2 pr=1 ch=6"#,
    r#"02:00:00:00:00:02 "lab-owe" owe pmf=required wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:03 "lab-wep" wep pmf=off wps=none tkip=false b=1 pr=0 ch=1"#,
    r#"02:00:00:00:00:04 "lab-wpa1-tkip" wpa_tkip pmf=off wps=none tkip=true b=1 pr=0 ch=11"#,
    r#"02:00:00:00:00:05 "lab-wpa2-psk" wpa2_psk pmf=off wps=configured tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:06 "lab-wpa2-wps-locked" wpa2_psk pmf=off wps=configured_locked tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:07 "lab-wpa2-wps-unconfigured" wpa2_psk pmf=off wps=not_configured tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:08 "lab-wpa2-tkip" wpa2_psk pmf=off wps=none tkip=true b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:09 "lab-wpa-wpa2-mixed" mixed_wpa_wpa2 pmf=off wps=none tkip=true b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:0a "lab-wpa3-transition" wpa2_wpa3_transition pmf=capable wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:0b "lab-wpa3-sae" wpa3_sae pmf=required wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:0c "lab-wpa2-enterprise" wpa2_enterprise pmf=off wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:0d "lab-wpa3-enterprise-192" wpa3_enterprise pmf=required wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:0e "lab-wpa3-enterprise" wpa3_enterprise pmf=required wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:0f "lab-wpa2-psk-pmf" wpa2_psk pmf=required wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:10 "" wpa2_psk pmf=off wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:10 "lab-hidden" wpa2_psk pmf=off wps=none tkip=false b=0 pr=1 ch=6"#,
    r#"02:00:00:00:00:11 "" open pmf=off wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:12 "lab-\\xff\\xfe" wep pmf=off wps=none tkip=false b=1 pr=0 ch=6"#,
    r#"02:00:00:00:00:13 "lab-5ghz" wpa2_psk pmf=off wps=none tkip=false b=1 pr=0 ch=36"#,
];

const SYNTHETIC: [(&str, CaptureFormat, &[u16]); 5] = [
    ("synthetic/radiotap.pcap", CaptureFormat::Pcap, &[127]),
    (
        "synthetic/radiotap-fcs-be-nsec.pcap",
        CaptureFormat::Pcap,
        &[127],
    ),
    ("synthetic/dot11.pcap", CaptureFormat::Pcap, &[105]),
    ("synthetic/dot11-fcs-be.pcap", CaptureFormat::Pcap, &[105]),
    (
        "synthetic/two-interfaces.pcapng",
        CaptureFormat::Pcapng,
        &[127, 105],
    ),
];

#[test]
fn synthetic_captures_give_every_class_in_every_container() {
    for (name, format, link_types) in SYNTHETIC {
        let summary = survey(name);
        assert_eq!(summary.format, format, "{name}");
        assert_eq!(summary.link_types, link_types, "{name}");
        assert_eq!(rows(&summary), SYNTHETIC_ROWS, "{name}");
        assert_eq!(
            (summary.records, summary.management_frames),
            (25, 22),
            "{name}"
        );
        assert_eq!(
            skipped(&summary),
            [
                (SkipReason::NotManagementFrame, 2),
                (SkipReason::OtherManagementSubtype, 1)
            ],
            "{name}"
        );
        for ap in &summary.access_points {
            assert_eq!(ap.malformed_elements, 0, "{name} {}", ap.bssid);
        }
    }
}

#[test]
fn synthetic_details_of_suites_ssids_and_radio() {
    let summary = survey("synthetic/radiotap.pcap");
    let ap = |ssid: &str| {
        summary
            .access_points
            .iter()
            .find(|a| a.ssid.text == ssid)
            .unwrap_or_else(|| panic!("{ssid}"))
    };
    let names = |list: &[edgeaudit::wifi::elements::CipherSuite]| {
        list.iter().map(|c| c.name()).collect::<Vec<_>>()
    };
    let open = ap("lab-open");
    assert_eq!(open.strongest_signal_dbm, Some(-42));
    assert_eq!((open.frequency_mhz, open.privacy), (Some(2437), false));
    assert_eq!(open.country.as_ref().map(|c| c.code.as_str()), Some("JP"));

    let mixed = ap("lab-wpa-wpa2-mixed");
    assert_eq!(
        mixed.group_cipher.map(|c| c.name()).as_deref(),
        Some("tkip")
    );
    assert_eq!(names(&mixed.pairwise_ciphers), ["ccmp_128", "tkip"]);
    assert!(mixed.rsn.is_some() && mixed.wpa.is_some());

    let suite_b = ap("lab-wpa3-enterprise-192");
    assert_eq!(names(&suite_b.pairwise_ciphers), ["gcmp_256"]);
    let rsn = suite_b.rsn.as_ref().unwrap();
    assert_eq!(
        rsn.group_management_cipher.map(|c| c.name()).as_deref(),
        Some("bip_gmac_256")
    );
    assert_eq!((rsn.capabilities, rsn.pmkid_count), (Some(0x00c0), Some(0)));

    let transition = ap("lab-wpa3-transition");
    let akms: Vec<_> = transition.akm_suites.iter().map(|a| a.name()).collect();
    assert_eq!(akms, ["psk", "sae"]);

    let wps = ap("lab-wpa2-wps-locked").wps_details.as_ref().unwrap();
    assert_eq!(
        (
            wps.version,
            wps.version2,
            wps.state,
            wps.ap_setup_locked,
            wps.device_name.as_deref(),
            wps.model_name.as_deref(),
            wps.manufacturer.as_deref()
        ),
        (
            Some(0x10),
            Some(0x20),
            Some(2),
            Some(true),
            Some("lab-ap"),
            Some("EA-1"),
            Some("edgeaudit lab")
        )
    );

    let zeros = summary
        .access_points
        .iter()
        .find(|a| a.bssid == "02:00:00:00:00:11")
        .unwrap();
    assert!(zeros.ssid.hidden);
    assert_eq!(
        (zeros.ssid.length, zeros.ssid.hex.as_str()),
        (8, "0000000000000000")
    );
    let not_utf8 = ap("lab-\\xff\\xfe");
    assert_eq!(not_utf8.ssid.utf8, None);
    assert_eq!(not_utf8.ssid.hex, "6c61622dfffe");
    assert_eq!(ap("lab-5ghz").frequency_mhz, Some(5180));

    // Without a radio header there is no signal and no frequency.
    let raw = survey("synthetic/dot11.pcap");
    assert!(raw
        .access_points
        .iter()
        .all(|a| a.strongest_signal_dbm.is_none() && a.frequency_mhz.is_none()));
}

#[test]
fn malformed_captures_fail_or_count_what_was_skipped() {
    assert!(matches!(
        read("malformed/garbage-magic.pcap"),
        Err(CaptureError::UnknownMagic { .. })
    ));
    assert_eq!(
        read("malformed/absurd-snaplen.pcap"),
        Err(CaptureError::AbsurdSnaplen {
            snaplen: 0xffff_fff0
        })
    );
    let one_open_beacon =
        [r#"02:00:00:00:00:01 "lab-open" open pmf=off wps=none tkip=false b=1 pr=0 ch=6"#];
    for (name, reason) in [
        (
            "malformed/truncated-record.pcap",
            SkipReason::RecordBeyondFile,
        ),
        (
            "malformed/truncated-record-header.pcap",
            SkipReason::TruncatedRecord,
        ),
        (
            "malformed/truncated-block.pcapng",
            SkipReason::TruncatedBlock,
        ),
        ("malformed/bad-fcs.pcap", SkipReason::BadFcs),
    ] {
        let summary = survey(name);
        assert_eq!(rows(&summary), one_open_beacon, "{name}");
        assert_eq!(skipped(&summary), [(reason, 1)], "{name}");
        assert_eq!(summary.records, 2, "{name}");
    }
    let ethernet = survey("malformed/ethernet-linktype.pcap");
    assert_eq!(ethernet.link_types, [1]);
    assert!(ethernet.access_points.is_empty());
    assert_eq!(skipped(&ethernet), [(SkipReason::UnsupportedLinkType, 2)]);

    let overrun = survey("malformed/element-overrun.pcap");
    assert_eq!(
        rows(&overrun),
        [
            r#"02:00:00:00:00:20 "lab-overrun" unknown pmf=off wps=none tkip=false b=1 pr=0 ch=6"#,
            r#"02:00:00:00:00:21 "lab-short-rsn" unknown pmf=off wps=none tkip=false b=1 pr=0 ch=6"#,
        ]
    );
    assert_eq!(skipped(&overrun), [(SkipReason::MalformedElement, 2)]);
    assert!(overrun
        .access_points
        .iter()
        .all(|a| a.malformed_elements == 1));
}

/// File name, expected rows, expected skip counts.
type AircrackCase = (
    &'static str,
    &'static [&'static str],
    &'static [(SkipReason, u64)],
);

#[test]
fn aircrack_ng_captures() {
    let cases: [AircrackCase; 14] = [
        (
            "wep.open.system.authentication.cap",
            &[r#"00:14:6c:7e:40:80 "teddy" wep pmf=off wps=none tkip=false b=1 pr=0 ch=9"#],
            &[
                (SkipReason::NotManagementFrame, 4),
                (SkipReason::OtherManagementSubtype, 4),
            ],
        ),
        (
            "wep.shared.key.authentication.cap",
            &[r#"00:14:6c:7e:40:80 "teddy" wep pmf=off wps=none tkip=false b=1 pr=0 ch=9"#],
            &[
                (SkipReason::NotManagementFrame, 6),
                (SkipReason::OtherManagementSubtype, 6),
            ],
        ),
        (
            "Chinese-SSID-Name.pcap",
            &[
                r#"00:24:01:8d:c0:84 "\\xb2\\xe2\\xca\\xd4" wep pmf=off wps=none tkip=false b=1 pr=0 ch=6"#,
            ],
            &[],
        ),
        (
            "wpa.cap",
            &[r#"00:0d:93:eb:b0:8c "test" wpa_tkip pmf=off wps=none tkip=true b=1 pr=0 ch=7"#],
            &[(SkipReason::NotManagementFrame, 12)],
        ),
        (
            "wpa-psk-linksys.cap",
            &[r#"00:0b:86:c2:a4:85 "linksys" wpa_tkip pmf=off wps=none tkip=true b=98 pr=3 ch=1"#],
            &[
                (SkipReason::NotManagementFrame, 470),
                (SkipReason::OtherManagementSubtype, 16),
            ],
        ),
        (
            "wpa2-psk-linksys.cap",
            &[r#"00:0b:86:c2:a4:85 "linksys" wpa2_psk pmf=off wps=none tkip=false b=85 pr=6 ch=1"#],
            &[
                (SkipReason::NotManagementFrame, 371),
                (SkipReason::OtherManagementSubtype, 37),
            ],
        ),
        (
            "wpa2.eapol.cap",
            &[r#"00:14:6c:7e:40:80 "Harkonen" wpa2_psk pmf=off wps=none tkip=false b=1 pr=0 ch=1"#],
            &[(SkipReason::NotManagementFrame, 4)],
        ),
        (
            "MOM1.cap",
            &[
                r#"00:21:29:72:a3:19 "MOM1" mixed_wpa_wpa2 pmf=off wps=not_configured tkip=true b=1 pr=0 ch=6"#,
            ],
            &[(SkipReason::NotManagementFrame, 8)],
        ),
        (
            "test-pmkid.pcap",
            &[
                r#"00:12:bf:77:16:2d "WLAN-771698" mixed_wpa_wpa2 pmf=off wps=none tkip=true b=1 pr=0 ch=1"#,
            ],
            &[(SkipReason::NotManagementFrame, 1)],
        ),
        (
            "wps2.0.pcap",
            &[
                r#"00:c0:ca:78:b1:37 "WLAN_666" mixed_wpa_wpa2 pmf=off wps=configured tkip=false b=1 pr=0 ch=13"#,
            ],
            &[],
        ),
        (
            "wpa3-psk.pcap",
            &[
                r#"02:00:00:00:00:00 "WPA3-Network" wpa3_sae pmf=required wps=none tkip=false b=1 pr=1 ch=1"#,
            ],
            &[
                (SkipReason::NotManagementFrame, 15),
                (SkipReason::OtherManagementSubtype, 7),
            ],
        ),
        (
            "n-02.cap",
            &[
                r#"b0:b9:8a:56:8d:ea "Neheb" wpa2_psk pmf=required wps=none tkip=false b=1 pr=9 ch=64"#,
            ],
            &[
                (SkipReason::NotManagementFrame, 165),
                (SkipReason::OtherManagementSubtype, 43),
            ],
        ),
        (
            "test1.pcap",
            &[
                r#"00:0d:58:ef:88:09 "tmpAP" wpa2_psk pmf=off wps=configured tkip=false b=0 pr=1 ch=6"#,
                r#"00:0d:58:ef:88:0a "Vodafone" wpa2_psk pmf=off wps=configured tkip=false b=0 pr=1 ch=6"#,
                r#"00:0d:58:ef:88:0b "veles3" wpa2_psk pmf=off wps=configured tkip=false b=0 pr=1 ch=6"#,
                r#"14:cc:20:c1:cb:2c "Lekonora" mixed_wpa_wpa2 pmf=off wps=configured_locked tkip=false b=1 pr=0 ch=7"#,
                r#"24:a4:3c:fe:22:36 "Intertelecom_FREE" wpa2_psk pmf=off wps=configured tkip=false b=0 pr=1 ch=6"#,
                r#"28:10:7b:94:bb:29 "ogogo" wpa2_psk pmf=off wps=configured tkip=false b=0 pr=1 ch=6"#,
                r#"f8:1a:67:e5:05:62 "Smile)" mixed_wpa_wpa2 pmf=off wps=configured_locked tkip=false b=0 pr=1 ch=6"#,
            ],
            &[
                (SkipReason::NotManagementFrame, 45),
                (SkipReason::OtherManagementSubtype, 140),
            ],
        ),
        (
            "80211ad_beacon.pcap",
            &[],
            &[(SkipReason::NotManagementFrame, 1)],
        ),
    ];
    for (name, expected_rows, expected_skips) in cases {
        let summary = survey(&format!("third-party/aircrack-ng/{name}"));
        assert_eq!(rows(&summary), expected_rows, "{name}");
        assert_eq!(skipped(&summary), expected_skips, "{name}");
    }
    let gbk = survey("third-party/aircrack-ng/Chinese-SSID-Name.pcap");
    assert_eq!(gbk.access_points[0].ssid.hex, "b2e2cad4");
    assert_eq!(gbk.access_points[0].ssid.utf8, None);
}

/// Every file in the fixture folders is covered by a test above.
#[test]
fn every_fixture_is_tested() {
    let tested_elsewhere = [
        "malformed/garbage-magic.pcap",
        "malformed/absurd-snaplen.pcap",
        "malformed/truncated-record.pcap",
        "malformed/truncated-record-header.pcap",
        "malformed/truncated-block.pcapng",
        "malformed/bad-fcs.pcap",
        "malformed/ethernet-linktype.pcap",
        "malformed/element-overrun.pcap",
    ];
    let mut missing = Vec::new();
    for dir in ["synthetic", "malformed", "third-party/aircrack-ng"] {
        for entry in std::fs::read_dir(fixture(dir)).unwrap() {
            let file = entry.unwrap().file_name().into_string().unwrap();
            if file.ends_with(".md") {
                continue;
            }
            let path = format!("{dir}/{file}");
            let known = SYNTHETIC.iter().any(|(n, _, _)| *n == path)
                || tested_elsewhere.contains(&path.as_str())
                || dir == "third-party/aircrack-ng";
            if !known {
                missing.push(path);
            }
        }
    }
    assert!(missing.is_empty(), "untested fixtures: {missing:?}");
    assert_eq!(
        std::fs::read_dir(fixture("third-party/aircrack-ng"))
            .unwrap()
            .count(),
        15,
        "14 captures and NOTICE.md; add new ones to aircrack_ng_captures"
    );
}
