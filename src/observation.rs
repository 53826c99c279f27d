//! Observations: the facts a scan saw, and nothing else.
//!
//! A probe writes these; it never decides whether a fact is good or bad. Profiles turn them into
//! findings later (see `profile`), so a saved scan can be re-evaluated offline. Every type here is
//! part of the JSON schema documented in `docs/json-schema.md`; bump [`SCHEMA_VERSION`] when a field
//! changes meaning or disappears (adding an optional field does not need a bump).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Version of the JSON document written by `scan --format json` and read by `evaluate`.
pub const SCHEMA_VERSION: u32 = 1;

/// One whole scan: what was asked, from where, and what every target showed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scan {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// RFC 3339 timestamps (UTC).
    pub started_at: String,
    pub finished_at: String,
    /// The vantage the user asked for; each host records the vantage actually applied.
    pub vantage_requested: VantageChoice,
    pub settings: ScanSettings,
    pub targets: Vec<TargetObservation>,
    /// The Wi-Fi survey of `edgeaudit wifi` (a network scan has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wifi: Option<WifiSurvey>,
}

/// A Wi-Fi survey: the access points heard in beacons and probe responses, from a capture file
/// or a monitor-mode interface ([`crate::wifi`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WifiSurvey {
    /// Where the frames came from: `capture FILE` or `interface IFACE for N s`.
    pub source: String,
    /// The organisation's own networks (`--ssid`). Empty: every network heard is judged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub own_ssids: Vec<String>,
    /// What was read; absent when nothing could be (see `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<crate::wifi::CaptureSummary>,
    /// Why the survey could not be made (not a capture file, no such interface, not in monitor
    /// mode, no permission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl WifiSurvey {
    /// Whether `ap` is one of the organisation's networks (every network when no `--ssid` was
    /// given). A hidden network is only the organisation's when no `--ssid` was given.
    pub fn is_own(&self, ap: &crate::wifi::AccessPoint) -> bool {
        self.own_ssids.is_empty()
            || (!ap.ssid.hidden
                && self
                    .own_ssids
                    .iter()
                    .any(|name| ap.ssid.utf8.as_deref() == Some(name) || ap.ssid.text == *name))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn current() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The limits the scan ran under, recorded so a report can say how thorough it was.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScanSettings {
    pub ports: Vec<u16>,
    pub connect_timeout_ms: u64,
    pub target_timeout_ms: u64,
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    pub per_host_connection_budget: usize,
    /// `system` or the `IP:PORT` given with `--resolver`.
    pub resolver: String,
}

/// Where the scan was taken from. The same fact can be fine from one vantage and a finding from
/// the other (RDP reachable from the office LAN vs. from the internet).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Vantage {
    Outside,
    Inside,
}

impl fmt::Display for Vantage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Vantage::Outside => "outside",
            Vantage::Inside => "inside",
        })
    }
}

/// What the user asked for with `--vantage`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VantageChoice {
    /// Inside for private, loopback, link-local and unique-local addresses; outside otherwise.
    Auto,
    Outside,
    Inside,
}

impl VantageChoice {
    pub fn apply(self, address: IpAddr) -> Vantage {
        match self {
            VantageChoice::Outside => Vantage::Outside,
            VantageChoice::Inside => Vantage::Inside,
            VantageChoice::Auto if is_internal_address(address) => Vantage::Inside,
            VantageChoice::Auto => Vantage::Outside,
        }
    }
}

/// Addresses that are only reachable from inside an organisation's own network.
pub fn is_internal_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                // RFC 6598 shared address space (carrier-grade NAT) is not reachable from the internet.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(mapped) = v6.to_ipv4_mapped() {
                return is_internal_address(IpAddr::V4(mapped));
            }
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// One target as the user wrote it, how its name resolved, and every address audited for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetObservation {
    /// The target exactly as given on the command line or in the targets file.
    pub input: String,
    pub resolution: Resolution,
    pub hosts: Vec<HostObservation>,
}

impl TargetObservation {
    /// A target could not be tested when its name did not resolve, or when any of its hosts
    /// ran out of time or budget before every port was tried.
    pub fn untested_reason(&self) -> Option<String> {
        if let Resolution::Failed { reason, .. } = &self.resolution {
            return Some(reason.clone());
        }
        self.hosts.iter().find_map(|h| h.incomplete.clone())
    }
}

/// How the target's name became addresses.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Resolution {
    /// An IP literal or a CIDR block: no DNS involved.
    Literal,
    /// A name resolved through DNS (A and AAAA); every address is audited.
    Resolved {
        name: String,
        resolver: String,
        ipv4: Vec<IpAddr>,
        ipv6: Vec<IpAddr>,
    },
    /// The name did not resolve; nothing about this target was tested.
    Failed {
        name: String,
        resolver: String,
        reason: String,
    },
}

/// Everything seen on one address.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HostObservation {
    pub address: IpAddr,
    /// The vantage applied to this address (after `auto` was decided).
    pub vantage: Vantage,
    pub ports: Vec<PortObservation>,
    /// Set when the host's deadline or connection budget ran out before every port was tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

/// No `deny_unknown_fields`: serde does not support it with the flattened `state`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PortObservation {
    pub port: u16,
    pub transport: Transport,
    /// Serialised inline: `"state": "filtered", "reason": "..."`.
    #[serde(flatten)]
    pub state: PortState,
    /// Time to establish (open) or be refused (closed), in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    /// Present for open ports once identification ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceObservation>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Tcp,
    Udp,
}

/// The state of a port as a TCP connect scan sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum PortState {
    /// The three-way handshake completed.
    Open,
    /// The host answered with a reset (connection refused).
    Closed,
    /// No answer before the deadline, or an ICMP unreachable: something drops the traffic.
    Filtered { reason: String },
    /// The port was never tried (deadline or budget exhausted, or a local error).
    NotTested { reason: String },
}

impl PortState {
    pub fn label(&self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered { .. } => "filtered",
            PortState::NotTested { .. } => "not tested",
        }
    }
}

/// How a probe exchange ended: a closed set, separate from what it saw. A server that says "no"
/// (an alert, a negotiation failure) is still `Success` — the refusal is the observation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    Success,
    /// The server answered, but not in a protocol we recognise.
    Unrecognised,
    /// The server accepted the connection and never answered before the deadline.
    Timeout,
    /// The server closed or reset the connection without answering.
    ConnectionClosed,
    /// The server answered in a known protocol, but the bytes broke its rules.
    ProtocolError,
    /// The per-host connection budget was exhausted before this probe could run.
    BudgetExhausted,
}

/// Services edgeaudit can name. Unknown ones stay `Unknown` with their banner kept as evidence.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    Ssh,
    Telnet,
    Ftp,
    Smtp,
    Http,
    /// HTTP inside TLS.
    Https,
    /// TLS whose inner protocol did not answer HTTP.
    Tls,
    Rdp,
    Vnc,
    Smb,
    #[serde(rename = "msrpc")]
    MsRpc,
    NetbiosSession,
    #[serde(rename = "winrm")]
    WinRm,
    Pptp,
    #[serde(rename = "openvpn")]
    OpenVpn,
    /// SNMP (UDP 161).
    Snmp,
    /// UPnP's SSDP (UDP 1900).
    Ssdp,
    /// IKE / IPsec VPN (UDP 500, 4500).
    Ike,
    /// L2TP (UDP 1701).
    L2tp,
    Unknown,
}

