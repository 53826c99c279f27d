//! The TLS codec against real handshakes: loopback captures of edgeaudit's probes against
//! `openssl s_server` (pcap-fixtures/tls/, see pcap-fixtures/README.md). Each capture holds one
//! TCP connection; the test reassembles the payload of each direction with a pure-Rust pcap
//! reader and pnet's packet views, then decodes the client side with `ClientHello::decode` and
//! the server side with `parse_server_flight`. Every expected value below was read from
//! `tshark -V -r FILE` (Wireshark 4.0.17) on the same file.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use edgeaudit::probe::tls::wire::{
    parse_server_flight, AlertDescription, AlertLevel, ClientHello, ContentType, ExtensionType,
    HandshakeType, NamedGroup, ProtocolVersion, ServerFlight, ServerHello, ServerMessage,
};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;
use pnet::packet::ethernet::{EtherTypes, EthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::sll::SLLPacket;
use pnet::packet::sll2::SLL2Packet;
use pnet::packet::tcp::{TcpFlags, TcpPacket};
use pnet::packet::Packet;

/// The two byte streams of the one TCP connection in a capture.
struct Connection {
    client_port: u16,
    server_port: u16,
    /// Client to server, in sequence order.
    client: Vec<u8>,
    /// Server to client, in sequence order.
    server: Vec<u8>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/tls")
        .join(name)
}

/// The IPv4 packet inside one captured frame, for the link types tcpdump writes on Linux.
fn ipv4_of(link: DataLink, frame: &[u8]) -> Option<Ipv4Packet<'_>> {
    match link {
        DataLink::ETHERNET => {
            let eth = EthernetPacket::new(frame)?;
            if eth.get_ethertype() != EtherTypes::Ipv4 {
                return None;
            }
            // Slice rather than eth.payload(): the view must borrow the frame, not `eth`.
            Ipv4Packet::new(&frame[EthernetPacket::minimum_packet_size()..])
        }
        DataLink::LINUX_SLL => {
            let sll = SLLPacket::new(frame)?;
            if sll.get_protocol() != EtherTypes::Ipv4 {
                return None;
            }
            Ipv4Packet::new(&frame[SLLPacket::minimum_packet_size()..])
        }
        DataLink::LINUX_SLL2 => {
            let sll = SLL2Packet::new(frame)?;
            if sll.get_protocol_type() != EtherTypes::Ipv4 {
                return None;
            }
            Ipv4Packet::new(&frame[SLL2Packet::minimum_packet_size()..])
        }
        DataLink::RAW | DataLink::IPV4 => Ipv4Packet::new(frame),
        other => panic!("unsupported link type {other:?}"),
    }
}

/// One direction's segments, keyed by offset from the initial sequence number + 1.
#[derive(Default)]
struct Direction {
    isn: Option<u32>,
    segments: BTreeMap<u32, Vec<u8>>,
}

impl Direction {
    /// Concatenates the segments in sequence order; retransmitted or overlapping bytes are
    /// taken once, and a gap fails the test (the fixtures were captured whole).
    fn reassemble(&self, what: &str) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for (&offset, data) in &self.segments {
            let offset = offset as usize;
            assert!(
                offset <= out.len(),
                "{what}: gap in the TCP stream at offset {} (have {})",
                offset,
                out.len()
            );
            let overlap = out.len() - offset;
            if overlap < data.len() {
                out.extend_from_slice(&data[overlap..]);
            }
        }
        out
    }
}

fn read_connection(name: &str) -> Connection {
    let path = fixture(name);
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = PcapReader::new(file).expect("pcap header");
    let link = reader.header().datalink;

    // (client port, server port), learned from the SYN without ACK.
    let mut ports: Option<(u16, u16)> = None;
    let mut tuples = std::collections::BTreeSet::new();
    let mut client = Direction::default();
    let mut server = Direction::default();
    // Segments seen before their direction's SYN (not expected in these captures).
    let mut pending: Vec<(u16, u32, Vec<u8>)> = Vec::new();

    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap record");
        let Some(ip) = ipv4_of(link, &packet.data) else {
            continue;
        };
        if ip.get_next_level_protocol() != IpNextHeaderProtocols::Tcp {
            continue;
        }
        let tcp = TcpPacket::new(ip.payload()).expect("TCP header");
        let (src, dst) = (tcp.get_source(), tcp.get_destination());
        tuples.insert((
            ip.get_source().min(ip.get_destination()),
            src.min(dst),
            src.max(dst),
        ));
        let flags = tcp.get_flags();
        let seq = tcp.get_sequence();
        if flags & TcpFlags::SYN != 0 {
            if flags & TcpFlags::ACK == 0 {
                ports = Some((src, dst));
                client.isn = Some(seq);
            } else {
                server.isn = Some(seq);
            }
            continue;
        }
        if !tcp.payload().is_empty() {
            pending.push((src, seq, tcp.payload().to_vec()));
        }
    }
    assert_eq!(
        tuples.len(),
        1,
        "{name}: expected exactly one TCP connection"
    );
    let (client_port, server_port) = ports.expect("a SYN from the client");
    for (src, seq, data) in pending {
        let dir = if src == client_port {
            &mut client
        } else {
            &mut server
        };
        let isn = dir.isn.expect("SYN of this direction");
        dir.segments
            .insert(seq.wrapping_sub(isn).wrapping_sub(1), data);
    }
    Connection {
        client_port,
        server_port,
        client: client.reassemble("client"),
        server: server.reassemble("server"),
    }
}

