//! OpenVPN: is there an OpenVPN server, and does it answer packets that carry no HMAC?
//!
//! The probe sends the first packet of OpenVPN's reliable control channel,
//! `P_CONTROL_HARD_RESET_CLIENT_V2` (opcode 7), with no HMAC, no acknowledgements, message
//! packet-id 0 and no payload. A server without `tls-auth`/`tls-crypt` answers with
//! `P_CONTROL_HARD_RESET_SERVER_V2` (opcode 8) carrying its own session id and acknowledging ours.
//! A server *with* them drops our packet silently, exactly like a filtered port; the observation
//! says so rather than calling the port closed.
//!
//! Control packet layout (OpenVPN's protocol description, `ssl_pkt.h` and the IETF draft
//! "The OpenVPN Protocol"; integers big-endian):
//!
//! ```text
//! u8      opcode << 3 | key_id
//! [8]     session id of the sender
//! [...]   HMAC and replay fields, only with tls-auth (absent here), encrypted with tls-crypt
//! u8      n = length of the ack packet-id array
//! u32 × n acknowledged packet-ids
//! [8]     remote session id (only when n > 0)
//! u32     message packet-id (every opcode but P_ACK_V1)
//! [...]   TLS payload (empty in hard resets)
//! ```
//!
//! Over TCP each packet is preceded by a 16-bit length.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::observation::{OpenVpnObservation, Transport, VpnProbeResult};
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::tcp::{self, ConnectOutcome};
use crate::probe::HostContext;
use crate::wire::{Reader, ShortRead};

use super::udp::{Retries, UdpExchange, UdpOutcome};

/// Default port, UDP and TCP.
pub const PORT: u16 = 1194;
pub const P_CONTROL_HARD_RESET_CLIENT_V1: u8 = 1;
pub const P_CONTROL_HARD_RESET_SERVER_V1: u8 = 2;
pub const P_CONTROL_SOFT_RESET_V1: u8 = 3;
pub const P_CONTROL_V1: u8 = 4;
pub const P_ACK_V1: u8 = 5;
pub const P_DATA_V1: u8 = 6;
pub const P_CONTROL_HARD_RESET_CLIENT_V2: u8 = 7;
pub const P_CONTROL_HARD_RESET_SERVER_V2: u8 = 8;
pub const P_DATA_V2: u8 = 9;
pub const P_CONTROL_HARD_RESET_CLIENT_V3: u8 = 10;
pub const P_CONTROL_WKC_V1: u8 = 11;
/// Deadline of the TCP exchange.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest TCP answer read.
pub const MAX_TCP_ANSWER: usize = 4096;

/// What the observation says when nothing came back: silence has three explanations and we
/// cannot tell them apart.
pub const SILENCE_NOTE: &str = "no answer — closed, filtered, or tls-auth/tls-crypt in use (the \
     server drops packets without a valid HMAC)";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpenVpnError {
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("opcode {0} is not an OpenVPN opcode")]
    UnknownOpcode(u8),
    #[error("opcode {0} is a data packet, not a control packet")]
    DataPacket(u8),
    #[error("{0} byte(s) after the TCP length")]
    TrailingBytes(usize),
}

impl From<ShortRead> for OpenVpnError {
    fn from(e: ShortRead) -> Self {
        OpenVpnError::Truncated { needed: e.needed }
    }
}

/// The name of an opcode.
pub fn opcode_name(op: u8) -> Option<&'static str> {
    Some(match op {
        P_CONTROL_HARD_RESET_CLIENT_V1 => "P_CONTROL_HARD_RESET_CLIENT_V1",
        P_CONTROL_HARD_RESET_SERVER_V1 => "P_CONTROL_HARD_RESET_SERVER_V1",
        P_CONTROL_SOFT_RESET_V1 => "P_CONTROL_SOFT_RESET_V1",
        P_CONTROL_V1 => "P_CONTROL_V1",
        P_ACK_V1 => "P_ACK_V1",
        P_DATA_V1 => "P_DATA_V1",
        P_CONTROL_HARD_RESET_CLIENT_V2 => "P_CONTROL_HARD_RESET_CLIENT_V2",
        P_CONTROL_HARD_RESET_SERVER_V2 => "P_CONTROL_HARD_RESET_SERVER_V2",
        P_DATA_V2 => "P_DATA_V2",
        P_CONTROL_HARD_RESET_CLIENT_V3 => "P_CONTROL_HARD_RESET_CLIENT_V3",
        P_CONTROL_WKC_V1 => "P_CONTROL_WKC_V1",
        _ => return None,
    })
}