impl ServiceKind {
    pub const ALL: &'static [ServiceKind] = &[
        ServiceKind::Ssh,
        ServiceKind::Telnet,
        ServiceKind::Ftp,
        ServiceKind::Smtp,
        ServiceKind::Http,
        ServiceKind::Https,
        ServiceKind::Tls,
        ServiceKind::Rdp,
        ServiceKind::Vnc,
        ServiceKind::Smb,
        ServiceKind::MsRpc,
        ServiceKind::NetbiosSession,
        ServiceKind::WinRm,
        ServiceKind::Pptp,
        ServiceKind::OpenVpn,
        ServiceKind::Snmp,
        ServiceKind::Ssdp,
        ServiceKind::Ike,
        ServiceKind::L2tp,
        ServiceKind::Unknown,
    ];

    /// The name used in profiles, JSON and reports.
    pub fn name(self) -> &'static str {
        match self {
            ServiceKind::Ssh => "ssh",
            ServiceKind::Telnet => "telnet",
            ServiceKind::Ftp => "ftp",
            ServiceKind::Smtp => "smtp",
            ServiceKind::Http => "http",
            ServiceKind::Https => "https",
            ServiceKind::Tls => "tls",
            ServiceKind::Rdp => "rdp",
            ServiceKind::Vnc => "vnc",
            ServiceKind::Smb => "smb",
            ServiceKind::MsRpc => "msrpc",
            ServiceKind::NetbiosSession => "netbios_session",
            ServiceKind::WinRm => "winrm",
            ServiceKind::Pptp => "pptp",
            ServiceKind::OpenVpn => "openvpn",
            ServiceKind::Snmp => "snmp",
            ServiceKind::Ssdp => "ssdp",
            ServiceKind::Ike => "ike",
            ServiceKind::L2tp => "l2tp",
            ServiceKind::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<ServiceKind> {
        ServiceKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the service name was arrived at; decides the confidence of findings that rest on it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IdentificationMethod {
    /// The server spoke the protocol (banner, handshake or response parsed).
    Protocol,
    /// Nothing recognisable came back; the name is only what the port number usually carries.
    PortNumber,
}

/// What light identification learned about one open port.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceObservation {
    pub kind: ServiceKind,
    pub method: IdentificationMethod,
    pub status: ProbeStatus,
    /// Bytes the server sent first (or in answer to our probe), escaped so non-UTF-8 survives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<SshIdentification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpIdentification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsIdentification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdp: Option<RdpIdentification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnc: Option<VncIdentification>,
    /// The TLS engine's audit of this port (protocol versions and cipher suites accepted), when
    /// the TLS probe ran. On an RDP port it runs over the channel after the X.224 negotiation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_audit: Option<TlsAudit>,
    /// The RDP audit (security protocols, NLA, Standard RDP Security encryption, NTLM names),
    /// on ports identified as RDP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdp_audit: Option<RdpAudit>,
    /// The SSH audit (algorithm lists, host keys, authentication methods offered), on ports
    /// identified as SSH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_audit: Option<SshAudit>,
    /// The VNC security handshake (offered security types), on ports identified as VNC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnc_audit: Option<VncAudit>,
    /// The SMB negotiation (SMBv1, dialects, signing), on ports identified as SMB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smb_audit: Option<SmbAudit>,
    /// SNMP with community `public` (UDP 161).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snmp_audit: Option<SnmpAudit>,
    /// A unicast SSDP M-SEARCH (UDP 1900).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssdp_audit: Option<SsdpAudit>,
    /// IKEv1/IKEv2 (UDP 500, 4500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ike_audit: Option<IkeAudit>,
    /// The SSL-VPN portal probe (product fingerprints, version, known-exploited
    /// vulnerabilities), on HTTPS ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslvpn: Option<SslVpnObservation>,
    /// OpenVPN's P_CONTROL_HARD_RESET exchange (TCP or UDP 1194).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openvpn: Option<OpenVpnObservation>,
    /// PPTP Start-Control-Connection exchange (TCP 1723).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pptp: Option<PptpObservation>,
    /// L2TP SCCRQ/SCCRP exchange (UDP 1701).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l2tp: Option<L2tpObservation>,
    /// SSTP's SSTP_DUPLEX_POST over TLS, on HTTPS ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sstp: Option<SstpObservation>,
    /// Free-text notes from the probe about what it could not do (e.g. a handshake deadline).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ServiceObservation {
    /// An identification that found nothing recognisable.
    pub fn unknown(status: ProbeStatus) -> Self {
        ServiceObservation {
            kind: ServiceKind::Unknown,
            method: IdentificationMethod::Protocol,
            status,
            banner: None,
            ssh: None,
            http: None,
            tls: None,
            rdp: None,
            vnc: None,
            tls_audit: None,
            rdp_audit: None,
            ssh_audit: None,
            vnc_audit: None,
            smb_audit: None,
            snmp_audit: None,
            ssdp_audit: None,
            ike_audit: None,
            sslvpn: None,
            openvpn: None,
            pptp: None,
            l2tp: None,
            sstp: None,
            notes: Vec::new(),
        }
    }
}

/// Raw bytes from the network, carried safely: printable ASCII as is, everything else `\xNN`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Bytes {
    pub escaped: String,
    /// Total length received (the escaped text may be cut to a bounded prefix).
    pub length: usize,
}

impl Bytes {
    /// Longest prefix kept as evidence.
    pub const KEEP: usize = 512;

    pub fn from_wire(raw: &[u8]) -> Self {
        let kept = &raw[..raw.len().min(Self::KEEP)];
        Bytes {
            escaped: kept.escape_ascii().to_string(),
            length: raw.len(),
        }
    }
}

/// RFC 4253 §4.2 identification string: `SSH-protoversion-softwareversion SP comments`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SshIdentification {
    pub protocol_version: String,
    pub software: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HttpIdentification {
    pub status_code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub www_authenticate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The raw `Strict-Transport-Security` value (RFC 6797), cut to 256 characters. Recorded for
    /// any response, but only meaningful over TLS (RFC 6797 §8.1: ignored over plain HTTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict_transport_security: Option<String>,
}

/// What a modern client (rustls, TLS 1.2/1.3) negotiated. The full audit of versions and suites
/// is the TLS engine's job; this is only enough to name the service and read its certificate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsIdentification {
    /// `TLSv1.2` or `TLSv1.3` when the handshake completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// Why the handshake did not complete, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub self_signed: bool,
    /// RFC 3339.
    pub not_before: String,
    pub not_after: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
    pub signature_algorithm: String,
    pub key_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_bits: Option<u32>,
    /// The named curve of an EC key (`P-256`, `P-384`, `P-521`, `secp256k1`…, or the OID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

/// The certificate chain a TLS server sent in one TLS 1.2/1.3 handshake, and the facts about it
/// (`probe::tls::chain`). Trust is judged against the scan's root store (`trust_store`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CertificateChain {
    /// Every certificate sent, in the order sent (leaf first). One that does not parse is left
    /// out, with a note.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateSummary>,
    /// How many certificates were received, parsed or not (at most 10 are kept: a longer chain
    /// counts 10).
    pub sent: u32,
    /// Each certificate's issuer name equals the next one's subject name (RFC 5246 §7.4.2, RFC
    /// 8446 §4.4.2). True for a single certificate; false when none was received or one does
    /// not parse.
    pub order_ok: bool,
    /// The leaf's issuer and subject are the same and its own key verifies its signature.
    pub leaf_self_signed: bool,
    /// The leaf is self-signed, or a certificate named as its issuer was sent. False for a
    /// CA-issued leaf sent alone: the intermediate is missing, unless the leaf was issued
    /// directly by a root.
    pub leaf_issuer_sent: bool,
    /// The name `hostname_matches` is about: the SNI name, else the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The leaf's subjectAltName covers `hostname` (RFC 6125 with rustls-webpki: DNS names with
    /// a left-most `*` label, IP addresses; the subject CN is not consulted). `None` when no
    /// chain was received, the leaf does not parse, or `hostname` is an address and the leaf
    /// has no IP address in its subjectAltName (nothing names the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname_matches: Option<bool>,
    /// The chain leads from the leaf to a root of `trust_store` through the certificates
    /// sent, every certificate valid now, for server authentication. The name is not part of
    /// this (see `hostname_matches`). `None` when no chain was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
    /// Why `trusted` is false: `unknown_issuer` (private CA, self-signed, or missing
    /// intermediate), `expired`, `not_yet_valid`, `bad_signature`,
    /// `unsupported_signature_algorithm`, `bad_encoding`, `invalid_purpose`,
    /// `ca_used_as_end_entity`, or another rustls-webpki reason in snake case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_error: Option<String>,
    /// The root store `trusted` was decided against: `mozilla (webpki-roots)`,
    /// `system (PATH)` or `file PATH (N roots)` (`--trust-store`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_store: Option<String>,
    /// The server stapled an OCSP response (status_request is always offered).
    pub ocsp_stapled: bool,
    /// Why the handshake did not complete. The certificates are still analysed when the server
    /// sent them before the failure; otherwise the other fields are empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_error: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What the TLS engine found on one port: every protocol version tried and, for each accepted
