//! L2TP (RFC 2661): the first control exchange of a tunnel, Start-Control-Connection-Request
//! (SCCRQ, §6.1) and -Reply (SCCRP, §6.2), on UDP 1701. The probe never goes further: after the
//! SCCRP it sends StopCCN (§6.4) so the server frees the tunnel at once instead of retransmitting.
//!
//! Control message header (§3.1; big-endian): flags and version (u16: T, L, x, x, S, x, O, P,
//! x×4, Ver=2), Length (u16, present with L), Tunnel ID, Session ID, Ns and Nr (u16 each, present
//! with S), Offset Size and padding (with O; never on control messages but accepted). Control
//! messages set T, L and S. Then AVPs (§4.1): M and H bits, 10-bit length (header included),
//! Vendor ID, Attribute Type, value. The first AVP of a message is its Message Type (§4.4.1); a
//! message without AVPs is a ZLB acknowledgement.
//!
//! L2TP is normally carried inside IPsec (RFC 3193): an answer here means the LNS answers bare
//! L2TP, which is itself a fact worth reporting.

use std::net::SocketAddr;

use thiserror::Error;
use tokio::time::Instant;

use crate::observation::{L2tpObservation, VpnProbeResult};
use crate::wire::{Reader, ShortRead};

use super::printable;
use super::udp::{Retries, UdpExchange, UdpOutcome};

/// Default port (§8.1).
pub const PORT: u16 = 1701;
/// Header bits (§3.1).
pub const FLAG_TYPE: u16 = 0x8000;
pub const FLAG_LENGTH: u16 = 0x4000;
pub const FLAG_SEQUENCE: u16 = 0x0800;
pub const FLAG_OFFSET: u16 = 0x0200;
pub const FLAG_PRIORITY: u16 = 0x0100;
pub const VERSION_MASK: u16 = 0x000F;
/// The version of RFC 2661.
pub const VERSION: u16 = 2;
/// AVP header bits (§4.1).
pub const AVP_MANDATORY: u16 = 0x8000;
pub const AVP_HIDDEN: u16 = 0x4000;
pub const AVP_LENGTH_MASK: u16 = 0x03FF;
pub const AVP_HEADER_LEN: usize = 6;

/// Attribute types (§4.4) read or written here (IETF vendor id 0).
pub mod attr {
    pub const MESSAGE_TYPE: u16 = 0;
    pub const RESULT_CODE: u16 = 1;
    pub const PROTOCOL_VERSION: u16 = 2;
    pub const FRAMING_CAPABILITIES: u16 = 3;
    pub const BEARER_CAPABILITIES: u16 = 4;
    pub const TIE_BREAKER: u16 = 5;
    pub const FIRMWARE_REVISION: u16 = 6;
    pub const HOST_NAME: u16 = 7;
    pub const VENDOR_NAME: u16 = 8;
    pub const ASSIGNED_TUNNEL_ID: u16 = 9;
    pub const RECEIVE_WINDOW_SIZE: u16 = 10;
    pub const CHALLENGE: u16 = 11;
    pub const CHALLENGE_RESPONSE: u16 = 13;
}

/// Control message types (§3.2).
pub const SCCRQ: u16 = 1;
pub const SCCRP: u16 = 2;
pub const SCCCN: u16 = 3;
pub const STOP_CCN: u16 = 4;
pub const HELLO: u16 = 6;

/// Our Host Name AVP.
pub const CLIENT_HOST_NAME: &str = "edgeaudit";
/// §4.4.3 Framing Capabilities bits.
pub const FRAMING_SYNC: u32 = 0x1;
pub const FRAMING_ASYNC: u32 = 0x2;
/// §4.4.3 Bearer Capabilities bits.
pub const BEARER_DIGITAL: u32 = 0x1;
pub const BEARER_ANALOG: u32 = 0x2;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum L2tpError {
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("a data message (T bit clear), not a control message")]
    NotControl,
    #[error("L2TP version {0} (expected 2)")]
    BadVersion(u16),
    #[error("control message without the {0} bit")]
    MissingFlag(&'static str),
    #[error("length {0} is impossible")]
    BadLength(u16),
    #[error("AVP length {0} is shorter than its header")]
    BadAvpLength(u16),
    #[error("first AVP is not a Message Type")]
    NoMessageType,
}

