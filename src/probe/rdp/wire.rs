//! Sans-I/O codec for the first RDP exchange: the X.224 Connection Request carrying RDP_NEG_REQ and
//! the server's X.224 Connection Confirm carrying RDP_NEG_RSP or RDP_NEG_FAILURE.
//!
//! Layering on the wire ([MS-RDPBCGR] 2.2.1.1 and 2.2.1.2):
//!
//! ```text
//! TPKT header (RFC 1006 §6 / ITU-T T.123 §8)   4 bytes: version=3, reserved, length (u16 big-endian, whole packet)
//! X.224 TPDU header (ITU-T X.224 §13.3/13.4)   LI (u8: header length minus the LI byte), code (u8), DST-REF (u16 BE),
//!                                              SRC-REF (u16 BE), class option (u8)
//! variable part                                optional routing token or cookie ending in CR LF (requests only),
//!                                              then an optional 8-byte RDP negotiation structure (little-endian)
//! ```
//!
//! Every decoder reads through [`Reader`], which cannot read past the length it was given, and
//! never panics on hostile input: a short buffer is [`WireError::Truncated`], anything else that
//! breaks the layout is a precise error.

use std::fmt;

use thiserror::Error;

use crate::wire::ShortRead;

/// TPKT version ([RFC 1006] §6, [T.123] §8): always 3.
pub const TPKT_VERSION: u8 = 3;
/// TPKT header length: version, reserved, and a 16-bit big-endian packet length.
pub const TPKT_HEADER_LEN: usize = 4;
/// Fixed part of an X.224 CR/CC TPDU header including the LI byte ([X.224] §13.3.1, §13.4.1).
pub const X224_FIXED_LEN: usize = 7;
/// Smallest legal TPKT carrying a CR or CC TPDU.
pub const MIN_CONNECTION_PDU_LEN: usize = TPKT_HEADER_LEN + X224_FIXED_LEN;

/// X.224 TPDU codes (upper nibble; the lower nibble of CR/CC carries CDT, always 0 for RDP).
/// [MS-RDPBCGR] 2.2.1.1 `x224Crq`: Connection Request.
pub const X224_TPDU_CONNECTION_REQUEST: u8 = 0xE0;
/// [MS-RDPBCGR] 2.2.1.2 `x224Ccf`: Connection Confirm.
pub const X224_TPDU_CONNECTION_CONFIRM: u8 = 0xD0;
/// [X.224] §13.5: Disconnect Request (some servers answer a request they dislike with it).
pub const X224_TPDU_DISCONNECT_REQUEST: u8 = 0x80;
/// [X.224] §13.7: Data TPDU (everything after the connection sequence).
pub const X224_TPDU_DATA: u8 = 0xF0;

/// [MS-RDPBCGR] 2.2.1.1.1 RDP_NEG_REQ `type`.
pub const TYPE_RDP_NEG_REQ: u8 = 0x01;
/// [MS-RDPBCGR] 2.2.1.2.1 RDP_NEG_RSP `type`.
pub const TYPE_RDP_NEG_RSP: u8 = 0x02;
/// [MS-RDPBCGR] 2.2.1.2.2 RDP_NEG_FAILURE `type`.
pub const TYPE_RDP_NEG_FAILURE: u8 = 0x03;
/// The `length` field of all three negotiation structures: always 8.
pub const RDP_NEG_LEN: u16 = 8;

/// [MS-RDPBCGR] 2.2.1.1.1 RDP_NEG_REQ `flags`.
pub const RESTRICTED_ADMIN_MODE_REQUIRED: u8 = 0x01;
pub const REDIRECTED_AUTHENTICATION_MODE_REQUIRED: u8 = 0x02;
pub const CORRELATION_INFO_PRESENT: u8 = 0x08;

