//! The engine: turns a plan into a `Scan`. It decides what runs when and for how long; it never
//! interprets what it sees (probes observe, profiles judge) and never prints (the CLI reads
//! `Progress`).

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::observation::{
    HostObservation, IdentificationMethod, PortObservation, PortState, ProbeStatus, Resolution,
    Scan, ScanSettings, ServiceKind, ServiceObservation, TargetObservation, ToolInfo, Transport,
    VantageChoice, VpnProbeResult, WifiSurvey, SCHEMA_VERSION,
};
use crate::probe::rdp::wire::Protocols;
use crate::probe::{self, ConnectionBudget, HostContext, ProbeConfig};
use crate::resolve::Resolver;
use crate::target::{Target, TargetSpec};

/// Everything a scan needs, already validated: the engine never sees command-line flags.
pub struct ScanPlan {
    pub targets: Vec<Target>,
    /// Ports for targets that did not name one.
    pub ports: Vec<u16>,
    pub vantage: VantageChoice,
    pub probe: ProbeConfig,
    /// Deadline for one address: its connect scan and identification together.
    pub host_timeout: Duration,
    /// Connections open at once over the whole scan.
    pub concurrency: usize,
    pub resolver: Resolver,
    /// Run the TLS engine (versions and cipher suites) on every port identified as TLS.
    pub tls_audit: bool,
    /// UDP services probed on every address of targets that did not name a port: the port and
    /// the protocol probe it gets (see [`UDP_PROBES`]).
    pub udp_ports: Vec<(u16, ServiceKind)>,
}

/// The UDP ports edgeaudit has a probe for, and the service each carries. UDP has no handshake:
/// a port is only "open" when the service answered its protocol.
pub const UDP_PROBES: &[(u16, ServiceKind)] = &[
    (161, ServiceKind::Snmp),
    (500, ServiceKind::Ike),
    (1194, ServiceKind::OpenVpn),
    (1701, ServiceKind::L2tp),
    (1900, ServiceKind::Ssdp),
    (4500, ServiceKind::Ike),
];

/// `--udp-ports`: `default`, `none`, or a comma-separated list of ports from [`UDP_PROBES`]
/// and `SERVICE:PORT` items for a service on another port (`snmp:10161`, `ike:4501`, `ssdp:1901`).
pub fn parse_udp_ports(spec: &str) -> Result<Vec<(u16, ServiceKind)>, String> {
    match spec.trim() {
        "default" => {
            return Ok(DEFAULT_UDP_PORTS
                .iter()
                .filter_map(|p| UDP_PROBES.iter().find(|(q, _)| q == p).copied())
                .collect())
        }
        "none" | "" => return Ok(Vec::new()),
        _ => {}
    }
    let known: Vec<String> = UDP_PROBES.iter().map(|(p, _)| p.to_string()).collect();
    let mut ports: Vec<(u16, ServiceKind)> = Vec::new();
    for item in spec.split(',').map(str::trim) {
        let (service, port_text) = match item.split_once(':') {
            Some((service, port)) => (Some(service.trim()), port.trim()),
            None => (None, item),
        };
        let port: u16 = port_text
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{item:?} is not a port number"))?;
        let kind = match service {
            Some(name) => match ServiceKind::from_name(name) {
                Some(
                    kind @ (ServiceKind::Snmp
                    | ServiceKind::Ike
                    | ServiceKind::Ssdp
                    | ServiceKind::OpenVpn
                    | ServiceKind::L2tp),
                ) => kind,
                _ => {
                    return Err(format!(
                        "no UDP probe for service {name:?} (UDP probes: snmp, ike, ssdp, openvpn, l2tp)"
                    ))
                }
            },
            None => match UDP_PROBES.iter().find(|(p, _)| *p == port) {
                Some((_, kind)) => *kind,
                None => {
                    return Err(format!(
                        "no UDP probe for port {port} (ports with a probe: {}; or SERVICE:PORT)",
                        known.join(", ")
                    ))
                }
            },
        };
        if !ports.iter().any(|(p, _)| *p == port) {
            ports.push((port, kind));
        }
    }
    Ok(ports)
}

