//! The TLS audit driver: which hellos to send, in which order, and what each answer means for
//! the [`TlsAudit`] observation. It only records; judging is the profiles' job.
//!
//! * Versions: TLS 1.3 down to SSLv3, each offered alone, then an SSLv2 CLIENT-HELLO. A
//!   ServerHello with another version than the one offered means the offered one is refused.
//! * Suites (the testssl/sslyze method): offer every candidate the registry knows for the version,
//!   in bundles of at most [`MAX_SUITES_PER_HELLO`]; the server picks one; remove it; repeat until
//!   it refuses. The first handshake of that loop is also the version test.
//! * Server preference: with two or more suites accepted, offer them in the opposite order of the
//!   loop's first handshake; the same choice twice means the server decides, and the loop's
//!   sequence of picks is then its order. Suites found in several bundles are re-run once
//!   together for that.
//! * Every connection goes through [`tcp::connect`] (slots, budget, target deadline), every wait
//!   is cut at `exchange_timeout` and the target deadline, and every read is bounded by
//!   [`MAX_FLIGHT_BYTES`].

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

use super::options::{
    compression_verdict, fallback_verdict, group_entry, options_from_server_hello,
    server_key_exchange, tls13_group, HeartbleedAnswer, HeartbleedProbe, ECDHE_CURVE_CANDIDATES,
    TLS13_GROUP_CANDIDATES,
};
use super::registry::{self, KeyExchange, TlsVersion};
use super::wire::{
    is_sni_name, parse_server_flight, ssl2_cipher_name, ssl2_client_hello, AlertDescription,
    ClientHello, HandshakeType, HelloOptions, NamedGroup, ProtocolVersion, ServerFlight,
    ServerHello, ServerMessage, WireError, MAX_SUITES_PER_HELLO, SSL2_CIPHER_SPECS,
};
use rustls::pki_types::{CertificateDer, UnixTime};

use crate::observation::{
    Bytes, CertificateChain, ProbeStatus, TlsAudit, TlsCipherSuite, TlsGroupSupport, TlsOptions,
    TlsSupport, TlsVersionSupport,
};
use crate::probe::identify::step_deadline;
use crate::probe::rdp::{
    self,
    wire::{NegotiationResponse, Protocols},
};
use crate::probe::tcp::{self, ConnectOutcome, Connection, NotTestedCause};
use crate::probe::HostContext;

/// Most bytes read from the server in one exchange.
pub const MAX_FLIGHT_BYTES: usize = 64 * 1024;

/// The TLS-record versions audited, newest first (SSLv2 is probed after them).
const TLS_VERSIONS: [TlsVersion; 5] = [
    TlsVersion::Tls13,
    TlsVersion::Tls12,
    TlsVersion::Tls11,
    TlsVersion::Tls10,
    TlsVersion::Ssl3,
];

/// Audits the TLS versions and cipher suites of `port` on `ctx.address`. `sni` is sent when it is
/// a DNS name. Never fails: what could not be done is in the observation.
pub async fn audit_tls(ctx: &HostContext, port: u16, sni: Option<&str>) -> TlsAudit {
    audit_tls_after(ctx, port, sni, None).await
}

/// [`audit_tls`] on an RDP port: every connection first negotiates `protocol` (PROTOCOL_SSL or
/// PROTOCOL_HYBRID, [MS-RDPBCGR] 2.2.1.1) and the TLS handshake follows on the same connection,
/// as an RDP client's does.
pub async fn audit_tls_over_rdp(
    ctx: &HostContext,
    port: u16,
    sni: Option<&str>,
    protocol: Protocols,
) -> TlsAudit {
    audit_tls_after(ctx, port, sni, Some(protocol)).await
}

async fn audit_tls_after(
    ctx: &HostContext,
    port: u16,
    sni: Option<&str>,
    rdp: Option<Protocols>,
) -> TlsAudit {
    let mut a = Auditor {
        ctx,
        port,
        rdp,
        sni: sni.filter(|n| is_sni_name(n)).map(str::to_string),
        handshakes: 0,
        notes: Vec::new(),
        tally: Tally::default(),
        stopped: None,
        seen: Seen::default(),
    };
    if let Some(name) = sni.filter(|n| !is_sni_name(n)) {
        a.notes
            .push(format!("SNI not sent: {name:?} is not a DNS name"));
    }
    let mut versions = Vec::new();
    for version in TLS_VERSIONS {
        let support = match a.stopped.clone() {
            Some(reason) => not_tested(version, reason),
            None => a.audit_version(version).await,
        };
        versions.push(support);
    }
    let ssl2 = match a.stopped.clone() {
        Some(reason) => not_tested(TlsVersion::Ssl2, reason),
        None => a.audit_ssl2().await,
    };
    versions.push(ssl2);
    let (groups, dh_prime_bits, options) = a.audit_groups_and_options(&versions).await;
    let certificate_chain = match a.tally.answered {
        true => Some(a.certificate_chain().await),
        false => None,
    };
    TlsAudit {
        status: a.tally.status(),
        sni: a.sni,
        handshakes: a.handshakes,
        certificate_chain,
        versions,
        groups,
        dh_prime_bits,
        options,
        notes: a.notes,
    }
}

fn not_tested(version: TlsVersion, reason: String) -> TlsVersionSupport {
    TlsVersionSupport {
        version: version.name().to_string(),
        support: TlsSupport::NotTested { reason },
        cipher_suites: Vec::new(),
        server_preference: None,
        enumeration_complete: false,
    }
}

/// The observation entry for a suite code: IANA and OpenSSL names from the registry.
pub fn suite_entry(code: u16) -> TlsCipherSuite {
    match registry::lookup(code) {
        Some(info) => TlsCipherSuite {
            code,
            name: info.iana_name.to_string(),
            openssl_name: info.openssl_name.map(str::to_string),
        },
        None => TlsCipherSuite {
            code,
            name: format!("0x{code:04X}"),
            openssl_name: None,
        },
    }
}

