//! The audit driver against scripted RDP servers on 127.0.0.1: a Windows-like server that
//! requires NLA (CredSSP over TLS, answering with an NTLM CHALLENGE_MESSAGE), an old server
//! without negotiation, a tarpit, and a server speaking something else.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::*;
use crate::probe::identify::tls::provider;
use crate::probe::rdp::ntlm::tests::windows_like_challenge;
use crate::probe::rdp::wire::ConnectionRequest;

const CERT: &[u8] = include_bytes!("../../identify/testdata/rsa2048-selfsigned.der");
const KEY: &[u8] = include_bytes!("../../identify/testdata/rsa2048.key.pk8.der");

fn acceptor() -> TlsAcceptor {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY.to_vec()));
    let config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(CERT.to_vec())], key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

fn confirm(negotiation: Option<NegotiationResponse>) -> Vec<u8> {
    ConnectionConfirm {
        dst_ref: 0,
        src_ref: 0x1234,
        class_option: 0,
        negotiation,
    }
    .encode()
}

fn failure(code: FailureCode) -> Vec<u8> {
    confirm(Some(NegotiationResponse::Failure { flags: 0, code }))
}

/// What the scripted server saw: requested protocols per connection, and every byte a client
/// sent after the CredSSP answer (must stay empty: no AUTHENTICATE_MESSAGE).
#[derive(Default)]
struct Seen {
    requested: Mutex<Vec<u32>>,
    after_challenge: Mutex<Vec<u8>>,
    ntlm_negotiate: Mutex<Option<Vec<u8>>>,
}

async fn read_request(stream: &mut TcpStream) -> Option<Protocols> {
    let mut buf = [0u8; 19];
    stream.read_exact(&mut buf).await.ok()?;
    ConnectionRequest::decode(&buf)
        .ok()?
        .negotiation
        .map(|n| n.requested_protocols)
}

/// A server requiring NLA, like Windows with "Require NLA": Standard RDP Security and TLS get
/// HYBRID_REQUIRED_BY_SERVER; CredSSP is selected and answered with an NTLM challenge.
async fn nla_server(seen: Arc<Seen>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let Some(requested) = read_request(&mut stream).await else {
                    return;
                };
                seen.requested.lock().unwrap().push(requested.0);
                let select = |p| {
                    confirm(Some(NegotiationResponse::Selected {
                        flags: 0x1f,
                        protocol: p,
                    }))
                };
                let (answer, hybrid) = if requested.0 & Protocols::HYBRID_EX.0 != 0 {
                    (select(Protocols::HYBRID_EX), true)
                } else if requested.0 & Protocols::HYBRID.0 != 0 {
                    (select(Protocols::HYBRID), true)
                } else {
                    (failure(FailureCode::HYBRID_REQUIRED_BY_SERVER), false)
                };
                stream.write_all(&answer).await.unwrap();
                if !hybrid {
                    return;
                }
                let Ok(mut tls) = acceptor().accept(stream).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let n = tls.read(&mut buf).await.unwrap_or(0);
                let ts = TsRequest::decode(&buf[..n]).expect("client TSRequest");
                assert_eq!(ts.version, 6);
                *seen.ntlm_negotiate.lock().unwrap() = ts.nego_tokens.first().cloned();
                // Answer as Windows does: TSRequest version 6 with the challenge in negoTokens.
                let answer = encode_answer(&windows_like_challenge());
                tls.write_all(&answer).await.unwrap();
                tls.flush().await.unwrap();
                let mut rest = Vec::new();
                let _ = tls.read_to_end(&mut rest).await;
                seen.after_challenge.lock().unwrap().extend(rest);
            });
        }
    });
    addr
}

/// A server TSRequest carrying `token`: the same layout as a client's first TSRequest (version
/// 6, one negoToken), which is what Windows answers with.
fn encode_answer(token: &[u8]) -> Vec<u8> {
    credssp::encode_nego_request(token)
}

