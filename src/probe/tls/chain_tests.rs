//! Certificate-chain tests: certificates made at test time by the `openssl` CLI in a temp dir and
//! served by `openssl s_server` on 127.0.0.1. No other traffic. A missing `openssl` fails the
//! tests loudly (Debian/Ubuntu package `openssl`).

use std::net::{IpAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::*;
use crate::observation::CertificateChain;
use crate::probe::tcp::tests::{context, LOOPBACK};
use crate::probe::tls::tests::{free_loopback_port, start_openssl_server};

fn openssl(args: &[&str]) {
    let out = match Command::new("openssl").args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "the certificate-chain tests need the openssl CLI (Debian/Ubuntu package `openssl`): {e}"
        ),
    };
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch directory of keys and certificates.
struct Pki {
    dir: tempfile::TempDir,
    n: usize,
}

/// A key and its certificate (PEM files).
#[derive(Clone)]
struct Issued {
    key: PathBuf,
    cert: PathBuf,
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

impl Pki {
    fn new() -> Pki {
        Pki {
            dir: tempfile::tempdir().unwrap(),
            n: 0,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A config whose `leaf` section has `san`, `ca` section marks a CA, and `test_ca` section
    /// drives `openssl ca`.
    fn config(&mut self, san: &str) -> PathBuf {
        self.n += 1;
        let dir = self.dir.path().display();
        let text = format!(
            "[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nCN = unused\n\
             [ ca_ext ]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier = hash\n\
             [ leaf ]\nbasicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\n\
             subjectAltName = {san}\n\
             [ ca ]\ndefault_ca = test_ca\n[ test_ca ]\ndatabase = {dir}/index.txt\n\
             new_certs_dir = {dir}\nserial = {dir}/serial\ndefault_md = sha256\npolicy = any\n\
             unique_subject = no\nemail_in_dn = no\n[ any ]\ncommonName = supplied\n"
        );
        let path = self.path(&format!("openssl-{}.cnf", self.n));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A self-signed certificate for `CN=localhost`: `key` e.g. [`RSA2048`], `md` e.g.
    /// `-sha256`, `section` `leaf` or `ca_ext`.
    fn self_signed(
        &mut self,
        name: &str,
        key: &[&str],
        md: &str,
        section: &str,
        san: &str,
    ) -> Issued {
        let cnf = self.config(san);
        let out = Issued {
            key: self.path(&format!("{name}.key")),
            cert: self.path(&format!("{name}.pem")),
        };
        let mut args = vec!["req", "-x509"];
        args.extend_from_slice(key);
        args.extend([
            "-nodes",
            "-keyout",
            s(&out.key),
            "-out",
            s(&out.cert),
            "-subj",
            "/CN=localhost",
            "-days",
            "30",
            md,
            "-config",
            s(&cnf),
            "-extensions",
            section,
        ]);
        openssl(&args);
        out
    }

    /// A certificate for `cn` issued by `ca`.
    fn issue(&mut self, name: &str, cn: &str, ca: &Issued, section: &str, san: &str) -> Issued {
        let cnf = self.config(san);
        let out = Issued {
            key: self.path(&format!("{name}.key")),
            cert: self.path(&format!("{name}.pem")),
        };
        let csr = self.path(&format!("{name}.csr"));
        openssl(&[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&out.key),
            "-out",
            s(&csr),
            "-subj",
            &format!("/CN={cn}"),
            "-config",
            s(&cnf),
        ]);
        let serial = format!("{}", 1000 + self.n);
        openssl(&[
            "x509",
            "-req",
            "-in",
            s(&csr),
            "-CA",
            s(&ca.cert),
            "-CAkey",
            s(&ca.key),
            "-set_serial",
            &serial,
            "-days",
            "30",
            "-sha256",
            "-extfile",
            s(&cnf),
            "-extensions",
            section,
            "-out",
            s(&out.cert),
        ]);
        out
    }

    /// A leaf issued by `ca` valid from 2020-01-01 to 2021-01-01 (`openssl ca` can backdate).
    fn issue_expired(&mut self, name: &str, ca: &Issued) -> Issued {
        let cnf = self.config("DNS:localhost");
        std::fs::write(self.path("index.txt"), "").unwrap();
        std::fs::write(self.path("serial"), "01\n").unwrap();
        let out = Issued {
            key: self.path(&format!("{name}.key")),
            cert: self.path(&format!("{name}.pem")),
        };
        let csr = self.path(&format!("{name}.csr"));
        openssl(&[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&out.key),
            "-out",
            s(&csr),
            "-subj",
            "/CN=localhost",
            "-config",
            s(&cnf),
        ]);
        openssl(&[
            "ca",
            "-batch",
            "-notext",
            "-config",
            s(&cnf),
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20210101000000Z",
            "-cert",
            s(&ca.cert),
            "-keyfile",
            s(&ca.key),
            "-in",
            s(&csr),
            "-out",
            s(&out.cert),
            "-extensions",
            "leaf",
        ]);
        out
    }

    /// Concatenates PEM files into `name`.
    fn bundle(&self, name: &str, parts: &[&Issued]) -> PathBuf {
        let path = self.path(name);
        let text: String = parts
            .iter()
            .map(|p| std::fs::read_to_string(&p.cert).unwrap())
            .collect();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn der(&self, cert: &Issued) -> CertificateDer<'static> {
        let path = cert.cert.with_extension("der");
        openssl(&[
            "x509",
            "-in",
            s(&cert.cert),
            "-outform",
            "DER",
            "-out",
            s(&path),
        ]);
        CertificateDer::from(std::fs::read(path).unwrap())
    }
}

/// An `openssl s_server` on a loopback port, killed on drop.
struct SServer {
    child: Child,
    port: u16,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `leaf` (plus `chain`, a PEM bundle, when given) with `extra` arguments; waits at most
/// 10 s until it accepts connections.
async fn s_server(leaf: &Issued, chain: Option<&Path>, extra: &[&str]) -> SServer {
    let port = free_loopback_port();
    let accept = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_server",
        "-accept",
        &accept,
        "-cert",
        s(&leaf.cert),
        "-key",
        s(&leaf.key),
        "-www",
        "-quiet",
        "-no-CAfile",
        "-no-CApath",
        "-no-CAstore",
    ];
    if let Some(chain) = chain {
        args.extend(["-cert_chain", s(chain)]);
    }
    args.extend_from_slice(extra);
    let child = start_openssl_server(&args, port, "the certificate-chain tests").await;
    SServer { child, port }
}

async fn fetch(port: u16, sni: Option<&str>) -> CertificateChain {
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_secs(5),
        Duration::from_secs(20),
        1,
        4,
    );
    let chain = fetch_chain(&ctx, port, sni).await;
    eprintln!("{}", serde_json::to_string_pretty(&chain).unwrap());
    chain
}

const RSA2048: [&str; 2] = ["-newkey", "rsa:2048"];
const EC256: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
const SECLEVEL_0: [&str; 2] = ["-cipher", "DEFAULT@SECLEVEL=0"];

#[tokio::test]
async fn self_signed_leaf_is_untrusted_unknown_issuer() {
    let mut pki = Pki::new();
    let leaf = pki.self_signed("leaf", &RSA2048, "-sha256", "leaf", "DNS:localhost");
    let server = s_server(&leaf, None, &[]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.sent, 1);
    assert_eq!(c.certificates.len(), 1);
    let leaf = &c.certificates[0];
    assert_eq!(leaf.subject, "CN=localhost");
    assert_eq!(leaf.issuer, "CN=localhost");
    assert!(leaf.self_signed);
    assert_eq!(leaf.dns_names, ["localhost"]);
    assert_eq!(leaf.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!((leaf.key_type.as_str(), leaf.key_bits), ("RSA", Some(2048)));
    assert!(c.leaf_self_signed);
    assert!(c.leaf_issuer_sent);
    assert!(c.order_ok);
    assert_eq!(c.hostname.as_deref(), Some("localhost"));
    assert_eq!(c.hostname_matches, Some(true));
    assert_eq!(c.trusted, Some(false));
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
    assert!(!c.ocsp_stapled, "s_server staples nothing by default");
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

/// `openssl req -x509` with its default config marks the certificate as a CA (CA:TRUE), which
/// rustls-webpki rejects as an end entity before looking for an issuer.
#[tokio::test]
async fn self_signed_ca_leaf_is_ca_used_as_end_entity() {
    let mut pki = Pki::new();
    let leaf = pki.self_signed("leaf", &EC256, "-sha256", "ca_ext", "DNS:localhost");
    let server = s_server(&leaf, None, &[]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.sent, 1);
    assert!(c.leaf_self_signed);
    assert_eq!(c.certificates[0].key_type, "EC");
    assert_eq!(c.certificates[0].key_bits, Some(256));
    assert_eq!(c.certificates[0].curve.as_deref(), Some("P-256"));
    assert_eq!(c.certificates[0].signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(c.trusted, Some(false));
    assert_eq!(c.trust_error.as_deref(), Some("ca_used_as_end_entity"));
    // No subjectAltName at all: the CN is not consulted.
    assert_eq!(c.hostname_matches, Some(false));
}

/// Root → intermediate → leaf (all made here; the root is in no store).
fn lab_chain(pki: &mut Pki) -> (Issued, Issued, Issued) {
    let root = pki.self_signed("root", &RSA2048, "-sha256", "ca_ext", "DNS:unused");
    let int = pki.issue(
        "int",
        "Edge Test Intermediate",
        &root,
        "ca_ext",
        "DNS:unused",
    );
    let leaf = pki.issue("leaf", "localhost", &int, "leaf", "DNS:localhost");
    (root, int, leaf)
}

#[tokio::test]
async fn leaf_and_intermediate_in_order() {
    let mut pki = Pki::new();
    let (_, int, leaf) = lab_chain(&mut pki);
    let bundle = pki.bundle("chain.pem", &[&int]);
    let server = s_server(&leaf, Some(&bundle), &[]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.sent, 2);
    let subjects: Vec<&str> = c.certificates.iter().map(|x| x.subject.as_str()).collect();
    assert_eq!(subjects, ["CN=localhost", "CN=Edge Test Intermediate"]);
    assert_eq!(c.certificates[0].issuer, "CN=Edge Test Intermediate");
    assert_eq!(
        c.certificates[1].issuer, "CN=localhost",
        "the root is also CN=localhost"
    );
    assert!(c.order_ok);
    assert!(!c.leaf_self_signed);
    assert!(c.leaf_issuer_sent);
    assert_eq!(c.hostname_matches, Some(true));
    assert_eq!(c.trusted, Some(false));
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
}

/// With the lab's own root as the trust store (`--trust-store FILE`), the same chain is trusted,
/// and the observation names the store; without its intermediate it still is not.
#[tokio::test]
async fn own_root_as_trust_store_makes_the_chain_trusted() {
    let mut pki = Pki::new();
    let (root, int, leaf) = lab_chain(&mut pki);
    let bundle = pki.bundle("chain.pem", &[&int]);
    let store = TrustStore::from_pem_file(&root.cert).expect("root PEM");
    let fetch_with_root = |port: u16| {
        let store = store.clone();
        async move {
            let (mut ctx, _) = context(
                LOOPBACK,
                Duration::from_secs(5),
                Duration::from_secs(20),
                1,
                4,
            );
            ctx.config.trust = store;
            fetch_chain(&ctx, port, Some("localhost")).await
        }
    };
    let server = s_server(&leaf, Some(&bundle), &[]).await;
    let c = fetch_with_root(server.port).await;
    assert_eq!(c.trusted, Some(true), "{c:?}");
    assert_eq!(c.trust_error, None);
    let description = c.trust_store.as_deref().unwrap_or_default();
    assert!(
        description.starts_with("file ") && description.ends_with("(1 roots)"),
        "{description}"
    );
    drop(server);
    let alone = s_server(&leaf, None, &[]).await;
    let c = fetch_with_root(alone.port).await;
    assert_eq!(c.trusted, Some(false));
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
}

#[tokio::test]
async fn leaf_alone_misses_its_intermediate() {
    let mut pki = Pki::new();
    let (_, _, leaf) = lab_chain(&mut pki);
    let server = s_server(&leaf, None, &[]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.sent, 1);
    assert!(c.order_ok, "a single certificate is trivially in order");
    assert!(!c.leaf_self_signed);
    assert!(!c.leaf_issuer_sent);
    assert_eq!(c.trusted, Some(false));
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
}

#[tokio::test]
async fn chain_out_of_order() {
    let mut pki = Pki::new();
    let (root, int, leaf) = lab_chain(&mut pki);
    // leaf, root, intermediate: the leaf's issuer is sent, but not next.
    let bundle = pki.bundle("chain.pem", &[&root, &int]);
    let server = s_server(&leaf, Some(&bundle), &[]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.sent, 3);
    assert!(!c.order_ok);
    assert!(c.leaf_issuer_sent);
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
}

#[tokio::test]
async fn expired_leaf() {
    let mut pki = Pki::new();
    let root = pki.self_signed("root", &RSA2048, "-sha256", "ca_ext", "DNS:unused");
    let leaf = pki.issue_expired("expired", &root);
    let server = s_server(&leaf, None, &[]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.certificates[0].not_before, "2020-01-01T00:00:00Z");
    assert_eq!(c.certificates[0].not_after, "2021-01-01T00:00:00Z");
    assert_eq!(c.trusted, Some(false));
    assert_eq!(c.trust_error.as_deref(), Some("expired"));
    assert_eq!(c.hostname_matches, Some(true));
}

#[tokio::test]
async fn rsa_1024_key() {
    let mut pki = Pki::new();
    let leaf = pki.self_signed(
        "weak",
        &["-newkey", "rsa:1024"],
        "-sha256",
        "leaf",
        "DNS:localhost",
    );
    let server = s_server(&leaf, None, &SECLEVEL_0).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.certificates[0].key_type, "RSA");
    assert_eq!(c.certificates[0].key_bits, Some(1024));
    assert_eq!(c.trusted, Some(false));
    // ring verifies no RSA signature under 2048 bits: the handshake signature is noted, not
    // fatal.
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with("handshake signature not verified")),
        "{:?}",
        c.notes
    );
}

#[tokio::test]
async fn sha1_signed_leaf() {
    let mut pki = Pki::new();
    let leaf = pki.self_signed("sha1", &RSA2048, "-sha1", "leaf", "DNS:localhost");
    let server = s_server(&leaf, None, &SECLEVEL_0).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(
        c.certificates[0].signature_algorithm,
        "sha1WithRSAEncryption"
    );
    assert!(
        c.leaf_self_signed,
        "same name; SHA-1 not checkable, so names decide"
    );
    assert_eq!(c.trusted, Some(false));
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
}

#[tokio::test]
async fn wrong_hostname() {
    let mut pki = Pki::new();
    let leaf = pki.self_signed("other", &RSA2048, "-sha256", "leaf", "DNS:other.test");
    let server = s_server(&leaf, None, &[]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.certificates[0].dns_names, ["other.test"]);
    assert_eq!(c.hostname.as_deref(), Some("localhost"));
    assert_eq!(c.hostname_matches, Some(false));
    // Trust is about the chain only.
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
}

#[tokio::test]
async fn stapled_ocsp_response() {
    let mut pki = Pki::new();
    let root = pki.self_signed("root", &RSA2048, "-sha256", "ca_ext", "DNS:unused");
    let leaf = pki.issue("leaf", "localhost", &root, "leaf", "DNS:localhost");
    std::fs::write(pki.path("index.txt"), "").unwrap();
    let (req, resp, index) = (
        pki.path("req.der"),
        pki.path("resp.der"),
        pki.path("index.txt"),
    );
    openssl(&[
        "ocsp",
        "-issuer",
        s(&root.cert),
        "-cert",
        s(&leaf.cert),
        "-no_nonce",
        "-reqout",
        s(&req),
    ]);
    openssl(&[
        "ocsp",
        "-index",
        s(&index),
        "-rsigner",
        s(&root.cert),
        "-rkey",
        s(&root.key),
        "-CA",
        s(&root.cert),
        "-reqin",
        s(&req),
        "-respout",
        s(&resp),
        "-ndays",
        "1",
    ]);
    let server = s_server(&leaf, None, &["-status_file", s(&resp)]).await;
    let c = fetch(server.port, Some("localhost")).await;
    assert_eq!(c.handshake_error, None);
    assert!(c.ocsp_stapled);
}

#[tokio::test]
async fn closed_port_is_a_handshake_error_with_nothing_else() {
    let port = StdListener::bind((LOOPBACK, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = fetch(port, Some("localhost")).await;
    assert_eq!(c.handshake_error.as_deref(), Some("connection refused"));
    assert!(c.certificates.is_empty());
    assert_eq!(c.sent, 0);
    assert_eq!((c.trusted, c.hostname_matches), (None, None));
    assert!(!c.order_ok && !c.leaf_self_signed && !c.leaf_issuer_sent && !c.ocsp_stapled);
}

#[tokio::test]
async fn audit_tls_records_the_chain() {
    let mut pki = Pki::new();
    let leaf = pki.self_signed("leaf", &RSA2048, "-sha256", "leaf", "DNS:localhost");
    let server = s_server(&leaf, None, &[]).await;
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_secs(2),
        Duration::from_secs(60),
        1,
        200,
    );
    let audit = super::super::audit_tls(&ctx, server.port, Some("localhost")).await;
    let c = audit.certificate_chain.expect("chain fetched");
    assert_eq!(c.handshake_error, None);
    assert_eq!(c.sent, 1);
    assert_eq!(c.trust_error.as_deref(), Some("unknown_issuer"));
}

/// A server with nothing above TLS 1.0: rustls gets no certificate, so the chain comes from the
/// enumeration's own TLS 1.0 handshake, and says so.
#[tokio::test]
async fn legacy_only_server_chain_comes_from_the_enumeration() {
    let mut pki = Pki::new();
    let leaf = pki.self_signed("leaf", &RSA2048, "-sha1", "leaf", "DNS:legacy.test");
    let server = s_server(
        &leaf,
        None,
        &[
            "-min_protocol",
            "TLSv1",
            "-max_protocol",
            "TLSv1",
            "-cipher",
            "AES128-SHA:@SECLEVEL=0",
        ],
    )
    .await;
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_secs(2),
        Duration::from_secs(60),
        1,
        200,
    );
    let audit = super::super::audit_tls(&ctx, server.port, Some("legacy.test")).await;
    let c = audit.certificate_chain.expect("chain recorded");
    eprintln!("{}", serde_json::to_string_pretty(&c).unwrap());
    assert_eq!(c.sent, 1);
    assert_eq!(
        c.certificates[0].signature_algorithm,
        "sha1WithRSAEncryption"
    );
    assert!(c.leaf_self_signed);
    assert_eq!(c.hostname.as_deref(), Some("legacy.test"));
    assert_eq!(c.hostname_matches, Some(true));
    assert_eq!(c.trusted, Some(false));
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with("chain read from the TLSv1.0 handshake")),
        "{:?}",
        c.notes
    );
}

