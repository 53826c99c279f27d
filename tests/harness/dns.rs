//! The lab's DNS zone, and a tiny hand-made DNS client (RFC 1035) used to tell when dnsmasq is
//! ready and to check what it answers, independently of edgeaudit's own resolver.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

pub const A: u16 = 1;
pub const AAAA: u16 = 28;
pub const RCODE_NOERROR: u8 = 0;
pub const RCODE_NXDOMAIN: u8 = 3;

/// The lab domain (`.test` is reserved for testing by RFC 6761).
pub const DOMAIN: &str = "lab.test";
/// Two A records: 127.0.0.2 and 127.0.0.3, no AAAA.
pub const MULTI: &str = "multi.lab.test";
/// One AAAA record (::1), no A.
pub const V6ONLY: &str = "v6only.lab.test";
/// One A (127.0.0.1) and one AAAA (::1).
pub const BOTH: &str = "both.lab.test";
/// No records: NXDOMAIN.
pub const NX: &str = "nx.lab.test";

pub const MULTI_V4: [Ipv4Addr; 2] = [Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3)];

/// Records dnsmasq serves; every name under `domain` that is not listed gets NXDOMAIN.
#[derive(Debug, Clone)]
pub struct Zone {
    pub domain: String,
    pub records: Vec<(String, IpAddr)>,
}

impl Zone {
    /// `multi`, `v6only` and `both` under `lab.test`; `nx.lab.test` (and any other name there)
    /// does not exist.
    pub fn lab() -> Zone {
        let v4 = |ip: Ipv4Addr| IpAddr::V4(ip);
        Zone {
            domain: DOMAIN.to_string(),
            records: vec![
                (MULTI.to_string(), v4(MULTI_V4[0])),
                (MULTI.to_string(), v4(MULTI_V4[1])),
                (V6ONLY.to_string(), IpAddr::V6(Ipv6Addr::LOCALHOST)),
                (BOTH.to_string(), v4(Ipv4Addr::LOCALHOST)),
                (BOTH.to_string(), IpAddr::V6(Ipv6Addr::LOCALHOST)),
            ],
        }
    }
}

/// What a DNS server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub rcode: u8,
    /// A and AAAA records in the answer section, in order.
    pub addrs: Vec<IpAddr>,
}

/// Sends one query for `name`/`qtype` (class IN, recursion desired) over UDP and reads the reply.
pub fn query(server: SocketAddr, name: &str, qtype: u16, timeout: Duration) -> io::Result<Answer> {
    assert!(
        server.ip().is_loopback(),
        "lab DNS queries go to loopback only"
    );
    let local: SocketAddr = if server.is_ipv4() {
        "127.0.0.1:0".parse().unwrap()
    } else {
        "[::1]:0".parse().unwrap()
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(server)?;
    socket.set_read_timeout(Some(timeout))?;
    let id: u16 = 0x5eed ^ qtype;
    let message = encode_query(id, name, qtype);
    socket.send(&message)?;
    let mut buf = [0u8; 1500];
    let len = socket.recv(&mut buf)?;
    let answer = parse_answer(&buf[..len]).ok_or_else(|| bad("malformed DNS reply"))?;
    if u16::from_be_bytes([buf[0], buf[1]]) != id {
        return Err(bad("DNS reply with another id"));
    }
    Ok(answer)
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

pub fn encode_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut m = Vec::with_capacity(64);
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&0x0100u16.to_be_bytes()); // RD
    m.extend_from_slice(&1u16.to_be_bytes()); // QDCOUNT
    m.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // AN, NS, AR
    for label in name.trim_end_matches('.').split('.') {
        assert!(
            !label.is_empty() && label.len() < 64,
            "bad label in {name:?}"
        );
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes()); // IN
    m
}

/// Parses the header and the answer section; `None` when the message is cut short or bent.
pub fn parse_answer(msg: &[u8]) -> Option<Answer> {
    let word =
        |at: usize| -> Option<u16> { Some(u16::from_be_bytes([*msg.get(at)?, *msg.get(at + 1)?])) };
    let flags = word(2)?;
    if flags & 0x8000 == 0 {
        return None; // not a response
    }
    let rcode = (flags & 0x000f) as u8;
    let qdcount = word(4)?;
    let ancount = word(6)?;
    let mut at = 12;
    for _ in 0..qdcount {
        at = skip_name(msg, at)? + 4;
    }
    let mut addrs = Vec::new();
    for _ in 0..ancount {
        at = skip_name(msg, at)?;
        let rtype = word(at)?;
        let rdlength = usize::from(word(at + 8)?);
        let rdata = msg.get(at + 10..at + 10 + rdlength)?;
        match (rtype, rdlength) {
            (A, 4) => addrs.push(IpAddr::V4(Ipv4Addr::new(
                rdata[0], rdata[1], rdata[2], rdata[3],
            ))),
            (AAAA, 16) => {
                let octets: [u8; 16] = rdata.try_into().ok()?;
                addrs.push(IpAddr::V6(Ipv6Addr::from(octets)));
            }
            _ => {}
        }
        at += 10 + rdlength;
    }
    Some(Answer { rcode, addrs })
}

/// The offset just past the (possibly compressed) name at `at`.
fn skip_name(msg: &[u8], mut at: usize) -> Option<usize> {
    // A name has at most 127 labels; anything longer is malformed.
    for _ in 0..128 {
        let len = *msg.get(at)?;
        match len {
            0 => return Some(at + 1),
            l if l & 0xc0 == 0xc0 => {
                msg.get(at + 1)?;
                return Some(at + 2);
            }
            l if l & 0xc0 == 0 => at += 1 + usize::from(l),
            _ => return None,
        }
    }
    None
}
