//! End to end: the TLS engine's exact accepted cipher suites, on suites that Debian's OpenSSL 3.0
//! can no longer offer (3DES and RC4), served by GnuTLS's `gnutls-serv`.
//!
//! `gnutls-serv` binds every address (0.0.0.0 and ::), so the test makes a network namespace of
//! its own, brings up its loopback, and runs both the server and the real binary inside it.
//! Traffic never leaves that namespace's loopback. The server is killed and the namespace deleted
//! when the test ends, passed or failed.
//!
//! The server's priority string [`PRIORITY`] enables TLS 1.2 and TLS 1.0 (not 1.1), RSA key
//! exchange, SHA-1 MACs and three ciphers. GnuTLS 3.7.9 (Debian 12) expands it to exactly three
//! suites (`gnutls-cli --list --priority PRIORITY`):
//!
//! ```text
//! TLS_RSA_3DES_EDE_CBC_SHA1   0x00, 0x0a  TLS1.0
//! TLS_RSA_ARCFOUR_128_SHA1    0x00, 0x05  TLS1.0
//! TLS_RSA_AES_128_CBC_SHA1    0x00, 0x2f  TLS1.0
//! ```
//!
//! and `gnutls-cli` confirms each handshakes under TLS 1.0 and TLS 1.2 and that TLS 1.1 is refused
//! with a fatal alert (GnuTLS does not fall back across the disabled version). These are
//! [`EXPECTED_SUITES`] below, under their IANA names.
//!
//! A second test runs `gnutls-serv --heartbeat` (RFC 6520): the engine sees the extension and
//! runs its safe Heartbleed test, which a correct implementation must pass.

mod harness;

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use harness::netns::{run_checked, Namespace};
use harness::report::{self, array_at, state, str_at};
use harness::rules::{self, RuleMatch};
use harness::run::scan;
use harness::{find_binary, LOOPBACK_V4, READY_DEADLINE};

/// The port `gnutls-serv` listens on. The namespace is the test's own, so any port is free.
const PORT: u16 = 4433;

/// What the server offers; see the module documentation for the suites it expands to.
const PRIORITY: &str = "NONE:+VERS-TLS1.2:+VERS-TLS1.0:+3DES-CBC:+ARCFOUR-128:+AES-128-CBC:\
                        +RSA:+SHA1:+COMP-NULL:+SIGN-ALL:+CURVE-ALL";

/// The suites the server accepts under each of [`ACCEPTED_VERSIONS`]: (code, IANA name).
const EXPECTED_SUITES: [(u64, &str); 3] = [
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA"),
    (0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"),
];

/// The versions [`PRIORITY`] enables.
const ACCEPTED_VERSIONS: [&str; 2] = ["TLSv1.2", "TLSv1.0"];

/// Versions the server must be reported to refuse (checked with `gnutls-cli` against the same
/// server: TLS 1.3 is not enabled, TLS 1.1 is skipped by the priority string).
const REJECTED_VERSIONS: [&str; 2] = ["TLSv1.3", "TLSv1.1"];

/// The 3DES rule (SWEET32).
const SIXTY_FOUR_BIT_BLOCK: RuleMatch = RuleMatch {
    what: "64-bit block cipher suites (3DES)",
    fragment: "64bit",
    exact: Some("tls-64bit-block-ciphers"),
};

/// The RC4 / DES / NULL / export / anonymous rule.
const BROKEN_SUITES: RuleMatch = RuleMatch {
    what: "breakable cipher suites (RC4)",
    fragment: "cipher",
    exact: Some("tls-broken-cipher-suites"),
};

/// `gnutls-serv` running inside a namespace; killed (with its process group) when dropped.
struct GnutlsServer {
    child: Child,
    log: PathBuf,
    // Declared last so the files outlive the process.
    _dir: TempDir,
}

impl GnutlsServer {
    fn start(ns: &Namespace, port: u16, priority: &str, extra: &[&str]) -> GnutlsServer {
        let gnutls_serv = find_binary("gnutls-serv", "gnutls-bin");
        let openssl = find_binary("openssl", "openssl");
        let dir = tempfile::Builder::new()
            .prefix("edgeaudit-gnutls-")
            .tempdir()
            .expect("create temp dir");
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        run_checked(
            Command::new(&openssl)
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=localhost", "-keyout"])
                .arg(&key)
                .arg("-out")
                .arg(&cert),
        );
        let log = dir.path().join("gnutls-serv.log");
        let out = File::create(&log).expect("create server log");
        let err = out.try_clone().expect("clone server log");
        let mut cmd = ns.command(&gnutls_serv);
        cmd.args(["--http", "--port", &port.to_string()])
            .arg("--x509certfile")
            .arg(&cert)
            .arg("--x509keyfile")
            .arg(&key)
            .args(["--priority", priority])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let mut server = GnutlsServer {
            child,
            log,
            _dir: dir,
        };
        server.wait_listening(ns, port);
        server
    }

    fn wait_listening(&mut self, ns: &Namespace, port: u16) {
        let end = Instant::now() + READY_DEADLINE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "gnutls-serv exited ({status}) before it listened. Its output:\n{}",
                    self.log()
                );
            }
            if ns.accepts(port) {
                return;
            }
            assert!(
                Instant::now() < end,
                "gnutls-serv did not listen on 127.0.0.1:{port} in its namespace within \
                 {READY_DEADLINE:?}. Its output:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for GnutlsServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // `ip netns exec` execs gnutls-serv in place, so this is the server itself.
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn version<'a>(tls_audit: &'a Value, name: &str, ctx: &str) -> &'a Value {
    array_at(tls_audit, "/versions")
        .iter()
        .find(|v| v["version"] == name)
        .unwrap_or_else(|| panic!("no {name} entry in tls_audit.versions\n{ctx}"))
}