/// [MS-RDPBCGR] 2.2.1.2.1 RDP_NEG_RSP `flags`.
pub const EXTENDED_CLIENT_DATA_SUPPORTED: u8 = 0x01;
pub const DYNVC_GFX_PROTOCOL_SUPPORTED: u8 = 0x02;
pub const NEGRSP_FLAG_RESERVED: u8 = 0x04;
pub const RESTRICTED_ADMIN_MODE_SUPPORTED: u8 = 0x08;
pub const REDIRECTED_AUTHENTICATION_MODE_SUPPORTED: u8 = 0x10;

/// Why a decoder stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// The buffer ends before the structure does; `needed` more bytes would let decoding go on.
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("TPKT version {0} (expected 3)")]
    BadTpktVersion(u8),
    #[error("TPKT length {0} is impossible")]
    BadTpktLength(u16),
    #[error("X.224 length indicator {li} does not fit in {available} byte(s)")]
    BadLengthIndicator { li: u8, available: usize },
    #[error("X.224 TPDU code 0x{0:02x} where another was expected")]
    UnexpectedTpdu(u8),
    #[error("unknown RDP negotiation type 0x{0:02x}")]
    UnknownNegotiationType(u8),
    #[error("RDP negotiation length {0} (expected 8)")]
    BadNegotiationLength(u16),
    #[error("{0} trailing byte(s) after the RDP negotiation structure")]
    TrailingBytes(usize),
    #[error("routing token or cookie not terminated by CR LF")]
    UnterminatedCookie,
}

/// The shared bounded reader, failing with this codec's error.
pub type Reader<'a> = crate::wire::Reader<'a, WireError>;

impl From<ShortRead> for WireError {
    fn from(short: ShortRead) -> Self {
        WireError::Truncated {
            needed: short.needed,
        }
    }
}

/// The security protocols of [MS-RDPBCGR] 2.2.1.1.1 `requestedProtocols` and 2.2.1.2.1
/// `selectedProtocol`. An open set: unknown bits survive and print in hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Protocols(pub u32);

impl Protocols {
    /// Standard RDP Security (the value zero: no flag set).
    pub const RDP: Protocols = Protocols(0x0000_0000);
    /// TLS 1.0, 1.1 or 1.2 (Enhanced RDP Security, 5.4.5.1).
    pub const SSL: Protocols = Protocols(0x0000_0001);
    /// CredSSP (5.4.5.2).
    pub const HYBRID: Protocols = Protocols(0x0000_0002);
    /// RDSTLS (5.4.5.3).
    pub const RDSTLS: Protocols = Protocols(0x0000_0004);
    /// CredSSP with the Early User Authorization Result PDU (2.2.10.2).
    pub const HYBRID_EX: Protocols = Protocols(0x0000_0008);
    /// RDS-AAD-Auth (5.4.5.4).
    pub const RDSAAD: Protocols = Protocols(0x0000_0010);

    const NAMED: [(u32, &'static str); 5] = [
        (0x01, "PROTOCOL_SSL"),
        (0x02, "PROTOCOL_HYBRID"),
        (0x04, "PROTOCOL_RDSTLS"),
        (0x08, "PROTOCOL_HYBRID_EX"),
        (0x10, "PROTOCOL_RDSAAD"),
    ];

    pub const fn union(self, other: Protocols) -> Protocols {
        Protocols(self.0 | other.0)
    }

    /// Flag names as in [MS-RDPBCGR] 2.2.1.1.1; `PROTOCOL_RDP` for zero; unknown bits as `0x…`.
    pub fn flag_names(self) -> Vec<String> {
        if self.0 == 0 {
            return vec!["PROTOCOL_RDP".to_string()];
        }
        let mut names = Vec::new();
        let mut rest = self.0;
        for (bit, name) in Self::NAMED {
            if self.0 & bit != 0 {
                names.push(name.to_string());
                rest &= !bit;
            }
        }
        if rest != 0 {
            names.push(format!("0x{rest:08x}"));
        }
        names
    }
}

impl fmt::Display for Protocols {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.flag_names().join("|"))
    }
}

