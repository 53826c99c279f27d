//! The terminal text renderer.
//!
//! Layout: a summary (scan, profiles, counts per severity), a list of findings, then per target the
//! resolution and per host the open ports with short evidence, then every finding in detail.
//! Columns are aligned by display width ([`display_width`]: Japanese full-width characters take two
//! columns). Every string that comes from the model goes through [`terminal_safe`] so a hostile
//! banner or title cannot send escape sequences to the terminal. ANSI colour only when asked.

use crate::finding::{Finding, FindingStatus, Severity};
use crate::i18n::{Label, Lang};
use crate::observation::{HostObservation, PortState, Resolution, TargetObservation, WifiSurvey};

use super::{
    confidence_label, display_width, evidence, other_ports_line, profile_line, rdp_audit_lines,
    requirement_label, service_name, severity_label, ssh_audit_lines, terminal_safe,
    terminal_safe_lines, tls_audit_lines, vantage_label, vantage_summary, Report, WifiTables,
};

const STYLE_BOLD: &str = "1";
const STYLE_NOT_TESTED: &str = "1;35";

fn severity_style(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "34",
    }
}

pub fn render(report: &Report, lang: Lang, colour: bool) -> String {
    let mut w = Writer {
        out: String::new(),
        lang,
        colour,
    };
    w.heading(Label::ReportTitle, '=');
    summary(&mut w, report);
    findings_list(&mut w, report);
    if let Some(survey) = &report.scan.wifi {
        wifi(&mut w, survey);
    }
    if !report.scan.targets.is_empty() || report.scan.wifi.is_none() {
        targets(&mut w, report);
    }
    details(&mut w, report);
    w.out
}

fn wifi(w: &mut Writer, survey: &WifiSurvey) {
    let t = WifiTables::new(survey, w.lang);
    let title = "Wi-Fi";
    w.line(&w.paint(Some(STYLE_BOLD), title));
    w.line(&"-".repeat(title.len()));
    w.blank();
    w.line(&format!("  {}", t.source));
    if let Some(error) = &t.error {
        w.not_tested_line("  ", error);
    }
    w.blank();
    let ja = w.lang == Lang::Ja;
    for (label, rows) in [
        (
            if ja {
                "組織のネットワーク"
            } else {
                "Organisation's networks"
            },
            &t.own,
        ),
        (
            if ja {
                "周辺のネットワーク(評価対象外)"
            } else {
                "Nearby networks (not judged)"
            },
            &t.nearby,
        ),
    ] {
        if rows.is_empty() {
            continue;
        }
        w.line(&format!("  {label}"));
        let mut table = vec![t.header.iter().map(|h| Cell::plain(*h)).collect::<Vec<_>>()];
        table.extend(
            rows.iter()
                .map(|r| r.iter().map(|c| Cell::plain(c.clone())).collect()),
        );
        w.table("    ", &table, &[2, 8]);
        w.blank();
    }
    for note in &t.notes {
        w.line(&format!("  {}: {note}", w.label(Label::Note)));
    }
    if !t.notes.is_empty() {
        w.blank();
    }
}