/// `n` bytes that differ per call (client random, key share, SSLv2 challenge). Not secret: we
/// never finish a handshake.
fn random_bytes<const N: usize>() -> [u8; N] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = RandomState::new();
    let mut out = [0u8; N];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = state.build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_usize(i);
        let v = h.finish().to_be_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
    out
}

/// How reading the server's answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    /// The flight held everything we wait for.
    Final,
    Eof,
    /// Read or write error (usually a reset).
    Error(String),
    /// `exchange_timeout` passed.
    Timeout,
    /// The target deadline passed.
    Deadline,
    /// [`MAX_FLIGHT_BYTES`] read without a final message.
    Bound,
}

impl End {
    fn describe(&self) -> String {
        match self {
            End::Final => "answer complete".into(),
            End::Eof => "connection closed".into(),
            End::Error(e) => format!("connection error: {e}"),
            End::Timeout => "no answer before the exchange timeout".into(),
            End::Deadline => "target deadline reached".into(),
            End::Bound => format!("{MAX_FLIGHT_BYTES} bytes read without an end"),
        }
    }
}

/// One hello sent and its answer read.
struct Answer {
    flight: ServerFlight,
    raw: Vec<u8>,
    end: End,
}

/// A connection that could not be opened.
struct NoConnection {
    reason: String,
    /// Deadline, budget or cancellation: nothing more can be done on this port.
    stop: bool,
    budget: bool,
}

/// What one answer means for the version and suite enumeration.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// The server selected `suite` at the offered version.
    Picked { suite: u16 },
    /// The server said no. `version` is true when the refusal concerns the protocol version
    /// (protocol_version alert, or an answer at another version) rather than the suites.
    Refused { reason: String, version: bool },
    /// Nothing came back before `exchange_timeout`.
    NoAnswer(String),
    /// The answer broke the protocol; not counted.
    ProtocolError(String),
    /// The answer is not TLS at all.
    NotTls(Vec<u8>),
    /// No exchange took place.
    NotTested { reason: String, stop: bool },
}

/// Running account of how exchanges ended, for [`TlsAudit::status`].
#[derive(Default)]
struct Tally {
    answered: bool,
    not_tls: bool,
    protocol_error: bool,
    timeout: bool,
    closed: bool,
    budget: bool,
}

impl Tally {
    fn status(&self) -> ProbeStatus {
        if self.not_tls {
            ProbeStatus::Unrecognised
        } else if self.answered {
            ProbeStatus::Success
        } else if self.protocol_error {
            ProbeStatus::ProtocolError
        } else if self.closed {
            ProbeStatus::ConnectionClosed
        } else if self.timeout {
            ProbeStatus::Timeout
        } else if self.budget {
            ProbeStatus::BudgetExhausted
        } else {
            ProbeStatus::Timeout
        }
    }
}

struct Auditor<'a> {
    ctx: &'a HostContext,
    port: u16,
    /// The RDP security protocol to negotiate on each connection before the ClientHello.
    rdp: Option<Protocols>,
    sni: Option<String>,
    handshakes: u32,
    notes: Vec<String>,
    tally: Tally,
    /// Set once the deadline or the budget ends the audit.
    stopped: Option<String>,
    /// What the accepted hellos showed besides the suite, for groups and options.
    seen: Seen,
}

/// A Certificate message (and CertificateStatus) read in plaintext from a TLS 1.2-or-older flight.
#[derive(Clone)]
struct LegacyCertificates {
    version: TlsVersion,
    chain: Vec<Vec<u8>>,
    ocsp_response: Vec<u8>,
}

impl LegacyCertificates {
    fn from_flight(version: TlsVersion, flight: &ServerFlight) -> Option<Self> {
        let chain = flight.messages.iter().find_map(|m| match m {
            ServerMessage::Certificate(list) if !list.is_empty() => Some(list.clone()),
            _ => None,
        })?;
        let ocsp_response = flight
            .messages
            .iter()
            .find_map(|m| match m {
                ServerMessage::OtherHandshake { msg_type, body }
                    if *msg_type == HandshakeType::CERTIFICATE_STATUS =>
                {
                    ocsp_response_of(body)
                }
                _ => None,
            })
            .unwrap_or_default();
        Some(LegacyCertificates {
            version,
            chain,
            ocsp_response,
        })
    }
}

/// RFC 6066 §8 CertificateStatus: status_type ocsp(1), then the DER OCSPResponse (24-bit length).
fn ocsp_response_of(body: &[u8]) -> Option<Vec<u8>> {
    match body {
        [1, a, b, c, rest @ ..] => {
            let len = (usize::from(*a) << 16) | (usize::from(*b) << 8) | usize::from(*c);
            (len > 0 && rest.len() >= len).then(|| rest[..len].to_vec())
        }
        _ => None,
    }
}

/// Facts read from answers the server accepted (any probe), so later tests need fewer handshakes.
#[derive(Default)]
struct Seen {
    /// TLS 1.3 groups named by a ServerHello or HelloRetryRequest.
    tls13_groups: Vec<NamedGroup>,
    /// ECDHE curves read from ServerKeyExchange, with the version.
    ecdhe_curves: Vec<(TlsVersion, NamedGroup)>,
    /// Smallest DH prime of a DHE ServerKeyExchange.
    dh_prime_bits: Option<u32>,
    /// The first ServerHello at the best version up to TLS 1.2.
    legacy_hello: Option<(TlsVersion, ServerHello)>,
    /// The first certificate list (and stapled OCSP response) at the best version up to TLS 1.2:
    /// the chain when rustls cannot talk to the server (SSLv3–TLS 1.1 only).
    legacy_certificates: Option<LegacyCertificates>,
    /// Problems reading the above, noted once the audit ends.
    notes: Vec<String>,
}

