//! Command-line grammar (clap derive). Raw user input only: `app` turns it into a plan.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "edgeaudit",
    version,
    about = "Audit the network edge (VPN, remote access, management ports, TLS) against the MIC telework security guideline",
    after_help = "Exit codes: 0 nothing at or above --fail-on; 1 a violation at or above --fail-on; \
2 usage, configuration or file error; 3 some target could not be tested (and no violation at or above --fail-on).\n\
Scan only networks you are authorised to test."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan targets, evaluate the observations against profiles, and write a report.
    Scan(ScanArgs),
    /// Audit TLS on the given ports only (default 443): versions, cipher suites, order, groups,
    /// certificate chain and options, evaluated like `scan`.
    Tls(TlsArgs),
    /// Survey Wi-Fi access points from a capture file (pcap/pcapng) or a monitor-mode interface,
    /// and evaluate their security.
    Wifi(WifiArgs),
    /// Re-evaluate a saved scan (JSON) against profiles, without any network traffic.
    Evaluate(EvaluateArgs),
    /// List, show or check profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub targets: TargetArgs,

    /// Ports to scan: `22,80,8000-8010`, `default`, `default,9000` or `all`.
    #[arg(long, value_name = "SPEC", default_value = "default")]
    pub ports: String,

    /// Skip the TLS engine (protocol versions and cipher suites) on TLS ports; TLS rules then
    /// report "not tested".
    #[arg(long)]
    pub no_tls_audit: bool,

    /// UDP services to probe on targets that do not name a port: `default` (161 SNMP, 500 IKE,
    /// 1194 OpenVPN, 1701 L2TP, 1900 SSDP), `none`, or a list of those, 4500 (IKE NAT-T) and
    /// SERVICE:PORT (`snmp:10161`, `openvpn:1195`).
    #[arg(long, value_name = "SPEC", default_value = "default")]
    pub udp_ports: String,

    #[command(flatten)]
    pub network: NetworkArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `edgeaudit tls`: the TLS audit of named ports, without the exposure scan's port list or
/// banner waits.
#[derive(Debug, Args)]
pub struct TlsArgs {
    #[command(flatten)]
    pub targets: TargetArgs,

    /// Ports for targets that do not name one (HOST:PORT always wins): `443`, `443,8443`…
    #[arg(long, value_name = "SPEC", default_value = "443")]
    pub ports: String,

    #[command(flatten)]
    pub network: NetworkArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `edgeaudit wifi`: beacons and probe responses from a capture or a live interface.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["capture", "interface"])))]
pub struct WifiArgs {
    /// A pcap or pcapng capture with 802.11 frames (raw, radiotap, Prism or PPI headers).
    #[arg(long, value_name = "FILE")]
    pub capture: Option<PathBuf>,

    /// Capture live on this interface, which must already be in monitor mode (root or
    /// CAP_NET_RAW). It stays on its current channel: no channel hopping.
    #[arg(long, value_name = "IFACE")]
    pub interface: Option<String>,

    /// How long to capture on --interface.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,

    /// The organisation's own network (repeatable). Only these are judged; others are listed as
    /// nearby networks. Without --ssid every network heard is judged.
    #[arg(long = "ssid", value_name = "NAME")]
    pub ssids: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// What to scan.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Hostnames, IPv4/IPv6 addresses, HOST:PORT, [V6]:PORT or CIDR blocks.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read more targets from a file: one per line, `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,

    /// Allow CIDR blocks larger than 256 addresses (never more than 65536).
    #[arg(long)]
    pub allow_large_cidr: bool,
}

/// How the network is touched: vantage, name resolution, deadlines and connection limits.
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Where the scan is taken from; `auto` = inside for private/loopback addresses, outside otherwise.
    #[arg(long, value_enum, default_value_t = VantageArg::Auto)]
    pub vantage: VantageArg,

    /// Resolve names through this DNS server (IP or IP:PORT) instead of the system configuration.
    #[arg(long, value_name = "IP[:PORT]")]
    pub resolver: Option<String>,

    /// Deadline for one address (connect scan and identification together), e.g. `60s`, `2m`.
    #[arg(long, value_name = "DUR", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Deadline of one connection attempt and of one identification exchange.
    #[arg(long, value_name = "DUR", default_value = "3s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Connections open at once over the whole scan.
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: u32,

    /// Connections open at once to one address.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub per_host: u32,

    /// Connections opened to one address over the whole scan (at most 3 per open port are needed).
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub host_budget: u32,

    /// Roots to verify TLS certificate chains against: `mozilla` (bundled webpki-roots),
    /// `system` (SSL_CERT_FILE or the distribution's bundle) or a PEM file (e.g. your own CA).
    #[arg(long, value_name = "mozilla|system|FILE", default_value = "mozilla")]
    pub trust_store: String,

    /// Hide the progress indicator (it is shown only when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// A report or scan written by `edgeaudit scan --format json`.
    #[arg(value_name = "SCAN.json")]
    pub scan: PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options shared by `scan` and `evaluate`: how observations become a report.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Profile to evaluate against: a built-in name or a path to a .toml file. Repeatable.
    #[arg(
        long = "profile",
        value_name = "NAME|PATH",
        default_value = "mic-telework"
    )]
    pub profiles: Vec<String>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Write the report to FILE (atomically, mode 0600) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also save the complete JSON report (observations and findings) to FILE, for `evaluate`.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    /// Report language; defaults to Japanese when the locale is Japanese, English otherwise.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,

    /// Exit with code 1 when a violation at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// List the built-in profiles.
    List,
    /// Print a built-in profile's TOML source (copy it to make your own).
    Show { name: String },
    /// Check a profile file: syntax, fields, references and texts in both languages.
    Lint { file: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VantageArg {
    Auto,
    Outside,
    Inside,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    #[value(alias = "markdown")]
    Md,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Ja,
    En,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    None,
}

/// `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?} (examples: 500ms, 5s, 2m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "invalid duration unit in {text:?} (use ms, s, m or h)"
            ))
        }
    };
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "duration {text:?} must be above zero and at most 24h"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        for bad in ["", "0s", "-1s", "5 parsecs", "s", "25h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