/// version, the exact set of cipher suites the server accepts. Suites are stored by IANA code
/// point with their names; what a suite *is* (export, CBC, AEAD…) comes from the registry at
/// evaluation time, so a saved scan is judged with current knowledge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsAudit {
    /// How the audit as a whole ended (`success` when at least one handshake was answered).
    pub status: ProbeStatus,
    /// The server name sent in SNI, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Connections the audit opened.
    pub handshakes: u32,
    pub versions: Vec<TlsVersionSupport>,
    /// The certificate chain, fetched with one more handshake (not counted in `handshakes`)
    /// when the server answered at least one hello.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_chain: Option<CertificateChain>,
    /// Key-exchange groups the server accepts: for TLS 1.3 (ServerHello or HelloRetryRequest
    /// naming the group) and for ECDHE at the best version up to TLS 1.2 (the curve of its
    /// ServerKeyExchange). Empty when not tested; see `notes` for why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<TlsGroupSupport>,
    /// Smallest DH prime (bits) seen in a DHE ServerKeyExchange; `None` when no DHE suite was
    /// accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dh_prime_bits: Option<u32>,
    /// Protocol options (renegotiation, compression, fallback SCSV, heartbeat, tickets, ALPN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<TlsOptions>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One protocol version: offered alone, did the server take it, and with which suites.
///
/// No `deny_unknown_fields`: serde does not support it with the flattened `support`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TlsVersionSupport {
    /// `SSLv2`, `SSLv3`, `TLSv1.0`, `TLSv1.1`, `TLSv1.2` or `TLSv1.3`.
    pub version: String,
    #[serde(flatten)]
    pub support: TlsSupport,
    /// Accepted suites; in the server's preference order when `server_preference` is true.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<TlsCipherSuite>,
    /// Whether the server picks by its own order rather than the client's; `None` if not tested
    /// (fewer than two suites accepted, or the test did not complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_preference: Option<bool>,
    /// False when the suite enumeration stopped early (deadline, budget, errors); the list is then
    /// a lower bound.
    pub enumeration_complete: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "support", rename_all = "snake_case", deny_unknown_fields)]
pub enum TlsSupport {
    Accepted,
    /// The server refused the version (alert, reset, or a lower version in its answer).
    Rejected {
        reason: String,
    },
    NotTested {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsCipherSuite {
    /// IANA code point.
    pub code: u16,
    /// IANA name, or `0xNNNN` when the registry does not know the code point.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openssl_name: Option<String>,
}

/// One key-exchange group the server accepted at one version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsGroupSupport {
    /// Registry name (`x25519`, `secp256r1`, `X25519MLKEM768`, `ffdhe2048`…), or `0xnnnn`.
    pub name: String,
    /// IANA TLS Supported Groups code point.
    pub code: u16,
    /// `TLSv1.3`, or the version up to TLS 1.2 whose ECDHE curves were tested.
    pub version: String,
}

/// TLS protocol options. Each is `None` when it could not be tested (never a guess).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsOptions {
    /// RFC 5746: the server answered our renegotiation_info with its own (TLS 1.2 and below).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_renegotiation: Option<bool>,
    /// The server picked DEFLATE when offered DEFLATE and null (RFC 3749).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<bool>,
    /// RFC 7507: a hello below the server's highest version with TLS_FALLBACK_SCSV got an
    /// inappropriate_fallback alert (true) or a ServerHello (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_scsv: Option<bool>,
    /// RFC 6520: the server echoed the heartbeat extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<bool>,
    /// CVE-2014-0160, tested safely (only when `heartbeat` is true): the server answered a
    /// heartbeat request whose payload_length leaves no room for the padding, echoing bytes of
    /// our own record (true); it dropped that request, answered only a well-formed one, or sent
    /// no heartbeat response (false). No byte of server memory is ever asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbleed: Option<bool>,
    /// RFC 5077: the server echoed the empty SessionTicket extension (TLS 1.2 and below).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_ticket: Option<bool>,
    /// RFC 7301: the protocol the server chose from `h2`, `http/1.1` (TLS 1.2 and below, where
    /// the ServerHello is readable); empty when it chose none or could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
}

/// [MS-RDPBCGR] 2.2.1.2: the server's answer to an X.224 Connection Request with RDP_NEG_REQ.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RdpIdentification {
    /// Protocols offered in our RDP_NEG_REQ, as the flag names of [MS-RDPBCGR] 2.2.1.1.1.
    pub requested_protocols: Vec<String>,
    /// `selected:<protocol>`, `failure:<code>`, or `no_negotiation` (a server too old to negotiate).
    pub response: String,
}

/// The RDP audit of one port (`probe::rdp::audit`): each security protocol requested on its own
/// connection, what the server selected, and what could be read before any credential would be
/// needed. Facts only; every `Option` is `None` when it could not be tested, never a guess.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RdpAudit {
    /// TCP connections the audit opened (at most 6).
    pub connections: u32,
    /// One X.224 Connection Request with RDP_NEG_REQ per entry ([MS-RDPBCGR] 2.2.1.1.1), in the
    /// order sent, each on its own connection.
    pub negotiations: Vec<RdpNegotiation>,
    /// Protocols the server selected when they were requested (RDP_NEG_RSP `selectedProtocol`
    /// within our `requestedProtocols`), as [MS-RDPBCGR] 2.2.1.1.1 flag names. A protocol the
    /// server picked although it was not requested (e.g. `PROTOCOL_RDP` in answer to a CredSSP
    /// request) is not counted. `PROTOCOL_RDP` also counts when the server answered the
    /// Standard-RDP-Security request with a Connection Confirm without negotiation (a server that
    /// cannot negotiate uses Standard RDP Security, [MS-RDPBCGR] 1.3.1.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    /// Whether the server lets a client use Standard RDP Security (5.3): `PROTOCOL_RDP` selected
    /// (or no negotiation) when requested alone → true; an RDP_NEG_FAILURE → false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_rdp_security_allowed: Option<bool>,
    /// Whether the server insists on network-level authentication (CredSSP, 5.4.5.2): true only
    /// when the `PROTOCOL_RDP` and the `PROTOCOL_SSL` requests both got an RDP_NEG_FAILURE and
    /// a failure said `HYBRID_REQUIRED_BY_SERVER` or a CredSSP protocol was accepted; false when
    /// either of those two requests got its protocol selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nla_required: Option<bool>,
    /// The negotiation outcomes `nla_required` was decided from, e.g.
    /// `PROTOCOL_RDP: failure:HYBRID_REQUIRED_BY_SERVER; PROTOCOL_SSL: failure:HYBRID_REQUIRED_BY_SERVER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nla_evidence: Option<String>,
    /// Every RDP_NEG_RSP `flags` bit the server set in any response ([MS-RDPBCGR] 2.2.1.2.1:
    /// `EXTENDED_CLIENT_DATA_SUPPORTED`, `DYNVC_GFX_PROTOCOL_SUPPORTED`, `NEGRSP_FLAG_RESERVED`,
    /// `RESTRICTED_ADMIN_MODE_SUPPORTED`, `REDIRECTED_AUTHENTICATION_MODE_SUPPORTED`, `0x..`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_flags: Vec<String>,
    /// Standard RDP Security details from the MCS Connect Response, when `PROTOCOL_RDP` was
    /// selected and the response was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_security: Option<RdpStandardSecurity>,
    /// The TLS channel of Enhanced RDP Security (5.4.5.1) or CredSSP, when one was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<RdpTls>,
    /// What the server's NTLM CHALLENGE_MESSAGE said about it, when CredSSP was selected and the
    /// server answered our NEGOTIATE_MESSAGE. No AUTHENTICATE_MESSAGE is ever sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntlm: Option<NtlmInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One negotiation request and the server's answer ([MS-RDPBCGR] 2.2.1.1.1, 2.2.1.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RdpNegotiation {
    /// The protocol this request tests (`PROTOCOL_RDP`, `PROTOCOL_SSL`, `PROTOCOL_HYBRID`,
    /// `PROTOCOL_HYBRID_EX`, `PROTOCOL_RDSTLS`).
    pub protocol: String,
    /// The `requestedProtocols` flags sent (HYBRID_EX goes with HYBRID, as 2.2.1.1.1 asks).
    pub requested: Vec<String>,
    pub outcome: RdpNegotiationOutcome,
}

/// The server's answer to one RDP_NEG_REQ.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case", deny_unknown_fields)]
pub enum RdpNegotiationOutcome {
    /// RDP_NEG_RSP (2.2.1.2.1): `selectedProtocol` and the `flags` set in that response.
    Selected {
        protocol: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<String>,
    },
    /// RDP_NEG_FAILURE (2.2.1.2.2): `failureCode` by name, or `0x........`.
    Failure { code: String },
    /// A Connection Confirm without a negotiation structure (a server older than RDP 5.2).
    NoNegotiation,
    /// No usable answer (refused, closed, deadline, not an X.224 Connection Confirm).
    Error { error: String },
}