/// [MS-RDPBCGR] 2.2.1.2.2 RDP_NEG_FAILURE `failureCode`. An open set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FailureCode(pub u32);

impl FailureCode {
    pub const SSL_REQUIRED_BY_SERVER: FailureCode = FailureCode(0x0000_0001);
    pub const SSL_NOT_ALLOWED_BY_SERVER: FailureCode = FailureCode(0x0000_0002);
    pub const SSL_CERT_NOT_ON_SERVER: FailureCode = FailureCode(0x0000_0003);
    pub const INCONSISTENT_FLAGS: FailureCode = FailureCode(0x0000_0004);
    pub const HYBRID_REQUIRED_BY_SERVER: FailureCode = FailureCode(0x0000_0005);
    pub const SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: FailureCode = FailureCode(0x0000_0006);

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "SSL_REQUIRED_BY_SERVER",
            2 => "SSL_NOT_ALLOWED_BY_SERVER",
            3 => "SSL_CERT_NOT_ON_SERVER",
            4 => "INCONSISTENT_FLAGS",
            5 => "HYBRID_REQUIRED_BY_SERVER",
            6 => "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
            _ => return None,
        })
    }
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:08x}", self.0),
        }
    }
}

/// [MS-RDPBCGR] 2.2.1.1.1 RDP_NEG_REQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiationRequest {
    pub flags: u8,
    pub requested_protocols: Protocols,
}

/// The server's negotiation structure in a Connection Confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegotiationResponse {
    /// [MS-RDPBCGR] 2.2.1.2.1 RDP_NEG_RSP.
    Selected { flags: u8, protocol: Protocols },
    /// [MS-RDPBCGR] 2.2.1.2.2 RDP_NEG_FAILURE.
    Failure { flags: u8, code: FailureCode },
}

/// [MS-RDPBCGR] 2.2.1.1 Client X.224 Connection Request PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRequest {
    /// Routing token or `Cookie: mstshash=…` line, without its CR LF (2.2.1.1 `routingToken`,
    /// `cookie`). edgeaudit sends none: a cookie names a user, and we name no one.
    pub cookie: Option<Vec<u8>>,
    pub negotiation: Option<NegotiationRequest>,
    pub src_ref: u16,
}

/// [MS-RDPBCGR] 2.2.1.2 Server X.224 Connection Confirm PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfirm {
    pub dst_ref: u16,
    pub src_ref: u16,
    pub class_option: u8,
    /// `None` when the server sent no negotiation structure: a server older than RDP 5.2 that
    /// knows only Standard RDP Security.
    pub negotiation: Option<NegotiationResponse>,
}

/// [X.224] §13.6: Error TPDU.
pub const X224_TPDU_ERROR: u8 = 0x70;

/// The X.224 TPDU code (upper nibble) of a plausible TPKT packet at the start of `buf`: TPKT
/// version 3, reserved 0, a length covering at least the X.224 LI and code, an LI that fits, and
/// a code of CR, CC, DR, DT or ER. Lets a driver recognise an RDP stack answering something else
/// (xrdp answers a TLS ClientHello with an X.224 Data TPDU carrying an MCS disconnect).
pub fn x224_tpdu_code(buf: &[u8]) -> Option<u8> {
    let [TPKT_VERSION, 0, hi, lo, li, code, ..] = *buf else {
        return None;
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let known = [
        X224_TPDU_CONNECTION_REQUEST,
        X224_TPDU_CONNECTION_CONFIRM,
        X224_TPDU_DISCONNECT_REQUEST,
        X224_TPDU_DATA,
        X224_TPDU_ERROR,
    ];
    let plausible =
        len >= TPKT_HEADER_LEN + 2 && li >= 1 && usize::from(li) < len - TPKT_HEADER_LEN;
    (plausible && known.contains(&(code & 0xF0))).then_some(code & 0xF0)
}

/// Name of an X.224 TPDU code as returned by [`x224_tpdu_code`].
pub fn x224_tpdu_name(code: u8) -> &'static str {
    match code & 0xF0 {
        X224_TPDU_CONNECTION_REQUEST => "Connection Request",
        X224_TPDU_CONNECTION_CONFIRM => "Connection Confirm",
        X224_TPDU_DISCONNECT_REQUEST => "Disconnect Request",
        X224_TPDU_DATA => "Data",
        X224_TPDU_ERROR => "Error",
        _ => "unknown",
    }
}

