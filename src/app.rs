//! The CLI edge: turns parsed arguments into a plan, runs it, writes the report, and decides the
//! exit code. Errors here are `anyhow` with context; the library below stays typed.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use edgeaudit::engine::{self, Progress, ScanPlan, WifiSource};
use edgeaudit::finding::{Finding, Severity};
use edgeaudit::i18n::Lang;
use edgeaudit::observation::{Scan, VantageChoice};
use edgeaudit::output::write_atomically;
use edgeaudit::ports::parse_port_spec;
use edgeaudit::probe::tls::trust::TrustStore;
use edgeaudit::probe::ProbeConfig;
use edgeaudit::profile::{self, Profile};
use edgeaudit::report::{self, Format, ProfileRef, Report};
use edgeaudit::resolve::{parse_resolver_arg, Resolver};
use edgeaudit::target::{parse_target, parse_targets_file, CidrLimit, Target};

use crate::cli::{
    Command, EvaluateArgs, FailOn, FormatArg, LangArg, NetworkArgs, OutputArgs, ProfilesCommand,
    TargetArgs, VantageArg, WifiArgs,
};

/// Documented exit codes (README.md, `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean = 0,
    ViolationsAtOrAboveThreshold = 1,
    /// Usage, configuration or file errors; clap uses 2 for its own errors too.
    Error = 2,
    SomeTargetsNotTested = 3,
}

/// How long a name lookup may take before the target is reported as not resolvable.
const RESOLVER_TIMEOUT: Duration = Duration::from_secs(5);

pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Scan(args) => scan(
            &args.targets,
            &args.ports,
            &args.network,
            &args.output,
            Mode::Exposure {
                tls_audit: !args.no_tls_audit,
                udp_ports: engine::parse_udp_ports(&args.udp_ports)
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("--udp-ports {:?}", args.udp_ports))?,
            },
        ),
        Command::Tls(args) => scan(
            &args.targets,
            &args.ports,
            &args.network,
            &args.output,
            Mode::Tls,
        ),
        Command::Wifi(args) => wifi(args),
        Command::Evaluate(args) => evaluate(args),
        Command::Profiles(command) => profiles(command),
    }
}

/// What a scan is for.
#[derive(Debug, Clone)]
enum Mode {
    /// `scan`: which ports are open and what answers, with the TLS engine on TLS ports.
    Exposure {
        tls_audit: bool,
        udp_ports: Vec<(u16, edgeaudit::observation::ServiceKind)>,
    },
    /// `tls`: every port is expected to speak TLS and gets the TLS engine.
    Tls,
}

fn scan(
    target_args: &TargetArgs,
    port_spec: &str,
    args: &NetworkArgs,
    output: &OutputArgs,
    mode: Mode,
) -> Result<Outcome> {
    // Everything that can be wrong with the input is found before any packet is sent.
    let profiles = load_profiles(&output.profiles)?;
    let targets = collect_targets(target_args)?;
    let ports = parse_port_spec(port_spec).with_context(|| format!("--ports {port_spec:?}"))?;
    let trust = TrustStore::from_arg(&args.trust_store)
        .with_context(|| format!("--trust-store {:?}", args.trust_store))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // The resolver binds to the runtime it is built in.
    let resolver = {
        let _runtime = runtime.enter();
        match &args.resolver {
            Some(server) => Resolver::with_server(
                parse_resolver_arg(server).with_context(|| format!("--resolver {server:?}"))?,
                RESOLVER_TIMEOUT,
            )
            .with_context(|| format!("setting up the resolver {server}"))?,
            None => Resolver::system(RESOLVER_TIMEOUT)
                .context("reading the system DNS configuration")?,
        }
    };
    let plan = ScanPlan {
        targets,
        ports,
        vantage: match args.vantage {
            VantageArg::Auto => VantageChoice::Auto,
            VantageArg::Outside => VantageChoice::Outside,
            VantageArg::Inside => VantageChoice::Inside,
        },
        probe: ProbeConfig {
            connect_timeout: args.connect_timeout,
            exchange_timeout: args.connect_timeout,
            per_host_concurrency: args.per_host as usize,
            per_host_connection_budget: args.host_budget as usize,
            expect_tls: matches!(mode, Mode::Tls),
            trust,
        },
        host_timeout: args.timeout,
        concurrency: args.concurrency as usize,
        resolver,
        tls_audit: match &mode {
            Mode::Exposure { tls_audit, .. } => *tls_audit,
            Mode::Tls => true,
        },
        udp_ports: match mode {
            Mode::Exposure { udp_ports, .. } => udp_ports,
            Mode::Tls => Vec::new(),
        },
    };

    let progress = Arc::new(Progress::default());
    let show_progress = !args.no_progress && std::io::stderr().is_terminal();
    let scan = runtime.block_on(async {
        let ticker = show_progress.then(|| tokio::spawn(draw_progress(progress.clone())));
        let scan = engine::run(plan, progress.clone()).await;
        if let Some(ticker) = ticker {
            ticker.abort();
            eprint!("\r\x1b[2K");
        }
        scan
    });
    finish(scan, &profiles, output)
}

/// Most frames one live capture keeps reading; beyond it the capture ends early.
const WIFI_MAX_FRAMES: usize = 1_000_000;

fn wifi(args: WifiArgs) -> Result<Outcome> {
    let profiles = load_profiles(&args.output.profiles)?;
    let source = match (&args.capture, &args.interface) {
        (Some(path), _) => WifiSource::Capture(path.clone()),
        (None, Some(name)) => WifiSource::Interface {
            name: name.clone(),
            duration: args.duration,
            max_frames: WIFI_MAX_FRAMES,
        },
        (None, None) => bail!("give --capture FILE or --interface IFACE"),
    };
    let scan = engine::run_wifi(&source, args.ssids.clone());
    if let Some(error) = scan.wifi.as_ref().and_then(|w| w.error.as_ref()) {
        eprintln!("edgeaudit: Wi-Fi survey not made: {error}");
    }
    finish(scan, &profiles, &args.output)
}

