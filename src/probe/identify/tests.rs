//! Identification driver tests against servers on 127.0.0.1 created here. No other traffic.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use super::*;
use crate::observation::{IdentificationMethod, ProbeStatus, ServiceKind};
use crate::probe::rdp::wire::{
    ConnectionConfirm, ConnectionRequest, FailureCode, NegotiationResponse, Protocols,
};
use crate::probe::tcp::tests::{context, serve, tarpit, LOOPBACK};

const CERT: &[u8] = include_bytes!("testdata/rsa2048-selfsigned.der");
const KEY: &[u8] = include_bytes!("testdata/rsa2048.key.pk8.der");

const EXCHANGE: Duration = Duration::from_millis(300);

fn ctx_with(budget: usize) -> HostContext {
    context(LOOPBACK, EXCHANGE, Duration::from_secs(10), 4, budget).0
}

fn plan(steps: &[Step]) -> Plan {
    Plan {
        banner_wait: BannerWait::Full,
        steps: steps.to_vec(),
    }
}

async fn open(ctx: &HostContext, port: u16) -> Connection {
    match tcp::connect(ctx, port).await {
        ConnectOutcome::Open { conn, .. } => conn,
        other => panic!("expected open, got {}", other.describe()),
    }
}

async fn run(ctx: &HostContext, port: u16, steps: &[Step]) -> ServiceObservation {
    let conn = open(ctx, port).await;
    identify_with_plan(ctx, port, conn, &plan(steps)).await
}

/// Reads until an empty line (an HTTP request head), at most 8 KiB.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}

