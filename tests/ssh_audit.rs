//! The SSH audit (`probe::ssh::audit`) against real OpenSSH servers on loopback
//! (tests/harness/sshd_config.rs). Expected values come from the servers' own tools, never from
//! edgeaudit's parsers: `sshd -T -f CONFIG` for the algorithm lists and `ssh-keygen -lf` for the
//! host keys. The `none` authentication answer is compared with what the configuration allows.

mod harness;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use edgeaudit::observation::SshAudit;
use edgeaudit::probe::ssh::audit::{audit_ssh, audit_ssh_in};
use edgeaudit::probe::{ConnectionBudget, HostContext, ProbeConfig};
use harness::sshd_config::{keygen_fingerprint, sshd, sshd_t_list, Sshd, SshdProfile};
use tokio::sync::Semaphore;
use tokio::time::Instant;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn audit(server: &Sshd) -> SshAudit {
    let deadline = Instant::now() + Duration::from_secs(30);
    let audit = rt().block_on(audit_ssh(server.server.addr(), deadline));
    eprintln!("{}", serde_json::to_string_pretty(&audit).unwrap());
    audit
}

/// The pseudo-algorithms that signal extensions, not key exchange methods (RFC 8308 §2.1,
/// OpenSSH PROTOCOL §1.10); `sshd -T` does not list them.
fn without_markers(list: &[String]) -> Vec<String> {
    list.iter()
        .filter(|a| *a != "ext-info-s" && *a != "kex-strict-s-v00@openssh.com")
        .cloned()
        .collect()
}

/// `sshd -T hostkeyalgorithms` narrowed to the key types the server holds (sshd announces an
/// algorithm only when it has a key for it), certificates left out (the lab has none).
fn announced_host_key_algorithms(server: &Sshd, key_types: &[&str]) -> Vec<String> {
    sshd_t_list(&server.config, "hostkeyalgorithms")
        .into_iter()
        .filter(|a| {
            let key = match a.as_str() {
                "rsa-sha2-256" | "rsa-sha2-512" => "ssh-rsa",
                other => other,
            };
            key_types.contains(&key)
        })
        .collect()
}

/// The algorithm lists must be exactly what sshd says it runs with.
fn assert_lists_match_sshd_t(server: &Sshd, audit: &SshAudit) {
    let kex = sshd_t_list(&server.config, "kexalgorithms");
    let ciphers = sshd_t_list(&server.config, "ciphers");
    let macs = sshd_t_list(&server.config, "macs");
    assert_eq!(without_markers(&audit.kex_algorithms), kex);
    assert_eq!(audit.ciphers_client_to_server, ciphers);
    assert_eq!(audit.ciphers_server_to_client, ciphers);
    assert_eq!(audit.macs_client_to_server, macs);
    assert_eq!(audit.macs_server_to_client, macs);
    // Debian 12's sshd has `Compression yes` by default: zlib after authentication.
    assert_eq!(
        audit.compression_client_to_server,
        ["none", "zlib@openssh.com"]
    );
    assert_eq!(
        audit.compression_server_to_client,
        ["none", "zlib@openssh.com"]
    );
    let id = audit.identification.as_ref().expect("identification");
    assert_eq!(id.protocol_version, "2.0");
    assert!(id.software.starts_with("OpenSSH_"), "{}", id.software);
    // Debian 12's OpenSSH 9.2p1 carries the Terrapin fix (kex-strict) and RFC 8308 EXT_INFO.
    assert_eq!(audit.strict_kex, Some(true));
    assert_eq!(audit.ext_info, Some(true));
    assert!(audit
        .server_sig_algs
        .as_ref()
        .is_some_and(|s| s.iter().any(|a| a == "ssh-ed25519")));
}

