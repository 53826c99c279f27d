use super::*;

fn element(id: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![id, body.len() as u8];
    out.extend(body);
    out
}

fn rsn_selector(suite_type: u8) -> [u8; 4] {
    [0x00, 0x0f, 0xac, suite_type]
}

/// RSN body (§9.4.2.24.1): version 1, group CCMP, pairwise [CCMP, TKIP], AKMs [PSK, SAE],
/// capabilities MFPC, one PMKID, group management BIP-CMAC-128.
fn full_rsn() -> Vec<u8> {
    let mut body = vec![1, 0];
    body.extend(rsn_selector(4));
    body.extend([2, 0]);
    body.extend(rsn_selector(4));
    body.extend(rsn_selector(2));
    body.extend([2, 0]);
    body.extend(rsn_selector(2));
    body.extend(rsn_selector(8));
    body.extend(0x0080u16.to_le_bytes());
    body.extend([1, 0]);
    body.extend([0x5a; 16]);
    body.extend(rsn_selector(6));
    body
}

#[test]
fn rsn_every_field() {
    let rsn = parse_rsn(&full_rsn());
    assert_eq!(
        rsn,
        RsnInfo {
            version: 1,
            group_cipher: Some(CipherSuite::Ccmp128),
            pairwise_ciphers: Some(vec![CipherSuite::Ccmp128, CipherSuite::Tkip]),
            akm_suites: Some(vec![AkmSuite::Psk, AkmSuite::Sae]),
            capabilities: Some(0x0080),
            mfpr: false,
            mfpc: true,
            pmkid_count: Some(1),
            group_management_cipher: Some(CipherSuite::BipCmac128),
            malformed: false,
        }
    );
}

#[test]
fn rsn_fields_are_optional_from_the_end() {
    let body = full_rsn();
    // Version + group only.
    let short = parse_rsn(&body[..6]);
    assert_eq!(short.group_cipher, Some(CipherSuite::Ccmp128));
    assert_eq!(short.pairwise_ciphers, None);
    assert_eq!(short.akm_suites, None);
    assert!(!short.malformed);
    // Cut in the middle of the pairwise list: what came before is kept, and it is malformed.
    let cut = parse_rsn(&body[..12]);
    assert!(cut.malformed);
    assert_eq!(cut.group_cipher, Some(CipherSuite::Ccmp128));
    assert_eq!(cut.pairwise_ciphers, Some(vec![CipherSuite::Ccmp128]));
    // A huge PMKID count cannot run past the element.
    let mut pmkids = body[..30].to_vec();
    pmkids.extend([0xff, 0xff]);
    assert!(parse_rsn(&pmkids).malformed);
    // Unknown version.
    let v2 = parse_rsn(&[2, 0, 0, 0x0f, 0xac, 4]);
    assert!(v2.malformed);
    assert_eq!(v2.group_cipher, None);
}

