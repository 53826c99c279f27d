//! What the user asks to scan: host names, IP literals and CIDR blocks, from the command line or
//! a targets file.
//!
//! Parsing is strict so that a typo fails before any packet is sent: `10.0.0.256` is neither an
//! address nor a host name, and `10.0.0.0/8` is refused unless the user allowed large blocks.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use pnet::ipnetwork::IpNetwork;
use thiserror::Error;

/// Largest block, in addresses, scanned without `--allow-large-cidr`: a /24 (IPv4) or /120
/// (IPv6), about one office LAN or one public allocation of a small organisation.
pub const DEFAULT_MAX_CIDR_ADDRESSES: u64 = 256;

/// Largest block, in addresses, ever scanned from one CIDR target, even with
/// `--allow-large-cidr`: a /16 (IPv4) or /112 (IPv6). An auditor for small organisations never
/// needs more, and the cap keeps a mistyped prefix (`/8` for `/28`) from turning into an
/// internet sweep.
pub const ABSOLUTE_MAX_CIDR_ADDRESSES: u64 = 65_536;

/// How large a CIDR block the user allowed. Block size is counted before network and broadcast
/// addresses are dropped, so the default admits a whole /24.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CidrLimit {
    /// Never effective above [`ABSOLUTE_MAX_CIDR_ADDRESSES`].
    pub max_addresses: u64,
}

impl CidrLimit {
    /// The limit for `--allow-large-cidr`: still capped at [`ABSOLUTE_MAX_CIDR_ADDRESSES`].
    pub fn unlimited() -> Self {
        CidrLimit {
            max_addresses: ABSOLUTE_MAX_CIDR_ADDRESSES,
        }
    }

    fn effective(&self) -> u64 {
        self.max_addresses.min(ABSOLUTE_MAX_CIDR_ADDRESSES)
    }
}

impl Default for CidrLimit {
    /// [`DEFAULT_MAX_CIDR_ADDRESSES`]: what a scan without `--allow-large-cidr` accepts.
    fn default() -> Self {
        CidrLimit {
            max_addresses: DEFAULT_MAX_CIDR_ADDRESSES,
        }
    }
}

/// One target, keeping the user's own text so reports show what was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// As given (trimmed, and without a targets file's comment).
    pub input: String,
    pub spec: TargetSpec,
}

/// What a target means. A port given with a name or an address replaces the port list for that
/// target only; a CIDR block always uses the scan's port list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// A host name, resolved later (A and AAAA); every address it resolves to is audited.
    Name { name: String, port: Option<u16> },
    /// One IPv4 or IPv6 address.
    Address { addr: IpAddr, port: Option<u16> },
    /// A CIDR block, already checked against the [`CidrLimit`] and normalised to its network
    /// address (`10.0.0.5/30` becomes `10.0.0.4/30`).
    Network { net: IpNetwork },
}

impl TargetSpec {
    /// The addresses to audit without DNS: the address itself, every host of a block (see
    /// [`expand_network`]), nothing for a name (the resolver decides those).
    pub fn addresses(&self) -> Vec<IpAddr> {
        match self {
            TargetSpec::Name { .. } => Vec::new(),
            TargetSpec::Address { addr, .. } => vec![*addr],
            TargetSpec::Network { net } => expand_network(*net),
        }
    }
}

impl fmt::Display for TargetSpec {
    /// Canonical form: `name`, `name:port`, `1.2.3.4:port`, `[v6]:port`, `net/prefix`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::Name { name, port: None } => f.write_str(name),
            TargetSpec::Name {
                name,
                port: Some(p),
            } => write!(f, "{name}:{p}"),
            TargetSpec::Address { addr, port: None } => write!(f, "{addr}"),
            TargetSpec::Address {
                addr: IpAddr::V4(a),
                port: Some(p),
            } => write!(f, "{a}:{p}"),
            TargetSpec::Address {
                addr: IpAddr::V6(a),
                port: Some(p),
            } => write!(f, "[{a}]:{p}"),
            TargetSpec::Network { net } => write!(f, "{net}"),
        }
    }
}

