//! The report model and its renderers.
//!
//! One model ([`Report`]: the scan, the profiles applied, the findings and a summary) and one pure
//! renderer per format ([`render`]). Renderers never touch the network or the clock; the only
//! impure step is [`Report::new`] reading the current time for `generated_at`.
//!
//! Server-supplied strings (banners, HTTP titles and headers, certificate names) are hostile input:
//! every renderer passes them through [`terminal_safe`] (control and invisible formatting characters
//! become visible escapes) and the Markdown renderer escapes Markdown syntax on top. The JSON
//! document is described field by field in `docs/json-schema.md`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::finding::{sort_findings, Confidence, Finding, Requirement, Severity};
use crate::i18n::{Label, Lang, Localized};
use crate::observation::{
    CertificateChain, PortState, ProbeStatus, RdpAudit, Scan, ServiceObservation, SshAudit,
    TlsAudit, TlsSupport, Vantage, VantageChoice, WifiSurvey, SCHEMA_VERSION,
};

pub mod json;
pub mod markdown;
pub mod text;

/// The whole JSON document written by `scan --format json`: observations, findings and a summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`]; the same number as `scan.schema_version`.
    pub schema_version: u32,
    /// When the report was made (RFC 3339, UTC); the scan carries its own times.
    pub generated_at: String,
    /// The profiles the findings were evaluated against.
    pub profiles: Vec<ProfileRef>,
    pub scan: Scan,
    /// Sorted with [`sort_findings`]: violations first, worst first.
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

/// Which profile (and which version of it) the findings come from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProfileRef {
    pub id: String,
    pub version: String,
    pub title: Localized,
}

/// Violation counts, one per severity (all five always present in JSON).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn slot(&mut self, severity: Severity) -> &mut usize {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }

    pub fn total(&self) -> usize {
        Severity::ALL.iter().map(|s| self.get(*s)).sum()
    }
}

/// Counts a reader wants first. Derived from `scan` and `findings`; recomputed by [`Summary::of`].
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Targets as the user gave them (a name, an address or a CIDR block).
    pub targets: usize,
    /// Addresses audited, over all targets.
    pub hosts: usize,
    /// Ports seen open, over all hosts.
    pub open_ports: usize,
    /// Findings with status `violation`, by severity.
    pub violations_by_severity: SeverityCounts,
    /// Findings with status `not_tested`.
    pub not_tested: usize,
    /// Targets that could not be (fully) tested: name not resolved, or a host's time or connection
    /// budget ran out (see `TargetObservation::untested_reason`).
    pub untested_targets: usize,
}

impl Summary {
    pub fn of(scan: &Scan, findings: &[Finding]) -> Summary {
        let mut summary = Summary {
            targets: scan.targets.len(),
            ..Summary::default()
        };
        for target in &scan.targets {
            summary.hosts += target.hosts.len();
            summary.open_ports += target
                .hosts
                .iter()
                .flat_map(|h| &h.ports)
                .filter(|p| p.state == PortState::Open)
                .count();
            if target.untested_reason().is_some() {
                summary.untested_targets += 1;
            }
        }
        for finding in findings {
            if finding.is_violation() {
                *summary.violations_by_severity.slot(finding.severity) += 1;
            } else {
                summary.not_tested += 1;
            }
        }
        summary
    }

    pub fn violations(&self) -> usize {
        self.violations_by_severity.total()
    }
}

impl Report {
    /// Builds the report: sorts the findings and computes the summary; `generated_at` is now.
    pub fn new(scan: Scan, profiles: Vec<ProfileRef>, findings: Vec<Finding>) -> Report {
        let now = time::OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let generated_at = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| now.unix_timestamp().to_string());
        Report::generated_at(scan, profiles, findings, generated_at)
    }

    /// As [`Report::new`], with a given `generated_at` (RFC 3339): reproducible output for tests.
    pub fn generated_at(
        scan: Scan,
        profiles: Vec<ProfileRef>,
        mut findings: Vec<Finding>,
        generated_at: String,
    ) -> Report {
        sort_findings(&mut findings);
        let summary = Summary::of(&scan, &findings);
        Report {
            schema_version: SCHEMA_VERSION,
            generated_at,
            profiles,
            scan,
            findings,
            summary,
        }
    }
}

/// Why a saved document could not be read. The CLI prefixes the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportReadError {
    /// Bad JSON, or JSON that does not match the schema (missing field, wrong type, unknown field).
    #[error("line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// The document is valid JSON but not an object.
    #[error("not an edgeaudit report or scan: expected a JSON object, found {found}")]
    NotAnObject { found: &'static str },
    /// A `schema_version` this build does not read.
    #[error(
        "unsupported {field} {found}: this edgeaudit ({tool_version}) reads schema_version {supported} only{hint}",
        tool_version = env!("CARGO_PKG_VERSION"),
        hint = version_hint(.newer)
    )]
    UnsupportedVersion {
        /// `schema_version`, or `scan.schema_version` inside a report.
        field: &'static str,
        /// The value found, as JSON text.
        found: String,
        supported: u32,
        newer: bool,
    },
}

fn version_hint(newer: &bool) -> &'static str {
    if *newer {
        " (the document was written by a newer edgeaudit; upgrade to read it)"
    } else {
        ""
    }
}

impl From<serde_json::Error> for ReportReadError {
    fn from(err: serde_json::Error) -> Self {
        let (line, column) = (err.line(), err.column());
        let full = err.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
        ReportReadError::Json {
            line,
            column,
            message,
        }
    }
}

/// Reads a saved document: a [`Report`] (its `scan` is returned) or a bare [`Scan`].
///
/// The `schema_version` is checked before the body, so a document from a newer edgeaudit gets a
/// message naming both versions rather than an "unknown field" error. Of a report only the scan is
/// read: its findings and summary are recomputed from it, whatever profiles are applied now.
pub fn read_report_or_scan(text: &str) -> Result<Scan, ReportReadError> {
    if check_header(text)? {
        Ok(serde_json::from_str::<SavedReport>(text)?.scan)
    } else {
        Ok(serde_json::from_str::<Scan>(text)?)
    }
}

/// A [`Report`] as [`read_report_or_scan`] reads it: the scan strictly, the rest skipped.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedReport {
    #[serde(rename = "schema_version")]
    _schema_version: u32,
    #[serde(rename = "generated_at", default)]
    _generated_at: Option<serde::de::IgnoredAny>,
    #[serde(rename = "profiles", default)]
    _profiles: Option<serde::de::IgnoredAny>,
    scan: Scan,
    #[serde(rename = "findings", default)]
    _findings: Option<serde::de::IgnoredAny>,
    #[serde(rename = "summary", default)]
    _summary: Option<serde::de::IgnoredAny>,
}

