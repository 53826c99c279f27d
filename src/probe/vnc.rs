//! VNC (RFB, RFC 6143): which security types a server offers, read without authenticating.
//!
//! One connection: read the server's ProtocolVersion (§7.1.1), answer with the version the server
//! announced (3.3, 3.7 or 3.8; anything else as §7.1.1 allows), read the security message
//! (§7.1.2; RFB 3.3: the U32 type the server chose, RFB 3.3 spec §6.2.2), close. We never choose a
//! type, so no authentication and no session ever starts.

use std::net::SocketAddr;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::observation::{VncAudit, VncSecurityType};
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::identify::wire_text;
use crate::probe::tcp::{self, ConnectOutcome};
use crate::probe::HostContext;
use crate::wire::{Reader, ShortRead};

/// Deadline of the whole exchange on one connection.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest security message read: a count byte and 255 types, or a failure reason.
pub const MAX_SECURITY_MESSAGE: usize = 4096;
/// Bytes of a failure reason read (what fits in [`MAX_SECURITY_MESSAGE`] after the 3.3 header).
pub const MAX_REASON_BYTES: usize = MAX_SECURITY_MESSAGE - 8;
/// Characters of a failure reason kept.
pub const MAX_REASON_CHARS: usize = 512;

/// Why RFB bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VncError {
    #[error("message incomplete ({} more bytes needed)", .0.needed)]
    Short(ShortRead),
    #[error("not an RFB ProtocolVersion message: {0}")]
    NotRfb(String),
}

impl From<ShortRead> for VncError {
    fn from(s: ShortRead) -> Self {
        VncError::Short(s)
    }
}

/// The RFB versions a client can speak (§7.1.1 names only these three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RfbVersion {
    V3_3,
    V3_7,
    V3_8,
}

impl RfbVersion {
    /// Our answer for a server's `major.minor`. §7.1.1: other minor numbers (3.5 of old
    /// clients, Apple's 3.889, RealVNC 4.x, UltraVNC 3.14/3.16) are to be treated as 3.3 unless
    /// they are known to speak later versions; servers above 3.8 accept 3.8.
    pub fn answer_for(major: u16, minor: u16) -> RfbVersion {
        match (major, minor) {
            (3, 7) => RfbVersion::V3_7,
            (3, m) if m >= 8 => RfbVersion::V3_8,
            (m, _) if m > 3 => RfbVersion::V3_8,
            _ => RfbVersion::V3_3,
        }
    }

    pub fn wire(self) -> &'static [u8; 12] {
        match self {
            RfbVersion::V3_3 => b"RFB 003.003\n",
            RfbVersion::V3_7 => b"RFB 003.007\n",
            RfbVersion::V3_8 => b"RFB 003.008\n",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RfbVersion::V3_3 => "3.3",
            RfbVersion::V3_7 => "3.7",
            RfbVersion::V3_8 => "3.8",
        }
    }
}

/// A decoded ProtocolVersion message: `RFB xxx.yyy\n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolVersion {
    pub major: u16,
    pub minor: u16,
}

impl ProtocolVersion {
    pub const LEN: usize = 12;

    pub fn decode(buf: &[u8]) -> Result<ProtocolVersion, VncError> {
        let mut r = Reader::<VncError>::new(buf);
        let v = r.take(Self::LEN)?;
        let digits = |b: &[u8]| -> Option<u16> {
            if b.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(b).ok()?.parse().ok()
            } else {
                None
            }
        };
        let bad = || VncError::NotRfb(v.escape_ascii().to_string());
        if &v[..4] != b"RFB " || v[7] != b'.' || v[11] != b'\n' {
            return Err(bad());
        }
        match (digits(&v[4..7]), digits(&v[8..11])) {
            (Some(major), Some(minor)) => Ok(ProtocolVersion { major, minor }),
            _ => Err(bad()),
        }
    }
}

/// The server's security message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityOffer {
    /// RFB 3.7/3.8: the types the client may choose from. RFB 3.3: the one type the server chose.
    Types(Vec<u32>),
    /// A count (3.7+) or type (3.3) of 0, followed by a reason string.
    Failure { reason: Vec<u8> },
}