/// What every probe's ClientHello has in common: one 516-byte record holding a 512-byte
/// ClientHello (padded, RFC 7685), no session ID, null compression only.
fn client_hello(conn: &Connection, record_version: ProtocolVersion) -> ClientHello {
    assert_eq!(
        conn.client.len(),
        5 + 516,
        "client stream is one 516-byte record"
    );
    assert_eq!(conn.client[0], ContentType::HANDSHAKE.0);
    assert_eq!(u16::from_be_bytes([conn.client[3], conn.client[4]]), 516);
    assert_eq!(conn.client[5], HandshakeType::CLIENT_HELLO.0);
    let ch = ClientHello::decode(&conn.client).expect("ClientHello decodes");
    assert_eq!(ch.record_version, record_version);
    assert!(ch.session_id.is_empty());
    assert_eq!(ch.compression_methods, vec![0]);
    // Round trip: our encoder reproduces the captured bytes.
    assert_eq!(ch.encode(), conn.client);
    ch
}

fn extension_types(ch: &ClientHello) -> Vec<u16> {
    ch.extensions
        .as_ref()
        .expect("extensions present")
        .iter()
        .map(|e| e.typ.0)
        .collect()
}

fn client_extension(ch: &ClientHello, typ: ExtensionType) -> &[u8] {
    ch.extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.typ == typ))
        .map(|e| e.data.as_slice())
        .unwrap_or_else(|| panic!("no {typ} extension"))
}

/// Extensions of a TLS 1.0-1.2 probe (tshark: 10,11,65281,35,23,5,15,16,21), plus
/// signature_algorithms (13) after ec_point_formats when the probe offers TLS 1.2.
const LEGACY_EXTENSIONS: [u16; 9] = [10, 11, 65281, 35, 23, 5, 15, 16, 21];
const LEGACY_EXTENSIONS_TLS12: [u16; 10] = [10, 11, 13, 65281, 35, 23, 5, 15, 16, 21];
/// Extensions of a TLS 1.3 probe (tshark: 10,11,13,43,51,45,65281,35,23,5,15,16,21).
const TLS13_EXTENSIONS: [u16; 13] = [10, 11, 13, 43, 51, 45, 65281, 35, 23, 5, 15, 16, 21];

/// A TLS 1.3 probe offers exactly TLS 1.3 in supported_versions and one x25519 key share.
fn assert_tls13_probe(ch: &ClientHello) {
    assert_eq!(ch.client_version, ProtocolVersion::TLS12);
    assert_eq!(extension_types(ch), TLS13_EXTENSIONS);
    assert_eq!(
        client_extension(ch, ExtensionType::SUPPORTED_VERSIONS),
        [2, 0x03, 0x04]
    );
    let ks = client_extension(ch, ExtensionType::KEY_SHARE);
    // client_shares length 36 = one entry: group x25519 (29), 32-byte key.
    assert_eq!(ks.len(), 2 + 2 + 2 + 32);
    assert_eq!(&ks[..6], [0, 36, 0, 29, 0, 32]);
    // tshark "Cipher Suites Length: 30": 0x00c6 … 0xc106.
    assert_eq!(ch.cipher_suites.len(), 15);
    assert_eq!(ch.cipher_suites.first(), Some(&0x00C6));
    assert_eq!(ch.cipher_suites.last(), Some(&0xC106));
}

fn the_server_hello(flight: &ServerFlight) -> &ServerHello {
    match flight.messages.first() {
        Some(ServerMessage::ServerHello(sh)) => sh,
        other => panic!("first message is not a ServerHello: {other:?}"),
    }
}

fn server_extension_types(sh: &ServerHello) -> Vec<u16> {
    sh.extensions.iter().map(|e| e.typ.0).collect()
}

