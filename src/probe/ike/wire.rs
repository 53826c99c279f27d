//! Sans-I/O codec for ISAKMP (IKEv1, RFC 2408/2409) and IKEv2 (RFC 7296) messages, as far as the
//! first exchange needs: the header, the payload chain, SA payloads down to their attributes, Key
//! Exchange, Nonce, Identification, Vendor ID and Notification payloads. Anything else in a chain
//! is kept as [`Payload::Other`] with its bytes, so a message always re-encodes to itself.
//!
//! Layout ([RFC 2408] §3.1 and [RFC 7296] §3.1 share it; only the version nibble and the meaning
//! of the flags differ):
//!
//! ```text
//! header         28 bytes: initiator SPI (8), responder SPI (8), next payload (1),
//!                version (major << 4 | minor) (1), exchange type (1), flags (1),
//!                message ID (u32 BE), length (u32 BE, whole message)
//! payload chain  each: next payload (1), critical bit + reserved (1), length (u16 BE, with this
//!                4-byte generic header), body; the last says next payload = 0
//! ```
//!
//! Every decoder reads through the shared bounded [`Reader`](crate::wire::Reader) and never
//! panics: lengths are checked against what encloses them and counts are capped ([`MAX_PAYLOADS`]
//! and friends), so hostile input costs at most one pass over the datagram.

use thiserror::Error;

use crate::wire::ShortRead;

/// ISAKMP/IKE header length ([RFC 2408] §3.1, [RFC 7296] §3.1).
pub const HEADER_LEN: usize = 28;
/// Generic payload header length ([RFC 2408] §3.2, [RFC 7296] §3.2).
pub const GENERIC_HEADER_LEN: usize = 4;
/// Four zero bytes before an IKE message sent to UDP port 4500 ([RFC 3947] §4, [RFC 3948] §2.2):
/// there they tell IKE from ESP, whose SPI is never zero.
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];
/// Most payloads read from one message; a first-exchange answer has fewer than 20.
pub const MAX_PAYLOADS: usize = 64;
/// Most proposals read from one SA payload.
pub const MAX_PROPOSALS: usize = 64;
/// Most attributes read from one transform.
pub const MAX_ATTRIBUTES: usize = 32;

/// `version` byte of ISAKMP/IKEv1 (major 1, minor 0).
pub const VERSION_1: u8 = 0x10;
/// `version` byte of IKEv2 (major 2, minor 0).
pub const VERSION_2: u8 = 0x20;

/// Exchange types: IKEv1 ([RFC 2408] §3.1, [RFC 2409] §5) and IKEv2 ([RFC 7296] §3.1).
pub mod exchange {
    pub const V1_BASE: u8 = 1;
    /// Main Mode.
    pub const V1_IDENTITY_PROTECTION: u8 = 2;
    pub const V1_AUTHENTICATION_ONLY: u8 = 3;
    pub const V1_AGGRESSIVE: u8 = 4;
    pub const V1_INFORMATIONAL: u8 = 5;
    pub const V2_IKE_SA_INIT: u8 = 34;
    pub const V2_IKE_AUTH: u8 = 35;
    pub const V2_CREATE_CHILD_SA: u8 = 36;
    pub const V2_INFORMATIONAL: u8 = 37;
}

/// Header flags.
pub mod flags {
    /// IKEv1 ([RFC 2408] §3.1): payloads after the header are encrypted.
    pub const V1_ENCRYPTION: u8 = 0x01;
    /// IKEv2 ([RFC 7296] §3.1): the sender is the original initiator.
    pub const V2_INITIATOR: u8 = 0x08;
    /// IKEv2: the sender can speak a higher major version.
    pub const V2_VERSION: u8 = 0x10;
    /// IKEv2: this message is a response.
    pub const V2_RESPONSE: u8 = 0x20;
}

/// Payload type numbers ("next payload" values).
pub mod payload {
    pub const NONE: u8 = 0;
    // IKEv1, [RFC 2408] §3.1; NAT-D and NAT-OA from [RFC 3947] §3.2, §5.2.
    pub const V1_SA: u8 = 1;
    pub const V1_PROPOSAL: u8 = 2;
    pub const V1_TRANSFORM: u8 = 3;
    pub const V1_KE: u8 = 4;
    pub const V1_ID: u8 = 5;
    pub const V1_CERT: u8 = 6;
    pub const V1_CERTREQ: u8 = 7;
    pub const V1_HASH: u8 = 8;
    pub const V1_SIG: u8 = 9;
    pub const V1_NONCE: u8 = 10;
    pub const V1_NOTIFICATION: u8 = 11;
    pub const V1_DELETE: u8 = 12;
    pub const V1_VENDOR_ID: u8 = 13;
    pub const V1_NAT_D: u8 = 20;
    pub const V1_NAT_OA: u8 = 21;
    // IKEv2, [RFC 7296] §3.2.
    pub const V2_SA: u8 = 33;
    pub const V2_KE: u8 = 34;
    pub const V2_IDI: u8 = 35;
    pub const V2_IDR: u8 = 36;
    pub const V2_CERT: u8 = 37;
    pub const V2_CERTREQ: u8 = 38;
    pub const V2_AUTH: u8 = 39;
    pub const V2_NONCE: u8 = 40;
    pub const V2_NOTIFY: u8 = 41;
    pub const V2_DELETE: u8 = 42;
    pub const V2_VENDOR_ID: u8 = 43;
    pub const V2_SK: u8 = 46;
}

/// Notify message types. IKEv1 error types ([RFC 2408] §3.14.1) and IKEv2 ones ([RFC 7296]
/// §3.10.1) share the numbers below 16384 that both define.
pub mod notify {
    pub const INVALID_PAYLOAD_TYPE: u16 = 1;
    pub const INVALID_MAJOR_VERSION: u16 = 5;
    pub const INVALID_SYNTAX: u16 = 7;
    pub const NO_PROPOSAL_CHOSEN: u16 = 14;
    pub const PAYLOAD_MALFORMED: u16 = 16;
    /// IKEv1 only ([RFC 2408] §3.14.1); IKEv2 reuses 17 for INVALID_KE_PAYLOAD.
    pub const V1_INVALID_KEY_INFORMATION: u16 = 17;
    pub const INVALID_KE_PAYLOAD: u16 = 17;
    pub const V1_INVALID_ID_INFORMATION: u16 = 18;
    pub const AUTHENTICATION_FAILED: u16 = 24;
    pub const COOKIE: u16 = 16390;
    pub const NAT_DETECTION_SOURCE_IP: u16 = 16388;
    pub const NAT_DETECTION_DESTINATION_IP: u16 = 16389;
    /// [RFC 7383] §2.3.
    pub const IKEV2_FRAGMENTATION_SUPPORTED: u16 = 16430;
    /// [RFC 7427] §4.
    pub const SIGNATURE_HASH_ALGORITHMS: u16 = 16431;
    /// [RFC 5685] §4.
    pub const REDIRECT_SUPPORTED: u16 = 16406;
    /// [RFC 9370] §3.2 (IKEv2 intermediate exchange).
    pub const INTERMEDIATE_EXCHANGE_SUPPORTED: u16 = 16438;
    /// [RFC 8019] §4.6.
    pub const USE_PPK: u16 = 16435;
    pub const CHILDLESS_IKEV2_SUPPORTED: u16 = 16418;

