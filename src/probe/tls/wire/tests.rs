//! Codec tests: captured bytes from `openssl s_server` (OpenSSL 3.0, recorded through a loopback
//! proxy in front of `openssl s_client`), hand-built vectors, and one named test per malformation.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `openssl s_server -no_tls1_3` with a P-256 self-signed certificate, answering
/// `s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256`: ServerHello, Certificate,
/// ServerKeyExchange (x25519), ServerHelloDone, one record each.
const CAPTURED_TLS12_ECDHE: &str = "
16030300410200003d03039149e6960c09b06361abf5d3be7ad2e4b8fd5c061594ea746f8ca8688790b65900c02b0000
15ff01000100000b0004030001020023000000170000160303018c0b0001880001850001823082017e30820123a00302
0102021445c8e924f290294cff37fbb7ae56f31ea9e73cd5300a06082a8648ce3d04030230143112301006035504030c
096c6f63616c686f7374301e170d3236313132373037353632315a170d3236313132393037353632315a301431123010
06035504030c096c6f63616c686f73743059301306072a8648ce3d020106082a8648ce3d03010703420004202975ca05
17f8144d58d8cc331cd2edae52741e0a1e93b266a7ec7b4c9754694ac5cd7eb5b8c9a09c334efca724d5aea9ad721244
3b2c490bdf04e8a97db41ca3533051301d0603551d0e04160414c81c4bff28dd8c4908a0594ce4906c0d6e995a59301f
0603551d23041830168014c81c4bff28dd8c4908a0594ce4906c0d6e995a59300f0603551d130101ff040530030101ff
300a06082a8648ce3d04030203490030460221009ca46d55cb87019f41422f7eaaef0d89377d9617852bcd2c7e0d9fa0
24b0c18c022100efa939965d64fc50f8507cb864c902e7bd84dfbfe100d05fd9d23ccfe62bde9316030300730c00006f
03001d20f14814e68d25b00d6605a737e5a176400c05b43f0acb9c0ec4f0e30129e5d14d040300473045022100e010c0
4b1e63411f551cdca02b2341e2238fd50808e420424cd8ad49fe0126c7022012c389d0c6cc5000b5dff81d9e399bd5a2
898de417513d1f7613d8c1c452df6216030300040e000000";

/// `openssl s_server -tls1_3` answering `s_client -tls1_3`: ServerHello (TLS_AES_256_GCM_SHA384,
/// x25519), the compatibility ChangeCipherSpec, then encrypted records (first two kept).
const CAPTURED_TLS13: &str = "
160303007a02000076030338524a52146c25c0788f983e69bdbe304b8aade117540d56d6f8f7b097c984a2202597fc66
b5768d24d121f0a915a0a66a94e082d78516ee8803129b8492fd46d6130200002e002b0002030400330024001d002005
6acad2c1de4c88401126517a7acf05a59aa90159266fe8ae9b05462de728191403030001011703030017da0a4e735904
2b96b38ab9f7029faedcd3e23d827466fc";

/// `openssl s_server -tls1_3 -groups P-256` answering a client whose key share is x25519: a
/// HelloRetryRequest naming secp256r1, then ChangeCipherSpec.
const CAPTURED_HRR: &str = "
1603030058020000540303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c20a01911fa
d2716891a43e67eecc767450e2b08195888016f1a4222738dfc81832130200000c002b00020304003300020017140303
000101";

/// `openssl s_server -tls1_2` answering a TLS 1.1 ClientHello: fatal protocol_version.
const CAPTURED_ALERT_PROTOCOL_VERSION: &str = "15030200020246";

fn record(content_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(content_type);
    w.u16(0x0303);
    w.vec16(payload);
    w.buf
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(msg_type);
    w.vec24(body);
    w.buf
}

fn server_hello(extensions: Vec<Extension>) -> ServerHello {
    ServerHello {
        legacy_version: ProtocolVersion::TLS12,
        random: [7; 32],
        session_id: vec![1, 2, 3],
        cipher_suite: 0xC02F,
        compression_method: 0,
        extensions,
    }
}

