//! SMB over direct TCP (port 445): which dialects a server accepts and how it signs, learnt from
//! NEGOTIATE alone. No SESSION_SETUP is ever sent, so no credential is offered or asked for.
//!
//! Connections, one after the other, each framed by the 4-byte direct-TCP header ([MS-SMB2]
//! 2.1: a zero byte and a 24-bit length):
//!
//! 1. SMB1 NEGOTIATE offering only `NT LM 0.12` ([MS-CIFS] 2.2.4.52): an SMB1 answer selecting
//!    it means SMBv1 is accepted.
//! 2. SMB1 NEGOTIATE offering `NT LM 0.12`, `SMB 2.002`, `SMB 2.???` ([MS-SMB2] 3.3.5.3.1): what
//!    a client of the multi-protocol kind gets (SMB1, or SMB2 with dialect 0x02FF / 0x0202).
//! 3. SMB2 NEGOTIATE ([MS-SMB2] 2.2.3) offering 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1 (with the
//!    negotiate contexts 3.1.1 requires); the selected dialect is removed and the rest offered
//!    again until the server refuses, so every accepted dialect is found in at most six
//!    connections. Security mode, capabilities, server GUID and the 3.1.1 contexts come from the
//!    first answer.

use std::net::SocketAddr;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{timeout_at, Instant};

use crate::observation::SmbAudit;
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::tcp::{self, ConnectOutcome};
use crate::probe::HostContext;
use crate::wire::{Reader, ShortRead};

/// Deadline of one connection (connect, one NEGOTIATE, its answer).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest NEGOTIATE response read (the security buffer carries a SPNEGO hint of a few hundred
/// bytes; Windows answers are below 1 KiB).
pub const MAX_RESPONSE: usize = 16 * 1024;
/// The SMB2/3 dialects offered, lowest first.
pub const SMB2_DIALECTS: [u16; 5] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
/// Most connections one audit opens: two SMB1 probes, and one per SMB2 dialect plus the refusal.
pub const MAX_CONNECTIONS: u32 = 2 + SMB2_DIALECTS.len() as u32 + 1;

pub const SMB1_MAGIC: &[u8; 4] = b"\xffSMB";
pub const SMB2_MAGIC: &[u8; 4] = b"\xfeSMB";
pub const SMB1_COM_NEGOTIATE: u8 = 0x72;

/// SMB2 NEGOTIATE SecurityMode bits (2.2.3, 2.2.4).
pub const SIGNING_ENABLED: u16 = 0x0001;
pub const SIGNING_REQUIRED: u16 = 0x0002;

/// Negotiate context types (2.2.3.1).
pub const PREAUTH_INTEGRITY_CAPABILITIES: u16 = 0x0001;
pub const ENCRYPTION_CAPABILITIES: u16 = 0x0002;
pub const SIGNING_CAPABILITIES: u16 = 0x0008;

/// Why an SMB message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SmbError {
    #[error("truncated ({} more bytes needed)", .0.needed)]
    Short(ShortRead),
    #[error("not an SMB message")]
    NotSmb,
    #[error("not a NEGOTIATE response (command 0x{0:04x})")]
    NotNegotiate(u16),
    #[error("NEGOTIATE failed with NTSTATUS 0x{0:08x}")]
    Status(u32),
    #[error("malformed: {0}")]
    Malformed(&'static str),
}

impl From<ShortRead> for SmbError {
    fn from(s: ShortRead) -> Self {
        SmbError::Short(s)
    }
}

type R<'a> = Reader<'a, SmbError>;

fn u32_le(r: &mut R<'_>) -> Result<u32, SmbError> {
    r.u32_le()
}

/// The direct-TCP frame around `msg`.
pub fn frame(msg: &[u8]) -> Vec<u8> {
    let len = msg.len() as u32;
    let mut out = vec![0, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    out.extend_from_slice(msg);
    out
}

/// Total length of the first frame in `buf` (header included), once the header is there.
pub fn frame_len(buf: &[u8]) -> Option<usize> {
    let h = buf.get(..4)?;
    Some(4 + (usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3])))
}