#[cfg(test)]
mod udp_port_tests {
    use super::*;

    #[test]
    fn udp_port_specs() {
        assert_eq!(
            parse_udp_ports("default").unwrap(),
            [
                (161, ServiceKind::Snmp),
                (500, ServiceKind::Ike),
                (1194, ServiceKind::OpenVpn),
                (1701, ServiceKind::L2tp),
                (1900, ServiceKind::Ssdp)
            ]
        );
        assert!(parse_udp_ports("none").unwrap().is_empty());
        assert_eq!(
            parse_udp_ports("4500, snmp:10161").unwrap(),
            [(4500, ServiceKind::Ike), (10161, ServiceKind::Snmp)]
        );
        for bad in ["53", "ssh:22", "snmp:0", "x"] {
            assert!(parse_udp_ports(bad).is_err(), "{bad}");
        }
    }
}

/// UDP ports probed unless `--udp-ports` says otherwise (4500 repeats 500's IKE audit behind
/// NAT-T and is left to an explicit `--udp-ports`).
pub const DEFAULT_UDP_PORTS: &[u16] = &[161, 500, 1194, 1701, 1900];

/// Counters the engine advances and a progress display may read. Nothing else.
#[derive(Debug, Default)]
pub struct Progress {
    pub ports_planned: AtomicUsize,
    pub ports_done: AtomicUsize,
    pub targets_planned: AtomicUsize,
    pub targets_done: AtomicUsize,
}

impl Progress {
    pub fn snapshot(&self) -> (usize, usize, usize, usize) {
        (
            self.targets_done.load(Ordering::Relaxed),
            self.targets_planned.load(Ordering::Relaxed),
            self.ports_done.load(Ordering::Relaxed),
            self.ports_planned.load(Ordering::Relaxed),
        )
    }
}

/// Shared pieces every target task needs.
struct Shared {
    ports: Vec<u16>,
    vantage: VantageChoice,
    probe: ProbeConfig,
    host_timeout: Duration,
    resolver: Resolver,
    tls_audit: bool,
    udp_ports: Vec<(u16, ServiceKind)>,
    connection_slots: Arc<Semaphore>,
    /// Hosts scanned at once: enough to keep the connection slots busy, few enough that a host's
    /// deadline does not run out while it waits for slots taken by others.
    host_slots: Arc<Semaphore>,
    progress: Arc<Progress>,
}

/// Runs the plan to completion. Every target appears in the result, in the order given, whatever
/// happened to it: one target's failure never stops or hides another's.
pub async fn run(plan: ScanPlan, progress: Arc<Progress>) -> Scan {
    let started_at = now_rfc3339();
    let settings = ScanSettings {
        ports: plan.ports.clone(),
        connect_timeout_ms: millis(plan.probe.connect_timeout),
        target_timeout_ms: millis(plan.host_timeout),
        concurrency: plan.concurrency,
        per_host_concurrency: plan.probe.per_host_concurrency,
        per_host_connection_budget: plan.probe.per_host_connection_budget,
        resolver: plan.resolver.describe(),
    };
    let concurrency = plan.concurrency.max(1);
    let parallel_hosts = (concurrency / plan.probe.per_host_concurrency.max(1)).max(1);
    let shared = Arc::new(Shared {
        ports: plan.ports,
        vantage: plan.vantage,
        probe: plan.probe,
        host_timeout: plan.host_timeout,
        resolver: plan.resolver,
        tls_audit: plan.tls_audit,
        udp_ports: plan.udp_ports,
        connection_slots: Arc::new(Semaphore::new(concurrency)),
        host_slots: Arc::new(Semaphore::new(parallel_hosts)),
        progress: progress.clone(),
    });
    progress
        .targets_planned
        .store(plan.targets.len(), Ordering::Relaxed);

    let tasks: Vec<_> = plan
        .targets
        .into_iter()
        .map(|target| {
            let shared = shared.clone();
            let input = target.input.clone();
            (input, tokio::spawn(scan_target(shared, target)))
        })
        .collect();
    let mut targets = Vec::with_capacity(tasks.len());
    for (input, task) in tasks {
        let observation = task.await.unwrap_or_else(|e| {
            TargetObservation {
                input,
                resolution: Resolution::Literal,
                hosts: Vec::new(),
            }
            .with_internal_error(&e.to_string())
        });
        progress.targets_done.fetch_add(1, Ordering::Relaxed);
        targets.push(observation);
    }

    Scan {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        started_at,
        finished_at: now_rfc3339(),
        vantage_requested: shared.vantage,
        settings,
        targets,
        wifi: None,
    }
}