/// The hosts of a CIDR block, in ascending order.
///
/// * IPv4 /31 and /32: every address (RFC 3021 point-to-point links have no network or
///   broadcast address).
/// * IPv4 /30 and larger: the network (all-zeros) and broadcast (all-ones) addresses are left
///   out. No host answers on them, and a directed broadcast is not something an audit should
///   send.
/// * IPv6: every address, including the all-zeros Subnet-Router anycast address (RFC 4291
///   2.6.1), which reaches a router of the link: part of the edge this tool audits. IPv6 has
///   no broadcast.
///
/// Never returns more than [`ABSOLUTE_MAX_CIDR_ADDRESSES`] addresses, even for a block built by
/// hand that skipped [`parse_target`]'s limit check.
pub fn expand_network(net: IpNetwork) -> Vec<IpAddr> {
    let cap = ABSOLUTE_MAX_CIDR_ADDRESSES as usize;
    match net {
        IpNetwork::V4(v4) => {
            let first = u32::from(v4.network());
            let last = u32::from(v4.broadcast());
            let (first, last) = if v4.prefix() <= 30 {
                (first + 1, last - 1)
            } else {
                (first, last)
            };
            (first..=last)
                .take(cap)
                .map(|a| IpAddr::V4(Ipv4Addr::from(a)))
                .collect()
        }
        IpNetwork::V6(v6) => {
            let first = u128::from(v6.network());
            let host_bits = 128 - u32::from(v6.prefix());
            let last = first | u128::MAX.checked_shr(128 - host_bits).unwrap_or(0);
            (first..=last)
                .take(cap)
                .map(|a| IpAddr::V6(Ipv6Addr::from(a)))
                .collect()
        }
    }
}

/// Why a target or a targets file was refused. Messages quote the input so the user can find it.
#[derive(Debug, Error)]
pub enum TargetError {
    /// Nothing left after trimming.
    #[error("empty target")]
    Empty,
    /// Not an address, and not a well-formed host name either.
    #[error("invalid target {input:?}: {reason}")]
    InvalidHostname { input: String, reason: String },
    /// Looked like an IP literal (brackets, several colons) but did not parse as one.
    #[error("invalid target {input:?}: {reason}")]
    InvalidAddress { input: String, reason: String },
    /// The part after the last colon is not a port from 1 to 65535.
    #[error("invalid target {input:?}: port {port:?} is not a number from 1 to 65535")]
    InvalidPort { input: String, port: String },
    /// A `/` was present but the block is malformed.
    #[error("invalid target {input:?}: {reason}")]
    InvalidNetwork { input: String, reason: String },
    /// Larger than the current [`CidrLimit`] but within what `--allow-large-cidr` permits.
    #[error(
        "target {input:?} is a block of {size} addresses, more than the limit of {limit}; \
         pass --allow-large-cidr to scan blocks of up to {ABSOLUTE_MAX_CIDR_ADDRESSES} addresses"
    )]
    NetworkTooLarge {
        input: String,
        size: String,
        limit: u64,
    },
    /// Larger than [`ABSOLUTE_MAX_CIDR_ADDRESSES`]: refused whatever the options.
    #[error(
        "target {input:?} is a block of {size} addresses; edgeaudit never scans more than \
         {ABSOLUTE_MAX_CIDR_ADDRESSES} addresses (a /16) from one block, even with \
         --allow-large-cidr, to prevent accidental internet sweeps; list smaller blocks \
         if this is really intended"
    )]
    NetworkAboveCap { input: String, size: String },
    /// The targets file could not be opened or is not UTF-8 text.
    #[error("cannot read targets file {}: {source}", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A line of a targets file was refused; `line` counts from 1.
    #[error("{}:{line}: {source}", path.display())]
    AtLine {
        path: PathBuf,
        line: usize,
        #[source]
        source: Box<TargetError>,
    },
}

/// Parses one target as written on the command line or on one line of a targets file.
///
/// Accepted forms: `host`, `host:port`, `host.` (absolute name), `1.2.3.4`, `1.2.3.4:port`,
/// `2001:db8::1` (a bare IPv6 literal is never split at a colon; write `[v6]:port` for a
/// port), `[v6]`, `[v6]:port`, and CIDR blocks `10.0.0.0/30`, `2001:db8::/126` (limited by
/// `limits`). Surrounding whitespace is ignored.
///
/// Refused as well: the unspecified, multicast and limited-broadcast addresses (no host to
/// audit there), and names whose last label is all digits, which are always a mistyped IPv4
/// address (`10.0.0.256`, RFC 3696 section 2).
pub fn parse_target(input: &str, limits: &CidrLimit) -> Result<Target, TargetError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(TargetError::Empty);
    }
    let spec = parse_spec(input, limits)?;
    Ok(Target {
        input: input.to_string(),
        spec,
    })
}

