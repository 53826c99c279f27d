//! The RDP audit of one port: which security protocols the server accepts, whether it insists on
//! network-level authentication, and what it reveals before any credential would be needed.
//!
//! One TCP connection per requested protocol set ([MS-RDPBCGR] 2.2.1.1.1), at most
//! [`MAX_CONNECTIONS`], one after the other, each under its own deadline and all under the
//! caller's. Each connection goes on only as far as its protocol allows without credentials:
//!
//! * `PROTOCOL_RDP` selected → MCS Connect Initial, read the Connect Response (Server Core and
//!   Server Security Data), stop;
//! * `PROTOCOL_SSL` selected → TLS handshake (rustls, any certificate accepted and recorded), stop;
//! * `PROTOCOL_HYBRID` selected → TLS, then one CredSSP TSRequest with an NTLM NEGOTIATE_MESSAGE;
//!   read the CHALLENGE_MESSAGE, stop (no AUTHENTICATE_MESSAGE, ever).
//!
//! The server's selection is always compared with the request: a server that answers a CredSSP
//! request by selecting Standard RDP Security has not accepted CredSSP.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use thiserror::Error;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::observation::{
    NtlmInfo, RdpAudit, RdpNegotiation, RdpNegotiationOutcome, RdpStandardSecurity, RdpTls,
};
use crate::probe::identify::cert;
use crate::probe::HostContext;
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::identify::tls::{
    cipher_suite_name, client_config, version_name, RecordingVerifier,
};

use super::credssp::{self, CredSspError, TsRequest};
use super::mcs::{self, ConnectResponse, McsError};
use super::ntlm::{self, Challenge, NtlmError};
use super::wire::{
    self, ConnectionConfirm, ConnectionRequest, FailureCode, NegotiationResponse, Protocols,
    WireError,
};

/// Most connections one audit opens to a port.
pub const MAX_CONNECTIONS: u32 = 6;
/// Deadline of one connection (connect, negotiation and whatever follows on it).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest server PDU read (an MCS Connect Response with an X.509 chain, a TSRequest).
pub const MAX_PDU: usize = 16 * 1024;