fn u32_be(r: &mut Reader<'_, OpenVpnError>) -> Result<u32, OpenVpnError> {
    let b = r.take(4)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn id8(r: &mut Reader<'_, OpenVpnError>) -> Result<[u8; 8], OpenVpnError> {
    let mut id = [0u8; 8];
    id.copy_from_slice(r.take(8)?);
    Ok(id)
}

/// One control packet without HMAC (as a server without tls-auth sends it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlPacket {
    pub opcode: u8,
    pub key_id: u8,
    pub session_id: [u8; 8],
    pub acks: Vec<u32>,
    /// Present exactly when `acks` is not empty.
    pub remote_session_id: Option<[u8; 8]>,
    /// Absent for `P_ACK_V1`.
    pub packet_id: Option<u32>,
    pub payload: Vec<u8>,
}

impl ControlPacket {
    /// Our probe: `P_CONTROL_HARD_RESET_CLIENT_V2`, key id 0, no acks, packet-id 0, no payload.
    pub fn client_hard_reset(session_id: [u8; 8]) -> ControlPacket {
        ControlPacket {
            opcode: P_CONTROL_HARD_RESET_CLIENT_V2,
            key_id: 0,
            session_id,
            acks: Vec::new(),
            remote_session_id: None,
            packet_id: Some(0),
            payload: Vec::new(),
        }
    }

    /// The packet as sent over UDP. Fields that do not fit the wire (more than 255 acks, an
    /// opcode over 31) are cut, as the wire would cut them.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(26 + self.payload.len());
        out.push((self.opcode << 3) | (self.key_id & 0x07));
        out.extend_from_slice(&self.session_id);
        let acks = &self.acks[..self.acks.len().min(255)];
        out.push(acks.len() as u8);
        for a in acks {
            out.extend_from_slice(&a.to_be_bytes());
        }
        if !acks.is_empty() {
            out.extend_from_slice(&self.remote_session_id.unwrap_or_default());
        }
        if let Some(id) = self.packet_id {
            out.extend_from_slice(&id.to_be_bytes());
        }
        out.extend_from_slice(&self.payload);
        out
    }

    /// The packet with the 16-bit length OpenVPN uses over TCP.
    pub fn encode_tcp(&self) -> Vec<u8> {
        let packet = self.encode();
        let mut out = Vec::with_capacity(packet.len() + 2);
        out.extend_from_slice(&(packet.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        out.extend_from_slice(&packet[..packet.len().min(usize::from(u16::MAX))]);
        out
    }

    /// Decodes one control packet (UDP datagram payload, or one TCP packet without its length).
    pub fn decode(buf: &[u8]) -> Result<ControlPacket, OpenVpnError> {
        let mut r = Reader::<OpenVpnError>::new(buf);
        let first = r.u8()?;
        let opcode = first >> 3;
        let key_id = first & 0x07;
        match opcode {
            P_DATA_V1 | P_DATA_V2 => return Err(OpenVpnError::DataPacket(opcode)),
            op if opcode_name(op).is_none() => return Err(OpenVpnError::UnknownOpcode(op)),
            _ => {}
        }
        let session_id = id8(&mut r)?;
        let n = r.u8()?;
        let mut acks = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            acks.push(u32_be(&mut r)?);
        }
        let remote_session_id = if n > 0 { Some(id8(&mut r)?) } else { None };
        let packet_id = if opcode == P_ACK_V1 {
            None
        } else {
            Some(u32_be(&mut r)?)
        };
        Ok(ControlPacket {
            opcode,
            key_id,
            session_id,
            acks,
            remote_session_id,
            packet_id,
            payload: r.rest().to_vec(),
        })
    }

    /// Decodes one length-prefixed TCP packet that fills `buf` exactly.
    pub fn decode_tcp(buf: &[u8]) -> Result<ControlPacket, OpenVpnError> {
        let mut r = Reader::<OpenVpnError>::new(buf);
        let len = usize::from(r.u16_be()?);
        let packet = r.take(len)?;
        if !r.is_empty() {
            return Err(OpenVpnError::TrailingBytes(r.remaining()));
        }
        ControlPacket::decode(packet)
    }

    /// Whether this packet answers the hard reset we sent with `ours` as session id.
    pub fn acknowledges(&self, ours: &[u8; 8]) -> bool {
        self.remote_session_id.as_ref() == Some(ours)
    }
}

