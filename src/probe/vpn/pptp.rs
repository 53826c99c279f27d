//! PPTP (RFC 2637): the control connection's first exchange, Start-Control-Connection-Request
//! (SCCRQ, §2.1) and Start-Control-Connection-Reply (SCCRP, §2.2), on TCP 1723.
//!
//! Every control message starts with the same 12-byte header (§1.4): `Length` (u16, the whole
//! message), `PPTP Message Type` (u16, 1 = control), `Magic Cookie` (u32 0x1A2B3C4D),
//! `Control Message Type` (u16) and `Reserved0` (u16). All integers are big-endian. SCCRQ and
//! SCCRP are both 156 bytes; their `Host Name` and `Vendor String` are 64-byte fields padded
//! with NULs.
//!
//! The probe sends SCCRQ, reads SCCRP, then says goodbye with Stop-Control-Connection-Request
//! (§2.3) so the server does not log a broken connection; no call is ever set up.

use std::net::SocketAddr;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::observation::{PptpObservation, VpnProbeResult};
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::tcp::{self, ConnectOutcome};
use crate::probe::HostContext;
use crate::wire::{Reader, ShortRead};

use super::padded_text;

/// §1.4: the Magic Cookie every control message carries.
pub const MAGIC_COOKIE: u32 = 0x1A2B_3C4D;
/// §1.4 `PPTP Message Type` of control messages.
pub const MESSAGE_TYPE_CONTROL: u16 = 1;
/// §1.4 Control Message Types used here.
pub const START_CONTROL_CONNECTION_REQUEST: u16 = 1;
pub const START_CONTROL_CONNECTION_REPLY: u16 = 2;
pub const STOP_CONTROL_CONNECTION_REQUEST: u16 = 3;
pub const STOP_CONTROL_CONNECTION_REPLY: u16 = 4;
/// Length of the common control message header.
pub const HEADER_LEN: usize = 12;
/// Length of SCCRQ and SCCRP (§2.1, §2.2).
pub const START_LEN: usize = 156;
/// Length of Stop-Control-Connection-Request (§2.3).
pub const STOP_LEN: usize = 16;
/// The one protocol version defined (§2.1): major 1, minor 0.
pub const PROTOCOL_VERSION: u16 = 0x0100;
/// §2.1 Framing Capabilities bits.
pub const FRAMING_ASYNC: u32 = 0x1;
pub const FRAMING_SYNC: u32 = 0x2;
/// §2.1 Bearer Capabilities bits.
pub const BEARER_ANALOG: u32 = 0x1;
pub const BEARER_DIGITAL: u32 = 0x2;
/// Our `Host Name`: says who is asking, so a server log names the audit.
pub const CLIENT_HOST_NAME: &str = "edgeaudit";
/// Our `Vendor String`.
pub const CLIENT_VENDOR: &str = "edgeaudit VPN probe";
/// Default port (§1.3).
pub const PORT: u16 = 1723;
/// Deadline of the whole exchange on one connection.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long we wait for the server's Stop-Control-Connection-Reply before closing anyway.
pub const GOODBYE_WAIT: Duration = Duration::from_millis(500);
/// Most bytes read for the reply: one SCCRP, with room for a server that pads it.
pub const MAX_REPLY: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PptpError {
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("PPTP length {0} is impossible")]
    BadLength(u16),
    #[error("PPTP message type {0} (expected 1, control)")]
    NotControl(u16),
    #[error("magic cookie 0x{0:08x} (expected 0x1a2b3c4d)")]
    BadCookie(u32),
    #[error("control message type {0} where a Start-Control-Connection-Reply was expected")]
    UnexpectedMessage(u16),
}

impl From<ShortRead> for PptpError {
    fn from(e: ShortRead) -> Self {
        PptpError::Truncated { needed: e.needed }
    }
}

