//! Light identification of an open port: which service answers, in a few bounded exchanges.
//!
//! # Order
//!
//! 1. **Banner wait** on the connection the connect scan already opened. Server-first protocols
//!    (SSH, VNC, telnet, FTP, SMTP) speak now. The wait is the full `exchange_timeout` on ports
//!    where a server-first protocol is expected, and `min(exchange_timeout, 0.5 s)`
//!    ([`SHORT_BANNER_WAIT`]) on every other port (client-first services such as HTTP, TLS, RDP,
//!    SMB, MSRPC, and ports not in the tables below), where waiting only delays the real probe;
//!    a slower banner is still read as the answer to the first client-first step. A banner that arrives is classified ([`classify_answer`]); if it is not recognised
//!    the port is `Unknown`/`Unrecognised` with the banner kept, and no client-first probe is sent
//!    to a server that already spoke.
//! 2. **Client-first steps**, chosen by port ([`plan_for_port`]), tried in order until one
//!    recognises the service:
//!    * HTTP ports (80, 8000, 8008, 8080, 8081, 8888, 5985): [`Step::Http`], then [`Step::Tls`].
//!    * TLS ports (443, 4433, 4443, 8443, 9443, 10443, 5986, 465, 636, 993, 995, 990, 992, 3269):
//!      [`Step::Tls`] (with one `GET /` inside when ALPN allows), then [`Step::Http`].
//!    * RDP (3389): [`Step::Rdp`], then [`Step::Tls`].
//!    * Client-first ports we have no light probe for (SMB 445, MSRPC 135, NetBIOS 139, PPTP 1723,
//!      OpenVPN 1194): none; they are named by port number. Deeper probes plug in here.
//!    * Server-first ports (21, 22, 23, 25, 110, 143, 587, 2222, 5900–5902): none.
//!    * Any other port: [`Step::Tls`], then [`Step::Http`]. TLS goes first because an HTTP server
//!      answers a ClientHello with a plain `400` (recognised from the recorded bytes, so one
//!      connection names both), while a TLS server answers a plain `GET` with at best an alert.
//!
//!    The first client-first step reuses the scan connection when the banner wait ended in
//!    silence with the connection still open; later steps open fresh connections.
//! 3. **One follow-up** when a step recognised a service another step describes better
//!    (`follow_up`): an HTTP server that answered the ClientHello with a `400` gets a real
//!    `GET /` (its error page says little); an RDP stack that answered with X.224 but no
//!    negotiation (xrdp answers a ClientHello that way) gets [`Step::Rdp`]; a TLS server that
//!    answered plain HTTP with a TLS record, or a `400` to `GET /` (nginx and Apache answer plain
//!    HTTP on their TLS ports so), gets [`Step::Tls`]. The follow-up runs next, in place
//!    of the rest of the plan; the result that says more is kept (the first one when the
//!    follow-up fails or only confirms it).
//!
//! # Connections
//!
//! At most [`MAX_CONNECTIONS_PER_PORT`] (3) connections per open port: the scan connection plus
//! at most two fresh ones (plans have at most two client-first steps, and a follow-up replaces
//! the rest of the plan). A step that would need a fourth is skipped with a note. Each fresh one takes a host slot, then a global slot, then one unit of
//! the host's connection budget, exactly like the scan (see [`crate::probe::tcp::connect`]). A
//! port holds at most one connection at a time, so a port never waits for a second slot while
//! holding one.
//!
//! # When nothing is recognised
//!
//! * The server sent bytes we cannot name: `Unknown`, method `Protocol`, status `Unrecognised`,
//!   the first such answer kept as `banner`. The port's usual service is **not** claimed (a
//!   profile rule about RDP should not fire on a port that answered something else); a note names
//!   it instead.
//! * Nothing answered: the port's usual service ([`usual_service`], `Unknown` when it has none)
//!   with method `PortNumber`, status `BudgetExhausted` when the budget stopped a step,
//!   `Timeout` when a client-first step waited in vain or the target deadline cut the work,
//!   `ConnectionClosed` when the client-first steps' connections closed (or could not be
//!   reopened), and otherwise the banner wait's outcome (`Timeout` for silence, e.g. on 445).
//!
//! Every wait ends at `exchange_timeout` or the target deadline, whichever is first; every read
//! is bounded in size; every parser is a pure function over `&[u8]` that never panics.