/// Whether `buf` holds a whole length-prefixed TCP packet.
pub fn tcp_packet_complete(buf: &[u8]) -> bool {
    buf.len() >= 2 && buf.len() >= 2 + usize::from(u16::from_be_bytes([buf[0], buf[1]]))
}

/// A fresh 8-byte session id.
pub fn new_session_id() -> [u8; 8] {
    super::nonce64().to_be_bytes()
}

fn empty(transport: Transport, port: u16, result: VpnProbeResult) -> OpenVpnObservation {
    OpenVpnObservation {
        transport,
        port,
        result,
        attempts: 0,
        server_opcode: None,
        server_session_id_present: None,
        acknowledged_our_session: None,
        answers_without_hmac: None,
        detail: None,
        notes: Vec::new(),
    }
}

/// The observation of the server's first packet.
pub fn observe(
    transport: Transport,
    port: u16,
    ours: &[u8; 8],
    answer: &ControlPacket,
) -> OpenVpnObservation {
    let mut obs = empty(transport, port, VpnProbeResult::Answered);
    obs.server_opcode = opcode_name(answer.opcode).map(str::to_string);
    obs.server_session_id_present = Some(answer.session_id != [0; 8]);
    obs.acknowledged_our_session = Some(answer.acknowledges(ours) && answer.acks.contains(&0));
    obs.answers_without_hmac = Some(true);
    obs.detail = Some(match answer.opcode {
        P_CONTROL_HARD_RESET_SERVER_V2 => {
            "OpenVPN server: answered P_CONTROL_HARD_RESET_CLIENT_V2 without HMAC with \
             P_CONTROL_HARD_RESET_SERVER_V2 (no tls-auth/tls-crypt)"
                .to_string()
        }
        op => format!(
            "OpenVPN server: answered P_CONTROL_HARD_RESET_CLIENT_V2 without HMAC with {}",
            opcode_name(op).unwrap_or("an unknown opcode")
        ),
    });
    obs
}

fn silence(transport: Transport, port: u16, attempts: u32) -> OpenVpnObservation {
    OpenVpnObservation {
        attempts,
        detail: Some(SILENCE_NOTE.to_string()),
        ..empty(transport, port, VpnProbeResult::NoAnswer)
    }
}

/// Decodes a datagram or TCP packet into the observation; anything that is not an OpenVPN
/// control packet answering ours is `unrecognised`.
fn judge(
    transport: Transport,
    port: u16,
    ours: &[u8; 8],
    packet: Result<ControlPacket, OpenVpnError>,
) -> OpenVpnObservation {
    match packet {
        Ok(p) if p.acknowledges(ours) || p.opcode == P_CONTROL_HARD_RESET_SERVER_V2 => {
            observe(transport, port, ours, &p)
        }
        Ok(p) => OpenVpnObservation {
            detail: Some(format!(
                "an OpenVPN-shaped {} that does not answer our session",
                opcode_name(p.opcode).unwrap_or("packet")
            )),
            ..empty(transport, port, VpnProbeResult::Unrecognised)
        },
        Err(e) => OpenVpnObservation {
            detail: Some(format!("not OpenVPN: {e}")),
            ..empty(transport, port, VpnProbeResult::Unrecognised)
        },
    }
}

/// The probe over UDP at `addr`, with [`Retries::default`].
pub async fn audit_openvpn_udp(addr: SocketAddr, deadline: Instant) -> OpenVpnObservation {
    audit_openvpn_udp_with(addr, deadline, Retries::default()).await
}