#[test]
fn gnutls_3des_and_rc4_suites_are_enumerated_exactly() {
    let ns = Namespace::create("gnutls");
    let server = GnutlsServer::start(&ns, PORT, PRIORITY, &[]);

    let run = ns.edgeaudit(
        scan()
            .target("127.0.0.1")
            .ports(&[PORT])
            .connect_timeout("2s")
            .timeout("60s")
            .command_line(),
    );
    run.assert_no_panic();
    let report = run.json();
    let ctx = format!("{}\n--- gnutls-serv ---\n{}", run.context(), server.log());

    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let port = report::port(host, PORT);
    assert_eq!(state(port), "open", "{ctx}");
    let tls_audit = report::at(report::service(port), "/tls_audit");
    assert_eq!(str_at(tls_audit, "/status"), "success", "{ctx}");

    let expected: BTreeSet<(u64, String)> = EXPECTED_SUITES
        .iter()
        .map(|&(code, name)| (code, name.to_string()))
        .collect();
    for name in ["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_RC4_128_SHA"] {
        assert!(expected.iter().any(|(_, n)| n == name), "{name}");
    }

    for name in ACCEPTED_VERSIONS {
        let v = version(tls_audit, name, &ctx);
        assert_eq!(str_at(v, "/support"), "accepted", "{name}\n{ctx}");
        assert_eq!(
            v["enumeration_complete"], true,
            "{name}: the suite list must be complete\n{ctx}"
        );
        let suites = array_at(v, "/cipher_suites");
        let got: BTreeSet<(u64, String)> = suites
            .iter()
            .map(|s| {
                let code = s["code"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("suite code is not a number: {s}\n{ctx}"));
                (code, str_at(s, "/name").to_string())
            })
            .collect();
        assert_eq!(suites.len(), got.len(), "{name}: duplicate suites\n{ctx}");
        assert_eq!(got, expected, "{name}: accepted suites\n{ctx}");
    }
    for name in REJECTED_VERSIONS {
        let v = version(tls_audit, name, &ctx);
        assert_eq!(str_at(v, "/support"), "rejected", "{name}\n{ctx}");
    }
    // Nothing else (SSL 3.0, SSL 2.0) may be reported as accepted.
    for v in array_at(tls_audit, "/versions") {
        let name = str_at(v, "/version");
        if !ACCEPTED_VERSIONS.contains(&name) {
            assert_ne!(str_at(v, "/support"), "accepted", "{name}\n{ctx}");
        }
    }

    for rule in [&SIXTY_FOUR_BIT_BLOCK, &BROKEN_SUITES] {
        let found = rule.violations_at(&report, PORT);
        assert!(
            !found.is_empty(),
            "no {} violation ({:?}) at port {PORT}\n{ctx}",
            rule.what,
            rule.exact
        );
        for finding in found {
            rules::assert_well_formed(finding);
            assert_eq!(str_at(finding, "/profile"), rules::PROFILE, "{ctx}");
        }
    }
    // A high-severity violation (RC4) under the default `--fail-on high`.
    assert_eq!(run.code, Some(1), "{ctx}");
}

/// GnuTLS with heartbeat on: the extension is reported (and judged by the options rule), the safe
/// Heartbleed test runs and finds the server not vulnerable, so the critical rule stays silent.
#[test]
fn gnutls_heartbeat_is_seen_and_passes_the_safe_heartbleed_test() {
    let ns = Namespace::create("gnutls-hb");
    let server = GnutlsServer::start(&ns, PORT, "NORMAL", &["--heartbeat"]);
    let run = ns.edgeaudit(
        scan()
            .target("127.0.0.1")
            .ports(&[PORT])
            .connect_timeout("2s")
            .timeout("60s")
            .command_line(),
    );
    let report = run.json();
    let ctx = format!("{}\n--- gnutls-serv ---\n{}", run.context(), server.log());
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let tls_audit = report::at(report::service(report::port(host, PORT)), "/tls_audit");
    assert_eq!(report::at(tls_audit, "/options/heartbeat"), true, "{ctx}");
    assert_eq!(report::at(tls_audit, "/options/heartbleed"), false, "{ctx}");
    assert!(
        array_at(tls_audit, "/notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.starts_with("Heartbleed: not vulnerable"))),
        "{ctx}"
    );
    let options = RuleMatch {
        what: "TLS protocol options (heartbeat)",
        fragment: "options",
        exact: Some("tls-protocol-options"),
    };
    let found = options.violations_at(&report, PORT);
    assert!(
        found
            .iter()
            .any(|f| str_at(f, "/actual/en").contains("heartbeat")),
        "{ctx}"
    );
    assert!(
        report::findings(&report)
            .iter()
            .all(|f| !str_at(f, "/id").ends_with("/tls-heartbleed")),
        "{ctx}"
    );
}