impl Seen {
    /// Records what an accepted hello at `version` (the server picked `suite`) shows.
    fn observe(&mut self, version: TlsVersion, suite: u16, flight: &ServerFlight) {
        let name = version.name();
        if version == TlsVersion::Tls13 {
            match tls13_group(flight) {
                Ok(g) if !self.tls13_groups.contains(&g) => self.tls13_groups.push(g),
                Ok(_) => {}
                Err(e) => self.notes.push(format!("{name}: {e}")),
            }
            return;
        }
        if let Some(sh) = flight.server_hello() {
            if self.legacy_hello.as_ref().is_none_or(|(v, _)| version > *v) {
                self.legacy_hello = Some((version, sh.clone()));
            }
        }
        if self
            .legacy_certificates
            .as_ref()
            .is_none_or(|c| version > c.version)
        {
            if let Some(certs) = LegacyCertificates::from_flight(version, flight) {
                self.legacy_certificates = Some(certs);
            }
        }
        let kx = registry::lookup(suite).map(|s| s.kx);
        let ske = server_key_exchange(flight);
        match (kx, ske) {
            (Some(KeyExchange::Dhe), Some(ske)) => match ske.dhe_prime_bits() {
                Ok(bits) => {
                    self.dh_prime_bits = Some(self.dh_prime_bits.map_or(bits, |b| b.min(bits)))
                }
                Err(e) => self
                    .notes
                    .push(format!("{name}: DHE ServerKeyExchange: {e}")),
            },
            (Some(KeyExchange::Ecdhe), Some(ske)) => match ske.ecdhe_named_curve() {
                Ok(g) if !self.ecdhe_curves.contains(&(version, g)) => {
                    self.ecdhe_curves.push((version, g))
                }
                Ok(_) => {}
                Err(e) => self
                    .notes
                    .push(format!("{name}: ECDHE ServerKeyExchange: {e}")),
            },
            (Some(KeyExchange::Dhe | KeyExchange::Ecdhe), None) => self.notes.push(format!(
                "{name}: no ServerKeyExchange for {}",
                suite_entry(suite).name
            )),
            _ => {}
        }
    }
}

/// Negotiates `protocol` on a fresh RDP connection; the stream is then ready for a ClientHello.
pub(crate) async fn rdp_preamble(
    conn: &mut Connection,
    protocol: Protocols,
    deadline: Instant,
) -> Result<(), String> {
    let confirm = rdp::audit::negotiate_on(&mut conn.stream, protocol, deadline)
        .await
        .map_err(|e| format!("RDP negotiation before TLS: {e}"))?;
    match confirm.negotiation {
        Some(NegotiationResponse::Selected { protocol: got, .. }) if got == protocol => Ok(()),
        _ => Err(format!(
            "RDP negotiation before TLS: requested {protocol}, the server answered {}",
            rdp::audit::outcome_text(&rdp::audit::outcome_of(&confirm))
        )),
    }
}

