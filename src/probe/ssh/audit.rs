//! The SSH audit of one port: what the server announces and what it asks of a user, without
//! ever sending a credential.
//!
//! Connection 1 (always): identification strings both ways (RFC 4253 §4.2), SSH_MSG_KEXINIT
//! both ways (§7.1: the server's lists are its whole configuration, whatever we offer), then
//! edgeaudit's own ECDH key exchange (RFC 5656 §4 / RFC 8731) which hands over the host key,
//! SSH_MSG_NEWKEYS, the `ssh-userauth` service (§10) and one `none` authentication request for
//! a user that does not exist (RFC 4252 §5.2); the server's SSH_MSG_USERAUTH_FAILURE lists the
//! methods a user could continue with. Then SSH_MSG_DISCONNECT.
//!
//! Connection 2 (only when the server holds another type of host key, e.g. ed25519 and RSA):
//! the same key exchange offering only that type, stopped after SSH_MSG_KEX_ECDH_REPLY.
//!
//! Two connections at most, because OpenSSH 9.8+ (PerSourcePenalties) and small routers punish
//! sources that open many; ssh-audit opens one per host key type and more. Every wait is under
//! the connection's deadline, itself under the caller's.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::observation::{SshAudit, SshHostKey, SshNegotiated};
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::HostContext;

use super::hostkey;
use super::transport::{self, Cipher, CryptoError, Direction, Ephemeral, HashInput, Kex};
use super::wire::{self, KexInit, WireError};

/// Most connections one audit opens to a port.
pub const MAX_CONNECTIONS: u32 = 2;
/// Deadline of one connection (connect, key exchange, authentication query).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// The user named in the `none` request: one that should not exist, so no real account is
/// touched (OpenSSH answers an unknown user with the same method list as a real one).
pub const PROBE_USER: &str = "edgeaudit-probe";
/// `kex-strict-c-v00@openssh.com` / `-s-`: OpenSSH PROTOCOL §1.10 (Terrapin mitigation).
pub const STRICT_KEX_CLIENT: &str = "kex-strict-c-v00@openssh.com";
pub const STRICT_KEX_SERVER: &str = "kex-strict-s-v00@openssh.com";
/// RFC 8308 §2.1 signalling names.
pub const EXT_INFO_CLIENT: &str = "ext-info-c";
pub const EXT_INFO_SERVER: &str = "ext-info-s";

/// Host key algorithms edgeaudit asks for on the first connection, most wanted first. Any key
/// type can be read from the ECDH reply; ring verifies the signatures of most of them.
pub const HOST_KEY_PREFERENCE: [&str; 8] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
    "ssh-dss",
];
/// MACs offered for form's sake: every cipher edgeaudit runs is an AEAD, which ignores the
/// negotiated MAC (OpenSSH PROTOCOL §1.6), but a KEXINIT must still name some.
const MACS: [&str; 5] = [
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
];

/// edgeaudit's software version in its identification string.
pub fn client_software() -> String {
    format!("edgeaudit_{}", env!("CARGO_PKG_VERSION"))
}