impl From<ShortRead> for L2tpError {
    fn from(e: ShortRead) -> Self {
        L2tpError::Truncated { needed: e.needed }
    }
}

/// One AVP as on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avp {
    pub mandatory: bool,
    pub hidden: bool,
    pub vendor_id: u16,
    pub attr_type: u16,
    pub value: Vec<u8>,
}

impl Avp {
    pub fn ietf(attr_type: u16, value: &[u8]) -> Avp {
        Avp {
            mandatory: true,
            hidden: false,
            vendor_id: 0,
            attr_type,
            value: value.to_vec(),
        }
    }

    fn u16_value(&self) -> Option<u16> {
        (self.value.len() == 2).then(|| u16::from_be_bytes([self.value[0], self.value[1]]))
    }

    fn u32_value(&self) -> Option<u32> {
        let v: [u8; 4] = self.value.as_slice().try_into().ok()?;
        Some(u32::from_be_bytes(v))
    }
}

/// A control message: header fields and AVPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlMessage {
    pub tunnel_id: u16,
    pub session_id: u16,
    pub ns: u16,
    pub nr: u16,
    pub avps: Vec<Avp>,
}

impl ControlMessage {
    /// The Message Type (first AVP), `None` for a ZLB acknowledgement.
    pub fn message_type(&self) -> Option<u16> {
        let first = self.avps.first()?;
        (first.vendor_id == 0 && first.attr_type == attr::MESSAGE_TYPE && !first.hidden)
            .then(|| first.u16_value())
            .flatten()
    }

    /// The first IETF AVP of `attr_type`.
    pub fn avp(&self, attr_type: u16) -> Option<&Avp> {
        self.avps
            .iter()
            .find(|a| a.vendor_id == 0 && a.attr_type == attr_type)
    }

