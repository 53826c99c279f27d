//! Name resolution: a target's name becomes every A and AAAA address it has, or a reason why not.
//!
//! An edge audit must see all the addresses a name points to (a forgotten IPv6 address is a
//! classic unaudited door), and must never hang on a dead resolver, so every lookup asks for A
//! and AAAA and runs under an overall deadline.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
    ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::TokioResolver;
use thiserror::Error;
use tokio::time::Instant;

use crate::observation::Resolution;

/// DNS port used when `--resolver` names no port.
pub const DEFAULT_DNS_PORT: u16 = 53;

/// The overall deadline of one [`Resolver::resolve`] call, in per-request timeouts. A query is
/// sent at most twice (one retry survives a lost UDP packet), and a short name may be tried
/// under a search domain too, so one timeout is not enough; three keep a dead resolver from
/// stalling a scan for long.
pub const OVERALL_DEADLINE_FACTOR: u32 = 3;

/// Why a resolver could not be set up. Raised before scanning, so the user can fix it at once.
#[derive(Debug, Error)]
pub enum ResolverError {
    /// The `--resolver` value is not `IP` or `IP:PORT`.
    #[error("invalid resolver {input:?}: {reason}")]
    InvalidArgument { input: String, reason: String },
    /// `/etc/resolv.conf` (or the platform's equivalent) is missing or unreadable.
    #[error(
        "cannot read the system resolver configuration: {reason}; name a DNS server with \
         --resolver IP[:PORT]"
    )]
    SystemConfig { reason: String },
    /// hickory refused the configuration (should not happen with the options used here).
    #[error("cannot set up the resolver {server}: {reason}")]
    Build { server: String, reason: String },
}

/// Reads a `--resolver` value: `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]` or `[::1]:5353`. The
/// port defaults to [`DEFAULT_DNS_PORT`]; port 0 is refused.
pub fn parse_resolver_arg(s: &str) -> Result<SocketAddr, ResolverError> {
    let input = s.trim();
    let invalid = |reason: &str| ResolverError::InvalidArgument {
        input: s.to_string(),
        reason: reason.to_string(),
    };
    const EXPECTED: &str =
        "expected an IP address with an optional port: 1.2.3.4, 1.2.3.4:5353, ::1 or [::1]:5353";
    let addr = if let Ok(ip) = input.parse::<IpAddr>() {
        SocketAddr::new(ip, DEFAULT_DNS_PORT)
    } else if let Ok(addr) = input.parse::<SocketAddr>() {
        addr
    } else if let Some(ip) = input
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inside| inside.parse::<std::net::Ipv6Addr>().ok())
    {
        SocketAddr::new(IpAddr::V6(ip), DEFAULT_DNS_PORT)
    } else {
        return Err(invalid(EXPECTED));
    };
    if addr.port() == 0 {
        return Err(invalid("port 0 is not a DNS server port"));
    }
    if addr.ip().is_unspecified() || addr.ip().is_multicast() {
        return Err(invalid("not the address of a DNS server"));
    }
    Ok(addr)
}

/// Resolves target names for the engine, recording which resolver answered.
///
/// Built with [`Resolver::system`] or [`Resolver::with_server`]. Options common to both:
/// the per-request timeout given by the caller, one retry (`attempts = 1`: hickory counts
/// retries after the first try), no response cache (every [`Resolver::resolve`] asks the server, so an
/// answer is never older than the scan that reports it), A and AAAA asked in parallel.
#[derive(Clone)]
pub struct Resolver {
    inner: TokioResolver,
    description: String,
    timeout: Duration,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("description", &self.description)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn configure(o: &mut ResolverOpts, timeout: Duration, hosts: ResolveHosts) {
    o.timeout = timeout;
    o.attempts = 1;
    o.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    o.cache_size = 0;
    o.use_hosts_file = hosts;
}

impl Resolver {
    /// The machine's own resolver configuration (`/etc/resolv.conf`: servers, search list,
    /// `ndots`) and its hosts file, as the user's other programs see names. `timeout` applies
    /// to each DNS request.
    pub fn system(timeout: Duration) -> Result<Self, ResolverError> {
        let mut builder =
            TokioResolver::builder_tokio().map_err(|e| ResolverError::SystemConfig {
                reason: e.to_string(),
            })?;
        // Keep what resolv.conf says (search list, ndots, edns0); replace only what decides
        // timing, caching and the hosts file.
        configure(builder.options_mut(), timeout, ResolveHosts::Always);
        let inner = builder.build().map_err(|e| ResolverError::Build {
            server: "system".to_string(),
            reason: e.to_string(),
        })?;
        Ok(Resolver {
            inner,
            description: "system".to_string(),
            timeout,
        })
    }