/// Checks the document is an object with a supported `schema_version` (and, for a report, a
/// supported `scan.schema_version`). Returns whether it is a report (it has a `scan` member). A missing `schema_version`
/// is left for the typed parse to report, with its line and column.
fn check_header(text: &str) -> Result<bool, ReportReadError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let object = value.as_object().ok_or(ReportReadError::NotAnObject {
        found: json_kind(&value),
    })?;
    check_version("schema_version", object.get("schema_version"))?;
    let is_report = object.contains_key("scan");
    if let Some(scan) = object.get("scan").and_then(|s| s.as_object()) {
        check_version("scan.schema_version", scan.get("schema_version"))?;
    }
    Ok(is_report)
}

fn check_version(
    field: &'static str,
    value: Option<&serde_json::Value>,
) -> Result<(), ReportReadError> {
    let Some(value) = value else { return Ok(()) };
    if value.as_u64() == Some(u64::from(SCHEMA_VERSION)) {
        return Ok(());
    }
    Err(ReportReadError::UnsupportedVersion {
        field,
        found: value.to_string(),
        supported: SCHEMA_VERSION,
        newer: value
            .as_u64()
            .is_some_and(|v| v > u64::from(SCHEMA_VERSION)),
    })
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal text (optionally coloured).
    Text,
    /// The whole [`Report`] as pretty JSON (the documented schema).
    Json,
    /// Markdown (GitHub flavoured tables).
    Markdown,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Text, Format::Json, Format::Markdown];

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown format {other:?} (expected text, json or markdown)"
            )),
        }
    }
}

/// Renders the report. `lang` and `colour` do not affect JSON; `colour` only affects text.
pub fn render(report: &Report, format: Format, lang: Lang, colour: bool) -> String {
    match format {
        Format::Text => text::render(report, lang, colour),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, lang),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the text and Markdown renderers.

/// Makes a string safe to print: control characters (C0, DEL, C1) become `\xNN`, and invisible
/// formatting characters that can reorder or hide text (bidi overrides, zero-width characters,
/// line separators) become `\u{NNNN}`. Everything else, including Japanese text, is kept.
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_safe(&mut out, c);
    }
    out
}

fn push_safe(out: &mut String, c: char) {
    if c.is_control() {
        out.push_str(&format!("\\x{:02x}", c as u32));
    } else if is_invisible_format(c) {
        out.push_str(&format!("\\u{{{:04x}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// As [`terminal_safe`], for multi-line texts from profiles: keeps line breaks (`\r\n` and `\r`
/// become `\n`) and turns tabs into spaces.
fn terminal_safe_lines(s: &str) -> String {
    let normalised = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalised.len());
    for c in normalised.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            c => push_safe(&mut out, c),
        }
    }
    out
}

fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{206a}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// Columns a string takes in a terminal: East Asian wide and full-width characters count 2,
/// combining marks and zero-width characters 0, everything else 1.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let cp = c as u32;
    let zero = matches!(cp,
        0x0300..=0x036f | 0x0483..=0x0489 | 0x0591..=0x05bd | 0x0610..=0x061a | 0x064b..=0x065f
        | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0x20d0..=0x20ff | 0x3099..=0x309a
        | 0xfe00..=0xfe0f | 0xfe20..=0xfe2f | 0xfeff | 0xe0100..=0xe01ef);
    if zero || c.is_control() {
        return 0;
    }
    let wide = matches!(cp,
        0x1100..=0x115f | 0x231a..=0x231b | 0x2329..=0x232a | 0x23e9..=0x23ec | 0x25fd..=0x25fe
        | 0x2614..=0x2615 | 0x2648..=0x2653 | 0x26a1 | 0x26aa..=0x26ab | 0x26bd..=0x26be
        | 0x26c4..=0x26c5 | 0x26ce | 0x26d4 | 0x26ea | 0x26f2..=0x26f5 | 0x26fa | 0x26fd | 0x2705
        | 0x270a..=0x270b | 0x2728 | 0x274c | 0x2753..=0x2755 | 0x2757 | 0x2795..=0x2797 | 0x27b0
        | 0x27bf | 0x2b1b..=0x2b1c | 0x2b50 | 0x2b55 | 0x2e80..=0x303e | 0x3041..=0x3247
        | 0x3250..=0x4dbf | 0x4e00..=0xa4cf | 0xa960..=0xa97f | 0xac00..=0xd7a3 | 0xf900..=0xfaff
        | 0xfe10..=0xfe19 | 0xfe30..=0xfe6f | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x16fe0..=0x18cff
        | 0x1b000..=0x1b2ff | 0x1f004 | 0x1f0cf | 0x1f18e | 0x1f191..=0x1f19a | 0x1f200..=0x1f251
        | 0x1f300..=0x1f64f | 0x1f680..=0x1f6ff | 0x1f7e0..=0x1f7eb | 0x1f900..=0x1f9ff
        | 0x1fa70..=0x1faff | 0x20000..=0x2fffd | 0x30000..=0x3fffd);
    if wide {
        2
    } else {
        1
    }
}

/// Cuts a string to at most `max` characters, marking the cut with `…`.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn severity_label(severity: Severity) -> Label {
    match severity {
        Severity::Critical => Label::SeverityCritical,
        Severity::High => Label::SeverityHigh,
        Severity::Medium => Label::SeverityMedium,
        Severity::Low => Label::SeverityLow,
        Severity::Info => Label::SeverityInfo,
    }
}

fn confidence_label(confidence: Confidence) -> Label {
    match confidence {
        Confidence::Certain => Label::ConfidenceCertain,
        Confidence::Firm => Label::ConfidenceFirm,
        Confidence::Tentative => Label::ConfidenceTentative,
    }
}

fn requirement_label(requirement: Requirement) -> Label {
    match requirement {
        Requirement::Mandatory => Label::RequirementMandatory,
        Requirement::Recommended => Label::RequirementRecommended,
    }
}

fn vantage_label(vantage: Vantage) -> Label {
    match vantage {
        Vantage::Outside => Label::VantageOutside,
        Vantage::Inside => Label::VantageInside,
    }
}

fn vantage_choice_label(choice: VantageChoice) -> Label {
    match choice {
        VantageChoice::Auto => Label::VantageAuto,
        VantageChoice::Outside => Label::VantageOutside,
        VantageChoice::Inside => Label::VantageInside,
    }
}