/// Where a Wi-Fi survey reads its frames.
#[derive(Debug, Clone)]
pub enum WifiSource {
    Capture(std::path::PathBuf),
    Interface {
        name: String,
        duration: Duration,
        max_frames: usize,
    },
}

/// Runs a Wi-Fi survey. Never fails: a file that is not a capture, or an interface that cannot
/// capture, is recorded in `WifiSurvey::error` (the report says "not tested").
pub fn run_wifi(source: &WifiSource, own_ssids: Vec<String>) -> Scan {
    let started_at = now_rfc3339();
    let (description, result) = match source {
        WifiSource::Capture(path) => (
            format!("capture {}", path.display()),
            std::fs::read(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|bytes| {
                    crate::wifi::read_capture(&bytes)
                        .map_err(|e| format!("{}: {e}", path.display()))
                }),
        ),
        WifiSource::Interface {
            name,
            duration,
            max_frames,
        } => (
            format!("interface {name} for {} s", duration.as_secs()),
            crate::wifi::live::capture_live(name, *duration, *max_frames)
                .map_err(|e| e.to_string()),
        ),
    };
    let (capture, error) = match result {
        Ok(summary) => (Some(summary), None),
        Err(e) => (None, Some(e)),
    };
    Scan {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        started_at,
        finished_at: now_rfc3339(),
        vantage_requested: VantageChoice::Inside,
        settings: ScanSettings {
            ports: Vec::new(),
            connect_timeout_ms: 0,
            target_timeout_ms: 0,
            concurrency: 0,
            per_host_concurrency: 0,
            per_host_connection_budget: 0,
            resolver: "none".into(),
        },
        targets: Vec::new(),
        wifi: Some(WifiSurvey {
            source: description,
            own_ssids,
            capture,
            error,
        }),
    }
}

impl TargetObservation {
    /// A target whose task died: reported as not tested rather than dropped from the report.
    fn with_internal_error(mut self, error: &str) -> Self {
        self.resolution = Resolution::Failed {
            name: self.input.clone(),
            resolver: String::new(),
            reason: format!("internal error while scanning this target: {error}"),
        };
        self
    }
}