#[test]
fn suite_selectors_name_known_types_and_keep_others() {
    use SelectorFamily::*;
    let rsn = |t| CipherSuite::from_selector(Rsn, OUI_IEEE80211, t);
    let names: Vec<String> = (0..=14).map(|t| rsn(t).name()).collect();
    assert_eq!(
        names,
        [
            "use_group",
            "wep_40",
            "tkip",
            "00-0f-ac:3",
            "ccmp_128",
            "wep_104",
            "bip_cmac_128",
            "group_not_allowed",
            "gcmp_128",
            "gcmp_256",
            "ccmp_256",
            "bip_gmac_128",
            "bip_gmac_256",
            "bip_cmac_256",
            "00-0f-ac:14"
        ]
    );
    let akm = |t| AkmSuite::from_selector(Rsn, OUI_IEEE80211, t).name();
    let akms: Vec<(u8, String)> = [1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 18, 24, 25, 14]
        .into_iter()
        .map(|t| (t, akm(t)))
        .collect();
    assert_eq!(
        akms.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(),
        [
            "ieee8021x",
            "psk",
            "ft_ieee8021x",
            "ft_psk",
            "ieee8021x_sha256",
            "psk_sha256",
            "sae",
            "ft_sae",
            "suite_b",
            "suite_b_192",
            "ft_ieee8021x_sha384",
            "owe",
            "sae_ext_key",
            "ft_sae_ext_key",
            "00-0f-ac:14"
        ]
    );
    for (t, _) in &akms {
        assert_eq!(
            AkmSuite::from_selector(Rsn, OUI_IEEE80211, *t).suite_type(),
            *t
        );
    }
    // WPA (00-50-F2) numbers 1–5 are the same ciphers; above that they are not defined.
    assert_eq!(
        CipherSuite::from_selector(Wpa, OUI_MICROSOFT, 2),
        CipherSuite::Tkip
    );
    assert_eq!(
        CipherSuite::from_selector(Wpa, OUI_MICROSOFT, 8),
        CipherSuite::Other {
            oui: OUI_MICROSOFT,
            suite_type: 8
        }
    );
    assert_eq!(
        AkmSuite::from_selector(Wpa, OUI_MICROSOFT, 2),
        AkmSuite::Psk
    );
    // A selector of the other family's OUI, or a vendor's, is kept as it is.
    assert_eq!(
        CipherSuite::from_selector(Rsn, OUI_MICROSOFT, 4).name(),
        "00-50-f2:4"
    );
    // Names round-trip through serde.
    for suite in [
        rsn(4),
        rsn(14),
        CipherSuite::from_selector(Rsn, [0xab, 0xcd, 0xef], 255),
    ] {
        let json = serde_json::to_string(&suite).unwrap();
        assert_eq!(serde_json::from_str::<CipherSuite>(&json).unwrap(), suite);
    }
    assert!(serde_json::from_str::<AkmSuite>("\"nonsense\"").is_err());
    assert!(serde_json::from_str::<AkmSuite>("\"00-0f:1\"").is_err());
}

/// WPA element body after OUI and type (WPA 1: version, multicast, unicast list, AKM list).
fn wpa_body() -> Vec<u8> {
    vec![
        1, 0, 0x00, 0x50, 0xf2, 2, 2, 0, 0x00, 0x50, 0xf2, 4, 0x00, 0x50, 0xf2, 2, 1, 0, 0x00,
        0x50, 0xf2, 2,
    ]
}

#[test]
fn wpa_element() {
    let wpa = parse_wpa(&wpa_body());
    assert_eq!(wpa.group_cipher, Some(CipherSuite::Tkip));
    assert_eq!(
        wpa.pairwise_ciphers,
        vec![CipherSuite::Ccmp128, CipherSuite::Tkip]
    );
    assert_eq!(wpa.akm_suites, vec![AkmSuite::Psk]);
    assert!(!wpa.malformed);
    assert!(parse_wpa(&wpa_body()[..10]).malformed);
}

fn wps_attribute(kind: u16, value: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend((value.len() as u16).to_be_bytes());
    out.extend(value);
    out
}

#[test]
fn wps_attributes() {
    let mut body = wps_attribute(0x104A, &[0x10]);
    body.extend(wps_attribute(0x1044, &[2]));
    body.extend(wps_attribute(0x1057, &[1]));
    body.extend(wps_attribute(0x1011, b"Router\x01"));
    body.extend(wps_attribute(0x1023, b"RT-1"));
    body.extend(wps_attribute(0x1021, b"ACME"));
    body.extend(wps_attribute(0x1049, &[0x00, 0x37, 0x2a, 0x00, 0x01, 0x20]));
    body.extend(wps_attribute(0x9999, b"ignored"));
    let wps = parse_wps(&body);
    assert_eq!(
        wps,
        WpsInfo {
            version: Some(0x10),
            version2: Some(0x20),
            state: Some(2),
            ap_setup_locked: Some(true),
            device_name: Some("Router\\x01".to_string()),
            model_name: Some("RT-1".to_string()),
            manufacturer: Some("ACME".to_string()),
            malformed: false,
        }
    );
    let mut broken = wps_attribute(0x1044, &[1]);
    broken.extend([0x10, 0x57, 0x00, 0x09, 1]);
    let wps = parse_wps(&broken);
    assert_eq!((wps.state, wps.malformed), (Some(1), true));
}