#[tokio::test]
async fn nla_required_server() {
    let seen = Arc::new(Seen::default());
    let addr = nla_server(seen.clone()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let audit = audit_rdp(addr, deadline).await;

    assert_eq!(audit.connections, 5);
    assert_eq!(
        *seen.requested.lock().unwrap(),
        [0x00, 0x01, 0x02, 0x0a, 0x04],
        "one connection per protocol, HYBRID_EX with HYBRID"
    );
    let texts: Vec<String> = audit
        .negotiations
        .iter()
        .map(|n| format!("{} {}", n.protocol, outcome_text(&n.outcome)))
        .collect();
    assert_eq!(
        texts,
        [
            "PROTOCOL_RDP failure:HYBRID_REQUIRED_BY_SERVER",
            "PROTOCOL_SSL failure:HYBRID_REQUIRED_BY_SERVER",
            "PROTOCOL_HYBRID selected:PROTOCOL_HYBRID",
            "PROTOCOL_HYBRID_EX selected:PROTOCOL_HYBRID_EX",
            "PROTOCOL_RDSTLS failure:HYBRID_REQUIRED_BY_SERVER",
        ]
    );
    assert_eq!(audit.accepted, ["PROTOCOL_HYBRID", "PROTOCOL_HYBRID_EX"]);
    assert_eq!(audit.standard_rdp_security_allowed, Some(false));
    assert_eq!(audit.nla_required, Some(true));
    assert_eq!(
        audit.nla_evidence.as_deref(),
        Some(
            "PROTOCOL_RDP: failure:HYBRID_REQUIRED_BY_SERVER; \
             PROTOCOL_SSL: failure:HYBRID_REQUIRED_BY_SERVER; CredSSP accepted"
        )
    );
    assert_eq!(
        audit.server_flags,
        [
            "EXTENDED_CLIENT_DATA_SUPPORTED",
            "DYNVC_GFX_PROTOCOL_SUPPORTED",
            "NEGRSP_FLAG_RESERVED",
            "RESTRICTED_ADMIN_MODE_SUPPORTED",
            "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED"
        ]
    );
    assert!(audit.standard_security.is_none());

    let tls = audit.tls.as_ref().expect("TLS facts");
    assert_eq!(tls.rdp_protocol, "PROTOCOL_HYBRID");
    assert_eq!(tls.version.as_deref(), Some("TLSv1.2"));
    let cert = tls.certificate.as_ref().unwrap();
    assert_eq!(cert.subject, "CN=localhost, O=edgeaudit test");
    assert!(cert.self_signed);

    let ntlm = audit.ntlm.as_ref().expect("NTLM facts");
    assert_eq!(ntlm.credssp_version, Some(6));
    assert_eq!(ntlm.target_name.as_deref(), Some("CORP"));
    assert_eq!(ntlm.netbios_computer.as_deref(), Some("RDS01"));
    assert_eq!(ntlm.netbios_domain.as_deref(), Some("CORP"));
    assert_eq!(
        ntlm.dns_computer.as_deref(),
        Some("rds01.corp.example.test")
    );
    assert_eq!(ntlm.dns_domain.as_deref(), Some("corp.example.test"));
    assert_eq!(ntlm.dns_tree.as_deref(), Some("example.test"));
    assert_eq!(ntlm.os_version.as_deref(), Some("10.0.20348"));
    assert_eq!(ntlm.timestamp.as_deref(), Some("2024-01-02T03:04:05Z"));
    assert_eq!(ntlm.negotiate_flags, "0xe28a8215");
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);

    // What we sent was a NEGOTIATE_MESSAGE and nothing followed the challenge: no credentials.
    let negotiate = seen.ntlm_negotiate.lock().unwrap().clone().unwrap();
    assert_eq!(negotiate, ntlm::negotiate_message());
    // Give the server task a moment to record what followed.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(seen.after_challenge.lock().unwrap().is_empty());
}