pub mod banner;
pub mod cert;
pub mod http;
pub mod io;
pub mod tls;

use std::collections::VecDeque;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::observation::{
    Bytes, IdentificationMethod, ProbeStatus, ServiceKind, ServiceObservation,
};
use crate::probe::rdp;
use crate::probe::tcp::{self, ConnectOutcome, Connection, NotTestedCause};
use crate::probe::HostContext;

use self::io::End;

/// Most connections one open port may use for identification, the scan connection included.
pub const MAX_CONNECTIONS_PER_PORT: usize = 3;
/// Banner wait on ports whose usual protocol is client-first.
pub const SHORT_BANNER_WAIT: Duration = Duration::from_millis(500);
/// A free-form banner is taken as whole when no more bytes come for this long.
pub const BANNER_SETTLE: Duration = Duration::from_millis(300);
/// Most banner bytes read.
pub const BANNER_LIMIT: usize = 4096;

/// A client-first identification step. New light probes become new variants, placed in
/// [`plan_for_port`]'s orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// rustls handshake with an accept-and-record verifier, then one `GET /` inside when the
    /// negotiated ALPN is none or `http/1.1`.
    Tls,
    /// One plain-text `GET / HTTP/1.1`.
    Http,
    /// X.224 Connection Request with RDP_NEG_REQ ([MS-RDPBCGR] 2.2.1.1).
    Rdp,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Tls => "tls",
            Step::Http => "http",
            Step::Rdp => "rdp",
        }
    }
}

/// How long to wait for a server-first banner on the scan connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerWait {
    /// `exchange_timeout`.
    Full,
    /// `min(exchange_timeout, SHORT_BANNER_WAIT)`.
    Short,
    /// No wait: the first client-first step goes out at once. For ports where TLS is expected
    /// (the TLS ports, and every port under `edgeaudit tls`): a server-first banner still
    /// arrives, as the answer to the ClientHello, and is classified from there.
    None,
}

/// What identification does on one port, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub banner_wait: BannerWait,
    pub steps: Vec<Step>,
}

const HTTP_PORTS: &[u16] = &[80, 8000, 8008, 8080, 8081, 8888, 5985];
const TLS_PORTS: &[u16] = &[
    443, 4433, 4443, 8443, 9443, 10443, 5986, 465, 636, 993, 995, 990, 992, 3269,
];
const SERVER_FIRST_PORTS: &[u16] = &[21, 22, 23, 25, 110, 143, 587, 2222, 5900, 5901, 5902];
const CLIENT_FIRST_UNPROBED_PORTS: &[u16] = &[135, 139, 445, 1194, 1723];

/// The identification plan for a port number (see the module documentation).
pub fn plan_for_port(port: u16) -> Plan {
    let (banner_wait, steps) = if SERVER_FIRST_PORTS.contains(&port) {
        (BannerWait::Full, vec![])
    } else if HTTP_PORTS.contains(&port) {
        (BannerWait::Short, vec![Step::Http, Step::Tls])
    } else if TLS_PORTS.contains(&port) {
        (BannerWait::None, vec![Step::Tls, Step::Http])
    } else if port == 3389 {
        (BannerWait::Short, vec![Step::Rdp, Step::Tls])
    } else if CLIENT_FIRST_UNPROBED_PORTS.contains(&port) {
        (BannerWait::Short, vec![])
    } else {
        // Unknown ports are mostly web and TLS services on moved ports: a full wait would cost
        // every one of them exchange_timeout. A server-first banner slower than the short wait
        // still arrives, as the answer to the ClientHello, and is classified from there.
        (BannerWait::Short, vec![Step::Tls, Step::Http])
    };
    Plan { banner_wait, steps }
}