impl Auditor<'_> {
    /// The chain from a rustls handshake (TLS 1.2/1.3, any chain accepted); when that gets no
    /// certificate (a server with nothing above TLS 1.1), the one the enumeration read in
    /// plaintext at the server's best version.
    async fn certificate_chain(&mut self) -> CertificateChain {
        let sni = self.sni.as_deref();
        let fetched = super::chain::fetch_chain_after(self.ctx, self.port, sni, self.rdp).await;
        if fetched.sent > 0 {
            return fetched;
        }
        let Some(legacy) = self.seen.legacy_certificates.clone() else {
            return fetched;
        };
        let name = super::chain::target_name(self.ctx.address, sni);
        let ders: Vec<CertificateDer<'_>> = legacy
            .chain
            .iter()
            .map(|der| CertificateDer::from(der.as_slice()))
            .collect();
        let mut chain = super::chain::analyse_chain(
            &ders,
            &legacy.ocsp_response,
            &name,
            UnixTime::now(),
            &self.ctx.config.trust,
        );
        chain.notes.push(format!(
            "chain read from the {} handshake of the suite enumeration (the TLS 1.2/1.3 client \
             got none: {})",
            legacy.version.name(),
            fetched
                .handshake_error
                .as_deref()
                .unwrap_or("no certificate")
        ));
        chain
    }

    /// Opens a connection to the audited port through [`tcp::connect`] (slots, budget, target
    /// deadline) and counts it as a handshake.
    async fn open(&mut self) -> Result<Connection, NoConnection> {
        let not_open = |reason: String| NoConnection {
            reason,
            stop: false,
            budget: false,
        };
        match tcp::connect(self.ctx, self.port).await {
            ConnectOutcome::Open { mut conn, .. } => {
                self.handshakes += 1;
                if let Some(protocol) = self.rdp {
                    let deadline = step_deadline(self.ctx, self.ctx.config.exchange_timeout);
                    rdp_preamble(&mut conn, protocol, deadline)
                        .await
                        .map_err(not_open)?;
                }
                Ok(conn)
            }
            ConnectOutcome::Closed { .. } => Err(not_open("connection refused".into())),
            ConnectOutcome::Filtered { reason } => Err(not_open(reason)),
            ConnectOutcome::NotTested { reason, cause } => Err(NoConnection {
                reason,
                stop: matches!(
                    cause,
                    NotTestedCause::Deadline | NotTestedCause::Budget | NotTestedCause::Cancelled
                ),
                budget: cause == NotTestedCause::Budget,
            }),
        }
    }

    /// Writes `bytes` on `conn` and reads until `done` says the answer is whole, EOF, an error,
    /// `exchange_timeout`, the target deadline or [`MAX_FLIGHT_BYTES`].
    async fn write_and_read(
        &self,
        conn: &mut Connection,
        bytes: &[u8],
        done: impl Fn(&[u8]) -> bool,
    ) -> (Vec<u8>, End) {
        let own = Instant::now()
            .checked_add(self.ctx.config.exchange_timeout)
            .unwrap_or(self.ctx.deadline);
        let cut = own.min(self.ctx.deadline);
        let timed_out = || {
            if own <= self.ctx.deadline {
                End::Timeout
            } else {
                End::Deadline
            }
        };
        let mut raw = Vec::new();
        let end = match timeout_at(cut, conn.stream.write_all(bytes)).await {
            Err(_) => timed_out(),
            Ok(Err(e)) => End::Error(e.to_string()),
            Ok(Ok(())) => {
                let mut chunk = [0u8; 8192];
                loop {
                    if raw.len() >= MAX_FLIGHT_BYTES {
                        break End::Bound;
                    }
                    let want = chunk.len().min(MAX_FLIGHT_BYTES - raw.len());
                    match timeout_at(cut, conn.stream.read(&mut chunk[..want])).await {
                        Err(_) => break timed_out(),
                        Ok(Ok(0)) => break End::Eof,
                        Ok(Ok(n)) => {
                            raw.extend_from_slice(&chunk[..n]);
                            if done(&raw) {
                                break End::Final;
                            }
                        }
                        Ok(Err(e)) => break End::Error(e.to_string()),
                    }
                }
            }
        };
        (raw, end)
    }

    /// Connects, writes `hello`, reads until the flight is final (see [`Auditor::write_and_read`]).
    async fn exchange(
        &mut self,
        hello: &[u8],
        server_hello_suffices: bool,
    ) -> Result<Answer, NoConnection> {
        let mut conn = self.open().await?;
        let (raw, end) = self
            .write_and_read(&mut conn, hello, |raw| {
                parse_server_flight(raw).is_final(server_hello_suffices)
            })
            .await;
        drop(conn);
        Ok(Answer {
            flight: parse_server_flight(&raw),
            raw,
            end,
        })
    }

    /// The safe Heartbleed test (CVE-2014-0160; method in [`super::options::HeartbleedProbe`]) at
    /// `version` with its accepted `suites`: a full hello, the server's flight up to
    /// ServerHelloDone, then the two heartbeat requests, in plaintext before the key exchange
    /// as the vulnerable OpenSSL versions process them.
    async fn heartbleed(&mut self, version: TlsVersion, suites: &[u16]) -> Result<bool, String> {
        let mut opts = HelloOptions::new(ProtocolVersion(version.wire()), suites.to_vec());
        opts.server_name = self.sni.clone();
        opts.random = random_bytes();
        let hello = ClientHello::for_probe(&opts).encode();
        let mut conn = match self.open().await {
            Ok(conn) => conn,
            Err(e) => {
                let reason = e.reason.clone();
                self.no_connection(e);
                return Err(reason);
            }
        };
        let (raw, end) = self
            .write_and_read(&mut conn, &hello, |raw| {
                parse_server_flight(raw).is_final(false)
            })
            .await;
        let flight = parse_server_flight(&raw);
        if !flight
            .messages
            .iter()
            .any(|m| matches!(m, ServerMessage::ServerHelloDone))
        {
            return Err(format!(
                "the handshake did not reach ServerHelloDone ({})",
                end.describe()
            ));
        }
        let probe = HeartbleedProbe::new(ProtocolVersion(version.wire()), random_bytes());
        let (answer, end) = self
            .write_and_read(&mut conn, &probe.records(), |raw| {
                probe.judge(raw).is_decided()
            })
            .await;
        drop(conn);
        match probe.judge(&answer) {
            HeartbleedAnswer::Vulnerable => Ok(true),
            HeartbleedAnswer::NotVulnerable(how) => {
                self.notes
                    .push(format!("Heartbleed: not vulnerable ({how})"));
                Ok(false)
            }
            HeartbleedAnswer::Undecided => match end {
                // Silence, a close or a reset after the requests: no over-read answer came back.
                End::Timeout | End::Eof | End::Error(_) => {
                    self.notes.push(format!(
                        "Heartbleed: not vulnerable (no heartbeat response; {})",
                        end.describe()
                    ));
                    Ok(false)
                }
                End::Deadline | End::Bound | End::Final => {
                    Err(format!("no decision ({})", end.describe()))
                }
            },
        }
    }

    /// Sends one TLS ClientHello offering `version` and `suites`, and says what the answer means.
    async fn offer(&mut self, version: TlsVersion, suites: &[u16]) -> Verdict {
        self.offer_with(version, suites, |_| {}).await.0
    }

    /// [`Auditor::offer`] with the hello changed by `tweak`; also returns the answer's flight.
    async fn offer_with(
        &mut self,
        version: TlsVersion,
        suites: &[u16],
        tweak: impl FnOnce(&mut HelloOptions),
    ) -> (Verdict, Option<ServerFlight>) {
        let mut opts = HelloOptions::new(ProtocolVersion(version.wire()), suites.to_vec());
        opts.server_name = self.sni.clone();
        opts.random = random_bytes();
        opts.key_share = random_bytes();
        tweak(&mut opts);
        let hello = ClientHello::for_probe(&opts).encode();
        let answer = self.exchange(&hello, version == TlsVersion::Tls13).await;
        let (verdict, flight) = match answer {
            Err(e) => (self.no_connection(e), None),
            Ok(answer) => (
                judge_tls_answer(version, suites, &answer),
                Some(answer.flight),
            ),
        };
        if let (Verdict::Picked { suite }, Some(flight)) = (&verdict, &flight) {
            self.seen.observe(version, *suite, flight);
        }
        self.count(&verdict);
        (verdict, flight)
    }

    fn no_connection(&mut self, e: NoConnection) -> Verdict {
        if e.stop {
            self.stopped = Some(e.reason.clone());
        }
        if e.budget {
            self.tally.budget = true;
        }
        Verdict::NotTested {
            reason: e.reason,
            stop: e.stop,
        }
    }

    fn count(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Picked { .. } => self.tally.answered = true,
            Verdict::Refused { reason, .. } => {
                if reason == CLOSED || reason.starts_with(RESET) {
                    self.tally.closed = true;
                } else {
                    self.tally.answered = true;
                }
            }
            Verdict::NoAnswer(_) => self.tally.timeout = true,
            Verdict::ProtocolError(_) => self.tally.protocol_error = true,
            Verdict::NotTls(raw) => {
                self.tally.not_tls = true;
                self.stopped = Some("the server does not speak TLS".into());
                self.notes.push(format!(
                    "answer is not TLS: {}",
                    Bytes::from_wire(raw).escaped
                ));
            }
            Verdict::NotTested { .. } => {}
        }
    }

    /// Decides one version and enumerates its suites.
    async fn audit_version(&mut self, version: TlsVersion) -> TlsVersionSupport {
        let name = version.name();
        let candidates = registry::offerable(version);
        let bundles: Vec<Vec<u16>> = candidates
            .chunks(MAX_SUITES_PER_HELLO)
            .map(<[u16]>::to_vec)
            .collect();
        // Picks in order, with the bundle each came from.
        let mut found: Vec<(u16, usize)> = Vec::new();
        let mut complete = true;
        let mut refusal: Option<String> = None;
        let mut version_refused = false;
        let mut untested: Option<String> = None;

        'bundles: for (b, bundle) in bundles.iter().enumerate() {
            let mut remaining = bundle.clone();
            // Each round removes a suite or ends the loop.
            for _ in 0..=bundle.len() {
                if remaining.is_empty() {
                    break;
                }
                let accepted = !found.is_empty();
                match self.offer(version, &remaining).await {
                    Verdict::Picked { suite } => {
                        found.push((suite, b));
                        remaining.retain(|s| *s != suite);
                    }
                    Verdict::Refused { reason, version } => {
                        if !accepted {
                            refusal = Some(reason);
                            if version {
                                version_refused = true;
                                break 'bundles;
                            }
                        }
                        break;
                    }
                    Verdict::NoAnswer(reason) => {
                        if accepted {
                            complete = false;
                            self.notes
                                .push(format!("{name}: suite enumeration stopped: {reason}"));
                            break;
                        }
                        refusal = Some(reason);
                        break 'bundles;
                    }
                    Verdict::ProtocolError(what) => {
                        complete = false;
                        self.notes.push(format!("{name}: {what}"));
                        if !accepted {
                            refusal.get_or_insert(format!("protocol error: {what}"));
                        }
                        break;
                    }
                    Verdict::NotTls(_) => {
                        return not_tested(version, "the server does not speak TLS".into())
                    }
                    Verdict::NotTested { reason, stop } => {
                        complete = false;
                        if stop {
                            untested = Some(reason);
                            break 'bundles;
                        }
                        self.notes
                            .push(format!("{name}: a connection failed: {reason}"));
                        if !accepted {
                            untested.get_or_insert(reason);
                        }
                        break;
                    }
                }
            }
        }

        if found.is_empty() {
            let support = match (refusal, untested) {
                (Some(reason), _) if version_refused => TlsSupport::Rejected { reason },
                (_, Some(reason)) => TlsSupport::NotTested { reason },
                (Some(reason), None) => TlsSupport::Rejected { reason },
                (None, None) => TlsSupport::Rejected {
                    reason: "no suite to offer".into(),
                },
            };
            let complete = matches!(support, TlsSupport::Rejected { .. });
            return TlsVersionSupport {
                version: name.to_string(),
                support,
                cipher_suites: Vec::new(),
                server_preference: None,
                enumeration_complete: complete,
            };
        }

        let (order, server_preference) = self.preference(version, &bundles, &found).await;
        TlsVersionSupport {
            version: name.to_string(),
            support: TlsSupport::Accepted,
            cipher_suites: order.into_iter().map(suite_entry).collect(),
            server_preference,
            enumeration_complete: complete && self.stopped.is_none(),
        }
    }

    /// Server preference and the order to report. Reuses the enumeration's picks: when all
    /// suites came from one bundle, the loop's first handshake offered them in ascending bundle
    /// order, so one more handshake in the opposite order decides; with preference, the picks
    /// are the server's order. Suites from several bundles are re-run together once.
    async fn preference(
        &mut self,
        version: TlsVersion,
        bundles: &[Vec<u16>],
        found: &[(u16, usize)],
    ) -> (Vec<u16>, Option<bool>) {
        let name = version.name();
        let picks: Vec<u16> = found.iter().map(|(s, _)| *s).collect();
        let by_offer_order = |suites: &[u16]| {
            let mut v = suites.to_vec();
            let all: Vec<u16> = bundles.concat();
            v.sort_by_key(|s| all.iter().position(|x| x == s).unwrap_or(usize::MAX));
            v
        };
        let offer_order = by_offer_order(&picks);
        if picks.len() < 2 || self.stopped.is_some() {
            return (offer_order, None);
        }
        let single_bundle = found.iter().all(|(_, b)| *b == found[0].1);
        if single_bundle {
            let reversed: Vec<u16> = offer_order.iter().rev().copied().collect();
            return match self.offer(version, &reversed).await {
                Verdict::Picked { suite } if suite == picks[0] => (picks, Some(true)),
                Verdict::Picked { .. } => (offer_order, Some(false)),
                other => {
                    self.notes.push(format!(
                        "{name}: server preference not decided: {}",
                        describe(&other)
                    ));
                    (offer_order, None)
                }
            };
        }
        if offer_order.len() > MAX_SUITES_PER_HELLO {
            self.notes.push(format!(
                "{name}: more than {MAX_SUITES_PER_HELLO} suites accepted; server preference not tested"
            ));
            return (offer_order, None);
        }
        let reversed: Vec<u16> = offer_order.iter().rev().copied().collect();
        let first = self.offer(version, &offer_order).await;
        let second = self.offer(version, &reversed).await;
        let (Verdict::Picked { suite: q1 }, Verdict::Picked { suite: q2 }) = (&first, &second)
        else {
            let bad = if matches!(first, Verdict::Picked { .. }) {
                second
            } else {
                first
            };
            self.notes.push(format!(
                "{name}: server preference not decided: {}",
                describe(&bad)
            ));
            return (offer_order, None);
        };
        if q1 != q2 {
            return (offer_order, Some(false));
        }
        // Server order across bundles: the remove-the-chosen loop over the union, whose first
        // pick is already known.
        let mut order = vec![*q1];
        let mut remaining: Vec<u16> = offer_order.iter().copied().filter(|s| s != q1).collect();
        for _ in 0..offer_order.len() {
            // The last one is known to be accepted: it is last in the server's order.
            if remaining.len() <= 1 {
                break;
            }
            match self.offer(version, &remaining).await {
                Verdict::Picked { suite } => {
                    order.push(suite);
                    remaining.retain(|s| *s != suite);
                }
                other => {
                    self.notes.push(format!(
                        "{name}: server order incomplete: {}",
                        describe(&other)
                    ));
                    break;
                }
            }
        }
        order.extend(remaining);
        (order, Some(true))
    }

    /// SSLv2: one CLIENT-HELLO with every cipher spec; a SERVER-HELLO lists the specs it shares
    /// (noted by name: they are not TLS cipher suite code points).
    async fn audit_ssl2(&mut self) -> TlsVersionSupport {
        let specs: Vec<u32> = SSL2_CIPHER_SPECS.iter().map(|(c, _)| *c).collect();
        let hello = ssl2_client_hello(&specs, &random_bytes());
        let verdict = match self.exchange(&hello, true).await {
            Err(e) => Err(self.no_connection(e)),
            Ok(answer) => judge_ssl2_answer(&answer),
        };
        let support = match verdict {
            Ok(names) => {
                self.tally.answered = true;
                self.notes
                    .push(format!("SSLv2 cipher specs: {}", names.join(", ")));
                TlsSupport::Accepted
            }
            // A TLS server may answer an SSLv2 hello with anything; that does not make the
            // port non-TLS.
            Err(Verdict::NotTls(_)) => TlsSupport::Rejected {
                reason: "answer is neither SSLv2 nor TLS".into(),
            },
            Err(Verdict::NotTested { reason, .. }) => TlsSupport::NotTested { reason },
            Err(other) => {
                self.count(&other);
                if let Verdict::ProtocolError(what) = &other {
                    self.notes.push(format!("SSLv2: {what}"));
                }
                TlsSupport::Rejected {
                    reason: describe(&other),
                }
            }
        };
        TlsVersionSupport {
            version: TlsVersion::Ssl2.name().to_string(),
            enumeration_complete: !matches!(support, TlsSupport::NotTested { .. }),
            support,
            cipher_suites: Vec::new(),
            server_preference: None,
        }
    }

    /// Key-exchange groups, DH prime size and protocol options, once the versions are known
    /// (method and handshake cost in [`super::options`]).
    async fn audit_groups_and_options(
        &mut self,
        versions: &[TlsVersionSupport],
    ) -> (Vec<TlsGroupSupport>, Option<u32>, Option<TlsOptions>) {
        let accepted = |v: TlsVersion| -> Option<Vec<u16>> {
            versions
                .iter()
                .find(|s| s.version == v.name() && s.support == TlsSupport::Accepted)
                .map(|s| {
                    s.cipher_suites
                        .iter()
                        .map(|c| c.code)
                        .take(MAX_SUITES_PER_HELLO)
                        .collect()
                })
                .filter(|s: &Vec<u16>| !s.is_empty())
        };
        let mut groups = Vec::new();
        if let Some(suites) = accepted(TlsVersion::Tls13) {
            groups.extend(self.tls13_groups(&suites).await);
        }
        // Versions up to TLS 1.2 with their accepted suites, best first.
        let legacy: Vec<(TlsVersion, Vec<u16>)> = TLS_VERSIONS
            .into_iter()
            .filter(|v| *v != TlsVersion::Tls13)
            .filter_map(|v| accepted(v).map(|s| (v, s)))
            .collect();
        let ecdhe = legacy.iter().find_map(|(v, suites)| {
            let e: Vec<u16> = suites
                .iter()
                .copied()
                .filter(|s| registry::lookup(*s).is_some_and(|i| i.kx == KeyExchange::Ecdhe))
                .collect();
            (!e.is_empty()).then_some((*v, e))
        });
        if let Some((v, suites)) = ecdhe {
            groups.extend(self.ecdhe_curves(v, &suites).await);
        }
        let highest = TLS_VERSIONS.into_iter().find(|v| accepted(*v).is_some());
        let options = match (legacy.first(), highest) {
            (Some((best, suites)), Some(highest)) => {
                let lower = legacy.iter().find(|(v, _)| *v < highest);
                Some(self.options(*best, suites, lower).await)
            }
            _ => None,
        };
        let seen_notes = std::mem::take(&mut self.seen.notes);
        self.notes.extend(seen_notes);
        (groups, self.seen.dh_prime_bits, options)
    }

    /// TLS 1.3 groups by remove-the-chosen with an empty key_share (HelloRetryRequest).
    async fn tls13_groups(&mut self, suites: &[u16]) -> Vec<TlsGroupSupport> {
        let version = TlsVersion::Tls13;
        let name = version.name();
        let mut found = self.seen.tls13_groups.clone();
        let mut remaining: Vec<NamedGroup> = TLS13_GROUP_CANDIDATES
            .iter()
            .copied()
            .filter(|g| !found.contains(g))
            .collect();
        for _ in 0..TLS13_GROUP_CANDIDATES.len() {
            if remaining.is_empty() {
                break;
            }
            if let Some(reason) = self.stopped.clone() {
                self.notes
                    .push(format!("{name}: group enumeration incomplete: {reason}"));
                break;
            }
            let offered = remaining.clone();
            let (verdict, flight) = self
                .offer_with(version, suites, |o| {
                    o.groups = Some(offered);
                    o.key_shares = Some(Vec::new());
                })
                .await;
            let Verdict::Picked { .. } = verdict else {
                if !matches!(verdict, Verdict::Refused { .. }) {
                    self.notes.push(format!(
                        "{name}: group enumeration incomplete: {}",
                        describe(&verdict)
                    ));
                }
                break;
            };
            match flight.as_ref().map(tls13_group) {
                Some(Ok(g)) if remaining.contains(&g) => {
                    found.push(g);
                    remaining.retain(|x| *x != g);
                }
                Some(Ok(g)) => {
                    self.notes.push(format!(
                        "{name}: server chose group {g}, which was not offered"
                    ));
                    break;
                }
                Some(Err(e)) => {
                    self.notes.push(format!("{name}: {e}"));
                    break;
                }
                None => break,
            }
        }
        found.iter().map(|g| group_entry(*g, name)).collect()
    }

    /// ECDHE curves at `version` by remove-the-chosen, offering only its accepted ECDHE `suites`
    /// and reading the curve of each ServerKeyExchange.
    async fn ecdhe_curves(&mut self, version: TlsVersion, suites: &[u16]) -> Vec<TlsGroupSupport> {
        let name = version.name();
        let mut found: Vec<NamedGroup> = self
            .seen
            .ecdhe_curves
            .iter()
            .filter(|(v, _)| *v == version)
            .map(|(_, g)| *g)
            .collect();
        let mut remaining: Vec<NamedGroup> = ECDHE_CURVE_CANDIDATES
            .iter()
            .copied()
            .filter(|g| !found.contains(g))
            .collect();
        for _ in 0..ECDHE_CURVE_CANDIDATES.len() {
            if remaining.is_empty() {
                break;
            }
            if let Some(reason) = self.stopped.clone() {
                self.notes.push(format!(
                    "{name}: ECDHE curve enumeration incomplete: {reason}"
                ));
                break;
            }
            let offered = remaining.clone();
            let (verdict, flight) = self
                .offer_with(version, suites, |o| o.groups = Some(offered))
                .await;
            let Verdict::Picked { .. } = verdict else {
                if !matches!(verdict, Verdict::Refused { .. }) {
                    self.notes.push(format!(
                        "{name}: ECDHE curve enumeration incomplete: {}",
                        describe(&verdict)
                    ));
                }
                break;
            };
            let curve = flight
                .as_ref()
                .and_then(server_key_exchange)
                .map(|ske| ske.ecdhe_named_curve());
            match curve {
                Some(Ok(g)) if remaining.contains(&g) => {
                    found.push(g);
                    remaining.retain(|x| *x != g);
                }
                Some(Ok(g)) => {
                    self.notes.push(format!(
                        "{name}: server chose curve {g}, which was not offered"
                    ));
                    break;
                }
                Some(Err(e)) => {
                    self.notes
                        .push(format!("{name}: ECDHE ServerKeyExchange: {e}"));
                    break;
                }
                None => {
                    self.notes.push(format!(
                        "{name}: ECDHE suite picked without ServerKeyExchange"
                    ));
                    break;
                }
            }
        }
        found.iter().map(|g| group_entry(*g, name)).collect()
    }

    /// Options at `best` (the best version up to TLS 1.2, with its accepted `suites`); the
    /// fallback test at `lower`, a version below the server's highest.
    async fn options(
        &mut self,
        best: TlsVersion,
        suites: &[u16],
        lower: Option<&(TlsVersion, Vec<u16>)>,
    ) -> TlsOptions {
        let mut options = TlsOptions::default();
        match self.seen.legacy_hello.clone() {
            Some((v, sh)) if v == best => {
                let seen = options_from_server_hello(&sh);
                options.secure_renegotiation = seen.secure_renegotiation;
                options.heartbeat = seen.heartbeat;
                options.session_ticket = seen.session_ticket;
                options.alpn = seen.alpn;
                self.notes
                    .extend(seen.notes.iter().map(|n| format!("{}: {n}", best.name())));
            }
            _ => self.notes.push(format!(
                "{}: no ServerHello kept; renegotiation, heartbeat, ticket and ALPN not read",
                best.name()
            )),
        }
        if options.heartbeat == Some(true) {
            match self.stopped.clone() {
                Some(reason) => self.notes.push(format!("Heartbleed not tested: {reason}")),
                None => match self.heartbleed(best, suites).await {
                    Ok(vulnerable) => options.heartbleed = Some(vulnerable),
                    Err(why) => self.notes.push(format!("Heartbleed not tested: {why}")),
                },
            }
        }
        match self.stopped.clone() {
            Some(reason) => self.notes.push(format!("compression not tested: {reason}")),
            None => {
                let (verdict, flight) = self.offer_with(best, suites, |o| o.deflate = true).await;
                match flight.map(|f| compression_verdict(&f, best.wire())) {
                    Some(Ok(deflate)) => options.compression = Some(deflate),
                    Some(Err(e)) => self.notes.push(format!("compression not decided: {e}")),
                    None => self
                        .notes
                        .push(format!("compression not decided: {}", describe(&verdict))),
                }
            }
        }
        if let Some((v, lower_suites)) = lower {
            match self.stopped.clone() {
                Some(reason) => self
                    .notes
                    .push(format!("fallback SCSV not tested: {reason}")),
                None => {
                    let (verdict, flight) = self
                        .offer_with(*v, lower_suites, |o| o.fallback_scsv = true)
                        .await;
                    match flight.map(|f| fallback_verdict(&f, v.wire())) {
                        Some(Ok(supported)) => options.fallback_scsv = Some(supported),
                        Some(Err(e)) => self
                            .notes
                            .push(format!("fallback SCSV not decided at {}: {e}", v.name())),
                        None => self
                            .notes
                            .push(format!("fallback SCSV not decided: {}", describe(&verdict))),
                    }
                }
            }
        }
        options
    }
}