/// The message inside the first frame of `buf`.
pub fn unframe(buf: &[u8]) -> Result<&[u8], SmbError> {
    let mut r = R::new(buf);
    let kind = r.u8()?;
    if kind != 0 {
        return Err(SmbError::Malformed("direct-TCP header type is not 0"));
    }
    let len = r.u24_be()?;
    r.take(len)
}

// ---------------------------------------------------------------------------------------------
// SMB1
// ---------------------------------------------------------------------------------------------

/// An SMB1 NEGOTIATE request offering `dialects` ([MS-CIFS] 2.2.4.52.1).
pub fn smb1_negotiate(dialects: &[&str]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(SMB1_MAGIC);
    m.push(SMB1_COM_NEGOTIATE);
    m.extend_from_slice(&[0; 4]); // status
    m.push(0x18); // flags: caseless pathnames, canonicalized paths
                  // flags2: long names, extended security, NT status, Unicode
    m.extend_from_slice(&0xc801u16.to_le_bytes());
    m.extend_from_slice(&[0; 12]); // PIDHigh, SecurityFeatures, Reserved
    m.extend_from_slice(&[0; 2]); // TID
    m.extend_from_slice(&0xfeffu16.to_le_bytes()); // PIDLow
    m.extend_from_slice(&[0; 2]); // UID
    m.extend_from_slice(&[0; 2]); // MID
    m.push(0); // WordCount
    let mut bytes = Vec::new();
    for d in dialects {
        bytes.push(0x02);
        bytes.extend_from_slice(d.as_bytes());
        bytes.push(0);
    }
    m.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    m.extend(bytes);
    m
}

/// What a server answered an SMB1 NEGOTIATE with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Smb1Answer {
    /// An SMB1 response selecting our dialect at this index; `None` = 0xFFFF, none acceptable.
    Smb1 { dialect_index: Option<u16> },
    /// An SMB2 NEGOTIATE response (the multi-protocol switch), with its DialectRevision.
    Smb2 { dialect: u16 },
}

/// Decodes the message (unframed) that answers an SMB1 NEGOTIATE.
pub fn decode_smb1_answer(msg: &[u8]) -> Result<Smb1Answer, SmbError> {
    if msg.starts_with(SMB2_MAGIC) {
        let resp = NegotiateResponse::decode(msg)?;
        return Ok(Smb2Answer(resp).into());
    }
    let mut r = R::new(msg);
    if r.take(4)? != SMB1_MAGIC {
        return Err(SmbError::NotSmb);
    }
    let command = r.u8()?;
    if command != SMB1_COM_NEGOTIATE {
        return Err(SmbError::NotNegotiate(u16::from(command)));
    }
    let status = u32_le(&mut r)?;
    if status != 0 {
        return Err(SmbError::Status(status));
    }
    r.take(32 - 9)?;
    let words = r.u8()?;
    if words == 0 {
        return Err(SmbError::Malformed(
            "SMB1 NEGOTIATE response without parameters",
        ));
    }
    let index = r.u16_le()?;
    Ok(Smb1Answer::Smb1 {
        dialect_index: (index != 0xffff).then_some(index),
    })
}

struct Smb2Answer(NegotiateResponse);