fn probe_status_name(status: ProbeStatus) -> &'static str {
    match status {
        ProbeStatus::Success => "success",
        ProbeStatus::Unrecognised => "unrecognised",
        ProbeStatus::Timeout => "timeout",
        ProbeStatus::ConnectionClosed => "connection_closed",
        ProbeStatus::ProtocolError => "protocol_error",
        ProbeStatus::BudgetExhausted => "budget_exhausted",
    }
}

/// How many addresses the summary lists per vantage before cutting to a count.
const VANTAGE_ADDRESSES_SHOWN: usize = 6;

/// The vantage line of the summary: what was requested, then the addresses under each applied
/// vantage. Plain text, already [`terminal_safe`] (addresses are typed).
fn vantage_summary(scan: &Scan, lang: Lang) -> String {
    let mut parts = vec![format!(
        "{} ({})",
        vantage_choice_label(scan.vantage_requested).text(lang),
        Label::Requested.text(lang)
    )];
    for vantage in [Vantage::Outside, Vantage::Inside] {
        let addresses: Vec<String> = scan
            .targets
            .iter()
            .flat_map(|t| &t.hosts)
            .filter(|h| h.vantage == vantage)
            .map(|h| h.address.to_string())
            .collect();
        if addresses.is_empty() {
            continue;
        }
        let mut shown = addresses
            .iter()
            .take(VANTAGE_ADDRESSES_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if addresses.len() > VANTAGE_ADDRESSES_SHOWN {
            shown.push_str(&format!(
                ", … (+{})",
                addresses.len() - VANTAGE_ADDRESSES_SHOWN
            ));
        }
        parts.push(format!("{}: {shown}", vantage_label(vantage).text(lang)));
    }
    parts.join("; ")
}

/// A profile as one line: `id version — title`. Already [`terminal_safe`].
fn profile_line(profile: &ProfileRef, lang: Lang) -> String {
    terminal_safe(&format!(
        "{} {} — {}",
        profile.id,
        profile.version,
        profile.title.get(lang)
    ))
}

/// The TLS engine's facts for one port as plain lines (no indentation, no markup): a header, then
/// per version its support and, for accepted versions, one line per suite with its code point,
/// IANA name and OpenSSL name. Server-supplied text never appears here (names come from the
/// registry or our own probe), so the lines are safe to print as they are.
pub fn tls_audit_lines(port: u16, audit: &TlsAudit, lang: Lang) -> Vec<String> {
    let pick = |ja: &'static str, en: &'static str| if lang == Lang::Ja { ja } else { en };
    let mut lines = vec![format!(
        "TLS {port}/tcp — {} {}{}",
        pick("ハンドシェイク数", "handshakes"),
        audit.handshakes,
        audit
            .sni
            .as_ref()
            .map(|sni| format!(", SNI {}", terminal_safe(sni)))
            .unwrap_or_default()
    )];
    for version in &audit.versions {
        let support = match &version.support {
            TlsSupport::Accepted => {
                let order = match version.server_preference {
                    Some(true) => pick("サーバー優先順", "server's order"),
                    Some(false) => pick("クライアント優先順", "client's order"),
                    None => pick("優先順は未検査", "order not tested"),
                };
                let lower_bound = if version.enumeration_complete {
                    ""
                } else {
                    pick(
                        "、列挙は未完了(下限)",
                        ", enumeration incomplete (lower bound)",
                    )
                };
                let count = version.cipher_suites.len();
                match lang {
                    Lang::Ja => format!("受理: {count} 件の暗号スイート、{order}{lower_bound}"),
                    Lang::En => format!("accepted: {count} cipher suites, {order}{lower_bound}"),
                }
            }
            TlsSupport::Rejected { reason } => {
                format!("{} {}", pick("拒否:", "rejected:"), terminal_safe(reason))
            }
            TlsSupport::NotTested { reason } => {
                format!("{} {}", Label::NotTested.text(lang), terminal_safe(reason))
            }
        };
        lines.push(format!("  {:<8} {support}", version.version));
        for suite in &version.cipher_suites {
            lines.push(format!(
                "    0x{:04X}  {}  {}",
                suite.code,
                terminal_safe(&suite.name),
                suite
                    .openssl_name
                    .as_deref()
                    .map(terminal_safe)
                    .unwrap_or_default()
            ));
        }
    }
    lines.extend(tls_key_exchange_lines(audit, lang));
    if let Some(chain) = &audit.certificate_chain {
        lines.extend(certificate_chain_lines(chain, lang));
    }
    for note in &audit.notes {
        lines.push(format!(
            "  {}: {}",
            Label::Note.text(lang),
            terminal_safe(note)
        ));
    }
    lines
}

/// The RDP audit of a port as plain lines: each negotiation and its outcome, then NLA,
/// Standard RDP Security, the TLS channel and the NTLM names. Server-supplied text goes through
/// [`terminal_safe`].
pub fn rdp_audit_lines(port: u16, audit: &RdpAudit, lang: Lang) -> Vec<String> {
    let pick = |ja: &'static str, en: &'static str| if lang == Lang::Ja { ja } else { en };
    let mut lines = vec![format!(
        "RDP {port}/tcp — {} {}",
        pick("接続数", "connections"),
        audit.connections
    )];
    for n in &audit.negotiations {
        lines.push(format!(
            "  {} {:<18} → {}",
            pick("要求", "request"),
            terminal_safe(&n.protocol),
            terminal_safe(&crate::probe::rdp::audit::outcome_text(&n.outcome))
        ));
    }
    let accepted = if audit.accepted.is_empty() {
        "-".to_string()
    } else {
        audit.accepted.join(", ")
    };
    lines.push(format!(
        "  {}: {accepted}; NLA {}: {}; {}: {}",
        pick("受理", "accepted"),
        pick("必須", "required"),
        tri_state(audit.nla_required, lang),
        pick("標準 RDP セキュリティ", "Standard RDP Security"),
        tri_state(audit.standard_rdp_security_allowed, lang),
    ));
    if let Some(sec) = &audit.standard_security {
        lines.push(format!(
            "  {}: {}, {}{}",
            pick(
                "標準 RDP セキュリティの暗号化",
                "Standard RDP Security encryption"
            ),
            terminal_safe(&sec.encryption_method),
            terminal_safe(&sec.encryption_level),
            sec.server_version_name
                .as_deref()
                .map(|v| format!(", {} {}", pick("サーバー", "server"), terminal_safe(v)))
                .unwrap_or_default()
        ));
    }
    if let Some(tls) = &audit.tls {
        let cert = tls
            .certificate
            .as_ref()
            .map(|c| {
                format!(
                    "{}{}",
                    terminal_safe(&c.subject),
                    if c.self_signed {
                        pick("(自己署名)", " (self-signed)")
                    } else {
                        ""
                    }
                )
            })
            .unwrap_or_else(|| "-".into());
        let mut outcome = tls
            .version
            .as_deref()
            .map(terminal_safe)
            .unwrap_or_else(|| "-".into());
        if let Some(e) = &tls.handshake_error {
            outcome.push_str(&format!(" ({})", terminal_safe(e)));
        }
        lines.push(format!(
            "  TLS ({}): {outcome}; {}: {cert}",
            terminal_safe(&tls.rdp_protocol),
            pick("証明書", "certificate"),
        ));
    }
    if let Some(ntlm) = &audit.ntlm {
        let fields: Vec<String> = [
            ("NetBIOS", &ntlm.netbios_computer),
            (
                pick("NetBIOS ドメイン", "NetBIOS domain"),
                &ntlm.netbios_domain,
            ),
            ("DNS", &ntlm.dns_computer),
            (pick("DNS ドメイン", "DNS domain"), &ntlm.dns_domain),
            ("OS", &ntlm.os_version),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", terminal_safe(v))))
        .collect();
        lines.push(format!(
            "  NTLM: {}",
            if fields.is_empty() {
                "-".to_string()
            } else {
                fields.join(", ")
            }
        ));
    }
    for note in &audit.notes {
        lines.push(format!(
            "  {}: {}",
            Label::Note.text(lang),
            terminal_safe(note)
        ));
    }
    lines
}

/// The Wi-Fi section of a report, renderer-neutral: plain cells (already [`terminal_safe`]),
/// the organisation's networks first, then the nearby ones.
pub struct WifiTables {
    /// `capture FILE …` and what was read.
    pub source: String,
    pub header: Vec<&'static str>,
    pub own: Vec<Vec<String>>,
    pub nearby: Vec<Vec<String>>,
    /// Frames and elements skipped, by reason; whether every network was judged.
    pub notes: Vec<String>,
    /// Why the survey could not be made.
    pub error: Option<String>,
}

impl WifiTables {
    pub fn new(survey: &WifiSurvey, lang: Lang) -> WifiTables {
        let pick = |ja: &'static str, en: &'static str| if lang == Lang::Ja { ja } else { en };
        let header = vec![
            "SSID",
            "BSSID",
            pick("ch", "ch"),
            pick("セキュリティ方式", "security"),
            pick("暗号", "ciphers"),
            "AKM",
            "PMF",
            "WPS",
            "dBm",
        ];
        let mut tables = WifiTables {
            source: terminal_safe(&survey.source),
            header,
            own: Vec::new(),
            nearby: Vec::new(),
            notes: Vec::new(),
            error: survey.error.as_deref().map(terminal_safe),
        };
        let Some(capture) = &survey.capture else {
            return tables;
        };
        tables.source = format!(
            "{} — {} {}, {} {}, {} {}",
            terminal_safe(&survey.source),
            capture.records,
            pick("レコード", "records"),
            capture.management_frames,
            pick("ビーコン/プローブ応答", "beacons/probe responses"),
            capture.access_points.len(),
            pick("アクセスポイント", "access points"),
        );
        for ap in &capture.access_points {
            let join = |items: Vec<String>| {
                if items.is_empty() {
                    "-".to_string()
                } else {
                    items.join(",")
                }
            };
            let mut ciphers: Vec<String> = ap
                .pairwise_ciphers
                .iter()
                .map(|c| terminal_safe(&json_name(c)))
                .collect();
            if let Some(group) = &ap.group_cipher {
                ciphers.push(format!(
                    "{}:{}",
                    pick("グループ", "group"),
                    json_name(group)
                ));
            }
            let row = vec![
                if ap.ssid.hidden {
                    pick("(非公開)", "(hidden)").to_string()
                } else {
                    terminal_safe(&ap.ssid.text)
                },
                terminal_safe(&ap.bssid),
                ap.channel
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "-".into()),
                ap.security.label(lang).to_string(),
                join(ciphers),
                join(
                    ap.akm_suites
                        .iter()
                        .map(|a| terminal_safe(&json_name(a)))
                        .collect(),
                ),
                ap.pmf.name().to_string(),
                ap.wps.name().to_string(),
                ap.strongest_signal_dbm
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
            ];
            if survey.is_own(ap) {
                tables.own.push(row);
            } else {
                tables.nearby.push(row);
            }
        }
        if survey.own_ssids.is_empty() {
            tables.notes.push(
                pick(
                    "--ssid の指定がないため、受信したすべてのネットワークを組織のものとして評価しました",
                    "no --ssid given: every network heard was judged as the organisation's",
                )
                .to_string(),
            );
        }
        for skip in &capture.skipped {
            tables.notes.push(format!(
                "{}: {} × {}",
                pick("読み飛ばし", "skipped"),
                json_name(&skip.reason),
                skip.count
            ));
        }
        tables
    }
}

/// The serde name of a unit enum value (`ccmp_128`, `psk`, `bad_fcs`…).
fn json_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

/// The SSH audit of a port as plain lines: software, algorithm lists, host keys, authentication.
pub fn ssh_audit_lines(port: u16, audit: &SshAudit, lang: Lang) -> Vec<String> {
    let pick = |ja: &'static str, en: &'static str| if lang == Lang::Ja { ja } else { en };
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items
                .iter()
                .map(|i| terminal_safe(i))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut lines = vec![format!(
        "SSH {port}/tcp — {} {}{}",
        pick("接続数", "connections"),
        audit.connections,
        audit
            .identification
            .as_ref()
            .map(|id| format!(", {}", terminal_safe(&id.software)))
            .unwrap_or_default()
    )];
    let mut ciphers = audit.ciphers_server_to_client.clone();
    for c in &audit.ciphers_client_to_server {
        if !ciphers.contains(c) {
            ciphers.push(c.clone());
        }
    }
    let mut macs = audit.macs_server_to_client.clone();
    for m in &audit.macs_client_to_server {
        if !macs.contains(m) {
            macs.push(m.clone());
        }
    }
    lines.push(format!(
        "  {}: {}",
        pick("鍵交換", "kex"),
        list(&audit.kex_algorithms)
    ));
    lines.push(format!(
        "  {}: {}",
        pick("ホスト鍵アルゴリズム", "host key algorithms"),
        list(&audit.host_key_algorithms)
    ));
    lines.push(format!("  {}: {}", pick("暗号", "ciphers"), list(&ciphers)));
    lines.push(format!("  MAC: {}", list(&macs)));
    for key in &audit.host_keys {
        lines.push(format!(
            "  {}: {}{} {}",
            pick("ホスト鍵", "host key"),
            terminal_safe(&key.key_type),
            key.bits.map(|b| format!(" {b}")).unwrap_or_default(),
            terminal_safe(&key.fingerprint_sha256),
        ));
    }
    lines.push(format!(
        "  {}: {}; strict KEX: {}",
        pick("認証方式", "authentication methods"),
        audit
            .auth_methods
            .as_deref()
            .map(list)
            .unwrap_or_else(|| Label::NotTested.text(lang).to_string()),
        tri_state(audit.strict_kex, lang),
    ));
    for note in &audit.notes {
        lines.push(format!(
            "  {}: {}",
            Label::Note.text(lang),
            terminal_safe(note)
        ));
    }
    lines
}

/// Yes / no / not tested, in the report's language.
fn tri_state(value: Option<bool>, lang: Lang) -> &'static str {
    match (value, lang) {
        (Some(true), Lang::Ja) => "あり",
        (Some(true), Lang::En) => "yes",
        (Some(false), Lang::Ja) => "なし",
        (Some(false), Lang::En) => "no",
        (None, _) => Label::NotTested.text(lang),
    }
}