fn sh_record(sh: &ServerHello) -> Vec<u8> {
    record(22, &handshake(2, &sh.encode_body()))
}

fn malformed_what(buf: &[u8]) -> &'static str {
    match parse_server_flight(buf).error {
        Some(WireError::Malformed { what }) => what,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

// ---- captured flights ----

#[test]
fn captured_tls12_ecdhe_flight() {
    let flight = parse_server_flight(&hex(CAPTURED_TLS12_ECDHE));
    assert_eq!(flight.error, None);
    assert_eq!(flight.messages.len(), 4);
    let ServerMessage::ServerHello(sh) = &flight.messages[0] else {
        panic!("{:?}", flight.messages[0]);
    };
    assert_eq!(sh.legacy_version, ProtocolVersion::TLS12);
    assert_eq!(sh.selected_version(), Ok(ProtocolVersion::TLS12));
    assert_eq!(sh.cipher_suite, 0xC02B);
    assert_eq!(sh.compression_method, 0);
    assert!(sh.session_id.is_empty());
    assert_eq!(sh.renegotiation_info(), Ok(Some(Vec::new())));
    assert!(sh.session_ticket());
    assert!(sh
        .extension(ExtensionType::EXTENDED_MASTER_SECRET)
        .is_some());
    assert_eq!(sh.alpn(), Ok(None));
    assert_eq!(sh.heartbeat_mode(), Ok(None));
    assert_eq!(sh.downgrade_sentinel(), None);
    assert!(!sh.is_hello_retry_request());
    let ServerMessage::Certificate(certs) = &flight.messages[1] else {
        panic!("{:?}", flight.messages[1]);
    };
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].len(), 0x182);
    assert_eq!(certs[0][0], 0x30, "DER SEQUENCE");
    let ServerMessage::ServerKeyExchange(ske) = &flight.messages[2] else {
        panic!("{:?}", flight.messages[2]);
    };
    assert_eq!(ske.ecdhe_named_curve(), Ok(NamedGroup::X25519));
    assert_eq!(flight.messages[3], ServerMessage::ServerHelloDone);
    assert!(flight.is_final(false));
    assert_eq!(flight.server_hello().unwrap().cipher_suite, 0xC02B);
    assert_eq!(flight.alert(), None);
}

#[test]
fn captured_tls13_server_hello_then_encrypted_records() {
    let flight = parse_server_flight(&hex(CAPTURED_TLS13));
    assert_eq!(flight.error, None);
    let sh = flight.server_hello().unwrap();
    assert_eq!(sh.legacy_version, ProtocolVersion::TLS12);
    assert_eq!(sh.selected_version(), Ok(ProtocolVersion::TLS13));
    assert_eq!(sh.cipher_suite, 0x1302);
    assert_eq!(sh.key_share_group(), Ok(Some(NamedGroup::X25519)));
    assert_eq!(sh.session_id.len(), 32, "echo of the client's session id");
    assert_eq!(flight.messages[1], ServerMessage::ChangeCipherSpec);
    assert_eq!(
        flight.messages[2],
        ServerMessage::Opaque {
            content_type: ContentType::APPLICATION_DATA,
            len: 0x17
        }
    );
    assert!(flight.is_final(true));
}

#[test]
fn captured_hello_retry_request_names_the_group() {
    let flight = parse_server_flight(&hex(CAPTURED_HRR));
    assert_eq!(flight.error, None);
    let ServerMessage::HelloRetryRequest(hrr) = &flight.messages[0] else {
        panic!("{:?}", flight.messages[0]);
    };
    assert!(hrr.is_hello_retry_request());
    assert_eq!(hrr.selected_version(), Ok(ProtocolVersion::TLS13));
    assert_eq!(hrr.cipher_suite, 0x1302);
    assert_eq!(hrr.key_share_group(), Ok(Some(NamedGroup::SECP256R1)));
    assert!(flight.is_final(false));
}