    /// Name of a notify type, when it is one this codec knows.
    pub fn name(t: u16) -> Option<&'static str> {
        Some(match t {
            1 => "INVALID_PAYLOAD_TYPE",
            4 => "INVALID_IKE_SPI",
            5 => "INVALID_MAJOR_VERSION",
            7 => "INVALID_SYNTAX",
            9 => "INVALID_MESSAGE_ID",
            11 => "INVALID_SPI",
            14 => "NO_PROPOSAL_CHOSEN",
            16 => "PAYLOAD_MALFORMED",
            17 => "INVALID_KE_PAYLOAD",
            18 => "INVALID_ID_INFORMATION",
            24 => "AUTHENTICATION_FAILED",
            16388 => "NAT_DETECTION_SOURCE_IP",
            16389 => "NAT_DETECTION_DESTINATION_IP",
            16390 => "COOKIE",
            16404 => "MULTIPLE_AUTH_SUPPORTED",
            16406 => "REDIRECT_SUPPORTED",
            16418 => "CHILDLESS_IKEV2_SUPPORTED",
            16430 => "IKEV2_FRAGMENTATION_SUPPORTED",
            16431 => "SIGNATURE_HASH_ALGORITHMS",
            16435 => "USE_PPK",
            16438 => "INTERMEDIATE_EXCHANGE_SUPPORTED",
            _ => return None,
        })
    }
}

/// Why a decoder stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IkeError {
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("message length {declared} does not fit the {available} byte(s) received")]
    BadMessageLength { declared: u32, available: usize },
    #[error("unsupported major version {0}")]
    UnsupportedVersion(u8),
    #[error("payload {kind} declares length {length}, below its 4-byte header")]
    BadPayloadLength { kind: u8, length: u16 },
    #[error("more than {0} payloads, proposals or attributes")]
    TooMany(usize),
    #[error("{what}: declares {declared} transform(s), carries {found}")]
    CountMismatch {
        what: &'static str,
        declared: u8,
        found: usize,
    },
    #[error("{0}: unexpected substructure type {1}")]
    BadSubstructure(&'static str, u8),
    #[error("{0}: {1} trailing byte(s)")]
    Trailing(&'static str, usize),
}

impl From<ShortRead> for IkeError {
    fn from(short: ShortRead) -> Self {
        IkeError::Truncated {
            needed: short.needed,
        }
    }
}

/// The shared bounded reader, failing with this codec's error.
pub type Reader<'a> = crate::wire::Reader<'a, IkeError>;

fn u32_be(r: &mut Reader<'_>) -> Result<u32, IkeError> {
    let b = r.take(4)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn spi8(r: &mut Reader<'_>) -> Result<[u8; 8], IkeError> {
    let mut out = [0u8; 8];
    out.copy_from_slice(r.take(8)?);
    Ok(out)
}

/// Lengths that the encoder writes into 16-bit fields; a body that cannot fit is cut rather
/// than wrapped, so an encoder bug shows as a short payload, never as a lie about the length.
fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// The ISAKMP/IKE header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub initiator_spi: [u8; 8],
    pub responder_spi: [u8; 8],
    pub next_payload: u8,
    pub version: u8,
    pub exchange_type: u8,
    pub flags: u8,
    pub message_id: u32,
    pub length: u32,
}

impl Header {
    pub fn major_version(&self) -> u8 {
        self.version >> 4
    }

    pub fn decode(buf: &[u8]) -> Result<Header, IkeError> {
        let mut r = Reader::new(buf);
        Ok(Header {
            initiator_spi: spi8(&mut r)?,
            responder_spi: spi8(&mut r)?,
            next_payload: r.u8()?,
            version: r.u8()?,
            exchange_type: r.u8()?,
            flags: r.u8()?,
            message_id: u32_be(&mut r)?,
            length: u32_be(&mut r)?,
        })
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.initiator_spi);
        out.extend_from_slice(&self.responder_spi);
        out.extend_from_slice(&[
            self.next_payload,
            self.version,
            self.exchange_type,
            self.flags,
        ]);
        out.extend_from_slice(&self.message_id.to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
    }
}

/// A data attribute ([RFC 2408] §3.3; the same TV/TLV format in [RFC 7296] §3.3.5). The high bit
/// of the type (AF) says a 16-bit value follows directly (TV); otherwise a length and that many
/// bytes follow (TLV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute type without the AF bit.
    pub kind: u16,
    pub value: AttributeValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    Basic(u16),
    Variable(Vec<u8>),
}

impl Attribute {
    pub fn basic(kind: u16, value: u16) -> Attribute {
        Attribute {
            kind,
            value: AttributeValue::Basic(value),
        }
    }

    /// The value as a number: a TV value, or a TLV value of at most 4 bytes (life durations are
    /// often sent as 4-byte TLVs).
    pub fn as_u32(&self) -> Option<u32> {
        match &self.value {
            AttributeValue::Basic(v) => Some(u32::from(*v)),
            AttributeValue::Variable(b) if b.len() <= 4 => {
                Some(b.iter().fold(0u32, |acc, x| acc << 8 | u32::from(*x)))
            }
            AttributeValue::Variable(_) => None,
        }
    }

