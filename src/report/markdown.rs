//! The Markdown renderer: the same content as the text report, as GitHub-flavoured Markdown
//! (headings, a summary list, a severity table, a findings table, per-target port tables, and a
//! details section per finding).
//!
//! Every string from the model is treated as hostile: control characters become visible escapes
//! ([`terminal_safe`]), then Markdown and HTML syntax (`|`, `*`, `_`, `` ` ``, `[`, `<`, `&`…) is
//! backslash-escaped so a banner cannot break a table, inject a link or smuggle raw HTML.

use crate::finding::{Finding, FindingStatus, Severity};
use crate::i18n::{Label, Lang};
use crate::observation::{
    HostObservation, PortState, Resolution, TargetObservation, Transport, WifiSurvey,
};

use super::{
    confidence_label, evidence, other_ports_line, rdp_audit_lines, requirement_label, service_name,
    severity_label, ssh_audit_lines, terminal_safe, terminal_safe_lines, tls_audit_lines,
    vantage_label, vantage_summary, Report, WifiTables,
};

pub fn render(report: &Report, lang: Lang) -> String {
    let mut w = Writer {
        out: String::new(),
        lang,
    };
    let title = w.label(Label::ReportTitle);
    w.line(&format!("# {}", inline(title)));
    w.blank();
    summary(&mut w, report);
    findings_table(&mut w, report);
    if let Some(survey) = &report.scan.wifi {
        wifi(&mut w, survey);
    }
    if !report.scan.targets.is_empty() || report.scan.wifi.is_none() {
        targets(&mut w, report);
    }
    details(&mut w, report);
    // One trailing newline, not a blank line.
    while w.out.ends_with("\n\n") {
        w.out.pop();
    }
    w.out
}

fn wifi(w: &mut Writer, survey: &WifiSurvey) {
    let t = WifiTables::new(survey, w.lang);
    w.heading(2, "Wi-Fi");
    w.line(&inline(&t.source));
    w.blank();
    if let Some(error) = &t.error {
        w.line(&format!("**{}: {}**", w.not_tested_word(), inline(error)));
        w.blank();
    }
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
        w.heading(3, label);
        let escaped: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| inline(c)).collect())
            .collect();
        w.table(&t.header, &escaped, &[2, 8]);
    }
    for note in &t.notes {
        w.line(&format!("- {}", inline(note)));
    }
    if !t.notes.is_empty() {
        w.blank();
    }
}

/// Escapes a one-line string for use anywhere inline (table cells, list items, headings).
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal_safe(s).chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '|'
                | '~'
                | '&'
                | '#'
                | '$'
                | '!'
                | '{'
                | '}'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes a multi-line text (profile explanations and remedies) as paragraphs: inline escaping
/// on each line, plus the characters that only mean something at the start of a line.
fn block(s: &str) -> String {
    let mut lines = Vec::new();
    for line in terminal_safe_lines(s).lines() {
        let escaped = inline(line.trim());
        let mut fixed = String::with_capacity(escaped.len() + 1);
        let digits = escaped.chars().take_while(char::is_ascii_digit).count();
        let after_digits = escaped[digits..].chars().next();
        if escaped.starts_with(['-', '+', '=']) {
            fixed.push('\\');
            fixed.push_str(&escaped);
        } else if digits > 0 && matches!(after_digits, Some('.') | Some(')')) {
            fixed.push_str(&escaped[..digits]);
            fixed.push('\\');
            fixed.push_str(&escaped[digits..]);
        } else {
            fixed = escaped;
        }
        lines.push(fixed);
    }
    lines.join("\n")
}

/// A URL as an autolink when it is a plain http(s) URL, otherwise as escaped text.
fn url(s: &str) -> String {
    let plain = (s.starts_with("https://") || s.starts_with("http://"))
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '`' | '|' | '\\'));
    if plain {
        format!("<{s}>")
    } else {
        inline(s)
    }
}

struct Writer {
    out: String,
    lang: Lang,
}