/// Accepts and answers every Connection Request with `answer`, then closes.
async fn scripted_server(answer: Vec<u8>, accepted: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            accepted.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                if answer.is_empty() {
                    // Tarpit: hold the connection, say nothing.
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                let _ = read_request(&mut stream).await;
                let _ = stream.write_all(&answer).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn old_server_without_negotiation() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let addr = scripted_server(confirm(None), accepted.clone()).await;
    let audit = audit_rdp(addr, Instant::now() + Duration::from_secs(10)).await;
    assert!(audit
        .negotiations
        .iter()
        .all(|n| n.outcome == RdpNegotiationOutcome::NoNegotiation));
    assert_eq!(audit.accepted, ["PROTOCOL_RDP"]);
    assert_eq!(audit.standard_rdp_security_allowed, Some(true));
    assert_eq!(audit.nla_required, Some(false));
    // The server closed instead of answering MCS Connect Initial.
    assert!(audit.standard_security.is_none());
    assert!(
        audit
            .notes
            .iter()
            .any(|n| n.starts_with("Standard RDP Security details not read: MCS Connect Response")),
        "{:?}",
        audit.notes
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn tarpit_ends_at_the_deadlines() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let addr = scripted_server(Vec::new(), accepted.clone()).await;
    let start = Instant::now();
    let audit = audit_rdp_with(
        addr,
        start + Duration::from_secs(1),
        Duration::from_millis(300),
    )
    .await;
    let took = start.elapsed();
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert!(audit.connections <= MAX_CONNECTIONS);
    assert_eq!(audit.negotiations.len(), 5);
    for n in &audit.negotiations {
        let RdpNegotiationOutcome::Error { error } = &n.outcome else {
            panic!("{n:?}");
        };
        assert!(error.contains("deadline"), "{}: {error}", n.protocol);
    }
    assert!(audit.accepted.is_empty());
    assert_eq!(audit.nla_required, None);
    assert_eq!(audit.standard_rdp_security_allowed, None);
    assert!(audit.notes.iter().any(|n| n.starts_with("NLA not judged")));
}

#[tokio::test]
async fn past_deadline_opens_nothing() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let addr = scripted_server(confirm(None), accepted.clone()).await;
    let audit = audit_rdp(addr, Instant::now()).await;
    assert_eq!(audit.connections, 0);
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
    assert!(audit.negotiations.iter().all(|n| matches!(
        &n.outcome,
        RdpNegotiationOutcome::Error { error } if error.starts_with("not tested")
    )));
}

#[tokio::test]
async fn foreign_answers_are_errors_not_guesses() {
    for (answer, expected) in [
        (
            b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
            "X.224 Connection Confirm",
        ),
        (
            b"\x03\x00\x00\x09\x02\xf0\x80\x21\x80".to_vec(),
            "answered the Connection Request with an X.224 Data TPDU",
        ),
    ] {
        let accepted = Arc::new(AtomicUsize::new(0));
        let addr = scripted_server(answer, accepted).await;
        let audit = audit_rdp(addr, Instant::now() + Duration::from_secs(10)).await;
        for n in &audit.negotiations {
            assert!(
                matches!(&n.outcome, RdpNegotiationOutcome::Error { error } if error.contains(expected)),
                "{n:?}"
            );
        }
        assert_eq!(audit.nla_required, None);
        assert_eq!(audit.standard_rdp_security_allowed, None);
    }
}

#[tokio::test]
async fn refused_connection_is_an_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = open_tls_ready_stream(
        addr,
        Protocols::SSL,
        Instant::now() + Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RdpError::Connect { .. }), "{err}");
}

#[test]
fn selection_must_be_among_the_requested() {
    let cc = |p| ConnectionConfirm {
        dst_ref: 0,
        src_ref: 0,
        class_option: 0,
        negotiation: Some(NegotiationResponse::Selected {
            flags: 0,
            protocol: p,
        }),
    };
    let [rdp, ssl, hybrid, hybrid_ex, _] = PROBES;
    assert_eq!(
        selected_as_requested(&rdp, &cc(Protocols::RDP)),
        Some(Protocols::RDP)
    );
    assert_eq!(selected_as_requested(&hybrid, &cc(Protocols::RDP)), None);
    assert_eq!(selected_as_requested(&ssl, &cc(Protocols::HYBRID)), None);
    assert_eq!(
        selected_as_requested(&hybrid_ex, &cc(Protocols::HYBRID)),
        Some(Protocols::HYBRID)
    );
    assert_eq!(
        response_flag_names(0x81),
        ["EXTENDED_CLIENT_DATA_SUPPORTED", "0x80"]
    );
}

/// Selects Standard RDP Security, then answers MCS Connect Initial with a Connect Response sent
/// in pieces (the first only 2 bytes long), as a slow link would deliver it.
#[tokio::test]
async fn connect_response_in_pieces() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                if read_request(&mut stream).await != Some(Protocols::RDP) {
                    let _ = stream
                        .write_all(&failure(FailureCode::SSL_NOT_ALLOWED_BY_SERVER))
                        .await;
                    return;
                }
                let cc = confirm(Some(NegotiationResponse::Selected {
                    flags: 0,
                    protocol: Protocols::RDP,
                }));
                stream.write_all(&cc).await.unwrap();
                let mut buf = vec![0u8; 1024];
                let _ = stream.read(&mut buf).await;
                let resp = crate::probe::rdp::mcs::tests::spec_like_response(0x02, 3);
                for piece in [&resp[..2], &resp[2..9], &resp[9..]] {
                    stream.write_all(piece).await.unwrap();
                    stream.flush().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            });
        }
    });
    let audit = audit_rdp(addr, Instant::now() + Duration::from_secs(10)).await;
    assert_eq!(audit.accepted, ["PROTOCOL_RDP"]);
    assert_eq!(audit.nla_required, Some(false));
    assert_eq!(audit.standard_rdp_security_allowed, Some(true));
    let sec = audit.standard_security.expect("standard security");
    assert_eq!(sec.encryption_method, "ENCRYPTION_METHOD_128BIT");
    assert_eq!(sec.encryption_level, "ENCRYPTION_LEVEL_HIGH");
    assert_eq!(sec.server_version_name.as_deref(), Some("RDP 5.0-8.1"));
    assert_eq!(
        audit.nla_evidence.as_deref(),
        Some(
            "PROTOCOL_RDP: selected:PROTOCOL_RDP; PROTOCOL_SSL: failure:SSL_NOT_ALLOWED_BY_SERVER"
        )
    );
}
