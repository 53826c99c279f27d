//! SNMP over UDP: does the agent answer the community `public`, and what is its sysDescr.0?
//!
//! One GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0, RFC 3418) per version, SNMPv1 (RFC 1157
//! §4.1) then SNMPv2c (RFC 1901 §3, PDUs of RFC 3416 §3), each through [`udp::exchange`] with two
//! retransmissions and its own deadline. A response counts only when its version and request-id
//! match ours. The BER subset here (X.690 §8: definite lengths, low tag numbers) is all SNMP
//! messages use; anything else is an error, never a panic.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use thiserror::Error;
use tokio::time::{timeout_at, Instant};

use crate::observation::SnmpAudit;
use crate::probe::identify::wire_text;
use crate::probe::udp::{self, Limits, UdpError};
use crate::probe::HostContext;
use crate::wire::{Reader, ShortRead};

/// Deadline of one version's exchange (all its attempts).
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(3);
/// Retransmissions per version.
pub const RETRIES: u32 = 2;
/// Largest response kept. RFC 3417 §3.2 asks agents to accept 484-byte messages; answers to one
/// varbind are well below this.
pub const MAX_MESSAGE: usize = 8192;
/// Characters of sysDescr kept.
pub const MAX_DESCR_CHARS: usize = 256;
/// sysDescr.0.
pub const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
/// The community tried.
pub const COMMUNITY: &[u8] = b"public";

pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_NULL: u8 = 0x05;
pub const TAG_OID: u8 = 0x06;
pub const TAG_SEQUENCE: u8 = 0x30;
/// GetRequest-PDU, `[0] IMPLICIT` constructed.
pub const PDU_GET_REQUEST: u8 = 0xa0;
/// GetResponse-PDU (v1) / Response-PDU (v2c), `[2]`.
pub const PDU_RESPONSE: u8 = 0xa2;

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BerError {
    #[error("truncated ({} more bytes needed)", .0.needed)]
    Short(ShortRead),
    #[error("expected tag 0x{expected:02x}, found 0x{found:02x}")]
    Tag { expected: u8, found: u8 },
    #[error("unsupported BER: {0}")]
    Unsupported(&'static str),
    #[error("PDU 0x{0:02x} is not a response PDU")]
    NotResponse(u8),
}

impl From<ShortRead> for BerError {
    fn from(s: ShortRead) -> Self {
        BerError::Short(s)
    }
}

type R<'a> = Reader<'a, BerError>;

/// SNMP versions, as the `version` INTEGER encodes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1 = 0,
    V2c = 1,
}

impl Version {
    pub fn name(self) -> &'static str {
        match self {
            Version::V1 => "SNMPv1",
            Version::V2c => "SNMPv2c",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BER
// ---------------------------------------------------------------------------------------------

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// INTEGER, minimal two's complement (X.690 §8.3).
pub fn integer(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    tlv(TAG_INTEGER, &bytes[start..])
}

/// OBJECT IDENTIFIER (X.690 §8.19): the first two arcs share one subidentifier, each in base 128.
pub fn oid(arcs: &[u32]) -> Vec<u8> {
    let mut content = Vec::new();
    let mut sub = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        content.extend(tmp.iter().rev());
    };
    match arcs {
        [a, b, rest @ ..] => {
            sub(u64::from(*a) * 40 + u64::from(*b));
            rest.iter().for_each(|&v| sub(u64::from(v)));
        }
        [a] => sub(u64::from(*a) * 40),
        [] => {}
    }
    tlv(TAG_OID, &content)
}

/// One TLV: its tag and a reader over its content.
pub fn read_tlv<'a>(r: &mut R<'a>) -> Result<(u8, R<'a>), BerError> {
    let tag = r.u8()?;
    if tag & 0x1f == 0x1f {
        return Err(BerError::Unsupported("high tag number"));
    }
    let first = r.u8()?;
    let len = match first {
        0x80 => return Err(BerError::Unsupported("indefinite length")),
        n if n < 0x80 => usize::from(n),
        n => {
            let count = usize::from(n & 0x7f);
            if count > 4 {
                return Err(BerError::Unsupported("length of more than 4 bytes"));
            }
            r.take(count)?
                .iter()
                .fold(0usize, |acc, &b| acc << 8 | usize::from(b))
        }
    };
    Ok((tag, r.sub(len)?))
}

fn expect<'a>(r: &mut R<'a>, expected: u8) -> Result<R<'a>, BerError> {
    let (found, inner) = read_tlv(r)?;
    if found != expected {
        return Err(BerError::Tag { expected, found });
    }
    Ok(inner)
}