fn u32_be(r: &mut Reader<'_, PptpError>) -> Result<u32, PptpError> {
    let b = r.take(4)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The common control message header (§1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlHeader {
    pub length: u16,
    pub message_type: u16,
    pub control_type: u16,
}

impl ControlHeader {
    /// Decodes the header and checks length, message type and cookie.
    pub fn decode(buf: &[u8]) -> Result<ControlHeader, PptpError> {
        let mut r = Reader::<PptpError>::new(buf);
        let length = r.u16_be()?;
        let message_type = r.u16_be()?;
        let cookie = u32_be(&mut r)?;
        let control_type = r.u16_be()?;
        let _reserved0 = r.u16_be()?;
        if cookie != MAGIC_COOKIE {
            return Err(PptpError::BadCookie(cookie));
        }
        if message_type != MESSAGE_TYPE_CONTROL {
            return Err(PptpError::NotControl(message_type));
        }
        if usize::from(length) < HEADER_LEN {
            return Err(PptpError::BadLength(length));
        }
        Ok(ControlHeader {
            length,
            message_type,
            control_type,
        })
    }
}

fn header(out: &mut Vec<u8>, length: usize, control_type: u16) {
    // Both callers pass a fixed length far below u16::MAX.
    out.extend_from_slice(&(length as u16).to_be_bytes());
    out.extend_from_slice(&MESSAGE_TYPE_CONTROL.to_be_bytes());
    out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    out.extend_from_slice(&control_type.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
}

/// Start-Control-Connection-Request (§2.1) or -Reply (§2.2); the two share one layout except
/// that the reply has `Result Code` and `Error Code` where the request has `Reserved1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartControlConnection {
    pub control_type: u16,
    pub protocol_version: u16,
    /// Reply only (request: 0).
    pub result_code: u8,
    /// Reply only (request: 0).
    pub error_code: u8,
    pub framing: u32,
    pub bearer: u32,
    pub maximum_channels: u16,
    pub firmware_revision: u16,
    /// The raw 64-byte fields.
    pub host_name: [u8; 64],
    pub vendor: [u8; 64],
}

impl StartControlConnection {
    /// Our request: version 1.0, both framings, both bearers, no channels (a client, §2.1 says
    /// Maximum Channels is 0 for a PNS), firmware 0.
    pub fn request() -> StartControlConnection {
        let mut host_name = [0u8; 64];
        host_name[..CLIENT_HOST_NAME.len()].copy_from_slice(CLIENT_HOST_NAME.as_bytes());
        let mut vendor = [0u8; 64];
        vendor[..CLIENT_VENDOR.len()].copy_from_slice(CLIENT_VENDOR.as_bytes());
        StartControlConnection {
            control_type: START_CONTROL_CONNECTION_REQUEST,
            protocol_version: PROTOCOL_VERSION,
            result_code: 0,
            error_code: 0,
            framing: FRAMING_ASYNC | FRAMING_SYNC,
            bearer: BEARER_ANALOG | BEARER_DIGITAL,
            maximum_channels: 0,
            firmware_revision: 0,
            host_name,
            vendor,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(START_LEN);
        header(&mut out, START_LEN, self.control_type);
        out.extend_from_slice(&self.protocol_version.to_be_bytes());
        out.push(self.result_code);
        out.push(self.error_code);
        out.extend_from_slice(&self.framing.to_be_bytes());
        out.extend_from_slice(&self.bearer.to_be_bytes());
        out.extend_from_slice(&self.maximum_channels.to_be_bytes());
        out.extend_from_slice(&self.firmware_revision.to_be_bytes());
        out.extend_from_slice(&self.host_name);
        out.extend_from_slice(&self.vendor);
        out
    }

    /// Decodes one SCCRQ or SCCRP from the start of `buf` (bytes after it are ignored).
    pub fn decode(buf: &[u8]) -> Result<StartControlConnection, PptpError> {
        let head = ControlHeader::decode(buf)?;
        if !matches!(
            head.control_type,
            START_CONTROL_CONNECTION_REQUEST | START_CONTROL_CONNECTION_REPLY
        ) {
            return Err(PptpError::UnexpectedMessage(head.control_type));
        }
        if usize::from(head.length) < START_LEN {
            return Err(PptpError::BadLength(head.length));
        }
        let mut r = Reader::<PptpError>::new(buf);
        let mut r = r.sub(usize::from(head.length))?;
        r.take(HEADER_LEN)?;
        let protocol_version = r.u16_be()?;
        let result_code = r.u8()?;
        let error_code = r.u8()?;
        let framing = u32_be(&mut r)?;
        let bearer = u32_be(&mut r)?;
        let maximum_channels = r.u16_be()?;
        let firmware_revision = r.u16_be()?;
        let mut host_name = [0u8; 64];
        host_name.copy_from_slice(r.take(64)?);
        let mut vendor = [0u8; 64];
        vendor.copy_from_slice(r.take(64)?);
        Ok(StartControlConnection {
            control_type: head.control_type,
            protocol_version,
            result_code,
            error_code,
            framing,
            bearer,
            maximum_channels,
            firmware_revision,
            host_name,
            vendor,
        })
    }
}

/// Stop-Control-Connection-Request (§2.3) with Reason 1, "General request to clear control
/// connection".
pub fn stop_request() -> Vec<u8> {
    let mut out = Vec::with_capacity(STOP_LEN);
    header(&mut out, STOP_LEN, STOP_CONTROL_CONNECTION_REQUEST);
    out.extend_from_slice(&[1, 0, 0, 0]);
    out
}

/// Whether `buf` holds one whole control message (or can never become one: a broken header
/// ends the read, and decoding then says why).
pub fn message_complete(buf: &[u8]) -> bool {
    match ControlHeader::decode(buf) {
        Ok(h) => buf.len() >= usize::from(h.length),
        Err(PptpError::Truncated { .. }) => false,
        Err(_) => true,
    }
}

/// §2.2 Result Code names.
pub fn result_name(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "successful channel establishment",
        2 => "general error",
        3 => "command channel already exists",
        4 => "requester is not authorized to establish a command channel",
        5 => "the protocol version of the requester is not supported",
        _ => return None,
    })
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

/// The observation of a decoded reply.
pub fn observe(port: u16, reply: &StartControlConnection) -> PptpObservation {
    let mut obs = empty(port, VpnProbeResult::Answered);
    obs.protocol_version = Some(format!(
        "{}.{}",
        reply.protocol_version >> 8,
        reply.protocol_version & 0xff
    ));
    obs.result_code = Some(reply.result_code);
    obs.result_name = result_name(reply.result_code).map(str::to_string);
    obs.error_code = Some(reply.error_code);
    obs.framing_capabilities = bit_names(
        reply.framing,
        &[
            (FRAMING_ASYNC, "asynchronous"),
            (FRAMING_SYNC, "synchronous"),
        ],
    );
    obs.bearer_capabilities = bit_names(
        reply.bearer,
        &[(BEARER_ANALOG, "analog"), (BEARER_DIGITAL, "digital")],
    );
    obs.maximum_channels = Some(reply.maximum_channels);
    obs.firmware_revision = Some(reply.firmware_revision);
    obs.host_name = padded_text(&reply.host_name);
    obs.vendor = padded_text(&reply.vendor);
    obs
}

fn empty(port: u16, result: VpnProbeResult) -> PptpObservation {
    PptpObservation {
        port,
        result,
        protocol_version: None,
        result_code: None,
        result_name: None,
        error_code: None,
        framing_capabilities: Vec::new(),
        bearer_capabilities: Vec::new(),
        maximum_channels: None,
        firmware_revision: None,
        host_name: None,
        vendor: None,
        detail: None,
        notes: Vec::new(),
    }
}

fn with_detail(port: u16, result: VpnProbeResult, detail: impl Into<String>) -> PptpObservation {
    PptpObservation {
        detail: Some(detail.into()),
        ..empty(port, result)
    }
}

/// The PPTP probe on `port` of a scanned host, through the host's slots, budget and deadline.
pub async fn audit_pptp_in(ctx: &HostContext, port: u16) -> PptpObservation {
    match tcp::connect(ctx, port).await {
        ConnectOutcome::Open { mut conn, .. } => {
            let per = EXCHANGE_TIMEOUT.max(ctx.config.exchange_timeout);
            let deadline = ctx.deadline.min(Instant::now() + per);
            exchange(&mut conn.stream, port, deadline).await
        }
        ConnectOutcome::Closed { .. } => {
            with_detail(port, VpnProbeResult::Refused, "connection refused")
        }
        ConnectOutcome::Filtered { reason } => with_detail(port, VpnProbeResult::NoAnswer, reason),
        ConnectOutcome::NotTested { reason, .. } => {
            with_detail(port, VpnProbeResult::NotTested, reason)
        }
    }
}

/// The PPTP probe at `addr`, connecting directly (tests, tools).
pub async fn audit_pptp(addr: SocketAddr, deadline: Instant) -> PptpObservation {
    let port = addr.port();
    match timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => with_detail(
            port,
            VpnProbeResult::NoAnswer,
            "connect: no answer before the deadline",
        ),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            with_detail(port, VpnProbeResult::Refused, "connection refused")
        }
        Ok(Err(e)) => with_detail(port, VpnProbeResult::NotTested, format!("connect: {e}")),
        Ok(Ok(mut stream)) => exchange(&mut stream, port, deadline).await,
    }
}

