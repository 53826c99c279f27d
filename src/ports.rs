//! Port sets: which TCP ports a scan tries on every address that did not name its own port.
//!
//! The default set is small on purpose: edgeaudit looks for the doors remote workers and
//! attackers use (remote shells, remote desktops, VPN gateways, management consoles, file
//! sharing), not for every service a host could run. `--ports` widens or narrows it.

use thiserror::Error;

/// Ports tried when the user gives no `--ports`: remote access, VPN and management services that
/// should rarely face the internet from a small organisation, grouped by why they are here.
///
/// IPsec (UDP 500/4500), WireGuard (UDP 51820) and OpenVPN over UDP are not listed: a TCP connect
/// scan cannot see UDP services.
pub const DEFAULT_PORTS: &[u16] = &[
    // Remote shells and cleartext file transfer: FTP and Telnet send passwords in the clear and
    // are still found on NAS boxes, printers and old routers.
    21, 22, 23, //
    // Web servers and the web consoles of routers, firewalls and NAS boxes (8080: QNAP and many
    // appliances; 9443: a common HTTPS admin port on firewalls and container managers).
    80, 443, 8080, 8443, 9443, //
    // Synology DSM, the most common NAS management console in small offices (HTTP and HTTPS).
    5000, 5001, //
    // Windows file sharing and remote management: MS-RPC endpoint mapper, NetBIOS session, SMB,
    // WinRM over HTTP and HTTPS.
    135, 139, 445, 5985, 5986, //
    // Remote desktops: RDP and the first three VNC displays.
    3389, 5900, 5901, 5902, //
    // VPN gateways: OpenVPN over TCP, PPTP, and SSL-VPN portals on their usual alternate HTTPS
    // ports (SonicWall 4433, 4443 on several vendors, FortiGate 10443).
    1194, 1723, 4433, 4443, 10443,
];

/// Why a `--ports` value was refused. Each message quotes the part the user has to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PortSpecError {
    #[error("empty port list: give ports like \"22,80,8000-8010\", \"default\" or \"all\"")]
    Empty,
    #[error("empty entry in port list {spec:?} (a doubled or trailing comma?)")]
    EmptyEntry { spec: String },
    #[error(
        "invalid port {token:?}: expected a port number (1-65535), a range like \"8000-8010\", \
         \"default\" or \"all\""
    )]
    Invalid { token: String },
    #[error("port {token:?} is out of range: TCP ports are 1 to 65535")]
    OutOfRange { token: String },
    #[error("port range {token:?} is reversed: write the lower port first")]
    ReversedRange { token: String },
}

/// Turns a `--ports` value into the sorted, duplicate-free list the engine scans.
///
/// Accepts comma-separated entries, each one of: a port (`22`), an inclusive range
/// (`8000-8010`), `default` (the [`DEFAULT_PORTS`], combinable: `default,9000`) or `all`
/// (1-65535). Spaces around entries are ignored; keywords are case-insensitive.
pub fn parse_port_spec(spec: &str) -> Result<Vec<u16>, PortSpecError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(PortSpecError::Empty);
    }
    let mut ports = Vec::new();
    for token in spec.split(',').map(str::trim) {
        if token.is_empty() {
            return Err(PortSpecError::EmptyEntry {
                spec: spec.to_string(),
            });
        }
        if token.eq_ignore_ascii_case("default") {
            ports.extend_from_slice(DEFAULT_PORTS);
        } else if token.eq_ignore_ascii_case("all") {
            ports.extend(1..=u16::MAX);
        } else if let Some((low, high)) = token.split_once('-') {
            let low = parse_port(low.trim(), token)?;
            let high = parse_port(high.trim(), token)?;
            if low > high {
                return Err(PortSpecError::ReversedRange {
                    token: token.to_string(),
                });
            }
            ports.extend(low..=high);
        } else {
            ports.push(parse_port(token, token)?);
        }
    }
    ports.sort_unstable();
    ports.dedup();
    Ok(ports)
}