/// Standard RDP Security (5.3) as the server announced it in its MCS Connect Response
/// ([MS-RDPBCGR] 2.2.1.4): Server Core Data (2.2.1.4.2) and Server Security Data (2.2.1.4.3).
/// Read with a Client Security Data offering every method (40-, 56-, 128-bit and FIPS), so
/// `encryption_method` is the server's pick among all of them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RdpStandardSecurity {
    /// Server Core Data `version`, `0x000800NN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The RDP release that version stands for (`RDP 5.0-8.1`, `RDP 10.0`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version_name: Option<String>,
    /// The methods we offered in Client Security Data `encryptionMethods` (2.2.1.3.3).
    pub offered_methods: Vec<String>,
    /// Server Security Data `encryptionMethod`: `ENCRYPTION_METHOD_NONE`, `…_40BIT`, `…_56BIT`,
    /// `…_128BIT`, `…_FIPS`, or `0x........`.
    pub encryption_method: String,
    /// Server Security Data `encryptionLevel`: `ENCRYPTION_LEVEL_NONE`, `…_LOW`,
    /// `…_CLIENT_COMPATIBLE`, `…_HIGH`, `…_FIPS`, or `0x........`.
    pub encryption_level: String,
    /// `serverRandomLen` (32 when encryption is on, 0 otherwise).
    pub server_random_len: u32,
    /// `serverCertLen`.
    pub server_certificate_len: u32,
    /// `dwVersion` of the server certificate (2.2.1.4.3.1): `proprietary` or `x509`, with
    /// `temporary` when the t bit is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate_type: Option<String>,
}

/// The TLS handshake inside an RDP connection (after the X.224 exchange selected TLS or CredSSP).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RdpTls {
    /// The negotiated RDP protocol the handshake ran under (`PROTOCOL_SSL`, `PROTOCOL_HYBRID`…).
    pub rdp_protocol: String,
    /// `TLSv1.2` or `TLSv1.3` (rustls offers nothing older).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSummary>,
    /// Why the handshake did not complete, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_error: Option<String>,
}

/// Server facts from an NTLM CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2) received inside a CredSSP
/// TSRequest ([MS-CSSP] 2.2.1). Names come from the TargetInfo AV_PAIRs (2.2.2.1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NtlmInfo {
    /// The server's TSRequest `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credssp_version: Option<u32>,
    /// TargetName (domain or server name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// MsvAvNbComputerName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netbios_computer: Option<String>,
    /// MsvAvNbDomainName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netbios_domain: Option<String>,
    /// MsvAvDnsComputerName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_computer: Option<String>,
    /// MsvAvDnsDomainName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_domain: Option<String>,
    /// MsvAvDnsTreeName (the forest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_tree: Option<String>,
    /// MsvAvTimestamp, RFC 3339 (the server's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Version (2.2.2.10): `major.minor.build`, present when NTLMSSP_NEGOTIATE_VERSION is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// NegotiateFlags, `0x........`.
    pub negotiate_flags: String,
}

/// The SSH audit of one port (`probe::ssh::audit`): the server's identification string, the
/// algorithm lists of its SSH_MSG_KEXINIT, and, when a key exchange with it completed, its host
/// key(s) and the authentication methods it offers to an unknown user. Facts only; `None` or an
/// empty list means "not observed", never a guess. No password or key is ever sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SshAudit {
    /// TCP connections the audit opened (at most 2).
    pub connections: u32,
    /// RFC 4253 §4.2 identification string of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification: Option<SshIdentification>,
    /// RFC 4253 §7.1 `kex_algorithms` of the server's SSH_MSG_KEXINIT, in the server's order and
    /// as sent, so it includes the pseudo-algorithms that only signal extensions
    /// (`ext-info-s`, RFC 8308 §2.1; `kex-strict-s-v00@openssh.com`, OpenSSH PROTOCOL §1.10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kex_algorithms: Vec<String>,
    /// RFC 4253 §7.1 `server_host_key_algorithms`: the signature algorithms the server can
    /// prove its identity with (one per host key it holds, more for RSA: RFC 8332).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_key_algorithms: Vec<String>,
    /// RFC 4253 §7.1 `encryption_algorithms_client_to_server`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ciphers_client_to_server: Vec<String>,
    /// RFC 4253 §7.1 `encryption_algorithms_server_to_client`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ciphers_server_to_client: Vec<String>,
    /// RFC 4253 §7.1 `mac_algorithms_client_to_server`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macs_client_to_server: Vec<String>,
    /// RFC 4253 §7.1 `mac_algorithms_server_to_client`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macs_server_to_client: Vec<String>,
    /// RFC 4253 §7.1 `compression_algorithms_client_to_server` (`none`, `zlib`,
    /// `zlib@openssh.com`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compression_client_to_server: Vec<String>,
    /// RFC 4253 §7.1 `compression_algorithms_server_to_client`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compression_server_to_client: Vec<String>,
    /// Whether `kex_algorithms` holds `kex-strict-s-v00@openssh.com`: the server implements
    /// OpenSSH's strict key exchange, the mitigation of the Terrapin attack (CVE-2023-48795).
    /// `None` when no KEXINIT was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict_kex: Option<bool>,
    /// RFC 8308: whether the server supports extension negotiation: true when it announced
    /// `ext-info-s` or sent SSH_MSG_EXT_INFO after our `ext-info-c`; false when the key exchange
    /// completed and neither happened; `None` when that could not be seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_info: Option<bool>,
    /// RFC 8308 §3.1 `server-sig-algs` from the server's SSH_MSG_EXT_INFO: the public-key
    /// signature algorithms it accepts for user authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_sig_algs: Option<Vec<String>>,
    /// What edgeaudit's own key exchange with the server agreed on (RFC 4253 §7.1), when one
    /// was attempted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub negotiated: Vec<SshNegotiated>,
    /// Host keys read from SSH_MSG_KEX_ECDH_REPLY (RFC 5656 §4, RFC 8731 §3): one per key
    /// exchange, so at most one per connection. A server may hold more key types than listed
    /// here; `notes` says which were not fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_keys: Vec<SshHostKey>,
    /// RFC 4252 §5.2: the "authentications that can continue" from the SSH_MSG_USERAUTH_FAILURE
    /// answering a `none` request for a user that does not exist (`edgeaudit-probe`), e.g.
    /// `["publickey", "password", "keyboard-interactive"]`. `None` when not observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_methods: Option<Vec<String>>,
    /// RFC 4252 §5.2: the server answered the `none` request with SSH_MSG_USERAUTH_SUCCESS, i.e.
    /// it lets anyone in without authentication. `None` when no answer was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none_auth_accepted: Option<bool>,
    /// RFC 4252 §5.4 SSH_MSG_USERAUTH_BANNER text shown before authentication (bounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_banner: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The algorithms one of edgeaudit's key exchanges agreed on (RFC 4253 §7.1: the first
/// algorithm of the client's list that the server also lists).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SshNegotiated {
    pub kex: String,
    pub host_key_algorithm: String,
    /// Both directions use the same cipher: edgeaudit offers the same list each way.
    pub cipher: String,
    /// Whether both sides agreed on strict key exchange (`kex-strict-c/s-v00@openssh.com`).
    pub strict_kex: bool,
    /// Whether the key exchange completed (SSH_MSG_NEWKEYS both ways).
    pub completed: bool,
}

/// A server host key (RFC 4253 §6.6 public key formats; RFC 5656 §3.1; RFC 8709 §4).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SshHostKey {
    /// The key type named inside the key blob: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`,
    /// `ssh-dss`, ...
    pub key_type: String,
    /// The signature algorithm it was used with in the key exchange (`rsa-sha2-512` for an RSA
    /// key, RFC 8332; otherwise the key type).
    pub signature_algorithm: String,
    /// Key size: the RSA modulus or DSA `p` in bits, the curve size for ECDSA and EdDSA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// `SHA256:` and the unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -l`.
    pub fingerprint_sha256: String,
    /// Whether the server's signature over the exchange hash (RFC 4253 §8) verified with this
    /// key: `None` when edgeaudit cannot verify that algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_verified: Option<bool>,
}

/// RFB 6.1.1: the ProtocolVersion handshake string.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VncIdentification {
    pub protocol_version: String,
}

