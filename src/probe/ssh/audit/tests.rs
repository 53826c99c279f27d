//! The driver against scripted servers on 127.0.0.1: one whose KEXINIT leaves nothing edgeaudit
//! can complete (the lists are still recorded), one that is not SSH, and a tarpit.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn legacy_kexinit() -> KexInit {
    KexInit {
        cookie: [1; 16],
        kex_algorithms: names(&["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"]),
        server_host_key_algorithms: names(&["ssh-rsa", "ssh-dss"]),
        encryption_client_to_server: names(&["aes128-cbc", "3des-cbc"]),
        encryption_server_to_client: names(&["aes128-cbc", "3des-cbc"]),
        mac_client_to_server: names(&["hmac-sha1", "hmac-md5"]),
        mac_server_to_client: names(&["hmac-sha1", "hmac-md5"]),
        compression_client_to_server: names(&["none"]),
        compression_server_to_client: names(&["none"]),
        ..KexInit::default()
    }
}

/// Serves `script` to every connection: sends `greeting`, then (optionally) a KEXINIT, and
/// records what the client sent until it closes.
async fn server(
    greeting: &'static [u8],
    kexinit: Option<KexInit>,
) -> (SocketAddr, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(Ok((mut s, _))) =
            tokio::time::timeout(Duration::from_millis(1500), listener.accept()).await
        {
            s.write_all(greeting).await.unwrap();
            if let Some(k) = &kexinit {
                s.write_all(&wire::encode_packet(&k.encode()))
                    .await
                    .unwrap();
            }
            let mut got = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut got)).await;
            seen.push(got);
        }
        seen
    });
    (addr, handle)
}

#[tokio::test]
async fn legacy_only_server_lists_are_recorded_and_nothing_is_guessed() {
    let (addr, handle) = server(b"SSH-2.0-OldSSH_1.0 legacy\r\n", Some(legacy_kexinit())).await;
    let audit = audit_ssh(addr, Instant::now() + Duration::from_secs(5)).await;
    assert_eq!(audit.connections, 1);
    let id = audit.identification.as_ref().unwrap();
    assert_eq!(id.software, "OldSSH_1.0");
    assert_eq!(audit.kex_algorithms, legacy_kexinit().kex_algorithms);
    assert_eq!(
        audit.ciphers_server_to_client,
        names(&["aes128-cbc", "3des-cbc"])
    );
    assert_eq!(
        audit.macs_client_to_server,
        names(&["hmac-sha1", "hmac-md5"])
    );
    assert_eq!(audit.strict_kex, Some(false));
    assert_eq!(audit.ext_info, None);
    assert!(audit.host_keys.is_empty());
    assert_eq!(audit.auth_methods, None);
    assert_eq!(audit.none_auth_accepted, None);
    assert!(
        audit
            .notes
            .iter()
            .any(|n| n.contains("no common key exchange")),
        "{:?}",
        audit.notes
    );
    let seen = handle.await.unwrap();
    assert_eq!(seen.len(), 1, "one connection only");
    let client = &seen[0];
    let expected_id = wire::client_identification(&client_software());
    assert!(client.starts_with(&expected_id));
    // Our KEXINIT follows, then a DISCONNECT; no credential, no user name.
    let (payload, used) = wire::decode_packet(&client[expected_id.len()..]).unwrap();
    let ours = KexInit::decode(payload).unwrap();
    assert_eq!(ours.kex_algorithms[0], "curve25519-sha256");
    assert!(ours.kex_algorithms.iter().any(|k| k == STRICT_KEX_CLIENT));
    let (bye, _) = wire::decode_packet(&client[expected_id.len() + used..]).unwrap();
    assert_eq!(bye[0], wire::MSG_DISCONNECT);
    assert!(!client
        .windows(PROBE_USER.len())
        .any(|w| w == PROBE_USER.as_bytes()));
}

#[tokio::test]
async fn a_server_that_is_not_ssh() {
    let (addr, _handle) = server(b"HTTP/1.1 400 Bad Request\r\n\r\n", None).await;
    let audit = audit_ssh(addr, Instant::now() + Duration::from_secs(2)).await;
    assert_eq!(audit.identification, None);
    assert!(audit.kex_algorithms.is_empty());
    assert_eq!(audit.strict_kex, None);
    assert!(!audit.notes.is_empty());
}

#[tokio::test]
async fn ssh1_only_server_stops_after_identification() {
    let (addr, _handle) = server(b"SSH-1.5-ancient\n", None).await;
    let audit = audit_ssh(addr, Instant::now() + Duration::from_secs(2)).await;
    assert_eq!(audit.identification.unwrap().protocol_version, "1.5");
    assert!(
        audit.notes.iter().any(|n| n.contains("protocol 1.5")),
        "{:?}",
        audit.notes
    );
}

#[tokio::test]
async fn tarpit_is_cut_at_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _keep = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(s);
    });
    let started = Instant::now();
    let audit = audit_ssh_with(
        addr,
        started + Duration::from_secs(10),
        Duration::from_millis(400),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(audit.connections, 1);
    assert!(
        audit.notes.iter().any(|n| n.contains("deadline")),
        "{:?}",
        audit.notes
    );
}

#[test]
fn missing_key_types_group_rsa_and_skip_certificates() {
    let mut audit = SshAudit {
        host_key_algorithms: names(&[
            "ssh-ed25519-cert-v01@openssh.com",
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ssh-rsa",
            "ecdsa-sha2-nistp256",
            "ssh-ed25519",
        ]),
        ..SshAudit::default()
    };
    audit.host_keys.push(SshHostKey {
        key_type: "ssh-ed25519".into(),
        signature_algorithm: "ssh-ed25519".into(),
        bits: Some(256),
        fingerprint_sha256: "SHA256:x".into(),
        signature_verified: Some(true),
    });
    assert_eq!(
        missing_key_types(&audit),
        vec![
            (
                "ssh-rsa".to_string(),
                names(&["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"])
            ),
            (
                "ecdsa-sha2-nistp256".to_string(),
                names(&["ecdsa-sha2-nistp256"])
            ),
        ]
    );
}