#[test]
fn captured_protocol_version_alert() {
    let flight = parse_server_flight(&hex(CAPTURED_ALERT_PROTOCOL_VERSION));
    assert_eq!(flight.error, None);
    let alert = flight.alert().unwrap();
    assert_eq!(alert.level, AlertLevel::FATAL);
    assert_eq!(alert.description, AlertDescription::PROTOCOL_VERSION);
    assert_eq!(alert.description.to_string(), "protocol_version");
    assert!(flight.is_final(false));
}

#[test]
fn every_prefix_of_a_flight_is_incomplete_not_malformed() {
    let full = hex(CAPTURED_TLS12_ECDHE);
    for n in 0..full.len() {
        let flight = parse_server_flight(&full[..n]);
        assert!(
            !matches!(flight.error, Some(WireError::Malformed { .. })),
            "prefix {n}: {:?}",
            flight.error
        );
        assert!(!flight.is_final(false), "prefix {n}");
    }
}

#[test]
fn incomplete_says_how_much_is_missing() {
    let full = hex(CAPTURED_TLS12_ECDHE);
    // Record header only: the 0x41-byte fragment is missing.
    assert_eq!(
        parse_server_flight(&full[..5]).error,
        Some(WireError::Incomplete { needed: 0x41 })
    );
    assert_eq!(
        parse_server_flight(&full[..3]).error,
        Some(WireError::Incomplete { needed: 2 })
    );
}

#[test]
fn handshake_messages_reassemble_across_records() {
    // Strip the record layer, then re-frame the handshake stream in 7-byte records.
    let full = hex(CAPTURED_TLS12_ECDHE);
    let mut stream = Vec::new();
    let mut r = Reader::new(&full);
    while !r.is_empty() {
        let header = r.take(5).unwrap();
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        stream.extend_from_slice(r.take(len).unwrap());
    }
    let rechunked: Vec<u8> = stream.chunks(7).flat_map(|c| record(22, c)).collect();
    let a = parse_server_flight(&full);
    let b = parse_server_flight(&rechunked);
    assert_eq!(a, b);
    // And all four messages in one record.
    assert_eq!(parse_server_flight(&record(22, &stream)), a);
}

#[test]
fn fragmented_message_reports_incomplete() {
    let sh = server_hello(Vec::new());
    let hs = handshake(2, &sh.encode_body());
    let first = record(22, &hs[..10]);
    assert_eq!(
        parse_server_flight(&first).error,
        Some(WireError::Incomplete {
            needed: hs.len() - 10
        })
    );
}

#[test]
fn not_tls_keeps_the_bytes() {
    for answer in [
        &b"HTTP/1.1 400 Bad Request\r\n\r\n"[..],
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"\x00\x00\x00",
    ] {
        let flight = parse_server_flight(answer);
        assert_eq!(
            flight.messages,
            vec![ServerMessage::NotTls(answer.to_vec())]
        );
        assert!(flight.is_final(false));
    }
    // A TLS content type with a major version other than 3 is not TLS either.
    let flight = parse_server_flight(b"\x16\x01\x00");
    assert!(matches!(flight.messages[0], ServerMessage::NotTls(_)));
}

#[test]
fn server_hello_extension_accessors() {
    let mut alpn = Writer::default();
    alpn.vec8(b"h2");
    let mut alpn_list = Writer::default();
    alpn_list.vec16(&alpn.buf);
    let mut sh = server_hello(vec![
        Extension::new(ExtensionType::RENEGOTIATION_INFO, vec![2, 0xAA, 0xBB]),
        Extension::new(ExtensionType::ALPN, alpn_list.buf),
        Extension::new(ExtensionType::HEARTBEAT, vec![1]),
        Extension::new(ExtensionType(0x1234), vec![9]),
    ]);
    sh.random[24..31].copy_from_slice(&DOWNGRADE_SENTINEL_PREFIX);
    sh.random[31] = 1;
    let flight = parse_server_flight(&sh_record(&sh));
    let parsed = flight.server_hello().unwrap();
    assert_eq!(parsed, &sh, "round trip through encode_body");
    assert_eq!(parsed.renegotiation_info(), Ok(Some(vec![0xAA, 0xBB])));
    assert_eq!(parsed.alpn(), Ok(Some(b"h2".to_vec())));
    assert_eq!(parsed.heartbeat_mode(), Ok(Some(1)));
    assert!(!parsed.session_ticket());
    assert_eq!(parsed.downgrade_sentinel(), Some(ProtocolVersion::TLS12));
    assert_eq!(ExtensionType(0x1234).to_string(), "0x1234");
    assert!(!flight.is_final(false), "TLS 1.2 waits for ServerHelloDone");
    assert!(flight.is_final(true));
}