    fn decode_all(r: &mut Reader<'_>) -> Result<Vec<Attribute>, IkeError> {
        let mut out = Vec::new();
        while !r.is_empty() {
            if out.len() == MAX_ATTRIBUTES {
                return Err(IkeError::TooMany(MAX_ATTRIBUTES));
            }
            let t = r.u16_be()?;
            let kind = t & 0x7fff;
            let value = if t & 0x8000 != 0 {
                AttributeValue::Basic(r.u16_be()?)
            } else {
                AttributeValue::Variable(r.vec16()?.rest().to_vec())
            };
            out.push(Attribute { kind, value });
        }
        Ok(out)
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match &self.value {
            AttributeValue::Basic(v) => {
                out.extend_from_slice(&(self.kind | 0x8000).to_be_bytes());
                out.extend_from_slice(&v.to_be_bytes());
            }
            AttributeValue::Variable(b) => {
                let b = &b[..b.len().min(usize::from(u16::MAX))];
                out.extend_from_slice(&(self.kind & 0x7fff).to_be_bytes());
                out.extend_from_slice(&len16(b.len()).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}

/// IKEv1 phase 1 attribute types ([RFC 2409] Appendix A).
pub mod v1attr {
    pub const ENCRYPTION: u16 = 1;
    pub const HASH: u16 = 2;
    pub const AUTH_METHOD: u16 = 3;
    pub const GROUP_DESCRIPTION: u16 = 4;
    pub const LIFE_TYPE: u16 = 11;
    pub const LIFE_DURATION: u16 = 12;
    pub const KEY_LENGTH: u16 = 14;
    /// Life Type value: seconds.
    pub const LIFE_SECONDS: u16 = 1;
}

/// IKEv2 Key Length attribute type ([RFC 7296] §3.3.5).
pub const V2_ATTR_KEY_LENGTH: u16 = 14;

/// An IKEv1 Transform payload ([RFC 2408] §3.6): transform ID (KEY_IKE = 1 for phase 1) and SA
/// attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Transform {
    pub number: u8,
    pub id: u8,
    pub attributes: Vec<Attribute>,
}

/// KEY_IKE ([RFC 2407] §4.4.2): the transform ID of every phase 1 transform.
pub const V1_KEY_IKE: u8 = 1;
/// PROTO_ISAKMP ([RFC 2407] §4.4.1), and IKEv2's protocol ID "IKE" ([RFC 7296] §3.3.1).
pub const PROTO_ISAKMP: u8 = 1;
/// The IPsec DOI ([RFC 2407] §4.2).
pub const DOI_IPSEC: u32 = 1;
/// SIT_IDENTITY_ONLY ([RFC 2407] §4.2).
pub const SIT_IDENTITY_ONLY: u32 = 1;

impl V1Transform {
    /// The value of the first attribute of type `kind`.
    pub fn attribute(&self, kind: u16) -> Option<u32> {
        self.attributes
            .iter()
            .find(|a| a.kind == kind)
            .and_then(Attribute::as_u32)
    }
}

/// An IKEv2 Transform substructure ([RFC 7296] §3.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Transform {
    pub kind: u8,
    pub id: u16,
    pub attributes: Vec<Attribute>,
}

impl V2Transform {
    pub fn new(kind: u8, id: u16, key_length: Option<u16>) -> V2Transform {
        V2Transform {
            kind,
            id,
            attributes: key_length
                .map(|k| vec![Attribute::basic(V2_ATTR_KEY_LENGTH, k)])
                .unwrap_or_default(),
        }
    }

    pub fn key_length(&self) -> Option<u16> {
        self.attributes.iter().find_map(|a| match a.value {
            AttributeValue::Basic(v) if a.kind == V2_ATTR_KEY_LENGTH => Some(v),
            _ => None,
        })
    }
}

/// Transform types of IKEv2 ([RFC 7296] §3.3.2).
pub mod transform_type {
    pub const ENCR: u8 = 1;
    pub const PRF: u8 = 2;
    pub const INTEG: u8 = 3;
    /// "Diffie-Hellman Group (D-H)"; "Key Exchange Method" since [RFC 9370].
    pub const DH: u8 = 4;
    pub const ESN: u8 = 5;
}

/// A proposal; IKEv1 ([RFC 2408] §3.5) and IKEv2 ([RFC 7296] §3.3.1) lay it out the same way,
/// only their transforms differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal<T> {
    pub number: u8,
    pub protocol: u8,
    pub spi: Vec<u8>,
    pub transforms: Vec<T>,
}

/// IKEv1 SA payload ([RFC 2408] §3.4, [RFC 2407] §4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Sa {
    pub doi: u32,
    pub situation: u32,
    pub proposals: Vec<Proposal<V1Transform>>,
}

/// IKEv1 Identification payload ([RFC 2407] §4.6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Id {
    pub id_type: u8,
    pub protocol: u8,
    pub port: u16,
    pub data: Vec<u8>,
}

/// ID types ([RFC 2407] §4.6.2.1).
pub mod id_type {
    pub const IPV4_ADDR: u8 = 1;
    pub const FQDN: u8 = 2;
    pub const USER_FQDN: u8 = 3;
    pub const KEY_ID: u8 = 11;
}

/// IKEv1 Notification payload ([RFC 2408] §3.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Notify {
    pub doi: u32,
    pub protocol: u8,
    pub notify_type: u16,
    pub spi: Vec<u8>,
    pub data: Vec<u8>,
}

/// IKEv2 Notify payload ([RFC 7296] §3.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Notify {
    pub protocol: u8,
    pub notify_type: u16,
    pub spi: Vec<u8>,
    pub data: Vec<u8>,
}

impl V2Notify {
    pub fn new(notify_type: u16, data: Vec<u8>) -> V2Notify {
        V2Notify {
            protocol: 0,
            notify_type,
            spi: Vec::new(),
            data,
        }
    }

    /// The group an INVALID_KE_PAYLOAD asks for ([RFC 7296] §3.10.1: two octets).
    pub fn requested_group(&self) -> Option<u16> {
        match (self.notify_type, self.data.as_slice()) {
            (notify::INVALID_KE_PAYLOAD, [hi, lo, ..]) => Some(u16::from_be_bytes([*hi, *lo])),
            _ => None,
        }
    }
}

/// One decoded payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    V1Sa(V1Sa),
    /// IKEv2 SA payload: its proposals ([RFC 7296] §3.3).
    V2Sa(Vec<Proposal<V2Transform>>),
    /// IKEv1 Key Exchange ([RFC 2408] §3.7): the data only, the group is in the SA.
    V1Ke(Vec<u8>),
    /// IKEv2 Key Exchange ([RFC 7296] §3.4).
    V2Ke {
        group: u16,
        data: Vec<u8>,
    },
    /// Nonce ([RFC 2408] §3.13, [RFC 7296] §3.9): the same body in both versions.
    Nonce(Vec<u8>),
    V1Id(V1Id),
    /// Vendor ID ([RFC 2408] §3.16, [RFC 7296] §3.12).
    VendorId(Vec<u8>),
    V1Notify(V1Notify),
    V2Notify(V2Notify),
    /// Any other payload (HASH, certificates, SK…), kept as it came.
    Other {
        kind: u8,
        critical: bool,
        body: Vec<u8>,
    },
}