/// One table cell: plain (already safe) text and an optional ANSI style.
struct Cell {
    text: String,
    style: Option<&'static str>,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: None,
        }
    }

    fn styled(text: impl Into<String>, style: Option<&'static str>) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

struct Writer {
    out: String,
    lang: Lang,
    colour: bool,
}

impl Writer {
    fn label(&self, label: Label) -> &'static str {
        label.text(self.lang)
    }

    fn paint(&self, style: Option<&str>, text: &str) -> String {
        match style {
            Some(style) if self.colour => format!("\x1b[{style}m{text}\x1b[0m"),
            _ => text.to_string(),
        }
    }

    fn line(&mut self, text: &str) {
        self.out.push_str(text.trim_end());
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn heading(&mut self, label: Label, underline: char) {
        let text = self.label(label);
        let rule: String = std::iter::repeat_n(underline, display_width(text)).collect();
        let painted = self.paint(Some(STYLE_BOLD), text);
        self.line(&painted);
        self.line(&rule);
        self.blank();
    }

    /// The words "NOT TESTED" (upper case where the language has case), styled.
    fn not_tested_word(&self) -> String {
        self.label(Label::NotTested).to_uppercase()
    }

    /// `NOT TESTED: reason`, styled as a whole, at the given indent.
    fn not_tested_line(&mut self, indent: &str, reason: &str) {
        let text = format!("{}: {}", self.not_tested_word(), terminal_safe(reason));
        let painted = self.paint(Some(STYLE_NOT_TESTED), &text);
        self.line(&format!("{indent}{painted}"));
    }

    /// Aligned columns. The first row is a header (bold, underlined with dashes); columns listed
    /// in `right` are right-aligned; the last column is not padded.
    fn table(&mut self, indent: &str, rows: &[Vec<Cell>], right: &[usize]) {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                rows.iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| display_width(&cell.text))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // The last column (often long evidence or titles) is underlined only as wide as its header.
        let rule: Vec<Cell> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| {
                let width = match rows.first().and_then(|h| h.get(c)) {
                    Some(header) if c + 1 == columns => display_width(&header.text),
                    _ => *w,
                };
                Cell::plain("-".repeat(width))
            })
            .collect();
        for (index, row) in rows.iter().enumerate() {
            let header = index == 0;
            self.table_row(indent, row, &widths, right, header);
            if header {
                self.table_row(indent, &rule, &widths, right, false);
            }
        }
    }

    fn table_row(
        &mut self,
        indent: &str,
        row: &[Cell],
        widths: &[usize],
        right: &[usize],
        header: bool,
    ) {
        let mut line = indent.to_string();
        for (c, cell) in row.iter().enumerate() {
            let last = c + 1 == row.len();
            let gap = widths[c].saturating_sub(display_width(&cell.text));
            let style = if header { Some(STYLE_BOLD) } else { cell.style };
            let painted = self.paint(style, &cell.text);
            if right.contains(&c) {
                line.push_str(&" ".repeat(gap));
                line.push_str(&painted);
            } else {
                line.push_str(&painted);
                if !last {
                    line.push_str(&" ".repeat(gap));
                }
            }
            if !last {
                line.push_str("  ");
            }
        }
        self.line(&line);
    }

    /// `label  value` lines with the labels padded to one width; a value with several lines
    /// continues under the first.
    fn key_values(&mut self, indent: &str, rows: &[(&str, Vec<String>)]) {
        let width = rows
            .iter()
            .map(|(k, _)| display_width(k))
            .max()
            .unwrap_or(0);
        for (key, values) in rows {
            let pad = " ".repeat(width - display_width(key));
            let mut values = values.iter();
            let first = values.next().map(String::as_str).unwrap_or("—");
            self.line(&format!("{indent}{key}{pad}  {first}"));
            for more in values {
                self.line(&format!("{indent}{}  {more}", " ".repeat(width)));
            }
        }
    }

    /// A block of profile text under a label, indented, line breaks kept.
    fn paragraph(&mut self, indent: &str, label: Label, text: &str) {
        let label = format!("{}:", self.label(label));
        self.line(&format!("{indent}{label}"));
        for line in terminal_safe_lines(text).lines() {
            self.line(&format!("{indent}    {}", line.trim()));
        }
    }
}