fn parse_spec(input: &str, limits: &CidrLimit) -> Result<TargetSpec, TargetError> {
    if input.contains('/') {
        return parse_network(input, limits);
    }
    if let Some(rest) = input.strip_prefix('[') {
        return parse_bracketed(input, rest);
    }
    if let Ok(addr) = input.parse::<IpAddr>() {
        check_host_address(input, addr)?;
        return Ok(TargetSpec::Address { addr, port: None });
    }
    match input.matches(':').count() {
        0 => {
            validate_hostname(input)?;
            Ok(TargetSpec::Name {
                name: input.to_string(),
                port: None,
            })
        }
        1 => {
            let (host, port_text) = input.split_once(':').expect("one colon");
            let port = parse_port(input, port_text)?;
            if host.is_empty() {
                return Err(TargetError::InvalidHostname {
                    input: input.to_string(),
                    reason: "no host before the port".to_string(),
                });
            }
            if let Ok(addr) = host.parse::<Ipv4Addr>() {
                let addr = IpAddr::V4(addr);
                check_host_address(input, addr)?;
                return Ok(TargetSpec::Address {
                    addr,
                    port: Some(port),
                });
            }
            validate_hostname_in(input, host)?;
            Ok(TargetSpec::Name {
                name: host.to_string(),
                port: Some(port),
            })
        }
        // Two or more colons: only an IPv6 literal can look like this, and it did not parse.
        _ => Err(TargetError::InvalidAddress {
            input: input.to_string(),
            reason: "not a valid IPv6 address (to give a port with an IPv6 address, write \
                     [address]:port)"
                .to_string(),
        }),
    }
}

