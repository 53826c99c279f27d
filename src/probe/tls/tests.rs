//! Driver tests against `openssl s_server` on 127.0.0.1 (and small loopback listeners of our own).
//! No other traffic. The `openssl` CLI is required: a missing one fails the tests loudly.

use std::collections::BTreeSet;
use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use super::audit_tls;
use crate::observation::{ProbeStatus, TlsAudit, TlsSupport, TlsVersionSupport};
use crate::probe::tcp::tests::{context, serve, tarpit, LOOPBACK};

/// An `openssl s_server` on a loopback port, killed on drop.
struct SServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(args: &[&str]) -> std::process::Output {
    match Command::new("openssl").args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "the TLS driver tests need the openssl CLI (Debian/Ubuntu package `openssl`): {e}"
        ),
    }
}

/// Starts `openssl s_server -www` with a fresh self-signed RSA certificate and `args`, and waits
/// (at most 10 s) until it accepts connections.
async fn s_server(args: &[&str]) -> SServer {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let cert = dir.path().join("cert.pem");
    let (key_s, cert_s) = (key.to_str().unwrap(), cert.to_str().unwrap());
    let out = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key_s,
        "-out",
        cert_s,
        "-subj",
        "/CN=localhost",
        "-days",
        "2",
    ]);
    assert!(out.status.success(), "openssl req: {out:?}");
    let port = StdListener::bind((LOOPBACK, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let accept = format!("127.0.0.1:{port}");
    let mut full = vec![
        "s_server", "-accept", &accept, "-cert", cert_s, "-key", key_s, "-www", "-quiet",
    ];
    full.extend_from_slice(args);
    let child = Command::new("openssl")
        .args(&full)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("the TLS driver tests need the openssl CLI (package `openssl`): {e}")
        });
    let mut server = SServer {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("openssl s_server {args:?} exited: {status}");
        }
        if tokio::net::TcpStream::connect((LOOPBACK, port))
            .await
            .is_ok()
        {
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "openssl s_server did not listen within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn audit(port: u16, budget: usize) -> TlsAudit {
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_secs(2),
        Duration::from_secs(60),
        1,
        budget,
    );
    let started = Instant::now();
    let audit = audit_tls(&ctx, port, Some("localhost")).await;
    eprintln!(
        "audit of port {port}: {} handshakes in {:?}\n{}",
        audit.handshakes,
        started.elapsed(),
        serde_json::to_string_pretty(&audit).unwrap()
    );
    audit
}

fn version<'a>(audit: &'a TlsAudit, name: &str) -> &'a TlsVersionSupport {
    audit
        .versions
        .iter()
        .find(|v| v.version == name)
        .unwrap_or_else(|| panic!("no {name} in {audit:?}"))
}

fn names(v: &TlsVersionSupport) -> BTreeSet<&str> {
    v.cipher_suites.iter().map(|s| s.name.as_str()).collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

/// Every version but `accepted` is rejected (not merely untested).
fn only_accepted(audit: &TlsAudit, accepted: &str) {
    let order: Vec<&str> = audit.versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(
        order,
        ["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3", "SSLv2"]
    );
    for v in &audit.versions {
        if v.version == accepted {
            assert_eq!(v.support, TlsSupport::Accepted, "{}", v.version);
            assert!(v.enumeration_complete, "{}", v.version);
        } else {
            assert!(
                matches!(v.support, TlsSupport::Rejected { .. }),
                "{}: {:?}",
                v.version,
                v.support
            );
            assert!(v.cipher_suites.is_empty());
        }
    }
    assert_eq!(audit.status, ProbeStatus::Success);
    assert_eq!(audit.sni.as_deref(), Some("localhost"));
}

#[tokio::test]
async fn tls13_only_server() {
    let server = s_server(&["-tls1_3"]).await;
    let audit = audit(server.port, 100).await;
    only_accepted(&audit, "TLSv1.3");
    let v13 = version(&audit, "TLSv1.3");
    assert_eq!(
        names(v13),
        set(&[
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256"
        ])
    );
    assert_eq!(v13.server_preference, Some(false));
    let v12 = version(&audit, "TLSv1.2");
    assert_eq!(
        v12.support,
        TlsSupport::Rejected {
            reason: "protocol_version".into()
        }
    );
    // 3 picks + 1 refusal + 1 preference test; 1 each for 1.2, 1.1, 1.0, SSLv3, SSLv2.
    assert_eq!(audit.handshakes, 10);
}

#[tokio::test]
async fn tls12_server_with_two_suites() {
    let server = s_server(&[
        "-no_tls1_3",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
    ])
    .await;
    let audit = audit(server.port, 200).await;
    only_accepted(&audit, "TLSv1.2");
    let v12 = version(&audit, "TLSv1.2");
    assert_eq!(
        names(v12),
        set(&[
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        ])
    );
    assert_eq!(v12.server_preference, Some(false));
    let codes: Vec<u16> = v12.cipher_suites.iter().map(|s| s.code).collect();
    assert_eq!(codes, [0xC02F, 0xC030]);
    assert_eq!(
        v12.cipher_suites[0].openssl_name.as_deref(),
        Some("ECDHE-RSA-AES128-GCM-SHA256")
    );
}

#[tokio::test]
async fn legacy_tls10_server() {
    let server = s_server(&[
        "-tls1",
        "-cipher",
        "AES128-SHA:DHE-RSA-AES256-SHA@SECLEVEL=0",
    ])
    .await;
    let audit = audit(server.port, 200).await;
    only_accepted(&audit, "TLSv1.0");
    let v10 = version(&audit, "TLSv1.0");
    assert_eq!(
        names(v10),
        set(&[
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"
        ])
    );
    assert_eq!(v10.server_preference, Some(false));
}

const THREE_SUITES: &str =
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";

#[tokio::test]
async fn server_preference_is_detected_with_its_order() {
    let server = s_server(&["-no_tls1_3", "-serverpref", "-cipher", THREE_SUITES]).await;
    let audit = audit(server.port, 200).await;
    only_accepted(&audit, "TLSv1.2");
    let v12 = version(&audit, "TLSv1.2");
    assert_eq!(v12.server_preference, Some(true));
    let order: Vec<&str> = v12.cipher_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        order,
        [
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        ],
        "the server's order"
    );
}