/// Writes a banner and holds the connection open.
async fn banner_server(banner: &'static [u8]) -> u16 {
    serve(move |mut s: TcpStream| async move {
        let _ = s.write_all(banner).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await
    .0
}

#[tokio::test]
async fn server_first_banners() {
    let ctx = ctx_with(100);
    let cases: [(&'static [u8], ServiceKind); 6] = [
        (
            b"Authorised use only\r\nSSH-2.0-dropbear_2022.83\r\n",
            ServiceKind::Ssh,
        ),
        (b"RFB 003.008\n", ServiceKind::Vnc),
        (&[0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20], ServiceKind::Telnet),
        (b"220 (vsFTPd 3.0.5)\r\n", ServiceKind::Ftp),
        (
            b"220-mx.example.test ESMTP\r\n220 ready\r\n",
            ServiceKind::Smtp,
        ),
        (b"SSH-1.99-Cisco-1.25\n", ServiceKind::Ssh),
    ];
    for (banner, kind) in cases {
        let port = banner_server(banner).await;
        let started = Instant::now();
        let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
        assert_eq!(obs.kind, kind, "{banner:?}");
        assert_eq!(obs.status, ProbeStatus::Success);
        assert_eq!(obs.method, IdentificationMethod::Protocol);
        assert_eq!(obs.banner.as_ref().unwrap().length, banner.len());
        if kind == ServiceKind::Ssh || kind == ServiceKind::Vnc {
            // Complete banners end the wait at once.
            assert!(started.elapsed() < EXCHANGE, "{:?}", started.elapsed());
        }
    }
    let obs = run(
        &ctx,
        banner_server(b"SSH-2.0-dropbear_2022.83\r\n").await,
        &[],
    )
    .await;
    assert_eq!(obs.ssh.unwrap().software, "dropbear_2022.83");
    let obs = run(&ctx, banner_server(b"RFB 003.889\n").await, &[]).await;
    assert_eq!(obs.vnc.unwrap().protocol_version, "003.889");
}

#[tokio::test]
async fn garbage_banner_is_unrecognised_and_no_probe_follows() {
    let ctx = ctx_with(100);
    let (port, accepted) = serve(|mut s: TcpStream| async move {
        let _ = s.write_all(b"\x07\x08garbage\x00").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.kind, ServiceKind::Unknown);
    assert_eq!(obs.status, ProbeStatus::Unrecognised);
    assert_eq!(obs.method, IdentificationMethod::Protocol);
    assert_eq!(obs.banner.unwrap().escaped, "\\x07\\x08garbage\\x00");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn plain_http() {
    let ctx = ctx_with(100);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let (port, accepted) = serve(move |mut s: TcpStream| {
        let record = record.clone();
        async move {
            let head = read_head(&mut s).await;
            *record.lock().unwrap() = head;
            let _ = s
                .write_all(
                    b"HTTP/1.1 401 Unauthorized\r\nServer: Microsoft-HTTPAPI/2.0\r\nWWW-Authenticate: Negotiate\r\n\
Content-Length: 36\r\n\r\n<html><title>Sign in</title></html>",
                )
                .await;
            // Keep the connection open: the client must stop at Content-Length.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    })
    .await;
    let started = Instant::now();
    let obs = run(&ctx, port, &[Step::Http, Step::Tls]).await;
    assert_eq!(obs.kind, ServiceKind::Http);
    assert_eq!(obs.status, ProbeStatus::Success);
    let http = obs.http.unwrap();
    assert_eq!(http.status_code, 401);
    assert_eq!(http.server.as_deref(), Some("Microsoft-HTTPAPI/2.0"));
    assert_eq!(http.www_authenticate.as_deref(), Some("Negotiate"));
    assert_eq!(http.title.as_deref(), Some("Sign in"));
    // Banner wait (300 ms) and the request on the same connection, which ends at Content-Length.
    assert!(started.elapsed() < EXCHANGE * 2, "{:?}", started.elapsed());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    let head = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
    assert!(head.starts_with("GET / HTTP/1.1\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")),
        "{head}"
    );
    assert!(head.contains("\r\nUser-Agent: edgeaudit/"), "{head}");
    assert!(head.contains("\r\nConnection: close\r\n"), "{head}");
}

#[test]
fn winrm_is_named_on_its_ports_only() {
    let r = b"HTTP/1.1 404 Not Found\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n";
    assert_eq!(
        http_observation(r, 5985, false).unwrap().kind,
        ServiceKind::WinRm
    );
    assert_eq!(
        http_observation(r, 5986, true).unwrap().kind,
        ServiceKind::WinRm
    );
    assert_eq!(
        http_observation(r, 80, false).unwrap().kind,
        ServiceKind::Http
    );
    assert_eq!(
        http_observation(r, 443, true).unwrap().kind,
        ServiceKind::Https
    );
}

/// Answers `GET /` with a 200 page and anything else (a TLS ClientHello) with nginx's 400.
async fn http_server_that_rejects_tls() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        let n = s.read(&mut buf).await.unwrap_or(0);
        let answer: &[u8] = if buf[..n].starts_with(b"GET / ") {
            b"HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: close\r\n\r\n<title>FortiGate</title>"
        } else {
            b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nConnection: close\r\n\r\n\
<html><head><title>400 Bad Request</title></head></html>"
        };
        let _ = s.write_all(answer).await;
    })
    .await
}

#[tokio::test]
async fn plain_http_server_answering_a_client_hello_is_http_then_asked_properly() {
    let ctx = ctx_with(100);
    let (port, accepted) = http_server_that_rejects_tls().await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.kind, ServiceKind::Http);
    assert_eq!(obs.status, ProbeStatus::Success);
    let http = obs.http.as_ref().unwrap();
    assert_eq!(http.status_code, 200);
    assert_eq!(http.title.as_deref(), Some("FortiGate"));
    assert!(
        obs.notes.iter().any(|n| n.contains("ClientHello")),
        "{:?}",
        obs.notes
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn without_budget_the_answer_to_the_client_hello_stands() {
    let ctx = ctx_with(1);
    let (port, accepted) = http_server_that_rejects_tls().await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.kind, ServiceKind::Http);
    assert_eq!(obs.status, ProbeStatus::Success);
    assert_eq!(obs.http.as_ref().unwrap().status_code, 400);
    assert!(
        obs.notes.iter().any(|n| n.contains("budget")),
        "{:?}",
        obs.notes
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn tls_port_answering_plain_http_with_400_gets_a_handshake() {
    let ctx = ctx_with(100);
    // Like nginx on an `ssl` listener: TLS for a ClientHello, a plain 400 for plain HTTP.
    let acceptor = acceptor(&[&rustls::version::TLS13]);
    let (port, accepted) = serve(move |mut s: TcpStream| {
        let acceptor = acceptor.clone();
        async move {
            let mut first = [0u8; 1];
            if s.peek(&mut first).await.unwrap_or(0) == 1 && first[0] == 0x16 {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                read_head(&mut tls).await;
                let _ = tls.write_all(HTTPS_RESPONSE).await;
                let _ = tls.shutdown().await;
            } else {
                read_head(&mut s).await;
                let _ = s
                    .write_all(
                        b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n\
<title>400 The plain HTTP request was sent to HTTPS port</title>",
                    )
                    .await;
            }
        }
    })
    .await;
    let obs = run(&ctx, port, &[Step::Http, Step::Tls]).await;
    assert_eq!(obs.kind, ServiceKind::Https, "{obs:?}");
    assert_eq!(obs.http.unwrap().status_code, 200);
    assert_eq!(obs.tls.unwrap().version.as_deref(), Some("TLSv1.3"));
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn plain_400_everywhere_keeps_the_get_answer() {
    let ctx = ctx_with(100);
    let (port, accepted) = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        let n = s.read(&mut buf).await.unwrap_or(0);
        let title: &[u8] = if buf[..n].starts_with(b"GET ") {
            b"for GET"
        } else {
            b"for other"
        };
        let _ = s
            .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n<title>")
            .await;
        let _ = s.write_all(title).await;
        let _ = s.write_all(b"</title>").await;
    })
    .await;
    let obs = run(&ctx, port, &[Step::Http, Step::Tls]).await;
    assert_eq!(obs.kind, ServiceKind::Http);
    assert_eq!(obs.http.unwrap().title.as_deref(), Some("for GET"));
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn rdp_stack_answering_a_client_hello_gets_an_rdp_negotiation() {
    let ctx = ctx_with(100);
    // Like xrdp: a Connection Request gets a Connection Confirm, anything else an X.224 Data
    // TPDU carrying an MCS Disconnect Provider Ultimatum.
    let (port, accepted) = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        let n = s.read(&mut buf).await.unwrap_or(0);
        let answer = match ConnectionRequest::decode(&buf[..n]) {
            Ok(_) => cc(Some(NegotiationResponse::Selected {
                flags: 0,
                protocol: Protocols::SSL,
            })),
            Err(_) => b"\x03\x00\x00\x09\x02\xf0\x80\x21\x80".to_vec(),
        };
        let _ = s.write_all(&answer).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.kind, ServiceKind::Rdp);
    assert_eq!(obs.status, ProbeStatus::Success);
    assert_eq!(obs.rdp.unwrap().response, "selected:PROTOCOL_SSL");
    assert!(
        obs.notes.iter().any(|n| n.contains("X.224 Data")),
        "{:?}",
        obs.notes
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn tls_record_answering_plain_http_leads_to_a_tls_handshake() {
    let ctx = ctx_with(100);
    let (port, accepted) = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf).await;
        let _ = s
            .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])
            .await;
    })
    .await;
    let obs = run(&ctx, port, &[Step::Http]).await;
    assert_eq!(obs.kind, ServiceKind::Tls);
    let err = obs.tls.unwrap().handshake_error.unwrap();
    assert!(err.contains("ProtocolVersion"), "{err}");
    assert!(
        obs.notes.iter().any(|n| n.contains("TLS record")),
        "{:?}",
        obs.notes
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

fn acceptor(versions: &[&'static rustls::SupportedProtocolVersion]) -> TlsAcceptor {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY.to_vec()));
    let mut config = ServerConfig::builder_with_provider(tls::provider())
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(CERT.to_vec())], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsAcceptor::from(Arc::new(config))
}

/// A TLS server that answers with `inner` (after reading a request head when `read_request`),
/// recording the SNI it saw.
async fn tls_server(
    versions: &[&'static rustls::SupportedProtocolVersion],
    inner: &'static [u8],
    read_request: bool,
) -> (u16, Arc<Mutex<Option<Option<String>>>>) {
    let acceptor = acceptor(versions);
    let sni = Arc::new(Mutex::new(None));
    let record = sni.clone();
    let (port, _) = serve(move |s: TcpStream| {
        let acceptor = acceptor.clone();
        let record = record.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(s).await else {
                return;
            };
            *record.lock().unwrap() = Some(tls.get_ref().1.server_name().map(str::to_string));
            if read_request {
                read_head(&mut tls).await;
            }
            let _ = tls.write_all(inner).await;
            let _ = tls.shutdown().await;
        }
    })
    .await;
    (port, sni)
}

const HTTPS_RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nServer: edge-test\r\nContent-Length: 33\r\n\r\n<title>SSL-VPN &amp; portal</title>";

#[tokio::test]
async fn https_over_tls13_records_handshake_and_certificate() {
    let ctx = ctx_with(100);
    let (port, sni) = tls_server(&[&rustls::version::TLS13], HTTPS_RESPONSE, true).await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.kind, ServiceKind::Https, "{obs:?}");
    assert_eq!(obs.status, ProbeStatus::Success);
    let tls = obs.tls.as_ref().unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLSv1.3"));
    assert!(
        tls.cipher_suite.as_deref().unwrap().starts_with("TLS_AES_")
            || tls
                .cipher_suite
                .as_deref()
                .unwrap()
                .starts_with("TLS_CHACHA20")
    );
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(tls.handshake_error, None);
    let cert = tls.certificate.as_ref().unwrap();
    assert_eq!(cert.subject, "CN=localhost, O=edgeaudit test");
    assert!(cert.self_signed);
    assert_eq!(cert.key_bits, Some(2048));
    let http = obs.http.as_ref().unwrap();
    assert_eq!(http.status_code, 200);
    assert_eq!(http.title.as_deref(), Some("SSL-VPN & portal"));
    assert!(obs.notes.is_empty(), "{:?}", obs.notes);
    // An address target sends no SNI.
    assert_eq!(*sni.lock().unwrap(), Some(None));
}

#[tokio::test]
async fn tls12_with_sni_from_the_hostname() {
    let mut ctx = ctx_with(100);
    ctx.hostname = Some("vpn.example.test.".to_string());
    let (port, sni) = tls_server(&[&rustls::version::TLS12], HTTPS_RESPONSE, true).await;
    let obs = run(&ctx, port, &[Step::Tls]).await;
    assert_eq!(obs.kind, ServiceKind::Https);
    let tls = obs.tls.as_ref().unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLSv1.2"));
    assert!(tls
        .cipher_suite
        .as_deref()
        .unwrap()
        .starts_with("TLS_ECDHE_RSA_WITH_"));
    assert_eq!(
        *sni.lock().unwrap(),
        Some(Some("vpn.example.test".to_string()))
    );
}

#[tokio::test]
async fn tls_with_another_protocol_inside() {
    let ctx = ctx_with(100);
    let (port, _) = tls_server(
        &[&rustls::version::TLS13],
        b"* OK IMAP4rev1 ready\r\n",
        false,
    )
    .await;
    let obs = run(&ctx, port, &[Step::Tls]).await;
    assert_eq!(obs.kind, ServiceKind::Tls);
    assert_eq!(obs.status, ProbeStatus::Success);
    assert!(obs.banner.unwrap().escaped.starts_with("* OK IMAP4rev1"));
    assert!(obs.tls.unwrap().certificate.is_some());
}

#[tokio::test]
async fn tls_alert_is_a_tls_observation() {
    let ctx = ctx_with(100);
    let (port, _) = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf).await;
        // Alert, fatal, handshake_failure (RFC 8446 §6).
        let _ = s
            .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
            .await;
    })
    .await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.kind, ServiceKind::Tls);
    assert_eq!(obs.status, ProbeStatus::Success);
    let err = obs.tls.unwrap().handshake_error.unwrap();
    assert!(err.contains("HandshakeFailure"), "{err}");
}