impl From<Smb2Answer> for Smb1Answer {
    fn from(a: Smb2Answer) -> Self {
        Smb1Answer::Smb2 {
            dialect: a.0.dialect,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SMB2
// ---------------------------------------------------------------------------------------------

/// A fixed client GUID: it only has to be the same on every connection of a client.
pub const CLIENT_GUID: [u8; 16] = *b"edgeaudit-probe!";

fn pad8(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(8) {
        v.push(0);
    }
}

/// An SMB2 NEGOTIATE request ([MS-SMB2] 2.2.1.2 header, 2.2.3 body) offering `dialects`. With
/// 0x0311 it carries a preauth-integrity context (SHA-512, 32-byte salt), an encryption context
/// (AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM) and a signing context (AES-GMAC,
/// AES-CMAC, HMAC-SHA256).
pub fn smb2_negotiate(dialects: &[u16]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(SMB2_MAGIC);
    m.extend_from_slice(&64u16.to_le_bytes()); // StructureSize
    m.extend_from_slice(&0u16.to_le_bytes()); // CreditCharge
    m.extend_from_slice(&0u32.to_le_bytes()); // Status
    m.extend_from_slice(&0u16.to_le_bytes()); // Command: NEGOTIATE
    m.extend_from_slice(&1u16.to_le_bytes()); // CreditRequest
    m.extend_from_slice(&0u32.to_le_bytes()); // Flags
    m.extend_from_slice(&0u32.to_le_bytes()); // NextCommand
    m.extend_from_slice(&0u64.to_le_bytes()); // MessageId
    m.extend_from_slice(&0xfeffu32.to_le_bytes()); // Reserved (ProcessId)
    m.extend_from_slice(&0u32.to_le_bytes()); // TreeId
    m.extend_from_slice(&0u64.to_le_bytes()); // SessionId
    m.extend_from_slice(&[0; 16]); // Signature
    let with_contexts = dialects.contains(&0x0311);
    m.extend_from_slice(&36u16.to_le_bytes());
    m.extend_from_slice(&(dialects.len() as u16).to_le_bytes());
    m.extend_from_slice(&SIGNING_ENABLED.to_le_bytes());
    m.extend_from_slice(&0u16.to_le_bytes());
    // DFS, LEASING, LARGE_MTU, MULTI_CHANNEL, PERSISTENT_HANDLES, DIRECTORY_LEASING, ENCRYPTION:
    // what a current client announces, so the server has no reason to hold back.
    let caps: u32 = if dialects.iter().any(|&d| d >= 0x0300) {
        0x7f
    } else {
        0x07
    };
    m.extend_from_slice(&caps.to_le_bytes());
    m.extend_from_slice(&CLIENT_GUID);
    let offset_at = m.len();
    m.extend_from_slice(&[0; 8]); // NegotiateContextOffset/Count/Reserved2, or ClientStartTime
    for d in dialects {
        m.extend_from_slice(&d.to_le_bytes());
    }
    if with_contexts {
        pad8(&mut m);
        let offset = m.len() as u32;
        let contexts: [(u16, Vec<u8>); 3] = [
            (PREAUTH_INTEGRITY_CAPABILITIES, {
                let mut d = Vec::new();
                d.extend_from_slice(&1u16.to_le_bytes()); // HashAlgorithmCount
                d.extend_from_slice(&32u16.to_le_bytes()); // SaltLength
                d.extend_from_slice(&1u16.to_le_bytes()); // SHA-512
                d.extend_from_slice(b"edgeaudit preauth salt 32 bytes!");
                d
            }),
            (ENCRYPTION_CAPABILITIES, {
                let mut d = Vec::new();
                d.extend_from_slice(&4u16.to_le_bytes());
                for c in [0x0002u16, 0x0001, 0x0004, 0x0003] {
                    d.extend_from_slice(&c.to_le_bytes());
                }
                d
            }),
            (SIGNING_CAPABILITIES, {
                let mut d = Vec::new();
                d.extend_from_slice(&3u16.to_le_bytes());
                for s in [0x0002u16, 0x0001, 0x0000] {
                    d.extend_from_slice(&s.to_le_bytes());
                }
                d
            }),
        ];
        for (i, (kind, data)) in contexts.iter().enumerate() {
            if i > 0 {
                pad8(&mut m);
            }
            m.extend_from_slice(&kind.to_le_bytes());
            m.extend_from_slice(&(data.len() as u16).to_le_bytes());
            m.extend_from_slice(&0u32.to_le_bytes());
            m.extend_from_slice(data);
        }
        m[offset_at..offset_at + 4].copy_from_slice(&offset.to_le_bytes());
        m[offset_at + 4..offset_at + 6].copy_from_slice(&(contexts.len() as u16).to_le_bytes());
    }
    m
}

/// An SMB2 NEGOTIATE response ([MS-SMB2] 2.2.4), the parts the audit records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiateResponse {
    pub security_mode: u16,
    pub dialect: u16,
    pub server_guid: [u8; 16],
    pub capabilities: u32,
    /// SMB 3.1.1 negotiate contexts: (type, data).
    pub contexts: Vec<(u16, Vec<u8>)>,
}

/// Most negotiate contexts decoded.
pub const MAX_CONTEXTS: usize = 16;

impl NegotiateResponse {
    /// Decodes an unframed SMB2 message; a non-zero NTSTATUS is [`SmbError::Status`].
    pub fn decode(msg: &[u8]) -> Result<NegotiateResponse, SmbError> {
        let mut r = R::new(msg);
        if r.take(4)? != SMB2_MAGIC {
            return Err(SmbError::NotSmb);
        }
        if r.u16_le()? != 64 {
            return Err(SmbError::Malformed("SMB2 header StructureSize is not 64"));
        }
        r.u16_le()?; // CreditCharge
        let status = u32_le(&mut r)?;
        let command = r.u16_le()?;
        if command != 0 {
            return Err(SmbError::NotNegotiate(command));
        }
        if status != 0 {
            return Err(SmbError::Status(status));
        }
        r.take(64 - 14)?;
        let size = r.u16_le()?;
        if size != 65 {
            return Err(SmbError::Malformed(
                "NEGOTIATE response StructureSize is not 65",
            ));
        }
        let security_mode = r.u16_le()?;
        let dialect = r.u16_le()?;
        let context_count = r.u16_le()?;
        let mut server_guid = [0u8; 16];
        server_guid.copy_from_slice(r.take(16)?);
        let capabilities = u32_le(&mut r)?;
        r.take(4 * 3 + 8 * 2 + 2 + 2)?; // sizes, times, security buffer offset/length
        let context_offset = u32_le(&mut r)? as usize;
        let mut contexts = Vec::new();
        if dialect == 0x0311 && context_count > 0 {
            let list = msg.get(context_offset..).ok_or(SmbError::Malformed(
                "NegotiateContextOffset beyond the message",
            ))?;
            let mut c = R::new(list);
            for i in 0..usize::from(context_count).min(MAX_CONTEXTS) {
                if i > 0 {
                    // Each context starts 8-byte aligned (relative to the SMB2 header).
                    let at = context_offset + list.len() - c.remaining();
                    let pad = (8 - at % 8) % 8;
                    c.take(pad.min(c.remaining()))?;
                }
                let kind = c.u16_le()?;
                let len = usize::from(c.u16_le()?);
                c.take(4)?;
                contexts.push((kind, c.take(len)?.to_vec()));
            }
        }
        Ok(NegotiateResponse {
            security_mode,
            dialect,
            server_guid,
            capabilities,
            contexts,
        })
    }

    /// Ids listed in one context's data: a u16 count, (for preauth: a salt length,) then ids.
    fn context_ids(&self, kind: u16) -> Vec<u16> {
        let Some((_, data)) = self.contexts.iter().find(|(k, _)| *k == kind) else {
            return Vec::new();
        };
        let mut r = R::new(data);
        let Ok(count) = r.u16_le() else {
            return Vec::new();
        };
        if kind == PREAUTH_INTEGRITY_CAPABILITIES && r.u16_le().is_err() {
            return Vec::new();
        }
        (0..count).map_while(|_| r.u16_le().ok()).collect()
    }

    pub fn ciphers(&self) -> Vec<String> {
        self.context_ids(ENCRYPTION_CAPABILITIES)
            .into_iter()
            .map(cipher_name)
            .collect()
    }

    pub fn preauth_hashes(&self) -> Vec<String> {
        self.context_ids(PREAUTH_INTEGRITY_CAPABILITIES)
            .into_iter()
            .map(|h| match h {
                1 => "SHA-512".to_string(),
                h => format!("0x{h:04x}"),
            })
            .collect()
    }

    pub fn signing_algorithms(&self) -> Vec<String> {
        self.context_ids(SIGNING_CAPABILITIES)
            .into_iter()
            .map(|s| match s {
                0 => "HMAC-SHA256".to_string(),
                1 => "AES-CMAC".to_string(),
                2 => "AES-GMAC".to_string(),
                s => format!("0x{s:04x}"),
            })
            .collect()
    }
}

/// [MS-SMB2] 2.2.3.1.2 cipher ids; 0 in a response means "no common cipher".
pub fn cipher_name(id: u16) -> String {
    match id {
        0 => "none".into(),
        1 => "AES-128-CCM".into(),
        2 => "AES-128-GCM".into(),
        3 => "AES-256-CCM".into(),
        4 => "AES-256-GCM".into(),
        id => format!("0x{id:04x}"),
    }
}

/// `2.0.2`, `2.1`, `3.0`, `3.0.2`, `3.1.1`; the wildcard `2.???` (0x02FF); else hex.
pub fn dialect_name(d: u16) -> String {
    match d {
        0x0202 => "2.0.2".into(),
        0x0210 => "2.1".into(),
        0x0300 => "3.0".into(),
        0x0302 => "3.0.2".into(),
        0x0311 => "3.1.1".into(),
        0x02ff => "2.???".into(),
        d => format!("0x{d:04x}"),
    }
}

/// [MS-SMB2] 2.2.4 Capabilities flag names.
pub fn capability_names(caps: u32) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = caps;
    for (bit, name) in [
        (0x01, "SMB2_GLOBAL_CAP_DFS"),
        (0x02, "SMB2_GLOBAL_CAP_LEASING"),
        (0x04, "SMB2_GLOBAL_CAP_LARGE_MTU"),
        (0x08, "SMB2_GLOBAL_CAP_MULTI_CHANNEL"),
        (0x10, "SMB2_GLOBAL_CAP_PERSISTENT_HANDLES"),
        (0x20, "SMB2_GLOBAL_CAP_DIRECTORY_LEASING"),
        (0x40, "SMB2_GLOBAL_CAP_ENCRYPTION"),
        (0x80, "SMB2_GLOBAL_CAP_NOTIFICATIONS"),
    ] {
        if caps & bit != 0 {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("0x{rest:08x}"));
    }
    names
}

/// A GUID in registry form: the first three fields are little-endian on the wire.
pub fn guid_text(g: &[u8; 16]) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{}",
        u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
        u16::from_le_bytes([g[4], g[5]]),
        u16::from_le_bytes([g[6], g[7]]),
        g[8],
        g[9],
        g[10..]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

/// An open connection and, in a scan, the host and global slots it holds until dropped.
struct Held {
    stream: TcpStream,
    _permits: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
}

/// Opens the connections of an audit.
trait Opener {
    async fn open(&mut self, deadline: Instant) -> Result<Held, String>;
}

struct DirectOpener(SocketAddr);

impl Opener for DirectOpener {
    async fn open(&mut self, deadline: Instant) -> Result<Held, String> {
        match timeout_at(deadline, TcpStream::connect(self.0)).await {
            Err(_) => Err("connect: no answer before the deadline".into()),
            Ok(Err(e)) => Err(format!("connect to {}: {e}", self.0)),
            Ok(Ok(stream)) => Ok(Held {
                stream,
                _permits: None,
            }),
        }
    }
}

struct ContextOpener<'a> {
    ctx: &'a HostContext,
    port: u16,
}