#[test]
fn open_enums_print_unknown_values_in_hex() {
    assert_eq!(AlertDescription(0xEE).to_string(), "0xee");
    assert_eq!(
        AlertDescription::HANDSHAKE_FAILURE.to_string(),
        "handshake_failure"
    );
    assert_eq!(NamedGroup(0x11EC).to_string(), "X25519MLKEM768");
    assert_eq!(NamedGroup(0xABCD).to_string(), "0xabcd");
    assert_eq!(ProtocolVersion(0x0304).to_string(), "TLSv1.3");
    assert_eq!(ProtocolVersion(0x7F1C).to_string(), "0x7f1c");
}

#[test]
fn several_alerts_in_one_record() {
    let flight = parse_server_flight(&record(21, &[1, 112, 2, 40]));
    assert_eq!(
        flight.messages,
        vec![
            ServerMessage::Alert(Alert {
                level: AlertLevel::WARNING,
                description: AlertDescription::UNRECOGNIZED_NAME
            }),
            ServerMessage::Alert(Alert {
                level: AlertLevel::FATAL,
                description: AlertDescription::HANDSHAKE_FAILURE
            }),
        ]
    );
}

#[test]
fn other_handshake_messages_are_kept_raw() {
    let mut buf = sh_record(&server_hello(Vec::new()));
    buf.extend(record(22, &handshake(22, &[1, 0, 0, 1, 0xFF])));
    let flight = parse_server_flight(&buf);
    assert_eq!(
        flight.messages[1],
        ServerMessage::OtherHandshake {
            msg_type: HandshakeType::CERTIFICATE_STATUS,
            body: vec![1, 0, 0, 1, 0xFF]
        }
    );
}

#[test]
fn dhe_prime_bits_ignores_leading_zeros() {
    let mut w = Writer::default();
    let mut p = vec![0u8, 0x40];
    p.extend([0xFF; 127]);
    w.vec16(&p); // p: 1 + 127 bytes significant, top byte 0x40 → 7 + 127*8 bits
    w.vec16(&[2]); // g
    w.vec16(&[5; 128]); // Ys
    let ske = ServerKeyExchange { body: w.buf };
    assert_eq!(ske.dhe_prime_bits(), Ok(7 + 127 * 8));
}

#[test]
fn ssl2_server_hello_is_parsed() {
    let mut m = Writer::default();
    m.u8(SSL2_MT_SERVER_HELLO);
    m.u8(0); // session id hit
    m.u8(1); // certificate type X.509
    m.u16(0x0002);
    m.u16(3); // certificate length
    m.u16(6); // cipher specs length
    m.u16(2); // connection id length
    m.bytes(&[0x30, 0x01, 0x00]);
    m.bytes(&[0x01, 0x00, 0x80, 0x07, 0x00, 0xC0]);
    m.bytes(&[0xAB, 0xCD]);
    let mut buf = Writer::default();
    buf.u16(0x8000 | m.buf.len() as u16);
    buf.bytes(&m.buf);
    let flight = parse_server_flight(&buf.buf);
    assert_eq!(flight.error, None);
    let ServerMessage::Ssl2ServerHello(hello) = &flight.messages[0] else {
        panic!("{:?}", flight.messages);
    };
    assert_eq!(hello.version, ProtocolVersion::SSL2);
    assert_eq!(hello.cipher_specs, vec![0x010080, 0x0700C0]);
    assert_eq!(
        ssl2_cipher_name(0x0700C0),
        "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"
    );
    assert_eq!(ssl2_cipher_name(0xFF0000), "0xff0000");
    assert_eq!(hello.certificate, vec![0x30, 0x01, 0x00]);
    assert_eq!(hello.connection_id, vec![0xAB, 0xCD]);
    assert!(flight.is_final(false));
    // Short: incomplete.
    assert!(matches!(
        parse_server_flight(&buf.buf[..buf.buf.len() - 1]).error,
        Some(WireError::Incomplete { needed: 1 })
    ));
}