impl Payload {
    /// The payload type number of this payload in a message of `major` version.
    pub fn kind(&self, major: u8) -> u8 {
        match self {
            Payload::V1Sa(_) => payload::V1_SA,
            Payload::V2Sa(_) => payload::V2_SA,
            Payload::V1Ke(_) => payload::V1_KE,
            Payload::V2Ke { .. } => payload::V2_KE,
            Payload::Nonce(_) if major == 1 => payload::V1_NONCE,
            Payload::Nonce(_) => payload::V2_NONCE,
            Payload::V1Id(_) => payload::V1_ID,
            Payload::VendorId(_) if major == 1 => payload::V1_VENDOR_ID,
            Payload::VendorId(_) => payload::V2_VENDOR_ID,
            Payload::V1Notify(_) => payload::V1_NOTIFICATION,
            Payload::V2Notify(_) => payload::V2_NOTIFY,
            Payload::Other { kind, .. } => *kind,
        }
    }

    fn critical(&self) -> bool {
        matches!(self, Payload::Other { critical: true, .. })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Payload::V1Sa(sa) => {
                out.extend_from_slice(&sa.doi.to_be_bytes());
                out.extend_from_slice(&sa.situation.to_be_bytes());
                encode_proposals(&sa.proposals, out, |t, out| {
                    out.extend_from_slice(&[t.number, t.id, 0, 0]);
                    for a in &t.attributes {
                        a.encode_into(out);
                    }
                    payload::V1_TRANSFORM
                });
            }
            Payload::V2Sa(proposals) => encode_proposals(proposals, out, |t, out| {
                out.extend_from_slice(&[t.kind, 0]);
                out.extend_from_slice(&t.id.to_be_bytes());
                for a in &t.attributes {
                    a.encode_into(out);
                }
                payload::V1_TRANSFORM
            }),
            Payload::V1Ke(data)
            | Payload::Nonce(data)
            | Payload::VendorId(data)
            | Payload::Other { body: data, .. } => out.extend_from_slice(data),
            Payload::V2Ke { group, data } => {
                out.extend_from_slice(&group.to_be_bytes());
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(data);
            }
            Payload::V1Id(id) => {
                out.extend_from_slice(&[id.id_type, id.protocol]);
                out.extend_from_slice(&id.port.to_be_bytes());
                out.extend_from_slice(&id.data);
            }
            Payload::V1Notify(n) => {
                out.extend_from_slice(&n.doi.to_be_bytes());
                out.extend_from_slice(&[n.protocol, spi_len(&n.spi)]);
                out.extend_from_slice(&n.notify_type.to_be_bytes());
                out.extend_from_slice(&n.spi[..usize::from(spi_len(&n.spi))]);
                out.extend_from_slice(&n.data);
            }
            Payload::V2Notify(n) => {
                out.extend_from_slice(&[n.protocol, spi_len(&n.spi)]);
                out.extend_from_slice(&n.notify_type.to_be_bytes());
                out.extend_from_slice(&n.spi[..usize::from(spi_len(&n.spi))]);
                out.extend_from_slice(&n.data);
            }
        }
    }

    fn decode(major: u8, kind: u8, critical: bool, body: &[u8]) -> Result<Payload, IkeError> {
        let mut r = Reader::new(body);
        let p = match (major, kind) {
            (1, payload::V1_SA) => {
                let doi = u32_be(&mut r)?;
                let situation = u32_be(&mut r)?;
                let proposals = decode_proposals(&mut r, "IKEv1 proposal", |r| {
                    let number = r.u8()?;
                    let id = r.u8()?;
                    r.take(2)?;
                    Ok(V1Transform {
                        number,
                        id,
                        attributes: Attribute::decode_all(r)?,
                    })
                })?;
                Payload::V1Sa(V1Sa {
                    doi,
                    situation,
                    proposals,
                })
            }
            (2, payload::V2_SA) => {
                Payload::V2Sa(decode_proposals(&mut r, "IKEv2 proposal", |r| {
                    let kind = r.u8()?;
                    r.u8()?;
                    let id = r.u16_be()?;
                    Ok(V2Transform {
                        kind,
                        id,
                        attributes: Attribute::decode_all(r)?,
                    })
                })?)
            }
            (1, payload::V1_KE) => Payload::V1Ke(body.to_vec()),
            (2, payload::V2_KE) => {
                let group = r.u16_be()?;
                r.take(2)?;
                Payload::V2Ke {
                    group,
                    data: r.rest().to_vec(),
                }
            }
            (1, payload::V1_NONCE) | (2, payload::V2_NONCE) => Payload::Nonce(body.to_vec()),
            (1, payload::V1_ID) => Payload::V1Id(V1Id {
                id_type: r.u8()?,
                protocol: r.u8()?,
                port: r.u16_be()?,
                data: r.rest().to_vec(),
            }),
            (1, payload::V1_VENDOR_ID) | (2, payload::V2_VENDOR_ID) => {
                Payload::VendorId(body.to_vec())
            }
            (1, payload::V1_NOTIFICATION) => {
                let doi = u32_be(&mut r)?;
                let protocol = r.u8()?;
                let spi_size = r.u8()?;
                let notify_type = r.u16_be()?;
                let spi = r.take(usize::from(spi_size))?.to_vec();
                Payload::V1Notify(V1Notify {
                    doi,
                    protocol,
                    notify_type,
                    spi,
                    data: r.rest().to_vec(),
                })
            }
            (2, payload::V2_NOTIFY) => {
                let protocol = r.u8()?;
                let spi_size = r.u8()?;
                let notify_type = r.u16_be()?;
                let spi = r.take(usize::from(spi_size))?.to_vec();
                Payload::V2Notify(V2Notify {
                    protocol,
                    notify_type,
                    spi,
                    data: r.rest().to_vec(),
                })
            }
            _ => Payload::Other {
                kind,
                critical,
                body: body.to_vec(),
            },
        };
        Ok(p)
    }
}

fn spi_len(spi: &[u8]) -> u8 {
    u8::try_from(spi.len()).unwrap_or(u8::MAX)
}

/// Proposals and transforms are chained by a "last substructure" byte: 2 (more proposals) or 3
/// (more transforms), 0 on the last. IKEv1 calls the same byte "next payload" with the same
/// values ([RFC 2408] §3.5–3.6, [RFC 7296] §3.3.1–3.3.2).
fn encode_proposals<T>(
    proposals: &[Proposal<T>],
    out: &mut Vec<u8>,
    encode_transform: impl Fn(&T, &mut Vec<u8>) -> u8,
) {
    for (i, p) in proposals.iter().enumerate() {
        let start = out.len();
        let more = if i + 1 < proposals.len() {
            payload::V1_PROPOSAL
        } else {
            0
        };
        out.extend_from_slice(&[more, 0, 0, 0]);
        let count = u8::try_from(p.transforms.len()).unwrap_or(u8::MAX);
        out.extend_from_slice(&[p.number, p.protocol, spi_len(&p.spi), count]);
        out.extend_from_slice(&p.spi[..usize::from(spi_len(&p.spi))]);
        for (j, t) in p.transforms.iter().take(usize::from(count)).enumerate() {
            let tstart = out.len();
            out.extend_from_slice(&[0, 0, 0, 0]);
            let marker = encode_transform(t, out);
            if j + 1 < usize::from(count) {
                out[tstart] = marker;
            }
            let tlen = len16(out.len() - tstart).to_be_bytes();
            out[tstart + 2..tstart + 4].copy_from_slice(&tlen);
        }
        let plen = len16(out.len() - start).to_be_bytes();
        out[start + 2..start + 4].copy_from_slice(&plen);
    }
}