const CLOSED: &str = "connection closed without an answer";
const RESET: &str = "connection reset";

fn describe(v: &Verdict) -> String {
    match v {
        Verdict::Picked { suite } => format!("picked 0x{suite:04X}"),
        Verdict::Refused { reason, .. } => reason.clone(),
        Verdict::NoAnswer(r) | Verdict::ProtocolError(r) => r.clone(),
        Verdict::NotTls(_) => "answer is not TLS".into(),
        Verdict::NotTested { reason, .. } => reason.clone(),
    }
}

/// What an answer without ServerHello, alert or SSLv2 message means, by how reading ended.
fn judge_silence(answer: &Answer) -> Verdict {
    if let Some(WireError::Malformed { what }) = &answer.flight.error {
        return Verdict::ProtocolError(format!("malformed answer: {what}"));
    }
    match &answer.end {
        End::Eof if answer.raw.is_empty() => Verdict::Refused {
            reason: CLOSED.into(),
            version: false,
        },
        End::Error(e) if answer.raw.is_empty() => Verdict::Refused {
            reason: format!("{RESET} ({e})"),
            version: false,
        },
        End::Timeout if answer.raw.is_empty() => Verdict::NoAnswer("no answer".into()),
        End::Deadline => Verdict::NotTested {
            reason: tcp::DEADLINE_REASON.into(),
            stop: true,
        },
        End::Bound => Verdict::ProtocolError(format!(
            "more than {MAX_FLIGHT_BYTES} bytes without a complete answer"
        )),
        end => Verdict::ProtocolError(format!(
            "incomplete answer ({} bytes) then {}",
            answer.raw.len(),
            match end {
                End::Eof => "connection closed".to_string(),
                End::Error(e) => e.clone(),
                End::Timeout => "no more data".to_string(),
                _ => "stop".to_string(),
            }
        )),
    }
}

