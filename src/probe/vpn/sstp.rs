//! SSTP ([MS-SSTP]): does an HTTPS port accept the SSTP tunnel request?
//!
//! An SSTP client opens TLS (usually on 443) and sends one HTTP request with the special method
//! `SSTP_DUPLEX_POST` to the fixed URI `/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/`, with a
//! `Content-Length` of 2^64−1 and a `SSTPCORRELATIONID` GUID (2.2.2, 3.2.5.1). An SSTP server
//! answers `HTTP/1.1 200` and from then on the connection carries SSTP packets (2.2.3, 3.3.5.1).
//! The probe reads the status line and headers, records them, and closes: no SSTP packet, no
//! PPP, no credential.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{DnsName, ServerName};
use thiserror::Error;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsConnector;

use crate::observation::{HttpHeader, SstpObservation, VpnProbeResult};
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::identify::tls::{client_config, version_name, RecordingVerifier};
use crate::probe::tcp::{self, ConnectOutcome};
use crate::probe::HostContext;

use super::printable;

/// Default port.
pub const PORT: u16 = 443;
/// [MS-SSTP] 2.2.2: the request method.
pub const METHOD: &str = "SSTP_DUPLEX_POST";
/// [MS-SSTP] 2.2.2: the one URI an SSTP server serves.
pub const URI: &str = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";
/// [MS-SSTP] 2.2.2: `Content-Length` is the largest 64-bit value (the body is the tunnel).
pub const CONTENT_LENGTH: u64 = u64::MAX;
/// Largest response head read.
pub const MAX_HEAD: usize = 8 * 1024;
/// Most header lines kept.
pub const MAX_HEADERS: usize = 64;
/// Deadline of the whole exchange (TLS handshake and request).
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SstpError {
    #[error("the response head is not complete")]
    Incomplete,
    #[error("not an HTTP status line")]
    NotHttp,
    #[error("malformed status code")]
    BadStatus,
    #[error("malformed header line")]
    BadHeader,
}

/// A `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` GUID from 16 bytes.
pub fn guid(bytes: [u8; 16]) -> String {
    let h: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{{{}-{}-{}-{}-{}}}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A fresh correlation GUID (version 4 layout; randomness from the module's nonce helper).
pub fn new_correlation_id() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&super::nonce64().to_be_bytes());
    b[8..].copy_from_slice(&super::nonce64().to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    guid(b)
}

/// The request of [MS-SSTP] 2.2.2 for `host` (the `Host` header) and `correlation_id`.
/// Control characters in `host` are dropped so a name cannot inject header lines.
pub fn request(host: &str, correlation_id: &str) -> Vec<u8> {
    let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    format!(
        "{METHOD} {URI} HTTP/1.1\r\n\
         Host: {}\r\n\
         SSTPCORRELATIONID: {}\r\n\
         Content-Length: {CONTENT_LENGTH}\r\n\
         \r\n",
        clean(host),
        clean(correlation_id)
    )
    .into_bytes()
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status_line: String,
    pub version: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// [MS-SSTP] 3.2.5.1: the server accepted the tunnel.
    pub fn is_sstp(&self) -> bool {
        self.status == 200 && self.version.starts_with("HTTP/1.")
    }
}

/// The length of the head (through the empty line) when `buf` holds it all.
pub fn head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Parses a response head; bytes after the empty line are ignored. Lines end in CRLF; at most
/// [`MAX_HEADERS`] headers are kept.
pub fn parse_response_head(buf: &[u8]) -> Result<ResponseHead, SstpError> {
    let len = head_len(buf).ok_or(SstpError::Incomplete)?;
    let head = &buf[..len - 4];
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next().ok_or(SstpError::NotHttp)?;
    let mut parts = status_line.splitn(3, |&b| b == b' ');
    let version = parts.next().ok_or(SstpError::NotHttp)?;
    if !version.starts_with(b"HTTP/") {
        return Err(SstpError::NotHttp);
    }
    let code = parts.next().ok_or(SstpError::BadStatus)?;
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return Err(SstpError::BadStatus);
    }
    let status = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() >= MAX_HEADERS {
            break;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(SstpError::BadHeader)?;
        let name = printable(&line[..colon]).ok_or(SstpError::BadHeader)?;
        let value = printable(&line[colon + 1..]).unwrap_or_default();
        headers.push((name, value));
    }
    Ok(ResponseHead {
        status_line: printable(status_line).unwrap_or_default(),
        version: String::from_utf8_lossy(version).into_owned(),
        status,
        headers,
    })
}

