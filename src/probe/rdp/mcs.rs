//! Sans-I/O codec for the Basic Settings Exchange of Standard RDP Security ([MS-RDPBCGR] 1.3.1.1,
//! 2.2.1.3, 2.2.1.4): the client MCS Connect Initial and the server MCS Connect Response.
//!
//! Layering of both PDUs:
//!
//! ```text
//! TPKT (4) | X.224 Data TPDU header (LI=2, 0xF0, EOT 0x80)
//!   MCS Connect-Initial / Connect-Response   T.125 §7 / §11.1, BER (X.690)
//!     userData OCTET STRING                  T.124 GCC Conference Create Request / Response, ALIGNED PER (X.691)
//!       H.221 non-standard key "Duca" / "McDn", then the RDP client / server data blocks
//!       (TS_UD_HEADER type u16 LE, length u16 LE including the header; [MS-RDPBCGR] 2.2.1.3.1)
//! ```
//!
//! edgeaudit stops after the Connect Response: it never sends the Security Exchange (the
//! client random), the Client Info PDU (credentials) or anything later.

use std::fmt;

use thiserror::Error;

use super::wire::{Protocols, TPKT_HEADER_LEN, TPKT_VERSION, X224_TPDU_DATA};
use crate::wire::ShortRead;

/// [MS-RDPBCGR] 2.2.1.3.3 / 2.2.1.4.3 `encryptionMethod(s)` bits.
pub const ENCRYPTION_METHOD_40BIT: u32 = 0x0000_0001;
pub const ENCRYPTION_METHOD_128BIT: u32 = 0x0000_0002;
pub const ENCRYPTION_METHOD_56BIT: u32 = 0x0000_0008;
pub const ENCRYPTION_METHOD_FIPS: u32 = 0x0000_0010;
/// Every method: what edgeaudit offers, so the server's pick is its own preference.
pub const ALL_ENCRYPTION_METHODS: u32 = ENCRYPTION_METHOD_40BIT
    | ENCRYPTION_METHOD_128BIT
    | ENCRYPTION_METHOD_56BIT
    | ENCRYPTION_METHOD_FIPS;

/// Client and server data block types ([MS-RDPBCGR] 2.2.1.3.1).
pub const CS_CORE: u16 = 0xC001;
pub const CS_SECURITY: u16 = 0xC002;
pub const CS_NET: u16 = 0xC003;
pub const SC_CORE: u16 = 0x0C01;
pub const SC_SECURITY: u16 = 0x0C02;
pub const SC_NET: u16 = 0x0C03;

/// BER tags of the two MCS PDUs: [APPLICATION 101] and [APPLICATION 102], constructed, in
/// high-tag-number form (T.125 §11.1, X.690 §8.1.2.4).
const MCS_CONNECT_INITIAL: [u8; 2] = [0x7f, 0x65];
const MCS_CONNECT_RESPONSE: [u8; 2] = [0x7f, 0x66];
/// T.124 `t124Identifier` object identifier {0 0 20 124 0 1}, PER-encoded ([MS-RDPBCGR] 2.2.1.3).
const T124_OID: [u8; 5] = [0x00, 0x14, 0x7c, 0x00, 0x01];
/// H.221 non-standard keys of the client and server user data ([MS-RDPBCGR] 2.2.1.3, 2.2.1.4).
const CLIENT_H221_KEY: &[u8; 4] = b"Duca";
const SERVER_H221_KEY: &[u8; 4] = b"McDn";

/// Why a Connect Response did not decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum McsError {
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("not a TPKT packet (first bytes {0:02x?})")]
    NotTpkt(Vec<u8>),
    #[error("X.224 TPDU code 0x{0:02x} where a Data TPDU was expected")]
    NotData(u8),
    #[error("BER tag {found:02x?} where {expected} was expected")]
    UnexpectedTag {
        found: Vec<u8>,
        expected: &'static str,
    },
    #[error("BER length form 0x{0:02x} not supported")]
    BadLength(u8),
    #[error("MCS Connect Response result {0} ({name})", name = mcs_result_name(*.0))]
    Refused(u32),
    #[error("GCC Conference Create Response: {0}")]
    Gcc(&'static str),
    #[error("user data block 0x{kind:04x} has impossible length {len}")]
    BadBlockLength { kind: u16, len: u16 },
    #[error("no Server Security Data block in the Connect Response")]
    NoSecurityData,
}