fn decode_proposals<T>(
    r: &mut Reader<'_>,
    what: &'static str,
    decode_transform: impl Fn(&mut Reader<'_>) -> Result<T, IkeError>,
) -> Result<Vec<Proposal<T>>, IkeError> {
    let mut out = Vec::new();
    loop {
        if out.len() == MAX_PROPOSALS {
            return Err(IkeError::TooMany(MAX_PROPOSALS));
        }
        let more = r.u8()?;
        r.u8()?;
        let length = r.u16_be()?;
        if usize::from(length) < GENERIC_HEADER_LEN {
            return Err(IkeError::BadPayloadLength {
                kind: payload::V1_PROPOSAL,
                length,
            });
        }
        let mut p = r.sub(usize::from(length) - GENERIC_HEADER_LEN)?;
        let number = p.u8()?;
        let protocol = p.u8()?;
        let spi_size = p.u8()?;
        let declared = p.u8()?;
        let spi = p.take(usize::from(spi_size))?.to_vec();
        let mut transforms = Vec::new();
        while !p.is_empty() {
            let tmore = p.u8()?;
            p.u8()?;
            let tlen = p.u16_be()?;
            if usize::from(tlen) < GENERIC_HEADER_LEN {
                return Err(IkeError::BadPayloadLength {
                    kind: payload::V1_TRANSFORM,
                    length: tlen,
                });
            }
            let mut t = p.sub(usize::from(tlen) - GENERIC_HEADER_LEN)?;
            transforms.push(decode_transform(&mut t)?);
            match tmore {
                0 => break,
                payload::V1_TRANSFORM => {}
                other => return Err(IkeError::BadSubstructure(what, other)),
            }
        }
        if !p.is_empty() {
            return Err(IkeError::Trailing(what, p.remaining()));
        }
        if transforms.len() != usize::from(declared) {
            return Err(IkeError::CountMismatch {
                what,
                declared,
                found: transforms.len(),
            });
        }
        out.push(Proposal {
            number,
            protocol,
            spi,
            transforms,
        });
        match more {
            0 => break,
            payload::V1_PROPOSAL => {}
            other => return Err(IkeError::BadSubstructure(what, other)),
        }
    }
    if !r.is_empty() {
        return Err(IkeError::Trailing("SA payload", r.remaining()));
    }
    Ok(out)
}

/// A whole ISAKMP/IKE message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `next_payload` and `length` are rewritten by [`Message::encode`].
    pub header: Header,
    pub payloads: Vec<Payload>,
}