/// `[v6]` or `[v6]:port`; `rest` is the input after the opening bracket.
fn parse_bracketed(input: &str, rest: &str) -> Result<TargetSpec, TargetError> {
    let invalid = |reason: &str| TargetError::InvalidAddress {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let (inside, after) = rest
        .split_once(']')
        .ok_or_else(|| invalid("missing closing \"]\""))?;
    let addr: Ipv6Addr = inside
        .parse()
        .map_err(|_| invalid("brackets must hold an IPv6 address"))?;
    let port = match after {
        "" => None,
        _ => match after.strip_prefix(':') {
            Some(port_text) => Some(parse_port(input, port_text)?),
            None => return Err(invalid("expected \":port\" after \"]\"")),
        },
    };
    let addr = IpAddr::V6(addr);
    check_host_address(input, addr)?;
    Ok(TargetSpec::Address { addr, port })
}

fn parse_network(input: &str, limits: &CidrLimit) -> Result<TargetSpec, TargetError> {
    let invalid = |reason: String| TargetError::InvalidNetwork {
        input: input.to_string(),
        reason,
    };
    let (addr_text, prefix_text) = input.split_once('/').expect("caller saw a slash");
    let addr: IpAddr = addr_text.parse().map_err(|_| {
        invalid(format!(
            "{addr_text:?} is not an IP address (a CIDR block is written like 10.0.0.0/24 \
             or 2001:db8::/120)"
        ))
    })?;
    let max_prefix = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = if !prefix_text.is_empty() && prefix_text.bytes().all(|b| b.is_ascii_digit()) {
        prefix_text.parse::<u8>().ok().filter(|p| *p <= max_prefix)
    } else {
        None
    };
    let prefix = prefix.ok_or_else(|| {
        invalid(format!(
            "prefix length {prefix_text:?} is not a number from 0 to {max_prefix}"
        ))
    })?;
    let net = IpNetwork::new(addr, prefix).map_err(|e| invalid(e.to_string()))?;
    // Normalise `10.0.0.5/30` to `10.0.0.4/30`: the block the user named, whatever host inside
    // it they happened to write.
    let net = IpNetwork::new(net.network(), prefix).map_err(|e| invalid(e.to_string()))?;
    if net.network().is_multicast() {
        return Err(invalid(
            "a multicast block has no hosts to audit".to_string(),
        ));
    }

    let host_bits = u32::from(max_prefix - prefix);
    let size = 1u128.checked_shl(host_bits);
    // Exact counts up to an IPv4 /0; beyond that the power of two reads better.
    let describe_size = || match size {
        Some(n) if host_bits <= 32 => n.to_string(),
        _ => format!("2^{host_bits}"),
    };
    let fits = |max: u64| size.is_some_and(|n| n <= u128::from(max));
    if !fits(ABSOLUTE_MAX_CIDR_ADDRESSES) {
        return Err(TargetError::NetworkAboveCap {
            input: input.to_string(),
            size: describe_size(),
        });
    }
    if !fits(limits.effective()) {
        return Err(TargetError::NetworkTooLarge {
            input: input.to_string(),
            size: describe_size(),
            limit: limits.effective(),
        });
    }
    Ok(TargetSpec::Network { net })
}

/// Addresses that name no host: scanning them is always a mistake.
fn check_host_address(input: &str, addr: IpAddr) -> Result<(), TargetError> {
    let reason = if addr.is_unspecified() {
        "the unspecified address names no host"
    } else if addr.is_multicast() {
        "a multicast address names no single host"
    } else if addr == IpAddr::V4(Ipv4Addr::BROADCAST) {
        "the limited broadcast address names no host"
    } else {
        return Ok(());
    };
    Err(TargetError::InvalidAddress {
        input: input.to_string(),
        reason: reason.to_string(),
    })
}

fn parse_port(input: &str, text: &str) -> Result<u16, TargetError> {
    let bad = || TargetError::InvalidPort {
        input: input.to_string(),
        port: text.to_string(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u32>() {
        Ok(port @ 1..=65535) => Ok(port as u16),
        _ => Err(bad()),
    }
}

fn validate_hostname(name: &str) -> Result<(), TargetError> {
    validate_hostname_in(name, name)
}

/// Host name rules (RFC 1123, plus `_`, which real internal names use): at most 253 characters
/// without the optional final dot, labels of 1 to 63 letters, digits, hyphens or underscores,
/// not starting or ending with a hyphen. Internationalised names must be given in their
/// `xn--` form.
fn validate_hostname_in(input: &str, name: &str) -> Result<(), TargetError> {
    let bad = |reason: String| TargetError::InvalidHostname {
        input: input.to_string(),
        reason,
    };
    let body = name.strip_suffix('.').unwrap_or(name);
    if body.is_empty() {
        return Err(bad("not a host name".to_string()));
    }
    if body.len() > 253 {
        return Err(bad(format!(
            "host name is {} characters long; at most 253 are allowed",
            body.len()
        )));
    }
    if let Some(c) = body
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        let what = if c.is_whitespace() {
            "whitespace".to_string()
        } else {
            format!("{c:?}")
        };
        return Err(bad(format!(
            "{what} is not allowed in a host name (letters, digits, '-', '_' and '.' are; \
             write internationalised names in their xn-- form)"
        )));
    }
    let labels: Vec<&str> = body.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(bad(
                "empty label in host name (two dots in a row, or a leading dot)".to_string(),
            ));
        }
        if label.len() > 63 {
            return Err(bad(format!(
                "label {label:?} is {} characters long; at most 63 are allowed",
                label.len()
            )));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad(format!("label {label:?} starts or ends with a hyphen")));
        }
    }
    let last = labels.last().expect("split yields one label at least");
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "not a valid IP address, and not a host name (its last label is all digits)"
                .to_string(),
        ));
    }
    Ok(())
}

/// Reads a targets file: one target per line; blank lines and `#` comments (whole lines, or
/// after whitespace at the end of a line) are ignored. Every error names the file, and the line
/// (from 1) when one line is at fault. An empty file gives an empty list; the caller decides
/// whether that is an error.
pub fn parse_targets_file(path: &Path, limits: &CidrLimit) -> Result<Vec<Target>, TargetError> {
    let text = std::fs::read_to_string(path).map_err(|source| TargetError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    parse_targets_text(&text, limits).map_err(|(line, source)| TargetError::AtLine {
        path: path.to_path_buf(),
        line,
        source: Box::new(source),
    })
}

/// The body of [`parse_targets_file`], apart from the file system; errors carry the line number.
fn parse_targets_text(text: &str, limits: &CidrLimit) -> Result<Vec<Target>, (usize, TargetError)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut targets = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        targets.push(parse_target(line, limits).map_err(|e| (index + 1, e))?);
    }
    Ok(targets)
}