    /// One DNS server (`--resolver`), over UDP with TCP for truncated answers. The hosts file
    /// is not consulted: the user asked what this server says, e.g. to see the public view of
    /// the organisation's names from inside it. `localhost` still resolves (RFC 6761, below).
    pub fn with_server(server: SocketAddr, timeout: Duration) -> Result<Self, ResolverError> {
        let (mut udp, mut tcp) = (ConnectionConfig::udp(), ConnectionConfig::tcp());
        udp.port = server.port();
        tcp.port = server.port();
        let name_server = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
        let config = ResolverConfig::from_name_servers(vec![name_server]);
        let mut opts = ResolverOpts::default();
        configure(&mut opts, timeout, ResolveHosts::Never);
        let inner = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts)
            .build()
            .map_err(|e| ResolverError::Build {
                server: server.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Resolver {
            inner,
            description: server.to_string(),
            timeout,
        })
    }

    /// How reports name this resolver: `system`, or the server as `IP:PORT` (`[v6]:PORT`).
    pub fn describe(&self) -> String {
        self.description.clone()
    }

    /// The longest one [`Resolver::resolve`] call may take.
    pub fn deadline(&self) -> Duration {
        self.timeout.saturating_mul(OVERALL_DEADLINE_FACTOR)
    }

    /// Every A and AAAA address of `name` (sorted, without duplicates), or why there are none.
    ///
    /// Never takes longer than [`Resolver::deadline`]. When one family answers and the other
    /// fails (say AAAA times out), the addresses found are returned: scanning them beats
    /// scanning nothing. `localhost` and names under it resolve to 127.0.0.1 and ::1 without
    /// any query (RFC 6761 section 6.3; hickory implements this itself, a test keeps it so).
    /// An IP literal passed by mistake comes back as itself.
    pub async fn resolve(&self, name: &str) -> Resolution {
        let failed = |reason: String| Resolution::Failed {
            name: name.to_string(),
            resolver: self.describe(),
            reason,
        };
        if let Ok(ip) = name.parse::<IpAddr>() {
            return self.resolved(name, vec![ip]);
        }
        if let Err(e) = Name::from_utf8(name) {
            return failed(format!("{name:?} is not a valid DNS name: {e}"));
        }
        let lookups =
            async { tokio::join!(self.inner.ipv4_lookup(name), self.inner.ipv6_lookup(name)) };
        let started = Instant::now();
        let (a, aaaa) = match tokio::time::timeout(self.deadline(), lookups).await {
            Ok(results) => results,
            Err(_) => return failed(self.timeout_reason(started.elapsed())),
        };
        let mut addresses = Vec::new();
        let mut errors = Vec::new();
        for result in [a, aaaa] {
            match result {
                Ok(lookup) => {
                    addresses.extend(lookup.answers().iter().filter_map(|r| match &r.data {
                        RData::A(a) => Some(IpAddr::V4(a.0)),
                        RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                        _ => None,
                    }))
                }
                Err(e) => errors.push(e),
            }
        }
        if !addresses.is_empty() {
            return self.resolved(name, addresses);
        }
        failed(self.failure_reason(name, &errors, started.elapsed()))
    }

    fn resolved(&self, name: &str, mut addresses: Vec<IpAddr>) -> Resolution {
        addresses.sort();
        addresses.dedup();
        let (ipv4, ipv6) = addresses.into_iter().partition(IpAddr::is_ipv4);
        Resolution::Resolved {
            name: name.to_string(),
            resolver: self.describe(),
            ipv4,
            ipv6,
        }
    }

    fn timeout_reason(&self, waited: Duration) -> String {
        format!(
            "the resolver ({}) did not answer within {} ms",
            self.description,
            waited.as_millis()
        )
    }