/// Pure name checks on certificates with IP and wildcard names.
#[test]
fn hostname_matching_rules() {
    let mut pki = Pki::new();
    let now = UnixTime::now();
    let check = |der: &CertificateDer<'_>, name: ServerName<'static>| {
        analyse_chain(
            std::slice::from_ref(der),
            &[],
            &name,
            now,
            &TrustStore::mozilla(),
        )
        .hostname_matches
    };
    let dns = |n: &str| ServerName::try_from(n.to_string()).unwrap();
    let ip = |n: &str| ServerName::IpAddress(n.parse::<IpAddr>().unwrap().into());

    let plain = pki.self_signed("plain", &RSA2048, "-sha256", "leaf", "DNS:localhost");
    let plain = pki.der(&plain);
    // An address, and the leaf names none: nothing to compare.
    assert_eq!(check(&plain, ip("127.0.0.1")), None);
    assert_eq!(
        analyse_chain(
            std::slice::from_ref(&plain),
            &[],
            &ip("127.0.0.1"),
            now,
            &TrustStore::mozilla(),
        )
        .hostname
        .as_deref(),
        Some("127.0.0.1")
    );

    let with_ip = pki.self_signed(
        "ip",
        &RSA2048,
        "-sha256",
        "leaf",
        "DNS:localhost,IP:127.0.0.1",
    );
    let with_ip = pki.der(&with_ip);
    assert_eq!(check(&with_ip, ip("127.0.0.1")), Some(true));
    assert_eq!(check(&with_ip, ip("127.0.0.2")), Some(false));
    assert_eq!(check(&with_ip, dns("localhost")), Some(true));

    let wild = pki.self_signed("wild", &RSA2048, "-sha256", "leaf", "DNS:*.lab.test");
    let wild = pki.der(&wild);
    assert_eq!(check(&wild, dns("vpn.lab.test")), Some(true));
    assert_eq!(
        check(&wild, dns("a.vpn.lab.test")),
        Some(false),
        "one label only"
    );
    assert_eq!(check(&wild, dns("lab.test")), Some(false));
}