/// The one certificate of the s_server's self-signed RSA chain (tshark: Certificate Length 781).
fn assert_one_certificate(msg: &ServerMessage) {
    let ServerMessage::Certificate(certs) = msg else {
        panic!("not a Certificate: {msg:?}");
    };
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].len(), 781);
    assert_eq!(certs[0][0], 0x30, "DER SEQUENCE");
}

fn assert_single_alert(
    conn: &Connection,
    record_version: u16,
    description: AlertDescription,
) -> ServerFlight {
    // tshark: Content Type Alert (21), Version, Length 2, Level Fatal (2), Description.
    assert_eq!(
        conn.server,
        [21, 3, (record_version & 0xff) as u8, 0, 2, 2, description.0]
    );
    let flight = parse_server_flight(&conn.server);
    assert_eq!(flight.error, None);
    assert_eq!(
        flight.messages,
        vec![ServerMessage::Alert(edgeaudit::probe::tls::wire::Alert {
            level: AlertLevel::FATAL,
            description,
        })]
    );
    assert!(flight.is_final(false));
    assert!(flight.server_hello().is_none());
    flight
}

#[test]
fn modern_tls13_server_hello() {
    let conn = read_connection("modern-tls13-serverhello.pcap");
    assert_eq!(conn.server_port, 44311);
    assert_eq!(conn.client_port, 40348);
    let ch = client_hello(&conn, ProtocolVersion::TLS10);
    assert_tls13_probe(&ch);

    let flight = parse_server_flight(&conn.server);
    assert_eq!(flight.error, None, "the flight ends at a record boundary");
    let sh = the_server_hello(&flight);
    // tshark: Version TLS 1.2 (0x0303), Cipher Suite TLS_AES_128_GCM_SHA256 (0x1301),
    // Supported Version TLS 1.3, Key Share Group x25519 (29), extensions 43,51.
    assert_eq!(sh.legacy_version, ProtocolVersion::TLS12);
    assert_eq!(sh.cipher_suite, 0x1301);
    assert_eq!(sh.compression_method, 0);
    assert_eq!(sh.selected_version().unwrap(), ProtocolVersion::TLS13);
    assert_eq!(sh.key_share_group().unwrap(), Some(NamedGroup::X25519));
    assert_eq!(server_extension_types(sh), [43, 51]);
    assert!(!sh.is_hello_retry_request());
    assert_eq!(sh.downgrade_sentinel(), None);
    // tshark record lengths 90 (ServerHello), 1 (CCS), then encrypted 23, 811, 281, 53.
    assert_eq!(
        flight.messages[1..],
        [
            ServerMessage::ChangeCipherSpec,
            ServerMessage::Opaque {
                content_type: ContentType::APPLICATION_DATA,
                len: 23
            },
            ServerMessage::Opaque {
                content_type: ContentType::APPLICATION_DATA,
                len: 811
            },
            ServerMessage::Opaque {
                content_type: ContentType::APPLICATION_DATA,
                len: 281
            },
            ServerMessage::Opaque {
                content_type: ContentType::APPLICATION_DATA,
                len: 53
            },
        ]
    );
    assert!(flight.is_final(true));
}

#[test]
fn modern_tls12_ecdhe_rsa() {
    let conn = read_connection("modern-tls12-ecdhe-rsa.pcap");
    let ch = client_hello(&conn, ProtocolVersion::TLS10);
    assert_eq!(ch.client_version, ProtocolVersion::TLS12);
    assert_eq!(extension_types(&ch), LEGACY_EXTENSIONS_TLS12);
    // tshark "Cipher Suites Length: 256": the second chunk of the TLS 1.2 sweep, 0x00af … 0xc069.
    assert_eq!(ch.cipher_suites.len(), 128);
    assert_eq!(ch.cipher_suites.first(), Some(&0x00AF));
    assert_eq!(ch.cipher_suites.last(), Some(&0xC069));
    assert!(ch.cipher_suites.contains(&0xC02F));

    let flight = parse_server_flight(&conn.server);
    assert_eq!(flight.error, None);
    assert_eq!(flight.messages.len(), 4, "{:?}", flight.messages);
    let sh = the_server_hello(&flight);
    // tshark: TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f), extensions
    // renegotiation_info, ec_point_formats, session_ticket, extended_master_secret.
    assert_eq!(sh.legacy_version, ProtocolVersion::TLS12);
    assert_eq!(sh.selected_version().unwrap(), ProtocolVersion::TLS12);
    assert_eq!(sh.cipher_suite, 0xC02F);
    assert_eq!(server_extension_types(sh), [65281, 11, 35, 23]);
    assert_eq!(sh.renegotiation_info().unwrap(), Some(vec![]));
    assert!(sh.session_ticket());
    // tshark Random ec7f64e6…444f574e47524401: "DOWNGRD" + 01, a TLS 1.3 server answering at
    // TLS 1.2 (RFC 8446 §4.1.3).
    assert_eq!(&sh.random[24..], b"DOWNGRD\x01");
    assert_eq!(sh.downgrade_sentinel(), Some(ProtocolVersion::TLS12));
    assert_one_certificate(&flight.messages[1]);
    // tshark: Curve Type named_curve (0x03), Named Curve x25519 (0x001d).
    let ServerMessage::ServerKeyExchange(ske) = &flight.messages[2] else {
        panic!("not a ServerKeyExchange: {:?}", flight.messages[2]);
    };
    assert_eq!(ske.ecdhe_named_curve().unwrap(), NamedGroup::X25519);
    assert_eq!(flight.messages[3], ServerMessage::ServerHelloDone);
    assert!(flight.is_final(false));
}