fn empty(port: u16, host: &str, result: VpnProbeResult) -> SstpObservation {
    SstpObservation {
        port,
        host: host.to_string(),
        result,
        tls_version: None,
        http_status: None,
        status_line: None,
        headers: Vec::new(),
        detail: None,
        notes: Vec::new(),
    }
}

/// The observation of a parsed head.
pub fn observe(port: u16, host: &str, head: &ResponseHead) -> SstpObservation {
    let sstp = head.is_sstp();
    let mut obs = empty(
        port,
        host,
        if sstp {
            VpnProbeResult::Answered
        } else {
            VpnProbeResult::Unrecognised
        },
    );
    obs.http_status = Some(head.status);
    obs.status_line = Some(head.status_line.clone());
    obs.headers = head
        .headers
        .iter()
        .map(|(name, value)| HttpHeader {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    obs.detail = Some(if sstp {
        "SSTP server: SSTP_DUPLEX_POST accepted with HTTP 200".to_string()
    } else {
        format!("HTTP {}: not SSTP", head.status)
    });
    obs
}

/// The SSTP probe on `port` of a scanned host, through its slots, budget and deadline. `host`
/// is sent as `Host` and, when it is a DNS name, as the TLS server name (an SSTP server behind
/// a name-based front end only answers its own name).
pub async fn audit_sstp_in(ctx: &HostContext, port: u16, host: &str) -> SstpObservation {
    match tcp::connect(ctx, port).await {
        ConnectOutcome::Open { conn, .. } => {
            let per = EXCHANGE_TIMEOUT.max(ctx.config.exchange_timeout);
            let deadline = ctx.deadline.min(Instant::now() + per);
            exchange(conn.stream, port, host, deadline).await
        }
        ConnectOutcome::Closed { .. } => SstpObservation {
            detail: Some("connection refused".into()),
            ..empty(port, host, VpnProbeResult::Refused)
        },
        ConnectOutcome::Filtered { reason } => SstpObservation {
            detail: Some(reason),
            ..empty(port, host, VpnProbeResult::NoAnswer)
        },
        ConnectOutcome::NotTested { reason, .. } => SstpObservation {
            detail: Some(reason),
            ..empty(port, host, VpnProbeResult::NotTested)
        },
    }
}

/// TLS handshake (any certificate accepted: identification, not trust, is the point here),
/// request, response head.
pub async fn exchange(
    stream: TcpStream,
    port: u16,
    host: &str,
    deadline: Instant,
) -> SstpObservation {
    let name = match DnsName::try_from(host.to_string()) {
        Ok(dns) if host.parse::<std::net::IpAddr>().is_err() => ServerName::DnsName(dns),
        _ => match stream.peer_addr() {
            Ok(peer) => ServerName::IpAddress(peer.ip().into()),
            Err(e) => {
                return SstpObservation {
                    detail: Some(format!("peer address unknown: {e}")),
                    ..empty(port, host, VpnProbeResult::NotTested)
                }
            }
        },
    };
    let config = match client_config(Arc::new(RecordingVerifier::new()), &[b"http/1.1"]) {
        Ok(c) => c,
        Err(e) => {
            return SstpObservation {
                detail: Some(format!("TLS client could not be configured: {e}")),
                ..empty(port, host, VpnProbeResult::NotTested)
            }
        }
    };
    let mut tls = match timeout_at(
        deadline,
        TlsConnector::from(Arc::new(config)).connect(name, stream),
    )
    .await
    {
        Err(_) => {
            return SstpObservation {
                detail: Some("TLS handshake: no answer before the deadline".into()),
                ..empty(port, host, VpnProbeResult::NoAnswer)
            }
        }
        Ok(Err(e)) => {
            return SstpObservation {
                detail: Some(format!("TLS handshake: {e}")),
                ..empty(port, host, VpnProbeResult::Unrecognised)
            }
        }
        Ok(Ok(tls)) => tls,
    };
    let tls_version = tls.get_ref().1.protocol_version().map(version_name);
    let with_tls = |obs: SstpObservation| SstpObservation {
        tls_version: tls_version.clone(),
        ..obs
    };
    let req = request(host, &new_correlation_id());
    if let Err(end) = bounded::write_all(&mut tls, &req, deadline).await {
        return with_tls(SstpObservation {
            detail: Some(format!("request: {}", end.describe())),
            ..empty(port, host, VpnProbeResult::ProtocolError)
        });
    }
    let (bytes, end) = bounded::read_until(&mut tls, deadline, MAX_HEAD, None, |b| {
        head_len(b).is_some()
    })
    .await;
    // We never send the tunnel's body; close_notify tells the server so at once.
    let _ = timeout_at(deadline, tls.shutdown()).await;
    match parse_response_head(&bytes) {
        Ok(head) => with_tls(observe(port, host, &head)),
        Err(e) => with_tls(SstpObservation {
            detail: Some(if bytes.is_empty() {
                format!("no HTTP answer: {}", end.describe())
            } else {
                format!("not HTTP: {e} ({})", end.describe())
            }),
            ..empty(
                port,
                host,
                if bytes.is_empty() && end == End::Timeout {
                    VpnProbeResult::NoAnswer
                } else {
                    VpnProbeResult::Unrecognised
                },
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_matches_ms_sstp() {
        let id = guid([0x12; 16]);
        assert_eq!(id, "{12121212-1212-1212-1212-121212121212}");
        let req = String::from_utf8(request("vpn.example\r\nX: y", &id)).unwrap();
        assert_eq!(
            req,
            "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n\
             Host: vpn.exampleX: y\r\n\
             SSTPCORRELATIONID: {12121212-1212-1212-1212-121212121212}\r\n\
             Content-Length: 18446744073709551615\r\n\r\n"
        );
        let fresh = new_correlation_id();
        assert_eq!(fresh.len(), 38);
        assert_eq!(&fresh[15..16], "4");
        assert_ne!(fresh, new_correlation_id());
    }

    #[test]
    fn sstp_answer_and_other_answers() {
        // What Windows RRAS answers ([MS-SSTP] 4.1 shows the same headers).
        let ok = b"HTTP/1.1 200\r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n\x10\x01";
        let head = parse_response_head(ok).unwrap();
        assert!(head.is_sstp());
        assert_eq!(head.header("server"), Some("Microsoft-HTTPAPI/2.0"));
        let obs = observe(443, "vpn.example", &head);
        assert_eq!(obs.result, VpnProbeResult::Answered);
        assert_eq!(obs.http_status, Some(200));
        assert_eq!(obs.headers.len(), 3);
        assert_eq!(obs.status_line.as_deref(), Some("HTTP/1.1 200"));

        let nf = parse_response_head(b"HTTP/1.1 404 Not Found\r\nServer: nginx\r\n\r\n").unwrap();
        assert!(!nf.is_sstp());
        let obs = observe(443, "h", &nf);
        assert_eq!(obs.result, VpnProbeResult::Unrecognised);
        assert_eq!(obs.detail.as_deref(), Some("HTTP 404: not SSTP"));
    }

    #[test]
    fn broken_heads_are_errors_not_panics() {
        assert_eq!(
            parse_response_head(b"HTTP/1.1 200 OK\r\n"),
            Err(SstpError::Incomplete)
        );
        assert_eq!(
            parse_response_head(b"SSH-2.0-x\r\n\r\n"),
            Err(SstpError::NotHttp)
        );
        assert_eq!(
            parse_response_head(b"HTTP/1.1 2x0\r\n\r\n"),
            Err(SstpError::BadStatus)
        );
        assert_eq!(
            parse_response_head(b"HTTP/1.1\r\n\r\n"),
            Err(SstpError::BadStatus)
        );
        assert_eq!(
            parse_response_head(b"HTTP/1.1 200\r\nnocolon\r\n\r\n"),
            Err(SstpError::BadHeader)
        );
        assert_eq!(parse_response_head(b"\r\n\r\n"), Err(SstpError::NotHttp));
        let mut many = b"HTTP/1.1 200\r\n".to_vec();
        for i in 0..100 {
            many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(
            parse_response_head(&many).unwrap().headers.len(),
            MAX_HEADERS
        );
    }
}