impl From<ShortRead> for McsError {
    fn from(short: ShortRead) -> Self {
        McsError::Truncated {
            needed: short.needed,
        }
    }
}

type Reader<'a> = crate::wire::Reader<'a, McsError>;

/// T.125 §7 `Result` names.
pub fn mcs_result_name(result: u32) -> &'static str {
    match result {
        0 => "rt-successful",
        1 => "rt-domain-merging",
        2 => "rt-domain-not-hierarchical",
        3 => "rt-no-such-channel",
        4 => "rt-no-such-domain",
        5 => "rt-no-such-user",
        6 => "rt-not-admitted",
        7 => "rt-other-user-id",
        8 => "rt-parameters-unacceptable",
        9 => "rt-token-not-available",
        10 => "rt-token-not-possessed",
        11 => "rt-too-many-channels",
        12 => "rt-too-many-tokens",
        13 => "rt-too-many-users",
        14 => "rt-unspecified-failure",
        15 => "rt-user-rejected",
        _ => "unknown",
    }
}

/// Names of the `encryptionMethod(s)` bits set in `methods`; `ENCRYPTION_METHOD_NONE` for zero.
pub fn encryption_method_names(methods: u32) -> Vec<String> {
    if methods == 0 {
        return vec!["ENCRYPTION_METHOD_NONE".into()];
    }
    let mut names = Vec::new();
    let mut rest = methods;
    for (bit, name) in [
        (ENCRYPTION_METHOD_40BIT, "ENCRYPTION_METHOD_40BIT"),
        (ENCRYPTION_METHOD_56BIT, "ENCRYPTION_METHOD_56BIT"),
        (ENCRYPTION_METHOD_128BIT, "ENCRYPTION_METHOD_128BIT"),
        (ENCRYPTION_METHOD_FIPS, "ENCRYPTION_METHOD_FIPS"),
    ] {
        if methods & bit != 0 {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("0x{rest:08x}"));
    }
    names
}

/// [MS-RDPBCGR] 2.2.1.4.3 `encryptionLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptionLevel(pub u32);

impl EncryptionLevel {
    pub const NONE: EncryptionLevel = EncryptionLevel(0);
    pub const LOW: EncryptionLevel = EncryptionLevel(1);
    pub const CLIENT_COMPATIBLE: EncryptionLevel = EncryptionLevel(2);
    pub const HIGH: EncryptionLevel = EncryptionLevel(3);
    pub const FIPS: EncryptionLevel = EncryptionLevel(4);
}

impl fmt::Display for EncryptionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("ENCRYPTION_LEVEL_NONE"),
            1 => f.write_str("ENCRYPTION_LEVEL_LOW"),
            2 => f.write_str("ENCRYPTION_LEVEL_CLIENT_COMPATIBLE"),
            3 => f.write_str("ENCRYPTION_LEVEL_HIGH"),
            4 => f.write_str("ENCRYPTION_LEVEL_FIPS"),
            other => write!(f, "0x{other:08x}"),
        }
    }
}

/// The RDP release a Server Core Data `version` stands for ([MS-RDPBCGR] 2.2.1.4.2).
pub fn server_version_name(version: u32) -> Option<&'static str> {
    Some(match version {
        0x0008_0001 => "RDP 4.0",
        0x0008_0004 => "RDP 5.0-8.1",
        0x0008_0005 => "RDP 10.0",
        0x0008_0006 => "RDP 10.1",
        0x0008_0007 => "RDP 10.2",
        0x0008_0008 => "RDP 10.3",
        0x0008_0009 => "RDP 10.4",
        0x0008_000A => "RDP 10.5",
        0x0008_000B => "RDP 10.6",
        0x0008_000C => "RDP 10.7",
        0x0008_000D => "RDP 10.8",
        0x0008_000E => "RDP 10.9",
        0x0008_000F => "RDP 10.10",
        0x0008_0010 => "RDP 10.11",
        0x0008_0011 => "RDP 10.12",
        _ => return None,
    })
}