/// Why one step of the audit stopped.
#[derive(Debug, Error)]
pub enum SshError {
    #[error("connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("{stage}: no answer before the deadline")]
    Timeout { stage: &'static str },
    #[error("{stage}: connection closed by the server")]
    Closed { stage: &'static str },
    #[error("{stage}: {detail}")]
    Stream { stage: &'static str, detail: String },
    #[error("no SSH identification string in the first {0} bytes")]
    NotSsh(usize),
    #[error("the server speaks SSH protocol {0} only")]
    Protocol1(String),
    #[error("{stage}: {source}")]
    Wire {
        stage: &'static str,
        #[source]
        source: WireError,
    },
    #[error("{stage}: {source}")]
    Crypto {
        stage: &'static str,
        #[source]
        source: CryptoError,
    },
    #[error("{stage}: the server disconnected (reason {reason}: {description})")]
    Disconnected {
        stage: &'static str,
        reason: u32,
        description: String,
    },
    #[error("{stage}: unexpected message type {found}")]
    Unexpected { stage: &'static str, found: u8 },
    #[error("key exchange not attempted: {0}")]
    NotNegotiable(String),
}

impl SshError {
    fn from_end(stage: &'static str, end: End) -> Self {
        match end {
            End::Timeout => SshError::Timeout { stage },
            end if end.is_closed() => SshError::Closed { stage },
            end => SshError::Stream {
                stage,
                detail: end.describe(),
            },
        }
    }
}

/// One TCP connection speaking the SSH transport: a byte buffer, sequence numbers and, after
/// SSH_MSG_NEWKEYS, the packet protection of each direction.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    deadline: Instant,
    seq_in: u32,
    seq_out: u32,
    rx: Option<Direction>,
    tx: Option<Direction>,
}

impl Conn {
    async fn open(addr: SocketAddr, deadline: Instant) -> Result<Conn, SshError> {
        let stream = match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => return Err(SshError::Timeout { stage: "connect" }),
            Ok(Err(source)) => return Err(SshError::Connect { addr, source }),
            Ok(Ok(stream)) => stream,
        };
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            buf: Vec::new(),
            deadline,
            seq_in: 0,
            seq_out: 0,
            rx: None,
            tx: None,
        })
    }

    /// Reads whatever arrives next (at least one byte) before the deadline.
    async fn fill(&mut self, stage: &'static str) -> Result<(), SshError> {
        let mut chunk = [0u8; 4096];
        match timeout_at(self.deadline, self.stream.read(&mut chunk)).await {
            Err(_) => Err(SshError::Timeout { stage }),
            Ok(Ok(0)) => Err(SshError::Closed { stage }),
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Ok(Err(e)) => Err(SshError::from_end(
                stage,
                End::Error(e.kind(), e.to_string()),
            )),
        }
    }

    async fn write(&mut self, bytes: &[u8], stage: &'static str) -> Result<(), SshError> {
        bounded::write_all(&mut self.stream, bytes, self.deadline)
            .await
            .map_err(|end| SshError::from_end(stage, end))
    }

    /// The server's identification line (without CR LF), and the bytes after it left in `buf`.
    async fn read_identification(&mut self) -> Result<Vec<u8>, SshError> {
        loop {
            if let Some((start, end, next)) = wire::identification_line(&self.buf) {
                let line = self.buf[start..end].to_vec();
                self.buf.drain(..next);
                return Ok(line);
            }
            if self.buf.len() >= wire::MAX_IDENTIFICATION_BYTES {
                return Err(SshError::NotSsh(self.buf.len()));
            }
            match self.fill("identification").await {
                // A server that closes after a line without LF (or with a bare line) still
                // told us something; the caller records it through the banner parser.
                Err(SshError::Closed { .. }) if !self.buf.is_empty() => {
                    return Err(SshError::NotSsh(self.buf.len()))
                }
                other => other?,
            }
        }
    }

    async fn send(&mut self, payload: &[u8], stage: &'static str) -> Result<(), SshError> {
        let packet = match &mut self.tx {
            None => wire::encode_packet(payload),
            Some(tx) => tx.seal(self.seq_out, payload),
        };
        self.seq_out = self.seq_out.wrapping_add(1);
        self.write(&packet, stage).await
    }