/// The service a port number usually carries, used only when nothing recognisable answered.
pub fn usual_service(port: u16) -> Option<ServiceKind> {
    Some(match port {
        21 => ServiceKind::Ftp,
        22 | 2222 => ServiceKind::Ssh,
        23 => ServiceKind::Telnet,
        25 | 587 => ServiceKind::Smtp,
        80 | 8000 | 8008 | 8080 | 8081 | 8888 => ServiceKind::Http,
        443 | 4433 | 4443 | 8443 | 9443 | 10443 => ServiceKind::Https,
        135 => ServiceKind::MsRpc,
        139 => ServiceKind::NetbiosSession,
        445 => ServiceKind::Smb,
        1194 => ServiceKind::OpenVpn,
        1723 => ServiceKind::Pptp,
        3389 => ServiceKind::Rdp,
        5900..=5902 => ServiceKind::Vnc,
        5985 | 5986 => ServiceKind::WinRm,
        _ => return None,
    })
}

/// Server text made safe to carry: valid UTF-8 is kept (so Japanese titles survive), CR, LF
/// and TAB become spaces, other control characters and invalid bytes become `\xNN`; the result
/// is cut to `max_chars` characters.
pub fn wire_text(bytes: &[u8], max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut push = |out: &mut String, s: &str| -> bool {
        for c in s.chars() {
            if count >= max_chars {
                return false;
            }
            out.push(c);
            count += 1;
        }
        true
    };
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let ok = match c {
                '\r' | '\n' | '\t' => push(&mut out, " "),
                c if c.is_control() && u32::from(c) < 0x80 => {
                    push(&mut out, &format!("\\x{:02x}", u32::from(c)))
                }
                c if c.is_control() => push(&mut out, &format!("\\u{{{:04x}}}", u32::from(c))),
                c => push(&mut out, c.encode_utf8(&mut [0; 4])),
            };
            if !ok {
                return out;
            }
        }
        for b in chunk.invalid() {
            if !push(&mut out, &format!("\\x{b:02x}")) {
                return out;
            }
        }
    }
    out
}

/// A recognised observation with method `Protocol`.
fn observed(kind: ServiceKind, status: ProbeStatus) -> ServiceObservation {
    ServiceObservation {
        kind,
        ..ServiceObservation::unknown(status)
    }
}

/// Names any answer by its content alone: a server-first banner, or an HTTP response (WinRM when
/// `Microsoft-HTTPAPI` answers on 5985/5986). `None` when the bytes are neither.
pub fn classify_answer(bytes: &[u8], port: u16) -> Option<ServiceObservation> {
    if let Some(m) = banner::parse_banner(bytes, port) {
        let mut obs = observed(m.kind, ProbeStatus::Success);
        obs.banner = Some(Bytes::from_wire(bytes));
        obs.ssh = m.ssh;
        obs.vnc = m.vnc;
        return Some(obs);
    }
    if let Some(obs) = http_observation(bytes, port, false) {
        return Some(obs);
    }
    if let Some(code) = rdp::wire::x224_tpdu_code(bytes) {
        let mut obs = observed(ServiceKind::Rdp, ProbeStatus::Success);
        obs.banner = Some(Bytes::from_wire(bytes));
        obs.notes.push(format!(
            "answered with an X.224 {} TPDU (an RDP stack), not an RDP negotiation",
            rdp::wire::x224_tpdu_name(code)
        ));
        return Some(obs);
    }
    None
}

/// A result that names the service but says little, because the step that got it spoke
/// another protocol: an HTTP error page in answer to a TLS ClientHello, an RDP stack seen without
/// a negotiation, a TLS record in answer to plain HTTP.
fn is_weak(obs: &ServiceObservation, from: Step) -> bool {
    match (obs.kind, from) {
        (ServiceKind::Rdp, _) => obs.rdp.is_none(),
        (ServiceKind::Http | ServiceKind::WinRm, Step::Tls) => obs.tls.is_none(),
        (ServiceKind::Tls, Step::Http) => true,
        _ => false,
    }
}

