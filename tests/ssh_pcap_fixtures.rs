//! The SSH codec against real exchanges: loopback captures of edgeaudit's SSH audit against
//! OpenSSH 9.2p1 (pcap-fixtures/ssh/, see its README.md). Each capture holds the audit's one
//! connection. The test reassembles both directions (pcap-file + pnet) and decodes everything
//! sent before SSH_MSG_NEWKEYS: both identification strings, both SSH_MSG_KEXINITs, the client's
//! SSH_MSG_KEX_ECDH_INIT and the server's SSH_MSG_KEX_ECDH_REPLY with its host key. Expected
//! values were read with tshark 4.0's SSH dissector (`-d tcp.port==PORT,ssh`) and
//! `ssh-keygen -lf` on the captured server's host key, not from our own parsers.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use edgeaudit::probe::ssh::hostkey;
use edgeaudit::probe::ssh::wire::{self, EcdhReply, KexInit};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;
use pnet::packet::ethernet::{EtherTypes, EthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::tcp::{TcpFlags, TcpPacket};
use pnet::packet::Packet;

/// The two byte streams of the capture's one connection, and how many SYNs it holds.
struct Capture {
    syns: usize,
    client: Vec<u8>,
    server: Vec<u8>,
}

fn read_capture(name: &str) -> Capture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/ssh")
        .join(name);
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = PcapReader::new(file).expect("pcap header");
    assert_eq!(reader.header().datalink, DataLink::ETHERNET);
    let mut syns = 0;
    let mut client_port = None;
    // direction (true = client→server) → (isn, offset → data)
    let mut isn: BTreeMap<bool, u32> = BTreeMap::new();
    let mut segments: BTreeMap<bool, BTreeMap<u32, Vec<u8>>> = BTreeMap::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap record");
        let Some(eth) = EthernetPacket::new(&packet.data) else {
            continue;
        };
        if eth.get_ethertype() != EtherTypes::Ipv4 {
            continue;
        }
        let ip = Ipv4Packet::new(eth.payload()).expect("IPv4 header");
        if ip.get_next_level_protocol() != IpNextHeaderProtocols::Tcp {
            continue;
        }
        let tcp = TcpPacket::new(ip.payload()).expect("TCP header");
        let flags = tcp.get_flags();
        if flags & TcpFlags::SYN != 0 && flags & TcpFlags::ACK == 0 {
            syns += 1;
            client_port = Some(tcp.get_source());
        }
        let from_client = Some(tcp.get_source()) == client_port;
        if flags & TcpFlags::SYN != 0 {
            isn.insert(from_client, tcp.get_sequence().wrapping_add(1));
            continue;
        }
        if tcp.payload().is_empty() {
            continue;
        }
        let base = *isn.get(&from_client).expect("data before SYN");
        let offset = tcp.get_sequence().wrapping_sub(base);
        segments
            .entry(from_client)
            .or_default()
            .insert(offset, tcp.payload().to_vec());
    }
    let reassemble = |dir: bool| {
        let mut out: Vec<u8> = Vec::new();
        for (&offset, data) in segments.get(&dir).into_iter().flatten() {
            let offset = offset as usize;
            assert!(offset <= out.len(), "gap in the TCP stream at {offset}");
            let overlap = out.len() - offset;
            if overlap < data.len() {
                out.extend_from_slice(&data[overlap..]);
            }
        }
        out
    };
    Capture {
        syns,
        client: reassemble(true),
        server: reassemble(false),
    }
}