    /// The next packet's payload, skipping SSH_MSG_IGNORE and SSH_MSG_DEBUG; a
    /// SSH_MSG_DISCONNECT becomes an error that carries the server's reason.
    async fn recv(&mut self, stage: &'static str) -> Result<Vec<u8>, SshError> {
        loop {
            let size = match &self.rx {
                None => wire::packet_len(&self.buf)
                    .map_err(|source| SshError::Wire { stage, source })?,
                Some(rx) => rx
                    .packet_size(self.seq_in, &self.buf)
                    .map_err(|source| SshError::Crypto { stage, source })?,
            };
            let Some(size) = size.filter(|&n| self.buf.len() >= n) else {
                self.fill(stage).await?;
                continue;
            };
            let packet: Vec<u8> = self.buf.drain(..size).collect();
            let payload = match &mut self.rx {
                None => wire::decode_packet(&packet)
                    .map(|(p, _)| p.to_vec())
                    .map_err(|source| SshError::Wire { stage, source })?,
                Some(rx) => rx
                    .open(self.seq_in, &packet)
                    .map_err(|source| SshError::Crypto { stage, source })?,
            };
            self.seq_in = self.seq_in.wrapping_add(1);
            match payload.first().copied() {
                Some(wire::MSG_IGNORE | wire::MSG_DEBUG) => continue,
                Some(wire::MSG_DISCONNECT) => {
                    let (reason, description) = wire::decode_disconnect(&payload)
                        .unwrap_or((0, "(unreadable SSH_MSG_DISCONNECT)".into()));
                    return Err(SshError::Disconnected {
                        stage,
                        reason,
                        description,
                    });
                }
                Some(_) => return Ok(payload),
                None => {
                    return Err(SshError::Wire {
                        stage,
                        source: WireError::EmptyMessage,
                    })
                }
            }
        }
    }

    /// Says goodbye (RFC 4253 §11.1) and closes; failures no longer matter here.
    async fn close(mut self) {
        let bye = wire::encode_disconnect(wire::DISCONNECT_BY_APPLICATION, "edgeaudit audit done");
        let _ = self.send(&bye, "disconnect").await;
        let _ = timeout_at(self.deadline, self.stream.shutdown()).await;
    }
}

/// What one connection should do.
struct Plan<'a> {
    host_key_algorithms: &'a [&'a str],
    /// Go on past the host key to the authentication query.
    authenticate: bool,
    /// Record the server's identification and KEXINIT lists (first connection only).
    record_kexinit: bool,
}

/// Our SSH_MSG_KEXINIT: only what edgeaudit can complete, so whatever the server picks works.
fn client_kexinit(host_key_algorithms: &[&str], rng: &SystemRandom) -> KexInit {
    let mut cookie = [0u8; 16];
    // A fixed cookie would only weaken a session whose secrets we never use; still, RFC 4253
    // §7.1 asks for a random one, and the system generator is there.
    let _ = rng.fill(&mut cookie);
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut kex = names(&transport::KEX_METHODS);
    kex.push(EXT_INFO_CLIENT.into());
    kex.push(STRICT_KEX_CLIENT.into());
    KexInit {
        cookie,
        kex_algorithms: kex,
        server_host_key_algorithms: names(host_key_algorithms),
        encryption_client_to_server: names(&transport::CIPHERS),
        encryption_server_to_client: names(&transport::CIPHERS),
        mac_client_to_server: names(&MACS),
        mac_server_to_client: names(&MACS),
        compression_client_to_server: names(&["none"]),
        compression_server_to_client: names(&["none"]),
        languages_client_to_server: vec![],
        languages_server_to_client: vec![],
        first_kex_packet_follows: false,
        reserved: 0,
    }
}

fn record_kexinit(audit: &mut SshAudit, k: &KexInit) {
    audit.kex_algorithms = k.kex_algorithms.clone();
    audit.host_key_algorithms = k.server_host_key_algorithms.clone();
    audit.ciphers_client_to_server = k.encryption_client_to_server.clone();
    audit.ciphers_server_to_client = k.encryption_server_to_client.clone();
    audit.macs_client_to_server = k.mac_client_to_server.clone();
    audit.macs_server_to_client = k.mac_server_to_client.clone();
    audit.compression_client_to_server = k.compression_client_to_server.clone();
    audit.compression_server_to_client = k.compression_server_to_client.clone();
    let has = |name: &str| k.kex_algorithms.iter().any(|a| a == name);
    audit.strict_kex = Some(has(STRICT_KEX_SERVER));
    if has(EXT_INFO_SERVER) {
        audit.ext_info = Some(true);
    }
    if k.first_kex_packet_follows {
        audit
            .notes
            .push("the server set first_kex_packet_follows (it guesses the key exchange)".into());
    }
    if !k.languages_server_to_client.is_empty() || !k.languages_client_to_server.is_empty() {
        audit.notes.push(format!(
            "KEXINIT languages: client to server [{}], server to client [{}]",
            k.languages_client_to_server.join(","),
            k.languages_server_to_client.join(",")
        ));
    }
}