/// Server Core Data (2.2.1.4.2), as far as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCore {
    pub version: u32,
    pub client_requested_protocols: Option<Protocols>,
    pub early_capability_flags: Option<u32>,
}

/// Server Security Data (2.2.1.4.3), without the random and certificate themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSecurity {
    pub encryption_method: u32,
    pub encryption_level: EncryptionLevel,
    pub server_random_len: u32,
    pub server_cert_len: u32,
    /// `dwVersion` of the certificate (2.2.1.4.3.1): low 31 bits 1 = proprietary, 2 = X.509;
    /// the top bit marks a temporary certificate.
    pub cert_version: Option<u32>,
}

impl ServerSecurity {
    /// `proprietary`, `x509`, `0x........`; ` (temporary)` appended when the t bit is set.
    pub fn certificate_type(&self) -> Option<String> {
        let v = self.cert_version?;
        let kind = match v & 0x7fff_ffff {
            1 => "proprietary".to_string(),
            2 => "x509".to_string(),
            other => format!("0x{other:08x}"),
        };
        Some(if v & 0x8000_0000 != 0 {
            format!("{kind} (temporary)")
        } else {
            kind
        })
    }
}

/// What the server said in its MCS Connect Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectResponse {
    pub core: Option<ServerCore>,
    pub security: Option<ServerSecurity>,
    /// Server Network Data `MCSChannelId` (the I/O channel), when present.
    pub io_channel: Option<u16>,
    /// Types of the data blocks, in order (unknown ones included).
    pub block_types: Vec<u16>,
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

fn ber_length(out: &mut Vec<u8>, len: usize) {
    // Our PDUs are a few hundred bytes: the short form, or the two-byte long form.
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        out.push(0x82);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

fn ber_tlv(out: &mut Vec<u8>, tag: &[u8], content: &[u8]) {
    out.extend_from_slice(tag);
    ber_length(out, content.len());
    out.extend_from_slice(content);
}

/// A non-negative INTEGER in the fewest octets X.690 §8.3 allows.
fn ber_integer(out: &mut Vec<u8>, value: u32) {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    let mut content = bytes[first..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    ber_tlv(out, &[0x02], &content);
}

/// T.125 DomainParameters.
fn domain_parameters(values: [u32; 8]) -> Vec<u8> {
    let mut content = Vec::new();
    for v in values {
        ber_integer(&mut content, v);
    }
    let mut out = Vec::new();
    ber_tlv(&mut out, &[0x30], &content);
    out
}

/// ALIGNED PER length determinant (X.691 §10.9) for lengths below 16384.
fn per_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let len = u16::try_from(len.min(0x3fff)).unwrap_or(0x3fff);
        out.extend_from_slice(&(len | 0x8000).to_be_bytes());
    }
}

fn data_block(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    let len = u16::try_from(body.len() + 4).unwrap_or(u16::MAX);
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
}