fn evaluate(args: EvaluateArgs) -> Result<Outcome> {
    let profiles = load_profiles(&args.output.profiles)?;
    let text = std::fs::read_to_string(&args.scan)
        .with_context(|| format!("cannot read {}", args.scan.display()))?;
    let scan = report::read_report_or_scan(&text)
        .with_context(|| format!("{} is not a usable edgeaudit scan", args.scan.display()))?;
    finish(scan, &profiles, &args.output)
}

/// Evaluates, renders, writes, and picks the exit code: the same path for live and saved scans.
fn finish(scan: Scan, profiles: &[Profile], output: &OutputArgs) -> Result<Outcome> {
    let findings = profile::evaluate(&scan, profiles);
    let outcome = outcome_of(&scan, &findings, output.fail_on);
    let profile_refs = profiles
        .iter()
        .map(|p| ProfileRef {
            id: p.id.clone(),
            version: p.version.clone(),
            title: p.title.clone(),
        })
        .collect();
    let report = Report::new(scan, profile_refs, findings);
    let lang = match output.lang {
        Some(LangArg::Ja) => Lang::Ja,
        Some(LangArg::En) => Lang::En,
        None => Lang::from_environment(),
    };
    let format = match output.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Md => Format::Markdown,
    };
    if let Some(path) = &output.save {
        let json = report::render(&report, Format::Json, lang, false);
        write_report(path, &json)?;
    }
    match &output.output {
        Some(path) => {
            let rendered = report::render(&report, format, lang, false);
            write_report(path, &rendered)?;
        }
        None => {
            let colour = matches!(format, Format::Text)
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let rendered = report::render(&report, format, lang, colour);
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(rendered.as_bytes())
                .and_then(|()| stdout.flush())
                .context("writing the report to standard output")?;
        }
    }
    Ok(outcome)
}

fn write_report(path: &Path, contents: &str) -> Result<()> {
    write_atomically(path, contents.as_bytes())
        .with_context(|| format!("cannot write the report to {}", path.display()))
}

fn outcome_of(scan: &Scan, findings: &[Finding], fail_on: FailOn) -> Outcome {
    let threshold = match fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::None => None,
    };
    let failing = threshold.is_some_and(|threshold| {
        findings
            .iter()
            .any(|f| f.is_violation() && f.severity >= threshold)
    });
    if failing {
        Outcome::ViolationsAtOrAboveThreshold
    } else if scan.targets.iter().any(|t| t.untested_reason().is_some())
        || scan.wifi.as_ref().is_some_and(|w| w.error.is_some())
    {
        Outcome::SomeTargetsNotTested
    } else {
        Outcome::Clean
    }
}

fn load_profiles(names: &[String]) -> Result<Vec<Profile>> {
    let mut profiles: Vec<Profile> = Vec::new();
    for name in names {
        let profile = Profile::resolve(name)?;
        if profiles.iter().any(|p| p.id == profile.id) {
            bail!("profile {:?} is given twice", profile.id);
        }
        profiles.push(profile);
    }
    Ok(profiles)
}

fn collect_targets(args: &TargetArgs) -> Result<Vec<Target>> {
    let limit = if args.allow_large_cidr {
        CidrLimit::unlimited()
    } else {
        CidrLimit::default()
    };
    let mut targets = Vec::new();
    for input in &args.targets {
        targets.push(parse_target(input, &limit)?);
    }
    if let Some(file) = &args.targets_file {
        targets.extend(parse_targets_file(file, &limit)?);
    }
    if targets.is_empty() {
        bail!("no target given: name at least one TARGET or a --targets-file");
    }
    Ok(targets)
}

fn profiles(command: ProfilesCommand) -> Result<Outcome> {
    let mut stdout = std::io::stdout().lock();
    match command {
        ProfilesCommand::List => {
            for id in profile::builtin_ids() {
                let p = Profile::builtin(id)?;
                writeln!(
                    stdout,
                    "{}\t{}\t{} checks\t{}",
                    p.id,
                    p.version,
                    p.checks.len(),
                    p.title.en
                )?;
            }
        }
        ProfilesCommand::Show { name } => match profile::builtin_source(&name) {
            Some(text) => stdout.write_all(text.as_bytes())?,
            None => {
                let p = Profile::resolve(&name)?;
                writeln!(
                    stdout,
                    "{} {} ({}): {} checks",
                    p.id,
                    p.version,
                    p.origin,
                    p.checks.len()
                )?;
            }
        },
        ProfilesCommand::Lint { file } => {
            let p = Profile::from_file(&file)?;
            writeln!(
                stdout,
                "{}: ok — profile {} {}, {} checks, {} references",
                file.display(),
                p.id,
                p.version,
                p.checks.len(),
                p.references.len()
            )?;
        }
    }
    Ok(Outcome::Clean)
}

/// Redraws one status line on stderr until aborted.
async fn draw_progress(progress: Arc<Progress>) {
    let mut interval = tokio::time::interval(Duration::from_millis(200));
    loop {
        interval.tick().await;
        let (targets_done, targets, ports_done, ports) = progress.snapshot();
        eprint!("\r\x1b[2Kedgeaudit: targets {targets_done}/{targets}, ports {ports_done}/{ports}");
        let _ = std::io::stderr().flush();
    }
}