async fn scan_target(shared: Arc<Shared>, target: Target) -> TargetObservation {
    let (resolution, addresses, ports) = match &target.spec {
        TargetSpec::Address { addr, port } => {
            (Resolution::Literal, vec![*addr], ports_for(&shared, *port))
        }
        TargetSpec::Network { .. } => (
            Resolution::Literal,
            target.spec.addresses(),
            shared.ports.clone(),
        ),
        TargetSpec::Name { name, port } => {
            let resolution = shared.resolver.resolve(name).await;
            let addresses = match &resolution {
                Resolution::Resolved { ipv4, ipv6, .. } => {
                    ipv4.iter().chain(ipv6).copied().collect()
                }
                _ => Vec::new(),
            };
            (resolution, addresses, ports_for(&shared, *port))
        }
    };

    let hostname = match &target.spec {
        TargetSpec::Name { name, .. } => Some(name.trim_end_matches('.').to_string()),
        _ => None,
    };
    // A target that names its port asks for that port only.
    let named_port = match &target.spec {
        TargetSpec::Address { port, .. } | TargetSpec::Name { port, .. } => port.is_some(),
        TargetSpec::Network { .. } => false,
    };
    let udp_ports = Arc::new(if named_port {
        Vec::new()
    } else {
        shared.udp_ports.clone()
    });
    shared.progress.ports_planned.fetch_add(
        addresses.len() * (ports.len() + udp_ports.len()),
        Ordering::Relaxed,
    );
    let ports = Arc::new(ports);
    let tasks: Vec<_> = addresses
        .into_iter()
        .map(|address| {
            let task = tokio::spawn(scan_address(
                shared.clone(),
                address,
                hostname.clone(),
                ports.clone(),
                udp_ports.clone(),
            ));
            (address, task)
        })
        .collect();
    let mut hosts = Vec::with_capacity(tasks.len());
    for (address, task) in tasks {
        hosts.push(task.await.unwrap_or_else(|e| HostObservation {
            address,
            vantage: shared.vantage.apply(address),
            ports: Vec::new(),
            incomplete: Some(format!("internal error while scanning this address: {e}")),
        }));
    }
    TargetObservation {
        input: target.input,
        resolution,
        hosts,
    }
}

fn ports_for(shared: &Shared, port: Option<u16>) -> Vec<u16> {
    match port {
        Some(port) => vec![port],
        None => shared.ports.clone(),
    }
}

async fn scan_address(
    shared: Arc<Shared>,
    address: IpAddr,
    hostname: Option<String>,
    ports: Arc<Vec<u16>>,
    udp_ports: Arc<Vec<(u16, ServiceKind)>>,
) -> HostObservation {
    // The semaphore is never closed, so acquiring cannot fail; hold the permit for the whole host.
    let _host_permit = shared.host_slots.clone().acquire_owned().await.ok();
    let progress = shared.progress.clone();
    let ctx = HostContext {
        address,
        hostname,
        config: shared.probe.clone(),
        global_slots: shared.connection_slots.clone(),
        host_slots: Arc::new(Semaphore::new(shared.probe.per_host_concurrency.max(1))),
        budget: Arc::new(ConnectionBudget::new(
            shared.probe.per_host_connection_budget,
        )),
        deadline: Instant::now() + shared.host_timeout,
        on_port_done: Arc::new(move || {
            progress.ports_done.fetch_add(1, Ordering::Relaxed);
        }),
    };
    let mut scanned = probe::scan_host(ctx.clone(), &ports).await;
    audit_rdp_ports(&ctx, &mut scanned.ports, shared.tls_audit).await;
    audit_ssh_ports(&ctx, &mut scanned.ports).await;
    audit_vnc_smb_ports(&ctx, &mut scanned.ports).await;
    probe_vpn_portals(&ctx, &mut scanned.ports).await;
    audit_tcp_vpn_ports(&ctx, &mut scanned.ports).await;
    let udp = probe_udp_ports(&ctx, &udp_ports).await;
    scanned.ports.extend(udp);
    if shared.tls_audit {
        audit_tls_ports(&ctx, &mut scanned.ports).await;
    }
    HostObservation {
        address,
        vantage: shared.vantage.apply(address),
        ports: scanned.ports,
        incomplete: scanned.incomplete,
    }
}

/// Runs the RDP audit on every port identified as RDP, then (unless `tls_audit` is off) the TLS
/// engine over the RDP channel when the server accepts a TLS-based security protocol. One port at
/// a time; each RDP connection is taken from the host's slots and budget like any other.
async fn audit_rdp_ports(ctx: &HostContext, ports: &mut [PortObservation], tls_audit: bool) {
    let sni = ctx
        .hostname
        .as_deref()
        .filter(|name| name.parse::<IpAddr>().is_err());
    for port in ports.iter_mut() {
        let Some(service) = port.service.as_mut() else {
            continue;
        };
        if service.kind != ServiceKind::Rdp {
            continue;
        }
        let audit = probe::rdp::audit::audit_rdp_in(ctx, port.port).await;
        let tls_protocol = [Protocols::SSL, Protocols::HYBRID]
            .into_iter()
            .find(|p| audit.accepted.contains(&p.to_string()));
        service.rdp_audit = Some(audit);
        if let (true, Some(protocol)) = (tls_audit, tls_protocol) {
            service.tls_audit =
                Some(probe::tls::audit_tls_over_rdp(ctx, port.port, sni, protocol).await);
        }
    }
}

