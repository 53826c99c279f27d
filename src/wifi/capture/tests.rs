use super::*;

/// A pcap file (§4, §5) with one link type; records are (seconds, fraction, data).
fn pcap_bytes(big_endian: bool, nanos: bool, link: u32, records: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut out = Vec::new();
    out.extend(u32b(if nanos {
        PCAP_MAGIC_NANOS
    } else {
        PCAP_MAGIC_MICROS
    }));
    out.extend(u16b(2));
    out.extend(u16b(4));
    out.extend(u32b(0)); // thiszone
    out.extend(u32b(0)); // sigfigs
    out.extend(u32b(65535));
    out.extend(u32b(link));
    for (seconds, fraction, data) in records {
        out.extend(u32b(*seconds));
        out.extend(u32b(*fraction));
        out.extend(u32b(data.len() as u32));
        out.extend(u32b(data.len() as u32));
        out.extend_from_slice(data);
    }
    out
}

/// A little-endian pcapng block (§3.1): type, total length, body padded to 4, total length.
fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    let total = (body.len() + 12) as u32;
    let mut out = Vec::new();
    out.extend(block_type.to_le_bytes());
    out.extend(total.to_le_bytes());
    out.extend(body);
    out.extend(total.to_le_bytes());
    out
}

fn shb() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(PCAPNG_BYTE_ORDER_MAGIC.to_le_bytes());
    body.extend(1u16.to_le_bytes());
    body.extend(0u16.to_le_bytes());
    body.extend((-1i64).to_le_bytes());
    block(PCAPNG_SECTION_HEADER, &body)
}

fn idb(link: u16, snaplen: u32, tsresol: Option<u8>) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(link.to_le_bytes());
    body.extend(0u16.to_le_bytes());
    body.extend(snaplen.to_le_bytes());
    if let Some(resolution) = tsresol {
        body.extend(OPTION_IF_TSRESOL.to_le_bytes());
        body.extend(1u16.to_le_bytes());
        body.extend([resolution, 0, 0, 0]);
        body.extend([0, 0, 0, 0]); // opt_endofopt
    }
    block(PCAPNG_INTERFACE_DESCRIPTION, &body)
}

