use super::*;

/// A beacon-sized 802.11 frame body; its content does not matter to the radio layer.
fn mac_frame() -> Vec<u8> {
    let mut frame = vec![0x80, 0x00, 0x00, 0x00];
    frame.extend([0xff; 6]);
    frame.extend([0x02, 0, 0, 0, 0, 1]);
    frame.extend([0x02, 0, 0, 0, 0, 1]);
    frame.extend([0x00, 0x00]);
    frame.extend([0u8; 12]);
    frame.extend([0x00, 0x03, b'l', b'a', b'b']);
    frame
}

fn with_fcs(frame: &[u8]) -> Vec<u8> {
    let mut out = frame.to_vec();
    out.extend(crc32(frame).to_le_bytes());
    out
}

#[test]
fn crc32_check_value() {
    // The standard CRC-32 check value of "123456789".
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn raw_80211_detects_a_trailing_fcs_by_its_crc() {
    let frame = mac_frame();
    let plain = split_radio_header(LINKTYPE_IEEE802_11, &frame).unwrap();
    assert_eq!((plain.mac, plain.fcs), (&frame[..], Fcs::Absent));
    let fcs = with_fcs(&frame);
    let stripped = split_radio_header(LINKTYPE_IEEE802_11, &fcs).unwrap();
    assert_eq!((stripped.mac, stripped.fcs), (&frame[..], Fcs::Stripped));
    // Too short to hold a frame and an FCS: taken as it is.
    let tiny = split_radio_header(LINKTYPE_IEEE802_11, &[1, 2, 3]).unwrap();
    assert_eq!(tiny.mac, &[1, 2, 3]);
}

/// radiotap header: version 0, pad, it_len, presence words, then fields (radiotap.org).
fn radiotap(presence: &[u32], fields: &[u8]) -> Vec<u8> {
    let len = 4 + 4 * presence.len() + fields.len();
    let mut out = vec![0, 0];
    out.extend((len as u16).to_le_bytes());
    for word in presence {
        out.extend(word.to_le_bytes());
    }
    out.extend(fields);
    out
}

#[test]
fn radiotap_flags_channel_and_signal_with_alignment_padding() {
    // Flags (bit 1) at offset 8, one pad byte, Channel (bit 3, 2-aligned) at 10, signal at 14.
    let present = (1 << 1) | (1 << 3) | (1 << 5);
    let fields = [0x00, 0xee, 0x85, 0x09, 0xa0, 0x00, 0xd6];
    let mut frame = radiotap(&[present], &fields);
    frame.extend(mac_frame());
    let out = split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &frame).unwrap();
    assert_eq!(out.mac, &mac_frame()[..]);
    assert_eq!(out.radio.frequency_mhz, Some(2437));
    assert_eq!(out.radio.signal_dbm, Some(-42));
    assert_eq!(out.fcs, Fcs::Absent);
}

#[test]
fn radiotap_extended_presence_and_tsft_alignment() {
    // Two presence words (bit 31 set in the first): data starts at 12, TSFT aligns to 16.
    let present = (1 << 0) | (1 << 1) | (1 << 5) | (1 << 31);
    let mut fields = vec![0xaa; 4]; // padding before TSFT
    fields.extend(7u64.to_le_bytes());
    fields.push(RADIOTAP_FLAG_FCS_AT_END);
    fields.push(0xc4); // -60 dBm
    let mut frame = radiotap(&[present, 0x0000_0001], &fields);
    frame.extend(with_fcs(&mac_frame()));
    let out = split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &frame).unwrap();
    assert_eq!(out.mac, &mac_frame()[..]);
    assert_eq!(out.fcs, Fcs::Stripped);
    assert_eq!(out.radio.signal_dbm, Some(-60));
    assert_eq!(out.radio.frequency_mhz, None);
}

#[test]
fn radiotap_fcs_problems_are_bad_fcs() {
    let present = 1 << 1;
    let mut declared = radiotap(&[present], &[RADIOTAP_FLAG_FCS_AT_END]);
    declared.extend(mac_frame());
    declared.extend([0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(
        split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &declared),
        Err(RadioError::BadFcs)
    );
    let mut flagged = radiotap(&[present], &[RADIOTAP_FLAG_BAD_FCS]);
    flagged.extend(mac_frame());
    assert_eq!(
        split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &flagged),
        Err(RadioError::BadFcs)
    );
}

