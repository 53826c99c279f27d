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
    s_server_with_key(&["-newkey", "rsa:2048"], args).await
}

/// [`s_server`] with the certificate's key made by `key` (`openssl req` arguments).
async fn s_server_with_key(key: &[&str], args: &[&str]) -> SServer {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.pem");
    let cert = dir.path().join("cert.pem");
    let (key_s, cert_s) = (key_path.to_str().unwrap(), cert.to_str().unwrap());
    let mut req = vec!["req", "-x509"];
    req.extend_from_slice(key);
    req.extend([
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
    let out = openssl(&req);
    assert!(out.status.success(), "openssl req: {out:?}");
    let port = free_loopback_port();
    let accept = format!("127.0.0.1:{port}");
    let mut full = vec![
        "s_server", "-accept", &accept, "-cert", cert_s, "-key", key_s, "-www", "-quiet",
    ];
    full.extend_from_slice(args);
    let child = start_openssl_server(&full, port, "the TLS driver tests").await;
    SServer {
        child,
        port,
        _dir: dir,
    }
}

/// A free port on 127.0.0.1 (bind, read, release: a small race the start loop below absorbs
/// by failing loudly rather than hanging).
pub(crate) fn free_loopback_port() -> u16 {
    StdListener::bind((LOOPBACK, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `openssl ARGS...` (an `s_server` listening on 127.0.0.1:`port`) and waits at most
/// 10 s until it accepts connections. `who` names the tests in the panic when openssl is missing.
pub(crate) async fn start_openssl_server(args: &[&str], port: u16, who: &str) -> Child {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{who} need the openssl CLI (package `openssl`): {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("openssl s_server {args:?} exited: {status}");
        }
        if tokio::net::TcpStream::connect((LOOPBACK, port))
            .await
            .is_ok()
        {
            return child;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("openssl s_server did not listen within 10 s");
        }
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
    // 3 picks + 1 refusal + 1 preference test; 1 each for 1.2, 1.1, 1.0, SSLv3, SSLv2; groups:
    // x25519 known from the version probes, then 9 HelloRetryRequests (OpenSSL 3.0's default
    // groups) and the refusal.
    assert_eq!(audit.handshakes, 20);
    assert_eq!(
        group_names(&audit, "TLSv1.3"),
        [
            "x25519",
            "secp256r1",
            "x448",
            "secp521r1",
            "secp384r1",
            "ffdhe2048",
            "ffdhe3072",
            "ffdhe4096",
            "ffdhe6144",
            "ffdhe8192"
        ]
    );
    // Nothing up to TLS 1.2 to read options from.
    assert_eq!(audit.options, None);
    assert_eq!(audit.dh_prime_bits, None);
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

/// An ECDSA certificate: of the ECDHE suites configured, only the ECDSA ones can be used, and the
/// engine reports exactly those.
#[tokio::test]
async fn ecdsa_certificate_limits_the_suites_to_ecdsa() {
    let server = s_server_with_key(
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[
            "-no_tls1_3",
            "-cipher",
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256",
        ],
    )
    .await;
    let audit = audit(server.port, 200).await;
    only_accepted(&audit, "TLSv1.2");
    assert_eq!(
        names(version(&audit, "TLSv1.2")),
        set(&[
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        ])
    );
}

/// TLS 1.2 and 1.3 with AEAD suites only (a Mozilla "intermediate"-style server): exact sets for
/// both versions, and nothing below.
#[tokio::test]
async fn aead_only_tls12_and_tls13() {
    let server = s_server(&[
        "-min_protocol",
        "TLSv1.2",
        "-cipher",
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256",
        "-ciphersuites",
        "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
    ])
    .await;
    let audit = audit(server.port, 200).await;
    assert_eq!(
        names(version(&audit, "TLSv1.3")),
        set(&["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"])
    );
    assert_eq!(
        names(version(&audit, "TLSv1.2")),
        set(&[
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
        ])
    );
    for old in ["TLSv1.1", "TLSv1.0", "SSLv3", "SSLv2"] {
        assert!(
            matches!(version(&audit, old).support, TlsSupport::Rejected { .. }),
            "{old}"
        );
    }
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

/// Names of the groups accepted at `version`, in the order found.
fn group_names<'a>(audit: &'a TlsAudit, version: &str) -> Vec<&'a str> {
    audit
        .groups
        .iter()
        .filter(|g| g.version == version)
        .map(|g| g.name.as_str())
        .collect()
}

#[test]
fn hello_groups_and_key_shares_can_be_chosen() {
    use super::wire::{ClientHello, ExtensionType, HelloOptions, NamedGroup, ProtocolVersion};
    let mut opts = HelloOptions::new(ProtocolVersion::TLS13, vec![0x1301]);
    opts.groups = Some(vec![NamedGroup::SECP384R1, NamedGroup::X25519MLKEM768]);
    opts.key_shares = Some(Vec::new());
    let hello = ClientHello::decode(&ClientHello::for_probe(&opts).encode()).unwrap();
    let ext = hello.extensions.unwrap();
    let data = |t: ExtensionType| ext.iter().find(|e| e.typ == t).unwrap().data.clone();
    assert_eq!(
        data(ExtensionType::SUPPORTED_GROUPS),
        [0, 4, 0, 24, 0x11, 0xEC]
    );
    assert_eq!(data(ExtensionType::KEY_SHARE), [0, 0]);

    opts.key_shares = Some(vec![(NamedGroup::SECP256R1, vec![4; 65])]);
    let hello = ClientHello::decode(&ClientHello::for_probe(&opts).encode()).unwrap();
    let ext = hello.extensions.unwrap();
    let share = &ext
        .iter()
        .find(|e| e.typ == ExtensionType::KEY_SHARE)
        .unwrap()
        .data;
    assert_eq!(share[..6], [0, 69, 0, 23, 0, 65]);
    assert_eq!(share.len(), 2 + 4 + 65);

    // The default is unchanged: every TLS 1.3 group, one x25519 share.
    let default = HelloOptions::new(ProtocolVersion::TLS13, vec![0x1301]);
    let hello = ClientHello::decode(&ClientHello::for_probe(&default).encode()).unwrap();
    let ext = hello.extensions.unwrap();
    let share = &ext
        .iter()
        .find(|e| e.typ == ExtensionType::KEY_SHARE)
        .unwrap()
        .data;
    assert_eq!(share[..6], [0, 36, 0, 29, 0, 32]);
}

#[tokio::test]
async fn tls13_groups_are_exactly_the_configured_ones() {
    let server = s_server(&["-tls1_3", "-groups", "X25519:P-256"]).await;
    let audit = audit(server.port, 100).await;
    only_accepted(&audit, "TLSv1.3");
    assert_eq!(group_names(&audit, "TLSv1.3"), ["x25519", "secp256r1"]);
    assert_eq!(audit.groups.len(), 2);
    let codes: Vec<u16> = audit.groups.iter().map(|g| g.code).collect();
    assert_eq!(codes, [29, 23]);
    // OpenSSL 3.0 has no ML-KEM: never claimed.
    assert!(!audit.groups.iter().any(|g| g.code == 0x11EC));
    // 10 as in `tls13_only_server`; x25519 is known from the version probes, then one
    // HelloRetryRequest (secp256r1) and the refusal.
    assert_eq!(audit.handshakes, 12);
    assert_eq!(audit.options, None);
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);
}

#[tokio::test]
async fn tls12_ecdhe_curves_and_options() {
    let server = s_server(&[
        "-tls1_2",
        "-groups",
        "P-384",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256",
    ])
    .await;
    let audit = audit(server.port, 100).await;
    only_accepted(&audit, "TLSv1.2");
    assert_eq!(group_names(&audit, "TLSv1.2"), ["secp384r1"]);
    assert_eq!(audit.groups.len(), 1);
    assert_eq!(audit.dh_prime_bits, None);
    let options = audit.options.clone().expect("options");
    assert_eq!(options.secure_renegotiation, Some(true));
    assert_eq!(options.compression, Some(false));
    // One version only: nothing to fall back to.
    assert_eq!(options.fallback_scsv, None);
    assert_eq!(options.heartbeat, Some(false));
    assert_eq!(options.session_ticket, Some(true));
    assert!(options.alpn.is_empty());
    // 1.3 refused (1); 1.2: pick + a refusal per bundle of 128 suites (1 + 3); 1.1, 1.0, SSLv3,
    // SSLv2 (4); curves: secp384r1 known from the pick, one refusal for the rest (1);
    // compression (1).
    assert_eq!(audit.handshakes, 11);
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);
}

#[tokio::test]
async fn dhe_prime_size_and_no_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let params = dir.path().join("dh.pem");
    let params_s = params.to_str().unwrap();
    // RFC 7919 ffdhe3072: instant, and unlike 2048 not what OpenSSL would pick on its own for
    // an RSA-2048 certificate, so the value read must come from the configured parameters.
    let out = openssl(&[
        "genpkey",
        "-genparam",
        "-algorithm",
        "DH",
        "-pkeyopt",
        "group:ffdhe3072",
        "-out",
        params_s,
    ]);
    assert!(out.status.success(), "openssl genpkey: {out:?}");
    let server = s_server(&[
        "-tls1_2",
        "-no_ticket",
        "-cipher",
        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384",
        "-dhparam",
        params_s,
    ])
    .await;
    let audit = audit(server.port, 100).await;
    only_accepted(&audit, "TLSv1.2");
    assert_eq!(audit.dh_prime_bits, Some(3072));
    // No ECDHE suite: no curve test.
    assert!(audit.groups.is_empty());
    let options = audit.options.clone().expect("options");
    assert_eq!(options.session_ticket, Some(false));
    assert_eq!(options.secure_renegotiation, Some(true));
    assert_eq!(options.compression, Some(false));
    assert_eq!(options.fallback_scsv, None);
    // 1.3 (1); 1.2: 2 picks + 3 bundle refusals + preference (6); 1.1, 1.0, SSLv3, SSLv2 (4);
    // compression (1). The DH prime comes from the enumeration's own handshakes.
    assert_eq!(audit.handshakes, 12);
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);
}

#[tokio::test]
async fn fallback_scsv_is_honoured_between_tls11_and_tls12() {
    let server = s_server(&[
        "-min_protocol",
        "TLSv1.1",
        "-max_protocol",
        "TLSv1.2",
        "-cipher",
        "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256@SECLEVEL=0",
    ])
    .await;
    let audit = audit(server.port, 100).await;
    assert_eq!(version(&audit, "TLSv1.2").support, TlsSupport::Accepted);
    assert_eq!(version(&audit, "TLSv1.1").support, TlsSupport::Accepted);
    let options = audit.options.clone().expect("options");
    assert_eq!(options.fallback_scsv, Some(true));
    assert_eq!(options.secure_renegotiation, Some(true));
    assert_eq!(options.session_ticket, Some(true));
    // Curves are tested at the best version with ECDHE only.
    assert_eq!(
        group_names(&audit, "TLSv1.2"),
        ["x25519", "secp256r1", "secp384r1", "secp521r1", "x448"]
    );
    assert!(group_names(&audit, "TLSv1.1").is_empty());
    // 1.3 (1); 1.2: 2 picks + 3 bundle refusals + preference (6); 1.1: pick + 2 bundle
    // refusals (3); 1.0, SSLv3, SSLv2 (3); curves: x25519 known, 4 more + refusal (5);
    // compression (1); fallback (1).
    assert_eq!(audit.handshakes, 20);
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);
}