/// Each fetched host key must be one of the server's, as ssh-keygen prints it.
fn assert_host_keys(server: &Sshd, audit: &SshAudit, expected: &[(&str, u32)]) {
    let truth: Vec<(u32, String, String)> = server
        .host_key_pubs
        .iter()
        .map(|p| keygen_fingerprint(p))
        .collect();
    assert_eq!(
        audit.host_keys.len(),
        expected.len(),
        "{:?}",
        audit.host_keys
    );
    for (key, (key_type, bits)) in audit.host_keys.iter().zip(expected) {
        assert_eq!(key.key_type, *key_type);
        assert_eq!(key.bits, Some(*bits));
        assert!(
            truth
                .iter()
                .any(|(b, fp, _)| *b == *bits && *fp == key.fingerprint_sha256),
            "{} not among {truth:?}",
            key.fingerprint_sha256
        );
        assert_eq!(key.signature_verified, Some(true), "{key:?}");
    }
}

#[test]
fn hardened_openssh() {
    let server = sshd(SshdProfile::Hardened);
    let audit = audit(&server);
    assert_eq!(audit.connections, 1);
    assert_lists_match_sshd_t(&server, &audit);
    assert_eq!(
        audit.kex_algorithms,
        [
            "sntrup761x25519-sha512@openssh.com",
            "curve25519-sha256",
            "kex-strict-s-v00@openssh.com"
        ]
    );
    assert_eq!(
        audit.ciphers_server_to_client,
        ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"]
    );
    assert_eq!(
        audit.macs_server_to_client,
        ["hmac-sha2-256-etm@openssh.com"]
    );
    assert_eq!(
        audit.host_key_algorithms,
        announced_host_key_algorithms(&server, &["ssh-ed25519"])
    );
    assert_eq!(audit.host_key_algorithms, ["ssh-ed25519"]);
    assert_host_keys(&server, &audit, &[("ssh-ed25519", 256)]);
    assert_eq!(
        audit.auth_methods.as_deref(),
        Some(&["publickey".to_string()][..])
    );
    assert_eq!(audit.none_auth_accepted, Some(false));
    let n = &audit.negotiated[0];
    assert!(n.completed && n.strict_kex);
    assert_eq!(n.kex, "curve25519-sha256");
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);
    // The server logged our orderly goodbye, not an error.
    assert!(
        !server.server.log().contains("fatal"),
        "{}",
        server.server.log()
    );
}

#[test]
fn legacy_openssh() {
    let server = sshd(SshdProfile::Legacy);
    let audit = audit(&server);
    assert_eq!(audit.connections, 1);
    assert_lists_match_sshd_t(&server, &audit);
    for weak in ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"] {
        assert!(audit.kex_algorithms.iter().any(|k| k == weak), "{weak}");
    }
    for weak in ["aes128-cbc", "3des-cbc"] {
        assert!(
            audit.ciphers_client_to_server.iter().any(|c| c == weak),
            "{weak}"
        );
    }
    for weak in ["hmac-sha1", "hmac-md5"] {
        assert!(
            audit.macs_server_to_client.iter().any(|m| m == weak),
            "{weak}"
        );
    }
    assert_eq!(
        audit.host_key_algorithms,
        announced_host_key_algorithms(&server, &["ssh-rsa"])
    );
    assert_eq!(
        audit.host_key_algorithms,
        ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
    );
    assert_host_keys(&server, &audit, &[("ssh-rsa", 2048)]);
    assert_eq!(audit.host_keys[0].signature_algorithm, "rsa-sha2-512");
    assert_eq!(
        audit.auth_methods.as_deref(),
        Some(
            &[
                "publickey".to_string(),
                "password".to_string(),
                "keyboard-interactive".to_string()
            ][..]
        )
    );
    assert!(audit.notes.is_empty(), "{:?}", audit.notes);
}

#[test]
fn two_host_keys_take_the_second_connection() {
    let server = sshd(SshdProfile::TwoKeys);
    let audit = audit(&server);
    assert_eq!(audit.connections, 2);
    assert_eq!(
        audit.host_key_algorithms,
        announced_host_key_algorithms(&server, &["ssh-ed25519", "ssh-rsa"])
    );
    assert_host_keys(&server, &audit, &[("ssh-ed25519", 256), ("ssh-rsa", 2048)]);
    assert_eq!(audit.negotiated.len(), 2);
    assert!(audit.negotiated[0].completed);
    // The second connection stops after the host key.
    assert!(!audit.negotiated[1].completed);
    assert_eq!(audit.negotiated[1].host_key_algorithm, "rsa-sha2-512");
    assert_eq!(
        audit.auth_methods.as_deref(),
        Some(&["publickey".to_string()][..])
    );
}

