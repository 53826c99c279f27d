use super::elements::{parse_rsn, OUI_IEEE80211};
use super::*;

fn rsn(akms: &[u8], caps: u16) -> RsnInfo {
    RsnInfo {
        version: 1,
        group_cipher: Some(CipherSuite::Ccmp128),
        pairwise_ciphers: Some(vec![CipherSuite::Ccmp128]),
        akm_suites: Some(
            akms.iter()
                .map(|&t| AkmSuite::from_selector(elements::SelectorFamily::Rsn, OUI_IEEE80211, t))
                .collect(),
        ),
        capabilities: Some(caps),
        mfpr: caps & 0x40 != 0,
        mfpc: caps & 0x80 != 0,
        pmkid_count: None,
        group_management_cipher: None,
        malformed: false,
    }
}

fn wpa1() -> WpaInfo {
    WpaInfo {
        version: 1,
        group_cipher: Some(CipherSuite::Tkip),
        pairwise_ciphers: vec![CipherSuite::Tkip],
        akm_suites: vec![AkmSuite::Psk],
        malformed: false,
    }
}

#[test]
fn security_classes() {
    use SecurityClass::*;
    let cases: Vec<(bool, Option<RsnInfo>, Option<WpaInfo>, SecurityClass)> = vec![
        (false, None, None, Open),
        (true, None, None, Wep),
        (true, None, Some(wpa1()), WpaTkip),
        (true, Some(rsn(&[2], 0)), Some(wpa1()), MixedWpaWpa2),
        (true, Some(rsn(&[2], 0)), None, Wpa2Psk),
        (true, Some(rsn(&[4, 6], 0xc0)), None, Wpa2Psk),
        (true, Some(rsn(&[2, 8], 0x80)), None, Wpa2Wpa3Transition),
        (true, Some(rsn(&[8], 0xc0)), None, Wpa3Sae),
        (true, Some(rsn(&[24, 25], 0xc0)), None, Wpa3Sae),
        (true, Some(rsn(&[18], 0xc0)), None, Owe),
        (true, Some(rsn(&[1], 0)), None, Wpa2Enterprise),
        // WPA3-Enterprise transition mode (1 + 5, MFPC): still WPA2-Enterprise.
        (true, Some(rsn(&[1, 5], 0x80)), None, Wpa2Enterprise),
        // SHA-256 802.1X without MFPR: not WPA3-Enterprise.
        (true, Some(rsn(&[5], 0x80)), None, Wpa2Enterprise),
        (true, Some(rsn(&[5], 0xc0)), None, Wpa3Enterprise),
        (true, Some(rsn(&[12], 0xc0)), None, Wpa3Enterprise),
        (true, Some(rsn(&[3, 5], 0xc0)), None, Wpa3Enterprise),
        (true, Some(rsn(&[1, 2], 0)), None, Unknown),
        (true, Some(rsn(&[18, 2], 0)), None, Unknown),
        (true, Some(rsn(&[14], 0)), None, Unknown),
        (true, Some(rsn(&[], 0)), None, Unknown),
        // Unnamed AKMs beside named ones do not change the class.
        (true, Some(rsn(&[2, 19], 0)), None, Wpa2Psk),
        // Privacy = 0 with an RSN element: the element decides.
        (false, Some(rsn(&[8], 0xc0)), None, Wpa3Sae),
    ];
    for (privacy, rsn, wpa, expected) in cases {
        assert_eq!(
            classify(privacy, rsn.as_ref(), wpa.as_ref()),
            expected,
            "{privacy} {rsn:?} {wpa:?}"
        );
    }
    // §9.4.2.24.1: no AKM list means 802.1X; a broken element without one is unknown.
    let no_akm = parse_rsn(&[1, 0, 0, 0x0f, 0xac, 4]);
    assert_eq!(classify(true, Some(&no_akm), None), Wpa2Enterprise);
    let broken = parse_rsn(&[1, 0, 0, 0x0f, 0xac]);
    assert_eq!(classify(true, Some(&broken), None), Unknown);
}

#[test]
fn pmf_and_wps_status() {
    assert_eq!(pmf_of(None), Pmf::Off);
    assert_eq!(pmf_of(Some(&rsn(&[2], 0))), Pmf::Off);
    assert_eq!(pmf_of(Some(&rsn(&[2], 0x80))), Pmf::Capable);
    assert_eq!(pmf_of(Some(&rsn(&[8], 0xc0))), Pmf::Required);
    let wps = |state, locked| WpsInfo {
        state,
        ap_setup_locked: locked,
        ..WpsInfo::default()
    };
    assert_eq!(wps_status_of(None), WpsStatus::None);
    assert_eq!(
        wps_status_of(Some(&wps(Some(1), None))),
        WpsStatus::NotConfigured
    );
    assert_eq!(
        wps_status_of(Some(&wps(Some(2), Some(false)))),
        WpsStatus::Configured
    );
    assert_eq!(
        wps_status_of(Some(&wps(Some(2), Some(true)))),
        WpsStatus::ConfiguredLocked
    );
    assert_eq!(
        wps_status_of(Some(&wps(None, None))),
        WpsStatus::UnknownState
    );
    assert_eq!(
        wps_status_of(Some(&wps(Some(7), None))),
        WpsStatus::UnknownState
    );
}