#[tokio::test]
async fn fallback_scsv_from_tls12_on_a_tls13_server_and_alpn() {
    let server = s_server(&[
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "-ciphersuites",
        "TLS_AES_128_GCM_SHA256",
        "-groups",
        "X25519:P-256",
        "-alpn",
        "http/1.1",
    ])
    .await;
    let audit = audit(server.port, 100).await;
    assert_eq!(group_names(&audit, "TLSv1.3"), ["x25519", "secp256r1"]);
    assert_eq!(group_names(&audit, "TLSv1.2"), ["x25519", "secp256r1"]);
    let options = audit.options.clone().expect("options");
    assert_eq!(options.fallback_scsv, Some(true));
    assert_eq!(options.alpn, ["http/1.1"]);
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);
}

#[test]
fn option_verdicts_from_synthetic_answers() {
    use super::options::{compression_verdict, fallback_verdict, options_from_server_hello};
    use super::wire::{
        Alert, AlertDescription, AlertLevel, Extension, ExtensionType, ServerFlight, ServerHello,
        ServerMessage,
    };
    let hello = |compression_method: u8, extensions: Vec<Extension>| ServerHello {
        legacy_version: super::wire::ProtocolVersion::TLS11,
        random: [7; 32],
        session_id: Vec::new(),
        cipher_suite: 0xC013,
        compression_method,
        extensions,
    };
    let flight = |m: ServerMessage| ServerFlight {
        messages: vec![m],
        error: None,
    };
    // A server that ignores TLS_FALLBACK_SCSV answers at the lower version.
    let sh = flight(ServerMessage::ServerHello(hello(1, Vec::new())));
    assert_eq!(fallback_verdict(&sh, 0x0302), Ok(false));
    assert!(fallback_verdict(&sh, 0x0303).is_err());
    assert_eq!(compression_verdict(&sh, 0x0302), Ok(true));
    let alert = |d| {
        flight(ServerMessage::Alert(Alert {
            level: AlertLevel::FATAL,
            description: d,
        }))
    };
    assert_eq!(
        fallback_verdict(&alert(AlertDescription::INAPPROPRIATE_FALLBACK), 0x0302),
        Ok(true)
    );
    assert!(fallback_verdict(&alert(AlertDescription::HANDSHAKE_FAILURE), 0x0302).is_err());
    assert!(compression_verdict(&alert(AlertDescription::HANDSHAKE_FAILURE), 0x0302).is_err());

    // No extensions echoed: no secure renegotiation, heartbeat or ticket, no ALPN.
    let seen = options_from_server_hello(&hello(0, Vec::new()));
    assert_eq!(seen.secure_renegotiation, Some(false));
    assert_eq!(seen.heartbeat, Some(false));
    assert_eq!(seen.session_ticket, Some(false));
    assert!(seen.alpn.is_empty() && seen.notes.is_empty());
    // Heartbeat echoed; a non-empty renegotiation_info on an initial handshake is not trusted.
    let seen = options_from_server_hello(&hello(
        0,
        vec![
            Extension::new(ExtensionType::HEARTBEAT, vec![1]),
            Extension::new(ExtensionType::RENEGOTIATION_INFO, vec![1, 9]),
            Extension::new(ExtensionType::ALPN, vec![0, 3, 2, b'h', b'2']),
        ],
    ));
    assert_eq!(seen.heartbeat, Some(true));
    assert_eq!(seen.secure_renegotiation, None);
    assert_eq!(seen.alpn, ["h2"]);
    assert_eq!(seen.notes.len(), 1);
}