fn summary(w: &mut Writer, report: &Report) {
    w.heading(Label::Summary, '-');
    let scan = &report.scan;
    let s = &report.summary;
    let profiles: Vec<String> = report
        .profiles
        .iter()
        .map(|p| profile_line(p, w.lang))
        .collect();
    let untested = s.untested_targets.to_string();
    let untested = if s.untested_targets > 0 {
        w.paint(Some(STYLE_NOT_TESTED), &untested)
    } else {
        untested
    };
    let rows: Vec<(&str, Vec<String>)> = vec![
        (
            w.label(Label::ScanTime),
            vec![terminal_safe(&format!(
                "{} – {}",
                scan.started_at, scan.finished_at
            ))],
        ),
        (
            w.label(Label::GeneratedAt),
            vec![terminal_safe(&report.generated_at)],
        ),
        (
            w.label(Label::Tool),
            vec![terminal_safe(&format!(
                "{} {}",
                scan.tool.name, scan.tool.version
            ))],
        ),
        (w.label(Label::Vantage), vec![vantage_summary(scan, w.lang)]),
        (w.label(Label::Profiles), profiles),
        (w.label(Label::Targets), vec![s.targets.to_string()]),
        (w.label(Label::Hosts), vec![s.hosts.to_string()]),
        (w.label(Label::OpenPorts), vec![s.open_ports.to_string()]),
        (w.label(Label::CouldNotTest), vec![untested]),
    ];
    w.key_values("  ", &rows);
    w.blank();

    let mut table = vec![vec![
        Cell::plain(w.label(Label::Severity)),
        Cell::plain(w.label(Label::Count)),
    ]];
    for severity in Severity::ALL {
        let n = s.violations_by_severity.get(severity);
        let style = (n > 0).then(|| severity_style(severity));
        table.push(vec![
            Cell::styled(w.label(severity_label(severity)), style),
            Cell::styled(n.to_string(), style),
        ]);
    }
    let style = (s.not_tested > 0).then_some(STYLE_NOT_TESTED);
    table.push(vec![
        Cell::styled(w.label(Label::NotTested), style),
        Cell::styled(s.not_tested.to_string(), style),
    ]);
    table.push(vec![
        Cell::plain(w.label(Label::Total)),
        Cell::plain((s.violations() + s.not_tested).to_string()),
    ]);
    w.table("  ", &table, &[1]);
    w.blank();
}

/// The severity word of a finding for lists and headers: the severity for a violation, `NOT
/// TESTED` for a check that could not be made.
fn status_cell(w: &Writer, finding: &Finding) -> Cell {
    match finding.status {
        FindingStatus::Violation => Cell::styled(
            w.label(severity_label(finding.severity)),
            Some(severity_style(finding.severity)),
        ),
        FindingStatus::NotTested { .. } => {
            Cell::styled(w.not_tested_word(), Some(STYLE_NOT_TESTED))
        }
    }
}

fn findings_list(w: &mut Writer, report: &Report) {
    w.heading(Label::Findings, '-');
    if report.findings.is_empty() {
        let text = w.label(Label::NoFindings);
        w.line(&format!("  {text}"));
        w.blank();
        return;
    }
    let mut table = vec![vec![
        Cell::plain("#"),
        Cell::plain(w.label(Label::Severity)),
        Cell::plain(w.label(Label::Location)),
        Cell::plain(w.label(Label::Title)),
    ]];
    for (i, finding) in report.findings.iter().enumerate() {
        table.push(vec![
            Cell::plain((i + 1).to_string()),
            status_cell(w, finding),
            Cell::plain(terminal_safe(&finding.location.to_string())),
            Cell::plain(terminal_safe(finding.title.get(w.lang))),
        ]);
    }
    w.table("  ", &table, &[0]);
    w.blank();
}

fn targets(w: &mut Writer, report: &Report) {
    w.heading(Label::Targets, '-');
    for target in &report.scan.targets {
        target_section(w, target);
    }
}

fn target_section(w: &mut Writer, target: &TargetObservation) {
    let name = w.paint(Some(STYLE_BOLD), &terminal_safe(&target.input));
    w.line(&format!("■ {name}"));
    let resolution = w.label(Label::Resolution);
    match &target.resolution {
        Resolution::Literal => {
            let text = w.label(Label::ResolutionLiteral);
            w.line(&format!("  {resolution}: {text}"));
        }
        Resolution::Resolved {
            name,
            resolver,
            ipv4,
            ipv6,
        } => {
            let mut families = Vec::new();
            for (family, addresses) in [("IPv4", ipv4), ("IPv6", ipv6)] {
                if !addresses.is_empty() {
                    let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
                    families.push(format!("{family} {}", list.join(", ")));
                }
            }
            let addresses = if families.is_empty() {
                w.label(Label::NoAddresses).to_string()
            } else {
                families.join("; ")
            };
            let text = format!(
                "{} → {addresses} ({} {})",
                terminal_safe(name),
                w.label(Label::Resolver),
                terminal_safe(resolver)
            );
            w.line(&format!("  {resolution}: {text}"));
        }
        Resolution::Failed {
            name,
            resolver,
            reason,
        } => {
            let failed = w.paint(Some(STYLE_NOT_TESTED), w.label(Label::ResolutionFailed));
            let text = format!(
                "{failed} — {} ({} {}): {}",
                terminal_safe(name),
                w.label(Label::Resolver),
                terminal_safe(resolver),
                terminal_safe(reason)
            );
            w.line(&format!("  {resolution}: {text}"));
            w.not_tested_line("  ", reason);
        }
    }
    w.blank();
    for host in &target.hosts {
        host_section(w, host);
    }
}

