//! The RDP codecs against real exchanges: loopback captures of edgeaudit's RDP audit against
//! xrdp 0.9.21 (pcap-fixtures/rdp/, see its README.md). Each capture holds the audit's five
//! connections (one per requested protocol set). The test reassembles both directions of every
//! connection (pcap-file + pnet), then decodes: the client's X.224 Connection Request, the
//! server's Connection Confirm, and after a Standard RDP Security selection the client's MCS
//! Connect Initial (which must equal what the encoder produces today) and the server's MCS
//! Connect Response; after a TLS selection the server's ServerHello. Expected values were read
//! with tshark 4.0 (`-d tcp.port==PORT,tpkt` for RDP, `-d tcp.port==PORT,tls` for TLS), not
//! from our own parsers.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use edgeaudit::probe::rdp::mcs::{self, ConnectResponse};
use edgeaudit::probe::rdp::wire::{
    tpkt_packet_len, ConnectionConfirm, ConnectionRequest, FailureCode, NegotiationResponse,
    Protocols,
};
use edgeaudit::probe::tls::wire::{parse_server_flight, ProtocolVersion};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;
use pnet::packet::ethernet::{EtherTypes, EthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::tcp::{TcpFlags, TcpPacket};
use pnet::packet::Packet;

/// Both byte streams of one TCP connection.
struct Connection {
    client: Vec<u8>,
    server: Vec<u8>,
}

#[derive(Default)]
struct Direction {
    isn: Option<u32>,
    segments: BTreeMap<u32, Vec<u8>>,
}

impl Direction {
    fn reassemble(&self) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for (&offset, data) in &self.segments {
            let offset = offset as usize;
            assert!(offset <= out.len(), "gap in the TCP stream at {offset}");
            let overlap = out.len() - offset;
            if overlap < data.len() {
                out.extend_from_slice(&data[overlap..]);
            }
        }
        out
    }
}

/// Every connection whose SYN is in the capture, in the order of their SYNs. (The lab's
/// readiness probe, opened before the capture started, has no SYN there and is left out.)
fn connections(name: &str) -> Vec<Connection> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/rdp")
        .join(name);
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = PcapReader::new(file).expect("pcap header");
    assert_eq!(reader.header().datalink, DataLink::ETHERNET);
    let mut order: Vec<u16> = Vec::new();
    // client port → (client→server, server→client)
    let mut dirs: BTreeMap<u16, (Direction, Direction)> = BTreeMap::new();
    let mut server_port = None;
    let mut segments: Vec<(u16, u16, u32, Vec<u8>)> = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap record");
        let Some(eth) = EthernetPacket::new(&packet.data) else {
            continue;
        };
        if eth.get_ethertype() != EtherTypes::Ipv4 {
            continue;
        }
        let ip = Ipv4Packet::new(&packet.data[EthernetPacket::minimum_packet_size()..])
            .expect("IPv4 header");
        if ip.get_next_level_protocol() != IpNextHeaderProtocols::Tcp {
            continue;
        }
        let tcp = TcpPacket::new(ip.payload()).expect("TCP header");
        let (src, dst, seq, flags) = (
            tcp.get_source(),
            tcp.get_destination(),
            tcp.get_sequence(),
            tcp.get_flags(),
        );
        if flags & TcpFlags::SYN != 0 {
            if flags & TcpFlags::ACK == 0 {
                server_port = Some(dst);
                order.push(src);
                dirs.entry(src).or_default().0.isn = Some(seq);
            } else {
                dirs.entry(dst).or_default().1.isn = Some(seq);
            }
            continue;
        }
        if !tcp.payload().is_empty() {
            segments.push((src, dst, seq, tcp.payload().to_vec()));
        }
    }
    let server_port = server_port.expect("a client SYN");
    for (src, dst, seq, data) in segments {
        let (client_port, to_server) = if dst == server_port {
            (src, true)
        } else {
            (dst, false)
        };
        let Some((c, s)) = dirs.get_mut(&client_port) else {
            continue;
        };
        let dir = if to_server { c } else { s };
        let Some(isn) = dir.isn else {
            continue;
        };
        dir.segments
            .insert(seq.wrapping_sub(isn).wrapping_sub(1), data);
    }
    order
        .iter()
        .map(|port| {
            let (c, s) = &dirs[port];
            Connection {
                client: c.reassemble(),
                server: s.reassemble(),
            }
        })
        .collect()
}

/// Splits off the first TPKT packet of a stream.
fn first_tpkt(stream: &[u8]) -> (&[u8], &[u8]) {
    let len = tpkt_packet_len(stream)
        .expect("TPKT header")
        .expect("4 header bytes");
    stream.split_at(len)
}

/// The requested protocols and the server's answer of one connection, plus what followed.
fn negotiation(conn: &Connection) -> (Protocols, NegotiationResponse, &[u8], &[u8]) {
    let (request, client_rest) = first_tpkt(&conn.client);
    let (confirm, server_rest) = first_tpkt(&conn.server);
    let requested = ConnectionRequest::decode(request)
        .expect("Connection Request")
        .negotiation
        .expect("RDP_NEG_REQ")
        .requested_protocols;
    // Our encoder reproduces the request byte for byte.
    assert_eq!(ConnectionRequest::probe(requested).encode(), request);
    let cc = ConnectionConfirm::decode(confirm).expect("Connection Confirm");
    (
        requested,
        cc.negotiation.expect("RDP_NEG_RSP or RDP_NEG_FAILURE"),
        client_rest,
        server_rest,
    )
}

const REQUESTS: [u32; 5] = [0x00, 0x01, 0x02, 0x0a, 0x04];