#[tokio::test]
async fn tls_server_speaking_garbage_is_kept_as_evidence() {
    let ctx = ctx_with(100);
    let (port, _) = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(b"\x99\x98 what?").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let obs = run(&ctx, port, &[Step::Tls]).await;
    assert_eq!(obs.kind, ServiceKind::Unknown);
    assert_eq!(obs.status, ProbeStatus::Unrecognised);
    assert_eq!(obs.banner.unwrap().escaped, "\\x99\\x98 what?");
}

/// An RDP server answering the Connection Request with `confirm`.
async fn rdp_server(confirm: Vec<u8>) -> u16 {
    let confirm: &'static [u8] = Box::leak(confirm.into_boxed_slice());
    serve(move |mut s: TcpStream| async move {
        let mut buf = [0u8; 19];
        if s.read_exact(&mut buf).await.is_err() {
            return;
        }
        let req = ConnectionRequest::decode(&buf).unwrap();
        assert_eq!(
            req.negotiation.unwrap().requested_protocols,
            crate::probe::rdp::REQUESTED
        );
        let _ = s.write_all(confirm).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await
    .0
}

fn cc(negotiation: Option<NegotiationResponse>) -> Vec<u8> {
    ConnectionConfirm {
        dst_ref: 0,
        src_ref: 0x1234,
        class_option: 0,
        negotiation,
    }
    .encode()
}

#[tokio::test]
async fn rdp_negotiation_outcomes() {
    let ctx = ctx_with(100);
    let cases = [
        (
            cc(Some(NegotiationResponse::Selected {
                flags: 0x1f,
                protocol: Protocols::HYBRID,
            })),
            "selected:PROTOCOL_HYBRID",
        ),
        (
            cc(Some(NegotiationResponse::Selected {
                flags: 0,
                protocol: Protocols::SSL,
            })),
            "selected:PROTOCOL_SSL",
        ),
        (
            cc(Some(NegotiationResponse::Failure {
                flags: 0,
                code: FailureCode::SSL_NOT_ALLOWED_BY_SERVER,
            })),
            "failure:SSL_NOT_ALLOWED_BY_SERVER",
        ),
        (cc(None), "no_negotiation"),
    ];
    for (confirm, response) in cases {
        let port = rdp_server(confirm).await;
        let started = Instant::now();
        let obs = run(&ctx, port, &[Step::Rdp, Step::Tls]).await;
        assert_eq!(obs.kind, ServiceKind::Rdp);
        assert_eq!(obs.status, ProbeStatus::Success);
        let rdp = obs.rdp.unwrap();
        assert_eq!(rdp.response, response);
        assert_eq!(
            rdp.requested_protocols,
            ["PROTOCOL_SSL", "PROTOCOL_HYBRID", "PROTOCOL_HYBRID_EX"]
        );
        // The confirm ends the read at once; the server keeps the connection open.
        assert!(started.elapsed() < EXCHANGE * 2, "{:?}", started.elapsed());
    }
}

#[tokio::test]
async fn rdp_malformed_confirm_is_a_protocol_error() {
    let ctx = ctx_with(100);
    // TPKT framing, but an X.224 Disconnect Request instead of a Connection Confirm.
    let port = rdp_server(vec![0x03, 0x00, 0x00, 0x0b, 0x06, 0x80, 0, 0, 0, 0, 0]).await;
    let obs = run(&ctx, port, &[Step::Rdp]).await;
    assert_eq!(obs.kind, ServiceKind::Rdp);
    assert_eq!(obs.status, ProbeStatus::ProtocolError);
    assert!(obs.rdp.is_none());
    assert!(
        obs.notes.iter().any(|n| n.contains("0x80")),
        "{:?}",
        obs.notes
    );
}

#[tokio::test]
async fn tarpit_gives_up_within_the_exchange_deadlines() {
    let ctx = ctx_with(100);
    let (port, accepted) = serve(tarpit).await;
    let started = Instant::now();
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    // Banner wait, TLS on the same connection, HTTP on a second one: three exchange timeouts.
    let took = started.elapsed();
    assert!(
        took >= EXCHANGE * 3 && took < EXCHANGE * 3 + Duration::from_millis(500),
        "{took:?}"
    );
    assert_eq!(obs.kind, ServiceKind::Unknown);
    assert_eq!(obs.method, IdentificationMethod::PortNumber);
    assert_eq!(obs.status, ProbeStatus::Timeout);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    assert_eq!(obs.notes.len(), 3, "{:?}", obs.notes);
}

#[tokio::test]
async fn tarpit_is_cut_at_the_target_deadline() {
    let (mut ctx, _) = context(
        LOOPBACK,
        Duration::from_secs(5),
        Duration::from_secs(10),
        4,
        100,
    );
    let (port, _) = serve(tarpit).await;
    let conn = open(&ctx, port).await;
    ctx.deadline = Instant::now() + Duration::from_millis(400);
    let started = Instant::now();
    let obs = identify_with_plan(&ctx, port, conn, &plan(&[Step::Tls, Step::Http])).await;
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(obs.status, ProbeStatus::Timeout);
    assert!(
        obs.notes.iter().any(|n| n.contains("deadline")),
        "{:?}",
        obs.notes
    );
}

#[tokio::test]
async fn closing_server_uses_at_most_three_connections() {
    let ctx = ctx_with(100);
    let (port, accepted) = serve(|s: TcpStream| async move { drop(s) }).await;
    let obs = run(
        &ctx,
        port,
        &[Step::Http, Step::Http, Step::Http, Step::Http],
    )
    .await;
    assert_eq!(obs.status, ProbeStatus::ConnectionClosed);
    assert_eq!(obs.method, IdentificationMethod::PortNumber);
    assert_eq!(accepted.load(Ordering::SeqCst), MAX_CONNECTIONS_PER_PORT);
    assert!(
        obs.notes.iter().any(|n| n.contains("connections per port")),
        "{:?}",
        obs.notes
    );
}

#[tokio::test]
async fn silence_then_closed_steps_is_connection_closed() {
    let ctx = ctx_with(100);
    // Silent until the client speaks, then closes without a word.
    let (port, _) = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf).await;
    })
    .await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.status, ProbeStatus::ConnectionClosed, "{:?}", obs.notes);
    // Silence with nothing to try afterwards is a timeout.
    let obs = run(&ctx, port, &[]).await;
    assert_eq!(obs.status, ProbeStatus::Timeout, "{:?}", obs.notes);
}