/// The algorithms of one key exchange (RFC 4253 §7.1), or why none can be agreed.
struct Agreed {
    kex: Kex,
    kex_name: String,
    host_key: String,
    ciphers: (Cipher, Cipher),
    cipher_name: String,
    strict: bool,
}

fn agree(ours: &KexInit, theirs: &KexInit) -> Result<Agreed, SshError> {
    let fail = |what: &str, server: &[String]| {
        SshError::NotNegotiable(format!(
            "no common {what}: the server offers {}",
            if server.is_empty() {
                "nothing".to_string()
            } else {
                server.join(",")
            }
        ))
    };
    let kex_name = wire::negotiate(
        &ours.kex_algorithms[..transport::KEX_METHODS.len()],
        &theirs.kex_algorithms,
    )
    .ok_or_else(|| {
        fail(
            "key exchange method edgeaudit implements",
            &theirs.kex_algorithms,
        )
    })?;
    let host_key = wire::negotiate(
        &ours.server_host_key_algorithms,
        &theirs.server_host_key_algorithms,
    )
    .ok_or_else(|| fail("host key algorithm", &theirs.server_host_key_algorithms))?;
    let c2s = wire::negotiate(
        &ours.encryption_client_to_server,
        &theirs.encryption_client_to_server,
    )
    .ok_or_else(|| {
        fail(
            "cipher edgeaudit implements",
            &theirs.encryption_client_to_server,
        )
    })?;
    let s2c = wire::negotiate(
        &ours.encryption_server_to_client,
        &theirs.encryption_server_to_client,
    )
    .ok_or_else(|| {
        fail(
            "cipher edgeaudit implements",
            &theirs.encryption_server_to_client,
        )
    })?;
    for (ours, theirs) in [
        (
            &ours.compression_client_to_server,
            &theirs.compression_client_to_server,
        ),
        (
            &ours.compression_server_to_client,
            &theirs.compression_server_to_client,
        ),
    ] {
        wire::negotiate(ours, theirs)
            .ok_or_else(|| fail("compression (edgeaudit needs none)", theirs))?;
    }
    let crypto = |source| SshError::Crypto {
        stage: "negotiation",
        source,
    };
    Ok(Agreed {
        kex: Kex::from_name(kex_name).map_err(crypto)?,
        kex_name: kex_name.to_string(),
        host_key: host_key.to_string(),
        ciphers: (
            Cipher::from_name(c2s).map_err(crypto)?,
            Cipher::from_name(s2c).map_err(crypto)?,
        ),
        cipher_name: if c2s == s2c {
            c2s.to_string()
        } else {
            format!("{c2s} / {s2c}")
        },
        strict: theirs.kex_algorithms.iter().any(|a| a == STRICT_KEX_SERVER),
    })
}

fn expect(payload: &[u8], expected: u8, stage: &'static str) -> Result<(), SshError> {
    match payload.first().copied() {
        Some(t) if t == expected => Ok(()),
        Some(found) => Err(SshError::Unexpected { stage, found }),
        None => Err(SshError::Wire {
            stage,
            source: WireError::EmptyMessage,
        }),
    }
}