/// Total length of the TPKT packet starting at `buf`, once its 4-byte header is present.
/// `Ok(None)` means fewer than 4 bytes were given. Lets a driver read exactly one packet.
pub fn tpkt_packet_len(buf: &[u8]) -> Result<Option<usize>, WireError> {
    let mut r = Reader::new(buf);
    let Ok(header) = r.take(TPKT_HEADER_LEN) else {
        return Ok(None);
    };
    if header[0] != TPKT_VERSION {
        return Err(WireError::BadTpktVersion(header[0]));
    }
    let len = u16::from_be_bytes([header[2], header[3]]);
    if usize::from(len) < TPKT_HEADER_LEN {
        return Err(WireError::BadTpktLength(len));
    }
    Ok(Some(usize::from(len)))
}

/// Splits one TPKT packet: returns the reader over its payload (everything after the TPKT header,
/// bounded by the declared length).
fn tpkt_payload(buf: &[u8]) -> Result<Reader<'_>, WireError> {
    let Some(len) = tpkt_packet_len(buf)? else {
        return Err(WireError::Truncated {
            needed: TPKT_HEADER_LEN - buf.len(),
        });
    };
    let mut r = Reader::new(buf);
    let mut packet = r.sub(len)?;
    packet.take(TPKT_HEADER_LEN)?;
    Ok(packet)
}

/// Reads the X.224 CR/CC fixed header; returns (code, dst_ref, src_ref, class, variable part).
fn x224_connection_header<'a>(
    payload: &mut Reader<'a>,
    expected_code: u8,
) -> Result<(u16, u16, u8, Reader<'a>), WireError> {
    let available = payload.remaining();
    let li = payload.u8()?;
    if usize::from(li) < X224_FIXED_LEN - 1 || usize::from(li) > available.saturating_sub(1) {
        return Err(WireError::BadLengthIndicator { li, available });
    }
    let mut header = payload.sub(usize::from(li))?;
    let code = header.u8()?;
    if code & 0xF0 != expected_code {
        return Err(WireError::UnexpectedTpdu(code));
    }
    let dst_ref = header.u16_be()?;
    let src_ref = header.u16_be()?;
    let class_option = header.u8()?;
    Ok((dst_ref, src_ref, class_option, header))
}

fn decode_negotiation_header(r: &mut Reader<'_>) -> Result<(u8, u8), WireError> {
    let kind = r.u8()?;
    let flags = r.u8()?;
    let len = r.u16_le()?;
    if len != RDP_NEG_LEN {
        return Err(WireError::BadNegotiationLength(len));
    }
    Ok((kind, flags))
}