    /// One reason for two failed lookups, most telling first: a name that does not exist, a
    /// resolver that did not answer, another error, and only when both lookups said so, a
    /// name without addresses.
    fn failure_reason(&self, name: &str, errors: &[NetError], waited: Duration) -> String {
        if errors.iter().any(NetError::is_nx_domain) {
            return format!("the name {name:?} does not exist (NXDOMAIN)");
        }
        if errors.iter().any(is_timeout) {
            return self.timeout_reason(waited);
        }
        if let Some(other) = errors.iter().find(|e| !e.is_no_records_found()) {
            return match other {
                NetError::Dns(DnsError::ResponseCode(code)) => format!(
                    "the resolver ({}) answered with an error: {code}",
                    self.description
                ),
                _ => format!("resolver ({}) error: {other}", self.description),
            };
        }
        format!("the name {name:?} exists but has no A or AAAA records")
    }
}

fn is_timeout(e: &NetError) -> bool {
    match e {
        NetError::Timeout => true,
        NetError::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::process::{Child, Command, Stdio};
    use std::time::Instant;

    #[test]
    fn resolver_argument_forms() {
        let ok = |s: &str| parse_resolver_arg(s).unwrap().to_string();
        assert_eq!(ok("1.2.3.4"), "1.2.3.4:53");
        assert_eq!(ok("1.2.3.4:5353"), "1.2.3.4:5353");
        assert_eq!(ok("127.0.0.1:53"), "127.0.0.1:53");
        assert_eq!(ok("::1"), "[::1]:53");
        assert_eq!(ok("2001:db8::53"), "[2001:db8::53]:53");
        assert_eq!(ok("[::1]:5353"), "[::1]:5353");
        assert_eq!(ok("[::1]"), "[::1]:53");
        assert_eq!(ok(" 1.2.3.4 "), "1.2.3.4:53");
    }

    #[test]
    fn bad_resolver_arguments_are_quoted() {
        for s in [
            "",
            "dns.example",
            "dns.example:53",
            "1.2.3.4:",
            "1.2.3.4:dns",
            "1.2.3.4:65536",
            "1.2.3.4:-1",
            "1.2.3",
            "::1:53:x",
            "[::1",
            "[::1]:",
            "[1.2.3.4]:53",
            "1.2.3.4:0",
            "[::1]:0",
            "0.0.0.0",
            "::",
            "224.0.0.251:5353",
        ] {
            let e = parse_resolver_arg(s).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with(&format!("invalid resolver {s:?}: ")),
                "{s}: {e}"
            );
        }
        assert!(parse_resolver_arg("1.2.3.4:0")
            .unwrap_err()
            .to_string()
            .contains("port 0"));
    }

    #[test]
    fn describe_names_the_server() {
        let r = Resolver::with_server("127.0.0.1:5353".parse().unwrap(), Duration::from_secs(1))
            .unwrap();
        assert_eq!(r.describe(), "127.0.0.1:5353");
        let r = Resolver::with_server("[::1]:53".parse().unwrap(), Duration::from_secs(1)).unwrap();
        assert_eq!(r.describe(), "[::1]:53");
        assert_eq!(r.deadline(), Duration::from_secs(3));
    }

    /// A loopback UDP socket that never answers: the resolver must give up on its own.
    fn silent_server() -> (UdpSocket, SocketAddr) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        (socket, addr)
    }