#[test]
fn ssl2_error_is_parsed() {
    let flight = parse_server_flight(&[0x80, 0x03, 0x00, 0x00, 0x01]);
    assert_eq!(flight.messages, vec![ServerMessage::Ssl2Error(1)]);
}

// ---- ClientHello ----

fn probe(version: ProtocolVersion, n: usize) -> HelloOptions {
    let mut opts = HelloOptions::new(version, (0..n as u16).map(|i| 0xC000 + i).collect());
    opts.random = [0x11; 32];
    opts.key_share = [0x22; 32];
    opts
}

#[test]
fn client_hello_round_trips() {
    for version in [
        ProtocolVersion::SSL3,
        ProtocolVersion::TLS10,
        ProtocolVersion::TLS12,
        ProtocolVersion::TLS13,
    ] {
        let mut opts = probe(version, 40);
        opts.server_name = Some("example.com".into());
        opts.fallback_scsv = true;
        opts.renegotiation_scsv = true;
        opts.deflate = true;
        let hello = ClientHello::for_probe(&opts);
        let decoded = ClientHello::decode(&hello.encode()).unwrap();
        assert_eq!(decoded, hello, "{version}");
        assert_eq!(
            &decoded.cipher_suites[40..],
            &[TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV]
        );
        assert_eq!(decoded.compression_methods, vec![1, 0]);
    }
    let bare = ClientHello {
        record_version: ProtocolVersion::SSL3,
        client_version: ProtocolVersion::SSL3,
        random: [3; 32],
        session_id: vec![9; 32],
        cipher_suites: vec![0x000A],
        compression_methods: vec![0],
        extensions: None,
    };
    assert_eq!(ClientHello::decode(&bare.encode()), Ok(bare));
}

#[test]
fn client_hello_layout_per_version() {
    let ext_types = |h: &ClientHello| -> Vec<ExtensionType> {
        h.extensions
            .as_ref()
            .unwrap()
            .iter()
            .map(|e| e.typ)
            .collect()
    };
    let h13 = ClientHello::for_probe(&probe(ProtocolVersion::TLS13, 5));
    assert_eq!(h13.client_version, ProtocolVersion::TLS12);
    assert_eq!(h13.record_version, ProtocolVersion::TLS10);
    let t = ext_types(&h13);
    for want in [
        ExtensionType::SUPPORTED_VERSIONS,
        ExtensionType::KEY_SHARE,
        ExtensionType::SIGNATURE_ALGORITHMS,
        ExtensionType::SUPPORTED_GROUPS,
        ExtensionType::RENEGOTIATION_INFO,
        ExtensionType::ALPN,
        ExtensionType::HEARTBEAT,
        ExtensionType::STATUS_REQUEST,
        ExtensionType::SESSION_TICKET,
    ] {
        assert!(t.contains(&want), "{want}");
    }
    let sv = h13.extensions.as_ref().unwrap();
    let sv = sv
        .iter()
        .find(|e| e.typ == ExtensionType::SUPPORTED_VERSIONS);
    assert_eq!(sv.unwrap().data, vec![2, 3, 4]);

    let h10 = ClientHello::for_probe(&probe(ProtocolVersion::TLS10, 5));
    assert_eq!(h10.client_version, ProtocolVersion::TLS10);
    let t = ext_types(&h10);
    assert!(!t.contains(&ExtensionType::SIGNATURE_ALGORITHMS));
    assert!(!t.contains(&ExtensionType::SUPPORTED_VERSIONS));
    assert!(!t.contains(&ExtensionType::KEY_SHARE));

    let h3 = ClientHello::for_probe(&probe(ProtocolVersion::SSL3, 5));
    assert_eq!(h3.record_version, ProtocolVersion::SSL3);
}