/// Runs the SSH audit on every port identified as SSH: one connection (two when the server holds
/// a second host key type), taken from the host's slots and budget.
async fn audit_ssh_ports(ctx: &HostContext, ports: &mut [PortObservation]) {
    for port in ports.iter_mut() {
        if let Some(service) = port.service.as_mut().filter(|s| s.kind == ServiceKind::Ssh) {
            service.ssh_audit = Some(probe::ssh::audit::audit_ssh_in(ctx, port.port).await);
        }
    }
}

/// Reads the VNC security types and the SMB negotiation on ports identified as VNC or SMB.
async fn audit_vnc_smb_ports(ctx: &HostContext, ports: &mut [PortObservation]) {
    for port in ports.iter_mut() {
        let Some(service) = port.service.as_mut() else {
            continue;
        };
        match service.kind {
            ServiceKind::Vnc => {
                service.vnc_audit = Some(probe::vnc::audit_vnc_in(ctx, port.port).await)
            }
            ServiceKind::Smb => {
                service.smb_audit = Some(probe::smb::audit_smb_in(ctx, port.port).await)
            }
            _ => {}
        }
    }
}

/// PPTP's and OpenVPN's own exchanges on ports named PPTP or OpenVPN (TCP).
async fn audit_tcp_vpn_ports(ctx: &HostContext, ports: &mut [PortObservation]) {
    for port in ports.iter_mut() {
        let Some(service) = port.service.as_mut() else {
            continue;
        };
        match service.kind {
            ServiceKind::Pptp => {
                service.pptp = Some(probe::vpn::pptp::audit_pptp_in(ctx, port.port).await)
            }
            ServiceKind::OpenVpn => {
                service.openvpn =
                    Some(probe::vpn::openvpn::audit_openvpn_tcp_in(ctx, port.port).await)
            }
            _ => {}
        }
    }
}

/// Looks for SSL-VPN portals on HTTPS ports: a few fixed, harmless GET requests (the probe's
/// data file lists them), then the product's known-exploited vulnerabilities by version.
async fn probe_vpn_portals(ctx: &HostContext, ports: &mut [PortObservation]) {
    let host_header = ctx
        .hostname
        .clone()
        .filter(|name| name.parse::<IpAddr>().is_err());
    for port in ports.iter_mut() {
        if let Some(service) = port
            .service
            .as_mut()
            .filter(|s| s.kind == ServiceKind::Https)
        {
            service.sslvpn = Some(
                probe::sslvpn::probe_portal_in(ctx, port.port, true, host_header.as_deref()).await,
            );
        }
    }
}

/// How long the IKE audit of one port may take, and its wait for each datagram's answer.
const IKE_AUDIT_TIME: Duration = Duration::from_secs(30);
const IKE_PACKET_WAIT: Duration = Duration::from_secs(1);

/// Probes the UDP services in `ports` at once (each its own protocol), one observation each.
async fn probe_udp_ports(ctx: &HostContext, ports: &[(u16, ServiceKind)]) -> Vec<PortObservation> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, &(port, kind)) in ports.iter().enumerate() {
        let ctx = ctx.clone();
        tasks.spawn(async move { (index, probe_udp_port(&ctx, port, kind).await) });
    }
    let mut done: Vec<(usize, PortObservation)> = Vec::new();
    while let Some(result) = tasks.join_next().await {
        if let Ok(observation) = result {
            done.push(observation);
        }
    }
    done.sort_by_key(|(index, _)| *index);
    done.into_iter()
        .map(|(_, observation)| observation)
        .collect()
}