fn host_section(w: &mut Writer, host: &HostObservation) {
    let address = w.paint(Some(STYLE_BOLD), &host.address.to_string());
    let header = format!(
        "  {} {address} — {}: {}",
        w.label(Label::Host),
        w.label(Label::Vantage),
        w.label(vantage_label(host.vantage))
    );
    w.line(&header);
    if let Some(reason) = &host.incomplete {
        w.not_tested_line("    ", reason);
    }
    let open: Vec<_> = host
        .ports
        .iter()
        .filter(|p| p.state == PortState::Open)
        .collect();
    if open.is_empty() {
        let text = w.label(Label::NoOpenPorts);
        w.line(&format!("    {text}"));
    } else {
        let mut table = vec![vec![
            Cell::plain(w.label(Label::Port)),
            Cell::plain(w.label(Label::Service)),
            Cell::plain(w.label(Label::Evidence)),
        ]];
        for port in &open {
            table.push(vec![
                Cell::plain(format!("{}/{}", port.port, transport_name(port.transport))),
                Cell::plain(service_name(port.service.as_ref(), w.lang)),
                Cell::plain(
                    port.service
                        .as_ref()
                        .map(|s| evidence(s, w.lang))
                        .unwrap_or_default(),
                ),
            ]);
        }
        w.table("    ", &table, &[]);
        for port in &open {
            for note in port.service.iter().flat_map(|s| &s.notes) {
                let text = format!(
                    "    {} ({}/{}): {}",
                    w.label(Label::Note),
                    port.port,
                    transport_name(port.transport),
                    terminal_safe(note)
                );
                w.line(&text);
            }
        }
        for port in &open {
            if let Some(audit) = port.service.as_ref().and_then(|s| s.rdp_audit.as_ref()) {
                for line in rdp_audit_lines(port.port, audit, w.lang) {
                    w.line(&format!("    {line}"));
                }
            }
            if let Some(audit) = port.service.as_ref().and_then(|s| s.ssh_audit.as_ref()) {
                for line in ssh_audit_lines(port.port, audit, w.lang) {
                    w.line(&format!("    {line}"));
                }
            }
            if let Some(audit) = port.service.as_ref().and_then(|s| s.tls_audit.as_ref()) {
                for line in tls_audit_lines(port.port, audit, w.lang) {
                    w.line(&format!("    {line}"));
                }
            }
        }
    }
    if let Some(other) = other_ports_line(&host.ports, w.lang) {
        w.line(&format!("    ({other})"));
    }
    w.blank();
}

fn transport_name(transport: crate::observation::Transport) -> &'static str {
    match transport {
        crate::observation::Transport::Tcp => "tcp",
        crate::observation::Transport::Udp => "udp",
    }
}

fn details(w: &mut Writer, report: &Report) {
    if report.findings.is_empty() {
        return;
    }
    w.heading(Label::FindingDetails, '-');
    for (i, finding) in report.findings.iter().enumerate() {
        finding_detail(w, i + 1, finding);
        w.blank();
    }
}