/// The meaning of an answer to a TLS ClientHello offering `version` and `offered` suites.
fn judge_tls_answer(version: TlsVersion, offered: &[u16], answer: &Answer) -> Verdict {
    let flight = &answer.flight;
    for m in &flight.messages {
        match m {
            ServerMessage::NotTls(raw) => return Verdict::NotTls(raw.clone()),
            ServerMessage::Ssl2ServerHello(_) | ServerMessage::Ssl2Error(_) => {
                return Verdict::ProtocolError("answered a TLS hello with SSLv2".into())
            }
            _ => {}
        }
    }
    if let Some(sh) = flight.server_hello() {
        let selected = match sh.selected_version() {
            Ok(v) => v,
            Err(e) => return Verdict::ProtocolError(format!("ServerHello: {e}")),
        };
        if selected.0 != version.wire() {
            return Verdict::Refused {
                reason: format!("server answered with {selected}"),
                version: true,
            };
        }
        if !offered.contains(&sh.cipher_suite) {
            return Verdict::ProtocolError(format!(
                "server selected {} (0x{:04X}), which was not offered",
                suite_entry(sh.cipher_suite).name,
                sh.cipher_suite
            ));
        }
        if sh.compression_method != 0 {
            return Verdict::ProtocolError(format!(
                "server selected compression method {}, which was not offered",
                sh.compression_method
            ));
        }
        return Verdict::Picked {
            suite: sh.cipher_suite,
        };
    }
    if let Some(alert) = flight.alert() {
        return Verdict::Refused {
            reason: alert.description.to_string(),
            version: alert.description == AlertDescription::PROTOCOL_VERSION,
        };
    }
    judge_silence(answer)
}