#[tokio::test]
async fn budget_exhaustion_is_reported() {
    // The budget covers the scan connection only.
    let ctx = ctx_with(1);
    let (port, accepted) = serve(tarpit).await;
    let obs = run(&ctx, port, &[Step::Tls, Step::Http]).await;
    assert_eq!(obs.status, ProbeStatus::BudgetExhausted);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert!(
        obs.notes.iter().any(|n| n.contains("budget")),
        "{:?}",
        obs.notes
    );
}

#[test]
fn nothing_answered_names_the_port() {
    let obs = deadline_cut_service(3389);
    assert_eq!(
        (obs.kind, obs.method, obs.status),
        (
            ServiceKind::Rdp,
            IdentificationMethod::PortNumber,
            ProbeStatus::Timeout
        )
    );
    assert_eq!(deadline_cut_service(40000).kind, ServiceKind::Unknown);
    for (port, kind) in [
        (445, ServiceKind::Smb),
        (135, ServiceKind::MsRpc),
        (139, ServiceKind::NetbiosSession),
        (5985, ServiceKind::WinRm),
        (5986, ServiceKind::WinRm),
        (1723, ServiceKind::Pptp),
        (1194, ServiceKind::OpenVpn),
        (23, ServiceKind::Telnet),
        (22, ServiceKind::Ssh),
        (5901, ServiceKind::Vnc),
        (8080, ServiceKind::Http),
        (10443, ServiceKind::Https),
    ] {
        assert_eq!(usual_service(port), Some(kind), "{port}");
    }
}