    #[tokio::test]
    async fn a_silent_resolver_fails_with_a_timeout_within_the_deadline() {
        let (_socket, addr) = silent_server();
        let r = Resolver::with_server(addr, Duration::from_millis(300)).unwrap();
        let start = Instant::now();
        let resolution = r.resolve("vpn.example.test.").await;
        let elapsed = start.elapsed();
        match resolution {
            Resolution::Failed {
                name,
                resolver,
                reason,
            } => {
                assert_eq!(name, "vpn.example.test.");
                assert_eq!(resolver, addr.to_string());
                assert!(reason.contains("did not answer within"), "{reason}");
                assert!(reason.contains(&addr.to_string()), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            elapsed < r.deadline() + Duration::from_millis(500),
            "took {elapsed:?}"
        );
    }

    #[tokio::test]
    async fn literals_come_back_as_themselves() {
        let (_socket, addr) = silent_server();
        let r = Resolver::with_server(addr, Duration::from_millis(200)).unwrap();
        match r.resolve("192.0.2.1").await {
            Resolution::Resolved { ipv4, ipv6, .. } => {
                assert_eq!(ipv4, vec!["192.0.2.1".parse::<IpAddr>().unwrap()]);
                assert!(ipv6.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    fn assert_localhost(resolution: Resolution, expected_name: &str) {
        match resolution {
            Resolution::Resolved {
                name, ipv4, ipv6, ..
            } => {
                assert_eq!(name, expected_name);
                assert_eq!(ipv4, vec!["127.0.0.1".parse::<IpAddr>().unwrap()]);
                assert_eq!(ipv6, vec!["::1".parse::<IpAddr>().unwrap()]);
            }
            other => panic!("{expected_name}: {other:?}"),
        }
    }

    /// RFC 6761: localhost needs no DNS server. The server here never answers, so a pass proves
    /// no query was needed.
    #[tokio::test]
    async fn localhost_resolves_without_asking_the_server() {
        let (_socket, addr) = silent_server();
        let r = Resolver::with_server(addr, Duration::from_millis(300)).unwrap();
        for name in ["localhost", "localhost.", "LocalHost", "vpn.localhost"] {
            assert_localhost(r.resolve(name).await, name);
        }
    }

    /// The system resolver answers localhost from the hosts file or RFC 6761 alone: no packet
    /// leaves the machine (the name is tried as is before any search domain).
    #[tokio::test]
    async fn localhost_resolves_with_the_system_resolver() {
        let r = match Resolver::system(Duration::from_millis(500)) {
            Ok(r) => r,
            Err(e) => {
                assert!(e.to_string().contains("--resolver"), "{e}");
                eprintln!("skipped: no system resolver configuration here: {e}");
                return;
            }
        };
        assert_eq!(r.describe(), "system");
        for name in ["localhost", "localhost."] {
            assert_localhost(r.resolve(name).await, name);
        }
    }

    /// dnsmasq on a loopback port, answering only from its own records.
    struct Dnsmasq {
        child: Child,
        addr: SocketAddr,
    }

    impl Drop for Dnsmasq {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start_dnsmasq() -> Option<Dnsmasq> {
        let port = {
            let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let child = Command::new("dnsmasq")
            .args([
                "--no-daemon",
                "--conf-file=/dev/null",
                &format!("--port={port}"),
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--local=/test/",
                "--host-record=both.test,192.0.2.10,2001:db8::10",
                "--host-record=both.test,192.0.2.11",
                "--host-record=v4only.test,192.0.2.20",
                "--host-record=v6only.test,2001:db8::30",
                "--txt-record=txtonly.test,hello",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            // A skipped test would hide a missing server: scripts/test.sh installs dnsmasq.
            Err(e) => panic!("cannot start dnsmasq (apt-get install dnsmasq-base): {e}"),
        };
        // Ready once it answers a TCP connection on its port.
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("dnsmasq exited at start: {status}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "dnsmasq never listened"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Dnsmasq { child, addr })
    }

    #[tokio::test]
    async fn answers_from_a_loopback_dnsmasq_are_classified() {
        let Some(server) = start_dnsmasq() else {
            return;
        };
        let r = Resolver::with_server(server.addr, Duration::from_secs(2)).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();

        match r.resolve("both.test").await {
            Resolution::Resolved {
                name,
                resolver,
                ipv4,
                ipv6,
            } => {
                assert_eq!(name, "both.test");
                assert_eq!(resolver, server.addr.to_string());
                assert_eq!(ipv4, vec![ip("192.0.2.10"), ip("192.0.2.11")]);
                assert_eq!(ipv6, vec![ip("2001:db8::10")]);
            }
            other => panic!("{other:?}"),
        }
        match r.resolve("v4only.test.").await {
            Resolution::Resolved { ipv4, ipv6, .. } => {
                assert_eq!(ipv4, vec![ip("192.0.2.20")]);
                assert!(ipv6.is_empty());
            }
            other => panic!("{other:?}"),
        }
        match r.resolve("v6only.test").await {
            Resolution::Resolved { ipv4, ipv6, .. } => {
                assert!(ipv4.is_empty());
                assert_eq!(ipv6, vec![ip("2001:db8::30")]);
            }
            other => panic!("{other:?}"),
        }
        let reason = |resolution: Resolution| match resolution {
            Resolution::Failed { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        let nx = reason(r.resolve("missing.test").await);
        assert_eq!(nx, "the name \"missing.test\" does not exist (NXDOMAIN)");
        let nodata = reason(r.resolve("txtonly.test").await);
        assert_eq!(
            nodata,
            "the name \"txtonly.test\" exists but has no A or AAAA records"
        );
        // dnsmasq refuses names it is not authoritative for and has no upstream to ask.
        let refused = reason(r.resolve("elsewhere.example.").await);
        assert!(refused.contains("answered with an error"), "{refused}");
    }
}