/// The IKE audit of one UDP port of a VPN gateway (`probe::ike`): what the responder accepts in
/// the first exchange of IKEv2 (IKE_SA_INIT, [RFC 7296] §1.2) and IKEv1 (Main Mode and Aggressive
/// Mode message 1, [RFC 2409] §5). Nothing goes past the responder's first answer. Facts only;
/// every `Option` is `None` when that part was not tested.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IkeAudit {
    /// UDP port audited (500, or 4500 with the non-ESP marker of [RFC 3948] §2.2).
    pub port: u16,
    /// Whether any IKE message came back, in either version.
    pub answered: bool,
    /// Datagrams sent, retransmissions included.
    pub packets_sent: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v2: Option<IkeV2Audit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v1: Option<IkeV1Audit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One algorithm as the responder chose it: the IANA number, its name, and the Key Length
/// attribute ([RFC 7296] §3.3.5, [RFC 2409] Appendix A class 14) when one was sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct IkeAlgorithm {
    pub id: u16,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_length: Option<u16>,
}

/// A Vendor ID payload ([RFC 2408] §3.16, [RFC 7296] §3.12) and what it is known to mean
/// (`data/ike-vendor-ids.tsv`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct IkeVendorId {
    pub hex: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// IKEv2: the transforms the responder accepted in IKE_SA_INIT, each found by offering many,
/// reading the one chosen and offering the rest again ([RFC 7296] §2.7, §3.3). Every listed
/// transform was chosen by the responder at least once, in combination with transforms of the
/// other types that it also accepts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IkeV2Audit {
    /// Whether any IKEv2 message came back (a NO_PROPOSAL_CHOSEN counts).
    pub answered: bool,
    /// Transform type 1 (ENCR), one entry per key length.
    pub accepted_encryption: Vec<IkeAlgorithm>,
    /// Transform type 2 (PRF).
    pub accepted_prf: Vec<IkeAlgorithm>,
    /// Transform type 3 (INTEG); empty when only combined-mode ciphers are accepted.
    pub accepted_integrity: Vec<IkeAlgorithm>,
    /// Transform type 4 (D-H group), from SA responses and INVALID_KE_PAYLOAD ([RFC 7296] §1.2).
    pub accepted_groups: Vec<IkeAlgorithm>,
    /// The responder asked for a COOKIE ([RFC 7296] §2.6) before answering.
    pub cookie_required: bool,
    /// Every offer was answered to the end (a NO_PROPOSAL_CHOSEN closed each step); false when
    /// the responder fell silent or a limit was reached, so the lists may be short.
    pub enumeration_complete: bool,
    /// IKE_SA_INIT requests sent (distinct requests, not counting retransmissions).
    pub requests: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendor_ids: Vec<IkeVendorId>,
    /// Notify types the responder sent with its answers (names of [RFC 7296] §3.10.1 or numbers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One IKEv1 phase 1 transform the responder accepted ([RFC 2409] Appendix A attributes).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct IkeV1Transform {
    /// Encryption Algorithm (class 1) with the Key Length (class 14) when sent.
    pub encryption: IkeAlgorithm,
    /// Hash Algorithm (class 2).
    pub hash: IkeAlgorithm,
    /// Authentication Method (class 3), including the XAUTH and hybrid values 64221–65010.
    pub auth: IkeAlgorithm,
    /// Group Description (class 4).
    pub group: IkeAlgorithm,
}

/// IKEv1: Main Mode message 1 offers and one Aggressive Mode message 1.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IkeV1Audit {
    /// Whether any IKEv1 message came back.
    pub answered: bool,
    /// Transforms the responder chose in Main Mode message 2, one per offer (each chosen one
    /// is removed from the next offer), in the order chosen.
    pub main_mode_transforms: Vec<IkeV1Transform>,
    /// Every Main Mode offer was answered to the end.
    pub main_mode_complete: bool,
    /// Aggressive Mode with a pre-shared key ([RFC 2409] §5.4): true when the responder sent
    /// message 2 — which carries a hash of the PSK that can be attacked offline (not recorded);
    /// false when it refused with a notification; `None` when not tested or not answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggressive_mode: Option<bool>,
    /// The transform chosen in Aggressive Mode message 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggressive_mode_transform: Option<IkeV1Transform>,
    /// The notification that refused Aggressive Mode, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggressive_mode_refusal: Option<String>,
    /// IKEv1 requests sent (not counting retransmissions).
    pub requests: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendor_ids: Vec<IkeVendorId>,
    /// NAT traversal Vendor ID seen (RFC 3947 or one of its drafts).
    pub nat_t: bool,
    /// Dead Peer Detection Vendor ID seen ([RFC 3706] §3.2).
    pub dpd: bool,
    /// XAUTH Vendor ID seen, or an XAUTH authentication method chosen.
    pub xauth: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The VNC security handshake of one port (`probe::vnc`, RFC 6143 §7.1): the server's
/// ProtocolVersion, the version we answered, and the security types it offered. No type is ever
/// chosen: the connection is closed after the list. Facts only; `None` = not learnt.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VncAudit {
    /// The server's ProtocolVersion (§7.1.1) as sent, e.g. `003.008`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// The version we answered with (`3.3`, `3.7` or `3.8`), which decides the shape of the
    /// security message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negotiated_version: Option<String>,
    /// The offered security types (§7.1.2; RFB 3.3: the single type the server chose), in the
    /// server's order, named from the IANA "RFB Security Types" registry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_types: Vec<VncSecurityType>,
    /// Whether type 1 (None: no authentication at all) is offered; `None` when the list was
    /// not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_auth: Option<bool>,
    /// The reason string of a security-type count of 0 (§7.1.2), escaped and bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One RFB security type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VncSecurityType {
    /// The type number (one byte in RFB 3.7/3.8, a U32 in 3.3).
    pub code: u32,
    pub name: String,
}

/// The SMB dialect negotiation of one port (`probe::smb`): SMB1 and SMB2/3 NEGOTIATE only, never
/// SESSION_SETUP. Facts only; `None` = not learnt.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmbAudit {
    /// TCP connections the audit opened.
    pub connections: u32,
    /// Whether an SMB1 NEGOTIATE offering only `NT LM 0.12` ([MS-CIFS] 2.2.4.52) was answered
    /// with an SMB1 response selecting it (true) or refused, closed or answered otherwise (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smb1_accepted: Option<bool>,
    /// What an SMB1 NEGOTIATE offering `NT LM 0.12`, `SMB 2.002` and `SMB 2.???` got
    /// ([MS-SMB2] 3.3.5.3.1): `smb1:NT LM 0.12`, `smb2:0x02ff` (switch to SMB2 with a second
    /// NEGOTIATE), `smb2:0x0202`, or `no answer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_protocol_answer: Option<String>,
    /// SMB2/3 dialects the server selected ([MS-SMB2] 2.2.4 DialectRevision), found by offering
    /// 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1 and removing each selected one in turn; in the order
    /// found (`2.0.2`, `2.1`, `3.0`, `3.0.2`, `3.1.1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dialects: Vec<String>,
    /// Whether `dialects` is the whole accepted set (the last offer was refused).
    #[serde(default)]
    pub dialects_complete: bool,
    /// SecurityMode of the first SMB2 NEGOTIATE response: SMB2_NEGOTIATE_SIGNING_ENABLED (0x01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_enabled: Option<bool>,
    /// SecurityMode: SMB2_NEGOTIATE_SIGNING_REQUIRED (0x02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_required: Option<bool>,
    /// Capabilities of the first response, as [MS-SMB2] 2.2.4 flag names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// ServerGuid, in the usual registry form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_guid: Option<String>,
    /// SMB 3.1.1: the cipher of SMB2_ENCRYPTION_CAPABILITIES ([MS-SMB2] 2.2.3.1.2); the server
    /// answers with the one it chose from our list (empty list: no encryption).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub encryption_ciphers: Vec<String>,
    /// SMB 3.1.1: the hash of SMB2_PREAUTH_INTEGRITY_CAPABILITIES (2.2.3.1.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preauth_hashes: Vec<String>,
    /// SMB 3.1.1: SMB2_SIGNING_CAPABILITIES (2.2.3.1.7), when the server answered it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_algorithms: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// SNMP over UDP (`probe::snmp`): one GetRequest for sysDescr.0 per version with community