fn finding_detail(w: &mut Writer, number: usize, finding: &Finding) {
    let status = status_cell(w, finding);
    let word = w.paint(status.style, &status.text.to_uppercase());
    let title = w.paint(Some(STYLE_BOLD), &terminal_safe(finding.title.get(w.lang)));
    w.line(&format!("[{number}] {word}  {title}"));
    if let FindingStatus::NotTested { reason } = &finding.status {
        w.not_tested_line("    ", reason);
    }
    let mut location = finding.location.to_string();
    if let Some(service) = &finding.location.service {
        location.push_str(&format!(" — {service}"));
    }
    let severity = w.paint(
        Some(severity_style(finding.severity)),
        w.label(severity_label(finding.severity)),
    );
    let rows: Vec<(&str, Vec<String>)> = vec![
        (w.label(Label::FindingId), vec![terminal_safe(&finding.id)]),
        (w.label(Label::Location), vec![terminal_safe(&location)]),
        (w.label(Label::Severity), vec![severity]),
        (
            w.label(Label::Confidence),
            vec![w.label(confidence_label(finding.confidence)).to_string()],
        ),
        (
            w.label(Label::Requirement),
            vec![w.label(requirement_label(finding.requirement)).to_string()],
        ),
        (
            w.label(Label::Expected),
            lines(finding.expected.get(w.lang)),
        ),
        (w.label(Label::Actual), lines(finding.actual.get(w.lang))),
    ];
    w.key_values("    ", &rows);
    w.paragraph("    ", Label::Explanation, finding.explanation.get(w.lang));
    w.paragraph("    ", Label::Remedy, finding.remedy.get(w.lang));
    if !finding.references.is_empty() {
        let label = format!("{}:", w.label(Label::References));
        w.line(&format!("    {label}"));
        for reference in &finding.references {
            let mut parts = vec![terminal_safe(reference.document.get(w.lang))];
            if let Some(theme) = &reference.theme {
                parts.push(terminal_safe(theme.get(w.lang)));
            }
            if let Some(item) = &reference.item {
                parts.push(format!("{} {}", w.label(Label::Item), terminal_safe(item)));
            }
            if let Some(url) = &reference.url {
                parts.push(terminal_safe(url));
            }
            w.line(&format!("      - {}", parts.join(" — ")));
        }
    }
}