#[test]
fn ssid_forms() {
    let hidden = Ssid::from_bytes(&[]);
    assert!(hidden.hidden && hidden.text.is_empty() && hidden.utf8.is_none());
    let zeros = Ssid::from_bytes(&[0; 8]);
    assert!(zeros.hidden);
    assert_eq!((zeros.length, zeros.hex.as_str()), (8, "0000000000000000"));
    let gbk = Ssid::from_bytes(&[0xb2, 0xe2, 0xca, 0xd4]);
    assert_eq!(
        (gbk.text.as_str(), gbk.utf8, gbk.hidden),
        ("\\xb2\\xe2\\xca\\xd4", None, false)
    );
    let text = Ssid::from_bytes("会社".as_bytes());
    assert_eq!(text.utf8.as_deref(), Some("会社"));
}

/// A radiotap (Flags, Channel 2437, -50 dBm) beacon from 02:00:00:00:00:01 with `elements`.
fn radiotap_beacon(privacy: bool, elements: &[u8], signal: i8) -> Vec<u8> {
    let mut out = vec![0, 0, 15, 0];
    out.extend(((1u32 << 1) | (1 << 3) | (1 << 5)).to_le_bytes());
    out.extend([0, 0, 0x85, 0x09, 0xa0, 0x00, signal as u8]);
    out.extend([0x80, 0, 0, 0]);
    out.extend([0xff; 6]);
    out.extend([2, 0, 0, 0, 0, 1]);
    out.extend([2, 0, 0, 0, 0, 1]);
    out.extend([0, 0]);
    out.extend([0; 8]);
    out.extend(100u16.to_le_bytes());
    out.extend(if privacy { 0x0011u16 } else { 0x0001 }.to_le_bytes());
    out.extend(elements);
    out
}

#[test]
fn survey_groups_frames_by_bssid_and_ssid() {
    let mut survey = Survey::new();
    let elements = [0, 3, b'l', b'a', b'b', 3, 1, 6];
    survey.add_frame(127, &radiotap_beacon(false, &elements, -70));
    survey.add_frame(127, &radiotap_beacon(false, &elements, -40));
    survey.add_frame(127, &radiotap_beacon(false, &[0, 0], -40));
    survey.add_frame(1, &[0; 20]);
    survey.skip(SkipReason::TruncatedRecord);
    let summary = survey.finish(CaptureFormat::Live, vec![127]);
    assert_eq!(summary.records, 5);
    assert_eq!(summary.management_frames, 3);
    assert_eq!(summary.skipped_count(SkipReason::UnsupportedLinkType), 1);
    assert_eq!(summary.skipped_count(SkipReason::TruncatedRecord), 1);
    assert_eq!(summary.skipped_count(SkipReason::BadFcs), 0);
    assert_eq!(summary.access_points.len(), 2);
    // Sorted by SSID octets: the hidden (empty) one first.
    let hidden = &summary.access_points[0];
    assert!(hidden.ssid.hidden);
    let lab = &summary.access_points[1];
    assert_eq!(lab.ssid.text, "lab");
    assert_eq!(lab.bssid, "02:00:00:00:00:01");
    assert_eq!((lab.beacons, lab.probe_responses), (2, 0));
    assert_eq!(lab.strongest_signal_dbm, Some(-40));
    assert_eq!((lab.channel, lab.frequency_mhz), (Some(6), Some(2437)));
    assert_eq!(lab.security, SecurityClass::Open);
}

#[test]
fn privacy_without_rsn_but_with_a_broken_element_is_not_called_wep() {
    let facts = decode_frame(127, &radiotap_beacon(true, &[0, 1, b'x', 48, 99, 1], -50)).unwrap();
    assert_eq!(facts.malformed_elements, 1);
    assert_eq!(
        AccessPoint::from_frame(&facts).security,
        SecurityClass::Unknown
    );
    let clean = decode_frame(127, &radiotap_beacon(true, &[0, 1, b'x'], -50)).unwrap();
    assert_eq!(AccessPoint::from_frame(&clean).security, SecurityClass::Wep);
}

#[test]
fn observation_types_round_trip_through_json() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("pcap-fixtures/wifi/synthetic/radiotap.pcap"),
    )
    .unwrap();
    let summary = read_capture(&bytes).unwrap();
    let json = serde_json::to_string_pretty(&summary).unwrap();
    let back: CaptureSummary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, summary);
    // snake_case throughout, unknown fields refused.
    assert!(
        json.contains("\"security\": \"wpa2_wpa3_transition\""),
        "{json}"
    );
    assert!(json.contains("\"reason\": \"other_management_subtype\""));
    assert!(json.contains("\"wps\": \"configured_locked\""));
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["access_points"][0]["surprise"] = serde_json::Value::Bool(true);
    assert!(serde_json::from_value::<CaptureSummary>(value).is_err());
}

#[test]
fn class_names_match_their_json() {
    for class in SecurityClass::ALL {
        assert_eq!(
            serde_json::to_value(class).unwrap(),
            serde_json::Value::String(class.name().into())
        );
    }
    for pmf in [Pmf::Required, Pmf::Capable, Pmf::Off] {
        assert_eq!(serde_json::to_value(pmf).unwrap(), pmf.name());
    }
    for wps in [
        WpsStatus::None,
        WpsStatus::NotConfigured,
        WpsStatus::Configured,
        WpsStatus::ConfiguredLocked,
        WpsStatus::UnknownState,
    ] {
        assert_eq!(serde_json::to_value(wps).unwrap(), wps.name());
    }
}
