//! The IKE codec against real exchanges: loopback captures of the IKE audit against strongSwan
//! (pcap-fixtures/vpn/, see its README.md). Every UDP datagram in each capture is decoded with
//! `Message::decode` (after the non-ESP marker on port 4500); the counts and values below were
//! read from `tcpdump -nr FILE` (tcpdump 4.99, Debian 12) and charon's log of the same run.

use std::fs::File;
use std::path::Path;

use edgeaudit::probe::ike::wire::{
    self, exchange, notify, payload, transform_type as tt, v1attr, Message, Payload,
};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;
use pnet::packet::ethernet::{EtherTypes, EthernetPacket};
use pnet::packet::ip::IpNextHeaderProtocols;
use pnet::packet::ipv4::Ipv4Packet;
use pnet::packet::udp::UdpPacket;
use pnet::packet::Packet;

/// One datagram: (source port, destination port, decoded message).
struct Datagram {
    dst_port: u16,
    message: Message,
}

impl Datagram {
    fn is_request(&self) -> bool {
        self.dst_port == 500 || self.dst_port == 4500
    }
}

fn datagrams(name: &str) -> Vec<Datagram> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/vpn")
        .join(name);
    let mut reader = PcapReader::new(File::open(&path).expect("open fixture")).expect("pcap");
    assert_eq!(reader.header().datalink, DataLink::ETHERNET);
    let mut out = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap packet");
        let eth = EthernetPacket::new(&packet.data).expect("ethernet");
        assert_eq!(eth.get_ethertype(), EtherTypes::Ipv4);
        let ip =
            Ipv4Packet::new(&packet.data[EthernetPacket::minimum_packet_size()..]).expect("ipv4");
        assert_eq!(ip.get_next_level_protocol(), IpNextHeaderProtocols::Udp);
        let udp = UdpPacket::new(ip.payload()).expect("udp");
        let mut bytes = udp.payload();
        if udp.get_source() == 4500 || udp.get_destination() == 4500 {
            bytes = wire::strip_non_esp_marker(bytes).expect("non-ESP marker on port 4500");
        }
        let message = Message::decode(bytes)
            .unwrap_or_else(|e| panic!("{name}: datagram {} does not decode: {e}", out.len()));
        // What decodes re-encodes to the very bytes on the wire.
        assert_eq!(message.encode(), bytes, "{name}: datagram {}", out.len());
        out.push(Datagram {
            dst_port: udp.get_destination(),
            message,
        });
    }
    out
}

fn count(d: &[Datagram], request: bool, exchange_type: u8) -> usize {
    d.iter()
        .filter(|x| x.is_request() == request && x.message.header.exchange_type == exchange_type)
        .count()
}

fn v2_chosen(m: &Message) -> Option<Vec<(u8, u16, Option<u16>)>> {
    let [p] = m.v2_sa()? else { return None };
    Some(
        p.transforms
            .iter()
            .map(|t| (t.kind, t.id, t.key_length()))
            .collect(),
    )
}

#[test]
fn ikev2_weak_responder() {
    let d = datagrams("strongswan-ikev2-weak.pcap");
    assert_eq!(d.len(), 24);
    assert_eq!(count(&d, true, exchange::V2_IKE_SA_INIT), 6);
    assert_eq!(count(&d, false, exchange::V2_IKE_SA_INIT), 6);
    assert_eq!(count(&d, true, exchange::V1_IDENTITY_PROTECTION), 5);
    assert_eq!(count(&d, true, exchange::V1_AGGRESSIVE), 1);
    assert_eq!(count(&d, false, exchange::V1_INFORMATIONAL), 6);
    let responses: Vec<&Message> = d
        .iter()
        .filter(|x| !x.is_request() && x.message.header.major_version() == 2)
        .map(|x| &x.message)
        .collect();
    // The first answer asks for modp1024 instead of our modp2048.
    let first = responses[0].v2_notifies().next().unwrap();
    assert_eq!(first.notify_type, notify::INVALID_KE_PAYLOAD);
    assert_eq!(first.requested_group(), Some(2));
    // Exactly one SA answer, with the configured proposal (strongSwan lists INTEG before PRF).
    let chosen: Vec<_> = responses.iter().filter_map(|m| v2_chosen(m)).collect();
    assert_eq!(
        chosen,
        [vec![
            (tt::ENCR, 12, Some(128)),
            (tt::INTEG, 2, None),
            (tt::PRF, 2, None),
            (tt::DH, 2, None)
        ]]
    );
    let sa_answer = responses.iter().find(|m| m.v2_sa().is_some()).unwrap();
    let ke = sa_answer
        .payloads
        .iter()
        .find_map(|p| match p {
            Payload::V2Ke { group, data } => Some((*group, data.len())),
            _ => None,
        })
        .unwrap();
    assert_eq!(ke, (2, 128));
    // The remaining IKEv2 answers are NO_PROPOSAL_CHOSEN.
    let npc = responses
        .iter()
        .filter(|m| {
            m.v2_notifies()
                .any(|n| n.notify_type == notify::NO_PROPOSAL_CHOSEN)
        })
        .count();
    assert_eq!(npc, 4);
    // Every IKEv1 answer is an unencrypted NO_PROPOSAL_CHOSEN.
    for x in d
        .iter()
        .filter(|x| !x.is_request() && x.message.header.major_version() == 1)
    {
        let n = x.message.v1_notifies().next().unwrap();
        assert_eq!(n.notify_type, notify::NO_PROPOSAL_CHOSEN);
    }
}