/// Client Core Data (2.2.1.3.2) up to `serverSelectedProtocol`, describing a plain 1024×768
/// client named `edgeaudit`.
fn client_core(selected: Protocols) -> Vec<u8> {
    let mut b = Vec::with_capacity(212);
    b.extend_from_slice(&0x0008_0004u32.to_le_bytes()); // version: RDP 5.0+
    b.extend_from_slice(&1024u16.to_le_bytes()); // desktopWidth
    b.extend_from_slice(&768u16.to_le_bytes()); // desktopHeight
    b.extend_from_slice(&0xCA01u16.to_le_bytes()); // colorDepth RNS_UD_COLOR_8BPP
    b.extend_from_slice(&0xAA03u16.to_le_bytes()); // SASSequence RNS_UD_SAS_DEL
    b.extend_from_slice(&0x0409u32.to_le_bytes()); // keyboardLayout en-US
    b.extend_from_slice(&2600u32.to_le_bytes()); // clientBuild
    let mut name = [0u8; 32]; // clientName, UTF-16LE, NUL-padded
    for (i, unit) in "edgeaudit".encode_utf16().enumerate() {
        name[2 * i..2 * i + 2].copy_from_slice(&unit.to_le_bytes());
    }
    b.extend_from_slice(&name);
    b.extend_from_slice(&4u32.to_le_bytes()); // keyboardType IBM enhanced
    b.extend_from_slice(&0u32.to_le_bytes()); // keyboardSubType
    b.extend_from_slice(&12u32.to_le_bytes()); // keyboardFunctionKey
    b.extend_from_slice(&[0u8; 64]); // imeFileName
    b.extend_from_slice(&0xCA01u16.to_le_bytes()); // postBeta2ColorDepth
    b.extend_from_slice(&1u16.to_le_bytes()); // clientProductId
    b.extend_from_slice(&0u32.to_le_bytes()); // serialNumber
    b.extend_from_slice(&16u16.to_le_bytes()); // highColorDepth
    b.extend_from_slice(&0x000Fu16.to_le_bytes()); // supportedColorDepths 24/16/15/32
    b.extend_from_slice(&0x0001u16.to_le_bytes()); // earlyCapabilityFlags SUPPORT_ERRINFO_PDU
    b.extend_from_slice(&[0u8; 64]); // clientDigProductId
    b.push(0); // connectionType
    b.push(0); // pad1octet
    b.extend_from_slice(&selected.0.to_le_bytes()); // serverSelectedProtocol
    b
}

/// The GCC Conference Create Request (T.124, ALIGNED PER) carrying the client data blocks, as
/// [MS-RDPBCGR] 2.2.1.3 lays it out.
fn gcc_conference_create_request(user_data: &[u8]) -> Vec<u8> {
    let mut pdu = vec![
        0x00, 0x08, // ConnectGCCPDU: conferenceCreateRequest, userData present
        0x00, 0x10, // conferenceName: numeric string "1"
        0x00, 0x01, // terminationMethod automatic; one userData set
        0xc0, 0x00, // key: h221NonStandard, octet string of length 4 (minimum 4)
    ];
    pdu.extend_from_slice(CLIENT_H221_KEY);
    per_length(&mut pdu, user_data.len());
    pdu.extend_from_slice(user_data);

    let mut out = vec![0x00, 0x05]; // key: object, length 5
    out.extend_from_slice(&T124_OID);
    per_length(&mut out, pdu.len());
    out.extend_from_slice(&pdu);
    out
}

/// TPKT + X.224 Data TPDU around `payload`.
pub fn x224_data(payload: &[u8]) -> Vec<u8> {
    let total = TPKT_HEADER_LEN + 3 + payload.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&[TPKT_VERSION, 0]);
    out.extend_from_slice(&u16::try_from(total).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(&[0x02, X224_TPDU_DATA, 0x80]);
    out.extend_from_slice(payload);
    out
}