    /// The message with its header (T, L, S set, version 2). AVP values longer than the 10-bit
    /// length allows are cut.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::new();
        for a in &self.avps {
            let value = &a.value[..a
                .value
                .len()
                .min(usize::from(AVP_LENGTH_MASK) - AVP_HEADER_LEN)];
            let mut bits = (value.len() + AVP_HEADER_LEN) as u16;
            if a.mandatory {
                bits |= AVP_MANDATORY;
            }
            if a.hidden {
                bits |= AVP_HIDDEN;
            }
            body.extend_from_slice(&bits.to_be_bytes());
            body.extend_from_slice(&a.vendor_id.to_be_bytes());
            body.extend_from_slice(&a.attr_type.to_be_bytes());
            body.extend_from_slice(value);
        }
        let mut out = Vec::with_capacity(12 + body.len());
        out.extend_from_slice(&(FLAG_TYPE | FLAG_LENGTH | FLAG_SEQUENCE | VERSION).to_be_bytes());
        out.extend_from_slice(&((12 + body.len()).min(usize::from(u16::MAX)) as u16).to_be_bytes());
        for v in [self.tunnel_id, self.session_id, self.ns, self.nr] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&body);
        out
    }

    /// Decodes one control message from a datagram (bytes after `Length` are ignored).
    pub fn decode(buf: &[u8]) -> Result<ControlMessage, L2tpError> {
        let mut outer = Reader::<L2tpError>::new(buf);
        let flags = outer.u16_be()?;
        if flags & FLAG_TYPE == 0 {
            return Err(L2tpError::NotControl);
        }
        let version = flags & VERSION_MASK;
        if version != VERSION {
            return Err(L2tpError::BadVersion(version));
        }
        if flags & FLAG_LENGTH == 0 {
            return Err(L2tpError::MissingFlag("L"));
        }
        if flags & FLAG_SEQUENCE == 0 {
            return Err(L2tpError::MissingFlag("S"));
        }
        let length = outer.u16_be()?;
        if length < 12 {
            return Err(L2tpError::BadLength(length));
        }
        let mut r = Reader::<L2tpError>::new(buf).sub(usize::from(length))?;
        r.take(4)?;
        let tunnel_id = r.u16_be()?;
        let session_id = r.u16_be()?;
        let ns = r.u16_be()?;
        let nr = r.u16_be()?;
        if flags & FLAG_OFFSET != 0 {
            let pad = usize::from(r.u16_be()?);
            r.take(pad)?;
        }
        let mut avps = Vec::new();
        while !r.is_empty() {
            let bits = r.u16_be()?;
            let len = bits & AVP_LENGTH_MASK;
            if usize::from(len) < AVP_HEADER_LEN {
                return Err(L2tpError::BadAvpLength(len));
            }
            // The length counts the two bytes just read.
            let mut a = r.sub(usize::from(len) - 2)?;
            let vendor_id = a.u16_be()?;
            let attr_type = a.u16_be()?;
            avps.push(Avp {
                mandatory: bits & AVP_MANDATORY != 0,
                hidden: bits & AVP_HIDDEN != 0,
                vendor_id,
                attr_type,
                value: a.rest().to_vec(),
            });
        }
        let msg = ControlMessage {
            tunnel_id,
            session_id,
            ns,
            nr,
            avps,
        };
        if !msg.avps.is_empty() && msg.message_type().is_none() {
            return Err(L2tpError::NoMessageType);
        }
        Ok(msg)
    }
}

/// Our SCCRQ (§6.1): Message Type, Protocol Version 1.0, Host Name, Framing Capabilities (both),
/// Assigned Tunnel ID `our_tunnel`. Tunnel ID 0 in the header, Ns = Nr = 0.
pub fn sccrq(our_tunnel: u16) -> ControlMessage {
    ControlMessage {
        tunnel_id: 0,
        session_id: 0,
        ns: 0,
        nr: 0,
        avps: vec![
            Avp::ietf(attr::MESSAGE_TYPE, &SCCRQ.to_be_bytes()),
            Avp::ietf(attr::PROTOCOL_VERSION, &[1, 0]),
            Avp::ietf(attr::HOST_NAME, CLIENT_HOST_NAME.as_bytes()),
            Avp::ietf(
                attr::FRAMING_CAPABILITIES,
                &(FRAMING_SYNC | FRAMING_ASYNC).to_be_bytes(),
            ),
            Avp::ietf(attr::ASSIGNED_TUNNEL_ID, &our_tunnel.to_be_bytes()),
        ],
    }
}

/// StopCCN (§6.4) for the tunnel the server assigned, acknowledging its SCCRP (Nr = its Ns + 1).
/// Result Code 1: "General request to clear control connection" (§4.4.2).
pub fn stop_ccn(our_tunnel: u16, server_tunnel: u16, server_ns: u16) -> ControlMessage {
    ControlMessage {
        tunnel_id: server_tunnel,
        session_id: 0,
        ns: 1,
        nr: server_ns.wrapping_add(1),
        avps: vec![
            Avp::ietf(attr::MESSAGE_TYPE, &STOP_CCN.to_be_bytes()),
            Avp::ietf(attr::ASSIGNED_TUNNEL_ID, &our_tunnel.to_be_bytes()),
            Avp::ietf(attr::RESULT_CODE, &1u16.to_be_bytes()),
        ],
    }
}