fn context(address: IpAddr, budget: usize) -> HostContext {
    HostContext {
        address,
        hostname: None,
        config: ProbeConfig::default(),
        global_slots: Arc::new(Semaphore::new(8)),
        host_slots: Arc::new(Semaphore::new(2)),
        budget: Arc::new(ConnectionBudget::new(budget)),
        deadline: Instant::now() + Duration::from_secs(30),
        on_port_done: Arc::new(|| {}),
    }
}

#[test]
fn the_host_budget_bounds_the_connections() {
    let server = sshd(SshdProfile::TwoKeys);
    let addr = server.server.addr();
    let rt = rt();

    let ctx = context(addr.ip(), 1);
    let audit = rt.block_on(audit_ssh_in(&ctx, addr.port()));
    assert_eq!(audit.connections, 1);
    assert_eq!(audit.host_keys.len(), 1);
    assert!(
        audit
            .notes
            .iter()
            .any(|n| n.contains("ssh-rsa not fetched: the host's connection budget is used up")),
        "{:?}",
        audit.notes
    );
    assert_eq!(ctx.budget.remaining(), 0);

    let ctx = context(addr.ip(), 0);
    let audit = rt.block_on(audit_ssh_in(&ctx, addr.port()));
    assert_eq!(audit.connections, 0);
    assert_eq!(audit.identification, None);
    assert!(audit.notes[0].contains("budget"), "{:?}", audit.notes);

    let ctx = context(addr.ip(), 10);
    let audit = rt.block_on(audit_ssh_in(&ctx, addr.port()));
    assert_eq!(audit.connections, 2);
    assert_eq!(ctx.budget.remaining(), 8);
}

/// Records pcap-fixtures/ssh/ (run by hand, as root, when the audit's bytes change; writes into
/// the source tree): `cargo test --test ssh_audit -- --ignored record_pcap_fixtures`. The host
/// keys' public halves are copied beside the captures so the fixture test can compare
/// fingerprints with `ssh-keygen -lf`.
#[test]
#[ignore]
fn record_pcap_fixtures() {
    use std::process::{Command, Stdio};
    let tcpdump = harness::find_binary("tcpdump", "tcpdump");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pcap-fixtures/ssh");
    std::fs::create_dir_all(&dir).unwrap();
    for (file, profile) in [
        ("openssh92-hardened", SshdProfile::Hardened),
        ("openssh92-legacy", SshdProfile::Legacy),
    ] {
        let server = sshd(profile);
        let path = dir.join(format!("{file}.pcap"));
        let mut dump = Command::new(&tcpdump)
            .args(["-i", "lo", "-U", "-s", "0", "-Z", "root", "-w"])
            .arg(&path)
            .arg(format!("tcp port {}", server.server.port()))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tcpdump");
        std::thread::sleep(Duration::from_secs(1));
        let audit = audit(&server);
        std::thread::sleep(Duration::from_secs(1));
        // SIGINT so tcpdump flushes and closes the file.
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(dump.id().to_string())
            .status();
        let _ = dump.wait();
        std::fs::copy(
            &server.host_key_pubs[0],
            dir.join(format!("{file}.hostkey.pub")),
        )
        .unwrap();
        eprintln!(
            "{file}: port {} connections {} host key {:?}",
            server.server.port(),
            audit.connections,
            audit.host_keys
        );
    }
}

/// Audits 127.0.0.1:$EDGEAUDIT_SSH_PORT and prints the observation as JSON on stdout, for
/// bench/ssh.sh (the CLI does not run the SSH audit yet):
/// `EDGEAUDIT_SSH_PORT=2222 cargo test --test ssh_audit -- --ignored --nocapture audit_port_from_env`.
#[test]
#[ignore]
fn audit_port_from_env() {
    let port: u16 = std::env::var("EDGEAUDIT_SSH_PORT")
        .expect("EDGEAUDIT_SSH_PORT")
        .parse()
        .expect("a port number");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let audit = rt().block_on(audit_ssh(addr, Instant::now() + Duration::from_secs(30)));
    println!("EDGEAUDIT-JSON {}", serde_json::to_string(&audit).unwrap());
}