#[test]
fn garbage_on_a_known_port_is_not_named_after_it() {
    let mut out = Outcome::new(3389);
    out.unrecognised = Some(b"\x01\x02".to_vec());
    let obs = out.finish();
    assert_eq!(
        (obs.kind, obs.status),
        (ServiceKind::Unknown, ProbeStatus::Unrecognised)
    );
    assert!(
        obs.notes.iter().any(|n| n.contains("usually carries rdp")),
        "{:?}",
        obs.notes
    );
}

#[test]
fn plans_by_port() {
    assert_eq!(
        plan_for_port(22),
        Plan {
            banner_wait: BannerWait::Full,
            steps: vec![]
        }
    );
    assert_eq!(
        plan_for_port(80),
        Plan {
            banner_wait: BannerWait::Short,
            steps: vec![Step::Http, Step::Tls]
        }
    );
    assert_eq!(
        plan_for_port(443),
        Plan {
            banner_wait: BannerWait::None,
            steps: vec![Step::Tls, Step::Http]
        }
    );
    assert_eq!(
        plan_for_port(3389),
        Plan {
            banner_wait: BannerWait::Short,
            steps: vec![Step::Rdp, Step::Tls]
        }
    );
    assert_eq!(
        plan_for_port(445),
        Plan {
            banner_wait: BannerWait::Short,
            steps: vec![]
        }
    );
    assert_eq!(
        plan_for_port(12345),
        Plan {
            banner_wait: BannerWait::Short,
            steps: vec![Step::Tls, Step::Http]
        }
    );
    for port in 0..=u16::MAX {
        assert!(plan_for_port(port).steps.len() < MAX_CONNECTIONS_PER_PORT);
    }
}