impl Writer {
    fn label(&self, label: Label) -> &'static str {
        label.text(self.lang)
    }

    fn line(&mut self, text: &str) {
        self.out.push_str(text.trim_end());
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn heading(&mut self, level: usize, text: &str) {
        self.line(&format!("{} {text}", "#".repeat(level)));
        self.blank();
    }

    /// A GFM table; `cells` are already escaped. `right` lists right-aligned columns.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>], right: &[usize]) {
        let header: Vec<String> = header.iter().map(|h| inline(h)).collect();
        self.line(&format!("| {} |", header.join(" | ")));
        let rule: Vec<&str> = (0..header.len())
            .map(|c| if right.contains(&c) { "---:" } else { "---" })
            .collect();
        self.line(&format!("|{}|", rule.join("|")));
        for row in rows {
            self.line(&format!("| {} |", row.join(" | ")));
        }
        self.blank();
    }

    fn item(&mut self, label: Label, value: &str) {
        let label = inline(self.label(label));
        self.line(&format!("- **{label}**: {value}"));
    }

    fn not_tested_word(&self) -> String {
        self.label(Label::NotTested).to_uppercase()
    }

    /// `**NOT TESTED: reason**` as its own paragraph.
    fn not_tested(&mut self, reason: &str) {
        let word = inline(&self.not_tested_word());
        self.line(&format!("**{word}: {}**", inline(reason)));
        self.blank();
    }
}

fn summary(w: &mut Writer, report: &Report) {
    w.heading(2, &inline(w.label(Label::Summary)));
    let scan = &report.scan;
    let s = &report.summary;
    w.item(
        Label::ScanTime,
        &inline(&format!("{} – {}", scan.started_at, scan.finished_at)),
    );
    w.item(Label::GeneratedAt, &inline(&report.generated_at));
    w.item(
        Label::Tool,
        &inline(&format!("{} {}", scan.tool.name, scan.tool.version)),
    );
    w.item(Label::Vantage, &inline(&vantage_summary(scan, w.lang)));
    if report.profiles.is_empty() {
        w.item(Label::Profiles, "—");
    } else {
        let profiles: Vec<String> = report
            .profiles
            .iter()
            .map(|p| {
                format!(
                    "{} {} — {}",
                    inline(&p.id),
                    inline(&p.version),
                    inline(p.title.get(w.lang))
                )
            })
            .collect();
        w.item(Label::Profiles, &profiles.join("; "));
    }
    w.item(Label::Targets, &s.targets.to_string());
    w.item(Label::Hosts, &s.hosts.to_string());
    w.item(Label::OpenPorts, &s.open_ports.to_string());
    let untested = if s.untested_targets > 0 {
        format!("**{}**", s.untested_targets)
    } else {
        s.untested_targets.to_string()
    };
    w.item(Label::CouldNotTest, &untested);
    w.blank();

    let mut rows: Vec<Vec<String>> = Severity::ALL
        .iter()
        .map(|sev| {
            let n = s.violations_by_severity.get(*sev);
            let name = inline(w.label(severity_label(*sev)));
            if n > 0 {
                vec![format!("**{name}**"), format!("**{n}**")]
            } else {
                vec![name, n.to_string()]
            }
        })
        .collect();
    let not_tested = inline(w.label(Label::NotTested));
    rows.push(if s.not_tested > 0 {
        vec![format!("**{not_tested}**"), format!("**{}**", s.not_tested)]
    } else {
        vec![not_tested, "0".to_string()]
    });
    rows.push(vec![
        inline(w.label(Label::Total)),
        (s.violations() + s.not_tested).to_string(),
    ]);
    w.table(
        &[w.label(Label::Severity), w.label(Label::Count)],
        &rows,
        &[1],
    );
}

/// The severity word of a finding: its severity, or NOT TESTED. Bold, escaped.
fn status_word(w: &Writer, finding: &Finding) -> String {
    match finding.status {
        FindingStatus::Violation => {
            format!("**{}**", inline(w.label(severity_label(finding.severity))))
        }
        FindingStatus::NotTested { .. } => format!("**{}**", inline(&w.not_tested_word())),
    }
}