/// A fact string as one or more safe lines.
fn lines(text: &str) -> Vec<String> {
    let safe = terminal_safe_lines(text);
    let lines: Vec<String> = safe.lines().map(str::to_string).collect();
    if lines.is_empty() {
        vec!["—".to_string()]
    } else {
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::super::{fixtures, render as render_any, Format};
    use super::*;

    fn en() -> String {
        render(&fixtures::report(), Lang::En, false)
    }

    fn ja() -> String {
        render(&fixtures::report(), Lang::Ja, false)
    }

    #[test]
    fn english_report_has_summary_targets_and_details() {
        let out = en();
        for expected in [
            "edgeaudit audit report",
            "Summary",
            "Scan time",
            "2025-11-27T07:00:00Z – 2025-11-27T07:01:30Z",
            "auto (requested); outside: 203.0.113.10, 2001:db8::10",
            "mic-telework 5.0 — MIC telework security guideline",
            "Finding details",
            "[1] HIGH  Remote Desktop (RDP) is reachable directly from the internet",
            "Location     203.0.113.10:3389 (vpn.example.jp) — rdp",
            "Expected     rdp not reachable from outside",
            "Confidence   certain",
            "Requirement  mandatory",
            "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13",
            "TLSv1.3, certificate CN=vpn.example.jp, expires 2026-01-30T00:00:00Z",
            "RDP selected:PROTOCOL_HYBRID",
            "IPv4 203.0.113.10; IPv6 2001:db8::10 (resolver system)",
            "resolution failed — old.example.jp (resolver system): NXDOMAIN",
            "Host 2001:db8::10 — Vantage: outside",
            "(filtered 2)",
            "MIC Telework Security Guideline, 5th edition — Access control and authorisation — https://www.soumu.go.jp/",
            "Internal security policy — item 4.2",
            "    RDP is a constant target of password guessing and exploits.\n        Do not expose it to the internet.",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
    }

    #[test]
    fn not_tested_is_never_shown_like_a_pass() {
        let out = en();
        assert!(
            out.contains("[2] NOT TESTED  The server certificate could not be checked"),
            "{out}"
        );
        assert!(
            out.contains("    NOT TESTED: name did not resolve (NXDOMAIN)"),
            "{out}"
        );
        assert!(
            out.contains("  NOT TESTED: NXDOMAIN"),
            "failed target marked: {out}"
        );
        assert!(out.contains("  2  NOT TESTED  old.example.jp"), "{out}");
        let ja = ja();
        assert!(
            ja.contains("未検査: name did not resolve (NXDOMAIN)"),
            "{ja}"
        );
    }

    #[test]
    fn severity_table_counts_violations_and_not_tested() {
        let out = en();
        let table: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.starts_with("  Severity"))
            .take(9)
            .collect();
        assert_eq!(
            table,
            [
                "  Severity    Count",
                "  ----------  -----",
                "  Critical        0",
                "  High            1",
                "  Medium          0",
                "  Low             0",
                "  Info            0",
                "  Not tested      1",
                "  Total           2",
            ],
            "{out}"
        );
    }

    #[test]
    fn japanese_report_uses_japanese_labels_and_texts() {
        let out = ja();
        for expected in [
            "edgeaudit 診断報告書",
            "概要",
            "診断日時",
            "検出事項の詳細",
            "リモートデスクトップ(RDP)がインターネットから直接到達可能です",
            "重大度",
            "高",
            "確実",
            "遵守項目",
            "対策:",
            "総務省 テレワークセキュリティガイドライン 第5版 — アクセス制御・認可",
            "名前解決: 名前解決に失敗",
            "視点: 外部(インターネット側)",
            "タイトル \"ログイン | 社内ポータル\"",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(!out.contains("Why it matters"), "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!en().contains('\u{1b}'));
        assert!(!ja().contains('\u{1b}'));
        let coloured = render(&fixtures::report(), Lang::En, true);
        assert!(coloured.contains("\u{1b}[31mHIGH\u{1b}[0m"), "{coloured}");
        assert!(coloured.contains("\u{1b}[1;35mNOT TESTED"), "{coloured}");
        assert_eq!(
            render_any(&fixtures::report(), Format::Text, Lang::En, false),
            en()
        );
    }

    #[test]
    fn hostile_http_title_cannot_reach_the_terminal() {
        for out in [en(), ja(), render(&fixtures::report(), Lang::En, true)] {
            assert!(!out.contains("\u{1b}[2J"), "clear-screen sequence leaked");
            assert!(!out.contains("\u{1b}]0;"), "title-setting sequence leaked");
            assert!(!out.contains('\u{7}'));
            assert!(!out.contains('\u{202e}'), "bidi override leaked");
        }
        assert!(en().contains("title \"Login\\x1b[2J\\x1b]0;pwned\\x07 | VPN\\u{202e}gpj.exe\""));
    }

    #[test]
    fn tables_align_by_display_width() {
        let w = Writer {
            out: String::new(),
            lang: Lang::Ja,
            colour: false,
        };
        let mut w = w;
        w.table(
            "",
            &[
                vec![Cell::plain("名前"), Cell::plain("x")],
                vec![Cell::plain("ログイン"), Cell::plain("y")],
                vec![Cell::plain("ab"), Cell::plain("z")],
            ],
            &[],
        );
        let rows: Vec<&str> = w.out.lines().collect();
        let columns: Vec<usize> = rows
            .iter()
            .map(|r| display_width(&r[..r.rfind(' ').unwrap() + 1]))
            .collect();
        assert_eq!(columns, [10, 10, 10, 10], "{}", w.out);
        assert_eq!(rows[1], "--------  -");
    }

    #[test]
    fn no_findings_says_so() {
        let report =
            super::super::Report::generated_at(fixtures::scan(), vec![], vec![], "t".into());
        let out = render(&report, Lang::En, false);
        assert!(out.contains("No findings."));
        assert!(!out.contains("Finding details"));
    }

    #[test]
    fn no_trailing_whitespace() {
        for out in [en(), ja()] {
            for line in out.lines() {
                assert_eq!(line, line.trim_end(), "trailing whitespace in {line:?}");
            }
        }
    }
}
