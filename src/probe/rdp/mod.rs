//! RDP: the first exchange of the connection sequence ([MS-RDPBCGR] 1.3.1.1, 2.2.1.1–2.2.1.2),
//! enough to name the service and see which security protocol the server selects. The codec is
//! in [`wire`]; this module only moves its bytes.
//!
//! The audit in depth ([`audit::audit_rdp`]) adds, each sans-I/O: [`mcs`] (MCS Connect Initial /
//! Connect Response with the GCC user data of Standard RDP Security), [`credssp`] (the CredSSP
//! TSRequest) and [`ntlm`] (NEGOTIATE_MESSAGE out, CHALLENGE_MESSAGE in).

pub mod audit;
pub mod credssp;
pub mod mcs;
pub mod ntlm;
pub mod wire;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::observation::RdpIdentification;
use crate::probe::identify::io::{self, End};

use self::wire::{ConnectionConfirm, ConnectionRequest, NegotiationResponse, Protocols};

/// What edgeaudit offers in RDP_NEG_REQ: TLS, CredSSP and CredSSP with Early User Authorization,
/// as mstsc does. A server that allows only Standard RDP Security answers with
/// `SSL_NOT_ALLOWED_BY_SERVER`, itself the observation.
pub const REQUESTED: Protocols = Protocols::SSL
    .union(Protocols::HYBRID)
    .union(Protocols::HYBRID_EX);

/// Most bytes read while waiting for the Connection Confirm (19 bytes on the wire).
pub const MAX_CONFIRM: usize = 1024;

/// True when `bytes` start like a TPKT header (version 3, reserved 0).
pub fn looks_like_tpkt(bytes: &[u8]) -> bool {
    matches!(bytes, [wire::TPKT_VERSION, 0, ..])
}

/// Whether the bytes read so far hold a whole TPKT packet (or cannot be one).
pub fn confirm_is_complete(bytes: &[u8]) -> bool {
    match wire::tpkt_packet_len(bytes) {
        Ok(Some(len)) => bytes.len() >= len,
        Ok(None) => false,
        Err(_) => true,
    }
}

/// Sends the X.224 Connection Request with RDP_NEG_REQ([`REQUESTED`]) and reads the answer
/// (one TPKT packet, or whatever else arrives) until `deadline`.
pub async fn negotiate<S>(stream: &mut S, deadline: Instant) -> (Vec<u8>, End)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = ConnectionRequest::probe(REQUESTED).encode();
    if let Err(end) = io::write_all(stream, &request, deadline).await {
        return (Vec::new(), end);
    }
    io::read_until(stream, deadline, MAX_CONFIRM, None, confirm_is_complete).await
}

/// The observation of a decoded Connection Confirm: `selected:<PROTOCOL_…>`,
/// `failure:<FAILURE_CODE>` (hex when unknown), or `no_negotiation`.
pub fn identification(cc: &ConnectionConfirm) -> RdpIdentification {
    let response = match cc.negotiation {
        None => "no_negotiation".to_string(),
        Some(NegotiationResponse::Selected { protocol, .. }) => format!("selected:{protocol}"),
        Some(NegotiationResponse::Failure { code, .. }) => format!("failure:{code}"),
    };
    RdpIdentification {
        requested_protocols: REQUESTED.flag_names(),
        response,
    }
}

#[cfg(test)]
mod tests {
    use super::wire::{FailureCode, NegotiationResponse};
    use super::*;

    fn confirm(negotiation: Option<NegotiationResponse>) -> ConnectionConfirm {
        ConnectionConfirm {
            dst_ref: 0,
            src_ref: 0,
            class_option: 0,
            negotiation,
        }
    }

    #[test]
    fn identification_strings() {
        let id = identification(&confirm(Some(NegotiationResponse::Selected {
            flags: 0,
            protocol: Protocols::HYBRID_EX,
        })));
        assert_eq!(
            id.requested_protocols,
            ["PROTOCOL_SSL", "PROTOCOL_HYBRID", "PROTOCOL_HYBRID_EX"]
        );
        assert_eq!(id.response, "selected:PROTOCOL_HYBRID_EX");
        let id = identification(&confirm(Some(NegotiationResponse::Failure {
            flags: 0,
            code: FailureCode::SSL_NOT_ALLOWED_BY_SERVER,
        })));
        assert_eq!(id.response, "failure:SSL_NOT_ALLOWED_BY_SERVER");
        assert_eq!(identification(&confirm(None)).response, "no_negotiation");
        let id = identification(&confirm(Some(NegotiationResponse::Selected {
            flags: 0,
            protocol: Protocols::RDP,
        })));
        assert_eq!(id.response, "selected:PROTOCOL_RDP");
    }

    #[test]
    fn completeness() {
        let cc = confirm(None).encode();
        assert!(!confirm_is_complete(&cc[..3]));
        assert!(!confirm_is_complete(&cc[..10]));
        assert!(confirm_is_complete(&cc));
        assert!(confirm_is_complete(b"HTTP/1.1 400"));
        assert!(looks_like_tpkt(&cc));
        assert!(!looks_like_tpkt(b"\x03"));
        assert!(!looks_like_tpkt(b"\x03\x01"));
    }

    #[tokio::test]
    async fn negotiate_against_an_in_memory_server() {
        let (mut client, mut server) = tokio::io::duplex(256);
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = [0u8; 19];
            server.read_exact(&mut buf).await.unwrap();
            let req = ConnectionRequest::decode(&buf).unwrap();
            assert_eq!(req.negotiation.unwrap().requested_protocols, REQUESTED);
            let cc = confirm(Some(NegotiationResponse::Selected {
                flags: 0x1f,
                protocol: Protocols::HYBRID,
            }));
            server.write_all(&cc.encode()).await.unwrap();
            // Keep the stream open: the client must stop at the packet's end, not at EOF.
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        });
        let deadline = Instant::now() + std::time::Duration::from_secs(2);
        let (bytes, end) = negotiate(&mut client, deadline).await;
        assert_eq!(end, End::Complete);
        let cc = ConnectionConfirm::decode(&bytes).unwrap();
        assert_eq!(identification(&cc).response, "selected:PROTOCOL_HYBRID");
        server.abort();
    }
}