#[tokio::test]
async fn client_preference_is_detected() {
    let server = s_server(&["-no_tls1_3", "-cipher", THREE_SUITES]).await;
    let audit = audit(server.port, 200).await;
    only_accepted(&audit, "TLSv1.2");
    let v12 = version(&audit, "TLSv1.2");
    assert_eq!(v12.server_preference, Some(false));
    assert_eq!(v12.cipher_suites.len(), 3);
}

#[tokio::test]
async fn budget_exhaustion_is_not_tested_not_rejected() {
    let server = s_server(&["-tls1_3"]).await;
    let audit = audit(server.port, 2).await;
    assert_eq!(audit.handshakes, 2);
    let v13 = version(&audit, "TLSv1.3");
    assert_eq!(v13.support, TlsSupport::Accepted);
    assert!(!v13.enumeration_complete);
    assert_eq!(v13.server_preference, None);
    for v in &audit.versions[1..] {
        assert!(
            matches!(&v.support, TlsSupport::NotTested { reason } if reason.contains("budget")),
            "{}: {:?}",
            v.version,
            v.support
        );
    }
}

#[tokio::test]
async fn non_tls_server_is_unrecognised_after_one_handshake() {
    let (port, _) = serve(|mut s| async move {
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    })
    .await;
    let audit = audit(port, 100).await;
    assert_eq!(audit.status, ProbeStatus::Unrecognised);
    assert_eq!(audit.handshakes, 1);
    assert!(audit.notes.iter().any(|n| n.contains("HTTP/1.1 400")));
    assert!(audit
        .versions
        .iter()
        .all(|v| matches!(v.support, TlsSupport::NotTested { .. })));
}

#[tokio::test]
async fn silent_server_is_bounded_by_the_exchange_timeout() {
    let (port, _) = serve(tarpit).await;
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_millis(200),
        Duration::from_secs(10),
        1,
        100,
    );
    let started = Instant::now();
    let audit = audit_tls(&ctx, port, None).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(audit.status, ProbeStatus::Timeout);
    // One hello per version, each answered by silence.
    assert_eq!(audit.handshakes, 6);
    for v in &audit.versions {
        assert_eq!(
            v.support,
            TlsSupport::Rejected {
                reason: "no answer".into()
            },
            "{}",
            v.version
        );
    }
}

#[tokio::test]
async fn target_deadline_stops_the_audit() {
    let (port, _) = serve(tarpit).await;
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_secs(5),
        Duration::from_millis(300),
        1,
        100,
    );
    let started = Instant::now();
    let audit = audit_tls(&ctx, port, None).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(audit.handshakes, 1);
    for v in &audit.versions {
        assert!(
            matches!(&v.support, TlsSupport::NotTested { reason } if reason.contains("deadline")),
            "{}: {:?}",
            v.version,
            v.support
        );
    }
}
