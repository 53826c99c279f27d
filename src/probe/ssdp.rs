//! UPnP/SSDP: does a device answer a unicast M-SEARCH, and what does it say it is?
//!
//! One unicast M-SEARCH (`ST: ssdp:all`, UPnP Device Architecture 1.1 §1.3.2/§1.3.3) to the target
//! address, never to the multicast group, then every answer read until the deadline (at most
//! [`MAX_RESPONSES`]). Answers are HTTP-like (`HTTP/1.1 200 OK` and headers, no body); SERVER, ST,
//! USN and LOCATION are kept, escaped and bounded.
//!
//! Limitation: the socket is connected to the target's port (see [`udp`]), so a device that
//! answers from another source port is not heard; most (miniupnpd, minissdpd, Windows) answer
//! from 1900.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use crate::observation::{SsdpAudit, SsdpResponse};
use crate::probe::identify::wire_text;
use crate::probe::udp::{self, Limits, UdpError};

/// How long answers are waited for (MX is 1 s; a unicast answer should not be delayed at all).
pub const LISTEN_TIME: Duration = Duration::from_secs(2);
/// Most answers kept (a device answers `ssdp:all` once per device, service and root).
pub const MAX_RESPONSES: usize = 32;
/// Largest answer read.
pub const MAX_RESPONSE: usize = 2048;
/// Characters kept of each header value.
pub const MAX_VALUE_CHARS: usize = 256;

/// The M-SEARCH request for `addr` (HOST names the unicast target, §1.3.3).
pub fn m_search(addr: SocketAddr) -> Vec<u8> {
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: {addr}\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: \
         ssdp:all\r\nUSER-AGENT: edgeaudit UPnP/1.1 edgeaudit/{}\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// Parses one answer; `None` when it is not an `HTTP/1.x 200` response.
pub fn parse_response(datagram: &[u8]) -> Option<SsdpResponse> {
    let mut lines = datagram
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status = lines.next()?;
    let mut parts = status.split(|&b| b == b' ').filter(|p| !p.is_empty());
    if !parts.next()?.starts_with(b"HTTP/1.") || parts.next()? != b"200" {
        return None;
    }
    let mut resp = SsdpResponse::default();
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = line[..colon].trim_ascii();
        let value = wire_text(line[colon + 1..].trim_ascii(), MAX_VALUE_CHARS);
        let slot = if name.eq_ignore_ascii_case(b"SERVER") {
            &mut resp.server
        } else if name.eq_ignore_ascii_case(b"ST") {
            &mut resp.st
        } else if name.eq_ignore_ascii_case(b"USN") {
            &mut resp.usn
        } else if name.eq_ignore_ascii_case(b"LOCATION") {
            &mut resp.location
        } else {
            continue;
        };
        slot.get_or_insert(value);
    }
    Some(resp)
}

/// Searches `ip:port` with the default listening time.
pub async fn ssdp_search(addr: SocketAddr, deadline: Instant) -> SsdpAudit {
    ssdp_search_with(addr, deadline.min(Instant::now() + LISTEN_TIME)).await
}