fn epb(interface: u32, units: u64, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(interface.to_le_bytes());
    body.extend(((units >> 32) as u32).to_le_bytes());
    body.extend((units as u32).to_le_bytes());
    body.extend((data.len() as u32).to_le_bytes());
    body.extend((data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    block(PCAPNG_ENHANCED_PACKET, &body)
}

fn spb(data: &[u8]) -> Vec<u8> {
    let mut body = (data.len() as u32).to_le_bytes().to_vec();
    body.extend_from_slice(data);
    block(PCAPNG_SIMPLE_PACKET, &body)
}

fn events(bytes: &[u8]) -> Vec<RecordEvent<'_>> {
    CaptureReader::new(bytes).expect("header").collect()
}

fn packet<'a>(event: &RecordEvent<'a>) -> Record<'a> {
    match event {
        RecordEvent::Packet(record) => record.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pcap_in_both_byte_orders_and_both_resolutions() {
    for big_endian in [false, true] {
        for nanos in [false, true] {
            let fraction = if nanos { 123_456_789 } else { 123_456 };
            let bytes = pcap_bytes(big_endian, nanos, 127, &[(1_700_000_000, fraction, b"abc")]);
            let reader = CaptureReader::new(&bytes).unwrap();
            assert_eq!(reader.format(), CaptureFormat::Pcap);
            assert_eq!(reader.link_types(), &[127]);
            let all: Vec<_> = reader.collect();
            assert_eq!(all.len(), 1);
            let record = packet(&all[0]);
            assert_eq!(record.link_type, 127);
            assert_eq!(record.data, b"abc");
            assert_eq!(record.original_len, 3);
            let expected_nanos = if nanos { 123_456_789 } else { 123_456_000 };
            assert_eq!(
                record.timestamp,
                Some(Timestamp {
                    seconds: 1_700_000_000,
                    nanoseconds: expected_nanos
                }),
                "big_endian={big_endian} nanos={nanos}"
            );
        }
    }
}

#[test]
fn pcap_link_type_ignores_the_fcs_flag_bits() {
    // §5.8: bits 26–31 of the LinkType field carry FCS information.
    let bytes = pcap_bytes(false, false, 0x1400_0000 | 105, &[]);
    assert_eq!(CaptureReader::new(&bytes).unwrap().link_types(), &[105]);
}

#[test]
fn file_header_errors_are_typed() {
    assert_eq!(
        CaptureReader::new(b"\xd4\xc3").unwrap_err(),
        CaptureError::TooShort { len: 2 }
    );
    assert_eq!(
        CaptureReader::new(b"GARBAGE!garbage").unwrap_err(),
        CaptureError::UnknownMagic { magic: *b"GARB" }
    );
    let mut short_header = pcap_bytes(false, false, 127, &[]);
    short_header.truncate(20);
    assert_eq!(
        CaptureReader::new(&short_header).unwrap_err(),
        CaptureError::TooShort { len: 20 }
    );
    let mut version = pcap_bytes(false, false, 127, &[]);
    version[4] = 3;
    assert_eq!(
        CaptureReader::new(&version).unwrap_err(),
        CaptureError::UnsupportedPcapVersion { major: 3, minor: 4 }
    );
    let mut snaplen = pcap_bytes(false, false, 127, &[]);
    snaplen[16..20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    assert_eq!(
        CaptureReader::new(&snaplen).unwrap_err(),
        CaptureError::AbsurdSnaplen {
            snaplen: 0xffff_fff0
        }
    );
}

#[test]
fn a_record_longer_than_the_file_stops_reading_with_a_reason() {
    let mut bytes = pcap_bytes(false, false, 105, &[(1, 0, b"first"), (2, 0, b"second")]);
    bytes.truncate(bytes.len() - 2);
    let all = events(&bytes);
    assert_eq!(all.len(), 2);
    assert_eq!(packet(&all[0]).data, b"first");
    assert_eq!(all[1], RecordEvent::Skipped(SkipReason::RecordBeyondFile));
}

#[test]
fn a_file_ending_inside_a_record_header_is_a_truncated_record() {
    let mut bytes = pcap_bytes(false, false, 105, &[(1, 0, b"first")]);
    bytes.extend([0u8; 9]);
    let all = events(&bytes);
    assert_eq!(all[1], RecordEvent::Skipped(SkipReason::TruncatedRecord));
    assert_eq!(all.len(), 2);
}

#[test]
fn an_absurd_record_length_never_allocates() {
    let mut bytes = pcap_bytes(false, false, 105, &[(1, 0, b"x")]);
    let len_at = PCAP_HEADER_LEN + 8;
    bytes[len_at..len_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        events(&bytes),
        vec![RecordEvent::Skipped(SkipReason::RecordBeyondFile)]
    );
}

#[test]
fn pcapng_with_two_interfaces_resolutions_spb_and_unknown_blocks() {
    let mut bytes = shb();
    bytes.extend(idb(127, 0, Some(9))); // nanoseconds
    bytes.extend(idb(105, 4, None)); // microseconds, snaplen 4
    bytes.extend(block(0x0000_0bad, b"unknown block")); // stepped over
    bytes.extend(epb(0, 1_700_000_000_123_456_789, b"radiotap"));
    bytes.extend(epb(1, 1_700_000_000_000_001, b"raw"));
    bytes.extend(block(5, &[0; 12])); // interface statistics
    bytes.extend(epb(7, 0, b"nobody")); // no such interface
    bytes.extend(spb(b"simple"));
    let reader = CaptureReader::new(&bytes).unwrap();
    assert_eq!(reader.format(), CaptureFormat::Pcapng);
    let mut reader = reader;
    let all: Vec<_> = reader.by_ref().collect();
    assert_eq!(reader.link_types(), &[127, 105]);
    assert_eq!(all.len(), 4);
    let first = packet(&all[0]);
    assert_eq!((first.link_type, first.data), (127, &b"radiotap"[..]));
    assert_eq!(
        first.timestamp,
        Some(Timestamp {
            seconds: 1_700_000_000,
            nanoseconds: 123_456_789
        })
    );
    let second = packet(&all[1]);
    assert_eq!((second.link_type, second.data), (105, &b"raw"[..]));
    assert_eq!(
        second.timestamp,
        Some(Timestamp {
            seconds: 1_700_000_000,
            nanoseconds: 1_000
        })
    );
    assert_eq!(all[2], RecordEvent::Skipped(SkipReason::UnknownInterface));
    // SPB: interface 0, captured = original length (interface 0's snaplen is 0 = unlimited).
    let simple = packet(&all[3]);
    assert_eq!((simple.link_type, simple.data), (127, &b"simple"[..]));
}

#[test]
fn pcapng_simple_packet_is_cut_at_the_interface_snaplen() {
    let mut bytes = shb();
    bytes.extend(idb(105, 4, None));
    bytes.extend(spb(b"simple"));
    let all = events(&bytes);
    assert_eq!(packet(&all[0]).data, b"simp");
    assert_eq!(packet(&all[0]).original_len, 6);
}

#[test]
fn pcapng_big_endian_section() {
    // The same SHB and IDB written big-endian: block type is palindromic, the BOM is swapped.
    let mut bytes = Vec::new();
    bytes.extend(PCAPNG_SECTION_HEADER.to_be_bytes());
    bytes.extend(28u32.to_be_bytes());
    bytes.extend(PCAPNG_BYTE_ORDER_MAGIC.to_be_bytes());
    bytes.extend(1u16.to_be_bytes());
    bytes.extend(0u16.to_be_bytes());
    bytes.extend((-1i64).to_be_bytes());
    bytes.extend(28u32.to_be_bytes());
    // IDB: type, len 20, link 105, reserved, snaplen, len.
    bytes.extend(1u32.to_be_bytes());
    bytes.extend(20u32.to_be_bytes());
    bytes.extend(105u16.to_be_bytes());
    bytes.extend(0u16.to_be_bytes());
    bytes.extend(0u32.to_be_bytes());
    bytes.extend(20u32.to_be_bytes());
    // EPB with 3 bytes of data padded to 4.
    bytes.extend(6u32.to_be_bytes());
    bytes.extend(36u32.to_be_bytes());
    bytes.extend(0u32.to_be_bytes());
    bytes.extend(0u32.to_be_bytes());
    bytes.extend(2_000_000u32.to_be_bytes());
    bytes.extend(3u32.to_be_bytes());
    bytes.extend(3u32.to_be_bytes());
    bytes.extend(b"abc\0");
    bytes.extend(36u32.to_be_bytes());
    let all = events(&bytes);
    let record = packet(&all[0]);
    assert_eq!((record.link_type, record.data), (105, &b"abc"[..]));
    assert_eq!(record.timestamp.map(|t| t.seconds), Some(2));
}

#[test]
fn pcapng_sections_reset_the_interface_table() {
    let mut bytes = shb();
    bytes.extend(idb(105, 0, None));
    bytes.extend(shb());
    bytes.extend(epb(0, 0, b"orphan"));
    assert_eq!(
        events(&bytes),
        vec![RecordEvent::Skipped(SkipReason::UnknownInterface)]
    );
}

#[test]
fn pcapng_header_errors_are_typed() {
    let mut bom = shb();
    bom[8..12].copy_from_slice(&0xdead_beefu32.to_le_bytes());
    assert_eq!(
        CaptureReader::new(&bom).unwrap_err(),
        CaptureError::BadByteOrderMagic { magic: 0xdead_beef }
    );
    let mut length = shb();
    length[4..8].copy_from_slice(&4096u32.to_le_bytes());
    assert_eq!(
        CaptureReader::new(&length).unwrap_err(),
        CaptureError::BadSectionHeaderLength {
            length: 4096,
            file_len: 28
        }
    );
    let mut version = shb();
    version[12] = 2;
    assert_eq!(
        CaptureReader::new(&version).unwrap_err(),
        CaptureError::UnsupportedPcapngVersion { major: 2, minor: 0 }
    );
}

#[test]
fn pcapng_bad_blocks_are_counted() {
    let good = epb(0, 0, b"frame");
    let base = [shb(), idb(105, 0, None)].concat();

    let mut beyond = base.clone();
    let mut long = good.clone();
    long[4..8].copy_from_slice(&4096u32.to_le_bytes());
    beyond.extend(&good);
    beyond.extend(long);
    let all = events(&beyond);
    assert_eq!(packet(&all[0]).data, b"frame");
    assert_eq!(all[1], RecordEvent::Skipped(SkipReason::TruncatedBlock));

    let mut odd = base.clone();
    let mut unaligned = good.clone();
    unaligned[4..8].copy_from_slice(&13u32.to_le_bytes());
    odd.extend(unaligned);
    assert_eq!(
        events(&odd),
        vec![RecordEvent::Skipped(SkipReason::BadBlock)]
    );

    let mut mismatch = base.clone();
    let mut trailer = good.clone();
    let n = trailer.len();
    trailer[n - 4..].copy_from_slice(&8u32.to_le_bytes());
    mismatch.extend(trailer);
    mismatch.extend(&good);
    let all = events(&mismatch);
    assert_eq!(all[0], RecordEvent::Skipped(SkipReason::BadBlock));
    assert_eq!(packet(&all[1]).data, b"frame");

    let mut captured = base.clone();
    let mut overlong = good.clone();
    overlong[20..24].copy_from_slice(&200u32.to_le_bytes()); // captured length
    captured.extend(overlong);
    assert_eq!(
        events(&captured),
        vec![RecordEvent::Skipped(SkipReason::RecordBeyondFile)]
    );

    let mut tail = base;
    tail.extend([1, 0, 0]);
    assert_eq!(
        events(&tail),
        vec![RecordEvent::Skipped(SkipReason::TruncatedBlock)]
    );
}

#[test]
fn binary_and_odd_timestamp_resolutions() {
    assert_eq!(
        Resolution::from_tsresol(0x80 | 10).timestamp(3 * 1024 + 512),
        Some(Timestamp {
            seconds: 3,
            nanoseconds: 500_000_000
        })
    );
    assert_eq!(
        Resolution::Decimal(12).timestamp(5_000_000_000_007),
        Some(Timestamp {
            seconds: 5,
            nanoseconds: 0
        })
    );
    assert_eq!(Resolution::Decimal(25).timestamp(1), None);
    assert_eq!(Resolution::Binary(70).timestamp(1), None);
}

/// Every record of every committed pcap fixture equals what the `pcap-file` crate reads.
#[test]
fn records_match_the_pcap_file_crate_on_the_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pcap-fixtures/wifi");
    let mut checked = 0;
    for dir in ["synthetic", "third-party/aircrack-ng"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            if path.extension().is_some_and(|e| e == "pcapng") {
                let mut oracle = pcap_file::pcapng::PcapNgReader::new(&bytes[..]).unwrap();
                let mut expected = Vec::new();
                while let Some(block) = oracle.next_block() {
                    match block.unwrap() {
                        pcap_file::pcapng::Block::EnhancedPacket(p) => {
                            expected.push(p.data.to_vec())
                        }
                        // pcap-file hands out an SPB's padding too; the packet is its
                        // original length (pcapng §4.4).
                        pcap_file::pcapng::Block::SimplePacket(p) => {
                            let len = (p.original_len as usize).min(p.data.len());
                            expected.push(p.data[..len].to_vec())
                        }
                        _ => {}
                    }
                }
                let ours: Vec<Vec<u8>> = events(&bytes)
                    .iter()
                    .map(|e| packet(e).data.to_vec())
                    .collect();
                assert!(ours == expected, "{}", path.display());
            } else if path.extension().is_some_and(|e| e == "pcap" || e == "cap") {
                let mut oracle = pcap_file::pcap::PcapReader::new(&bytes[..]).unwrap();
                let link = u32::from(oracle.header().datalink) as u16;
                let mut expected = Vec::new();
                while let Some(p) = oracle.next_packet() {
                    let p = p.unwrap();
                    expected.push((p.data.to_vec(), p.timestamp));
                }
                let ours: Vec<_> = events(&bytes)
                    .iter()
                    .map(|e| {
                        let r = packet(e);
                        assert_eq!(r.link_type, link);
                        let t = r.timestamp.unwrap();
                        (
                            r.data.to_vec(),
                            std::time::Duration::new(t.seconds, t.nanoseconds),
                        )
                    })
                    .collect();
                assert!(ours == expected, "{}", path.display());
            } else {
                continue;
            }
            checked += 1;
        }
    }
    assert!(checked >= 19, "{checked} fixtures checked");
}