/// Cuts a `#` comment that starts the line or follows whitespace. A `#` glued to a target
/// (`host#1`) is kept, so the target is refused rather than silently shortened.
fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return &line[..i];
        }
        previous_is_space = c.is_whitespace();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<Target, TargetError> {
        parse_target(input, &CidrLimit::default())
    }

    fn spec(input: &str) -> TargetSpec {
        match parse(input) {
            Ok(t) => t.spec,
            Err(e) => panic!("{input:?} refused: {e}"),
        }
    }

    fn err(input: &str) -> TargetError {
        match parse(input) {
            Ok(t) => panic!("{input:?} accepted as {:?}", t.spec),
            Err(e) => e,
        }
    }

    fn name(n: &str, port: Option<u16>) -> TargetSpec {
        TargetSpec::Name {
            name: n.to_string(),
            port,
        }
    }

    fn addr(a: &str, port: Option<u16>) -> TargetSpec {
        TargetSpec::Address {
            addr: a.parse().unwrap(),
            port,
        }
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn host_names() {
        assert_eq!(spec("vpn.example.com"), name("vpn.example.com", None));
        assert_eq!(spec("localhost"), name("localhost", None));
        assert_eq!(spec("vpn.example.com."), name("vpn.example.com.", None));
        assert_eq!(
            spec("_sip._tcp.example.com"),
            name("_sip._tcp.example.com", None)
        );
        assert_eq!(
            spec("xn--bcher-kva.example"),
            name("xn--bcher-kva.example", None)
        );
        assert_eq!(spec("a-1.b2.example"), name("a-1.b2.example", None));
        assert_eq!(spec("1.2.3.example"), name("1.2.3.example", None));
        assert_eq!(spec("  vpn.example.com\t"), name("vpn.example.com", None));
        assert_eq!(
            parse("  vpn.example.com\n").unwrap().input,
            "vpn.example.com"
        );
        let longest = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(longest.len(), 253);
        assert_eq!(spec(&longest), name(&longest, None));
        assert_eq!(
            spec(&format!("{longest}.")),
            name(&format!("{longest}."), None)
        );
    }

    #[test]
    fn host_names_with_ports() {
        assert_eq!(
            spec("vpn.example.com:443"),
            name("vpn.example.com", Some(443))
        );
        assert_eq!(spec("localhost:8080"), name("localhost", Some(8080)));
        assert_eq!(spec("host:1"), name("host", Some(1)));
        assert_eq!(spec("host:65535"), name("host", Some(65535)));
        assert_eq!(
            spec("vpn.example.com.:10443"),
            name("vpn.example.com.", Some(10443))
        );
    }

    #[test]
    fn ipv4_literals() {
        assert_eq!(spec("192.0.2.10"), addr("192.0.2.10", None));
        assert_eq!(spec("127.0.0.1:22"), addr("127.0.0.1", Some(22)));
        assert_eq!(spec(" 10.0.0.1:3389 "), addr("10.0.0.1", Some(3389)));
    }

    #[test]
    fn ipv6_literals_are_never_split_at_a_colon() {
        assert_eq!(spec("::1"), addr("::1", None));
        assert_eq!(spec("2001:db8::1"), addr("2001:db8::1", None));
        // Looks like "address:port" but is a complete IPv6 address: brackets are needed for a port.
        assert_eq!(spec("2001:db8::1:443"), addr("2001:db8::1:443", None));
        assert_eq!(spec("::ffff:192.0.2.1"), addr("::ffff:192.0.2.1", None));
        assert_eq!(spec("fe80::1"), addr("fe80::1", None));
    }

    #[test]
    fn bracketed_ipv6() {
        assert_eq!(spec("[::1]"), addr("::1", None));
        assert_eq!(spec("[::1]:5353"), addr("::1", Some(5353)));
        assert_eq!(spec("[2001:db8::1]:443"), addr("2001:db8::1", Some(443)));
    }

    #[test]
    fn cidr_blocks_are_parsed_and_normalised() {
        let TargetSpec::Network { net } = spec("10.0.0.0/30") else {
            panic!()
        };
        assert_eq!(net.to_string(), "10.0.0.0/30");
        let TargetSpec::Network { net } = spec("10.0.0.5/30") else {
            panic!()
        };
        assert_eq!(net.to_string(), "10.0.0.4/30");
        let TargetSpec::Network { net } = spec("2001:db8::/126") else {
            panic!()
        };
        assert_eq!(net.to_string(), "2001:db8::/126");
        let TargetSpec::Network { net } = spec("192.0.2.7/32") else {
            panic!()
        };
        assert_eq!(net.to_string(), "192.0.2.7/32");
        assert_eq!(parse("10.0.0.5/30").unwrap().input, "10.0.0.5/30");
    }

    #[test]
    fn ipv4_blocks_drop_network_and_broadcast_from_slash_30_up() {
        assert_eq!(
            spec("10.0.0.0/30").addresses(),
            ips(&["10.0.0.1", "10.0.0.2"])
        );
        assert_eq!(
            spec("10.0.0.0/31").addresses(),
            ips(&["10.0.0.0", "10.0.0.1"])
        );
        assert_eq!(spec("10.0.0.9/32").addresses(), ips(&["10.0.0.9"]));
        let slash24 = spec("192.168.1.0/24").addresses();
        assert_eq!(slash24.len(), 254);
        assert_eq!(slash24.first(), Some(&"192.168.1.1".parse().unwrap()));
        assert_eq!(slash24.last(), Some(&"192.168.1.254".parse().unwrap()));
    }

    #[test]
    fn ipv6_blocks_include_every_address() {
        assert_eq!(
            spec("2001:db8::/126").addresses(),
            ips(&["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"])
        );
        assert_eq!(spec("2001:db8::5/128").addresses(), ips(&["2001:db8::5"]));
        assert_eq!(spec("2001:db8::/120").addresses().len(), 256);
    }

    #[test]
    fn names_and_addresses_expand_without_dns() {
        assert_eq!(spec("192.0.2.1:80").addresses(), ips(&["192.0.2.1"]));
        assert_eq!(spec("[::1]:80").addresses(), ips(&["::1"]));
        assert!(spec("vpn.example.com").addresses().is_empty());
    }

    #[test]
    fn expansion_is_bounded_even_without_the_parser() {
        let net: IpNetwork = "10.0.0.0/8".parse().unwrap();
        assert_eq!(
            expand_network(net).len() as u64,
            ABSOLUTE_MAX_CIDR_ADDRESSES
        );
        let net: IpNetwork = "::/0".parse().unwrap();
        assert_eq!(
            expand_network(net).len() as u64,
            ABSOLUTE_MAX_CIDR_ADDRESSES
        );
    }

    #[test]
    fn default_limit_admits_a_slash_24_and_refuses_larger() {
        assert_eq!(
            CidrLimit::default().max_addresses,
            DEFAULT_MAX_CIDR_ADDRESSES
        );
        assert!(parse("10.0.0.0/24").is_ok());
        assert!(parse("2001:db8::/120").is_ok());
        for input in ["10.0.0.0/23", "2001:db8::/119", "10.0.0.0/16"] {
            let e = err(input);
            assert!(
                matches!(e, TargetError::NetworkTooLarge { .. }),
                "{input}: {e:?}"
            );
            let msg = e.to_string();
            assert!(msg.contains("--allow-large-cidr"), "{msg}");
            assert!(msg.contains(&format!("{input:?}")), "{msg}");
        }
        assert!(err("10.0.0.0/23").to_string().contains("512 addresses"));
    }

    #[test]
    fn a_custom_limit_is_respected() {
        let four = CidrLimit { max_addresses: 4 };
        assert!(parse_target("10.0.0.0/30", &four).is_ok());
        assert!(matches!(
            parse_target("10.0.0.0/29", &four),
            Err(TargetError::NetworkTooLarge { limit: 4, .. })
        ));
    }

    #[test]
    fn allowing_large_blocks_still_caps_at_a_slash_16() {
        let unlimited = CidrLimit::unlimited();
        assert_eq!(unlimited.max_addresses, ABSOLUTE_MAX_CIDR_ADDRESSES);
        let TargetSpec::Network { net } = parse_target("10.1.0.0/16", &unlimited).unwrap().spec
        else {
            panic!()
        };
        assert_eq!(expand_network(net).len(), 65_534);
        assert!(parse_target("2001:db8::/112", &unlimited).is_ok());
        let huge = CidrLimit {
            max_addresses: u64::MAX,
        };
        for input in [
            "10.0.0.0/15",
            "0.0.0.0/0",
            "2001:db8::/111",
            "2001:db8::/64",
            "::/0",
        ] {
            for limits in [&unlimited, &huge] {
                match parse_target(input, limits) {
                    Err(e @ TargetError::NetworkAboveCap { .. }) => {
                        let msg = e.to_string();
                        assert!(msg.contains("65536"), "{msg}");
                        assert!(msg.contains(&format!("{input:?}")), "{msg}");
                    }
                    other => panic!("{input}: {other:?}"),
                }
            }
        }
        assert!(err("2001:db8::/64").to_string().contains("2^64 addresses"));
        assert!(err("::/0").to_string().contains("2^128 addresses"));
        // The default limit also reports the absolute cap for blocks beyond it.
        assert!(matches!(
            err("10.0.0.0/8"),
            TargetError::NetworkAboveCap { .. }
        ));
    }

    #[test]
    fn malformed_blocks_are_refused() {
        for input in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/x",
            "10.0.0.0/+8",
            "10.0.0.0/-1",
            "2001:db8::/129",
            "10.0.0/24",
            "10/8",
            "example.com/24",
            "[2001:db8::]/126",
            "10.0.0.0/24/8",
            "10.0.0.0/30:22",
        ] {
            let e = err(input);
            assert!(
                matches!(e, TargetError::InvalidNetwork { .. }),
                "{input}: {e:?}"
            );
            assert!(
                e.to_string()
                    .starts_with(&format!("invalid target {input:?}: ")),
                "{e}"
            );
        }
        assert!(err("10.0.0.0/33").to_string().contains("0 to 32"));
        assert!(err("2001:db8::/129").to_string().contains("0 to 128"));
        assert!(matches!(
            err("224.0.0.0/30"),
            TargetError::InvalidNetwork { .. }
        ));
        assert!(matches!(
            err("ff02::/120"),
            TargetError::InvalidNetwork { .. }
        ));
    }

    #[test]
    fn bad_ports_are_refused() {
        for (input, port) in [
            ("host:0", "0"),
            ("host:65536", "65536"),
            ("host:99999999999", "99999999999"),
            ("host:", ""),
            ("host:http", "http"),
            ("host:+80", "+80"),
            ("1.2.3.4:0", "0"),
            ("1.2.3.4:70000", "70000"),
            ("[::1]:0", "0"),
            ("[::1]:", ""),
            ("[::1]:65536", "65536"),
        ] {
            match err(input) {
                TargetError::InvalidPort { input: i, port: p } => {
                    assert_eq!((i.as_str(), p.as_str()), (input, port));
                }
                other => panic!("{input}: {other:?}"),
            }
        }
        assert_eq!(
            err("host:0").to_string(),
            "invalid target \"host:0\": port \"0\" is not a number from 1 to 65535"
        );
    }

    #[test]
    fn bad_addresses_are_refused() {
        for input in [
            "2001:db8::g",
            "1:2:3",
            ":::",
            "2001:db8::1::2",
            "[::1",
            "[::1]x",
            "[::1]80",
            "[192.0.2.1]:80",
            "[host]:80",
            "[]",
            "0.0.0.0",
            "::",
            "[::]:80",
            "0.0.0.0:80",
            "224.0.0.1",
            "ff02::1",
            "255.255.255.255",
        ] {
            let e = err(input);
            assert!(
                matches!(e, TargetError::InvalidAddress { .. }),
                "{input}: {e:?}"
            );
            assert!(
                e.to_string()
                    .starts_with(&format!("invalid target {input:?}: ")),
                "{e}"
            );
        }
        assert!(err("2001:db8::g").to_string().contains("[address]:port"));
    }

    #[test]
    fn bad_host_names_are_refused() {
        let too_long = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(62)
        );
        let long_label = format!("{}.example", "a".repeat(64));
        for input in [
            "foo bar",
            "host#1",
            "exa$mple.com",
            "bücher.example",
            "a..b",
            ".example.com",
            "example.com..",
            ".",
            "-host.example",
            "host-.example",
            "10.0.0.256",
            "10.0.0",
            "1.2.3.4.5",
            "12345",
            ":80",
            too_long.as_str(),
            long_label.as_str(),
        ] {
            let e = err(input);
            assert!(
                matches!(e, TargetError::InvalidHostname { .. }),
                "{input}: {e:?}"
            );
            assert!(
                e.to_string()
                    .starts_with(&format!("invalid target {input:?}: ")),
                "{e}"
            );
        }
        assert!(err("foo bar").to_string().contains("whitespace"));
        assert!(err(&too_long).to_string().contains("253"));
        assert!(err(&long_label).to_string().contains("63"));
    }

    #[test]
    fn empty_input_is_refused() {
        assert!(matches!(err(""), TargetError::Empty));
        assert!(matches!(err("  \t "), TargetError::Empty));
    }

    #[test]
    fn display_gives_a_canonical_form() {
        for (input, shown) in [
            ("host", "host"),
            ("host:22", "host:22"),
            ("192.0.2.1", "192.0.2.1"),
            ("192.0.2.1:22", "192.0.2.1:22"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]:22", "[2001:db8::1]:22"),
            ("10.0.0.5/30", "10.0.0.4/30"),
        ] {
            assert_eq!(spec(input).to_string(), shown);
        }
    }

    #[test]
    fn comments_are_cut_only_at_line_start_or_after_whitespace() {
        assert_eq!(strip_comment("# whole line"), "");
        assert_eq!(strip_comment("   # indented"), "   ");
        assert_eq!(strip_comment("10.0.0.1 # office router"), "10.0.0.1 ");
        assert_eq!(strip_comment("10.0.0.1\t#tab"), "10.0.0.1\t");
        assert_eq!(strip_comment("host#1"), "host#1");
        assert_eq!(strip_comment("host"), "host");
    }

    fn write_file(contents: &str) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(contents.as_bytes()).unwrap();
        f
    }

    #[test]
    fn targets_file_skips_comments_and_blank_lines() {
        let f = write_file(
            "\u{feff}# office edge\n\
             \n\
             vpn.example.com   # SSL-VPN\n\
             \t192.0.2.1:443\r\n\
             [2001:db8::1]:22\n\
             \x20\x20# indented comment\n\
             10.0.0.0/30\n",
        );
        let targets = parse_targets_file(f.path(), &CidrLimit::default()).unwrap();
        let inputs: Vec<&str> = targets.iter().map(|t| t.input.as_str()).collect();
        assert_eq!(
            inputs,
            [
                "vpn.example.com",
                "192.0.2.1:443",
                "[2001:db8::1]:22",
                "10.0.0.0/30"
            ]
        );
        assert_eq!(targets[0].spec, name("vpn.example.com", None));
        assert_eq!(targets[1].spec, addr("192.0.2.1", Some(443)));
    }

    #[test]
    fn an_empty_targets_file_gives_no_targets() {
        let f = write_file("# nothing yet\n\n");
        assert!(parse_targets_file(f.path(), &CidrLimit::default())
            .unwrap()
            .is_empty());
        let f = write_file("");
        assert!(parse_targets_file(f.path(), &CidrLimit::default())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn targets_file_errors_name_the_file_and_line() {
        let f = write_file("# header\nvpn.example.com\nfoo bar  # typo\n10.0.0.1\n");
        let e = parse_targets_file(f.path(), &CidrLimit::default()).unwrap_err();
        match &e {
            TargetError::AtLine { path, line, source } => {
                assert_eq!(path, f.path());
                assert_eq!(*line, 3);
                assert!(matches!(**source, TargetError::InvalidHostname { .. }));
            }
            other => panic!("{other:?}"),
        }
        let msg = e.to_string();
        let expected = format!("{}:3: invalid target \"foo bar\": ", f.path().display());
        assert!(msg.starts_with(&expected), "{msg}");

        let f = write_file("10.0.0.0/16\n");
        let msg = parse_targets_file(f.path(), &CidrLimit::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(&format!("{}:1: ", f.path().display())),
            "{msg}"
        );
        assert!(msg.contains("--allow-large-cidr"), "{msg}");
        assert!(parse_targets_file(f.path(), &CidrLimit::unlimited()).is_ok());
    }

    #[test]
    fn unreadable_targets_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("targets.txt");
        let e = parse_targets_file(&missing, &CidrLimit::default()).unwrap_err();
        assert!(matches!(e, TargetError::ReadFile { .. }));
        let msg = e.to_string();
        assert!(msg.starts_with("cannot read targets file "), "{msg}");
        assert!(msg.contains(&missing.display().to_string()), "{msg}");

        let f = write_file("");
        std::fs::write(f.path(), b"10.0.0.1\n\xff\xfe\n").unwrap();
        let e = parse_targets_file(f.path(), &CidrLimit::default()).unwrap_err();
        assert!(matches!(e, TargetError::ReadFile { .. }), "{e:?}");
        assert!(e.to_string().contains(&f.path().display().to_string()));
    }
}