#[test]
fn radiotap_broken_headers() {
    assert_eq!(
        split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &[1, 0, 8, 0, 0, 0, 0, 0]),
        Err(RadioError::BadRadiotapVersion(1))
    );
    assert_eq!(
        split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &[0, 0, 200, 0, 0, 0, 0, 0]),
        Err(RadioError::BadHeaderLength {
            length: 200,
            frame_len: 8
        })
    );
    // Channel present but it_len ends before it.
    let present: u32 = 1 << 3;
    let mut short = vec![0, 0, 9, 0];
    short.extend(present.to_le_bytes());
    short.push(0);
    assert_eq!(
        split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &short),
        Err(RadioError::Truncated)
    );
    // Presence words that never end within it_len.
    let mut endless = vec![0, 0, 12, 0];
    endless.extend(0x8000_0000u32.to_le_bytes());
    endless.extend(0x8000_0000u32.to_le_bytes());
    assert_eq!(
        split_radio_header(LINKTYPE_IEEE802_11_RADIOTAP, &endless),
        Err(RadioError::Truncated)
    );
}

#[test]
fn prism_header_is_144_bytes() {
    let mut frame = vec![0x44; PRISM_HEADER_LEN];
    frame.extend(with_fcs(&mac_frame()));
    let out = split_radio_header(LINKTYPE_IEEE802_11_PRISM, &frame).unwrap();
    assert_eq!((out.mac, out.fcs), (&mac_frame()[..], Fcs::Stripped));
    assert_eq!(
        split_radio_header(LINKTYPE_IEEE802_11_PRISM, &[0; 100]),
        Err(RadioError::Truncated)
    );
}

fn ppi(dlt: u32, common: Option<(u16, u16, i8)>) -> Vec<u8> {
    let mut fields = Vec::new();
    if let Some((flags, frequency, signal)) = common {
        fields.extend(PPI_FIELD_80211_COMMON.to_le_bytes());
        fields.extend(20u16.to_le_bytes());
        fields.extend(0u64.to_le_bytes());
        fields.extend(flags.to_le_bytes());
        fields.extend(0u16.to_le_bytes());
        fields.extend(frequency.to_le_bytes());
        fields.extend(0u16.to_le_bytes());
        fields.extend([0, 0, signal as u8, 0]);
    }
    let mut out = vec![0, 0];
    out.extend(((8 + fields.len()) as u16).to_le_bytes());
    out.extend(dlt.to_le_bytes());
    out.extend(fields);
    out
}

#[test]
fn ppi_common_field_gives_fcs_frequency_and_signal() {
    let mut frame = ppi(105, Some((PPI_COMMON_FLAG_FCS, 5180, -70)));
    frame.extend(with_fcs(&mac_frame()));
    let out = split_radio_header(LINKTYPE_PPI, &frame).unwrap();
    assert_eq!((out.mac, out.fcs), (&mac_frame()[..], Fcs::Stripped));
    assert_eq!(out.radio.frequency_mhz, Some(5180));
    assert_eq!(out.radio.signal_dbm, Some(-70));

    let mut bare = ppi(105, None);
    bare.extend(mac_frame());
    let out = split_radio_header(LINKTYPE_PPI, &bare).unwrap();
    assert_eq!((out.mac, out.fcs), (&mac_frame()[..], Fcs::Absent));

    assert_eq!(
        split_radio_header(LINKTYPE_PPI, &ppi(1, None)),
        Err(RadioError::PpiNot80211(1))
    );
}

#[test]
fn other_link_types_are_refused() {
    assert_eq!(
        split_radio_header(LINKTYPE_ETHERNET, &[0; 60]),
        Err(RadioError::UnsupportedLinkType(1))
    );
}

#[test]
fn channels_of_frequencies() {
    assert_eq!(channel_of_frequency(2412), Some(1));
    assert_eq!(channel_of_frequency(2484), Some(14));
    assert_eq!(channel_of_frequency(5180), Some(36));
    assert_eq!(channel_of_frequency(5955), Some(1));
    assert_eq!(channel_of_frequency(2413), None);
    assert_eq!(channel_of_frequency(0), None);
}