fn selected(protocol: Protocols) -> NegotiationResponse {
    // tshark: rdp.negRsp.flags 0x01 (EXTENDED_CLIENT_DATA_SUPPORTED) in every RDP_NEG_RSP.
    NegotiationResponse::Selected { flags: 1, protocol }
}

/// Standard RDP Security after the Connection Confirm: our Connect Initial, the server's
/// Connect Response. Returns (encryptionMethod, encryptionLevel).
fn standard_security(client_rest: &[u8], server_rest: &[u8]) -> (u32, u32) {
    assert_eq!(
        client_rest,
        mcs::connect_initial(Protocols::RDP, mcs::ALL_ENCRYPTION_METHODS),
        "MCS Connect Initial as the encoder writes it (tshark: rdp.encryptionMethods 1b000000)"
    );
    let (response, after) = first_tpkt(server_rest);
    assert!(after.is_empty(), "nothing after the Connect Response");
    let resp = ConnectResponse::decode(response).expect("MCS Connect Response");
    let core = resp.core.expect("Server Core Data");
    // tshark: rdp.version.major 4, rdp.version.minor 8 (0x00080004).
    assert_eq!(core.version, 0x0008_0004);
    let sec = resp.security.expect("Server Security Data");
    // tshark: rdp.serverRandomLen 32, rdp.serverCertLen 376.
    assert_eq!(sec.server_random_len, 32);
    assert_eq!(sec.server_cert_len, 376);
    assert_eq!(sec.certificate_type().as_deref(), Some("proprietary"));
    (sec.encryption_method, sec.encryption_level.0)
}

fn assert_rdp_layer(file: &str, method: u32, level: u32) {
    let conns = connections(file);
    assert_eq!(conns.len(), 5);
    for (i, conn) in conns.iter().enumerate() {
        let (requested, answer, client_rest, server_rest) = negotiation(conn);
        // tshark: rdp.negReq.requestedProtocols 0, 1, 2, 0x0a, 4.
        assert_eq!(requested.0, REQUESTS[i]);
        // tshark: rdp.negReq.selectedProtocol 0x00000000 for every request.
        assert_eq!(answer, selected(Protocols::RDP));
        if i == 0 {
            // tshark: rdp.encryptionMethod, rdp.encryptionLevel.
            assert_eq!(standard_security(client_rest, server_rest), (method, level));
        } else {
            assert!(client_rest.is_empty() && server_rest.is_empty());
        }
    }
}

#[test]
fn xrdp_rdp_layer_low() {
    // tshark: rdp.encryptionMethod 0x00000001 (40-bit), rdp.encryptionLevel 0x00000001 (low).
    assert_rdp_layer("xrdp-rdp-low.pcap", 0x01, 1);
}

#[test]
fn xrdp_rdp_layer_fips() {
    // tshark: rdp.encryptionMethod 0x00000010 (FIPS), rdp.encryptionLevel 0x00000004 (FIPS).
    assert_rdp_layer("xrdp-rdp-fips.pcap", 0x10, 4);
}

/// The server side of a TLS handshake after the Connection Confirm: a ServerHello choosing
/// TLS 1.3 with TLS_AES_256_GCM_SHA384.
fn assert_tls13_server_hello(server_rest: &[u8]) {
    let flight = parse_server_flight(server_rest);
    let sh = flight.server_hello().expect("ServerHello");
    // tshark -d tcp.port==PORT,tls: tls.handshake.ciphersuite 0x1302,
    // tls.handshake.extensions.supported_version 0x0304.
    assert_eq!(sh.cipher_suite, 0x1302);
    assert_eq!(sh.selected_version().unwrap(), ProtocolVersion::TLS13);
}

#[test]
fn xrdp_tls_layer() {
    let conns = connections("xrdp-tls.pcap");
    assert_eq!(conns.len(), 5);
    for (i, conn) in conns.iter().enumerate() {
        let (requested, answer, client_rest, server_rest) = negotiation(conn);
        assert_eq!(requested.0, REQUESTS[i]);
        if i == 1 {
            // tshark: rdp.negReq.selectedProtocol 0x00000001.
            assert_eq!(answer, selected(Protocols::SSL));
            assert_eq!(client_rest[0], 0x16, "a TLS ClientHello follows");
            assert_tls13_server_hello(server_rest);
        } else {
            // tshark: rdp.negFailure.failureCode 0x00000001.
            assert_eq!(
                answer,
                NegotiationResponse::Failure {
                    flags: 0,
                    code: FailureCode::SSL_REQUIRED_BY_SERVER
                }
            );
        }
    }
}

#[test]
fn xrdp_negotiate_layer() {
    let conns = connections("xrdp-negotiate-high.pcap");
    assert_eq!(conns.len(), 5);
    for (i, conn) in conns.iter().enumerate() {
        let (requested, answer, client_rest, server_rest) = negotiation(conn);
        assert_eq!(requested.0, REQUESTS[i]);
        match i {
            0 => {
                assert_eq!(answer, selected(Protocols::RDP));
                // tshark: rdp.encryptionMethod 0x00000002 (128-bit), rdp.encryptionLevel 3 (high).
                assert_eq!(standard_security(client_rest, server_rest), (0x02, 3));
            }
            1 => {
                assert_eq!(answer, selected(Protocols::SSL));
                assert_tls13_server_hello(server_rest);
            }
            // CredSSP, CredSSP+EX and RDSTLS requests: Standard RDP Security selected (xrdp
            // negotiates TLS only when PROTOCOL_SSL is in the request).
            _ => assert_eq!(answer, selected(Protocols::RDP)),
        }
    }
}

#[test]
fn every_fixture_is_tested() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pcap-fixtures/rdp");
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pcap"))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "xrdp-negotiate-high.pcap",
            "xrdp-rdp-fips.pcap",
            "xrdp-rdp-low.pcap",
            "xrdp-tls.pcap"
        ]
    );
}