/// `public`. A silent port cannot be told apart from a filtered one or a wrong community (RFC
/// 3416 §4.1: agents drop such requests), so no answer is `Some(false)` with a note, and only an
/// ICMP port unreachable says "closed".
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SnmpAudit {
    /// Whether an SNMPv1 (RFC 1157) GetRequest with community `public` got a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v1_public: Option<bool>,
    /// Whether an SNMPv2c (RFC 1901, RFC 3416) GetRequest with community `public` got a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v2c_public: Option<bool>,
    /// sysDescr.0 (RFC 3418), escaped and bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys_descr: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A unicast SSDP M-SEARCH (`probe::ssdp`, UPnP Device Architecture 1.1 §1.3.3) and the answers
/// read before the deadline.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SsdpAudit {
    pub answered: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<SsdpResponse>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The headers of one M-SEARCH response that say what answered (escaped, bounded).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SsdpResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub st: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// The SSL-VPN portal probe of one port (`probe::sslvpn`): the fixed, harmless GET requests it
/// sent, the products their answers point to, and the known-exploited vulnerabilities recorded for
/// those products. Facts and data-file lookups only; profiles decide what is a finding.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SslVpnObservation {
    /// Every request sent, in order (at most 8).
    pub requests: Vec<SslVpnRequest>,
    /// Products that reached the fingerprint file's minimum score, best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<PortalMatch>,
    /// Known-exploited vulnerabilities of the best product, one per CVE of the KEV data file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<VulnMatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One GET request of the SSL-VPN probe and what came back.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SslVpnRequest {
    pub path: String,
    /// The HTTP status code; `None` when no HTTP answer was read (see `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Bytes of the answer read (bounded).
    pub bytes: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Why no whole answer was read (deadline, connection closed, size limit, TLS error…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A product the answers point to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PortalMatch {
    /// The product id of `data/sslvpn-fingerprints.toml` (`fortinet_fortigate`, …).
    pub product: String,
    /// Its display name.
    pub name: String,
    /// Sum of the weights of the markers that matched.
    pub score: u32,
    /// One line per marker that matched: `GET /remote/login: body contains "fgt_lang" (+9)`.
    pub evidence: Vec<String>,
    /// The version the product states about itself, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where `version` was read: `GET /dana-na/nc/nc_gina_ver.txt body (firm)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_source: Option<String>,
}

/// Whether a known-exploited vulnerability applies to the version seen.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VulnStatus {
    /// The version is inside an affected range of the cited source.
    Affected,
    /// The version is outside every affected range of the cited source.
    NotAffected,
    /// No version was read, or the source's ranges cannot decide it: verify the patch level.
    VersionUnknown,
}

/// How much a [`VulnMatch`] rests on.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VulnConfidence {
    /// A version the product states in a version field, compared with a range the source words
    /// exactly.
    Firm,
    /// Anything weaker: no version, a version read from free text, or a range marked uncertain.
    Tentative,
}

/// One known-exploited vulnerability of a product, judged against the version seen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VulnMatch {
    pub cve: String,
    pub product: String,
    pub status: VulnStatus,
    pub confidence: VulnConfidence,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog (per the cited source).
    pub kev: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev_date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory_id: Option<String>,
    pub advisory_url: String,
    pub description: String,
    /// Why this status: `version 7.2.4 is within 7.2.0 to 7.2.4 (last affected)`.
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// VPN gateways (`probe::vpn`). Not part of `ServiceObservation` yet: the engine wires them in.
// ---------------------------------------------------------------------------------------------

/// How one VPN probe ended. Silence is never read as "closed": UDP has no handshake, and OpenVPN
/// with `tls-auth`/`tls-crypt` drops unauthenticated packets without a word.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VpnProbeResult {
    /// The server answered in the probed protocol (the protocol is identified).
    Answered,
    /// Nothing came back before the deadline, after every retry.
    NoAnswer,
    /// Connection refused (TCP) or ICMP port unreachable (UDP): nothing listens.
    Refused,
    /// Something answered, but not in the probed protocol.
    Unrecognised,
    /// The answer was in the probed protocol but broke its rules (or was cut short).
    ProtocolError,
    /// The probe did not run (deadline, connection budget, local error); `detail` says why.
    NotTested,
}

/// The OpenVPN control-channel probe (`probe::vpn::openvpn`): one
/// `P_CONTROL_HARD_RESET_CLIENT_V2` without HMAC (OpenVPN's "Protocol" in its source tree,
/// `ssl_pkt.h`/`reliable.h`; the OpenVPN RFC draft, §"Packet Types").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OpenVpnObservation {
    pub transport: Transport,
    pub port: u16,
    pub result: VpnProbeResult,
    /// Requests sent (UDP retries; 1 over TCP).
    pub attempts: u32,
    /// The opcode of the server's first packet (`P_CONTROL_HARD_RESET_SERVER_V2`, `P_ACK_V1`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_opcode: Option<String>,
    /// The answer carried the server's own 8-byte session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_session_id_present: Option<bool>,
    /// The answer acknowledged our packet (ack array with our session id as remote session id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_our_session: Option<bool>,
    /// The server answered a packet carrying no HMAC: neither `tls-auth` nor `tls-crypt` is in
    /// use. `None` when there was no answer (silence does not prove either).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers_without_hmac: Option<bool>,
    /// Why the result is what it is, in words (always set for `no_answer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The PPTP probe (`probe::vpn::pptp`): the Start-Control-Connection-Reply to our
/// Start-Control-Connection-Request (RFC 2637 §2.1, §2.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PptpObservation {
    pub port: u16,
    pub result: VpnProbeResult,
    /// `Protocol Version`, `major.minor` (1.0 is the only one defined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// `Result Code` (1 = successful channel establishment, 2 general error, 3 command channel
    /// exists, 4 not authorized, 5 unsupported protocol version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<u8>,
    /// The name of `result_code` from RFC 2637 §2.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_name: Option<String>,
    /// `Error Code` (§2.16: 0 none … 6 PAC error), meaningful when `result_code` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u8>,
    /// `Framing Capabilities` bits by name (`asynchronous`, `synchronous`, `0x........`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub framing_capabilities: Vec<String>,
    /// `Bearer Capabilities` bits by name (`analog`, `digital`, `0x........`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bearer_capabilities: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_channels: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_revision: Option<u16>,
    /// `Host Name` (64 bytes, NUL-padded), printable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// `Vendor String` (64 bytes, NUL-padded), printable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The L2TP probe (`probe::vpn::l2tp`): the answer to our SCCRQ (RFC 2661 §6.1, §6.2), usually
/// an SCCRP, or a StopCCN carrying a Result Code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct L2tpObservation {
    pub port: u16,
    pub result: VpnProbeResult,
    pub attempts: u32,
    /// `SCCRP`, `StopCCN`, … (Message Type AVP, §4.4.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// Protocol Version AVP, `version.revision` (1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_revision: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_tunnel_id: Option<u16>,
    /// Framing Capabilities AVP bits by name (`synchronous`, `asynchronous`, `0x........`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub framing_capabilities: Vec<String>,
    /// Bearer Capabilities AVP bits by name (`digital`, `analog`, `0x........`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bearer_capabilities: Vec<String>,
    /// Result Code AVP (§4.4.2): result code, error code and message, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The SCCRP carried a Challenge AVP: the LNS authenticates tunnels with a shared secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_present: Option<bool>,
    /// Attribute types of AVPs with the H bit set (hidden with the tunnel secret; not read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden_avps: Vec<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One HTTP response header as received (name as sent, value printable).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// The SSTP probe (`probe::vpn::sstp`): the HTTP answer to `SSTP_DUPLEX_POST` over TLS