impl ConnectionRequest {
    /// The request edgeaudit sends: no cookie, RDP_NEG_REQ with `requested` and no flags.
    pub fn probe(requested: Protocols) -> Self {
        ConnectionRequest {
            cookie: None,
            negotiation: Some(NegotiationRequest {
                flags: 0,
                requested_protocols: requested,
            }),
            src_ref: 0,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut variable = Vec::new();
        if let Some(cookie) = &self.cookie {
            variable.extend_from_slice(cookie);
            variable.extend_from_slice(b"\r\n");
        }
        if let Some(neg) = &self.negotiation {
            variable.push(TYPE_RDP_NEG_REQ);
            variable.push(neg.flags);
            variable.extend_from_slice(&RDP_NEG_LEN.to_le_bytes());
            variable.extend_from_slice(&neg.requested_protocols.0.to_le_bytes());
        }
        encode_connection_tpdu(X224_TPDU_CONNECTION_REQUEST, 0, self.src_ref, 0, &variable)
    }

    /// Decodes one whole Connection Request (servers and tests use this; the scanner does not).
    pub fn decode(buf: &[u8]) -> Result<Self, WireError> {
        let mut payload = tpkt_payload(buf)?;
        let (_dst, src_ref, _class, mut variable) =
            x224_connection_header(&mut payload, X224_TPDU_CONNECTION_REQUEST)?;
        let mut rest = variable.rest();
        let mut cookie = None;
        // A routing token or cookie is text ending in CR LF; a negotiation request starts with 0x01.
        if !rest.is_empty() && rest[0] != TYPE_RDP_NEG_REQ {
            let end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or(WireError::UnterminatedCookie)?;
            cookie = Some(rest[..end].to_vec());
            rest = &rest[end + 2..];
        }
        let negotiation = if rest.is_empty() {
            None
        } else {
            let mut r = Reader::new(rest);
            let (kind, flags) = decode_negotiation_header(&mut r)?;
            if kind != TYPE_RDP_NEG_REQ {
                return Err(WireError::UnknownNegotiationType(kind));
            }
            let requested_protocols = Protocols(r.u32_le()?);
            if r.remaining() != 0 {
                return Err(WireError::TrailingBytes(r.remaining()));
            }
            Some(NegotiationRequest {
                flags,
                requested_protocols,
            })
        };
        Ok(ConnectionRequest {
            cookie,
            negotiation,
            src_ref,
        })
    }
}

impl ConnectionConfirm {
    pub fn encode(&self) -> Vec<u8> {
        let mut variable = Vec::new();
        match self.negotiation {
            None => {}
            Some(NegotiationResponse::Selected { flags, protocol }) => {
                variable.push(TYPE_RDP_NEG_RSP);
                variable.push(flags);
                variable.extend_from_slice(&RDP_NEG_LEN.to_le_bytes());
                variable.extend_from_slice(&protocol.0.to_le_bytes());
            }
            Some(NegotiationResponse::Failure { flags, code }) => {
                variable.push(TYPE_RDP_NEG_FAILURE);
                variable.push(flags);
                variable.extend_from_slice(&RDP_NEG_LEN.to_le_bytes());
                variable.extend_from_slice(&code.0.to_le_bytes());
            }
        }
        encode_connection_tpdu(
            X224_TPDU_CONNECTION_CONFIRM,
            self.dst_ref,
            self.src_ref,
            self.class_option,
            &variable,
        )
    }