/// The meaning of an answer to the SSLv2 CLIENT-HELLO: `Ok` with the shared cipher specs'
/// names when the server speaks SSLv2 and shares one.
fn judge_ssl2_answer(answer: &Answer) -> Result<Vec<String>, Verdict> {
    for m in &answer.flight.messages {
        match m {
            ServerMessage::Ssl2ServerHello(hello) if !hello.cipher_specs.is_empty() => {
                return Ok(hello
                    .cipher_specs
                    .iter()
                    .map(|s| ssl2_cipher_name(*s))
                    .collect());
            }
            ServerMessage::Ssl2ServerHello(_) => {
                return Err(Verdict::Refused {
                    reason: "SSLv2 SERVER-HELLO without a shared cipher spec".into(),
                    version: true,
                })
            }
            ServerMessage::Ssl2Error(code) => {
                return Err(Verdict::Refused {
                    reason: format!("SSLv2 ERROR 0x{code:04x}"),
                    version: true,
                })
            }
            ServerMessage::NotTls(raw) => return Err(Verdict::NotTls(raw.clone())),
            _ => {}
        }
    }
    if let Some(sh) = answer.flight.server_hello() {
        return Err(Verdict::Refused {
            reason: format!(
                "server answered with {}",
                sh.selected_version().unwrap_or(sh.legacy_version)
            ),
            version: true,
        });
    }
    if let Some(alert) = answer.flight.alert() {
        return Err(Verdict::Refused {
            reason: alert.description.to_string(),
            version: true,
        });
    }
    Err(judge_silence(answer))
}