/// The probe over UDP at `addr`.
pub async fn audit_openvpn_udp_with(
    addr: SocketAddr,
    deadline: Instant,
    retries: Retries,
) -> OpenVpnObservation {
    let port = addr.port();
    let ex = match UdpExchange::connect(addr).await {
        Ok(ex) => ex,
        Err(e) => {
            return OpenVpnObservation {
                detail: Some(format!("UDP socket: {e}")),
                ..empty(Transport::Udp, port, VpnProbeResult::NotTested)
            }
        }
    };
    let ours = new_session_id();
    let request = ControlPacket::client_hard_reset(ours).encode();
    // Other datagrams from the port (a retransmission for an older session) are skipped.
    let accept = |d: &[u8]| match ControlPacket::decode(d) {
        Ok(p) => p.acknowledges(&ours) || p.opcode == P_CONTROL_HARD_RESET_SERVER_V2,
        Err(_) => true,
    };
    match ex.exchange(&request, retries, deadline, accept).await {
        UdpOutcome::Answer { datagram, attempt } => OpenVpnObservation {
            attempts: attempt,
            ..judge(
                Transport::Udp,
                port,
                &ours,
                ControlPacket::decode(&datagram),
            )
        },
        UdpOutcome::Refused { attempts } => OpenVpnObservation {
            attempts,
            detail: Some("ICMP port unreachable: nothing listens on the port".into()),
            ..empty(Transport::Udp, port, VpnProbeResult::Refused)
        },
        UdpOutcome::Silent { attempts, ignored } => {
            let mut obs = silence(Transport::Udp, port, attempts);
            if ignored > 0 {
                obs.notes.push(format!(
                    "{ignored} datagram(s) that did not answer our session were ignored"
                ));
            }
            obs
        }
        UdpOutcome::Local(e) => OpenVpnObservation {
            detail: Some(e),
            ..empty(Transport::Udp, port, VpnProbeResult::NotTested)
        },
    }
}

/// The probe over TCP on `port` of a scanned host, through its slots, budget and deadline.
pub async fn audit_openvpn_tcp_in(ctx: &HostContext, port: u16) -> OpenVpnObservation {
    match tcp::connect(ctx, port).await {
        ConnectOutcome::Open { mut conn, .. } => {
            let per = EXCHANGE_TIMEOUT.max(ctx.config.exchange_timeout);
            let deadline = ctx.deadline.min(Instant::now() + per);
            exchange_tcp(&mut conn.stream, port, deadline).await
        }
        ConnectOutcome::Closed { .. } => OpenVpnObservation {
            detail: Some("connection refused".into()),
            ..empty(Transport::Tcp, port, VpnProbeResult::Refused)
        },
        ConnectOutcome::Filtered { reason } => OpenVpnObservation {
            detail: Some(reason),
            ..empty(Transport::Tcp, port, VpnProbeResult::NoAnswer)
        },
        ConnectOutcome::NotTested { reason, .. } => OpenVpnObservation {
            detail: Some(reason),
            ..empty(Transport::Tcp, port, VpnProbeResult::NotTested)
        },
    }
}

/// The probe over TCP at `addr`, connecting directly (tests, tools).
pub async fn audit_openvpn_tcp(addr: SocketAddr, deadline: Instant) -> OpenVpnObservation {
    let port = addr.port();
    match timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => OpenVpnObservation {
            detail: Some("connect: no answer before the deadline".into()),
            ..empty(Transport::Tcp, port, VpnProbeResult::NoAnswer)
        },
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => OpenVpnObservation {
            detail: Some("connection refused".into()),
            ..empty(Transport::Tcp, port, VpnProbeResult::Refused)
        },
        Ok(Err(e)) => OpenVpnObservation {
            detail: Some(format!("connect: {e}")),
            ..empty(Transport::Tcp, port, VpnProbeResult::NotTested)
        },
        Ok(Ok(mut stream)) => exchange_tcp(&mut stream, port, deadline).await,
    }
}