impl Opener for ContextOpener<'_> {
    async fn open(&mut self, _deadline: Instant) -> Result<Held, String> {
        match tcp::connect(self.ctx, self.port).await {
            ConnectOutcome::Open { conn, .. } => Ok(Held {
                stream: conn.stream,
                _permits: Some(conn.permits),
            }),
            other => Err(other.describe()),
        }
    }
}

/// Audits SMB on `port` of a scanned host: every connection through [`tcp::connect`] (host slot,
/// global slot, budget, connect timeout, target deadline).
pub async fn audit_smb_in(ctx: &HostContext, port: u16) -> SmbAudit {
    let per = CONNECTION_TIMEOUT.max(ctx.config.exchange_timeout);
    audit_with(&mut ContextOpener { ctx, port }, ctx.deadline, per).await
}

/// Audits SMB at `addr` with the default per-connection deadline.
pub async fn audit_smb(addr: SocketAddr, deadline: Instant) -> SmbAudit {
    audit_with(&mut DirectOpener(addr), deadline, CONNECTION_TIMEOUT).await
}

/// One request on a fresh connection; the unframed answer.
async fn exchange(
    opener: &mut impl Opener,
    audit: &mut SmbAudit,
    request: &[u8],
    deadline: Instant,
) -> Result<Vec<u8>, String> {
    if Instant::now() >= deadline {
        return Err("not tested: the deadline passed".into());
    }
    let mut held = opener.open(deadline).await?;
    audit.connections += 1;
    let stream = &mut held.stream;
    let _ = stream.set_nodelay(true);
    bounded::write_all(stream, &frame(request), deadline)
        .await
        .map_err(|end| format!("request not sent: {}", end.describe()))?;
    let complete = |b: &[u8]| frame_len(b).is_some_and(|n| b.len() >= n);
    let (bytes, end) = bounded::read_until(stream, deadline, MAX_RESPONSE, None, complete).await;
    if end != End::Complete {
        return Err(match end {
            End::Limit => format!("answer larger than {MAX_RESPONSE} bytes"),
            end if bytes.is_empty() => format!("no answer: {}", end.describe()),
            end => format!(
                "incomplete answer ({} bytes): {}",
                bytes.len(),
                end.describe()
            ),
        });
    }
    unframe(&bytes)
        .map(<[u8]>::to_vec)
        .map_err(|e| e.to_string())
}