/// Searches and reads answers until `deadline`. No retransmission: a device that heard us
/// answers once per entry, and a second request would only double the answers.
pub async fn ssdp_search_with(addr: SocketAddr, deadline: Instant) -> SsdpAudit {
    let mut audit = SsdpAudit::default();
    let limits = Limits {
        retries: 0,
        max_bytes: MAX_RESPONSE,
        max_datagrams: MAX_RESPONSES,
    };
    match udp::exchange(addr, &m_search(addr), deadline, limits, |_| false).await {
        Ok(datagrams) => {
            let mut ignored = 0;
            for d in &datagrams {
                match parse_response(d) {
                    Some(r) => audit.responses.push(r),
                    None => ignored += 1,
                }
            }
            audit.answered = !audit.responses.is_empty();
            if ignored > 0 {
                audit.notes.push(format!(
                    "{ignored} datagram(s) that were not an SSDP 200 response ignored"
                ));
            }
            if datagrams.len() >= MAX_RESPONSES {
                audit
                    .notes
                    .push(format!("stopped reading after {MAX_RESPONSES} answers"));
            }
            if datagrams.is_empty() {
                audit.notes.push(
                    "no answer before the deadline (no SSDP responder, filtered, or answers from \
                     another source port: UDP cannot tell these apart)"
                        .into(),
                );
            }
        }
        Err(UdpError::Refused) => audit
            .notes
            .push("ICMP port unreachable (nothing listens on the port)".into()),
        Err(e) => audit.notes.push(e.to_string()),
    }
    audit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer with the headers and order miniupnpd 2.x uses (UDA 1.1 §1.3.3), written for
    /// this test: not a capture.
    pub const RECORDED: &[u8] = b"HTTP/1.1 200 OK\r\n\
        CACHE-CONTROL: max-age=120\r\n\
        ST: upnp:rootdevice\r\n\
        USN: uuid:3ddcd1d3-2380-45f5-b069-2c4d54008cf5::upnp:rootdevice\r\n\
        EXT:\r\n\
        SERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.1\r\n\
        LOCATION: http://192.168.1.1:5000/rootDesc.xml\r\n\
        OPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01\r\n\
        \r\n";

    #[test]
    fn recorded_answer_parses() {
        let r = parse_response(RECORDED).unwrap();
        assert_eq!(r.st.as_deref(), Some("upnp:rootdevice"));
        assert_eq!(
            r.usn.as_deref(),
            Some("uuid:3ddcd1d3-2380-45f5-b069-2c4d54008cf5::upnp:rootdevice")
        );
        assert_eq!(
            r.server.as_deref(),
            Some("Debian/12 UPnP/1.1 MiniUPnPd/2.3.1")
        );
        assert_eq!(
            r.location.as_deref(),
            Some("http://192.168.1.1:5000/rootDesc.xml")
        );
    }

    #[test]
    fn headers_are_case_insensitive_and_escaped() {
        let r = parse_response(b"HTTP/1.1 200 OK\nserver: a\x01b\nSt:x\n\nST: late").unwrap();
        assert_eq!(r.server.as_deref(), Some("a\\x01b"));
        assert_eq!(r.st.as_deref(), Some("x"));
        assert_eq!(parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n"), None);
        assert_eq!(parse_response(b"NOTIFY * HTTP/1.1\r\n\r\n"), None);
        assert_eq!(parse_response(b""), None);
    }

    #[test]
    fn request_is_unicast() {
        let addr: SocketAddr = "127.0.0.1:1900".parse().unwrap();
        let text = String::from_utf8(m_search(addr)).unwrap();
        assert!(text.starts_with("M-SEARCH * HTTP/1.1\r\nHOST: 127.0.0.1:1900\r\n"));
        assert!(text.contains("\r\nST: ssdp:all\r\n") && text.ends_with("\r\n\r\n"));
    }

    #[tokio::test]
    async fn recorded_responder_on_loopback() {
        // Replays the recorded answer twice to whatever searches it (a responder per root
        // device and per service answers several times).
        let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let (n, peer) = server.recv_from(&mut buf).await.unwrap();
            assert!(buf[..n].starts_with(b"M-SEARCH * HTTP/1.1\r\n"));
            server.send_to(RECORDED, peer).await.unwrap();
            server.send_to(b"garbage", peer).await.unwrap();
            server.send_to(RECORDED, peer).await.unwrap();
        });
        let audit = ssdp_search_with(addr, Instant::now() + Duration::from_millis(500)).await;
        assert!(audit.answered);
        assert_eq!(audit.responses.len(), 2);
        assert_eq!(
            audit.notes,
            ["1 datagram(s) that were not an SSDP 200 response ignored"]
        );
    }
}