/// One connection per [`Plan`]; records into `audit` as it goes, so whatever was seen before a
/// failure stays.
async fn run_connection(
    addr: SocketAddr,
    deadline: Instant,
    plan: &Plan<'_>,
    audit: &mut SshAudit,
) -> Result<(), SshError> {
    let rng = SystemRandom::new();
    let mut conn = Conn::open(addr, deadline).await?;
    let v_c = wire::client_identification(&client_software());
    // RFC 4253 §4.2 lets both sides send at once; not waiting saves a round trip.
    conn.write(&v_c, "identification").await?;
    let v_s = match conn.read_identification().await {
        Ok(line) => line,
        Err(e) => {
            if plan.record_kexinit && audit.identification.is_none() {
                audit.identification = wire::parse_ssh_identification(&conn.buf);
            }
            return Err(e);
        }
    };
    let id = wire::parse_ssh_identification(&v_s);
    if plan.record_kexinit {
        audit.identification = id.clone();
    }
    if let Some(id) = &id {
        if id.protocol_version != "2.0" && id.protocol_version != "1.99" {
            return Err(SshError::Protocol1(id.protocol_version.clone()));
        }
    }
    let ours = client_kexinit(plan.host_key_algorithms, &rng);
    let i_c = ours.encode();
    conn.send(&i_c, "KEXINIT").await?;
    let i_s = conn.recv("server KEXINIT").await?;
    expect(&i_s, wire::MSG_KEXINIT, "server KEXINIT")?;
    let theirs = KexInit::decode(&i_s).map_err(|source| SshError::Wire {
        stage: "server KEXINIT",
        source,
    })?;
    if plan.record_kexinit {
        record_kexinit(audit, &theirs);
    }
    let agreed = match agree(&ours, &theirs) {
        Ok(a) => a,
        Err(e) => {
            conn.close().await;
            return Err(e);
        }
    };
    if theirs.first_kex_packet_follows {
        conn.close().await;
        return Err(SshError::NotNegotiable(
            "the server sends a guessed key exchange packet, which edgeaudit does not handle"
                .into(),
        ));
    }
    let negotiated_at = audit.negotiated.len();
    audit.negotiated.push(SshNegotiated {
        kex: agreed.kex_name.clone(),
        host_key_algorithm: agreed.host_key.clone(),
        cipher: agreed.cipher_name.clone(),
        strict_kex: agreed.strict,
        completed: false,
    });

    let crypto = |stage| move |source| SshError::Crypto { stage, source };
    let eph = Ephemeral::generate(agreed.kex, &rng).map_err(crypto("ECDH"))?;
    let q_c = eph.public.clone();
    conn.send(&wire::encode_ecdh_init(&q_c), "KEX_ECDH_INIT")
        .await?;
    let reply = conn.recv("KEX_ECDH_REPLY").await?;
    expect(&reply, wire::MSG_KEX_ECDH_REPLY, "KEX_ECDH_REPLY")?;
    let reply = wire::EcdhReply::decode(&reply).map_err(|source| SshError::Wire {
        stage: "KEX_ECDH_REPLY",
        source,
    })?;
    let info = hostkey::describe(reply.host_key).map_err(|source| SshError::Wire {
        stage: "host key",
        source,
    })?;
    let k = eph.shared_secret(reply.q_s).map_err(crypto("ECDH"))?;
    let h = transport::exchange_hash(
        agreed.kex,
        &HashInput {
            v_c: v_c.strip_suffix(b"\r\n").unwrap_or(&v_c),
            v_s: &v_s,
            i_c: &i_c,
            i_s: &i_s,
            k_s: reply.host_key,
            q_c: &q_c,
            q_s: reply.q_s,
            k: &k,
        },
    );
    let verified = hostkey::verify(&agreed.host_key, reply.host_key, reply.signature, &h);
    if verified == Some(false) {
        audit.notes.push(format!(
            "the {} signature over the exchange hash did not verify with the host key the \
             server sent",
            agreed.host_key
        ));
    }
    audit.host_keys.push(SshHostKey {
        key_type: info.key_type,
        signature_algorithm: agreed.host_key.clone(),
        bits: info.bits,
        fingerprint_sha256: info.fingerprint_sha256,
        signature_verified: verified,
    });
    if !plan.authenticate {
        conn.close().await;
        return Ok(());
    }

    // RFC 4253 §7.3: the session id is the first exchange hash.
    let (tx, rx) = transport::directions(agreed.kex, agreed.ciphers, &k, &h, &h)
        .map_err(crypto("key derivation"))?;
    conn.send(&[wire::MSG_NEWKEYS], "NEWKEYS").await?;
    conn.tx = Some(tx);
    if agreed.strict {
        conn.seq_out = 0;
    }
    let newkeys = conn.recv("server NEWKEYS").await?;
    expect(&newkeys, wire::MSG_NEWKEYS, "server NEWKEYS")?;
    conn.rx = Some(rx);
    if agreed.strict {
        conn.seq_in = 0;
    }
    audit.negotiated[negotiated_at].completed = true;

    conn.send(
        &wire::encode_service_request("ssh-userauth"),
        "SERVICE_REQUEST",
    )
    .await?;
    let mut ext_info_seen = false;
    loop {
        let msg = conn.recv("SERVICE_ACCEPT").await?;
        match msg[0] {
            wire::MSG_EXT_INFO => {
                ext_info_seen = true;
                read_ext_info(&msg, audit);
            }
            wire::MSG_SERVICE_ACCEPT => break,
            found => {
                return Err(SshError::Unexpected {
                    stage: "SERVICE_ACCEPT",
                    found,
                })
            }
        }
    }
    if ext_info_seen {
        audit.ext_info = Some(true);
    } else if audit.ext_info.is_none() {
        audit.ext_info = Some(false);
    }

    conn.send(&wire::encode_userauth_none(PROBE_USER), "USERAUTH_REQUEST")
        .await?;
    loop {
        let msg = conn.recv("USERAUTH answer").await?;
        let stage = "USERAUTH answer";
        let wire_err = |source| SshError::Wire { stage, source };
        match msg[0] {
            wire::MSG_USERAUTH_BANNER => {
                audit.auth_banner = Some(wire::decode_userauth_banner(&msg).map_err(wire_err)?);
            }
            wire::MSG_EXT_INFO => read_ext_info(&msg, audit),
            wire::MSG_USERAUTH_FAILURE => {
                let (methods, partial) = wire::decode_userauth_failure(&msg).map_err(wire_err)?;
                if partial {
                    audit
                        .notes
                        .push("USERAUTH_FAILURE for `none` said partial success".into());
                }
                audit.auth_methods = Some(methods);
                audit.none_auth_accepted = Some(false);
                break;
            }
            wire::MSG_USERAUTH_SUCCESS => {
                audit.none_auth_accepted = Some(true);
                audit.notes.push(format!(
                    "the server accepted `none` authentication for the user {PROBE_USER}: no \
                     credential is needed"
                ));
                break;
            }
            found => return Err(SshError::Unexpected { stage, found }),
        }
    }
    conn.close().await;
    Ok(())
}