/// §3.2 message type names.
pub fn message_type_name(t: u16) -> String {
    match t {
        SCCRQ => "SCCRQ".into(),
        SCCRP => "SCCRP".into(),
        SCCCN => "SCCCN".into(),
        STOP_CCN => "StopCCN".into(),
        HELLO => "HELLO".into(),
        7 => "OCRQ".into(),
        8 => "OCRP".into(),
        9 => "OCCN".into(),
        10 => "ICRQ".into(),
        11 => "ICRP".into(),
        12 => "ICCN".into(),
        14 => "CDN".into(),
        15 => "WEN".into(),
        16 => "SLI".into(),
        other => format!("type {other}"),
    }
}

fn bit_names(value: u32, names: &[(u32, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    for &(bit, name) in names {
        if value & bit != 0 {
            out.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push(format!("0x{rest:08x}"));
    }
    out
}

fn empty(port: u16, result: VpnProbeResult) -> L2tpObservation {
    L2tpObservation {
        port,
        result,
        attempts: 0,
        message_type: None,
        protocol_version: None,
        host_name: None,
        vendor_name: None,
        firmware_revision: None,
        assigned_tunnel_id: None,
        framing_capabilities: Vec::new(),
        bearer_capabilities: Vec::new(),
        result_code: None,
        error_code: None,
        error_message: None,
        challenge_present: None,
        hidden_avps: Vec::new(),
        detail: None,
        notes: Vec::new(),
    }
}

/// The observation of the server's answer (an SCCRP, or a StopCCN refusing us). Hidden AVPs
/// are listed, never read: their values are encrypted with the tunnel secret.
pub fn observe(port: u16, msg: &ControlMessage) -> L2tpObservation {
    let mut obs = empty(port, VpnProbeResult::Answered);
    obs.message_type = msg.message_type().map(message_type_name);
    let visible = |t: u16| msg.avp(t).filter(|a| !a.hidden);
    obs.protocol_version = visible(attr::PROTOCOL_VERSION)
        .filter(|a| a.value.len() == 2)
        .map(|a| format!("{}.{}", a.value[0], a.value[1]));
    obs.host_name = visible(attr::HOST_NAME).and_then(|a| printable(&a.value));
    obs.vendor_name = visible(attr::VENDOR_NAME).and_then(|a| printable(&a.value));
    obs.firmware_revision = visible(attr::FIRMWARE_REVISION).and_then(Avp::u16_value);
    obs.assigned_tunnel_id = visible(attr::ASSIGNED_TUNNEL_ID).and_then(Avp::u16_value);
    obs.framing_capabilities = visible(attr::FRAMING_CAPABILITIES)
        .and_then(Avp::u32_value)
        .map(|v| {
            bit_names(
                v,
                &[
                    (FRAMING_SYNC, "synchronous"),
                    (FRAMING_ASYNC, "asynchronous"),
                ],
            )
        })
        .unwrap_or_default();
    obs.bearer_capabilities = visible(attr::BEARER_CAPABILITIES)
        .and_then(Avp::u32_value)
        .map(|v| bit_names(v, &[(BEARER_DIGITAL, "digital"), (BEARER_ANALOG, "analog")]))
        .unwrap_or_default();
    if let Some(rc) = visible(attr::RESULT_CODE) {
        let mut r = Reader::<L2tpError>::new(&rc.value);
        obs.result_code = r.u16_be().ok();
        obs.error_code = r.u16_be().ok();
        obs.error_message = printable(r.rest());
    }
    obs.challenge_present = Some(msg.avp(attr::CHALLENGE).is_some());
    obs.hidden_avps = msg
        .avps
        .iter()
        .filter(|a| a.hidden)
        .map(|a| a.attr_type)
        .collect();
    obs.detail = Some(match msg.message_type() {
        Some(SCCRP) => "L2TP LNS: answered SCCRQ with SCCRP over bare UDP".to_string(),
        Some(t) => format!("L2TP: answered SCCRQ with {}", message_type_name(t)),
        None => "L2TP: acknowledged SCCRQ without a reply".to_string(),
    });
    obs
}

/// The L2TP probe at `addr`, with [`Retries::default`].
pub async fn audit_l2tp(addr: SocketAddr, deadline: Instant) -> L2tpObservation {
    audit_l2tp_with(addr, deadline, Retries::default()).await
}

/// The L2TP probe at `addr`: SCCRQ (retried), SCCRP read, StopCCN sent.
pub async fn audit_l2tp_with(
    addr: SocketAddr,
    deadline: Instant,
    retries: Retries,
) -> L2tpObservation {
    let port = addr.port();
    let ex = match UdpExchange::connect(addr).await {
        Ok(ex) => ex,
        Err(e) => {
            return L2tpObservation {
                detail: Some(format!("UDP socket: {e}")),
                ..empty(port, VpnProbeResult::NotTested)
            }
        }
    };
    // Never 0: tunnel id 0 means "not yet assigned" in the header.
    let ours = (super::nonce64() as u16).max(1);
    let request = sccrq(ours).encode();
    // ZLB acknowledgements and messages for another tunnel are skipped; bytes that are not L2TP
    // at all end the wait so they can be reported.
    let accept = |d: &[u8]| match ControlMessage::decode(d) {
        Ok(m) => m.message_type().is_some() && m.tunnel_id == ours,
        Err(_) => true,
    };
    match ex.exchange(&request, retries, deadline, accept).await {
        UdpOutcome::Answer { datagram, attempt } => {
            let mut obs = match ControlMessage::decode(&datagram) {
                Ok(msg) => {
                    let obs = observe(port, &msg);
                    if msg.message_type() == Some(SCCRP) {
                        if let Some(server_tunnel) = obs.assigned_tunnel_id {
                            ex.send_once(&stop_ccn(ours, server_tunnel, msg.ns).encode(), deadline)
                                .await;
                        }
                    }
                    obs
                }
                Err(e) => L2tpObservation {
                    detail: Some(format!("not L2TP: {e}")),
                    ..empty(port, VpnProbeResult::Unrecognised)
                },
            };
            obs.attempts = attempt;
            obs
        }
        UdpOutcome::Refused { attempts } => L2tpObservation {
            attempts,
            detail: Some("ICMP port unreachable: nothing listens on the port".into()),
            ..empty(port, VpnProbeResult::Refused)
        },
        UdpOutcome::Silent { attempts, ignored } => {
            let mut obs = L2tpObservation {
                attempts,
                detail: Some(
                    "no answer — closed, filtered, or L2TP only accepted inside IPsec".into(),
                ),
                ..empty(port, VpnProbeResult::NoAnswer)
            };
            if ignored > 0 {
                obs.notes.push(format!(
                    "{ignored} datagram(s) that did not answer our tunnel were ignored"
                ));
            }
            obs
        }
        UdpOutcome::Local(e) => L2tpObservation {
            detail: Some(e),
            ..empty(port, VpnProbeResult::NotTested)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xl2tpd 1.3.18's SCCRP (hostname `lab-lns`), captured on loopback.
    const XL2TPD_SCCRP: &str = "c8020068109200000000000180080000000000028008000000020100800a\
        0000000300000003800a00000004000000000008000000060690800d000000076c61622d6c6e730013000000\
        0878656c6572616e63652e636f6d800800000009223980080000000a0004";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn sccrq_layout_follows_rfc_2661() {
        let bytes = sccrq(0x1092).encode();
        assert_eq!(&bytes[..2], &[0xc8, 0x02]);
        assert_eq!(
            usize::from(u16::from_be_bytes([bytes[2], bytes[3]])),
            bytes.len()
        );
        assert_eq!(&bytes[4..12], &[0; 8]);
        // Message Type AVP: M bit, length 8, vendor 0, type 0, SCCRQ.
        assert_eq!(&bytes[12..20], &[0x80, 0x08, 0, 0, 0, 0, 0, 1]);
        let back = ControlMessage::decode(&bytes).unwrap();
        assert_eq!(back, sccrq(0x1092));
        assert_eq!(back.message_type(), Some(SCCRQ));
        let stop = ControlMessage::decode(&stop_ccn(1, 2, 0).encode()).unwrap();
        assert_eq!(stop.message_type(), Some(STOP_CCN));
        assert_eq!((stop.tunnel_id, stop.ns, stop.nr), (2, 1, 1));
    }

    #[test]
    fn xl2tpd_sccrp_is_observed() {
        let msg = ControlMessage::decode(&unhex(XL2TPD_SCCRP)).unwrap();
        assert_eq!(msg.tunnel_id, 0x1092);
        assert_eq!(msg.message_type(), Some(SCCRP));
        let obs = observe(1701, &msg);
        assert_eq!(obs.message_type.as_deref(), Some("SCCRP"));
        assert_eq!(obs.protocol_version.as_deref(), Some("1.0"));
        assert_eq!(obs.host_name.as_deref(), Some("lab-lns"));
        assert_eq!(obs.vendor_name.as_deref(), Some("xelerance.com"));
        assert_eq!(obs.firmware_revision, Some(0x0690));
        assert_eq!(obs.assigned_tunnel_id, Some(0x2239));
        assert_eq!(obs.framing_capabilities, ["synchronous", "asynchronous"]);
        assert!(obs.bearer_capabilities.is_empty());
        assert_eq!(obs.challenge_present, Some(false));
        assert!(obs.hidden_avps.is_empty());
        assert_eq!(msg.encode(), unhex(XL2TPD_SCCRP));
    }

    #[test]
    fn stop_ccn_result_code_and_hidden_avps() {
        let mut msg = stop_ccn(5, 6, 0);
        msg.avps[2].value = b"\x00\x02\x00\x06no way".to_vec();
        msg.avps.push(Avp {
            hidden: true,
            ..Avp::ietf(attr::VENDOR_NAME, b"\x01\x02")
        });
        let obs = observe(1701, &ControlMessage::decode(&msg.encode()).unwrap());
        assert_eq!(obs.message_type.as_deref(), Some("StopCCN"));
        assert_eq!(obs.result_code, Some(2));
        assert_eq!(obs.error_code, Some(6));
        assert_eq!(obs.error_message.as_deref(), Some("no way"));
        assert_eq!(obs.hidden_avps, [attr::VENDOR_NAME]);
        assert_eq!(obs.vendor_name, None);
    }

    #[test]
    fn broken_messages_are_errors_not_panics() {
        let good = unhex(XL2TPD_SCCRP);
        for n in 0..good.len() {
            assert!(ControlMessage::decode(&good[..n]).is_err(), "{n}");
        }
        assert_eq!(
            ControlMessage::decode(&[0x00, 0x02]),
            Err(L2tpError::NotControl)
        );
        assert_eq!(
            ControlMessage::decode(&[0xc8, 0x03]),
            Err(L2tpError::BadVersion(3))
        );
        assert_eq!(
            ControlMessage::decode(&[0x88, 0x02]),
            Err(L2tpError::MissingFlag("L"))
        );
        let mut bad = good.clone();
        bad[12..14].copy_from_slice(&[0x80, 0x02]);
        assert_eq!(
            ControlMessage::decode(&bad),
            Err(L2tpError::BadAvpLength(2))
        );
        let mut bad = good.clone();
        bad[2..4].copy_from_slice(&[0, 4]);
        assert_eq!(ControlMessage::decode(&bad), Err(L2tpError::BadLength(4)));
        // A ZLB (header only) is a valid message without a type.
        let zlb = ControlMessage {
            avps: vec![],
            ..sccrq(1)
        };
        let back = ControlMessage::decode(&zlb.encode()).unwrap();
        assert_eq!(back.message_type(), None);
    }
}