/// Decodes the security message for `version`. `Err(Short)` means "read more".
pub fn decode_security(version: RfbVersion, buf: &[u8]) -> Result<SecurityOffer, VncError> {
    let mut r = Reader::<VncError>::new(buf);
    let count_or_type = match version {
        RfbVersion::V3_3 => {
            let b = r.take(4)?;
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        }
        _ => u32::from(r.u8()?),
    };
    if count_or_type == 0 {
        let b = r.take(4)?;
        let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        // A reason longer than we read is cut: the server has said "failure" already, the text
        // is only evidence.
        let reason = r.take(len.min(MAX_REASON_BYTES))?.to_vec();
        return Ok(SecurityOffer::Failure { reason });
    }
    match version {
        RfbVersion::V3_3 => Ok(SecurityOffer::Types(vec![count_or_type])),
        _ => {
            let types = r.take(count_or_type as usize)?;
            Ok(SecurityOffer::Types(
                types.iter().map(|&t| u32::from(t)).collect(),
            ))
        }
    }
}

/// The IANA "Remote Framebuffer Security Types" registry name of `code`.
pub fn security_type_name(code: u32) -> String {
    let name = match code {
        0 => "Invalid",
        1 => "None",
        2 => "VNC Authentication",
        3..=4 | 7..=15 | 128..=255 => "RealVNC",
        5 => "RA2",
        6 => "RA2ne",
        16 => "Tight",
        17 => "Ultra",
        18 => "TLS",
        19 => "VeNCrypt",
        20 => "GTK-VNC SASL",
        21 => "MD5 hash authentication",
        22 => "Colin Dean xvp",
        23 => "Secure Tunnel",
        24 => "Integrated SSH",
        30..=35 => "Apple Inc.",
        _ => return format!("unassigned ({code})"),
    };
    name.to_string()
}

/// The observation of a decoded offer.
pub fn record_offer(audit: &mut VncAudit, offer: &SecurityOffer) {
    match offer {
        SecurityOffer::Types(types) => {
            audit.security_types = types
                .iter()
                .map(|&code| VncSecurityType {
                    code,
                    name: security_type_name(code),
                })
                .collect();
            audit.no_auth = Some(types.contains(&1));
        }
        SecurityOffer::Failure { reason } => {
            audit.failure_reason = Some(wire_text(reason, MAX_REASON_CHARS));
            audit.no_auth = Some(false);
        }
    }
}

/// Audits the VNC server on `port` of a scanned host: one connection through
/// [`tcp::connect`] (host slot, global slot, budget, connect timeout, target deadline).
pub async fn audit_vnc_in(ctx: &HostContext, port: u16) -> VncAudit {
    match tcp::connect(ctx, port).await {
        ConnectOutcome::Open { mut conn, .. } => {
            let per = EXCHANGE_TIMEOUT.max(ctx.config.exchange_timeout);
            let deadline = ctx.deadline.min(Instant::now() + per);
            audit_stream(&mut conn.stream, deadline).await
        }
        other => not_run(&other.describe()),
    }
}

/// Audits the VNC server at `addr` (tests, and callers without a scan context).
pub async fn audit_vnc(addr: SocketAddr, deadline: Instant) -> VncAudit {
    match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => not_run("connect: no answer before the deadline"),
        Ok(Err(e)) => not_run(&format!("connect to {addr}: {e}")),
        Ok(Ok(mut stream)) => audit_stream(&mut stream, deadline).await,
    }
}

fn not_run(why: &str) -> VncAudit {
    VncAudit {
        notes: vec![format!("VNC audit not run: {why}")],
        ..VncAudit::default()
    }
}

