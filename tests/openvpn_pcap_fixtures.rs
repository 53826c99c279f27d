//! The OpenVPN control-packet codec against real exchanges: loopback captures of the OpenVPN
//! probe (`probe::vpn::openvpn`) against the lab's OpenVPN 2.6 server (`harness::vpn::openvpn`),
//! in pcap-fixtures/vpn/ (see its README.md). Every UDP datagram, and every length-prefixed
//! packet of each reassembled TCP direction, is decoded with `ControlPacket::decode`.
//!
//! The captures are made by the `#[ignore]`d test [`record_fixtures`]
//! (`cargo test --test openvpn_pcap_fixtures -- --ignored record_fixtures`, as root, with
//! tcpdump), which overwrites the three files.

mod harness;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use edgeaudit::observation::VpnProbeResult;
use edgeaudit::probe::vpn::openvpn::{
    self, ControlPacket, P_CONTROL_HARD_RESET_CLIENT_V2, P_CONTROL_HARD_RESET_SERVER_V2,
};
use edgeaudit::probe::vpn::udp::Retries;
use harness::vpn::{openvpn as openvpn_server, OpenVpnHmac, OpenVpnProto};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;
use pnet::packet::ethernet::{EtherTypes, EthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::tcp::TcpPacket;
use pnet::packet::udp::UdpPacket;
use pnet::packet::Packet;

const UDP: &str = "openvpn-udp.pcap";
const TCP: &str = "openvpn-tcp.pcap";
const UDP_TLS_AUTH: &str = "openvpn-udp-tls-auth.pcap";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/vpn")
        .join(name)
}

/// One IPv4 packet of the capture: (protocol, the transport header and payload).
fn ipv4_packets(name: &str) -> Vec<(u8, Vec<u8>)> {
    let file = File::open(fixture(name)).unwrap_or_else(|e| panic!("open {name}: {e}"));
    let mut reader = PcapReader::new(file).expect("pcap");
    assert_eq!(reader.header().datalink, DataLink::ETHERNET);
    let mut out = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap packet");
        let eth = EthernetPacket::new(&packet.data).expect("ethernet");
        assert_eq!(eth.get_ethertype(), EtherTypes::Ipv4);
        let ip =
            Ipv4Packet::new(&packet.data[EthernetPacket::minimum_packet_size()..]).expect("ipv4");
        out.push((ip.get_next_level_protocol().0, ip.payload().to_vec()));
    }
    out
}

/// Every UDP datagram: (from the client, decoded packet). The first datagram is the client's.
fn udp_packets(name: &str) -> Vec<(bool, ControlPacket)> {
    let mut server_port = None;
    ipv4_packets(name)
        .into_iter()
        .enumerate()
        .map(|(i, (proto, bytes))| {
            assert_eq!(proto, IpNextHeaderProtocols::Udp.0, "{name}: packet {i}");
            let udp = UdpPacket::new(&bytes).expect("udp");
            let server = *server_port.get_or_insert(udp.get_destination());
            let packet = ControlPacket::decode(udp.payload())
                .unwrap_or_else(|e| panic!("{name}: datagram {i} does not decode: {e}"));
            // What decodes re-encodes to the very bytes on the wire.
            assert_eq!(packet.encode(), udp.payload(), "{name}: datagram {i}");
            (udp.get_destination() == server, packet)
        })
        .collect()
}

/// Each direction of the one TCP connection, reassembled by sequence number, split into its
/// length-prefixed packets: (client's packets, server's packets).
fn tcp_packets(name: &str) -> (Vec<ControlPacket>, Vec<ControlPacket>) {
    let mut client_port = None;
    // (from the client, sequence number) → payload; a retransmission overwrites itself.
    let mut segments: BTreeMap<(bool, u32), Vec<u8>> = BTreeMap::new();
    for (i, (proto, bytes)) in ipv4_packets(name).into_iter().enumerate() {
        assert_eq!(proto, IpNextHeaderProtocols::Tcp.0, "{name}: packet {i}");
        let tcp = TcpPacket::new(&bytes).expect("tcp");
        // The first segment is the client's SYN.
        let client = *client_port.get_or_insert(tcp.get_source());
        if !tcp.payload().is_empty() {
            segments.insert(
                (tcp.get_source() == client, tcp.get_sequence()),
                tcp.payload().to_vec(),
            );
        }
    }
    let stream = |from_client: bool| -> Vec<u8> {
        segments
            .iter()
            .filter(|((c, _), _)| *c == from_client)
            .flat_map(|(_, p)| p.iter().copied())
            .collect()
    };
    let split = |mut bytes: &[u8]| -> Vec<ControlPacket> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            assert!(openvpn::tcp_packet_complete(bytes), "{name}: cut packet");
            let len = 2 + usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
            let packet = ControlPacket::decode_tcp(&bytes[..len])
                .unwrap_or_else(|e| panic!("{name}: packet {} does not decode: {e}", out.len()));
            assert_eq!(packet.encode_tcp(), &bytes[..len], "{name}");
            out.push(packet);
            bytes = &bytes[len..];
        }
        out
    };
    (split(&stream(true)), split(&stream(false)))
}