#[test]
fn ikev1_aggressive_mode_responder() {
    let d = datagrams("strongswan-ikev1-aggressive.pcap");
    assert_eq!(d.len(), 22);
    let answers: Vec<&Message> = d
        .iter()
        .filter(|x| !x.is_request() && x.message.header.major_version() == 1)
        .map(|x| &x.message)
        .collect();
    let main_mode: Vec<&&Message> = answers
        .iter()
        .filter(|m| m.header.exchange_type == exchange::V1_IDENTITY_PROTECTION)
        .collect();
    assert_eq!(main_mode.len(), 4);
    let auth: Vec<u32> = main_mode
        .iter()
        .map(|m| {
            let t = &m.v1_sa().unwrap().proposals[0].transforms[0];
            assert_eq!(t.attribute(v1attr::ENCRYPTION), Some(7));
            assert_eq!(t.attribute(v1attr::KEY_LENGTH), Some(128));
            assert_eq!(t.attribute(v1attr::HASH), Some(2));
            assert_eq!(t.attribute(v1attr::GROUP_DESCRIPTION), Some(2));
            t.attribute(v1attr::AUTH_METHOD).unwrap()
        })
        .collect();
    assert_eq!(auth, [1, 3, 65001, 65005]);
    let aggressive: Vec<&&Message> = answers
        .iter()
        .filter(|m| m.header.exchange_type == exchange::V1_AGGRESSIVE)
        .collect();
    assert_eq!(aggressive.len(), 1);
    let kinds: Vec<u8> = aggressive[0].payloads.iter().map(|p| p.kind(1)).collect();
    // SA KE No ID V V V NAT-D NAT-D HASH, as charon logged it.
    assert_eq!(
        kinds,
        [
            payload::V1_SA,
            payload::V1_KE,
            payload::V1_NONCE,
            payload::V1_ID,
            payload::V1_VENDOR_ID,
            payload::V1_VENDOR_ID,
            payload::V1_VENDOR_ID,
            payload::V1_NAT_D,
            payload::V1_NAT_D,
            payload::V1_HASH
        ]
    );
    // The IKEv2 request was refused: this responder has no IKEv2 connection.
    let v2 = d
        .iter()
        .find(|x| !x.is_request() && x.message.header.major_version() == 2)
        .unwrap();
    assert_eq!(
        v2.message.v2_notifies().next().unwrap().notify_type,
        notify::NO_PROPOSAL_CHOSEN
    );
}

#[test]
fn ikev2_strong_responder_on_port_4500() {
    let d = datagrams("strongswan-ikev2-strong-port4500.pcap");
    assert_eq!(d.len(), 28);
    assert!(d.iter().all(|x| x.dst_port == 4500 || !x.is_request()));
    let chosen: Vec<_> = d
        .iter()
        .filter(|x| !x.is_request())
        .filter_map(|x| v2_chosen(&x.message))
        .collect();
    let encr: Vec<(u16, Option<u16>)> = chosen.iter().map(|c| (c[0].1, c[0].2)).collect();
    assert!(encr.contains(&(20, Some(256))), "{chosen:?}");
    assert!(encr.contains(&(12, Some(256))), "{chosen:?}");
    for c in &chosen {
        let group = c.iter().find(|t| t.0 == tt::DH).unwrap().1;
        assert!(group == 20 || group == 15, "{c:?}");
    }
}