/// One hard reset over an open TCP connection. A tls-auth server closes the connection after
/// dropping our packet, so a close without answer reads as silence too.
pub async fn exchange_tcp(
    stream: &mut TcpStream,
    port: u16,
    deadline: Instant,
) -> OpenVpnObservation {
    let ours = new_session_id();
    let request = ControlPacket::client_hard_reset(ours).encode_tcp();
    if let Err(end) = bounded::write_all(stream, &request, deadline).await {
        return OpenVpnObservation {
            detail: Some(format!("sending the hard reset: {}", end.describe())),
            ..silence(Transport::Tcp, port, 0)
        };
    }
    let (bytes, end) =
        bounded::read_until(stream, deadline, MAX_TCP_ANSWER, None, tcp_packet_complete).await;
    if bytes.is_empty() {
        let mut obs = silence(Transport::Tcp, port, 1);
        if end != End::Timeout {
            obs.notes
                .push(format!("the server then {}", end.describe()));
        }
        return obs;
    }
    if !tcp_packet_complete(&bytes) {
        return OpenVpnObservation {
            attempts: 1,
            detail: Some(format!(
                "answer cut short ({}): not an OpenVPN packet",
                end.describe()
            )),
            ..empty(Transport::Tcp, port, VpnProbeResult::Unrecognised)
        };
    }
    let len = 2 + usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
    OpenVpnObservation {
        attempts: 1,
        ..judge(
            Transport::Tcp,
            port,
            &ours,
            ControlPacket::decode_tcp(&bytes[..len]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: [u8; 8] = [0x16, 0x4a, 0xd7, 0xc2, 0xdc, 0xd9, 0xbf, 0xec];

    /// OpenVPN 2.6.14's answer to a hard reset with session id [`OURS`], captured on loopback.
    const SERVER_RESET: &str = "407cff94a29f851b950100000000164ad7c2dcd9bfec00000000";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn client_hard_reset_is_fourteen_bytes() {
        let p = ControlPacket::client_hard_reset(OURS);
        let bytes = p.encode();
        assert_eq!(bytes[0], 0x38); // opcode 7, key id 0
        assert_eq!(&bytes[1..9], &OURS);
        assert_eq!(&bytes[9..], &[0, 0, 0, 0, 0]); // no acks, packet-id 0
        assert_eq!(ControlPacket::decode(&bytes).unwrap(), p);
        let tcp = p.encode_tcp();
        assert_eq!(&tcp[..2], &[0, 14]);
        assert!(tcp_packet_complete(&tcp));
        assert!(!tcp_packet_complete(&tcp[..13]));
        assert_eq!(ControlPacket::decode_tcp(&tcp).unwrap(), p);
    }

    #[test]
    fn server_hard_reset_is_recognised() {
        let p = ControlPacket::decode(&unhex(SERVER_RESET)).unwrap();
        assert_eq!(p.opcode, P_CONTROL_HARD_RESET_SERVER_V2);
        assert_eq!(p.key_id, 0);
        assert_eq!(p.acks, [0]);
        assert!(p.acknowledges(&OURS));
        assert_eq!(p.packet_id, Some(0));
        assert!(p.payload.is_empty());
        assert_eq!(p.encode(), unhex(SERVER_RESET));
        let obs = observe(Transport::Udp, 1194, &OURS, &p);
        assert_eq!(obs.result, VpnProbeResult::Answered);
        assert_eq!(
            obs.server_opcode.as_deref(),
            Some("P_CONTROL_HARD_RESET_SERVER_V2")
        );
        assert_eq!(obs.server_session_id_present, Some(true));
        assert_eq!(obs.acknowledged_our_session, Some(true));
        assert_eq!(obs.answers_without_hmac, Some(true));
    }

    #[test]
    fn other_bytes_are_errors_not_panics() {
        let good = unhex(SERVER_RESET);
        for n in 0..good.len() {
            assert!(ControlPacket::decode(&good[..n]).is_err(), "{n}");
        }
        assert_eq!(
            ControlPacket::decode(&[0x30]),
            Err(OpenVpnError::DataPacket(6))
        );
        assert_eq!(
            ControlPacket::decode(&[0xf8]),
            Err(OpenVpnError::UnknownOpcode(31))
        );
        assert!(ControlPacket::decode(b"HTTP/1.1 400").is_err());
        let mut tcp = vec![0, 26];
        tcp.extend_from_slice(&good);
        tcp.push(0);
        assert_eq!(
            ControlPacket::decode_tcp(&tcp),
            Err(OpenVpnError::TrailingBytes(1))
        );
        // P_ACK_V1 has no message packet-id.
        let ack = ControlPacket {
            opcode: P_ACK_V1,
            key_id: 0,
            session_id: [1; 8],
            acks: vec![0],
            remote_session_id: Some(OURS),
            packet_id: None,
            payload: vec![],
        };
        assert_eq!(ControlPacket::decode(&ack.encode()).unwrap(), ack);
        let obs = judge(Transport::Udp, 1, &OURS, Ok(ack));
        assert_eq!(obs.result, VpnProbeResult::Answered);
        assert_eq!(obs.server_opcode.as_deref(), Some("P_ACK_V1"));
        let obs = judge(Transport::Udp, 1, &[9; 8], ControlPacket::decode(&good));
        assert_eq!(
            obs.result,
            VpnProbeResult::Answered,
            "a server reset counts even if it acks another session"
        );
    }
}