/// Groups, DH prime size and protocol options of a TLS audit, one line each.
fn tls_key_exchange_lines(audit: &TlsAudit, lang: Lang) -> Vec<String> {
    let pick = |ja: &'static str, en: &'static str| if lang == Lang::Ja { ja } else { en };
    let mut lines = Vec::new();
    // One line per version, in the order the audit found them.
    let mut versions: Vec<&str> = Vec::new();
    for g in &audit.groups {
        if !versions.contains(&g.version.as_str()) {
            versions.push(&g.version);
        }
    }
    for version in versions {
        let names: Vec<String> = audit
            .groups
            .iter()
            .filter(|g| g.version == version)
            .map(|g| terminal_safe(&g.name))
            .collect();
        lines.push(format!(
            "  {} {}: {}",
            pick("鍵交換グループ", "groups"),
            terminal_safe(version),
            names.join(", ")
        ));
    }
    if let Some(bits) = audit.dh_prime_bits {
        lines.push(format!(
            "  {}: {bits} {}",
            pick("DHE 素数", "DHE prime"),
            pick("ビット", "bits")
        ));
    }
    if let Some(o) = &audit.options {
        let heartbleed = match (o.heartbleed, lang) {
            (None, _) if o.heartbeat == Some(false) => pick("対象外", "n/a"),
            (Some(true), Lang::Ja) => "脆弱",
            (Some(true), Lang::En) => "VULNERABLE",
            (Some(false), Lang::Ja) => "脆弱性なし",
            (Some(false), Lang::En) => "not vulnerable",
            (None, _) => Label::NotTested.text(lang),
        };
        let alpn = if o.alpn.is_empty() {
            "-".to_string()
        } else {
            o.alpn
                .iter()
                .map(|p| terminal_safe(p))
                .collect::<Vec<_>>()
                .join(",")
        };
        lines.push(format!(
            "  {}: {} {}; {} {}; {} {}; {} {}; Heartbleed {}; {} {}; ALPN {}",
            pick("オプション", "options"),
            pick("安全な再ネゴシエーション", "secure renegotiation"),
            tri_state(o.secure_renegotiation, lang),
            pick("圧縮", "compression"),
            tri_state(o.compression, lang),
            "TLS_FALLBACK_SCSV",
            tri_state(o.fallback_scsv, lang),
            "heartbeat",
            tri_state(o.heartbeat, lang),
            heartbleed,
            pick("セッションチケット", "session tickets"),
            tri_state(o.session_ticket, lang),
            alpn,
        ));
    }
    lines
}