async fn probe_udp_port(ctx: &HostContext, port: u16, kind: ServiceKind) -> PortObservation {
    let started = Instant::now();
    let mut service = ServiceObservation {
        kind,
        method: IdentificationMethod::Protocol,
        ..ServiceObservation::unknown(ProbeStatus::Success)
    };
    let addr = std::net::SocketAddr::new(ctx.address, port);
    let (answered, notes): (bool, Vec<String>) = match kind {
        ServiceKind::Snmp => {
            let audit = probe::snmp::audit_snmp_in(ctx, port).await;
            let answered = audit.v1_public == Some(true) || audit.v2c_public == Some(true);
            let notes = audit.notes.clone();
            service.snmp_audit = Some(audit);
            (answered, notes)
        }
        ServiceKind::OpenVpn => {
            let obs = probe::vpn::openvpn::audit_openvpn_udp(addr, ctx.deadline).await;
            let answered = obs.result == VpnProbeResult::Answered;
            let closed = obs.result == VpnProbeResult::Refused;
            let mut notes = obs.notes.clone();
            if closed {
                notes.push("ICMP port unreachable".into());
            }
            service.openvpn = Some(obs);
            (answered, notes)
        }
        ServiceKind::L2tp => {
            let obs = probe::vpn::l2tp::audit_l2tp(addr, ctx.deadline).await;
            let answered = obs.result == VpnProbeResult::Answered;
            let mut notes = obs.notes.clone();
            if obs.result == VpnProbeResult::Refused {
                notes.push("ICMP port unreachable".into());
            }
            service.l2tp = Some(obs);
            (answered, notes)
        }
        ServiceKind::Ssdp => {
            let audit = probe::ssdp::ssdp_search(addr, ctx.deadline).await;
            let notes = audit.notes.clone();
            let answered = audit.answered;
            service.ssdp_audit = Some(audit);
            (answered, notes)
        }
        _ => {
            let deadline = ctx.deadline.min(Instant::now() + IKE_AUDIT_TIME);
            let audit = probe::ike::audit_ike(addr, deadline, IKE_PACKET_WAIT).await;
            let mut notes = audit.notes.clone();
            for version in [
                audit.v2.as_ref().map(|v| &v.notes),
                audit.v1.as_ref().map(|v| &v.notes),
            ]
            .into_iter()
            .flatten()
            {
                notes.extend(version.iter().cloned());
            }
            let answered = audit.answered;
            service.ike_audit = Some(audit);
            (answered, notes)
        }
    };
    let unreachable = notes.iter().any(|n| n.contains("unreachable"));
    let state = if answered {
        PortState::Open
    } else if unreachable {
        PortState::Closed
    } else {
        PortState::Filtered {
            reason: "no answer to the service's own probe (UDP: open and silent, or filtered)"
                .into(),
        }
    };
    if !answered {
        service.method = IdentificationMethod::PortNumber;
        service.status = ProbeStatus::Timeout;
    }
    (ctx.on_port_done)();
    PortObservation {
        port,
        transport: Transport::Udp,
        connect_ms: answered.then(|| millis(started.elapsed())),
        service: (!unreachable).then_some(service),
        state,
    }
}

/// Runs the TLS engine on every open port that identification found speaking TLS, one port at a
/// time: the audit opens many connections, and the per-host limits and deadline still apply.
async fn audit_tls_ports(ctx: &HostContext, ports: &mut [PortObservation]) {
    let sni = ctx
        .hostname
        .as_deref()
        .filter(|name| name.parse::<IpAddr>().is_err());
    for port in ports.iter_mut() {
        let Some(service) = port.service.as_mut() else {
            continue;
        };
        if matches!(service.kind, ServiceKind::Https | ServiceKind::Tls) {
            service.tls_audit = Some(probe::tls::audit_tls(ctx, port.port, sni).await);
        }
    }
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