fn decode_integer(content: &[u8]) -> Result<i64, BerError> {
    if content.is_empty() || content.len() > 8 {
        return Err(BerError::Unsupported("INTEGER of 0 or more than 8 bytes"));
    }
    let init = if content[0] & 0x80 != 0 { -1i64 } else { 0 };
    Ok(content
        .iter()
        .fold(init, |acc, &b| (acc << 8) | i64::from(b)))
}

fn read_integer(r: &mut R<'_>) -> Result<i64, BerError> {
    let mut inner = expect(r, TAG_INTEGER)?;
    decode_integer(inner.rest())
}

/// The arcs of an OBJECT IDENTIFIER's content.
pub fn decode_oid(content: &[u8]) -> Result<Vec<u32>, BerError> {
    let mut subs = Vec::new();
    let mut v: u64 = 0;
    for (i, &b) in content.iter().enumerate() {
        v = (v << 7) | u64::from(b & 0x7f);
        if v > u64::from(u32::MAX) * 40 + 39 {
            return Err(BerError::Unsupported("OID arc above 32 bits"));
        }
        if b & 0x80 == 0 {
            if subs.is_empty() {
                let first = (v / 40).min(2);
                subs.push(first as u32);
                subs.push(
                    u32::try_from(v - first * 40)
                        .map_err(|_| BerError::Unsupported("OID arc above 32 bits"))?,
                );
            } else {
                subs.push(
                    u32::try_from(v).map_err(|_| BerError::Unsupported("OID arc above 32 bits"))?,
                );
            }
            v = 0;
        } else if i + 1 == content.len() {
            return Err(BerError::Unsupported("OID ends inside a subidentifier"));
        }
    }
    Ok(subs)
}

pub fn oid_text(arcs: &[u32]) -> String {
    arcs.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// A GetRequest for `oid_arcs` (value NULL, RFC 3416 §4.2.1).
pub fn get_request(
    version: Version,
    community: &[u8],
    request_id: i32,
    oid_arcs: &[u32],
) -> Vec<u8> {
    let varbind = tlv(TAG_SEQUENCE, &[oid(oid_arcs), tlv(TAG_NULL, &[])].concat());
    let pdu = tlv(
        PDU_GET_REQUEST,
        &[
            integer(i64::from(request_id)),
            integer(0),
            integer(0),
            tlv(TAG_SEQUENCE, &varbind),
        ]
        .concat(),
    );
    tlv(
        TAG_SEQUENCE,
        &[
            integer(version as i64),
            tlv(TAG_OCTET_STRING, community),
            pdu,
        ]
        .concat(),
    )
}

/// A varbind value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Integer(i64),
    OctetString(Vec<u8>),
    Null,
    Oid(Vec<u32>),
    /// RFC 3416 §3 exceptions `[0]`, `[1]`, `[2]`.
    NoSuchObject,
    NoSuchInstance,
    EndOfMibView,
    /// Any other type (IpAddress, Counter32, TimeTicks…), kept raw.
    Other {
        tag: u8,
        content: Vec<u8>,
    },
}

/// A decoded message with a PDU of the common shape (not a v1 Trap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub version: i64,
    pub community: Vec<u8>,
    pub pdu_type: u8,
    pub request_id: i64,
    pub error_status: i64,
    pub error_index: i64,
    pub varbinds: Vec<(Vec<u32>, Value)>,
}

/// Most varbinds decoded from one message.
pub const MAX_VARBINDS: usize = 64;

impl Message {
    pub fn decode(buf: &[u8]) -> Result<Message, BerError> {
        let mut r = R::new(buf);
        let mut msg = expect(&mut r, TAG_SEQUENCE)?;
        let version = read_integer(&mut msg)?;
        let community = expect(&mut msg, TAG_OCTET_STRING)?.rest().to_vec();
        let (pdu_type, mut pdu) = read_tlv(&mut msg)?;
        if !(0xa0..=0xa8).contains(&pdu_type) || pdu_type == 0xa4 {
            return Err(BerError::NotResponse(pdu_type));
        }
        let request_id = read_integer(&mut pdu)?;
        let error_status = read_integer(&mut pdu)?;
        let error_index = read_integer(&mut pdu)?;
        let mut list = expect(&mut pdu, TAG_SEQUENCE)?;
        let mut varbinds = Vec::new();
        while !list.is_empty() && varbinds.len() < MAX_VARBINDS {
            let mut vb = expect(&mut list, TAG_SEQUENCE)?;
            let name = decode_oid(expect(&mut vb, TAG_OID)?.rest())?;
            let (tag, mut content) = read_tlv(&mut vb)?;
            let bytes = content.rest();
            let value = match tag {
                TAG_INTEGER => Value::Integer(decode_integer(bytes)?),
                TAG_OCTET_STRING => Value::OctetString(bytes.to_vec()),
                TAG_NULL => Value::Null,
                TAG_OID => Value::Oid(decode_oid(bytes)?),
                0x80 => Value::NoSuchObject,
                0x81 => Value::NoSuchInstance,
                0x82 => Value::EndOfMibView,
                tag => Value::Other {
                    tag,
                    content: bytes.to_vec(),
                },
            };
            varbinds.push((name, value));
        }
        Ok(Message {
            version,
            community,
            pdu_type,
            request_id,
            error_status,
            error_index,
            varbinds,
        })
    }