impl Message {
    /// A request header for `exchange_type` with the given initiator SPI, everything else zero.
    pub fn request(version: u8, exchange_type: u8, initiator_spi: [u8; 8]) -> Message {
        let flags = if version == VERSION_2 {
            flags::V2_INITIATOR
        } else {
            0
        };
        Message {
            header: Header {
                initiator_spi,
                responder_spi: [0; 8],
                next_payload: 0,
                version,
                exchange_type,
                flags,
                message_id: 0,
                length: 0,
            },
            payloads: Vec::new(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let major = self.header.major_version();
        let mut out = Vec::with_capacity(512);
        let mut header = self.header;
        header.next_payload = self.payloads.first().map_or(0, |p| p.kind(major));
        header.encode_into(&mut out);
        for (i, p) in self.payloads.iter().enumerate() {
            let start = out.len();
            let next = self.payloads.get(i + 1).map_or(0, |n| n.kind(major));
            let flags = if p.critical() { 0x80 } else { 0 };
            out.extend_from_slice(&[next, flags, 0, 0]);
            p.encode_body(&mut out);
            let len = len16(out.len() - start).to_be_bytes();
            out[start + 2..start + 4].copy_from_slice(&len);
        }
        let total = u32::try_from(out.len()).unwrap_or(u32::MAX).to_be_bytes();
        out[24..28].copy_from_slice(&total);
        out
    }

    /// Decodes one message. Bytes after the declared length are ignored (UDP padding never
    /// happens, but some stacks send trailing garbage); a declared length beyond the datagram is
    /// an error.
    pub fn decode(buf: &[u8]) -> Result<Message, IkeError> {
        let header = Header::decode(buf)?;
        let declared = header.length;
        let len = usize::try_from(declared).unwrap_or(usize::MAX);
        if len < HEADER_LEN || len > buf.len() {
            return Err(IkeError::BadMessageLength {
                declared,
                available: buf.len(),
            });
        }
        let major = header.major_version();
        if major != 1 && major != 2 {
            return Err(IkeError::UnsupportedVersion(major));
        }
        let mut r = Reader::new(&buf[HEADER_LEN..len]);
        let mut payloads = Vec::new();
        let mut next = header.next_payload;
        // An encrypted IKEv1 body is ciphertext after the header: nothing to walk.
        let encrypted_v1 = major == 1 && header.flags & flags::V1_ENCRYPTION != 0;
        while next != payload::NONE && !encrypted_v1 {
            if payloads.len() == MAX_PAYLOADS {
                return Err(IkeError::TooMany(MAX_PAYLOADS));
            }
            let kind = next;
            next = r.u8()?;
            let critical = r.u8()? & 0x80 != 0;
            let length = r.u16_be()?;
            if usize::from(length) < GENERIC_HEADER_LEN {
                return Err(IkeError::BadPayloadLength { kind, length });
            }
            let body = r.take(usize::from(length) - GENERIC_HEADER_LEN)?;
            payloads.push(Payload::decode(major, kind, critical, body)?);
            // SK (IKEv2 encrypted) is the last payload by definition ([RFC 7296] §3.14);
            // what its "next payload" names is inside the ciphertext.
            if kind == payload::V2_SK && major == 2 {
                break;
            }
        }
        Ok(Message { header, payloads })
    }

    pub fn vendor_ids(&self) -> impl Iterator<Item = &[u8]> {
        self.payloads.iter().filter_map(|p| match p {
            Payload::VendorId(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    pub fn v2_notifies(&self) -> impl Iterator<Item = &V2Notify> {
        self.payloads.iter().filter_map(|p| match p {
            Payload::V2Notify(n) => Some(n),
            _ => None,
        })
    }

    pub fn v1_notifies(&self) -> impl Iterator<Item = &V1Notify> {
        self.payloads.iter().filter_map(|p| match p {
            Payload::V1Notify(n) => Some(n),
            _ => None,
        })
    }

    pub fn v2_sa(&self) -> Option<&[Proposal<V2Transform>]> {
        self.payloads.iter().find_map(|p| match p {
            Payload::V2Sa(s) => Some(s.as_slice()),
            _ => None,
        })
    }

    pub fn v1_sa(&self) -> Option<&V1Sa> {
        self.payloads.iter().find_map(|p| match p {
            Payload::V1Sa(s) => Some(s),
            _ => None,
        })
    }

    pub fn is_response(&self) -> bool {
        self.header.flags & flags::V2_RESPONSE != 0
    }
}

/// Frames `message` for UDP port 4500 ([RFC 3948] §2.2): the non-ESP marker first.
pub fn with_non_esp_marker(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 4);
    out.extend_from_slice(&NON_ESP_MARKER);
    out.extend_from_slice(message);
    out
}

/// The IKE message inside a datagram from port 4500: `None` when the datagram does not start
/// with the non-ESP marker (an ESP packet, or a NAT-keepalive byte, [RFC 3948] §2.3).
pub fn strip_non_esp_marker(datagram: &[u8]) -> Option<&[u8]> {
    datagram.strip_prefix(&NON_ESP_MARKER)
}

// ---------------------------------------------------------------------------------------------
// Algorithm names. IKEv2 names are the IANA registry's ("IKEv2 Parameters", transform types 1-4);
// IKEv1 names follow [RFC 2409] Appendix A and the IANA "IPsec and IKE (ISAKMP) Attributes"
// registry. Groups share their numbers across versions ([RFC 2409] §6, [RFC 3526], [RFC 5903],
// [RFC 5114], [RFC 5639]/[RFC 6954], [RFC 8031]); they get strongSwan-style short names because
// the same string then means the same thing in both observations.
// ---------------------------------------------------------------------------------------------

/// IKEv2 encryption algorithms ([RFC 7296] §3.3.2, [RFC 4106], [RFC 5282], [RFC 7634]).
pub fn v2_encr_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "ENCR_DES_IV64",
        2 => "ENCR_DES",
        3 => "ENCR_3DES",
        4 => "ENCR_RC5",
        5 => "ENCR_IDEA",
        6 => "ENCR_CAST",
        7 => "ENCR_BLOWFISH",
        8 => "ENCR_3IDEA",
        9 => "ENCR_DES_IV32",
        11 => "ENCR_NULL",
        12 => "ENCR_AES_CBC",
        13 => "ENCR_AES_CTR",
        14 => "ENCR_AES_CCM_8",
        15 => "ENCR_AES_CCM_12",
        16 => "ENCR_AES_CCM_16",
        18 => "ENCR_AES_GCM_8",
        19 => "ENCR_AES_GCM_12",
        20 => "ENCR_AES_GCM_16",
        21 => "ENCR_NULL_AUTH_AES_GMAC",
        23 => "ENCR_CAMELLIA_CBC",
        24 => "ENCR_CAMELLIA_CTR",
        25 => "ENCR_CAMELLIA_CCM_8",
        26 => "ENCR_CAMELLIA_CCM_12",
        27 => "ENCR_CAMELLIA_CCM_16",
        28 => "ENCR_CHACHA20_POLY1305",
        _ => return None,
    })
}

/// Combined-mode (AEAD) ciphers: a proposal with one of them carries no integrity transform
/// ([RFC 5282] §8, [RFC 7296] §3.3).
pub fn v2_encr_is_aead(id: u16) -> bool {
    matches!(id, 14..=16 | 18..=20 | 25..=28)
}

pub fn v2_prf_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "PRF_HMAC_MD5",
        2 => "PRF_HMAC_SHA1",
        3 => "PRF_HMAC_TIGER",
        4 => "PRF_AES128_XCBC",
        5 => "PRF_HMAC_SHA2_256",
        6 => "PRF_HMAC_SHA2_384",
        7 => "PRF_HMAC_SHA2_512",
        8 => "PRF_AES128_CMAC",
        _ => return None,
    })
}

pub fn v2_integ_name(id: u16) -> Option<&'static str> {
    Some(match id {
        0 => "NONE",
        1 => "AUTH_HMAC_MD5_96",
        2 => "AUTH_HMAC_SHA1_96",
        3 => "AUTH_DES_MAC",
        4 => "AUTH_KPDK_MD5",
        5 => "AUTH_AES_XCBC_96",
        6 => "AUTH_HMAC_MD5_128",
        7 => "AUTH_HMAC_SHA1_160",
        8 => "AUTH_AES_CMAC_96",
        9 => "AUTH_AES_128_GMAC",
        10 => "AUTH_AES_192_GMAC",
        11 => "AUTH_AES_256_GMAC",
        12 => "AUTH_HMAC_SHA2_256_128",
        13 => "AUTH_HMAC_SHA2_384_192",
        14 => "AUTH_HMAC_SHA2_512_256",
        _ => return None,
    })
}

/// Group names, shared by IKEv1 Group Description and IKEv2 transform type 4.
pub fn group_name(id: u16) -> Option<&'static str> {
    Some(match id {
        0 => "none",
        1 => "modp768",
        2 => "modp1024",
        5 => "modp1536",
        14 => "modp2048",
        15 => "modp3072",
        16 => "modp4096",
        17 => "modp6144",
        18 => "modp8192",
        19 => "ecp256",
        20 => "ecp384",
        21 => "ecp521",
        22 => "modp1024s160",
        23 => "modp2048s224",
        24 => "modp2048s256",
        25 => "ecp192",
        26 => "ecp224",
        27 => "ecp224bp",
        28 => "ecp256bp",
        29 => "ecp384bp",
        30 => "ecp512bp",
        31 => "curve25519",
        32 => "curve448",
        _ => return None,
    })
}

/// Length of the Key Exchange Data for `group` ([RFC 7296] §3.4: a MODP value is as long as
/// the prime, [RFC 5903] §7 ECP values are x‖y, [RFC 8031] §3 curves are the u-coordinate).
pub fn ke_length(group: u16) -> Option<usize> {
    Some(match group {
        1 => 96,
        2 | 22 => 128,
        5 => 192,
        14 | 23 | 24 => 256,
        15 => 384,
        16 => 512,
        17 => 768,
        18 => 1024,
        19 | 28 => 64,
        20 | 29 => 96,
        21 => 132,
        25 => 48,
        26 | 27 => 56,
        30 => 128,
        31 => 32,
        32 => 56,
        _ => return None,
    })
}