fn findings_table(w: &mut Writer, report: &Report) {
    w.heading(2, &inline(w.label(Label::Findings)));
    if report.findings.is_empty() {
        let text = inline(w.label(Label::NoFindings));
        w.line(&text);
        w.blank();
        return;
    }
    let rows: Vec<Vec<String>> = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            vec![
                (i + 1).to_string(),
                status_word(w, f),
                inline(&f.location.to_string()),
                format!("[{}](#finding-{})", inline(f.title.get(w.lang)), i + 1),
            ]
        })
        .collect();
    w.table(
        &[
            "#",
            w.label(Label::Severity),
            w.label(Label::Location),
            w.label(Label::Title),
        ],
        &rows,
        &[0],
    );
}

fn targets(w: &mut Writer, report: &Report) {
    w.heading(2, &inline(w.label(Label::Targets)));
    for target in &report.scan.targets {
        target_section(w, target);
    }
}

fn target_section(w: &mut Writer, target: &TargetObservation) {
    w.heading(3, &inline(&target.input));
    let resolution = inline(w.label(Label::Resolution));
    match &target.resolution {
        Resolution::Literal => {
            let text = inline(w.label(Label::ResolutionLiteral));
            w.line(&format!("- **{resolution}**: {text}"));
            w.blank();
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
                "{} → {} ({} {})",
                inline(name),
                inline(&addresses),
                inline(w.label(Label::Resolver)),
                inline(resolver)
            );
            w.line(&format!("- **{resolution}**: {text}"));
            w.blank();
        }
        Resolution::Failed {
            name,
            resolver,
            reason,
        } => {
            let text = format!(
                "**{}** — {} ({} {}): {}",
                inline(w.label(Label::ResolutionFailed)),
                inline(name),
                inline(w.label(Label::Resolver)),
                inline(resolver),
                inline(reason)
            );
            w.line(&format!("- **{resolution}**: {text}"));
            w.blank();
            w.not_tested(reason);
        }
    }
    for host in &target.hosts {
        host_section(w, host);
    }
}

