//! IKE: what a VPN gateway accepts in the first exchange of IKEv2 ([`v2`], IKE_SA_INIT) and IKEv1
//! ([`v1`], Main Mode and Aggressive Mode message 1). The codec is [`wire`] (sans-I/O); the two
//! drivers build offers and read the responder's choices; this module owns the UDP socket, the
//! retransmission rule and the Vendor ID table.
//!
//! Boundaries: no request ever goes past the responder's first answer (no IKE_AUTH, no Main Mode
//! message 3, no Aggressive Mode message 3), nothing is ever decrypted or cracked, and the
//! Aggressive Mode hash is not kept. Every wait ends at `per_packet` or at the caller's deadline,
//! whichever is first; every request is sent at most [`ATTEMPTS`] times; and each driver sends at
//! most a fixed number of distinct requests ([`v2::MAX_REQUESTS`], [`v1::MAX_REQUESTS`]), so one
//! audit sends at most `ATTEMPTS × (v2::MAX_REQUESTS + v1::MAX_REQUESTS)` datagrams.

pub mod v1;
pub mod v2;
pub mod wire;

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use thiserror::Error;
use tokio::net::UdpSocket;
use tokio::time::{timeout_at, Instant};

use crate::observation::{IkeAudit, IkeVendorId};

use self::wire::Message;

/// The IKE port ([RFC 7296] §2.11).
pub const IKE_PORT: u16 = 500;
/// The NAT-traversal port, where IKE messages carry the non-ESP marker ([RFC 3948] §2.2).
pub const NAT_T_PORT: u16 = 4500;
/// Sends of one request (the first and two retransmissions): UDP may lose any of them.
pub const ATTEMPTS: u32 = 3;
/// Largest datagram read.
const MAX_DATAGRAM: usize = 65_535;

/// Why one exchange ended without an answer.
#[derive(Debug, Error)]
pub enum ExchangeError {
    #[error("no answer to {attempts} transmission(s)")]
    Silent { attempts: u32 },
    /// ICMP port unreachable came back: nothing listens.
    #[error("port unreachable (ICMP)")]
    Unreachable,
    #[error("socket: {0}")]
    Io(#[from] io::Error),
}

/// One connected UDP socket to the responder, counting what it sends.
pub struct IkeSocket {
    socket: UdpSocket,
    /// Port 4500: frame every message with the non-ESP marker.
    nat_t: bool,
    pub packets_sent: u32,
}

impl IkeSocket {
    /// Binds an ephemeral port of the target's address family and connects it, so only the
    /// target's datagrams are read and ICMP errors come back as socket errors.
    pub async fn connect(addr: SocketAddr) -> io::Result<IkeSocket> {
        let local: SocketAddr = if addr.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).await?;
        socket.connect(addr).await?;
        Ok(IkeSocket {
            socket,
            nat_t: addr.port() == NAT_T_PORT,
            packets_sent: 0,
        })
    }

    /// Sends `request` and returns the first decodable answer whose initiator SPI is `spi`
    /// (answers to earlier requests carry their own SPIs and are skipped). Retransmits the same
    /// bytes after each `per_packet` of silence, at most [`ATTEMPTS`] sends, never past `deadline`.
    pub async fn exchange(
        &mut self,
        request: &[u8],
        spi: [u8; 8],
        deadline: Instant,
        per_packet: Duration,
    ) -> Result<Message, ExchangeError> {
        let datagram = if self.nat_t {
            wire::with_non_esp_marker(request)
        } else {
            request.to_vec()
        };
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut attempts = 0;
        while attempts < ATTEMPTS && Instant::now() < deadline {
            attempts += 1;
            self.socket.send(&datagram).await.map_err(refused)?;
            self.packets_sent += 1;
            let wait_until = (Instant::now() + per_packet).min(deadline);
            loop {
                let n = match timeout_at(wait_until, self.socket.recv(&mut buf)).await {
                    Err(_) => break,
                    Ok(Err(e)) => return Err(refused(e)),
                    Ok(Ok(n)) => n,
                };
                let Some(bytes) = self.unframe(&buf[..n]) else {
                    continue;
                };
                match Message::decode(bytes) {
                    Ok(m) if m.header.initiator_spi == spi => return Ok(m),
                    _ => continue,
                }
            }
        }
        Err(ExchangeError::Silent { attempts })
    }

    fn unframe<'a>(&self, datagram: &'a [u8]) -> Option<&'a [u8]> {
        if self.nat_t {
            wire::strip_non_esp_marker(datagram)
        } else {
            Some(datagram)
        }
    }
}

fn refused(e: io::Error) -> ExchangeError {
    if e.kind() == io::ErrorKind::ConnectionRefused {
        ExchangeError::Unreachable
    } else {
        ExchangeError::Io(e)
    }
}

/// Randomness for SPIs, nonces and MODP key-exchange filler. None of it protects anything (the
/// exchange is never completed), it only has to differ between requests and between runs, so a
/// SplitMix64 seeded from the process's hash keys and the clock does; no dependency needed.
pub struct Filler(u64);

impl Filler {
    pub fn new() -> Filler {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        Filler(h.finish())
    }