#[test]
fn elements_of_a_beacon() {
    let mut bytes = element(0, b"office");
    bytes.extend(element(1, &[0x82, 0x84]));
    bytes.extend(element(3, &[11]));
    bytes.extend(element(7, b"JP \x01\x0d\x14"));
    bytes.extend(element(48, &full_rsn()));
    let mut wpa = vec![0x00, 0x50, 0xf2, 1];
    wpa.extend(wpa_body());
    bytes.extend(element(221, &wpa));
    // WPS split over two elements: the attribute lists are joined.
    let mut wps1 = vec![0x00, 0x50, 0xf2, 4];
    wps1.extend(wps_attribute(0x104A, &[0x10]));
    wps1.extend([0x10, 0x44]);
    let wps2 = [0x00, 0x50, 0xf2, 4, 0x00, 0x01, 0x01];
    bytes.extend(element(221, &wps1));
    bytes.extend(element(221, &wps2));
    bytes.extend(element(221, &[0x00, 0x10, 0x18, 2, 0, 0])); // another vendor
    bytes.extend(element(61, &[11, 0, 0]));
    bytes.extend(element(0, b"second SSID ignored"));
    let parsed = parse_elements(&bytes);
    assert_eq!(parsed.ssid, Some(&b"office"[..]));
    assert_eq!(parsed.ds_channel, Some(11));
    assert_eq!(parsed.ht_primary_channel, Some(11));
    assert_eq!(
        parsed.country,
        Some(Country {
            code: "JP".to_string(),
            environment: b' '
        })
    );
    assert_eq!(parsed.rsn, Some(parse_rsn(&full_rsn())));
    assert_eq!(parsed.wpa, Some(parse_wpa(&wpa_body())));
    let wps = parsed.wps.unwrap();
    assert_eq!((wps.version, wps.state), (Some(0x10), Some(1)));
    assert_eq!(parsed.malformed, 0);
}

#[test]
fn bad_element_lengths_are_counted_never_fatal() {
    let mut bytes = element(0, &[b'a'; 33]); // SSID longer than 32
    bytes.extend(element(3, &[1, 2])); // DS Parameter Set must be 1 octet
    bytes.extend(element(7, b"J")); // Country too short
    bytes.extend(element(61, &[])); // HT Operation empty
    bytes.extend(element(221, &[0x00])); // vendor element without an OUI
    bytes.extend(element(48, &[1, 0, 0, 0x0f])); // RSN cut inside the group cipher
    bytes.extend([48, 200, 1, 0]); // length beyond the frame: the walk stops here
    let parsed = parse_elements(&bytes);
    assert_eq!(parsed.malformed, 7);
    assert_eq!(parsed.ssid, None);
    assert_eq!(parsed.ds_channel, None);
    assert!(parsed.rsn.unwrap().malformed);
    // A single dangling octet.
    assert_eq!(parse_elements(&[0]).malformed, 1);
    assert_eq!(parse_elements(&[]), Elements::default());
}

#[test]
fn escaping_of_air_bytes() {
    assert_eq!(escape_bytes(b"plain"), "plain");
    assert_eq!(escape_bytes("日本".as_bytes()), "日本");
    assert_eq!(escape_bytes(b"a\\b"), "a\\\\b");
    assert_eq!(escape_bytes(b"bell\x07"), "bell\\x07");
    assert_eq!(
        escape_bytes(&[0xb2, 0xe2, 0xca, 0xd4]),
        "\\xb2\\xe2\\xca\\xd4"
    );
    assert_eq!(escape_bytes("\u{85}".as_bytes()), "\\xc2\\x85");
}