#[test]
fn modern_tls11_protocol_version_alert() {
    let conn = read_connection("modern-tls11-protocol-version-alert.pcap");
    let ch = client_hello(&conn, ProtocolVersion::TLS10);
    // tshark: Client Hello Version TLS 1.1 (0x0302), 128 suites 0x0000 … 0xc014.
    assert_eq!(ch.client_version, ProtocolVersion::TLS11);
    assert_eq!(extension_types(&ch), LEGACY_EXTENSIONS);
    assert_eq!(ch.cipher_suites.len(), 128);
    assert_eq!(ch.cipher_suites.first(), Some(&0x0000));
    assert_eq!(ch.cipher_suites.last(), Some(&0xC014));
    // tshark: Alert record Version TLS 1.1 (0x0302), Fatal, Protocol Version (70).
    assert_single_alert(&conn, 0x0302, AlertDescription::PROTOCOL_VERSION);
}

#[test]
fn legacy_tls10_rsa_cbc() {
    let conn = read_connection("legacy-tls10-rsa-cbc.pcap");
    assert_eq!(conn.server_port, 44312);
    let ch = client_hello(&conn, ProtocolVersion::TLS10);
    assert_eq!(ch.client_version, ProtocolVersion::TLS10);
    assert_eq!(extension_types(&ch), LEGACY_EXTENSIONS);
    assert_eq!(ch.cipher_suites.len(), 128);
    assert!(ch.cipher_suites.contains(&0x002F));

    let flight = parse_server_flight(&conn.server);
    assert_eq!(flight.error, None);
    // tshark: records of 57, 791 and 4 bytes: ServerHello, Certificate, ServerHelloDone.
    assert_eq!(flight.messages.len(), 3, "{:?}", flight.messages);
    let sh = the_server_hello(&flight);
    // tshark: Version TLS 1.0 (0x0301), TLS_RSA_WITH_AES_128_CBC_SHA (0x002f), extensions
    // renegotiation_info, session_ticket, extended_master_secret.
    assert_eq!(sh.legacy_version, ProtocolVersion::TLS10);
    assert_eq!(sh.selected_version().unwrap(), ProtocolVersion::TLS10);
    assert_eq!(sh.cipher_suite, 0x002F);
    assert_eq!(server_extension_types(sh), [65281, 35, 23]);
    // tshark Random 27731b12…444f574e47524400: "DOWNGRD" + 00, a TLS 1.2 server answering at
    // TLS 1.1 or below (RFC 8446 §4.1.3).
    assert_eq!(&sh.random[24..], b"DOWNGRD\x00");
    assert_eq!(sh.downgrade_sentinel(), Some(ProtocolVersion::TLS11));
    assert_one_certificate(&flight.messages[1]);
    assert_eq!(flight.messages[2], ServerMessage::ServerHelloDone);
}