/// The certificate chain of a TLS audit: the leaf in one line, then trust, name and chain facts.
/// Certificate names are server-supplied: they go through [`terminal_safe`].
fn certificate_chain_lines(chain: &CertificateChain, lang: Lang) -> Vec<String> {
    let pick = |ja: &'static str, en: &'static str| if lang == Lang::Ja { ja } else { en };
    let mut lines = Vec::new();
    let Some(leaf) = chain.certificates.first() else {
        lines.push(format!(
            "  {}: {}",
            pick("証明書", "certificate"),
            terminal_safe(
                chain
                    .handshake_error
                    .as_deref()
                    .unwrap_or(pick("受信なし", "none received"))
            )
        ));
        return lines;
    };
    let mut key = match leaf.key_bits {
        Some(bits) => format!("{} {bits}", terminal_safe(&leaf.key_type)),
        None => terminal_safe(&leaf.key_type),
    };
    if let Some(curve) = &leaf.curve {
        key.push_str(&format!(" {}", terminal_safe(curve)));
    }
    lines.push(format!(
        "  {}: {} ({} {}; {key}; {}; {} {})",
        pick("証明書", "certificate"),
        terminal_safe(&leaf.subject),
        pick("発行者", "issuer"),
        terminal_safe(&leaf.issuer),
        terminal_safe(&leaf.signature_algorithm),
        pick("有効期限", "valid until"),
        terminal_safe(&leaf.not_after),
    ));
    let trusted = match (chain.trusted, &chain.trust_error) {
        (Some(false), Some(e)) => {
            format!("{} ({})", tri_state(Some(false), lang), terminal_safe(e))
        }
        (value, _) => tri_state(value, lang).to_string(),
    };
    lines.push(format!(
        "  {}: {trusted}; {} {}; {} {}, {} {}; OCSP {} {}",
        pick("信頼", "trusted"),
        pick("名前一致", "name matches"),
        tri_state(chain.hostname_matches, lang),
        pick("送信数", "certificates sent"),
        chain.sent,
        pick("順序正常", "order ok"),
        tri_state(Some(chain.order_ok), lang),
        pick("ステープル", "stapled"),
        tri_state(Some(chain.ocsp_stapled), lang),
    ));
    if let Some(store) = &chain.trust_store {
        lines.push(format!(
            "  {}: {}",
            pick("信頼ストア", "trust store"),
            terminal_safe(store)
        ));
    }
    lines
}

/// Longest server-supplied string kept in a one-line evidence summary.
const EVIDENCE_FIELD_MAX: usize = 80;