/// The identification line and the unencrypted packets after it, up to and including
/// SSH_MSG_NEWKEYS (what follows is encrypted).
fn plaintext_flight(stream: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let (start, end, mut at) = wire::identification_line(stream).expect("identification");
    let line = stream[start..end].to_vec();
    let mut payloads = Vec::new();
    loop {
        let (payload, used) = wire::decode_packet(&stream[at..]).expect("packet");
        payloads.push(payload.to_vec());
        at += used;
        if payload[0] == wire::MSG_NEWKEYS {
            return (line, payloads);
        }
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

/// What both captures share on the client side: edgeaudit's identification and KEXINIT.
fn check_client(client: &[u8]) {
    let (line, payloads) = plaintext_flight(client);
    // tshark: ssh.protocol
    assert_eq!(line, b"SSH-2.0-edgeaudit_0.1.0");
    // tshark: ssh.message_code 20, 30, 21
    let codes: Vec<u8> = payloads.iter().map(|p| p[0]).collect();
    assert_eq!(codes, [20, 30, 21]);
    let ours = KexInit::decode(&payloads[0]).unwrap();
    // tshark: ssh.kex_algorithms
    assert_eq!(
        ours.kex_algorithms,
        list("curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ext-info-c,kex-strict-c-v00@openssh.com")
    );
    // tshark: ssh.server_host_key_algorithms
    assert_eq!(
        ours.server_host_key_algorithms,
        list("ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss")
    );
    // tshark: ssh.encryption_algorithms_client_to_server
    assert_eq!(
        ours.encryption_client_to_server,
        list("chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com")
    );
    assert!(!ours.first_kex_packet_follows);
    // X25519 public key: 32 bytes (RFC 8731 §3).
    assert_eq!(&payloads[1][1..5], &[0, 0, 0, 32]);
    assert_eq!(payloads[1].len(), 1 + 4 + 32);
}

#[test]
fn hardened_openssh_92() {
    let cap = read_capture("openssh92-hardened.pcap");
    assert_eq!(cap.syns, 1, "the audit opened one connection");
    check_client(&cap.client);
    let (line, payloads) = plaintext_flight(&cap.server);
    // tshark: ssh.protocol
    assert_eq!(line, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
    let id = wire::parse_ssh_identification(&line).unwrap();
    assert_eq!(id.software, "OpenSSH_9.2p1");
    // tshark: ssh.message_code 20, then 31 and 21
    let codes: Vec<u8> = payloads.iter().map(|p| p[0]).collect();
    assert_eq!(codes, [20, 31, 21]);
    let k = KexInit::decode(&payloads[0]).unwrap();
    // tshark: ssh.kex_algorithms, ssh.server_host_key_algorithms, ssh.encryption_algorithms_*,
    // ssh.mac_algorithms_*, ssh.compression_algorithms_*
    assert_eq!(
        k.kex_algorithms,
        list("sntrup761x25519-sha512@openssh.com,curve25519-sha256,kex-strict-s-v00@openssh.com")
    );
    assert_eq!(k.server_host_key_algorithms, ["ssh-ed25519"]);
    let ciphers = list("chacha20-poly1305@openssh.com,aes256-gcm@openssh.com");
    assert_eq!(k.encryption_client_to_server, ciphers);
    assert_eq!(k.encryption_server_to_client, ciphers);
    assert_eq!(k.mac_client_to_server, ["hmac-sha2-256-etm@openssh.com"]);
    assert_eq!(k.mac_server_to_client, ["hmac-sha2-256-etm@openssh.com"]);
    assert_eq!(
        k.compression_server_to_client,
        list("none,zlib@openssh.com")
    );
    assert!(k.languages_client_to_server.is_empty());
    assert!(!k.first_kex_packet_follows);
    // What decodes must encode to the same bytes.
    assert_eq!(k.encode(), payloads[0]);
    let reply = EcdhReply::decode(&payloads[1]).unwrap();
    assert_eq!(reply.q_s.len(), 32);
    let info = hostkey::describe(reply.host_key).unwrap();
    // tshark: ssh.host_key.type; ssh-keygen -lf openssh92-hardened.hostkey.pub
    assert_eq!(info.key_type, "ssh-ed25519");
    assert_eq!(info.bits, Some(256));
    assert_eq!(
        info.fingerprint_sha256,
        "SHA256:3wVlWD4BQNF72jMKuDGI6payEYpuYKD1B/NudJvUzq4"
    );
}

#[test]
fn legacy_openssh_92() {
    let cap = read_capture("openssh92-legacy.pcap");
    assert_eq!(cap.syns, 1, "the audit opened one connection");
    check_client(&cap.client);
    let (_, payloads) = plaintext_flight(&cap.server);
    let k = KexInit::decode(&payloads[0]).unwrap();
    // tshark: ssh.kex_algorithms
    assert_eq!(
        k.kex_algorithms,
        list("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,kex-strict-s-v00@openssh.com")
    );
    // tshark: ssh.server_host_key_algorithms
    assert_eq!(
        k.server_host_key_algorithms,
        list("rsa-sha2-512,rsa-sha2-256,ssh-rsa")
    );
    // tshark: ssh.encryption_algorithms_server_to_client
    assert_eq!(
        k.encryption_server_to_client,
        list("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-cbc,3des-cbc")
    );
    // tshark: ssh.mac_algorithms_server_to_client
    assert_eq!(
        k.mac_server_to_client,
        list("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1,hmac-md5")
    );
    assert_eq!(k.encode(), payloads[0]);
    let reply = EcdhReply::decode(&payloads[1]).unwrap();
    let info = hostkey::describe(reply.host_key).unwrap();
    // tshark: ssh.host_key.type, ssh.host_key.rsa.n (257 bytes with the sign byte → 2048 bits);
    // ssh-keygen -lf openssh92-legacy.hostkey.pub
    assert_eq!(info.key_type, "ssh-rsa");
    assert_eq!(info.bits, Some(2048));
    assert_eq!(
        info.fingerprint_sha256,
        "SHA256:6ijLnezkDKGaY0MvCFJwnkGRqt3m+n3jR/dW8bHKnbQ"
    );
}