async fn audit_with(
    opener: &mut impl Opener,
    deadline: Instant,
    per_connection: Duration,
) -> SmbAudit {
    let mut audit = SmbAudit::default();
    let step = |d: Instant| d.min(Instant::now() + per_connection);

    // 1. SMBv1 alone.
    let request = smb1_negotiate(&["NT LM 0.12"]);
    match exchange(opener, &mut audit, &request, step(deadline)).await {
        Ok(msg) => match decode_smb1_answer(&msg) {
            Ok(Smb1Answer::Smb1 {
                dialect_index: Some(0),
            }) => audit.smb1_accepted = Some(true),
            Ok(other) => {
                audit.smb1_accepted = Some(false);
                let what = match other {
                    Smb1Answer::Smb1 {
                        dialect_index: None,
                    } => "SMB1 response accepting none of the offered dialects (DialectIndex \
                          0xFFFF)"
                        .to_string(),
                    Smb1Answer::Smb1 {
                        dialect_index: Some(i),
                    } => format!("SMB1 response with DialectIndex {i}, which was not offered"),
                    Smb1Answer::Smb2 { dialect } => {
                        format!("SMB2 response (dialect {})", dialect_name(dialect))
                    }
                };
                audit
                    .notes
                    .push(format!("SMB1 NEGOTIATE (NT LM 0.12 only): {what}"));
            }
            Err(e) => {
                audit.smb1_accepted = Some(false);
                audit
                    .notes
                    .push(format!("SMB1 NEGOTIATE (NT LM 0.12 only): {e}"));
            }
        },
        // A server without SMB1 closes the connection (Samba, Windows with SMB1 removed).
        Err(e) if e.starts_with("no answer: connection") => {
            audit.smb1_accepted = Some(false);
            audit
                .notes
                .push(format!("SMB1 NEGOTIATE (NT LM 0.12 only): {e}"));
        }
        Err(e) => audit
            .notes
            .push(format!("SMB1 NEGOTIATE (NT LM 0.12 only): {e}")),
    }

    // 2. The multi-protocol negotiate of older clients.
    let offered = ["NT LM 0.12", "SMB 2.002", "SMB 2.???"];
    let request = smb1_negotiate(&offered);
    audit.multi_protocol_answer = Some(
        match exchange(opener, &mut audit, &request, step(deadline)).await {
            Ok(msg) => match decode_smb1_answer(&msg) {
                Ok(Smb1Answer::Smb1 {
                    dialect_index: Some(i),
                }) => match offered.get(usize::from(i)) {
                    Some(name) => format!("smb1:{name}"),
                    None => format!("smb1:dialect index {i} (not offered)"),
                },
                Ok(Smb1Answer::Smb1 {
                    dialect_index: None,
                }) => "smb1:no dialect acceptable".into(),
                Ok(Smb1Answer::Smb2 { dialect }) => format!("smb2:0x{dialect:04x}"),
                Err(e) => format!("error:{e}"),
            },
            Err(e) => format!("error:{e}"),
        },
    );

    // 3. SMB2/3 dialects, one removed per round.
    let mut offer: Vec<u16> = SMB2_DIALECTS.to_vec();
    while !offer.is_empty() {
        let result = exchange(opener, &mut audit, &smb2_negotiate(&offer), step(deadline)).await;
        let offered_names: Vec<_> = offer.iter().map(|&d| dialect_name(d)).collect();
        let msg = match result {
            Ok(msg) => msg,
            Err(e) => {
                // Closing the connection is how Samba and Windows refuse a dialect set.
                audit.dialects_complete = e.starts_with("no answer: connection");
                audit.notes.push(format!(
                    "SMB2 NEGOTIATE offering {}: {e}",
                    offered_names.join(", ")
                ));
                break;
            }
        };
        let resp = match NegotiateResponse::decode(&msg) {
            Ok(resp) => resp,
            Err(e) => {
                audit.dialects_complete = matches!(e, SmbError::Status(_));
                audit.notes.push(format!(
                    "SMB2 NEGOTIATE offering {}: {e}",
                    offered_names.join(", ")
                ));
                break;
            }
        };
        if !offer.contains(&resp.dialect) {
            audit.notes.push(format!(
                "SMB2 NEGOTIATE offering {}: the server selected {}, which was not offered",
                offered_names.join(", "),
                dialect_name(resp.dialect)
            ));
            break;
        }
        if audit.dialects.is_empty() {
            audit.signing_enabled = Some(resp.security_mode & SIGNING_ENABLED != 0);
            audit.signing_required = Some(resp.security_mode & SIGNING_REQUIRED != 0);
            audit.capabilities = capability_names(resp.capabilities);
            audit.server_guid = Some(guid_text(&resp.server_guid));
        }
        if resp.dialect == 0x0311 {
            audit.encryption_ciphers = resp.ciphers();
            audit.preauth_hashes = resp.preauth_hashes();
            audit.signing_algorithms = resp.signing_algorithms();
        }
        audit.dialects.push(dialect_name(resp.dialect));
        offer.retain(|&d| d != resp.dialect);
        if offer.is_empty() {
            audit.dialects_complete = true;
        }
    }
    audit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let f = frame(b"abc");
        assert_eq!(f, [0, 0, 0, 3, b'a', b'b', b'c']);
        assert_eq!(frame_len(&f), Some(7));
        assert_eq!(unframe(&f), Ok(&b"abc"[..]));
        assert!(unframe(&f[..5]).is_err());
        assert!(unframe(&[1, 0, 0, 0]).is_err());
    }

    #[test]
    fn smb1_negotiate_layout() {
        let m = smb1_negotiate(&["NT LM 0.12"]);
        assert_eq!(&m[..5], b"\xffSMB\x72");
        assert_eq!(m.len(), 32 + 1 + 2 + 12);
        assert_eq!(&m[33..35], &12u16.to_le_bytes());
        assert_eq!(&m[35..], b"\x02NT LM 0.12\x00");
    }

    #[test]
    fn smb2_negotiate_layout_and_contexts() {
        let m = smb2_negotiate(&SMB2_DIALECTS);
        assert_eq!(&m[..4], SMB2_MAGIC);
        assert_eq!(u16::from_le_bytes([m[64], m[65]]), 36);
        assert_eq!(u16::from_le_bytes([m[66], m[67]]), 5);
        let offset = u32::from_le_bytes([m[92], m[93], m[94], m[95]]) as usize;
        assert_eq!(offset % 8, 0);
        assert_eq!(offset, 112); // 64 + 36 + 10 dialect bytes, padded to 8
        assert_eq!(u16::from_le_bytes([m[96], m[97]]), 3);
        assert_eq!(
            &m[offset..offset + 2],
            &PREAUTH_INTEGRITY_CAPABILITIES.to_le_bytes()
        );
        // Without 3.1.1 there are no contexts and the field is ClientStartTime (0).
        let m = smb2_negotiate(&[0x0202, 0x0210]);
        assert_eq!(m.len(), 64 + 36 + 4);
        assert_eq!(&m[92..100], &[0; 8]);
    }

    /// A NEGOTIATE response as Samba 4.17 sends it for 3.1.1 (fields from [MS-SMB2] 2.2.4).
    fn response(dialect: u16, mode: u16, contexts: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(SMB2_MAGIC);
        m.extend_from_slice(&64u16.to_le_bytes());
        m.extend_from_slice(&[0; 2]);
        m.extend_from_slice(&[0; 4]);
        m.extend_from_slice(&[0; 2]);
        m.extend_from_slice(&[0; 64 - 14]);
        m.extend_from_slice(&65u16.to_le_bytes());
        m.extend_from_slice(&mode.to_le_bytes());
        m.extend_from_slice(&dialect.to_le_bytes());
        m.extend_from_slice(&(contexts.len() as u16).to_le_bytes());
        m.extend_from_slice(&[0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99]);
        m.extend_from_slice(&[0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
        m.extend_from_slice(&0x2fu32.to_le_bytes());
        m.extend_from_slice(&[0; 12 + 16]);
        m.extend_from_slice(&128u16.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        let offset_at = m.len();
        m.extend_from_slice(&[0; 4]);
        if !contexts.is_empty() {
            pad8(&mut m);
            let offset = m.len() as u32;
            m[offset_at..offset_at + 4].copy_from_slice(&offset.to_le_bytes());
            for (i, (kind, data)) in contexts.iter().enumerate() {
                if i > 0 {
                    pad8(&mut m);
                }
                m.extend_from_slice(&kind.to_le_bytes());
                m.extend_from_slice(&(data.len() as u16).to_le_bytes());
                m.extend_from_slice(&[0; 4]);
                m.extend_from_slice(data);
            }
        }
        m
    }

    #[test]
    fn negotiate_responses_decode() {
        let preauth = [1, 0, 32, 0, 1, 0]
            .into_iter()
            .chain([7u8; 32])
            .collect::<Vec<_>>();
        let msg = response(
            0x0311,
            SIGNING_ENABLED | SIGNING_REQUIRED,
            &[
                (PREAUTH_INTEGRITY_CAPABILITIES, preauth),
                (ENCRYPTION_CAPABILITIES, vec![1, 0, 2, 0]),
                (SIGNING_CAPABILITIES, vec![1, 0, 1, 0]),
            ],
        );
        let r = NegotiateResponse::decode(&msg).unwrap();
        assert_eq!(r.dialect, 0x0311);
        assert_eq!(r.security_mode, 3);
        assert_eq!(r.ciphers(), ["AES-128-GCM"]);
        assert_eq!(r.preauth_hashes(), ["SHA-512"]);
        assert_eq!(r.signing_algorithms(), ["AES-CMAC"]);
        assert_eq!(
            guid_text(&r.server_guid),
            "00112233-4455-6677-8899-aabbccddeeff"
        );
        assert_eq!(
            capability_names(r.capabilities),
            [
                "SMB2_GLOBAL_CAP_DFS",
                "SMB2_GLOBAL_CAP_LEASING",
                "SMB2_GLOBAL_CAP_LARGE_MTU",
                "SMB2_GLOBAL_CAP_MULTI_CHANNEL",
                "SMB2_GLOBAL_CAP_DIRECTORY_LEASING"
            ]
        );
        for cut in 0..msg.len() {
            assert!(
                NegotiateResponse::decode(&msg[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        // Through the SMB1 path, an SMB2 answer is the multi-protocol switch.
        let msg = response(0x02ff, SIGNING_ENABLED, &[]);
        assert_eq!(
            decode_smb1_answer(&msg),
            Ok(Smb1Answer::Smb2 { dialect: 0x02ff })
        );
        let mut failed = msg.clone();
        failed[8..12].copy_from_slice(&0xc000_00bbu32.to_le_bytes());
        assert_eq!(
            NegotiateResponse::decode(&failed),
            Err(SmbError::Status(0xc000_00bb))
        );
    }

    #[test]
    fn smb1_answers_decode() {
        let mut m = smb1_negotiate(&[]);
        m.truncate(32);
        m.push(17);
        m.extend_from_slice(&0u16.to_le_bytes());
        assert_eq!(
            decode_smb1_answer(&m),
            Ok(Smb1Answer::Smb1 {
                dialect_index: Some(0)
            })
        );
        let last = m.len() - 2;
        m[last..].copy_from_slice(&0xffffu16.to_le_bytes());
        assert_eq!(
            decode_smb1_answer(&m),
            Ok(Smb1Answer::Smb1 {
                dialect_index: None
            })
        );
        assert_eq!(decode_smb1_answer(b"HTTP/1.1 400"), Err(SmbError::NotSmb));
    }
}