/// The step that can describe a recognised service better than the step that recognised it:
/// an RDP stack seen without a negotiation → [`Step::Rdp`]; an HTTP server that answered a TLS
/// ClientHello (its answer is an error page) → a real `GET /` with [`Step::Http`]; a TLS server
/// that answered plain HTTP with a TLS record, or an HTTP `400` to a plain `GET /` (nginx and
/// Apache answer so on their TLS ports) → [`Step::Tls`].
fn follow_up(obs: &ServiceObservation, from: Step) -> Option<Step> {
    match (obs.kind, from) {
        (ServiceKind::Rdp, _) if obs.rdp.is_none() => Some(Step::Rdp),
        (ServiceKind::Http | ServiceKind::WinRm, Step::Tls) if obs.tls.is_none() => {
            Some(Step::Http)
        }
        (ServiceKind::Tls, Step::Http) => Some(Step::Tls),
        (ServiceKind::Http | ServiceKind::WinRm, Step::Http)
            if obs.http.as_ref().is_some_and(|h| h.status_code == 400) =>
        {
            Some(Step::Tls)
        }
        _ => None,
    }
}

/// An HTTP response as an observation: `Http` (or `Https` inside TLS), `WinRm` for
/// `Microsoft-HTTPAPI` on 5985/5986. The response head is kept as `banner` evidence.
pub fn http_observation(bytes: &[u8], port: u16, inside_tls: bool) -> Option<ServiceObservation> {
    let id = http::parse_http_response(bytes)?;
    let winrm = matches!(port, 5985 | 5986)
        && id
            .server
            .as_deref()
            .is_some_and(|s| s.contains("Microsoft-HTTPAPI"));
    let kind = match (winrm, inside_tls) {
        (true, _) => ServiceKind::WinRm,
        (false, true) => ServiceKind::Https,
        (false, false) => ServiceKind::Http,
    };
    let mut obs = observed(kind, ProbeStatus::Success);
    obs.banner = Some(Bytes::from_wire(bytes));
    obs.http = Some(id);
    Some(obs)
}

/// The observation recorded when the target deadline cut identification before it could finish
/// (used by the scanner for work it had to abort).
pub fn deadline_cut_service(port: u16) -> ServiceObservation {
    let mut out = Outcome::new(port);
    out.deadline_reached = true;
    out.finish()
}

/// How one client-first step ended.
pub(crate) enum StepResult {
    /// The server spoke a protocol we recognise (even to say no). Identification stops.
    Identified(Box<ServiceObservation>),
    /// The server answered, but not in a protocol we recognise.
    Unrecognised { bytes: Vec<u8>, note: String },
    /// No answer: the wait ran out, or the connection closed or failed.
    NoAnswer { end: End, note: String },
}

/// The evidence gathered while no step has recognised the service yet.
struct Outcome {
    port: u16,
    unrecognised: Option<Vec<u8>>,
    /// The banner wait ran out with the connection still open.
    banner_timed_out: bool,
    /// A client-first step waited to its deadline without an answer.
    timed_out: bool,
    /// A client-first step's connection closed, reset or could not be opened.
    closed: bool,
    budget_exhausted: bool,
    deadline_reached: bool,
    /// Notes about the banner wait: only reported when nothing was recognised.
    banner_note: Option<String>,
    /// Notes about client-first steps: always reported.
    notes: Vec<String>,
}

impl Outcome {
    fn new(port: u16) -> Self {
        Outcome {
            port,
            unrecognised: None,
            banner_timed_out: false,
            timed_out: false,
            closed: false,
            budget_exhausted: false,
            deadline_reached: false,
            banner_note: None,
            notes: Vec::new(),
        }
    }