fn read_ext_info(msg: &[u8], audit: &mut SshAudit) {
    match wire::decode_ext_info(msg) {
        Ok(pairs) => {
            for (name, value) in pairs {
                if name == "server-sig-algs" {
                    match wire::parse_name_list(&value, "server-sig-algs") {
                        Ok(list) => audit.server_sig_algs = Some(list),
                        Err(e) => audit.notes.push(format!("EXT_INFO: {e}")),
                    }
                }
            }
        }
        Err(e) => audit.notes.push(format!("EXT_INFO not read: {e}")),
    }
}

/// Host key types the server announced that no connection fetched yet, each with the
/// announced algorithms for it; certificates are left out (their blob is not the key).
fn missing_key_types(audit: &SshAudit) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for alg in &audit.host_key_algorithms {
        if alg.contains("-cert-") {
            continue;
        }
        let key_type = hostkey::key_type_of(alg).to_string();
        if audit.host_keys.iter().any(|k| k.key_type == key_type) {
            continue;
        }
        match out.iter_mut().find(|(t, _)| *t == key_type) {
            Some((_, algs)) => algs.push(alg.clone()),
            None => out.push((key_type, vec![alg.clone()])),
        }
    }
    out
}

/// Audits the SSH service on `port` of a scanned host under the host's deadline, slots and
/// connection budget. The connections run one after the other, holding one host slot and one
/// global slot; the second is taken from the budget only when it is needed.
pub async fn audit_ssh_in(ctx: &HostContext, port: u16) -> SshAudit {
    let addr = SocketAddr::new(ctx.address, port);
    let not_tested = |why: &str| SshAudit {
        notes: vec![format!("SSH audit not run: {why}")],
        ..SshAudit::default()
    };
    let (Ok(_host), Ok(_global)) = (
        ctx.host_slots.clone().acquire_owned().await,
        ctx.global_slots.clone().acquire_owned().await,
    ) else {
        return not_tested("the scan is shutting down");
    };
    if !ctx.budget.try_take() {
        return not_tested("the host's connection budget is used up");
    }
    let per_connection = CONNECTION_TIMEOUT.max(ctx.config.exchange_timeout);
    audit_ssh_limited(addr, ctx.deadline, per_connection, || ctx.budget.try_take()).await
}