/// The base point of each elliptic-curve group as x‖y (from `openssl ecparam -param_enc explicit
/// -text`, OpenSSL 3.0), so a Key Exchange payload holds a point on the curve: responders that
/// validate the point (strongSwan does) would otherwise refuse the request with
/// NO_PROPOSAL_CHOSEN and a supported group would look unsupported. Using the base point means
/// the private key is 1: harmless, since the exchange never goes past the first message.
fn ec_base_point(group: u16) -> Option<&'static str> {
    Some(match group {
        25 => "188da80eb03090f67cbf20eb43a18800f4ff0afd82ff101207192b95ffc8da78631011ed6b24cdd573f977a11e794811",
        26 => "b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34",
        19 => "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        20 => "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
        21 => "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
        27 => "0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd",
        28 => "8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
        29 => "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
        30 => "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f8227dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
        _ => return None,
    })
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    hex.as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// Key Exchange Data for `group` that a responder will take: the curve's base point for ECP
/// groups; otherwise `filler` bytes (random from the caller) of the right length. A MODP value
/// gets its top byte cleared so it stays below the prime (every RFC 2409/3526 prime starts with
/// 64 one-bits) and its lowest byte set so it is not 0 or 1 ([RFC 6989] §2.1 checks).
/// `None` for groups of unknown size.
pub fn ke_data(group: u16, filler: &mut impl FnMut() -> u8) -> Option<Vec<u8>> {
    if let Some(hex) = ec_base_point(group) {
        return Some(hex_to_bytes(hex));
    }
    let len = ke_length(group)?;
    let mut data: Vec<u8> = (0..len).map(|_| filler()).collect();
    if !matches!(group, 31 | 32) {
        data[0] = 0x7f;
        data[len - 1] |= 0x02;
    }
    Some(data)
}

/// IKEv1 Encryption Algorithm values ([RFC 2409] Appendix A, [RFC 3602], [RFC 4312]).
pub fn v1_encr_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "DES-CBC",
        2 => "IDEA-CBC",
        3 => "Blowfish-CBC",
        4 => "RC5-R16-B64-CBC",
        5 => "3DES-CBC",
        6 => "CAST-CBC",
        7 => "AES-CBC",
        8 => "CAMELLIA-CBC",
        _ => return None,
    })
}

/// IKEv1 Hash Algorithm values ([RFC 2409] Appendix A, [RFC 4878] for SHA-2).
pub fn v1_hash_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "MD5",
        2 => "SHA",
        3 => "Tiger",
        4 => "SHA2-256",
        5 => "SHA2-384",
        6 => "SHA2-512",
        _ => return None,
    })
}

/// IKEv1 Authentication Method values ([RFC 2409] Appendix A, [RFC 4754] for ECDSA; the
/// XAUTH and hybrid values 64221–65010 are from draft-beaulieu-ike-xauth-02 §7.2 and
/// draft-ietf-ipsec-isakmp-hybrid-auth-05, private-use numbers every XAUTH gateway uses).
pub fn v1_auth_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "PSK",
        2 => "DSS",
        3 => "RSA-SIG",
        4 => "RSA-ENC",
        5 => "RSA-REVISED-ENC",
        9 => "ECDSA-SHA256-P256",
        10 => "ECDSA-SHA384-P384",
        11 => "ECDSA-SHA512-P521",
        64221 => "HybridInitRSA",
        64222 => "HybridRespRSA",
        64223 => "HybridInitDSS",
        64224 => "HybridRespDSS",
        65001 => "XAUTHInitPreShared",
        65002 => "XAUTHRespPreShared",
        65003 => "XAUTHInitDSS",
        65004 => "XAUTHRespDSS",
        65005 => "XAUTHInitRSA",
        65006 => "XAUTHRespRSA",
        65007 => "XAUTHInitRSAEncryption",
        65008 => "XAUTHRespRSAEncryption",
        65009 => "XAUTHInitRSARevisedEncryption",
        65010 => "XAUTHRespRSARevisedEncryption",
        _ => return None,
    })
}