    /// Decodes one whole Connection Confirm. The negotiation structure is read from the TPDU's
    /// variable part; a confirm without one is an old server (`negotiation: None`).
    pub fn decode(buf: &[u8]) -> Result<Self, WireError> {
        let mut payload = tpkt_payload(buf)?;
        let (dst_ref, src_ref, class_option, variable) =
            x224_connection_header(&mut payload, X224_TPDU_CONNECTION_CONFIRM)?;
        // The negotiation structure belongs in the variable part counted by LI. Some servers
        // count it as user data after the header instead; accept it there too, still bounded by
        // the TPKT length.
        let mut neg = if variable.remaining() > 0 {
            variable
        } else {
            payload
        };
        if neg.remaining() == 0 {
            return Ok(ConnectionConfirm {
                dst_ref,
                src_ref,
                class_option,
                negotiation: None,
            });
        }
        let (kind, flags) = decode_negotiation_header(&mut neg)?;
        let value = neg.u32_le()?;
        if neg.remaining() != 0 {
            return Err(WireError::TrailingBytes(neg.remaining()));
        }
        let negotiation = match kind {
            TYPE_RDP_NEG_RSP => NegotiationResponse::Selected {
                flags,
                protocol: Protocols(value),
            },
            TYPE_RDP_NEG_FAILURE => NegotiationResponse::Failure {
                flags,
                code: FailureCode(value),
            },
            other => return Err(WireError::UnknownNegotiationType(other)),
        };
        Ok(ConnectionConfirm {
            dst_ref,
            src_ref,
            class_option,
            negotiation: Some(negotiation),
        })
    }
}

/// TPKT + X.224 CR/CC header + variable part.
fn encode_connection_tpdu(
    code: u8,
    dst_ref: u16,
    src_ref: u16,
    class: u8,
    variable: &[u8],
) -> Vec<u8> {
    // LI counts the header after itself: code, DST-REF, SRC-REF, class (6 bytes) + variable part.
    // Saturate rather than wrap: callers build small PDUs; an oversized cookie gives a PDU the
    // peer will reject, never a panic.
    let li = u8::try_from(X224_FIXED_LEN - 1 + variable.len()).unwrap_or(u8::MAX);
    let total = TPKT_HEADER_LEN + X224_FIXED_LEN + variable.len();
    let total16 = u16::try_from(total).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&[TPKT_VERSION, 0]);
    out.extend_from_slice(&total16.to_be_bytes());
    out.push(li);
    out.push(code);
    out.extend_from_slice(&dst_ref.to_be_bytes());
    out.extend_from_slice(&src_ref.to_be_bytes());
    out.push(class);
    out.extend_from_slice(variable);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What mstsc and zgrab2 send, minus the cookie: SSL|HYBRID|HYBRID_EX.
    const REQUEST_0B: [u8; 19] = [
        0x03, 0x00, 0x00, 0x13, // TPKT, length 19
        0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, // X.224 CR, LI 14
        0x01, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00, // RDP_NEG_REQ 0x0000000b
    ];

    /// Windows Server answering with CredSSP selected and extended data/GFX/restricted admin flags.
    const CONFIRM_HYBRID: [u8; 19] = [
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x1f, 0x08, 0x00,
        0x02, 0x00, 0x00, 0x00,
    ];

    /// Server refusing because it requires CredSSP (we offered only TLS).
    const CONFIRM_FAILURE_HYBRID_REQUIRED: [u8; 19] = [
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00,
        0x05, 0x00, 0x00, 0x00,
    ];