/// ([MS-SSTP] 2.2.2, 2.2.3, 3.2.5.1). `answered` means HTTP status 200.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SstpObservation {
    pub port: u16,
    /// The `Host` header sent (and the TLS server name when it is a DNS name).
    pub host: String,
    pub result: VpnProbeResult,
    /// The TLS version negotiated before the request (`TLSv1.2`, `TLSv1.3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The whole status line, printable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_line: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HttpHeader>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_vantage_is_inside_for_internal_addresses_only() {
        let auto = VantageChoice::Auto;
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert_eq!(
                auto.apply(inside.parse().unwrap()),
                Vantage::Inside,
                "{inside}"
            );
        }
        for outside in [
            "8.8.8.8",
            "203.0.113.5",
            "100.128.0.1",
            "2001:db8::1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(
                auto.apply(outside.parse().unwrap()),
                Vantage::Outside,
                "{outside}"
            );
        }
        assert_eq!(
            VantageChoice::Outside.apply("127.0.0.1".parse().unwrap()),
            Vantage::Outside
        );
        assert_eq!(
            VantageChoice::Inside.apply("8.8.8.8".parse().unwrap()),
            Vantage::Inside
        );
    }

    #[test]
    fn wire_bytes_are_escaped_and_bounded() {
        let b = Bytes::from_wire(b"SSH-2.0-x\r\n\xff\x00");
        assert_eq!(b.escaped, "SSH-2.0-x\\r\\n\\xff\\x00");
        assert_eq!(b.length, 13);
        let long = vec![b'a'; 2000];
        let b = Bytes::from_wire(&long);
        assert_eq!(b.escaped.len(), Bytes::KEEP);
        assert_eq!(b.length, 2000);
    }

    #[test]
    fn tls_version_support_round_trips_through_json() {
        // Flattened enums and deny_unknown_fields do not mix in serde: this pins that a saved
        // TLS audit can be read back.
        let version = TlsVersionSupport {
            version: "TLSv1.0".into(),
            support: TlsSupport::Rejected {
                reason: "protocol_version".into(),
            },
            cipher_suites: vec![TlsCipherSuite {
                code: 0x002F,
                name: "TLS_RSA_WITH_AES_128_CBC_SHA".into(),
                openssl_name: Some("AES128-SHA".into()),
            }],
            server_preference: Some(true),
            enumeration_complete: false,
        };
        let json = serde_json::to_value(&version).unwrap();
        assert_eq!(json["support"], "rejected");
        assert_eq!(json["reason"], "protocol_version");
        let back: TlsVersionSupport = serde_json::from_value(json).unwrap();
        assert_eq!(back, version);
    }

    #[test]
    fn rdp_audit_round_trips_through_json() {
        let audit = RdpAudit {
            connections: 5,
            negotiations: vec![
                RdpNegotiation {
                    protocol: "PROTOCOL_RDP".into(),
                    requested: vec!["PROTOCOL_RDP".into()],
                    outcome: RdpNegotiationOutcome::Selected {
                        protocol: "PROTOCOL_RDP".into(),
                        flags: vec!["EXTENDED_CLIENT_DATA_SUPPORTED".into()],
                    },
                },
                RdpNegotiation {
                    protocol: "PROTOCOL_SSL".into(),
                    requested: vec!["PROTOCOL_SSL".into()],
                    outcome: RdpNegotiationOutcome::Failure {
                        code: "SSL_NOT_ALLOWED_BY_SERVER".into(),
                    },
                },
                RdpNegotiation {
                    protocol: "PROTOCOL_HYBRID".into(),
                    requested: vec!["PROTOCOL_HYBRID".into()],
                    outcome: RdpNegotiationOutcome::NoNegotiation,
                },
                RdpNegotiation {
                    protocol: "PROTOCOL_RDSTLS".into(),
                    requested: vec!["PROTOCOL_RDSTLS".into()],
                    outcome: RdpNegotiationOutcome::Error {
                        error: "closed".into(),
                    },
                },
            ],
            accepted: vec!["PROTOCOL_RDP".into()],
            standard_rdp_security_allowed: Some(true),
            nla_required: Some(false),
            nla_evidence: Some("PROTOCOL_RDP: selected:PROTOCOL_RDP".into()),
            server_flags: vec!["EXTENDED_CLIENT_DATA_SUPPORTED".into()],
            standard_security: Some(RdpStandardSecurity {
                server_version: Some("0x00080004".into()),
                server_version_name: Some("RDP 5.0-8.1".into()),
                offered_methods: vec!["ENCRYPTION_METHOD_40BIT".into()],
                encryption_method: "ENCRYPTION_METHOD_128BIT".into(),
                encryption_level: "ENCRYPTION_LEVEL_HIGH".into(),
                server_random_len: 32,
                server_certificate_len: 184,
                server_certificate_type: Some("proprietary".into()),
            }),
            tls: Some(RdpTls {
                rdp_protocol: "PROTOCOL_SSL".into(),
                version: Some("TLSv1.3".into()),
                cipher_suite: None,
                certificate: None,
                handshake_error: Some("x".into()),
            }),
            ntlm: Some(NtlmInfo {
                credssp_version: Some(6),
                target_name: Some("Server".into()),
                netbios_computer: Some("Server".into()),
                os_version: Some("6.0.6000".into()),
                negotiate_flags: "0xe28a8233".into(),
                ..NtlmInfo::default()
            }),
            notes: vec!["n".into()],
        };
        let json = serde_json::to_value(&audit).unwrap();
        assert_eq!(json["negotiations"][0]["outcome"]["result"], "selected");
        assert_eq!(
            json["negotiations"][1]["outcome"]["code"],
            "SSL_NOT_ALLOWED_BY_SERVER"
        );
        let back: RdpAudit = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, audit);
        // deny_unknown_fields holds at every level.
        let mut bad = json;
        bad["ntlm"]["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<RdpAudit>(bad).is_err());
        assert_eq!(
            serde_json::from_str::<RdpAudit>(r#"{"connections":0,"negotiations":[]}"#).unwrap(),
            RdpAudit::default()
        );
    }

    #[test]
    fn ssh_audit_round_trips_through_json() {
        let audit = SshAudit {
            connections: 1,
            identification: Some(SshIdentification {
                protocol_version: "2.0".into(),
                software: "OpenSSH_9.2p1".into(),
                comments: Some("Debian-2+deb12u3".into()),
            }),
            kex_algorithms: vec![
                "curve25519-sha256".into(),
                "kex-strict-s-v00@openssh.com".into(),
            ],
            host_key_algorithms: vec!["ssh-ed25519".into()],
            ciphers_client_to_server: vec!["chacha20-poly1305@openssh.com".into()],
            ciphers_server_to_client: vec!["chacha20-poly1305@openssh.com".into()],
            macs_client_to_server: vec!["hmac-sha2-256-etm@openssh.com".into()],
            macs_server_to_client: vec!["hmac-sha2-256-etm@openssh.com".into()],
            compression_client_to_server: vec!["none".into()],
            compression_server_to_client: vec!["none".into()],
            strict_kex: Some(true),
            ext_info: Some(true),
            server_sig_algs: Some(vec!["ssh-ed25519".into()]),
            negotiated: vec![SshNegotiated {
                kex: "curve25519-sha256".into(),
                host_key_algorithm: "ssh-ed25519".into(),
                cipher: "chacha20-poly1305@openssh.com".into(),
                strict_kex: true,
                completed: true,
            }],
            host_keys: vec![SshHostKey {
                key_type: "ssh-ed25519".into(),
                signature_algorithm: "ssh-ed25519".into(),
                bits: Some(256),
                fingerprint_sha256: "SHA256:abc".into(),
                signature_verified: Some(true),
            }],
            auth_methods: Some(vec!["publickey".into()]),
            none_auth_accepted: Some(false),
            auth_banner: None,
            notes: vec!["n".into()],
        };
        let json = serde_json::to_value(&audit).unwrap();
        assert_eq!(json["host_keys"][0]["bits"], 256);
        let back: SshAudit = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, audit);
        let mut bad = json;
        bad["host_keys"][0]["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<SshAudit>(bad).is_err());
        assert_eq!(
            serde_json::from_str::<SshAudit>(r#"{"connections":0}"#).unwrap(),
            SshAudit::default()
        );
    }

    #[test]
    fn ike_audit_round_trips_through_json() {
        let alg = |id, name: &str, key_length| IkeAlgorithm {
            id,
            name: name.into(),
            key_length,
        };
        let audit = IkeAudit {
            port: 500,
            answered: true,
            packets_sent: 9,
            v2: Some(IkeV2Audit {
                answered: true,
                accepted_encryption: vec![alg(12, "ENCR_AES_CBC", Some(128))],
                accepted_prf: vec![alg(2, "PRF_HMAC_SHA1", None)],
                accepted_integrity: vec![alg(2, "AUTH_HMAC_SHA1_96", None)],
                accepted_groups: vec![alg(2, "modp1024", None)],
                cookie_required: true,
                enumeration_complete: true,
                requests: 7,
                vendor_ids: vec![IkeVendorId {
                    hex: "882fe56d6fd20dbc2251613b2ebe5beb".into(),
                    name: Some("strongSwan".into()),
                }],
                notify_types: vec!["COOKIE".into()],
                notes: vec![],
            }),
            v1: Some(IkeV1Audit {
                answered: true,
                main_mode_transforms: vec![IkeV1Transform {
                    encryption: alg(7, "AES-CBC", Some(128)),
                    hash: alg(2, "SHA", None),
                    auth: alg(1, "PSK", None),
                    group: alg(2, "modp1024", None),
                }],
                main_mode_complete: false,
                aggressive_mode: Some(true),
                aggressive_mode_transform: None,
                aggressive_mode_refusal: None,
                requests: 3,
                vendor_ids: vec![],
                nat_t: true,
                dpd: true,
                xauth: false,
                notes: vec!["n".into()],
            }),
            notes: vec![],
        };
        let json = serde_json::to_value(&audit).unwrap();
        assert_eq!(json["v2"]["accepted_encryption"][0]["key_length"], 128);
        assert_eq!(json["v1"]["aggressive_mode"], true);
        let back: IkeAudit = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, audit);
        let mut bad = json;
        bad["v1"]["main_mode_transforms"][0]["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<IkeAudit>(bad).is_err());
        // `None` (not tested) stays absent, and a bare audit reads back.
        let bare = IkeAudit::default();
        let json = serde_json::to_string(&bare).unwrap();
        assert_eq!(json, r#"{"port":0,"answered":false,"packets_sent":0}"#);
        assert_eq!(serde_json::from_str::<IkeAudit>(&json).unwrap(), bare);
    }

    #[test]
    fn service_names_round_trip() {
        for kind in ServiceKind::ALL {
            assert_eq!(ServiceKind::from_name(kind.name()), Some(*kind));
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
    }

    #[test]
    fn misc_audits_round_trip_through_json() {
        let vnc = VncAudit {
            protocol_version: Some("003.008".into()),
            negotiated_version: Some("3.8".into()),
            security_types: vec![VncSecurityType {
                code: 1,
                name: "None".into(),
            }],
            no_auth: Some(true),
            failure_reason: None,
            notes: vec![],
        };
        let smb = SmbAudit {
            connections: 4,
            smb1_accepted: Some(false),
            multi_protocol_answer: Some("smb2:0x02ff".into()),
            dialects: vec!["3.1.1".into(), "3.0.2".into()],
            dialects_complete: true,
            signing_enabled: Some(true),
            signing_required: Some(false),
            capabilities: vec!["SMB2_GLOBAL_CAP_DFS".into()],
            server_guid: Some("00000000-0000-0000-0000-000000000000".into()),
            encryption_ciphers: vec!["AES-128-GCM".into()],
            preauth_hashes: vec!["SHA-512".into()],
            signing_algorithms: vec![],
            notes: vec!["n".into()],
        };
        let snmp = SnmpAudit {
            v1_public: Some(true),
            v2c_public: Some(false),
            sys_descr: Some("edgeaudit lab".into()),
            notes: vec![],
        };
        let ssdp = SsdpAudit {
            answered: true,
            responses: vec![SsdpResponse {
                server: Some("Linux UPnP/1.0".into()),
                st: Some("upnp:rootdevice".into()),
                usn: None,
                location: Some("http://127.0.0.1:5000/rootDesc.xml".into()),
            }],
            notes: vec![],
        };
        fn check<T>(value: &T)
        where
            T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug,
        {
            let json = serde_json::to_value(value).unwrap();
            let back: T = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(&back, value);
            let mut bad = json;
            bad["unexpected"] = serde_json::json!(1);
            assert!(serde_json::from_value::<T>(bad).is_err());
        }
        check(&vnc);
        check(&smb);
        check(&snmp);
        check(&ssdp);
        assert_eq!(
            serde_json::from_str::<SmbAudit>(r#"{"connections":0}"#).unwrap(),
            SmbAudit::default()
        );
        assert_eq!(
            serde_json::from_str::<SsdpAudit>(r#"{"answered":false}"#).unwrap(),
            SsdpAudit::default()
        );
    }
}

#[test]
fn sslvpn_observation_round_trips_through_json() {
    let obs = SslVpnObservation {
        requests: vec![
            SslVpnRequest {
                path: "/".into(),
                status: Some(200),
                bytes: 120,
                server: Some("xxxxxxxx-xxxxx".into()),
                location: None,
                title: Some("t".into()),
                error: None,
            },
            SslVpnRequest {
                path: "/remote/login".into(),
                error: Some("no answer before the deadline".into()),
                ..SslVpnRequest::default()
            },
        ],
        products: vec![PortalMatch {
            product: "fortinet_fortigate".into(),
            name: "Fortinet FortiGate".into(),
            score: 20,
            evidence: vec!["GET /: header Server contains \"xxxxxxxx-xxxxx\" (+10)".into()],
            version: Some("7.2.4".into()),
            version_source: Some("GET / body (firm)".into()),
        }],
        vulnerabilities: vec![VulnMatch {
            cve: "CVE-2023-27997".into(),
            product: "fortinet_fortigate".into(),
            status: VulnStatus::VersionUnknown,
            confidence: VulnConfidence::Tentative,
            kev: true,
            kev_date_added: None,
            advisory_id: Some("FG-IR-23-097".into()),
            advisory_url: "https://example.invalid/".into(),
            description: "d".into(),
            reason: "r".into(),
        }],
        notes: vec!["n".into()],
    };
    let json = serde_json::to_value(&obs).unwrap();
    assert_eq!(json["vulnerabilities"][0]["status"], "version_unknown");
    assert_eq!(json["vulnerabilities"][0]["confidence"], "tentative");
    let back: SslVpnObservation = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, obs);
    let mut bad = json;
    bad["products"][0]["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<SslVpnObservation>(bad).is_err());
    assert_eq!(
        serde_json::from_str::<SslVpnObservation>(r#"{"requests":[]}"#).unwrap(),
        SslVpnObservation::default()
    );
}
#[test]
fn vpn_observations_round_trip_through_json() {
    let openvpn = OpenVpnObservation {
        transport: Transport::Udp,
        port: 1194,
        result: VpnProbeResult::NoAnswer,
        attempts: 3,
        server_opcode: None,
        server_session_id_present: None,
        acknowledged_our_session: None,
        answers_without_hmac: None,
        detail: Some("no answer".into()),
        notes: vec![],
    };
    let pptp = PptpObservation {
        port: 1723,
        result: VpnProbeResult::Answered,
        protocol_version: Some("1.0".into()),
        result_code: Some(1),
        result_name: Some("successful channel establishment".into()),
        error_code: Some(0),
        framing_capabilities: vec!["asynchronous".into()],
        bearer_capabilities: vec!["analog".into()],
        maximum_channels: Some(0),
        firmware_revision: Some(1),
        host_name: Some("local".into()),
        vendor: Some("linux".into()),
        detail: None,
        notes: vec!["n".into()],
    };
    let l2tp = L2tpObservation {
        port: 1701,
        result: VpnProbeResult::Answered,
        attempts: 1,
        message_type: Some("SCCRP".into()),
        protocol_version: Some("1.0".into()),
        host_name: Some("lns".into()),
        vendor_name: Some("xelerance.com".into()),
        firmware_revision: Some(0x690),
        assigned_tunnel_id: Some(7),
        framing_capabilities: vec!["synchronous".into()],
        bearer_capabilities: vec![],
        result_code: None,
        error_code: None,
        error_message: None,
        challenge_present: Some(false),
        hidden_avps: vec![9],
        detail: None,
        notes: vec![],
    };
    let sstp = SstpObservation {
        port: 443,
        host: "vpn.example".into(),
        result: VpnProbeResult::Answered,
        tls_version: Some("TLSv1.3".into()),
        http_status: Some(200),
        status_line: Some("HTTP/1.1 200 OK".into()),
        headers: vec![HttpHeader {
            name: "Server".into(),
            value: "Microsoft-HTTPAPI/2.0".into(),
        }],
        detail: None,
        notes: vec![],
    };
    let json = serde_json::to_value(&openvpn).unwrap();
    assert_eq!(json["transport"], "udp");
    assert_eq!(json["result"], "no_answer");
    assert!(json.get("server_opcode").is_none());
    assert_eq!(
        serde_json::from_value::<OpenVpnObservation>(json).unwrap(),
        openvpn
    );
    let json = serde_json::to_value(&pptp).unwrap();
    assert_eq!(
        serde_json::from_value::<PptpObservation>(json).unwrap(),
        pptp
    );
    let json = serde_json::to_value(&l2tp).unwrap();
    assert_eq!(
        serde_json::from_value::<L2tpObservation>(json).unwrap(),
        l2tp
    );
    let mut json = serde_json::to_value(&sstp).unwrap();
    assert_eq!(json["headers"][0]["name"], "Server");
    assert_eq!(
        serde_json::from_value::<SstpObservation>(json.clone()).unwrap(),
        sstp
    );
    json["headers"][0]["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<SstpObservation>(json).is_err());
}