/// A short, one-line summary of what identification saw on a port, safe to print
/// (every server-supplied part went through [`terminal_safe`] and is bounded).
fn evidence(service: &ServiceObservation, lang: Lang) -> String {
    let safe = |s: &str| truncate(&terminal_safe(s), EVIDENCE_FIELD_MAX);
    let mut parts: Vec<String> = Vec::new();
    if service.status != ProbeStatus::Success {
        parts.push(format!(
            "{}: {}",
            Label::ProbeResult.text(lang),
            probe_status_name(service.status)
        ));
    }
    if let Some(ssh) = &service.ssh {
        let mut s = format!(
            "SSH-{}-{}",
            safe(&ssh.protocol_version),
            safe(&ssh.software)
        );
        if let Some(comments) = &ssh.comments {
            s.push(' ');
            s.push_str(&safe(comments));
        }
        parts.push(s);
    }
    if let Some(http) = &service.http {
        let mut s = format!("HTTP {}", http.status_code);
        if let Some(server) = &http.server {
            s.push_str(&format!(", Server: {}", safe(server)));
        }
        if let Some(title) = &http.title {
            s.push_str(&format!(
                ", {} \"{}\"",
                Label::HttpTitle.text(lang),
                safe(title)
            ));
        }
        if let Some(auth) = &http.www_authenticate {
            s.push_str(&format!(", WWW-Authenticate: {}", safe(auth)));
        }
        if let Some(location) = &http.location {
            s.push_str(&format!(", Location: {}", safe(location)));
        }
        parts.push(s);
    }
    if let Some(tls) = &service.tls {
        let mut s = match (&tls.version, &tls.handshake_error) {
            (Some(version), _) => safe(version),
            (None, Some(error)) => format!("TLS: {}", safe(error)),
            (None, None) => "TLS".to_string(),
        };
        if let Some(cert) = &tls.certificate {
            s.push_str(&format!(
                ", {} {}, {} {}",
                Label::Certificate.text(lang),
                safe(&cert.subject),
                Label::Expires.text(lang),
                safe(&cert.not_after)
            ));
            if cert.self_signed {
                s.push_str(&format!(" ({})", Label::SelfSigned.text(lang)));
            }
        }
        parts.push(s);
    }
    if let Some(rdp) = &service.rdp {
        parts.push(format!("RDP {}", safe(&rdp.response)));
    }
    if let Some(vnc) = &service.vnc {
        parts.push(safe(&vnc.protocol_version));
    }
    if let Some(audit) = &service.vnc_audit {
        let types: Vec<String> = audit.security_types.iter().map(|t| safe(&t.name)).collect();
        if !types.is_empty() {
            parts.push(format!("VNC security: {}", types.join(", ")));
        }
    }
    if let Some(smb) = &service.smb_audit {
        if !smb.dialects.is_empty() {
            parts.push(format!("SMB {}", smb.dialects.join(", ")));
        }
        if smb.smb1_accepted == Some(true) {
            parts.push("SMBv1".into());
        }
    }
    if let Some(snmp) = &service.snmp_audit {
        if let Some(descr) = &snmp.sys_descr {
            parts.push(format!("SNMP public: {}", safe(descr)));
        }
    }
    if let Some(ssdp) = &service.ssdp_audit {
        if let Some(server) = ssdp.responses.iter().find_map(|r| r.server.as_deref()) {
            parts.push(format!("SSDP SERVER: {}", safe(server)));
        }
    }
    if let Some(ike) = &service.ike_audit {
        let mut versions = Vec::new();
        if ike.v2.as_ref().is_some_and(|v| v.answered) {
            versions.push("IKEv2");
        }
        if ike.v1.as_ref().is_some_and(|v| v.answered) {
            versions.push("IKEv1");
        }
        if !versions.is_empty() {
            parts.push(format!(
                "{} ({} datagrams)",
                versions.join(", "),
                ike.packets_sent
            ));
        }
    }
    if let Some(portal) = service.sslvpn.as_ref().and_then(|p| p.products.first()) {
        parts.push(format!(
            "SSL-VPN: {}{}",
            safe(&portal.name),
            portal
                .version
                .as_deref()
                .map(|v| format!(" {}", safe(v)))
                .unwrap_or_default()
        ));
    }
    if let Some(pptp) = &service.pptp {
        if let Some(vendor) = &pptp.vendor {
            parts.push(format!("PPTP vendor: {}", safe(vendor)));
        }
    }
    if let Some(l2tp) = &service.l2tp {
        if let Some(host) = &l2tp.host_name {
            parts.push(format!("L2TP host: {}", safe(host)));
        }
    }
    let structured = service.ssh.is_some()
        || service.http.is_some()
        || service.tls.is_some()
        || service.rdp.is_some()
        || service.vnc.is_some();
    if !structured {
        if let Some(banner) = &service.banner {
            parts.push(format!("\"{}\"", safe(&banner.escaped)));
        }
    }
    parts.join("; ")
}

/// The service column: its name, marked when only the port number suggested it.
fn service_name(service: Option<&ServiceObservation>, lang: Lang) -> String {
    match service {
        None => "?".to_string(),
        Some(s) => match s.method {
            crate::observation::IdentificationMethod::Protocol => s.kind.name().to_string(),
            crate::observation::IdentificationMethod::PortNumber => {
                format!("{}? ({})", s.kind.name(), Label::GuessedFromPort.text(lang))
            }
        },
    }
}