    fn identified(self, mut obs: ServiceObservation) -> ServiceObservation {
        let mut notes = self.notes;
        notes.append(&mut obs.notes);
        obs.notes = notes;
        obs
    }

    fn finish(self) -> ServiceObservation {
        let mut notes: Vec<String> = self.banner_note.into_iter().chain(self.notes).collect();
        if self.deadline_reached {
            notes.push("target deadline reached before identification finished".to_string());
        }
        let mut obs = match self.unrecognised {
            Some(bytes) => {
                if let Some(usual) = usual_service(self.port) {
                    notes.push(format!(
                        "port {} usually carries {usual}; the answer did not match it",
                        self.port
                    ));
                }
                let mut obs = ServiceObservation::unknown(ProbeStatus::Unrecognised);
                obs.banner = Some(Bytes::from_wire(&bytes));
                obs
            }
            None => {
                let status = if self.budget_exhausted {
                    ProbeStatus::BudgetExhausted
                } else if self.timed_out || self.deadline_reached {
                    ProbeStatus::Timeout
                } else if self.closed {
                    ProbeStatus::ConnectionClosed
                } else if self.banner_timed_out {
                    // Silence on a port with no client-first step to try.
                    ProbeStatus::Timeout
                } else {
                    ProbeStatus::ConnectionClosed
                };
                ServiceObservation {
                    kind: usual_service(self.port).unwrap_or(ServiceKind::Unknown),
                    method: IdentificationMethod::PortNumber,
                    ..ServiceObservation::unknown(status)
                }
            }
        };
        obs.notes = notes;
        obs
    }
}

/// The deadline of one exchange: `timeout` from now, cut at the target deadline.
pub(crate) fn step_deadline(ctx: &HostContext, timeout: Duration) -> Instant {
    match Instant::now().checked_add(timeout) {
        Some(own) => ctx.deadline.min(own),
        None => ctx.deadline,
    }
}

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

/// Identifies the service on an open port, starting on the scan's connection, with the plan
/// for its port number.
pub async fn identify(ctx: &HostContext, port: u16, conn: Connection) -> ServiceObservation {
    let plan = if ctx.config.expect_tls {
        tls_first_plan()
    } else {
        plan_for_port(port)
    };
    identify_with_plan(ctx, port, conn, &plan).await
}

/// The plan when the user said the port speaks TLS (`edgeaudit tls`): TLS at once, HTTP second
/// so a plain web server on the port is still named.
pub fn tls_first_plan() -> Plan {
    Plan {
        banner_wait: BannerWait::None,
        steps: vec![Step::Tls, Step::Http],
    }
}

/// How the banner wait on the scan connection ended.
enum BannerOutcome {
    /// A banner named the service.
    Identified(Box<ServiceObservation>),
    /// Nothing more to do on this port (unrecognised banner, or the deadline); `out` says why.
    Finished,
    /// No banner; the connection when it is still open for the first client-first step.
    Silent(Option<Connection>),
}

/// Step 1: waits `wait` for a server-first banner and classifies it.
async fn wait_for_banner(
    ctx: &HostContext,
    port: u16,
    mut conn: Connection,
    wait: Duration,
    out: &mut Outcome,
) -> BannerOutcome {
    let deadline = step_deadline(ctx, wait);
    let (bytes, end) = io::read_until(
        &mut conn.stream,
        deadline,
        BANNER_LIMIT,
        Some(BANNER_SETTLE),
        banner::banner_is_complete,
    )
    .await;
    if !bytes.is_empty() {
        if let Some(obs) = classify_answer(&bytes, port) {
            return BannerOutcome::Identified(Box::new(obs));
        }
        out.unrecognised = Some(bytes);
        out.notes
            .push("server-first banner not recognised".to_string());
        return BannerOutcome::Finished;
    }
    match end {
        End::Timeout if Instant::now() >= ctx.deadline => {
            out.deadline_reached = true;
            BannerOutcome::Finished
        }
        End::Timeout => {
            out.banner_timed_out = true;
            out.banner_note = Some(format!("banner: no data within {} ms", millis(wait)));
            BannerOutcome::Silent(Some(conn))
        }
        other => {
            out.banner_note = Some(format!("banner: {}", other.describe()));
            BannerOutcome::Silent(None)
        }
    }
}