/// Audits the SSH service at `addr` with the default per-connection deadline.
pub async fn audit_ssh(addr: SocketAddr, deadline: Instant) -> SshAudit {
    audit_ssh_with(addr, deadline, CONNECTION_TIMEOUT).await
}

/// Audits the SSH service at `addr`, each connection under `min(deadline, now + per_connection)`.
pub async fn audit_ssh_with(
    addr: SocketAddr,
    deadline: Instant,
    per_connection: Duration,
) -> SshAudit {
    audit_ssh_limited(addr, deadline, per_connection, || true).await
}

/// The audit; the first connection is already paid for, `take_another` pays for the second.
async fn audit_ssh_limited(
    addr: SocketAddr,
    deadline: Instant,
    per_connection: Duration,
    mut take_another: impl FnMut() -> bool,
) -> SshAudit {
    let mut audit = SshAudit::default();
    if Instant::now() >= deadline {
        audit
            .notes
            .push("SSH audit not run: the audit's deadline passed".into());
        return audit;
    }
    audit.connections = 1;
    let first = Plan {
        host_key_algorithms: &HOST_KEY_PREFERENCE,
        authenticate: true,
        record_kexinit: true,
    };
    let first_result = run_connection(
        addr,
        deadline.min(Instant::now() + per_connection),
        &first,
        &mut audit,
    )
    .await;
    if let Err(e) = &first_result {
        audit.notes.push(format!("connection 1: {e}"));
        if audit.auth_methods.is_none() {
            audit
                .notes
                .push("authentication methods not observed (the first connection stopped before the server answered)".into());
        }
    }
    // A second connection makes sense only when the first one got as far as a key exchange.
    let kex_worked = !audit.host_keys.is_empty();
    let missing = missing_key_types(&audit);
    if let Some((key_type, algs)) = missing.first().filter(|_| kex_worked) {
        let why_not = if Instant::now() >= deadline {
            Some("the audit's deadline passed")
        } else if !take_another() {
            Some("the host's connection budget is used up")
        } else {
            None
        };
        match why_not {
            Some(why) => audit
                .notes
                .push(format!("host key {key_type} not fetched: {why}")),
            None => {
                audit.connections = 2;
                let algs: Vec<&str> = algs.iter().map(String::as_str).collect();
                let second = Plan {
                    host_key_algorithms: &algs,
                    authenticate: false,
                    record_kexinit: false,
                };
                if let Err(e) = run_connection(
                    addr,
                    deadline.min(Instant::now() + per_connection),
                    &second,
                    &mut audit,
                )
                .await
                {
                    audit.notes.push(format!("connection 2 ({key_type}): {e}"));
                }
            }
        }
    }
    let still_missing = missing_key_types(&audit);
    if !still_missing.is_empty() && kex_worked {
        let names: Vec<&str> = still_missing.iter().map(|(t, _)| t.as_str()).collect();
        audit.notes.push(format!(
            "host key types announced but not fetched (at most {MAX_CONNECTIONS} connections): {}",
            names.join(", ")
        ));
    }
    if audit
        .host_key_algorithms
        .iter()
        .any(|a| a.contains("-cert-"))
    {
        audit
            .notes
            .push("host certificates announced; their keys are not fetched".into());
    }
    audit
}

#[cfg(test)]
mod tests;