#[test]
fn target_names() {
    let addr: IpAddr = "192.0.2.1".parse().unwrap();
    assert_eq!(
        target_name(addr, Some("vpn.example.")).to_str(),
        "vpn.example"
    );
    assert_eq!(target_name(addr, Some("10.0.0.1")).to_str(), "192.0.2.1");
    assert_eq!(target_name(addr, None).to_str(), "192.0.2.1");
    assert_eq!(target_name(addr, Some("bad name")).to_str(), "192.0.2.1");
}

#[test]
fn trust_error_codes() {
    use rustls::CertificateError as C;
    let code = |c: C| trust_error_code(&rustls::Error::InvalidCertificate(c));
    assert_eq!(code(C::UnknownIssuer), "unknown_issuer");
    assert_eq!(code(C::Expired), "expired");
    assert_eq!(code(C::NotValidYet), "not_yet_valid");
    assert_eq!(code(C::BadSignature), "bad_signature");
    assert_eq!(
        code(C::UnhandledCriticalExtension),
        "unhandled_critical_extension"
    );
    assert_eq!(snake_case("CaUsedAsEndEntity"), "ca_used_as_end_entity");
    assert_eq!(snake_case("no such thing"), "other: no such thing");
    assert_eq!(
        trust_error_code(&rustls::Error::General("x".into())),
        "other: unexpected error: x"
    );
}