/// [`identify`] with an explicit plan (tests, and callers that know better than the port number).
pub async fn identify_with_plan(
    ctx: &HostContext,
    port: u16,
    conn: Connection,
    plan: &Plan,
) -> ServiceObservation {
    let mut out = Outcome::new(port);

    // 1. Server-first banner on the scan connection.
    let wait = match plan.banner_wait {
        BannerWait::Full => ctx.config.exchange_timeout,
        BannerWait::Short => ctx.config.exchange_timeout.min(SHORT_BANNER_WAIT),
        BannerWait::None => Duration::ZERO,
    };
    let mut reusable = if wait.is_zero() {
        out.banner_note = Some("banner: not waited for (TLS expected)".to_string());
        Some(conn)
    } else {
        match wait_for_banner(ctx, port, conn, wait, &mut out).await {
            BannerOutcome::Identified(obs) => return *obs,
            BannerOutcome::Finished => return out.finish(),
            BannerOutcome::Silent(conn) => conn,
        }
    };

    // 2. Client-first steps, plus at most one follow-up step named by a provisional result.
    let mut queue: VecDeque<Step> = plan.steps.iter().copied().collect();
    let mut tried: Vec<Step> = Vec::new();
    let mut provisional: Option<ServiceObservation> = None;
    let mut connections = 1;
    while let Some(step) = queue.pop_front() {
        if Instant::now() >= ctx.deadline {
            out.deadline_reached = true;
            break;
        }
        let conn = match reusable.take() {
            Some(conn) => conn,
            None => {
                if connections >= MAX_CONNECTIONS_PER_PORT {
                    out.notes.push(format!(
                        "{}: not tried, {MAX_CONNECTIONS_PER_PORT} connections per port already used",
                        step.name()
                    ));
                    break;
                }
                connections += 1;
                match tcp::connect(ctx, port).await {
                    ConnectOutcome::Open { conn, .. } => conn,
                    ConnectOutcome::NotTested {
                        cause: NotTestedCause::Budget,
                        ..
                    } => {
                        out.budget_exhausted = true;
                        out.notes.push(format!(
                            "{}: not tried, connection budget exhausted",
                            step.name()
                        ));
                        break;
                    }
                    ConnectOutcome::NotTested {
                        cause: NotTestedCause::Deadline,
                        ..
                    } => {
                        out.deadline_reached = true;
                        break;
                    }
                    other => {
                        out.closed = true;
                        out.notes.push(format!(
                            "{}: new connection failed: {}",
                            step.name(),
                            other.describe()
                        ));
                        continue;
                    }
                }
            }
        };
        tried.push(step);
        match run_step(ctx, port, step, conn).await {
            StepResult::Identified(obs) => {
                let mut obs = *obs;
                if let Some(first) = provisional.take() {
                    // This was the follow-up: keep whichever result says more.
                    if is_weak(&obs, step) {
                        out.notes.append(&mut obs.notes);
                        return out.identified(first);
                    }
                    return out.identified(obs);
                }
                match follow_up(&obs, step) {
                    Some(next) if !tried.contains(&next) => {
                        // Keep this result unless the follow-up does better; its notes stay.
                        // Nothing else runs after the follow-up.
                        out.notes.append(&mut obs.notes);
                        out.notes.push(format!(
                            "{}: the answer names {}; following up with {}",
                            step.name(),
                            obs.kind,
                            next.name()
                        ));
                        queue.clear();
                        queue.push_back(next);
                        provisional = Some(obs);
                    }
                    _ => return out.identified(obs),
                }
            }
            StepResult::Unrecognised { bytes, note } => {
                out.notes.push(format!("{}: {note}", step.name()));
                out.unrecognised.get_or_insert(bytes);
            }
            StepResult::NoAnswer { end, note } => {
                if end == End::Timeout {
                    if Instant::now() >= ctx.deadline {
                        out.deadline_reached = true;
                        break;
                    }
                    out.timed_out = true;
                } else {
                    out.closed = true;
                }
                out.notes.push(format!("{}: {note}", step.name()));
            }
        }
    }
    match provisional {
        Some(obs) => {
            if out.deadline_reached {
                out.notes
                    .push("target deadline reached before identification finished".to_string());
            }
            out.identified(obs)
        }
        None => out.finish(),
    }
}