/// `name` or, for a value outside the table, the number in hex.
pub fn name_or_hex(name: Option<&'static str>, id: u16) -> String {
    name.map_or_else(|| format!("0x{id:04x}"), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let clean: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        hex_to_bytes(&clean)
    }

    /// An IKEv2 IKE_SA_INIT response laid out by hand from [RFC 7296] §3.1–3.10: SA with one
    /// proposal (ENCR_AES_CBC/128, PRF_HMAC_SHA1, AUTH_HMAC_SHA1_96, modp1024), KE for group 2
    /// (shortened to 4 bytes), Nonce, and the NAT_DETECTION_SOURCE_IP notify.
    const V2_RESPONSE: &str = "
        0102030405060708 1112131415161718 21 20 22 20 00000000 00000078
        22 00 0030  00 00 002c 01 01 00 04
                    03 00 000c 01 00 000c 800e 0080
                    03 00 0008 02 00 0002
                    03 00 0008 03 00 0002
                    00 00 0008 04 00 0002
        28 00 000c  0002 0000 aabbccdd
        29 00 0008  01020304
        00 00 0018  00 00 4004 00112233445566778899aabbccddeeff";

    #[test]
    fn decodes_a_hand_built_ikev2_response() {
        let bytes = hex(V2_RESPONSE);
        assert_eq!(bytes.len(), 0x78);
        let m = Message::decode(&bytes).unwrap();
        assert_eq!(m.header.exchange_type, exchange::V2_IKE_SA_INIT);
        assert!(m.is_response());
        let sa = m.v2_sa().unwrap();
        assert_eq!(sa.len(), 1);
        let t = &sa[0].transforms;
        assert_eq!(t.len(), 4);
        assert_eq!((t[0].kind, t[0].id, t[0].key_length()), (1, 12, Some(128)));
        assert_eq!((t[3].kind, t[3].id), (transform_type::DH, 2));
        assert_eq!(
            m.payloads[1],
            Payload::V2Ke {
                group: 2,
                data: vec![0xaa, 0xbb, 0xcc, 0xdd]
            }
        );
        assert_eq!(m.payloads[2], Payload::Nonce(vec![1, 2, 3, 4]));
        let n: Vec<_> = m.v2_notifies().collect();
        assert_eq!(n[0].notify_type, notify::NAT_DETECTION_SOURCE_IP);
        assert_eq!(n[0].data.len(), 16);
        // And it encodes back to the same bytes.
        assert_eq!(m.encode(), bytes);
    }

    #[test]
    fn invalid_ke_payload_names_the_group() {
        let mut m = Message::request(VERSION_2, exchange::V2_IKE_SA_INIT, [9; 8]);
        m.header.flags = flags::V2_RESPONSE;
        m.payloads.push(Payload::V2Notify(V2Notify::new(
            notify::INVALID_KE_PAYLOAD,
            vec![0x00, 0x13],
        )));
        let bytes = m.encode();
        // header, then one notify: 8 bytes (4 generic + protocol, SPI size, type) + 2 data.
        assert_eq!(bytes.len(), HEADER_LEN + 10);
        assert_eq!(&bytes[HEADER_LEN..], &hex("00 00 000a 00 00 0011 0013")[..]);
        let back = Message::decode(&bytes).unwrap();
        assert_eq!(
            back,
            Message {
                header: Header {
                    next_payload: 41,
                    length: 38,
                    ..m.header
                },
                ..m
            }
        );
        assert_eq!(
            back.v2_notifies().next().unwrap().requested_group(),
            Some(19)
        );
    }

    /// An ISAKMP Main Mode message 1 with one proposal and one transform, laid out from [RFC
    /// 2408] §3.1–3.6 and [RFC 2409] Appendix A: 3DES-CBC, SHA, PSK, group 2, life 28800 s (a
    /// 4-byte TLV, as ike-scan sends it).
    const V1_MAIN_MODE_1: &str = "
        0011223344556677 0000000000000000 01 10 02 00 00000000 00000054
        00 00 0038 00000001 00000001
            00 00 002c 01 01 00 01
                00 00 0024 01 01 0000
                    8001 0005  8002 0002  8003 0001  8004 0002
                    800b 0001  000c 0004 00007080";

    #[test]
    fn decodes_and_encodes_ikev1_main_mode_message_1() {
        let bytes = hex(V1_MAIN_MODE_1);
        let m = Message::decode(&bytes).unwrap();
        assert_eq!(m.header.major_version(), 1);
        assert_eq!(m.header.exchange_type, exchange::V1_IDENTITY_PROTECTION);
        let sa = m.v1_sa().unwrap();
        assert_eq!((sa.doi, sa.situation), (DOI_IPSEC, SIT_IDENTITY_ONLY));
        let t = &sa.proposals[0].transforms[0];
        assert_eq!(t.id, V1_KEY_IKE);
        assert_eq!(t.attribute(v1attr::ENCRYPTION), Some(5));
        assert_eq!(t.attribute(v1attr::HASH), Some(2));
        assert_eq!(t.attribute(v1attr::AUTH_METHOD), Some(1));
        assert_eq!(t.attribute(v1attr::GROUP_DESCRIPTION), Some(2));
        assert_eq!(t.attribute(v1attr::LIFE_DURATION), Some(28800));
        assert_eq!(t.attribute(v1attr::KEY_LENGTH), None);
        assert_eq!(m.encode(), bytes);
    }

    #[test]
    fn ikev1_notification_and_vendor_id() {
        let mut m = Message::request(VERSION_1, exchange::V1_INFORMATIONAL, [1; 8]);
        m.payloads.push(Payload::V1Notify(V1Notify {
            doi: DOI_IPSEC,
            protocol: PROTO_ISAKMP,
            notify_type: notify::NO_PROPOSAL_CHOSEN,
            spi: vec![1; 16],
            data: vec![],
        }));
        m.payloads
            .push(Payload::VendorId(hex("afcad71368a1f1c96b8696fc77570100")));
        let bytes = m.encode();
        assert_eq!(bytes[16], payload::V1_NOTIFICATION);
        assert_eq!(bytes[HEADER_LEN], payload::V1_VENDOR_ID);
        let back = Message::decode(&bytes).unwrap();
        assert_eq!(back.payloads, m.payloads);
        assert_eq!(back.v1_notifies().next().unwrap().notify_type, 14);
        assert_eq!(back.vendor_ids().count(), 1);
    }

    #[test]
    fn hostile_lengths_are_errors_not_panics() {
        let good = hex(V1_MAIN_MODE_1);
        // Declared message length beyond the datagram.
        let mut b = good.clone();
        b[27] = 0xff;
        assert!(matches!(
            Message::decode(&b),
            Err(IkeError::BadMessageLength { .. })
        ));
        // Payload length below its header.
        let mut b = good.clone();
        b[HEADER_LEN + 3] = 2;
        assert!(matches!(
            Message::decode(&b),
            Err(IkeError::BadPayloadLength { .. })
        ));
        // Transform count that lies.
        let mut b = good.clone();
        b[HEADER_LEN + 12 + 7] = 2;
        assert!(matches!(
            Message::decode(&b),
            Err(IkeError::CountMismatch { .. })
        ));
        // Every truncation of a valid message fails cleanly.
        for n in 0..good.len() {
            let mut b = good[..n].to_vec();
            if b.len() >= HEADER_LEN {
                let len = u32::try_from(n).unwrap().to_be_bytes();
                b[24..28].copy_from_slice(&len);
            }
            assert!(Message::decode(&b).is_err(), "prefix of {n} bytes");
        }
        // Version 3 is not ours.
        let mut b = good;
        b[17] = 0x30;
        assert_eq!(Message::decode(&b), Err(IkeError::UnsupportedVersion(3)));
    }

    #[test]
    fn encrypted_bodies_are_not_walked() {
        let mut m = Message::request(VERSION_1, exchange::V1_IDENTITY_PROTECTION, [1; 8]);
        m.header.flags = flags::V1_ENCRYPTION;
        let mut bytes = m.encode();
        bytes[16] = payload::V1_ID;
        bytes.extend_from_slice(&[0xde; 32]);
        let len = u32::try_from(bytes.len()).unwrap().to_be_bytes();
        bytes[24..28].copy_from_slice(&len);
        assert!(Message::decode(&bytes).unwrap().payloads.is_empty());
    }

    #[test]
    fn key_exchange_data_has_the_size_of_its_group() {
        let mut filler = || 0xffu8;
        for group in [
            1u16, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 25, 26, 27, 28, 29, 30, 31, 32,
        ] {
            let data = ke_data(group, &mut filler).unwrap();
            assert_eq!(Some(data.len()), ke_length(group), "group {group}");
        }
        let modp = ke_data(14, &mut filler).unwrap();
        assert_eq!(modp[0], 0x7f);
        assert_eq!(ke_data(99, &mut filler), None);
    }

    #[test]
    fn non_esp_marker() {
        let framed = with_non_esp_marker(b"\x01\x02");
        assert_eq!(framed, [0, 0, 0, 0, 1, 2]);
        assert_eq!(strip_non_esp_marker(&framed), Some(&b"\x01\x02"[..]));
        assert_eq!(strip_non_esp_marker(b"\xff"), None);
    }
}