    /// Whether this is the response to our request.
    pub fn answers(&self, version: Version, request_id: i32) -> bool {
        self.pdu_type == PDU_RESPONSE
            && self.version == version as i64
            && self.request_id == i64::from(request_id)
    }

    /// sysDescr.0 when the response carries it as an OCTET STRING.
    pub fn sys_descr(&self) -> Option<&[u8]> {
        self.varbinds.iter().find_map(|(name, value)| match value {
            Value::OctetString(s) if name == SYS_DESCR => Some(s.as_slice()),
            _ => None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

/// A request-id that differs between runs and versions, so a stale or spoofed answer to an
/// earlier probe does not match. Positive, as RFC 3416 §3 allows any Integer32.
fn request_id(version: Version) -> i32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    ((nanos ^ (std::process::id() << 7)) & 0x3fff_fff0) as i32 + version as i32 + 1
}

/// Audits SNMP on `port` of a scanned host: takes a host and a global slot for its duration
/// (UDP has no connection budget to spend), never runs past the target deadline.
pub async fn audit_snmp_in(ctx: &HostContext, port: u16) -> SnmpAudit {
    let not_run = |why: &str| SnmpAudit {
        notes: vec![format!("SNMP audit not run: {why}")],
        ..SnmpAudit::default()
    };
    let permits = async {
        let host = ctx.host_slots.clone().acquire_owned().await.ok()?;
        let global = ctx.global_slots.clone().acquire_owned().await.ok()?;
        Some((host, global))
    };
    let _permits = match timeout_at(ctx.deadline, permits).await {
        Err(_) => return not_run("target deadline reached"),
        Ok(None) => return not_run("the scan is shutting down"),
        Ok(Some(p)) => p,
    };
    let per_version = VERSION_TIMEOUT.max(ctx.config.exchange_timeout);
    audit_snmp_with(
        SocketAddr::new(ctx.address, port),
        ctx.deadline,
        per_version,
    )
    .await
}

/// Audits SNMP at `addr` with the default per-version deadline.
pub async fn audit_snmp(addr: SocketAddr, deadline: Instant) -> SnmpAudit {
    audit_snmp_with(addr, deadline, VERSION_TIMEOUT).await
}

/// Audits SNMP at `addr`: each version under `min(deadline, now + per_version)`.
pub async fn audit_snmp_with(
    addr: SocketAddr,
    deadline: Instant,
    per_version: Duration,
) -> SnmpAudit {
    let mut audit = SnmpAudit::default();
    for version in [Version::V1, Version::V2c] {
        if Instant::now() >= deadline {
            audit.notes.push(format!(
                "{}: not tested, the deadline passed",
                version.name()
            ));
            continue;
        }
        let id = request_id(version);
        let request = get_request(version, COMMUNITY, id, SYS_DESCR);
        let mut unmatched = 0usize;
        let limits = Limits {
            retries: RETRIES,
            max_bytes: MAX_MESSAGE,
            max_datagrams: 8,
        };
        let step_deadline = deadline.min(Instant::now() + per_version);
        let result = udp::exchange(addr, &request, step_deadline, limits, |d| {
            let ok = Message::decode(d).is_ok_and(|m| m.answers(version, id));
            unmatched += usize::from(!ok);
            ok
        })
        .await;
        let answered = match result {
            Ok(datagrams) => datagrams
                .iter()
                .filter_map(|d| Message::decode(d).ok())
                .find(|m| m.answers(version, id)),
            Err(UdpError::Refused) => {
                audit.notes.push(format!(
                    "{}: ICMP port unreachable (nothing listens on the port)",
                    version.name()
                ));
                set(&mut audit, version, Some(false));
                continue;
            }
            Err(e) => {
                audit.notes.push(format!("{}: {e}", version.name()));
                continue;
            }
        };
        if unmatched > 0 {
            audit.notes.push(format!(
                "{}: {unmatched} datagram(s) that were not a response to our request ignored",
                version.name()
            ));
        }
        match answered {
            Some(msg) => {
                set(&mut audit, version, Some(true));
                if msg.error_status != 0 {
                    audit.notes.push(format!(
                        "{}: response with error-status {} (the community was accepted)",
                        version.name(),
                        msg.error_status
                    ));
                }
                if audit.sys_descr.is_none() {
                    audit.sys_descr = msg.sys_descr().map(|d| wire_text(d, MAX_DESCR_CHARS));
                }
            }
            None => {
                set(&mut audit, version, Some(false));
                audit.notes.push(format!(
                    "{}: no answer to community \"public\" after {} attempts (closed without \
                     ICMP, filtered, or community not accepted: UDP cannot tell these apart)",
                    version.name(),
                    RETRIES + 1
                ));
            }
        }
    }
    audit
}

fn set(audit: &mut SnmpAudit, version: Version, value: Option<bool>) {
    match version {
        Version::V1 => audit.v1_public = value,
        Version::V2c => audit.v2c_public = value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_request_matches_the_known_encoding() {
        // snmpget -v1 -c public HOST 1.3.6.1.2.1.1.1.0 with request-id 0x1234, as Wireshark
        // dissects it.
        let expected = [
            0x30, 0x27, 0x02, 0x01, 0x00, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0,
            0x1a, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30,
            0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
        ];
        assert_eq!(
            get_request(Version::V1, b"public", 0x1234, SYS_DESCR),
            expected
        );
        let decoded = Message::decode(&expected).unwrap();
        assert_eq!(decoded.pdu_type, PDU_GET_REQUEST);
        assert_eq!(decoded.varbinds, vec![(SYS_DESCR.to_vec(), Value::Null)]);
    }

    #[test]
    fn integers_and_oids_round_trip() {
        for v in [
            0i64,
            1,
            127,
            128,
            255,
            256,
            -1,
            -128,
            -129,
            i32::MAX.into(),
            i32::MIN.into(),
        ] {
            let enc = integer(v);
            let mut r = R::new(&enc);
            assert_eq!(read_integer(&mut r), Ok(v), "{v}");
        }
        assert_eq!(integer(128), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(-129), [0x02, 0x02, 0xff, 0x7f]);
        let arcs = [1, 3, 6, 1, 4, 1, 8072, 3, 2, 10, 4_294_967_295];
        let enc = oid(&arcs);
        assert_eq!(decode_oid(&enc[2..]), Ok(arcs.to_vec()));
        assert_eq!(oid_text(SYS_DESCR), "1.3.6.1.2.1.1.1.0");
        assert!(decode_oid(&[0x2b, 0x86]).is_err());
    }

    fn response(version: Version, id: i32, value: &[u8]) -> Vec<u8> {
        let varbind = tlv(TAG_SEQUENCE, &[oid(SYS_DESCR), value.to_vec()].concat());
        let pdu = tlv(
            PDU_RESPONSE,
            &[
                integer(id.into()),
                integer(0),
                integer(0),
                tlv(TAG_SEQUENCE, &varbind),
            ]
            .concat(),
        );
        tlv(
            TAG_SEQUENCE,
            &[
                integer(version as i64),
                tlv(TAG_OCTET_STRING, b"public"),
                pdu,
            ]
            .concat(),
        )
    }

    #[test]
    fn responses_match_version_and_request_id() {
        let long = vec![b'a'; 300];
        let bytes = response(Version::V2c, 77, &tlv(TAG_OCTET_STRING, &long));
        assert_eq!(bytes[1], 0x82, "long-form length");
        let m = Message::decode(&bytes).unwrap();
        assert!(m.answers(Version::V2c, 77));
        assert!(!m.answers(Version::V1, 77));
        assert!(!m.answers(Version::V2c, 78));
        assert_eq!(m.sys_descr(), Some(long.as_slice()));
        let m = Message::decode(&response(Version::V2c, 1, &[0x81, 0x00])).unwrap();
        assert_eq!(m.varbinds[0].1, Value::NoSuchInstance);
        assert_eq!(m.sys_descr(), None);
    }

    #[test]
    fn broken_messages_are_errors() {
        let good = response(Version::V1, 5, &tlv(TAG_OCTET_STRING, b"x"));
        for cut in 0..good.len() {
            assert!(Message::decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert!(matches!(
            Message::decode(&[0x30, 0x80, 0, 0]),
            Err(BerError::Unsupported(_))
        ));
        assert!(matches!(
            Message::decode(&[0x30, 0x85, 1, 1, 1, 1, 1]),
            Err(BerError::Unsupported(_))
        ));
        assert!(matches!(
            Message::decode(&[0x31, 0x00]),
            Err(BerError::Tag { .. })
        ));
    }
}