/// The exchange on a connected stream; the caller closes it.
pub async fn audit_stream(stream: &mut TcpStream, deadline: Instant) -> VncAudit {
    let mut audit = VncAudit::default();
    let (bytes, end) = bounded::read_until(
        stream,
        deadline,
        ProtocolVersion::LEN,
        None,
        |b: &[u8]| b.len() >= ProtocolVersion::LEN,
    )
    .await;
    let server = match ProtocolVersion::decode(&bytes) {
        Ok(v) => v,
        Err(VncError::Short(_)) => {
            audit.notes.push(format!(
                "ProtocolVersion not received ({} bytes): {}",
                bytes.len(),
                end.describe()
            ));
            return audit;
        }
        Err(e) => {
            audit.notes.push(e.to_string());
            return audit;
        }
    };
    audit.protocol_version = Some(String::from_utf8_lossy(&bytes[4..11]).into_owned());
    let ours = RfbVersion::answer_for(server.major, server.minor);
    audit.negotiated_version = Some(ours.name().to_string());
    if let Err(end) = bounded::write_all(stream, ours.wire(), deadline).await {
        audit
            .notes
            .push(format!("ProtocolVersion not sent: {}", end.describe()));
        return audit;
    }
    let complete = |b: &[u8]| !matches!(decode_security(ours, b), Err(VncError::Short(_)));
    let (bytes, end) =
        bounded::read_until(stream, deadline, MAX_SECURITY_MESSAGE, None, complete).await;
    match decode_security(ours, &bytes) {
        Ok(offer) => record_offer(&mut audit, &offer),
        Err(e) => audit.notes.push(format!(
            "security types not read ({} bytes, {}): {e}",
            bytes.len(),
            match end {
                End::Complete => "complete".to_string(),
                other => other.describe(),
            }
        )),
    }
    audit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_versions() {
        assert_eq!(
            ProtocolVersion::decode(b"RFB 003.008\n"),
            Ok(ProtocolVersion { major: 3, minor: 8 })
        );
        assert_eq!(
            ProtocolVersion::decode(b"RFB 003.889\n"),
            Ok(ProtocolVersion {
                major: 3,
                minor: 889
            })
        );
        assert!(matches!(
            ProtocolVersion::decode(b"RFB 003.00"),
            Err(VncError::Short(_))
        ));
        assert!(matches!(
            ProtocolVersion::decode(b"SSH-2.0-x\r\n\n"),
            Err(VncError::NotRfb(_))
        ));
        assert!(matches!(
            ProtocolVersion::decode(b"RFB 0a3.008\n"),
            Err(VncError::NotRfb(_))
        ));
    }

    #[test]
    fn answers_match_the_server_or_fall_back() {
        assert_eq!(RfbVersion::answer_for(3, 3), RfbVersion::V3_3);
        assert_eq!(RfbVersion::answer_for(3, 5), RfbVersion::V3_3);
        assert_eq!(RfbVersion::answer_for(3, 7), RfbVersion::V3_7);
        assert_eq!(RfbVersion::answer_for(3, 8), RfbVersion::V3_8);
        assert_eq!(RfbVersion::answer_for(3, 889), RfbVersion::V3_8);
        assert_eq!(RfbVersion::answer_for(4, 1), RfbVersion::V3_8);
        assert_eq!(RfbVersion::V3_7.wire(), b"RFB 003.007\n");
    }

    #[test]
    fn security_lists_of_each_version() {
        assert_eq!(
            decode_security(RfbVersion::V3_8, &[2, 1, 2]),
            Ok(SecurityOffer::Types(vec![1, 2]))
        );
        assert!(matches!(
            decode_security(RfbVersion::V3_8, &[3, 1, 2]),
            Err(VncError::Short(_))
        ));
        assert_eq!(
            decode_security(RfbVersion::V3_3, &[0, 0, 0, 2]),
            Ok(SecurityOffer::Types(vec![2]))
        );
        assert_eq!(
            decode_security(RfbVersion::V3_7, b"\x00\x00\x00\x00\x04nope"),
            Ok(SecurityOffer::Failure {
                reason: b"nope".to_vec()
            })
        );
        assert_eq!(
            decode_security(RfbVersion::V3_3, b"\x00\x00\x00\x00\x00\x00\x00\x02no"),
            Ok(SecurityOffer::Failure {
                reason: b"no".to_vec()
            })
        );
        assert!(matches!(
            decode_security(RfbVersion::V3_3, b"\x00\x00\x00\x00\x00\x00\x00\x05no"),
            Err(VncError::Short(_))
        ));
        // A huge declared reason is cut, never waited for.
        let mut huge = vec![0, 0xff, 0xff, 0xff, 0xff];
        huge.extend_from_slice(&[b'x'; MAX_SECURITY_MESSAGE - 5]);
        assert!(matches!(
            decode_security(RfbVersion::V3_8, &huge),
            Ok(SecurityOffer::Failure { .. })
        ));
    }

    #[test]
    fn offers_become_observations() {
        let mut audit = VncAudit::default();
        record_offer(&mut audit, &SecurityOffer::Types(vec![2, 19, 1, 30]));
        let names: Vec<_> = audit
            .security_types
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["VNC Authentication", "VeNCrypt", "None", "Apple Inc."]
        );
        assert_eq!(audit.no_auth, Some(true));
        let mut audit = VncAudit::default();
        record_offer(
            &mut audit,
            &SecurityOffer::Failure {
                reason: b"Too many\r\nfailures\x00".to_vec(),
            },
        );
        assert_eq!(audit.no_auth, Some(false));
        assert_eq!(
            audit.failure_reason.as_deref(),
            Some("Too many  failures\\x00")
        );
        assert_eq!(security_type_name(200), "RealVNC");
        assert_eq!(security_type_name(99), "unassigned (99)");
    }
}