/// The client MCS Connect Initial PDU (2.2.1.3) with Client Core Data (`serverSelectedProtocol`
/// = `selected`), Client Security Data offering `encryption_methods`, and Client Network Data
/// with no static virtual channels.
pub fn connect_initial(selected: Protocols, encryption_methods: u32) -> Vec<u8> {
    let mut blocks = Vec::new();
    data_block(&mut blocks, CS_CORE, &client_core(selected));
    let mut security = Vec::new();
    security.extend_from_slice(&encryption_methods.to_le_bytes());
    security.extend_from_slice(&0u32.to_le_bytes()); // extEncryptionMethods (French locale only)
    data_block(&mut blocks, CS_SECURITY, &security);
    data_block(&mut blocks, CS_NET, &0u32.to_le_bytes()); // channelCount 0
    let gcc = gcc_conference_create_request(&blocks);

    let mut content = Vec::new();
    ber_tlv(&mut content, &[0x04], &[0x01]); // callingDomainSelector
    ber_tlv(&mut content, &[0x04], &[0x01]); // calledDomainSelector
    ber_tlv(&mut content, &[0x01], &[0xff]); // upwardFlag TRUE
                                             // targetParameters, minimumParameters, maximumParameters as mstsc sends them (4.1.3).
    content.extend(domain_parameters([34, 2, 0, 1, 0, 1, 0xffff, 2]));
    content.extend(domain_parameters([1, 1, 1, 1, 0, 1, 0x420, 2]));
    content.extend(domain_parameters([
        0xffff, 0xfc17, 0xffff, 1, 0, 1, 0xffff, 2,
    ]));
    ber_tlv(&mut content, &[0x04], &gcc);

    let mut mcs = Vec::new();
    ber_tlv(&mut mcs, &MCS_CONNECT_INITIAL, &content);
    x224_data(&mcs)
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// BER length (X.690 §8.1.3): short form or long form up to four octets; no indefinite form.
fn read_ber_length(r: &mut Reader<'_>) -> Result<usize, McsError> {
    let first = r.u8()?;
    if first < 0x80 {
        return Ok(usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return Err(McsError::BadLength(first));
    }
    let mut len = 0usize;
    for &b in r.take(n)? {
        len = (len << 8) | usize::from(b);
    }
    Ok(len)
}

/// Reads one BER TLV whose tag must be `tag`; returns a reader over its content.
fn expect_tlv<'a>(
    r: &mut Reader<'a>,
    tag: &[u8],
    what: &'static str,
) -> Result<Reader<'a>, McsError> {
    let found = r.take(tag.len())?;
    if found != tag {
        return Err(McsError::UnexpectedTag {
            found: found.to_vec(),
            expected: what,
        });
    }
    let len = read_ber_length(r)?;
    r.sub(len)
}