    pub fn seeded(seed: u64) -> Filler {
        Filler(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn byte(&mut self) -> u8 {
        self.next_u64().to_be_bytes()[0]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }

    /// A non-zero SPI ([RFC 7296] §3.1: the initiator's SPI must not be zero).
    pub fn spi(&mut self) -> [u8; 8] {
        let v = self.next_u64() | 1;
        v.to_be_bytes()
    }
}

impl Default for Filler {
    fn default() -> Self {
        Filler::new()
    }
}

/// One row of `data/ike-vendor-ids.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownVendorId {
    pub prefix: Vec<u8>,
    pub name: String,
    /// `nat-t`, `dpd`, `xauth`, `fragmentation`, `heartbeat` or `product`.
    pub feature: String,
}

const VENDOR_TSV: &str = include_str!("../../../data/ike-vendor-ids.tsv");

/// The Vendor ID table, longest prefixes first so the most specific row wins.
pub fn vendor_table() -> &'static [KnownVendorId] {
    static TABLE: OnceLock<Vec<KnownVendorId>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows: Vec<KnownVendorId> = VENDOR_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let prefix = decode_hex(cols.next()?)?;
                let name = cols.next()?.to_string();
                let feature = cols.next()?.to_string();
                Some(KnownVendorId {
                    prefix,
                    name,
                    feature,
                })
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        rows
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The table row a Vendor ID matches.
pub fn lookup_vendor_id(vid: &[u8]) -> Option<&'static KnownVendorId> {
    vendor_table().iter().find(|k| vid.starts_with(&k.prefix))
}

/// The observation of one Vendor ID payload.
pub fn vendor_id(vid: &[u8]) -> IkeVendorId {
    IkeVendorId {
        hex: hex(vid),
        name: lookup_vendor_id(vid).map(|k| k.name.clone()),
    }
}

/// Adds `vid` to `list` unless it is there already.
fn record_vendor_id(list: &mut Vec<IkeVendorId>, vid: &[u8]) {
    let v = vendor_id(vid);
    if !list.contains(&v) {
        list.push(v);
    }
}

/// The IKE audit of `addr` (UDP; port 4500 is spoken with the non-ESP marker): IKEv2 first, then
/// IKEv1, both bounded by `deadline`, each wait by `per_packet`. IKEv2 may use at most two
/// thirds of the time left, so IKEv1 is always tried.
pub async fn audit_ike(addr: SocketAddr, deadline: Instant, per_packet: Duration) -> IkeAudit {
    let mut audit = IkeAudit {
        port: addr.port(),
        ..IkeAudit::default()
    };
    let mut socket = match IkeSocket::connect(addr).await {
        Ok(s) => s,
        Err(e) => {
            audit.notes.push(format!("UDP socket to {addr}: {e}"));
            return audit;
        }
    };
    let mut filler = Filler::new();
    let now = Instant::now();
    let v2_deadline = now + deadline.saturating_duration_since(now) * 2 / 3;
    let v2 = v2::audit_v2(&mut socket, &mut filler, v2_deadline, per_packet).await;
    let unreachable = v2.notes.iter().any(|n| n.contains("unreachable"));
    audit.v2 = Some(v2);
    if unreachable {
        audit
            .notes
            .push("ICMP port unreachable: IKEv1 not tried".to_string());
    } else {
        audit.v1 = Some(v1::audit_v1(&mut socket, &mut filler, deadline, per_packet).await);
    }
    audit.answered = audit.v2.as_ref().is_some_and(|v| v.answered)
        || audit.v1.as_ref().is_some_and(|v| v.answered);
    audit.packets_sent = socket.packets_sent;
    audit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_ids_match_by_prefix_and_the_longest_wins() {
        let win8 = decode_hex("1e2b516905991c7d7c96fcbfb587e4610000000900000000").unwrap();
        assert_eq!(
            lookup_vendor_id(&win8).unwrap().name,
            "Microsoft Windows 8 / Server 2012 or later"
        );
        let unity = decode_hex("12f5f28c457168a9702d9fe274cc0100").unwrap();
        assert_eq!(lookup_vendor_id(&unity).unwrap().name, "Cisco Unity");
        let dpd = decode_hex("afcad71368a1f1c96b8696fc77570100").unwrap();
        assert_eq!(lookup_vendor_id(&dpd).unwrap().feature, "dpd");
        assert_eq!(lookup_vendor_id(b"\x01\x02"), None);
        assert_eq!(vendor_id(b"\xab").hex, "ab");
        // Every row parses: a malformed row would silently vanish otherwise.
        let rows = VENDOR_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(vendor_table().len(), rows);
    }

    #[test]
    fn filler_spis_are_never_zero_and_differ() {
        let mut f = Filler::seeded(0);
        let a = f.spi();
        let b = f.spi();
        assert_ne!(a, [0; 8]);
        assert_ne!(a, b);
        assert_eq!(f.bytes(5).len(), 5);
    }

    #[tokio::test]
    async fn a_silent_port_costs_exactly_attempts_datagrams() {
        // A bound socket that never answers: three sends, then Silent.
        let quiet = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut s = IkeSocket::connect(quiet.local_addr().unwrap())
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let r = s
            .exchange(b"x", [1; 8], deadline, Duration::from_millis(50))
            .await;
        assert!(matches!(r, Err(ExchangeError::Silent { attempts: 3 })));
        assert_eq!(s.packets_sent, 3);
    }
}