    /// Pre-RDP 5.2 server: a bare Connection Confirm.
    const CONFIRM_OLD: [u8; 11] = [
        0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn probe_request_encodes_as_spec_example() {
        let req = ConnectionRequest::probe(
            Protocols::SSL
                .union(Protocols::HYBRID)
                .union(Protocols::HYBRID_EX),
        );
        assert_eq!(req.encode(), REQUEST_0B);
        assert_eq!(ConnectionRequest::decode(&REQUEST_0B).unwrap(), req);
    }

    #[test]
    fn request_with_cookie_round_trips() {
        let req = ConnectionRequest {
            cookie: Some(b"Cookie: mstshash=test".to_vec()),
            negotiation: Some(NegotiationRequest {
                flags: CORRELATION_INFO_PRESENT,
                requested_protocols: Protocols::SSL,
            }),
            src_ref: 7,
        };
        let bytes = req.encode();
        assert_eq!(
            bytes[4] as usize,
            bytes.len() - 5,
            "LI counts everything after itself"
        );
        assert_eq!(ConnectionRequest::decode(&bytes).unwrap(), req);
    }

    #[test]
    fn request_without_negotiation_decodes() {
        let req = ConnectionRequest {
            cookie: None,
            negotiation: None,
            src_ref: 0,
        };
        assert_eq!(ConnectionRequest::decode(&req.encode()).unwrap(), req);
    }

    #[test]
    fn confirm_selected_hybrid() {
        let cc = ConnectionConfirm::decode(&CONFIRM_HYBRID).unwrap();
        assert_eq!(cc.src_ref, 0x1234);
        assert_eq!(
            cc.negotiation,
            Some(NegotiationResponse::Selected {
                flags: 0x1f,
                protocol: Protocols::HYBRID
            })
        );
        assert_eq!(cc.encode(), CONFIRM_HYBRID);
    }

    #[test]
    fn confirm_failure() {
        let cc = ConnectionConfirm::decode(&CONFIRM_FAILURE_HYBRID_REQUIRED).unwrap();
        assert_eq!(
            cc.negotiation,
            Some(NegotiationResponse::Failure {
                flags: 0,
                code: FailureCode::HYBRID_REQUIRED_BY_SERVER
            })
        );
        assert_eq!(FailureCode(5).to_string(), "HYBRID_REQUIRED_BY_SERVER");
        assert_eq!(FailureCode(0x99).to_string(), "0x00000099");
    }

    #[test]
    fn confirm_from_old_server_has_no_negotiation() {
        let cc = ConnectionConfirm::decode(&CONFIRM_OLD).unwrap();
        assert_eq!(cc.negotiation, None);
        assert_eq!(cc.encode(), CONFIRM_OLD);
    }

    #[test]
    fn confirm_with_negotiation_outside_li_is_accepted() {
        // LI says 6 (no variable part), the RDP_NEG_RSP follows as user data inside the TPKT.
        let mut bytes = CONFIRM_HYBRID;
        bytes[4] = 0x06;
        let cc = ConnectionConfirm::decode(&bytes).unwrap();
        assert!(matches!(
            cc.negotiation,
            Some(NegotiationResponse::Selected { .. })
        ));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for bytes in [
            &CONFIRM_HYBRID[..],
            &CONFIRM_OLD[..],
            &CONFIRM_FAILURE_HYBRID_REQUIRED[..],
        ] {
            for cut in 0..bytes.len() {
                assert!(
                    ConnectionConfirm::decode(&bytes[..cut]).is_err(),
                    "cut at {cut}"
                );
            }
        }
        for cut in 0..REQUEST_0B.len() {
            assert!(ConnectionRequest::decode(&REQUEST_0B[..cut]).is_err());
        }
        assert_eq!(
            ConnectionConfirm::decode(&CONFIRM_HYBRID[..10]),
            Err(WireError::Truncated { needed: 9 })
        );
    }

    #[test]
    fn decoding_stops_at_the_tpkt_length() {
        // Bytes after the declared TPKT length belong to the next packet and are not read.
        let mut bytes = CONFIRM_OLD.to_vec();
        bytes.extend_from_slice(&[0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00]);
        assert_eq!(ConnectionConfirm::decode(&bytes).unwrap().negotiation, None);
    }

    #[test]
    fn malformed_confirms_are_precise_errors() {
        let mut b = CONFIRM_HYBRID;
        b[0] = 0x16;
        assert_eq!(
            ConnectionConfirm::decode(&b),
            Err(WireError::BadTpktVersion(0x16))
        );

        let mut b = CONFIRM_HYBRID;
        b[5] = X224_TPDU_DISCONNECT_REQUEST;
        assert_eq!(
            ConnectionConfirm::decode(&b),
            Err(WireError::UnexpectedTpdu(0x80))
        );

        let mut b = CONFIRM_HYBRID;
        b[4] = 0xff;
        assert!(matches!(
            ConnectionConfirm::decode(&b),
            Err(WireError::BadLengthIndicator { li: 0xff, .. })
        ));

        let mut b = CONFIRM_HYBRID;
        b[4] = 0x02;
        assert!(matches!(
            ConnectionConfirm::decode(&b),
            Err(WireError::BadLengthIndicator { li: 2, .. })
        ));

        let mut b = CONFIRM_HYBRID;
        b[11] = 0x07;
        assert_eq!(
            ConnectionConfirm::decode(&b),
            Err(WireError::UnknownNegotiationType(7))
        );

        let mut b = CONFIRM_HYBRID;
        b[13] = 0x09;
        assert_eq!(
            ConnectionConfirm::decode(&b),
            Err(WireError::BadNegotiationLength(9))
        );

        let b = [0x03, 0x00, 0x00, 0x02];
        assert_eq!(
            ConnectionConfirm::decode(&b),
            Err(WireError::BadTpktLength(2))
        );

        // A partial negotiation structure inside a complete packet.
        let b = [
            0x03, 0x00, 0x00, 0x0e, 0x09, 0xd0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x08,
        ];
        assert!(ConnectionConfirm::decode(&b).is_err());

        // Trailing bytes after the negotiation structure, still inside the TPKT.
        let b = [
            0x03, 0x00, 0x00, 0x14, 0x0f, 0xd0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x08, 0x00, 0x01, 0, 0,
            0, 0xaa,
        ];
        assert_eq!(
            ConnectionConfirm::decode(&b),
            Err(WireError::TrailingBytes(1))
        );
    }

    #[test]
    fn garbage_never_panics() {
        // A small deterministic generator: every byte pattern the decoder sees is hostile.
        let mut state = 0x1234_5678_u32;
        for len in 0..64 {
            for _ in 0..64 {
                let bytes: Vec<u8> = (0..len)
                    .map(|i| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        // Keep the TPKT/X.224 prefix plausible half the time so deeper paths run.
                        match (i, state & 1) {
                            (0, 0) => 3,
                            (1, 0) => 0,
                            (2, 0) => 0,
                            (3, 0) => len as u8,
                            (5, 0) => 0xd0,
                            _ => (state >> 16) as u8,
                        }
                    })
                    .collect();
                let _ = ConnectionConfirm::decode(&bytes);
                let _ = ConnectionRequest::decode(&bytes);
                let _ = tpkt_packet_len(&bytes);
                let _ = x224_tpdu_code(&bytes);
            }
        }
    }