/// A BER INTEGER or ENUMERATED content of at most 4 octets, read as unsigned.
fn ber_unsigned(mut content: Reader<'_>) -> Result<u32, McsError> {
    let bytes = content.rest();
    if bytes.is_empty() || bytes.len() > 5 {
        return Err(McsError::Gcc("integer of impossible size"));
    }
    Ok(bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// ALIGNED PER length determinant.
fn read_per_length(r: &mut Reader<'_>) -> Result<usize, McsError> {
    let first = r.u8()?;
    if first & 0x80 == 0 {
        return Ok(usize::from(first));
    }
    let second = r.u8()?;
    Ok(usize::from(first & 0x3f) << 8 | usize::from(second))
}

/// Total length of the TPKT packet at the start of `buf`, once known (for a driver's reads).
pub fn packet_len(buf: &[u8]) -> Option<usize> {
    match buf {
        [TPKT_VERSION, 0, hi, lo, ..] => Some(usize::from(u16::from_be_bytes([*hi, *lo]))),
        _ => None,
    }
}

impl ConnectResponse {
    /// Decodes one TPKT packet holding the server MCS Connect Response (2.2.1.4).
    pub fn decode(buf: &[u8]) -> Result<Self, McsError> {
        let mut r = Reader::new(buf);
        let header = r.take(TPKT_HEADER_LEN)?;
        if header[0] != TPKT_VERSION || header[1] != 0 {
            return Err(McsError::NotTpkt(header.to_vec()));
        }
        let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let mut packet = r.sub(len.saturating_sub(TPKT_HEADER_LEN))?;
        let li = usize::from(packet.u8()?);
        let mut x224 = packet.sub(li)?;
        let code = x224.u8()?;
        if code & 0xf0 != X224_TPDU_DATA {
            return Err(McsError::NotData(code));
        }

        let mut mcs = expect_tlv(&mut packet, &MCS_CONNECT_RESPONSE, "MCS Connect-Response")?;
        let result = ber_unsigned(expect_tlv(&mut mcs, &[0x0a], "Result (ENUMERATED)")?)?;
        if result != 0 {
            return Err(McsError::Refused(result));
        }
        expect_tlv(&mut mcs, &[0x02], "calledConnectId (INTEGER)")?;
        expect_tlv(&mut mcs, &[0x30], "domainParameters (SEQUENCE)")?;
        let gcc = expect_tlv(&mut mcs, &[0x04], "userData (OCTET STRING)")?;
        decode_gcc_response(gcc)
    }
}

/// GCC Conference Create Response (T.124 ALIGNED PER; [MS-RDPBCGR] 2.2.1.4), then the server
/// data blocks.
fn decode_gcc_response(mut r: Reader<'_>) -> Result<ConnectResponse, McsError> {
    if r.u8()? != 0x00 {
        return Err(McsError::Gcc("key is not an object identifier"));
    }
    let oid_len = usize::from(r.u8()?);
    if r.take(oid_len)? != T124_OID {
        return Err(McsError::Gcc("object identifier is not T.124"));
    }
    // The connectPDU length: Windows is known to send a wrong value here, so it is read and
    // not trusted; the user data length below bounds everything.
    read_per_length(&mut r)?;
    if r.u8()? & 0xfc != 0x14 {
        return Err(McsError::Gcc("not a conferenceCreateResponse"));
    }
    r.u16_be()?; // nodeID
    let tag_len = usize::from(r.u8()?);
    r.take(tag_len)?; // tag
    if r.u8()? != 0 {
        return Err(McsError::Gcc("result is not success"));
    }
    r.u8()?; // number of userData sets
    if r.u8()? & 0xc0 != 0xc0 {
        return Err(McsError::Gcc("user data key is not h221NonStandard"));
    }
    let key_len = usize::from(r.u8()?) + 4; // octet string, size constraint minimum 4
    if r.take(key_len)? != SERVER_H221_KEY {
        return Err(McsError::Gcc("H.221 key is not McDn"));
    }
    let data_len = read_per_length(&mut r)?;
    let blocks = r.sub(data_len)?;
    decode_server_blocks(blocks)
}

fn decode_server_blocks(mut r: Reader<'_>) -> Result<ConnectResponse, McsError> {
    let mut out = ConnectResponse {
        core: None,
        security: None,
        io_channel: None,
        block_types: Vec::new(),
    };
    while r.remaining() >= 4 {
        let kind = r.u16_le()?;
        let len = r.u16_le()?;
        if len < 4 {
            return Err(McsError::BadBlockLength { kind, len });
        }
        let mut body = r.sub(usize::from(len) - 4)?;
        out.block_types.push(kind);
        match kind {
            SC_CORE => {
                let version = body.u32_le()?;
                let client_requested_protocols = body.u32_le().ok().map(Protocols);
                let early_capability_flags = body.u32_le().ok();
                out.core = Some(ServerCore {
                    version,
                    client_requested_protocols,
                    early_capability_flags,
                });
            }
            SC_SECURITY => {
                let encryption_method = body.u32_le()?;
                let encryption_level = EncryptionLevel(body.u32_le()?);
                let (mut server_random_len, mut server_cert_len, mut cert_version) = (0, 0, None);
                // 2.2.1.4.3: the random and certificate follow only when encryption is on.
                if body.remaining() >= 8 {
                    server_random_len = body.u32_le()?;
                    server_cert_len = body.u32_le()?;
                    let skip = usize::try_from(server_random_len).unwrap_or(usize::MAX);
                    if body.take(skip).is_ok() && server_cert_len >= 4 {
                        cert_version = body.u32_le().ok();
                    }
                }
                out.security = Some(ServerSecurity {
                    encryption_method,
                    encryption_level,
                    server_random_len,
                    server_cert_len,
                    cert_version,
                });
            }
            SC_NET => out.io_channel = body.u16_le().ok(),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The server MCS Connect Response of [MS-RDPBCGR] 4.1.4, cut after the server random and
    /// the first bytes of the proprietary certificate, lengths adjusted to the cut.
    pub(crate) fn spec_like_response(method: u32, level: u32) -> Vec<u8> {
        let mut blocks = Vec::new();
        // Server Core Data: version 8.4, clientRequestedProtocols 0.
        data_block(&mut blocks, SC_CORE, &[0x04, 0, 0x08, 0, 0, 0, 0, 0]);
        // Server Network Data: I/O channel 1003, no channels.
        data_block(&mut blocks, SC_NET, &[0xeb, 0x03, 0, 0]);
        let mut sec = Vec::new();
        sec.extend_from_slice(&method.to_le_bytes());
        sec.extend_from_slice(&level.to_le_bytes());
        if method != 0 {
            sec.extend_from_slice(&32u32.to_le_bytes());
            sec.extend_from_slice(&184u32.to_le_bytes());
            sec.extend_from_slice(&[0x11; 32]);
            sec.extend_from_slice(&1u32.to_le_bytes()); // dwVersion proprietary
        }
        data_block(&mut blocks, SC_SECURITY, &sec);

        let mut gcc = vec![0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01, 0x2a];
        gcc.extend_from_slice(&[0x14, 0x76, 0x0a, 0x01, 0x01, 0x00, 0x01, 0xc0, 0x00]);
        gcc.extend_from_slice(b"McDn");
        per_length(&mut gcc, blocks.len());
        gcc.extend_from_slice(&blocks);

        let mut content = Vec::new();
        ber_tlv(&mut content, &[0x0a], &[0x00]);
        ber_tlv(&mut content, &[0x02], &[0x00]);
        content.extend(domain_parameters([34, 3, 0, 1, 0, 1, 0xfff8, 2]));
        ber_tlv(&mut content, &[0x04], &gcc);
        let mut mcs = Vec::new();
        ber_tlv(&mut mcs, &MCS_CONNECT_RESPONSE, &content);
        x224_data(&mcs)
    }

    #[test]
    fn connect_initial_layout() {
        let pdu = connect_initial(Protocols::RDP, ALL_ENCRYPTION_METHODS);
        assert_eq!(packet_len(&pdu), Some(pdu.len()));
        assert_eq!(&pdu[4..7], &[0x02, 0xf0, 0x80]);
        assert_eq!(&pdu[7..9], &MCS_CONNECT_INITIAL);
        // The BER length covers exactly the rest.
        let mut r = Reader::new(&pdu[9..]);
        let len = read_ber_length(&mut r).unwrap();
        assert_eq!(len, r.remaining());
        // The GCC request and the client data blocks are where 2.2.1.3 puts them.
        let duca = pdu.windows(4).position(|w| w == b"Duca").unwrap();
        let mut r = Reader::new(&pdu[duca + 4..]);
        let blocks_len = read_per_length(&mut r).unwrap();
        assert_eq!(blocks_len, r.remaining());
        let mut types = Vec::new();
        let mut sec_methods = None;
        let mut selected = None;
        while r.remaining() > 0 {
            let kind = r.u16_le().unwrap();
            let len = r.u16_le().unwrap();
            let mut body = r.sub(usize::from(len) - 4).unwrap();
            types.push(kind);
            if kind == CS_SECURITY {
                sec_methods = Some(body.u32_le().unwrap());
            }
            if kind == CS_CORE {
                assert_eq!(len, 216);
                let all = body.rest();
                selected = Some(u32::from_le_bytes(all[208..212].try_into().unwrap()));
            }
        }
        assert_eq!(types, [CS_CORE, CS_SECURITY, CS_NET]);
        assert_eq!(sec_methods, Some(0x1b));
        assert_eq!(selected, Some(0));
        // The PER length of the connectPDU covers the rest of the GCC request.
        let oid = pdu.windows(5).position(|w| w == T124_OID).unwrap();
        let mut r = Reader::new(&pdu[oid + 5..]);
        assert_eq!(read_per_length(&mut r).unwrap(), r.remaining());
    }

    #[test]
    fn response_with_encryption() {
        let bytes = spec_like_response(ENCRYPTION_METHOD_128BIT, 2);
        let resp = ConnectResponse::decode(&bytes).unwrap();
        assert_eq!(resp.block_types, [SC_CORE, SC_NET, SC_SECURITY]);
        let core = resp.core.unwrap();
        assert_eq!(core.version, 0x0008_0004);
        assert_eq!(core.client_requested_protocols, Some(Protocols::RDP));
        assert_eq!(core.early_capability_flags, None);
        assert_eq!(resp.io_channel, Some(1003));
        let sec = resp.security.unwrap();
        assert_eq!(
            encryption_method_names(sec.encryption_method),
            ["ENCRYPTION_METHOD_128BIT"]
        );
        assert_eq!(
            sec.encryption_level.to_string(),
            "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE"
        );
        assert_eq!((sec.server_random_len, sec.server_cert_len), (32, 184));
        assert_eq!(sec.certificate_type().as_deref(), Some("proprietary"));
    }

    #[test]
    fn response_without_encryption() {
        let resp = ConnectResponse::decode(&spec_like_response(0, 0)).unwrap();
        let sec = resp.security.unwrap();
        assert_eq!(encryption_method_names(0), ["ENCRYPTION_METHOD_NONE"]);
        assert_eq!(sec.encryption_level, EncryptionLevel::NONE);
        assert_eq!(sec.server_random_len, 0);
        assert_eq!(sec.certificate_type(), None);
    }

    #[test]
    fn refused_and_foreign_answers() {
        let mut bytes = spec_like_response(1, 1);
        // Result is the first TLV after the 7f 66 tag and its (long-form) length.
        let at = bytes
            .windows(3)
            .position(|w| w == [0x0a, 0x01, 0x00])
            .unwrap();
        bytes[at + 2] = 14;
        assert_eq!(ConnectResponse::decode(&bytes), Err(McsError::Refused(14)));
        assert!(McsError::Refused(14)
            .to_string()
            .contains("rt-unspecified-failure"));
        // MCS Disconnect Provider Ultimatum (xrdp's answer to what it dislikes).
        assert!(matches!(
            ConnectResponse::decode(b"\x03\x00\x00\x09\x02\xf0\x80\x21\x80"),
            Err(McsError::UnexpectedTag { .. })
        ));
        // A Connection Confirm instead of a Data TPDU.
        assert_eq!(
            ConnectResponse::decode(b"\x03\x00\x00\x0b\x06\xd0\x00\x00\x00\x00\x00"),
            Err(McsError::NotData(0xd0))
        );
        assert!(matches!(
            ConnectResponse::decode(b"HTTP/1.1 400"),
            Err(McsError::NotTpkt(_))
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = spec_like_response(ENCRYPTION_METHOD_FIPS, 4);
        for cut in 0..bytes.len() {
            let mut short = bytes[..cut].to_vec();
            if cut >= 4 {
                // Keep the TPKT length honest so the inner lengths are what breaks.
                let len = u16::try_from(cut).unwrap().to_be_bytes();
                short[2..4].copy_from_slice(&len);
            }
            assert!(ConnectResponse::decode(&short).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            encryption_method_names(0x1b),
            [
                "ENCRYPTION_METHOD_40BIT",
                "ENCRYPTION_METHOD_56BIT",
                "ENCRYPTION_METHOD_128BIT",
                "ENCRYPTION_METHOD_FIPS"
            ]
        );
        assert_eq!(encryption_method_names(0x100), ["0x00000100"]);
        assert_eq!(EncryptionLevel(9).to_string(), "0x00000009");
        assert_eq!(server_version_name(0x0008_000c), Some("RDP 10.7"));
        assert_eq!(server_version_name(7), None);
        let temp = ServerSecurity {
            encryption_method: 1,
            encryption_level: EncryptionLevel::LOW,
            server_random_len: 32,
            server_cert_len: 100,
            cert_version: Some(0x8000_0002),
        };
        assert_eq!(temp.certificate_type().as_deref(), Some("x509 (temporary)"));
    }

    #[test]
    fn garbage_never_panics() {
        let base = spec_like_response(2, 3);
        let mut state = 0x9e37_79b9_u32;
        for _ in 0..4000 {
            let mut bytes = base.clone();
            for _ in 0..3 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let at = (state >> 8) as usize % bytes.len();
                bytes[at] = (state >> 24) as u8;
            }
            let cut = (state as usize) % (bytes.len() + 1);
            let _ = ConnectResponse::decode(&bytes[..cut]);
            let _ = ConnectResponse::decode(&bytes);
        }
    }
}