async fn run_step(ctx: &HostContext, port: u16, step: Step, conn: Connection) -> StepResult {
    // The slots stay held until the step is over; the socket moves into the step.
    let Connection { stream, permits } = conn;
    let result = match step {
        Step::Tls => tls::run(ctx, port, stream).await,
        Step::Http => http_step(ctx, port, stream).await,
        Step::Rdp => rdp_step(ctx, port, stream).await,
    };
    drop(permits);
    result
}

/// Sends one request and reads the answer (bounded by [`http::MAX_RESPONSE`] and `deadline`).
pub(crate) async fn http_exchange<S>(
    stream: &mut S,
    request: &[u8],
    deadline: Instant,
) -> (Vec<u8>, End)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if let Err(end) = io::write_all(stream, request, deadline).await {
        return (Vec::new(), end);
    }
    io::read_until(
        stream,
        deadline,
        http::MAX_RESPONSE,
        None,
        http::response_is_complete,
    )
    .await
}

/// Turns an answer to a client-first probe into a step result.
fn answer_result(bytes: Vec<u8>, end: End, port: u16, what: &str) -> StepResult {
    if bytes.is_empty() {
        let note = format!("no answer to {what}: {}", end.describe());
        return StepResult::NoAnswer { end, note };
    }
    match classify_answer(&bytes, port) {
        Some(obs) => StepResult::Identified(Box::new(obs)),
        None => StepResult::Unrecognised {
            note: format!("answer to {what} not recognised ({} bytes)", bytes.len()),
            bytes,
        },
    }
}

async fn http_step(ctx: &HostContext, port: u16, mut stream: tokio::net::TcpStream) -> StepResult {
    let host = http::host_header(ctx.hostname.as_deref(), ctx.address, port, false);
    let deadline = step_deadline(ctx, ctx.config.exchange_timeout);
    let (bytes, end) = http_exchange(&mut stream, &http::build_request(&host), deadline).await;
    if tls::looks_like_tls_record(&bytes) {
        let mut obs = observed(ServiceKind::Tls, ProbeStatus::Success);
        obs.banner = Some(Bytes::from_wire(&bytes));
        obs.notes
            .push("answered a plain HTTP request with a TLS record".to_string());
        return StepResult::Identified(Box::new(obs));
    }
    answer_result(bytes, end, port, "an HTTP request")
}

async fn rdp_step(ctx: &HostContext, port: u16, mut stream: tokio::net::TcpStream) -> StepResult {
    let deadline = step_deadline(ctx, ctx.config.exchange_timeout);
    let (bytes, end) = rdp::negotiate(&mut stream, deadline).await;
    if !rdp::looks_like_tpkt(&bytes) {
        return answer_result(bytes, end, port, "an X.224 Connection Request");
    }
    let mut obs = observed(ServiceKind::Rdp, ProbeStatus::Success);
    obs.banner = Some(Bytes::from_wire(&bytes));
    match rdp::wire::ConnectionConfirm::decode(&bytes) {
        Ok(cc) => obs.rdp = Some(rdp::identification(&cc)),
        Err(e) => {
            obs.status = ProbeStatus::ProtocolError;
            obs.notes.push(format!(
                "X.224 Connection Confirm not decoded: {e} ({})",
                end.describe()
            ));
        }
    }
    StepResult::Identified(Box::new(obs))
}

#[cfg(test)]
mod tests;