#[test]
fn sni_only_for_dns_names() {
    let has_sni = |name: &str| {
        let mut opts = probe(ProtocolVersion::TLS12, 3);
        opts.server_name = Some(name.to_string());
        ClientHello::for_probe(&opts)
            .extensions
            .unwrap()
            .iter()
            .any(|e| e.typ == ExtensionType::SERVER_NAME)
    };
    assert!(has_sni("example.com"));
    assert!(has_sni("localhost"));
    assert!(has_sni("www.example.com."));
    assert!(!has_sni("192.0.2.1"));
    assert!(!has_sni("::1"));
    assert!(!has_sni(""));
    assert!(!has_sni("bad name"));
    let mut opts = probe(ProtocolVersion::TLS12, 3);
    opts.server_name = Some("example.com".into());
    let hello = ClientHello::for_probe(&opts);
    let sni = hello.extensions.unwrap();
    let sni = sni.iter().find(|e| e.typ == ExtensionType::SERVER_NAME);
    assert_eq!(
        sni.unwrap().data,
        b"\x00\x0e\x00\x00\x0bexample.com".to_vec()
    );
}

#[test]
fn client_hello_body_is_never_256_to_511_bytes() {
    for version in [
        ProtocolVersion::SSL3,
        ProtocolVersion::TLS11,
        ProtocolVersion::TLS12,
        ProtocolVersion::TLS13,
    ] {
        for n in 0..=MAX_SUITES_PER_HELLO {
            let hello = ClientHello::for_probe(&probe(version, n));
            let body = hello.encode_body().len();
            assert!(!(256..512).contains(&body), "{version} {n}: body {body}");
            assert!(
                !(256..512).contains(&(body + 4)),
                "{version} {n}: msg {body}"
            );
        }
    }
}

#[test]
fn ssl2_client_hello_layout() {
    let specs: Vec<u32> = SSL2_CIPHER_SPECS.iter().map(|(c, _)| *c).collect();
    let hello = ssl2_client_hello(&specs, &[0x5A; 16]);
    let len = 9 + specs.len() * 3 + 16;
    assert_eq!(hello.len(), 2 + len);
    assert_eq!(
        u16::from_be_bytes([hello[0], hello[1]]),
        0x8000 | len as u16
    );
    assert_eq!(&hello[2..5], &[SSL2_MT_CLIENT_HELLO, 0x00, 0x02]);
    assert_eq!(&hello[5..11], &[0, 24, 0, 0, 0, 16]);
    assert_eq!(&hello[11..14], &[0x01, 0x00, 0x80]);
}

// ---- one test per malformation ----

#[test]
fn malformed_record_length_over_limit() {
    let mut buf = record(22, &[]);
    buf[3..5].copy_from_slice(&((MAX_RECORD_LEN + 1) as u16).to_be_bytes());
    assert_eq!(malformed_what(&buf), "record length exceeds 2^14+2048");
}

#[test]
fn malformed_unknown_content_type_after_first_record() {
    let mut buf = record(21, &[2, 40]);
    buf.extend(record(99, &[0]));
    assert_eq!(malformed_what(&buf), "unknown record content type");
}

#[test]
fn malformed_record_major_version() {
    let mut buf = record(21, &[2, 40]);
    let mut second = record(21, &[2, 40]);
    second[1] = 2;
    buf.extend(second);
    assert_eq!(malformed_what(&buf), "record version major is not 3");
}

#[test]
fn malformed_zero_length_handshake_record() {
    assert_eq!(
        malformed_what(&record(22, &[])),
        "zero-length handshake record"
    );
}

#[test]
fn malformed_odd_alert_length() {
    assert_eq!(
        malformed_what(&record(21, &[2, 40, 1])),
        "alert record length is not a multiple of 2"
    );
}

#[test]
fn malformed_record_interleaved_with_fragmented_handshake() {
    let hs = handshake(2, &server_hello(Vec::new()).encode_body());
    let mut buf = record(22, &hs[..10]);
    buf.extend(record(21, &[2, 40]));
    assert_eq!(
        malformed_what(&buf),
        "record interleaved with a fragmented handshake message"
    );
}