#[test]
fn legacy_tls10_dhe_rsa() {
    let conn = read_connection("legacy-tls10-dhe-rsa.pcap");
    let ch = client_hello(&conn, ProtocolVersion::TLS10);
    assert_eq!(ch.client_version, ProtocolVersion::TLS10);
    // tshark "Cipher Suites Length: 254": the sweep after 0x002f was chosen and removed.
    assert_eq!(ch.cipher_suites.len(), 127);
    assert!(!ch.cipher_suites.contains(&0x002F));
    assert!(ch.cipher_suites.contains(&0x0033));

    let flight = parse_server_flight(&conn.server);
    assert_eq!(flight.error, None);
    assert_eq!(flight.messages.len(), 4, "{:?}", flight.messages);
    let sh = the_server_hello(&flight);
    // tshark: TLS 1.0, TLS_DHE_RSA_WITH_AES_128_CBC_SHA (0x0033).
    assert_eq!(sh.legacy_version, ProtocolVersion::TLS10);
    assert_eq!(sh.cipher_suite, 0x0033);
    // tshark Random bccb8e2e…444f574e47524400.
    assert_eq!(sh.downgrade_sentinel(), Some(ProtocolVersion::TLS11));
    assert_one_certificate(&flight.messages[1]);
    // tshark: p Length 256 (a 2048-bit group).
    let ServerMessage::ServerKeyExchange(ske) = &flight.messages[2] else {
        panic!("not a ServerKeyExchange: {:?}", flight.messages[2]);
    };
    assert_eq!(ske.dhe_prime_bits().unwrap(), 2048);
    assert_eq!(flight.messages[3], ServerMessage::ServerHelloDone);
}

#[test]
fn legacy_tls13_protocol_version_alert() {
    let conn = read_connection("legacy-tls13-protocol-version-alert.pcap");
    let ch = client_hello(&conn, ProtocolVersion::TLS10);
    assert_tls13_probe(&ch);
    // tshark: Alert record Version TLS 1.2 (0x0303), Fatal, Protocol Version (70).
    assert_single_alert(&conn, 0x0303, AlertDescription::PROTOCOL_VERSION);
}

#[test]
fn legacy_ssl3_handshake_failure_alert() {
    let conn = read_connection("legacy-ssl3-handshake-failure-alert.pcap");
    // tshark: record and Client Hello Version SSL 3.0 (0x0300), 105 suites 0x0000 … 0xc022.
    let ch = client_hello(&conn, ProtocolVersion::SSL3);
    assert_eq!(ch.client_version, ProtocolVersion::SSL3);
    assert_eq!(extension_types(&ch), LEGACY_EXTENSIONS);
    assert_eq!(ch.cipher_suites.len(), 105);
    assert_eq!(ch.cipher_suites.first(), Some(&0x0000));
    assert_eq!(ch.cipher_suites.last(), Some(&0xC022));
    // tshark: Alert record Version SSL 3.0 (0x0300), Fatal, Handshake Failure (40).
    assert_single_alert(&conn, 0x0300, AlertDescription::HANDSHAKE_FAILURE);
}

#[test]
fn tls13_hello_retry_request_secp256r1() {
    let conn = read_connection("tls13-hrr-secp256r1.pcap");
    assert_eq!(conn.server_port, 44313);
    let ch = client_hello(&conn, ProtocolVersion::TLS10);
    assert_tls13_probe(&ch);

    let flight = parse_server_flight(&conn.server);
    assert_eq!(flight.error, None);
    // tshark: records of 56 (Server Hello = HelloRetryRequest) and 1 (Change Cipher Spec).
    assert_eq!(flight.messages.len(), 2, "{:?}", flight.messages);
    let ServerMessage::HelloRetryRequest(hrr) = &flight.messages[0] else {
        panic!("not a HelloRetryRequest: {:?}", flight.messages[0]);
    };
    assert!(hrr.is_hello_retry_request());
    // tshark: TLS_AES_128_GCM_SHA256 (0x1301), Supported Version TLS 1.3,
    // Selected Group secp256r1 (23), extensions 43,51.
    assert_eq!(hrr.legacy_version, ProtocolVersion::TLS12);
    assert_eq!(hrr.cipher_suite, 0x1301);
    assert_eq!(hrr.selected_version().unwrap(), ProtocolVersion::TLS13);
    assert_eq!(hrr.key_share_group().unwrap(), Some(NamedGroup::SECP256R1));
    assert_eq!(server_extension_types(hrr), [43, 51]);
    assert_eq!(flight.messages[1], ServerMessage::ChangeCipherSpec);
    assert_eq!(flight.server_hello(), Some(hrr));
    assert!(flight.is_final(false));
}

/// Every file under pcap-fixtures/tls/ is covered by a test above.
#[test]
fn every_fixture_is_tested() {
    let mut names: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".pcap"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "legacy-ssl3-handshake-failure-alert.pcap",
            "legacy-tls10-dhe-rsa.pcap",
            "legacy-tls10-rsa-cbc.pcap",
            "legacy-tls13-protocol-version-alert.pcap",
            "modern-tls11-protocol-version-alert.pcap",
            "modern-tls12-ecdhe-rsa.pcap",
            "modern-tls13-serverhello.pcap",
            "tls13-hrr-secp256r1.pcap",
        ]
    );
}