/// `closed 10, filtered 3, not tested 1` for the ports of a host that were not open.
fn other_ports_line(ports: &[crate::observation::PortObservation], lang: Lang) -> Option<String> {
    let count = |f: fn(&PortState) -> bool| ports.iter().filter(|p| f(&p.state)).count();
    let closed = count(|s| matches!(s, PortState::Closed));
    let filtered = count(|s| matches!(s, PortState::Filtered { .. }));
    let not_tested = count(|s| matches!(s, PortState::NotTested { .. }));
    let parts: Vec<String> = [
        (Label::PortClosed, closed),
        (Label::PortFiltered, filtered),
        (Label::NotTested, not_tested),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(label, n)| format!("{} {n}", label.text(lang)))
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! A small hand-built scan and findings, shared by the renderer tests.

    use super::*;
    use crate::finding::{FindingStatus, Location, Reference};
    use crate::observation::*;

    pub const HOSTILE_TITLE: &str = "Login\u{1b}[2J\u{1b}]0;pwned\u{7} | VPN\u{202e}gpj.exe";

    fn port(port: u16, state: PortState, service: Option<ServiceObservation>) -> PortObservation {
        PortObservation {
            port,
            transport: Transport::Tcp,
            state,
            connect_ms: Some(12),
            service,
        }
    }

    fn ssh() -> ServiceObservation {
        ServiceObservation {
            kind: ServiceKind::Ssh,
            banner: Some(Bytes::from_wire(
                b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n",
            )),
            ssh: Some(SshIdentification {
                protocol_version: "2.0".into(),
                software: "OpenSSH_9.6p1".into(),
                comments: Some("Ubuntu-3ubuntu13".into()),
            }),
            ..ServiceObservation::unknown(ProbeStatus::Success)
        }
    }

    fn https(title: &str, server: &str) -> ServiceObservation {
        ServiceObservation {
            kind: ServiceKind::Https,
            http: Some(HttpIdentification {
                status_code: 200,
                server: Some(server.into()),
                title: Some(title.into()),
                www_authenticate: None,
                location: None,
                strict_transport_security: None,
            }),
            tls: Some(TlsIdentification {
                version: Some("TLSv1.3".into()),
                cipher_suite: Some("TLS13_AES_256_GCM_SHA384".into()),
                alpn: Some("http/1.1".into()),
                handshake_error: None,
                certificate: Some(CertificateSummary {
                    subject: "CN=vpn.example.jp".into(),
                    issuer: "C=US, O=Let's Encrypt, CN=R11".into(),
                    self_signed: false,
                    not_before: "2025-11-01T00:00:00Z".into(),
                    not_after: "2026-01-30T00:00:00Z".into(),
                    dns_names: vec!["vpn.example.jp".into()],
                    signature_algorithm: "sha256WithRSAEncryption".into(),
                    key_type: "RSA".into(),
                    key_bits: Some(2048),
                    curve: None,
                }),
            }),
            ..ServiceObservation::unknown(ProbeStatus::Success)
        }
    }

    fn rdp() -> ServiceObservation {
        ServiceObservation {
            kind: ServiceKind::Rdp,
            rdp: Some(RdpIdentification {
                requested_protocols: vec!["PROTOCOL_SSL".into(), "PROTOCOL_HYBRID".into()],
                response: "selected:PROTOCOL_HYBRID".into(),
            }),
            ..ServiceObservation::unknown(ProbeStatus::Success)
        }
    }

    pub fn scan() -> Scan {
        Scan {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo {
                name: "edgeaudit".into(),
                version: "0.1.0".into(),
            },
            started_at: "2025-11-27T07:00:00Z".into(),
            finished_at: "2025-11-27T07:01:30Z".into(),
            vantage_requested: VantageChoice::Auto,
            settings: ScanSettings {
                ports: vec![22, 80, 443, 3389],
                connect_timeout_ms: 3000,
                target_timeout_ms: 60000,
                concurrency: 64,
                per_host_concurrency: 4,
                per_host_connection_budget: 256,
                resolver: "system".into(),
            },
            targets: vec![
                TargetObservation {
                    input: "vpn.example.jp".into(),
                    resolution: Resolution::Resolved {
                        name: "vpn.example.jp".into(),
                        resolver: "system".into(),
                        ipv4: vec!["203.0.113.10".parse().unwrap()],
                        ipv6: vec!["2001:db8::10".parse().unwrap()],
                    },
                    hosts: vec![
                        HostObservation {
                            address: "203.0.113.10".parse().unwrap(),
                            vantage: Vantage::Outside,
                            ports: vec![
                                port(22, PortState::Open, Some(ssh())),
                                port(80, PortState::Closed, None),
                                port(
                                    443,
                                    PortState::Open,
                                    Some(https(HOSTILE_TITLE, "nginx|1.25")),
                                ),
                                port(3389, PortState::Open, Some(rdp())),
                            ],
                            incomplete: None,
                        },
                        HostObservation {
                            address: "2001:db8::10".parse().unwrap(),
                            vantage: Vantage::Outside,
                            ports: vec![
                                port(22, PortState::Open, Some(ssh())),
                                port(
                                    80,
                                    PortState::Filtered {
                                        reason: "timeout".into(),
                                    },
                                    None,
                                ),
                                port(
                                    443,
                                    PortState::Open,
                                    Some(https("ログイン | 社内ポータル", "Apache")),
                                ),
                                port(
                                    3389,
                                    PortState::Filtered {
                                        reason: "timeout".into(),
                                    },
                                    None,
                                ),
                            ],
                            incomplete: None,
                        },
                    ],
                },
                TargetObservation {
                    input: "old.example.jp".into(),
                    resolution: Resolution::Failed {
                        name: "old.example.jp".into(),
                        resolver: "system".into(),
                        reason: "NXDOMAIN".into(),
                    },
                    hosts: vec![],
                },
            ],
            wifi: None,
        }
    }

    fn mic_reference() -> Reference {
        Reference {
            id: "mic-telework-5".into(),
            document: Localized::new(
                "総務省 テレワークセキュリティガイドライン 第5版",
                "MIC Telework Security Guideline, 5th edition",
            ),
            theme: Some(Localized::new(
                "アクセス制御・認可",
                "Access control and authorisation",
            )),
            item: None,
            url: Some("https://www.soumu.go.jp/main_sosiki/cybersecurity/telework/".into()),
        }
    }

    pub fn findings() -> Vec<Finding> {
        vec![
            Finding {
                id: "mic-telework/tls-certificate".into(),
                profile: "mic-telework".into(),
                rule: "tls-certificate".into(),
                status: FindingStatus::NotTested {
                    reason: "name did not resolve (NXDOMAIN)".into(),
                },
                severity: Severity::Medium,
                requirement: Requirement::Recommended,
                confidence: Confidence::Firm,
                location: Location {
                    target: "old.example.jp".into(),
                    address: None,
                    port: None,
                    service: None,
                },
                expected: Localized::new("有効な証明書", "a valid certificate"),
                actual: Localized::new("未検査", "not tested"),
                references: vec![Reference {
                    id: "org-policy".into(),
                    document: Localized::new("社内情報セキュリティ規程", "Internal security policy"),
                    theme: None,
                    item: Some("4.2".into()),
                    url: None,
                }],
                title: Localized::new("サーバ証明書を確認できません", "The server certificate could not be checked"),
                explanation: Localized::new(
                    "名前解決できないため、証明書を検査できませんでした。",
                    "The name did not resolve, so the certificate could not be checked.",
                ),
                remedy: Localized::new(
                    "DNS の設定を確認し、再診断してください。",
                    "Check the DNS records and scan again.",
                ),
            },
            Finding {
                id: "mic-telework/rdp-exposed".into(),
                profile: "mic-telework".into(),
                rule: "rdp-exposed".into(),
                status: FindingStatus::Violation,
                severity: Severity::High,
                requirement: Requirement::Mandatory,
                confidence: Confidence::Certain,
                location: Location {
                    target: "vpn.example.jp".into(),
                    address: Some("203.0.113.10".parse().unwrap()),
                    port: Some(3389),
                    service: Some("rdp".into()),
                },
                expected: Localized::new("rdp が外部から到達できないこと", "rdp not reachable from outside"),
                actual: Localized::new("rdp が 3389/tcp で開いている (selected:PROTOCOL_HYBRID)", "rdp open on 3389/tcp (selected:PROTOCOL_HYBRID)"),
                references: vec![mic_reference()],
                title: Localized::new(
                    "リモートデスクトップ(RDP)がインターネットから直接到達可能です",
                    "Remote Desktop (RDP) is reachable directly from the internet",
                ),
                explanation: Localized::new(
                    "RDP はパスワード総当たりや脆弱性攻撃の標的です。\nインターネットに直接公開しないでください。",
                    "RDP is a constant target of password guessing and exploits.\nDo not expose it to the internet.",
                ),
                remedy: Localized::new(
                    "VPN の内側からのみ接続できるようにしてください。",
                    "Allow RDP only from inside the VPN.",
                ),
            },
        ]
    }

    pub fn profiles() -> Vec<ProfileRef> {
        vec![ProfileRef {
            id: "mic-telework".into(),
            version: "5.0".into(),
            title: Localized::new(
                "総務省 テレワークセキュリティガイドライン",
                "MIC telework security guideline",
            ),
        }]
    }

    pub fn report() -> Report {
        Report::generated_at(
            scan(),
            profiles(),
            findings(),
            "2025-11-27T07:01:31Z".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_sorts_findings_and_counts() {
        let report = fixtures::report();
        assert_eq!(report.schema_version, SCHEMA_VERSION);
        assert_eq!(
            report.findings[0].id, "mic-telework/rdp-exposed",
            "violations first"
        );
        let s = report.summary;
        assert_eq!((s.targets, s.hosts, s.open_ports), (2, 2, 5));
        assert_eq!(s.violations_by_severity.high, 1);
        assert_eq!(s.violations(), 1);
        assert_eq!(s.not_tested, 1);
        assert_eq!(s.untested_targets, 1);
    }

    #[test]
    fn new_stamps_an_rfc3339_time() {
        let report = Report::new(fixtures::scan(), vec![], vec![]);
        assert!(
            report.generated_at.ends_with('Z'),
            "{}",
            report.generated_at
        );
        assert_eq!(report.generated_at.len(), "2025-11-27T07:01:31Z".len());
    }

    #[test]
    fn json_report_round_trips_to_its_scan() {
        let report = fixtures::report();
        let json = render(&report, Format::Json, Lang::En, false);
        assert_eq!(read_report_or_scan(&json).unwrap(), fixtures::scan());
    }

    #[test]
    fn report_members_other_than_the_scan_are_checked_by_name_only() {
        let mut report = serde_json::to_value(fixtures::report()).unwrap();
        report["findings"] = serde_json::json!([{"anything": true}]);
        assert_eq!(
            read_report_or_scan(&report.to_string()).unwrap(),
            fixtures::scan()
        );
        report["extra"] = true.into();
        let message = read_report_or_scan(&report.to_string())
            .unwrap_err()
            .to_string();
        assert!(message.contains("unknown field `extra`"), "{message}");
    }

    #[test]
    fn bare_scan_is_accepted() {
        let json = serde_json::to_string_pretty(&fixtures::scan()).unwrap();
        assert_eq!(read_report_or_scan(&json).unwrap(), fixtures::scan());
    }

    #[test]
    fn newer_schema_version_is_rejected_naming_both_versions() {
        let mut scan = serde_json::to_value(fixtures::scan()).unwrap();
        scan["schema_version"] = 2.into();
        scan["future_field"] = true.into();
        let err = read_report_or_scan(&scan.to_string()).unwrap_err();
        let message = err.to_string();
        assert!(matches!(
            err,
            ReportReadError::UnsupportedVersion { newer: true, .. }
        ));
        assert!(message.contains("schema_version 2"), "{message}");
        assert!(message.contains("reads schema_version 1"), "{message}");
        assert!(message.contains("newer edgeaudit"), "{message}");
    }

    #[test]
    fn unknown_schema_version_inside_a_report_is_rejected() {
        let mut report = serde_json::to_value(fixtures::report()).unwrap();
        report["scan"]["schema_version"] = "one".into();
        let message = read_report_or_scan(&report.to_string())
            .unwrap_err()
            .to_string();
        assert!(message.contains("scan.schema_version \"one\""), "{message}");
        assert!(!message.contains("newer"), "{message}");
    }

    #[test]
    fn malformed_json_error_names_line_and_column() {
        let text = "{\n  \"schema_version\": 1,\n  \"tool\": {\n}";
        let err = read_report_or_scan(text).unwrap_err();
        let ReportReadError::Json { line, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(line, 4);
        assert!(err.to_string().starts_with("line 4, column "), "{err}");
    }

    #[test]
    fn schema_mismatch_error_names_line_column_and_field() {
        let mut scan = serde_json::to_value(fixtures::scan()).unwrap();
        scan.as_object_mut().unwrap().remove("finished_at");
        let text = serde_json::to_string_pretty(&scan).unwrap();
        let message = read_report_or_scan(&text).unwrap_err().to_string();
        assert!(message.starts_with("line "), "{message}");
        assert!(message.contains("missing field `finished_at`"), "{message}");
        assert!(
            !message.contains(" at line "),
            "position given once: {message}"
        );
    }

    #[test]
    fn non_object_documents_are_rejected() {
        let message = read_report_or_scan("[1, 2]").unwrap_err().to_string();
        assert!(message.contains("found an array"), "{message}");
    }

    #[test]
    fn formats_parse_and_print() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>().unwrap(), format);
        }
        assert_eq!("md".parse::<Format>().unwrap(), Format::Markdown);
        assert!("html".parse::<Format>().is_err());
    }

    #[test]
    fn terminal_safe_escapes_controls_and_bidi_but_keeps_japanese() {
        assert_eq!(terminal_safe("a\u{1b}[31mb\u{7}"), "a\\x1b[31mb\\x07");
        assert_eq!(terminal_safe("x\u{9b}y"), "x\\x9by");
        assert_eq!(terminal_safe("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(terminal_safe("ログイン"), "ログイン");
        assert_eq!(terminal_safe_lines("a\r\nb\tc\u{1b}"), "a\nb c\\x1b");
    }

    #[test]
    fn display_width_counts_wide_characters_twice() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("ログイン"), 8);
        assert_eq!(display_width("社内ポータル"), 12);
        assert_eq!(display_width("ＡＢ"), 4);
        assert_eq!(display_width("ｶﾀｶﾅ"), 4, "half-width katakana is narrow");
        assert_eq!(display_width("e\u{301}"), 1);
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