#[test]
fn wire_text_is_safe_and_bounded() {
    assert_eq!(wire_text("ログイン画面".as_bytes(), 100), "ログイン画面");
    assert_eq!(wire_text("ログイン画面".as_bytes(), 3), "ログイ");
    assert_eq!(wire_text(b"a\r\nb\tc", 100), "a  b c");
    assert_eq!(wire_text(b"a\x00\x1b\x7fb", 100), "a\\x00\\x1b\\x7fb");
    assert_eq!(wire_text("\u{85}".as_bytes(), 100), "\\u{0085}");
    assert_eq!(wire_text(b"ok\xff\xfeok", 100), "ok\\xff\\xfeok");
    assert_eq!(wire_text(b"\xff\xff\xff", 5), "\\xff\\");
}

/// A server-first banner slower than the short wait on an unlisted port is still recognised, as
/// the answer to the ClientHello.
#[tokio::test]
async fn slow_banner_on_an_unlisted_port_is_read_as_the_answer_to_tls() {
    let port = serve(|mut s: TcpStream| async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await
    .0;
    let ctx = ctx_with(100);
    let conn = open(&ctx, port).await;
    let quick = Plan {
        banner_wait: BannerWait::Short,
        steps: vec![Step::Tls, Step::Http],
    };
    // The short wait is min(exchange, 0.5 s) = 300 ms here; shrink it below the server's delay.
    let mut fast_ctx = ctx.clone();
    fast_ctx.config.exchange_timeout = Duration::from_millis(200);
    let obs = identify_with_plan(&fast_ctx, port, conn, &quick).await;
    assert_eq!(obs.kind, ServiceKind::Ssh, "{obs:?}");
    assert_eq!(obs.ssh.unwrap().software, "OpenSSH_9.6");
}