/// Why one step of the audit stopped.
#[derive(Debug, Error)]
pub enum RdpError {
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
    #[error("{stage}: size limit of {limit} bytes reached")]
    TooLarge { stage: &'static str, limit: usize },
    #[error("{stage}: {detail}")]
    Stream { stage: &'static str, detail: String },
    #[error("X.224 Connection Confirm: {0}")]
    Confirm(#[source] WireError),
    #[error("answered the Connection Request with an X.224 {0} TPDU")]
    NotConfirm(&'static str),
    #[error("requested {requested}, the server answered {outcome}: no TLS channel")]
    NotTlsReady { requested: String, outcome: String },
    #[error("MCS Connect Response: {0}")]
    Mcs(#[from] McsError),
    #[error("TLS handshake: {0}")]
    Tls(String),
    #[error("CredSSP TSRequest: {0}")]
    CredSsp(#[from] CredSspError),
    #[error("CredSSP answer carries no NTLM message{0}")]
    NoNtlm(String),
    #[error("NTLM CHALLENGE_MESSAGE: {0}")]
    Ntlm(#[from] NtlmError),
}

impl RdpError {
    fn from_end(stage: &'static str, end: End) -> Self {
        match end {
            End::Timeout => RdpError::Timeout { stage },
            End::Limit => RdpError::TooLarge {
                stage,
                limit: MAX_PDU,
            },
            end if end.is_closed() => RdpError::Closed { stage },
            end => RdpError::Stream {
                stage,
                detail: end.describe(),
            },
        }
    }
}

/// Connects to `addr` before `deadline`.
pub async fn connect(addr: SocketAddr, deadline: Instant) -> Result<TcpStream, RdpError> {
    match timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => Err(RdpError::Timeout { stage: "connect" }),
        Ok(Err(source)) => Err(RdpError::Connect { addr, source }),
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
    }
}

/// Whether the TPKT packet in `buf` is whole (or `buf` cannot be one).
fn tpkt_complete(buf: &[u8]) -> bool {
    super::confirm_is_complete(buf)
}

/// Sends the X.224 Connection Request with RDP_NEG_REQ(`requested`) on `stream` and decodes the
/// Connection Confirm.
pub async fn negotiate_on(
    stream: &mut TcpStream,
    requested: Protocols,
    deadline: Instant,
) -> Result<ConnectionConfirm, RdpError> {
    let request = ConnectionRequest::probe(requested).encode();
    bounded::write_all(stream, &request, deadline)
        .await
        .map_err(|end| RdpError::from_end("Connection Request", end))?;
    let (bytes, end) =
        bounded::read_until(stream, deadline, super::MAX_CONFIRM, None, tpkt_complete).await;
    if bytes.is_empty() || (end != End::Complete && !tpkt_complete(&bytes)) {
        return Err(RdpError::from_end("Connection Confirm", end));
    }
    match wire::x224_tpdu_code(&bytes) {
        Some(code) if code != wire::X224_TPDU_CONNECTION_CONFIRM => {
            Err(RdpError::NotConfirm(wire::x224_tpdu_name(code)))
        }
        _ => ConnectionConfirm::decode(&bytes).map_err(RdpError::Confirm),
    }
}

/// Connects and negotiates; hands back the stream right after the Connection Confirm.
pub async fn negotiate_stream(
    addr: SocketAddr,
    requested: Protocols,
    deadline: Instant,
) -> Result<(TcpStream, ConnectionConfirm), RdpError> {
    let mut stream = connect(addr, deadline).await?;
    let cc = negotiate_on(&mut stream, requested, deadline).await?;
    Ok((stream, cc))
}

/// True for the protocols that continue with a TLS handshake on the same connection
/// (everything but Standard RDP Security; [MS-RDPBCGR] 5.4.5).
pub fn is_tls_based(p: Protocols) -> bool {
    p.0 != 0
}

/// Opens a TCP connection, requests `requested` and returns the stream ready for a TLS
/// ClientHello when the server selected a TLS-based protocol that was requested. The TLS engine
/// audits RDP ports through this.
pub async fn open_tls_ready_stream(
    addr: SocketAddr,
    requested: Protocols,
    deadline: Instant,
) -> Result<TcpStream, RdpError> {
    let (stream, cc) = negotiate_stream(addr, requested, deadline).await?;
    match cc.negotiation {
        Some(NegotiationResponse::Selected { protocol, .. })
            if is_tls_based(protocol) && protocol.0 & requested.0 == protocol.0 =>
        {
            Ok(stream)
        }
        _ => Err(RdpError::NotTlsReady {
            requested: requested.to_string(),
            outcome: outcome_text(&outcome_of(&cc)),
        }),
    }
}

/// Sends MCS Connect Initial on a connection where `selected` was negotiated and decodes the
/// server's Connect Response.
pub async fn read_connect_response(
    stream: &mut TcpStream,
    selected: Protocols,
    deadline: Instant,
) -> Result<ConnectResponse, RdpError> {
    let pdu = mcs::connect_initial(selected, mcs::ALL_ENCRYPTION_METHODS);
    bounded::write_all(stream, &pdu, deadline)
        .await
        .map_err(|end| RdpError::from_end("MCS Connect Initial", end))?;
    let (bytes, end) = bounded::read_until(stream, deadline, MAX_PDU, None, tpkt_complete).await;
    if bytes.is_empty() || !tpkt_complete(&bytes) {
        return Err(RdpError::from_end("MCS Connect Response", end));
    }
    Ok(ConnectResponse::decode(&bytes)?)
}

/// The TLS handshake on a negotiated stream: rustls, TLS 1.2/1.3, no SNI (an address has none),
/// any certificate accepted and recorded. Returns the stream (when the handshake completed) and
/// the facts.
pub async fn tls_handshake(
    stream: TcpStream,
    rdp_protocol: Protocols,
    deadline: Instant,
) -> (Option<TlsStream<TcpStream>>, RdpTls) {
    let mut facts = RdpTls {
        rdp_protocol: rdp_protocol.to_string(),
        version: None,
        cipher_suite: None,
        certificate: None,
        handshake_error: None,
    };
    let verifier = Arc::new(RecordingVerifier::new());
    let config = match client_config(verifier.clone(), &[]) {
        Ok(config) => config,
        Err(e) => {
            facts.handshake_error = Some(format!("TLS client could not be configured: {e}"));
            return (None, facts);
        }
    };
    let name = match stream.peer_addr() {
        Ok(peer) => ServerName::IpAddress(peer.ip().into()),
        Err(e) => {
            facts.handshake_error = Some(format!("peer address unknown: {e}"));
            return (None, facts);
        }
    };
    let handshake = TlsConnector::from(Arc::new(config)).connect(name, stream);
    let result = timeout_at(deadline, handshake).await;
    let chain = verifier.chain();
    if let Some(leaf) = chain.first() {
        match cert::summarize_certificate(leaf.as_ref()) {
            Ok(summary) => facts.certificate = Some(summary),
            Err(e) => facts.handshake_error = Some(format!("leaf {e}")),
        }
    }
    match result {
        Ok(Ok(tls)) => {
            let conn = tls.get_ref().1;
            facts.version = conn.protocol_version().map(version_name);
            facts.cipher_suite = conn
                .negotiated_cipher_suite()
                .map(|s| cipher_suite_name(s.suite()));
            (Some(tls), facts)
        }
        Ok(Err(e)) => {
            facts.handshake_error = Some(e.to_string());
            (None, facts)
        }
        Err(_) => {
            facts.handshake_error = Some("handshake did not finish before the deadline".into());
            (None, facts)
        }
    }
}

/// One CredSSP round on an established TLS stream: TSRequest(NTLM NEGOTIATE_MESSAGE) out, the
/// server's TSRequest in, its NTLM CHALLENGE_MESSAGE decoded. Nothing more is sent.
pub async fn ntlm_challenge(
    tls: &mut TlsStream<TcpStream>,
    deadline: Instant,
) -> Result<(TsRequest, Challenge), RdpError> {
    let request = credssp::encode_nego_request(&ntlm::negotiate_message());
    bounded::write_all(tls, &request, deadline)
        .await
        .map_err(|end| RdpError::from_end("CredSSP TSRequest", end))?;
    let complete = |b: &[u8]| match credssp::element_len(b) {
        Ok(Some(len)) => b.len() >= len,
        Ok(None) => false,
        Err(_) => true,
    };
    let (bytes, end) = bounded::read_until(tls, deadline, MAX_PDU, None, complete).await;
    if bytes.is_empty() || !complete(&bytes) {
        return Err(RdpError::from_end("CredSSP answer", end));
    }
    let ts = TsRequest::decode(&bytes)?;
    let Some(token) = ts.nego_tokens.iter().find_map(|t| ntlm::find_ntlm(t)) else {
        let status = ts
            .error_code
            .map(|c| format!(" (errorCode 0x{c:08x})"))
            .unwrap_or_default();
        return Err(RdpError::NoNtlm(status));
    };
    let challenge = Challenge::decode(token)?;
    Ok((ts, challenge))
}

/// The observation of a CHALLENGE_MESSAGE.
pub fn ntlm_info(ts: &TsRequest, c: &Challenge) -> NtlmInfo {
    NtlmInfo {
        credssp_version: Some(ts.version),
        target_name: c.target_name.clone(),
        netbios_computer: c.nb_computer_name.clone(),
        netbios_domain: c.nb_domain_name.clone(),
        dns_computer: c.dns_computer_name.clone(),
        dns_domain: c.dns_domain_name.clone(),
        dns_tree: c.dns_tree_name.clone(),
        timestamp: c.timestamp.and_then(ntlm::filetime_rfc3339),
        os_version: c.version.map(|v| v.os_version()),
        negotiate_flags: format!("0x{:08x}", c.flags),
    }
}

/// The observation of a Connect Response's security facts.
pub fn standard_security(resp: &ConnectResponse) -> Option<RdpStandardSecurity> {
    let sec = resp.security.as_ref()?;
    let version = resp.core.as_ref().map(|c| c.version);
    Some(RdpStandardSecurity {
        server_version: version.map(|v| format!("0x{v:08x}")),
        server_version_name: version
            .and_then(mcs::server_version_name)
            .map(str::to_string),
        offered_methods: mcs::encryption_method_names(mcs::ALL_ENCRYPTION_METHODS),
        encryption_method: match sec.encryption_method {
            0 => "ENCRYPTION_METHOD_NONE".to_string(),
            m => mcs::encryption_method_names(m).join("|"),
        },
        encryption_level: sec.encryption_level.to_string(),
        server_random_len: sec.server_random_len,
        server_certificate_len: sec.server_cert_len,
        server_certificate_type: sec.certificate_type(),
    })
}

/// RDP_NEG_RSP `flags` names ([MS-RDPBCGR] 2.2.1.2.1).
pub fn response_flag_names(flags: u8) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = flags;
    for (bit, name) in [
        (
            wire::EXTENDED_CLIENT_DATA_SUPPORTED,
            "EXTENDED_CLIENT_DATA_SUPPORTED",
        ),
        (
            wire::DYNVC_GFX_PROTOCOL_SUPPORTED,
            "DYNVC_GFX_PROTOCOL_SUPPORTED",
        ),
        (wire::NEGRSP_FLAG_RESERVED, "NEGRSP_FLAG_RESERVED"),
        (
            wire::RESTRICTED_ADMIN_MODE_SUPPORTED,
            "RESTRICTED_ADMIN_MODE_SUPPORTED",
        ),
        (
            wire::REDIRECTED_AUTHENTICATION_MODE_SUPPORTED,
            "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED",
        ),
    ] {
        if flags & bit != 0 {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("0x{rest:02x}"));
    }
    names
}

/// The outcome of one decoded Connection Confirm.
pub fn outcome_of(cc: &ConnectionConfirm) -> RdpNegotiationOutcome {
    match cc.negotiation {
        None => RdpNegotiationOutcome::NoNegotiation,
        Some(NegotiationResponse::Selected { flags, protocol }) => {
            RdpNegotiationOutcome::Selected {
                protocol: protocol.to_string(),
                flags: response_flag_names(flags),
            }
        }
        Some(NegotiationResponse::Failure { code, .. }) => RdpNegotiationOutcome::Failure {
            code: code.to_string(),
        },
    }
}

/// `selected:<p>`, `failure:<code>`, `no_negotiation`, `error:<text>`.
pub fn outcome_text(o: &RdpNegotiationOutcome) -> String {
    match o {
        RdpNegotiationOutcome::Selected { protocol, .. } => format!("selected:{protocol}"),
        RdpNegotiationOutcome::Failure { code } => format!("failure:{code}"),
        RdpNegotiationOutcome::NoNegotiation => "no_negotiation".into(),
        RdpNegotiationOutcome::Error { error } => format!("error:{error}"),
    }
}

/// One planned request: the protocol tested and the `requestedProtocols` sent for it.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub target: Protocols,
    pub requested: Protocols,
}

/// The requests of an audit, in order: Standard RDP Security, TLS, CredSSP, CredSSP with Early
/// User Authorization (with HYBRID, as 2.2.1.1.1 asks), RDSTLS.
pub const PROBES: [Probe; 5] = [
    Probe {
        target: Protocols::RDP,
        requested: Protocols::RDP,
    },
    Probe {
        target: Protocols::SSL,
        requested: Protocols::SSL,
    },
    Probe {
        target: Protocols::HYBRID,
        requested: Protocols::HYBRID,
    },
    Probe {
        target: Protocols::HYBRID_EX,
        requested: Protocols::HYBRID.union(Protocols::HYBRID_EX),
    },
    Probe {
        target: Protocols::RDSTLS,
        requested: Protocols::RDSTLS,
    },
];

/// The protocol a response selected, when the server selected one that was requested.
/// `PROTOCOL_RDP` is "requested" only by the Standard RDP Security probe.
fn selected_as_requested(probe: &Probe, cc: &ConnectionConfirm) -> Option<Protocols> {
    match cc.negotiation {
        Some(NegotiationResponse::Selected { protocol, .. }) => {
            let requested = if protocol.0 == 0 {
                probe.requested.0 == 0
            } else {
                protocol.0 & probe.requested.0 == protocol.0
            };
            requested.then_some(protocol)
        }
        None if probe.requested.0 == 0 => Some(Protocols::RDP),
        _ => None,
    }
}

/// Audits the RDP service on `port` of a scanned host: the host's deadline, slots and connection
/// budget apply. The audit's connections run one after the other, so it holds one host slot and
/// one global slot throughout and takes its [`PROBES`] connections from the budget up front
/// (fewer when less is left: the later requests are then reported as not tested).
pub async fn audit_rdp_in(ctx: &HostContext, port: u16) -> RdpAudit {
    let addr = SocketAddr::new(ctx.address, port);
    let not_tested = |why: &str| {
        let mut audit = RdpAudit::default();
        audit.notes.push(format!("RDP audit not run: {why}"));
        audit
    };
    let (Ok(_host), Ok(_global)) = (
        ctx.host_slots.clone().acquire_owned().await,
        ctx.global_slots.clone().acquire_owned().await,
    ) else {
        return not_tested("the scan is shutting down");
    };
    let mut allowed = 0;
    while allowed < PROBES.len() && ctx.budget.try_take() {
        allowed += 1;
    }
    if allowed == 0 {
        return not_tested("the host's connection budget is used up");
    }
    let per_connection = CONNECTION_TIMEOUT.max(ctx.config.exchange_timeout);
    audit_rdp_limited(addr, ctx.deadline, per_connection, allowed as u32).await
}

/// Audits the RDP service at `addr` with the default per-connection deadline.
pub async fn audit_rdp(addr: SocketAddr, deadline: Instant) -> RdpAudit {
    audit_rdp_with(addr, deadline, CONNECTION_TIMEOUT).await
}

/// Audits the RDP service at `addr`: every request of [`PROBES`] on its own connection, each
/// under `min(deadline, now + per_connection)`.
pub async fn audit_rdp_with(
    addr: SocketAddr,
    deadline: Instant,
    per_connection: Duration,
) -> RdpAudit {
    audit_rdp_limited(addr, deadline, per_connection, MAX_CONNECTIONS).await
}

/// [`audit_rdp_with`] opening at most `max_connections` connections.
async fn audit_rdp_limited(
    addr: SocketAddr,
    deadline: Instant,
    per_connection: Duration,
    max_connections: u32,
) -> RdpAudit {
    let mut audit = RdpAudit::default();
    let mut rdp_selected_unrequested = false;
    for probe in PROBES {
        let outcome = if audit.connections >= max_connections.min(MAX_CONNECTIONS) {
            RdpNegotiationOutcome::Error {
                error: "not tested: connection budget used".into(),
            }
        } else if Instant::now() >= deadline {
            RdpNegotiationOutcome::Error {
                error: "not tested: the audit's deadline passed".into(),
            }
        } else {
            audit.connections += 1;
            let step_deadline = deadline.min(Instant::now() + per_connection);
            run_probe(addr, &probe, step_deadline, &mut audit).await
        };
        if let RdpNegotiationOutcome::Selected { protocol, .. } = &outcome {
            if protocol == "PROTOCOL_RDP" && probe.requested.0 != 0 {
                rdp_selected_unrequested = true;
            }
        }
        audit.negotiations.push(RdpNegotiation {
            protocol: probe.target.to_string(),
            requested: probe.requested.flag_names(),
            outcome,
        });
    }
    derive(&mut audit, rdp_selected_unrequested);
    audit
}

/// One connection: negotiate, then go as far as the selected protocol allows.
async fn run_probe(
    addr: SocketAddr,
    probe: &Probe,
    deadline: Instant,
    audit: &mut RdpAudit,
) -> RdpNegotiationOutcome {
    let (mut stream, cc) = match negotiate_stream(addr, probe.requested, deadline).await {
        Ok(ok) => ok,
        Err(e) => {
            return RdpNegotiationOutcome::Error {
                error: e.to_string(),
            }
        }
    };
    let outcome = outcome_of(&cc);
    if let Some(NegotiationResponse::Selected { flags, .. }) = cc.negotiation {
        for name in response_flag_names(flags) {
            if !audit.server_flags.contains(&name) {
                audit.server_flags.push(name);
            }
        }
    }
    let Some(selected) = selected_as_requested(probe, &cc) else {
        if let RdpNegotiationOutcome::Selected { protocol, .. } = &outcome {
            audit.notes.push(format!(
                "requested {}, the server selected {protocol}, which was not requested: not \
                 counted as accepted",
                probe.requested
            ));
        }
        return outcome;
    };
    let name = selected.to_string();
    if !audit.accepted.contains(&name) {
        audit.accepted.push(name.clone());
    }

    if selected == Protocols::RDP {
        if audit.standard_security.is_none() {
            match read_connect_response(&mut stream, selected, deadline).await {
                Ok(resp) => match standard_security(&resp) {
                    Some(sec) => audit.standard_security = Some(sec),
                    None => audit
                        .notes
                        .push("MCS Connect Response without Server Security Data".into()),
                },
                Err(e) => audit
                    .notes
                    .push(format!("Standard RDP Security details not read: {e}")),
            }
        }
        return outcome;
    }

    let wants_ntlm =
        matches!(selected, Protocols::HYBRID | Protocols::HYBRID_EX) && audit.ntlm.is_none();
    let wants_tls = audit.tls.as_ref().is_none_or(|t| t.version.is_none());
    if !wants_tls && !wants_ntlm {
        return outcome;
    }
    let (tls, facts) = tls_handshake(stream, selected, deadline).await;
    if wants_tls {
        audit.tls = Some(facts);
    }
    let Some(mut tls) = tls else {
        if wants_ntlm {
            audit.notes.push(format!(
                "NTLM information not read ({name}): the TLS handshake did not complete"
            ));
        }
        return outcome;
    };
    if wants_ntlm {
        match ntlm_challenge(&mut tls, deadline).await {
            Ok((ts, challenge)) => audit.ntlm = Some(ntlm_info(&ts, &challenge)),
            Err(e) => audit
                .notes
                .push(format!("NTLM information not read ({name}): {e}")),
        }
    }
    // close_notify, so the server logs an orderly close rather than a truncated TLS stream.
    let _ = timeout_at(deadline, tls.shutdown()).await;
    outcome
}

/// Fills `standard_rdp_security_allowed`, `nla_required` and its evidence from the outcomes.
fn derive(audit: &mut RdpAudit, rdp_selected_unrequested: bool) {
    let outcome = |target: &str| {
        audit
            .negotiations
            .iter()
            .find(|n| n.protocol == target)
            .map(|n| n.outcome.clone())
    };
    let rdp = outcome("PROTOCOL_RDP");
    let ssl = outcome("PROTOCOL_SSL");
    let accepted = |p: &str| audit.accepted.iter().any(|a| a == p);

    audit.standard_rdp_security_allowed = match &rdp {
        _ if accepted("PROTOCOL_RDP") => Some(true),
        Some(RdpNegotiationOutcome::Failure { .. }) => Some(false),
        Some(RdpNegotiationOutcome::Selected { .. }) => Some(false),
        _ if rdp_selected_unrequested => {
            audit.notes.push(
                "Standard RDP Security allowed: selected in answer to a request for another \
                 protocol (the direct request got no answer)"
                    .into(),
            );
            Some(true)
        }
        _ => None,
    };

    let describe = |target: &str, o: &Option<RdpNegotiationOutcome>| {
        format!(
            "{target}: {}",
            o.as_ref()
                .map(outcome_text)
                .unwrap_or_else(|| "not sent".into())
        )
    };
    let evidence = format!(
        "{}; {}",
        describe("PROTOCOL_RDP", &rdp),
        describe("PROTOCOL_SSL", &ssl)
    );
    let failure_code = |o: &Option<RdpNegotiationOutcome>| match o {
        Some(RdpNegotiationOutcome::Failure { code }) => Some(code.clone()),
        _ => None,
    };
    let hybrid_required = FailureCode::HYBRID_REQUIRED_BY_SERVER.to_string();
    if accepted("PROTOCOL_RDP") || accepted("PROTOCOL_SSL") {
        audit.nla_required = Some(false);
        audit.nla_evidence = Some(evidence);
    } else if let (Some(a), Some(b)) = (failure_code(&rdp), failure_code(&ssl)) {
        let credssp_accepted = accepted("PROTOCOL_HYBRID") || accepted("PROTOCOL_HYBRID_EX");
        if a == hybrid_required || b == hybrid_required || credssp_accepted {
            audit.nla_required = Some(true);
            audit.nla_evidence = Some(if credssp_accepted {
                format!("{evidence}; CredSSP accepted")
            } else {
                evidence
            });
        } else {
            audit.notes.push(format!(
                "NLA not judged: {evidence}, and no CredSSP protocol was accepted"
            ));
        }
    } else {
        audit.notes.push(format!("NLA not judged: {evidence}"));
    }
}

#[cfg(test)]
mod tests;