/// SCCRQ out, SCCRP in, StopCCRQ out; on an open connection.
pub async fn exchange(stream: &mut TcpStream, port: u16, deadline: Instant) -> PptpObservation {
    let request = StartControlConnection::request().encode();
    if let Err(end) = bounded::write_all(stream, &request, deadline).await {
        return with_detail(
            port,
            end_result(&end),
            format!("Start-Control-Connection-Request: {}", end.describe()),
        );
    }
    let (bytes, end) =
        bounded::read_until(stream, deadline, MAX_REPLY, None, message_complete).await;
    if bytes.is_empty() {
        return with_detail(
            port,
            end_result(&end),
            format!("Start-Control-Connection-Reply: {}", end.describe()),
        );
    }
    let mut obs = match StartControlConnection::decode(&bytes) {
        Ok(reply) if reply.control_type == START_CONTROL_CONNECTION_REPLY => observe(port, &reply),
        Ok(_) => with_detail(
            port,
            VpnProbeResult::ProtocolError,
            "the server answered with a Start-Control-Connection-Request",
        ),
        Err(PptpError::Truncated { .. }) if ControlHeader::decode(&bytes).is_ok() => with_detail(
            port,
            VpnProbeResult::ProtocolError,
            format!(
                "Start-Control-Connection-Reply cut short: {}",
                end.describe()
            ),
        ),
        Err(e @ (PptpError::UnexpectedMessage(_) | PptpError::BadLength(_))) => {
            with_detail(port, VpnProbeResult::ProtocolError, e.to_string())
        }
        Err(e) => with_detail(port, VpnProbeResult::Unrecognised, format!("not PPTP: {e}")),
    };
    if obs.result == VpnProbeResult::Answered {
        // Politeness only: the server's Stop-Control-Connection-Reply is read so our close does
        // not reset the connection under it, and nothing depends on it.
        let goodbye = deadline.min(Instant::now() + GOODBYE_WAIT);
        if bounded::write_all(stream, &stop_request(), goodbye)
            .await
            .is_ok()
        {
            let (reply, _) =
                bounded::read_until(stream, goodbye, MAX_REPLY, None, message_complete).await;
            if !matches!(ControlHeader::decode(&reply), Ok(h) if h.control_type == STOP_CONTROL_CONNECTION_REPLY)
            {
                obs.notes
                    .push("no Stop-Control-Connection-Reply to our goodbye".into());
            }
        }
    }
    obs
}