#[test]
fn malformed_server_hello_shorter_than_its_fields() {
    let buf = record(22, &handshake(2, &[3, 3, 0, 0]));
    assert_eq!(malformed_what(&buf), "ServerHello shorter than its fields");
}

#[test]
fn malformed_session_id_over_32_bytes() {
    let mut sh = server_hello(Vec::new());
    sh.session_id = vec![0; 33];
    assert_eq!(
        malformed_what(&sh_record(&sh)),
        "session_id longer than 32 bytes"
    );
}

#[test]
fn malformed_duplicate_extension() {
    let sh = server_hello(vec![
        Extension::new(ExtensionType::SESSION_TICKET, vec![]),
        Extension::new(ExtensionType::SESSION_TICKET, vec![]),
    ]);
    assert_eq!(malformed_what(&sh_record(&sh)), "duplicate extension");
}

#[test]
fn malformed_extension_longer_than_block() {
    let mut body = server_hello(Vec::new()).encode_body();
    body.extend([0, 4, 0, 35, 0, 9]); // block of 4: type 35, length 9
    assert_eq!(
        malformed_what(&record(22, &handshake(2, &body))),
        "extension longer than the extensions block"
    );
}

#[test]
fn malformed_extensions_block_longer_than_message() {
    let mut body = server_hello(Vec::new()).encode_body();
    body.extend([0, 9, 0, 35]);
    assert_eq!(
        malformed_what(&record(22, &handshake(2, &body))),
        "extensions block longer than its message"
    );
}

#[test]
fn malformed_bytes_after_extensions() {
    let mut body = server_hello(Vec::new()).encode_body();
    body.extend([0, 0, 0xFF]);
    assert_eq!(
        malformed_what(&record(22, &handshake(2, &body))),
        "bytes after the extensions block"
    );
}

#[test]
fn malformed_server_hello_done_with_body() {
    assert_eq!(
        malformed_what(&record(22, &handshake(14, &[0]))),
        "ServerHelloDone with a body"
    );
}

#[test]
fn malformed_certificate_longer_than_list() {
    let body = [0, 0, 4, 0, 0, 9, 0x30];
    assert_eq!(
        malformed_what(&record(22, &handshake(11, &body))),
        "certificate longer than certificate_list"
    );
}

#[test]
fn malformed_certificate_list_longer_than_message() {
    let body = [0, 0, 9, 0, 0, 1, 0x30];
    assert_eq!(
        malformed_what(&record(22, &handshake(11, &body))),
        "certificate_list longer than Certificate"
    );
}

#[test]
fn malformed_empty_certificate() {
    let body = [0, 0, 3, 0, 0, 0];
    assert_eq!(
        malformed_what(&record(22, &handshake(11, &body))),
        "empty certificate in certificate_list"
    );
}

#[test]
fn malformed_change_cipher_spec_value() {
    assert_eq!(
        malformed_what(&record(20, &[2])),
        "change_cipher_spec is not the single byte 1"
    );
}

#[test]
fn malformed_handshake_message_too_long() {
    let buf = record(22, &[2, 0x7F, 0xFF, 0xFF]);
    assert_eq!(
        malformed_what(&buf),
        "handshake message longer than we accept"
    );
}

#[test]
fn malformed_server_sent_client_hello() {
    let hello = ClientHello::for_probe(&probe(ProtocolVersion::TLS12, 2));
    let mut records = hello.encode();
    records[1..3].copy_from_slice(&[3, 3]);
    assert_eq!(malformed_what(&records), "server sent a ClientHello");
}

#[test]
fn malformed_supported_versions_length() {
    let sh = server_hello(vec![Extension::new(
        ExtensionType::SUPPORTED_VERSIONS,
        vec![3, 4, 0],
    )]);
    assert_eq!(
        malformed_what(&sh_record(&sh)),
        "supported_versions in ServerHello is not 2 bytes"
    );
}