/// One port number; `token` is the whole entry, quoted in errors so a bad range is shown whole.
fn parse_port(text: &str, token: &str) -> Result<u16, PortSpecError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortSpecError::Invalid {
            token: token.to_string(),
        });
    }
    match text.parse::<u32>() {
        Ok(port @ 1..=65535) => Ok(port as u16),
        // Zero, too large, or so many digits that even u32 overflows.
        _ => Err(PortSpecError::OutOfRange {
            token: token.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_defaults() -> Vec<u16> {
        let mut d = DEFAULT_PORTS.to_vec();
        d.sort_unstable();
        d
    }

    #[test]
    fn default_ports_cover_the_required_services_once_each() {
        for port in [
            22, 23, 80, 135, 139, 443, 445, 1194, 1723, 3389, 4433, 4443, 5900, 5901, 5902, 5985,
            5986, 8080, 8443, 10443,
        ] {
            assert!(DEFAULT_PORTS.contains(&port), "{port} missing");
        }
        let mut d = sorted_defaults();
        d.dedup();
        assert_eq!(d.len(), DEFAULT_PORTS.len(), "duplicate in DEFAULT_PORTS");
        assert!(!DEFAULT_PORTS.contains(&0));
    }

    #[test]
    fn single_ports_and_lists_are_sorted_and_deduplicated() {
        assert_eq!(parse_port_spec("22").unwrap(), vec![22]);
        assert_eq!(parse_port_spec("443,22,80,22").unwrap(), vec![22, 80, 443]);
        assert_eq!(parse_port_spec(" 22 , 80 ").unwrap(), vec![22, 80]);
        assert_eq!(parse_port_spec("1,65535").unwrap(), vec![1, 65535]);
    }

    #[test]
    fn ranges_are_inclusive_and_merge_with_ports() {
        assert_eq!(
            parse_port_spec("22,80,8000-8003").unwrap(),
            vec![22, 80, 8000, 8001, 8002, 8003]
        );
        assert_eq!(parse_port_spec("80-80").unwrap(), vec![80]);
        assert_eq!(
            parse_port_spec("8001,8000-8002").unwrap(),
            vec![8000, 8001, 8002]
        );
        assert_eq!(parse_port_spec("10 - 12").unwrap(), vec![10, 11, 12]);
    }

    #[test]
    fn default_keyword_expands_and_combines() {
        assert_eq!(parse_port_spec("default").unwrap(), sorted_defaults());
        assert_eq!(parse_port_spec("DEFAULT").unwrap(), sorted_defaults());
        let mut expected = sorted_defaults();
        expected.push(9000);
        expected.sort_unstable();
        assert_eq!(parse_port_spec("default,9000").unwrap(), expected);
        // Already in the defaults: no duplicate.
        assert_eq!(parse_port_spec("22,default").unwrap(), sorted_defaults());
    }

    #[test]
    fn all_means_every_port() {
        let all = parse_port_spec("all").unwrap();
        assert_eq!(all.len(), 65535);
        assert_eq!(all.first(), Some(&1));
        assert_eq!(all.last(), Some(&65535));
        assert_eq!(parse_port_spec("1-65535").unwrap(), all);
        assert_eq!(parse_port_spec("all,default").unwrap(), all);
    }

    #[test]
    fn empty_specs_are_refused() {
        assert_eq!(parse_port_spec(""), Err(PortSpecError::Empty));
        assert_eq!(parse_port_spec("   "), Err(PortSpecError::Empty));
        for spec in ["22,,80", "22,", ",22", "22, ,80"] {
            assert!(
                matches!(parse_port_spec(spec), Err(PortSpecError::EmptyEntry { .. })),
                "{spec}"
            );
        }
    }

    #[test]
    fn bad_tokens_are_quoted() {
        for (spec, token) in [
            ("ssh", "ssh"),
            ("22,http", "http"),
            ("-5", "-5"),
            ("5-", "5-"),
            ("1-2-3", "1-2-3"),
            ("+22", "+22"),
            ("22.5", "22.5"),
            ("0x16", "0x16"),
        ] {
            let err = parse_port_spec(spec).unwrap_err();
            assert_eq!(
                err,
                PortSpecError::Invalid {
                    token: token.to_string()
                },
                "{spec}"
            );
            assert!(err.to_string().contains(&format!("{token:?}")), "{err}");
        }
    }

    #[test]
    fn zero_and_too_large_ports_are_out_of_range() {
        for (spec, token) in [
            ("0", "0"),
            ("65536", "65536"),
            ("22,70000", "70000"),
            ("0-10", "0-10"),
            ("65530-65536", "65530-65536"),
            ("99999999999999", "99999999999999"),
        ] {
            let err = parse_port_spec(spec).unwrap_err();
            assert_eq!(
                err,
                PortSpecError::OutOfRange {
                    token: token.to_string()
                },
                "{spec}"
            );
            assert!(err.to_string().contains("1 to 65535"), "{err}");
        }
    }

    #[test]
    fn reversed_ranges_are_refused() {
        let err = parse_port_spec("22,8010-8000").unwrap_err();
        assert_eq!(
            err,
            PortSpecError::ReversedRange {
                token: "8010-8000".to_string()
            }
        );
        assert!(err.to_string().contains("\"8010-8000\""), "{err}");
    }
}