fn end_result(end: &End) -> VpnProbeResult {
    match end {
        End::Timeout => VpnProbeResult::NoAnswer,
        e if e.is_closed() => VpnProbeResult::Unrecognised,
        _ => VpnProbeResult::ProtocolError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_layout_follows_rfc_2637() {
        let req = StartControlConnection::request().encode();
        assert_eq!(req.len(), START_LEN);
        // Length 156, control message, magic cookie, SCCRQ, reserved.
        assert_eq!(
            &req[..HEADER_LEN],
            &[0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00]
        );
        // Version 1.0, reserved, framing 3, bearer 3, max channels 0, firmware 0.
        assert_eq!(
            &req[12..28],
            &[1, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0]
        );
        assert_eq!(&req[28..37], b"edgeaudit");
        assert!(req[37..92].iter().all(|&b| b == 0));
        assert_eq!(&req[92..111], CLIENT_VENDOR.as_bytes());
        assert_eq!(
            StartControlConnection::decode(&req).unwrap(),
            StartControlConnection::request()
        );
        let stop = stop_request();
        assert_eq!(stop.len(), STOP_LEN);
        assert_eq!(ControlHeader::decode(&stop).unwrap().control_type, 3);
    }

    fn reply() -> Vec<u8> {
        let mut r = StartControlConnection::request();
        r.control_type = START_CONTROL_CONNECTION_REPLY;
        r.result_code = 1;
        r.framing = 1;
        r.bearer = 1;
        r.maximum_channels = 1;
        r.firmware_revision = 1;
        r.host_name = [0; 64];
        r.host_name[..5].copy_from_slice(b"local");
        r.vendor = [0; 64];
        r.vendor[..5].copy_from_slice(b"linux");
        r.encode()
    }

    #[test]
    fn reply_is_observed() {
        let bytes = reply();
        assert!(message_complete(&bytes));
        assert!(!message_complete(&bytes[..100]));
        let obs = observe(1723, &StartControlConnection::decode(&bytes).unwrap());
        assert_eq!(obs.result, VpnProbeResult::Answered);
        assert_eq!(obs.protocol_version.as_deref(), Some("1.0"));
        assert_eq!(obs.result_code, Some(1));
        assert_eq!(
            obs.result_name.as_deref(),
            Some("successful channel establishment")
        );
        assert_eq!(obs.framing_capabilities, ["asynchronous"]);
        assert_eq!(obs.bearer_capabilities, ["analog"]);
        assert_eq!(obs.host_name.as_deref(), Some("local"));
        assert_eq!(obs.vendor.as_deref(), Some("linux"));
    }

    #[test]
    fn broken_replies_are_errors_not_panics() {
        let good = reply();
        for n in 0..good.len() {
            assert!(matches!(
                StartControlConnection::decode(&good[..n]),
                Err(PptpError::Truncated { .. })
            ));
        }
        let mut bad = good.clone();
        bad[4] = 0;
        assert_eq!(
            StartControlConnection::decode(&bad),
            Err(PptpError::BadCookie(0x002b_3c4d))
        );
        let mut bad = good.clone();
        bad[0..2].copy_from_slice(&20u16.to_be_bytes());
        assert_eq!(
            StartControlConnection::decode(&bad),
            Err(PptpError::BadLength(20))
        );
        assert!(!message_complete(&bad[..12]));
        assert!(message_complete(&bad[..20]));
        let mut bad = good.clone();
        bad[3] = 2;
        assert_eq!(
            StartControlConnection::decode(&bad),
            Err(PptpError::NotControl(2))
        );
        assert_eq!(
            StartControlConnection::decode(&stop_request()),
            Err(PptpError::UnexpectedMessage(3))
        );
        assert!(StartControlConnection::decode(b"HTTP/1.1 400 Bad Request\r\n\r\n").is_err());
        // A longer declared length is fine as long as the bytes are there.
        let mut long = good.clone();
        long[0..2].copy_from_slice(&160u16.to_be_bytes());
        long.extend_from_slice(&[0; 4]);
        assert!(StartControlConnection::decode(&long).is_ok());
    }
}