#[test]
fn malformed_key_share_without_key() {
    let sh = server_hello(vec![Extension::new(
        ExtensionType::KEY_SHARE,
        vec![0, 29, 0, 0],
    )]);
    assert_eq!(
        sh.key_share_group(),
        Err(WireError::Malformed {
            what: "empty key_exchange in key_share"
        })
    );
}

#[test]
fn malformed_alpn_with_two_protocols() {
    let sh = server_hello(vec![Extension::new(
        ExtensionType::ALPN,
        vec![0, 6, 2, b'h', b'2', 1, b'x', 0],
    )]);
    assert_eq!(
        sh.alpn(),
        Err(WireError::Malformed {
            what: "ALPN in ServerHello names more than one protocol"
        })
    );
}

#[test]
fn malformed_heartbeat_length() {
    let sh = server_hello(vec![Extension::new(ExtensionType::HEARTBEAT, vec![])]);
    assert!(sh.heartbeat_mode().is_err());
}

#[test]
fn malformed_renegotiation_info_length() {
    let sh = server_hello(vec![Extension::new(
        ExtensionType::RENEGOTIATION_INFO,
        vec![5, 1],
    )]);
    assert_eq!(
        sh.renegotiation_info(),
        Err(WireError::Malformed {
            what: "renegotiation_info shorter than its length"
        })
    );
}

#[test]
fn malformed_plaintext_handshake_after_tls13_server_hello() {
    let sh = server_hello(vec![
        Extension::new(ExtensionType::SUPPORTED_VERSIONS, vec![3, 4]),
        Extension::new(ExtensionType::KEY_SHARE, vec![0, 29, 0, 1, 9]),
    ]);
    let mut hs = handshake(2, &sh.encode_body());
    hs.extend(handshake(14, &[]));
    assert_eq!(
        malformed_what(&record(22, &hs)),
        "plaintext handshake after a TLS 1.3 ServerHello"
    );
}

#[test]
fn malformed_empty_server_key_exchange() {
    assert_eq!(
        malformed_what(&record(22, &handshake(12, &[]))),
        "empty ServerKeyExchange"
    );
}

#[test]
fn malformed_dh_prime_zero() {
    let ske = ServerKeyExchange {
        body: vec![0, 2, 0, 0, 0, 1, 2],
    };
    assert_eq!(
        ske.dhe_prime_bits(),
        Err(WireError::Malformed {
            what: "dh_p is zero"
        })
    );
}

#[test]
fn malformed_ecdhe_explicit_curve() {
    let ske = ServerKeyExchange {
        body: vec![1, 0, 0],
    };
    assert_eq!(
        ske.ecdhe_named_curve(),
        Err(WireError::Malformed {
            what: "ECParameters curve_type is not named_curve"
        })
    );
}

#[test]
fn malformed_ssl2_cipher_specs_length() {
    let mut m = vec![SSL2_MT_SERVER_HELLO, 0, 1, 0, 2, 0, 0, 0, 2, 0, 0];
    m.extend([1, 0]);
    let mut buf = vec![0x80, m.len() as u8];
    buf.extend(m);
    assert_eq!(
        malformed_what(&buf),
        "SSLv2 cipher specs length is not a multiple of 3"
    );
}

#[test]
fn malformed_ssl2_server_hello_shorter_than_its_fields() {
    // A declared length of 1 leaves every field after msg_type missing.
    let buf = [0x80, 0x01, SSL2_MT_SERVER_HELLO];
    assert_eq!(
        malformed_what(&buf),
        "SSLv2 message shorter than its fields"
    );
}

#[test]
fn malformed_client_hello_odd_suites() {
    let hello = ClientHello::for_probe(&probe(ProtocolVersion::TLS12, 1));
    let mut body = hello.encode_body();
    // client_version(2) random(32) session_id(1): then the suites length.
    body[35..37].copy_from_slice(&[0, 3]);
    let mut records = record(22, &handshake(1, &body));
    records[1..3].copy_from_slice(&[3, 1]);
    assert_eq!(
        ClientHello::decode(&records),
        Err(WireError::Malformed {
            what: "odd cipher_suites length"
        })
    );
}