    #[test]
    fn tpdu_codes_of_foreign_answers() {
        // xrdp's answer to a TLS ClientHello: X.224 DT carrying an MCS Disconnect Provider Ultimatum.
        assert_eq!(
            x224_tpdu_code(b"\x03\x00\x00\x09\x02\xf0\x80\x21\x80"),
            Some(X224_TPDU_DATA)
        );
        assert_eq!(
            x224_tpdu_code(&CONFIRM_HYBRID),
            Some(X224_TPDU_CONNECTION_CONFIRM)
        );
        assert_eq!(x224_tpdu_name(0xd0), "Connection Confirm");
        assert_eq!(
            x224_tpdu_code(b"\x03\x00\x00\x09\x02\x10\x80\x21\x80"),
            None
        );
        assert_eq!(x224_tpdu_code(b"\x03\x01\x00\x09\x02\xf0\x80"), None);
        assert_eq!(x224_tpdu_code(b"\x03\x00\x00\x05\x02\xf0"), None);
        assert_eq!(x224_tpdu_code(b"\x03\x00\x00\x09\x09\xf0\x80"), None);
        assert_eq!(x224_tpdu_code(b"\x03\x00\x00"), None);
        assert_eq!(x224_tpdu_code(b"HTTP/1.1 400"), None);
    }

    #[test]
    fn protocol_names() {
        assert_eq!(
            Protocols(0x0b).flag_names(),
            ["PROTOCOL_SSL", "PROTOCOL_HYBRID", "PROTOCOL_HYBRID_EX"]
        );
        assert_eq!(Protocols::RDP.flag_names(), ["PROTOCOL_RDP"]);
        assert_eq!(Protocols(0x101).to_string(), "PROTOCOL_SSL|0x00000100");
    }

    #[test]
    fn reader_cannot_overrun_a_sub_reader() {
        let data = [1, 2, 3, 4, 5];
        let mut r = Reader::new(&data);
        let mut sub = r.sub(2).unwrap();
        assert_eq!(sub.u16_be().unwrap(), 0x0102);
        assert_eq!(sub.u8(), Err(WireError::Truncated { needed: 1 }));
        assert_eq!(r.u8().unwrap(), 3);
        assert_eq!(r.u32_le(), Err(WireError::Truncated { needed: 2 }));
    }
}