fn host_section(w: &mut Writer, host: &HostObservation) {
    let heading = format!(
        "{} {} — {}: {}",
        inline(w.label(Label::Host)),
        inline(&host.address.to_string()),
        inline(w.label(Label::Vantage)),
        inline(w.label(vantage_label(host.vantage)))
    );
    w.heading(4, &heading);
    if let Some(reason) = &host.incomplete {
        w.not_tested(reason);
    }
    let open: Vec<_> = host
        .ports
        .iter()
        .filter(|p| p.state == PortState::Open)
        .collect();
    if open.is_empty() {
        let text = inline(w.label(Label::NoOpenPorts));
        w.line(&text);
        w.blank();
    } else {
        let rows: Vec<Vec<String>> = open
            .iter()
            .map(|p| {
                vec![
                    format!("{}/{}", p.port, transport_name(p.transport)),
                    inline(&service_name(p.service.as_ref(), w.lang)),
                    inline(
                        &p.service
                            .as_ref()
                            .map(|s| evidence(s, w.lang))
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect();
        w.table(
            &[
                w.label(Label::Port),
                w.label(Label::Service),
                w.label(Label::Evidence),
            ],
            &rows,
            &[],
        );
        let mut any_note = false;
        for port in &open {
            for note in port.service.iter().flat_map(|s| &s.notes) {
                let text = format!(
                    "- {} ({}/{}): {}",
                    inline(w.label(Label::Note)),
                    port.port,
                    transport_name(port.transport),
                    inline(note)
                );
                w.line(&text);
                any_note = true;
            }
        }
        if any_note {
            w.blank();
        }
        for port in &open {
            if let Some(audit) = port.service.as_ref().and_then(|s| s.rdp_audit.as_ref()) {
                w.line("```text");
                for line in rdp_audit_lines(port.port, audit, w.lang) {
                    w.line(&line.replace("```", "` ` `"));
                }
                w.line("```");
                w.blank();
            }
            if let Some(audit) = port.service.as_ref().and_then(|s| s.ssh_audit.as_ref()) {
                w.line("```text");
                for line in ssh_audit_lines(port.port, audit, w.lang) {
                    w.line(&line.replace("```", "` ` `"));
                }
                w.line("```");
                w.blank();
            }
            if let Some(audit) = port.service.as_ref().and_then(|s| s.tls_audit.as_ref()) {
                // A fenced block keeps the aligned suite table readable; a probe note quoting
                // server bytes must not be able to close the fence.
                w.line("```text");
                for line in tls_audit_lines(port.port, audit, w.lang) {
                    w.line(&line.replace("```", "` ` `"));
                }
                w.line("```");
                w.blank();
            }
        }
    }
    if let Some(other) = other_ports_line(&host.ports, w.lang) {
        w.line(&format!("({})", inline(&other)));
        w.blank();
    }
}

fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
    }
}

fn details(w: &mut Writer, report: &Report) {
    if report.findings.is_empty() {
        return;
    }
    w.heading(2, &inline(w.label(Label::FindingDetails)));
    for (i, finding) in report.findings.iter().enumerate() {
        finding_detail(w, i + 1, finding);
    }
}

fn finding_detail(w: &mut Writer, number: usize, finding: &Finding) {
    let word = match finding.status {
        FindingStatus::Violation => w.label(severity_label(finding.severity)).to_uppercase(),
        FindingStatus::NotTested { .. } => w.not_tested_word(),
    };
    // An explicit anchor: heading ids differ between Markdown engines.
    w.line(&format!("<a id=\"finding-{number}\"></a>"));
    w.blank();
    w.heading(
        3,
        &format!(
            "{number}\\. {} — {}",
            inline(&word),
            inline(finding.title.get(w.lang))
        ),
    );
    if let FindingStatus::NotTested { reason } = &finding.status {
        w.not_tested(reason);
    }
    let mut location = inline(&finding.location.to_string());
    if let Some(service) = &finding.location.service {
        location.push_str(&format!(" — {}", inline(service)));
    }
    let fact = |s: &str| {
        let lines: Vec<String> = terminal_safe_lines(s).lines().map(inline).collect();
        if lines.is_empty() {
            "—".to_string()
        } else {
            lines.join("<br>")
        }
    };
    w.item(Label::FindingId, &inline(&finding.id));
    w.item(Label::Location, &location);
    w.item(
        Label::Severity,
        &inline(w.label(severity_label(finding.severity))),
    );
    w.item(
        Label::Confidence,
        &inline(w.label(confidence_label(finding.confidence))),
    );
    w.item(
        Label::Requirement,
        &inline(w.label(requirement_label(finding.requirement))),
    );
    w.item(Label::Expected, &fact(finding.expected.get(w.lang)));
    w.item(Label::Actual, &fact(finding.actual.get(w.lang)));
    w.blank();
    for (label, text) in [
        (Label::Explanation, &finding.explanation),
        (Label::Remedy, &finding.remedy),
    ] {
        let label = inline(w.label(label));
        w.line(&format!("**{label}**"));
        w.blank();
        w.line(&block(text.get(w.lang)));
        w.blank();
    }
    if !finding.references.is_empty() {
        let label = inline(w.label(Label::References));
        w.line(&format!("**{label}**"));
        w.blank();
        for reference in &finding.references {
            let mut parts = vec![inline(reference.document.get(w.lang))];
            if let Some(theme) = &reference.theme {
                parts.push(inline(theme.get(w.lang)));
            }
            if let Some(item) = &reference.item {
                parts.push(format!("{} {}", inline(w.label(Label::Item)), inline(item)));
            }
            if let Some(u) = &reference.url {
                parts.push(url(u));
            }
            w.line(&format!("- {}", parts.join(" — ")));
        }
        w.blank();
    }
}

#[cfg(test)]
mod tests {
    use super::super::{fixtures, render as render_any, Format};
    use super::*;

    fn en() -> String {
        render(&fixtures::report(), Lang::En)
    }

    #[test]
    fn english_markdown_has_headings_tables_and_details() {
        let out = en();
        for expected in [
            "# edgeaudit audit report\n",
            "## Summary\n",
            "- **Scan time**: 2025-11-27T07:00:00Z – 2025-11-27T07:01:30Z\n",
            "| Severity | Count |\n|---|---:|\n| Critical | 0 |\n| **High** | **1** |",
            "| **Not tested** | **1** |",
            "| 1 | **High** | 203.0.113.10:3389 (vpn.example.jp) | [Remote Desktop (RDP) is reachable directly from the internet](#finding-1) |",
            "| 2 | **NOT TESTED** | old.example.jp |",
            "### vpn.example.jp\n",
            "#### Host 2001:db8::10 — Vantage: outside\n",
            "| 22/tcp | ssh | SSH-2.0-OpenSSH\\_9.6p1 Ubuntu-3ubuntu13 |",
            "| 3389/tcp | rdp | RDP selected:PROTOCOL\\_HYBRID |",
            "### 1\\. HIGH — Remote Desktop (RDP) is reachable directly from the internet\n",
            "**NOT TESTED: name did not resolve (NXDOMAIN)**",
            "**NOT TESTED: NXDOMAIN**",
            "- **Expected**: rdp not reachable from outside\n",
            "**Why it matters**\n\nRDP is a constant target of password guessing and exploits.\nDo not expose it to the internet.\n",
            "- MIC Telework Security Guideline, 5th edition — Access control and authorisation — <https://www.soumu.go.jp/main_sosiki/cybersecurity/telework/>",
            "- Internal security policy — item 4.2\n",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(
            out.ends_with(">\n") || out.ends_with(".\n") || out.ends_with("2\n"),
            "{out:?}"
        );
        assert!(!out.ends_with("\n\n"));
        assert_eq!(
            render_any(&fixtures::report(), Format::Markdown, Lang::En, true),
            out
        );
    }

    #[test]
    fn japanese_markdown_uses_japanese_labels() {
        let out = render(&fixtures::report(), Lang::Ja);
        for expected in [
            "# edgeaudit 診断報告書",
            "## 概要",
            "## 検出事項の詳細",
            "| 重大度 | 件数 |",
            "**未検査: name did not resolve (NXDOMAIN)**",
            "**説明**",
            "タイトル \"ログイン \\| 社内ポータル\"",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
    }

    #[test]
    fn server_strings_cannot_break_tables_or_inject_markup() {
        let out = en();
        assert!(out.contains("Server: nginx\\|1.25"), "{out}");
        assert!(
            out.contains(
                "title \"Login\\\\x1b\\[2J\\\\x1b\\]0;pwned\\\\x07 \\| VPN\\\\u\\{202e\\}gpj.exe\""
            ),
            "{out}"
        );
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'));
        // Every port-table row keeps exactly its four cell separators.
        for line in out.lines().filter(|l| l.starts_with("| 443/tcp")) {
            let unescaped = line.replace("\\|", "");
            assert_eq!(unescaped.matches('|').count(), 4, "{line}");
        }
    }

    #[test]
    fn inline_escapes_markdown_and_html() {
        assert_eq!(
            inline("<script>a*b_c</script>"),
            "\\<script\\>a\\*b\\_c\\</script\\>"
        );
        assert_eq!(
            inline("[x](javascript:y) `z` &amp; $m$"),
            "\\[x\\](javascript:y) \\`z\\` \\&amp; \\$m\\$"
        );
        assert_eq!(inline("a\nb"), "a\\\\x0ab");
    }

    #[test]
    fn block_escapes_line_starts() {
        assert_eq!(
            block("- a\n1. b\n  # c\nplain"),
            "\\- a\n1\\. b\n\\# c\nplain"
        );
    }

    #[test]
    fn only_plain_http_urls_become_links() {
        assert_eq!(url("https://example.jp/a"), "<https://example.jp/a>");
        assert_eq!(url("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(url("https://x/<b>"), "https://x/\\<b\\>");
    }
}