/// Our probe: a client hard reset v2, key id 0, no acks, packet-id 0, no payload.
fn assert_is_our_probe(p: &ControlPacket) {
    assert_eq!(p.opcode, P_CONTROL_HARD_RESET_CLIENT_V2);
    assert_eq!(*p, ControlPacket::client_hard_reset(p.session_id));
    assert_ne!(p.session_id, [0; 8]);
}

/// The server's answer to `ours`: a server hard reset v2 that acknowledges packet-id 0 of our
/// session and carries a session id of its own.
fn assert_answers(p: &ControlPacket, ours: &[u8; 8]) {
    assert_eq!(p.opcode, P_CONTROL_HARD_RESET_SERVER_V2, "{p:?}");
    assert_eq!(p.key_id, 0);
    assert_eq!(p.acks, [0]);
    assert_eq!(p.remote_session_id.as_ref(), Some(ours));
    assert!(p.acknowledges(ours));
    assert_eq!(p.packet_id, Some(0));
    assert_ne!(p.session_id, [0; 8]);
    assert_ne!(&p.session_id, ours);
    // A hard reset carries no TLS payload (our request carried no early-negotiation TLV).
    assert!(p.payload.is_empty(), "{p:?}");
}

#[test]
fn udp_without_tls_auth() {
    let d = udp_packets(UDP);
    // Request and answer; the capture stopped before the server's first retransmission.
    assert_eq!(d.len(), 2, "{d:?}");
    let (from_client, request) = &d[0];
    assert!(from_client);
    assert_is_our_probe(request);
    let requests: Vec<_> = d.iter().filter(|(c, _)| *c).collect();
    assert_eq!(requests.len(), 1, "the probe sent once: it was answered");
    let answers: Vec<_> = d.iter().filter(|(c, _)| !*c).map(|(_, p)| p).collect();
    assert!(!answers.is_empty());
    for a in &answers {
        assert_answers(a, &request.session_id);
        // A retransmission, if any, carries the same server session.
        assert_eq!(a.session_id, answers[0].session_id);
    }
}

#[test]
fn tcp_without_tls_auth() {
    let (client, server) = tcp_packets(TCP);
    assert_eq!(client.len(), 1, "{client:?}");
    assert_is_our_probe(&client[0]);
    assert_eq!(server.len(), 1, "{server:?}");
    assert_answers(&server[0], &client[0].session_id);
}

#[test]
fn udp_with_tls_auth_holds_only_our_requests() {
    let d = udp_packets(UDP_TLS_AUTH);
    // Two attempts (the recording used 2 × 700 ms), no answer.
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(
        d.iter().all(|(c, _)| *c),
        "the server never answered: {d:?}"
    );
    let ours = d[0].1.session_id;
    for (_, p) in &d {
        assert_is_our_probe(p);
        // Retries resend the very same packet.
        assert_eq!(p.session_id, ours);
    }
}

// ---------------------------------------------------------------------------------------------
// Recording (one-off; needs root and tcpdump)
// ---------------------------------------------------------------------------------------------

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Captures `filter` on `lo` into `name` while `exchange` runs.
fn capture(name: &str, filter: &str, exchange: impl FnOnce()) {
    let tcpdump = harness::find_binary("tcpdump", "tcpdump");
    let mut child = Command::new(tcpdump)
        // --immediate-mode: no kernel ring-buffer block timeout to wait for; -Z root: keep
        // root so the file is written as the caller (tcpdump drops to user tcpdump otherwise).
        .args([
            "-i",
            "lo",
            "--immediate-mode",
            "-U",
            "-Z",
            "root",
            "-s",
            "0",
            "-w",
        ])
        .arg(fixture(name))
        .arg(filter)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tcpdump");
    let stderr = child.stderr.take().expect("tcpdump stderr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("listening on") {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(10)).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("tcpdump did not start listening within 10 s");
    }
    exchange();
    // Let the last packets reach the file, then stop tcpdump (SIGTERM: it closes the file).
    thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    for _ in 0..50 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
#[ignore = "records the fixtures: run by hand as root with tcpdump installed"]
fn record_fixtures() {
    let deadline = || tokio::time::Instant::now() + Duration::from_secs(10);

    let server = openvpn_server(OpenVpnProto::Udp, OpenVpnHmac::None);
    let addr: SocketAddr = server.addr();
    capture(UDP, &format!("udp port {}", addr.port()), || {
        let obs = rt().block_on(openvpn::audit_openvpn_udp(addr, deadline()));
        assert_eq!(obs.result, VpnProbeResult::Answered, "{obs:?}");
    });
    drop(server);

    let server = openvpn_server(OpenVpnProto::Tcp, OpenVpnHmac::None);
    let addr = server.addr();
    capture(TCP, &format!("tcp port {}", addr.port()), || {
        let obs = rt().block_on(openvpn::audit_openvpn_tcp(addr, deadline()));
        assert_eq!(obs.result, VpnProbeResult::Answered, "{obs:?}");
    });
    drop(server);

    let server = openvpn_server(OpenVpnProto::Udp, OpenVpnHmac::TlsAuth);
    let addr = server.addr();
    capture(UDP_TLS_AUTH, &format!("udp port {}", addr.port()), || {
        let retries = Retries {
            attempts: 2,
            per_attempt: Duration::from_millis(700),
        };
        let obs = rt().block_on(openvpn::audit_openvpn_udp_with(addr, deadline(), retries));
        assert_eq!(obs.result, VpnProbeResult::NoAnswer, "{obs:?}");
    });
}
