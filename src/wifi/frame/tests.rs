use super::*;

/// Frame Control (type/subtype in the first octet, flags in the second), duration, three
/// addresses, sequence control (§9.3.3.2), then the given body.
fn frame(fc0: u8, fc1: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![fc0, fc1, 0, 0];
    out.extend([0xff; 6]);
    out.extend([0x02, 0, 0, 0, 0, 0x0a]);
    out.extend([0x02, 0, 0, 0, 0, 0x0b]);
    out.extend([0x10, 0x00]);
    out.extend(body);
    out
}

/// Timestamp 0x0102030405060708, interval 100 TU, capability ESS|Privacy, one SSID element.
fn beacon_body() -> Vec<u8> {
    let mut body = 0x0102_0304_0506_0708u64.to_le_bytes().to_vec();
    body.extend(100u16.to_le_bytes());
    body.extend(0x0011u16.to_le_bytes());
    body.extend([0, 1, b'x']);
    body
}

#[test]
fn beacon_fixed_fields_and_addresses() {
    let bytes = frame(0x80, 0x00, &beacon_body());
    let beacon = parse_management_frame(&bytes).unwrap();
    assert_eq!(beacon.kind, ManagementKind::Beacon);
    assert_eq!(beacon.source, [2, 0, 0, 0, 0, 0x0a]);
    assert_eq!(beacon.bssid, [2, 0, 0, 0, 0, 0x0b]);
    assert_eq!(beacon.timestamp, 0x0102_0304_0506_0708);
    assert_eq!(beacon.beacon_interval, 100);
    assert!(beacon.privacy());
    assert_eq!(beacon.elements, &[0, 1, b'x']);
    assert_eq!(format_mac(beacon.bssid), "02:00:00:00:00:0b");
}

#[test]
fn probe_response_and_ht_control() {
    let bytes = frame(0x50, 0x00, &beacon_body());
    assert_eq!(
        parse_management_frame(&bytes).unwrap().kind,
        ManagementKind::ProbeResponse
    );
    // +HTC/Order set: 4 more header octets before the body.
    let mut body = vec![0xaa; 4];
    body.extend(beacon_body());
    let bytes = frame(0x80, 0x80, &body);
    let beacon = parse_management_frame(&bytes).unwrap();
    assert_eq!(beacon.beacon_interval, 100);
    assert_eq!(beacon.elements, &[0, 1, b'x']);
}

#[test]
fn other_frames_say_why_they_were_not_used() {
    assert_eq!(
        parse_management_frame(&frame(0x40, 0, &[])),
        Err(FrameError::OtherManagementSubtype(4))
    );
    assert_eq!(
        parse_management_frame(&frame(0x08, 0, &[])),
        Err(FrameError::NotManagement(2))
    );
    assert_eq!(
        parse_management_frame(&[0xd4, 0, 0, 0]),
        Err(FrameError::NotManagement(1))
    );
    // 802.11ad DMG beacon: type 3 (extension), subtype 0.
    assert_eq!(
        parse_management_frame(&[0x0c, 0x00]),
        Err(FrameError::NotManagement(3))
    );
    assert_eq!(
        parse_management_frame(&[0x81, 0x00]),
        Err(FrameError::ProtocolVersion(1))
    );
    assert_eq!(
        parse_management_frame(&[0x80]),
        Err(FrameError::TruncatedHeader)
    );
    assert_eq!(
        parse_management_frame(&frame(0x80, 0, &[])[..20]),
        Err(FrameError::TruncatedHeader)
    );
    assert_eq!(
        parse_management_frame(&frame(0x80, 0, &[0; 11])),
        Err(FrameError::TruncatedBody)
    );
}
