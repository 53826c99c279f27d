//! The check implementations: pure functions from observations to findings.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{
    CertificateValidity, Check, CheckKind, HttpsHsts, IkeAlgorithmRule, ManagementInterfaceRule,
    Policy, Profile, RdpSecurityRule, ServiceExposed, SshSecurityRule, TlsCertificate,
    TlsCipherSuites, TlsOptionRule, TlsVersions, VpnPortalRule, Weakness, WifiSecurityRule,
};
use crate::finding::{
    sort_findings, Confidence, Finding, FindingStatus, Location, Requirement, Severity,
};
use crate::i18n::Lang;
use crate::i18n::Localized;
use crate::observation::{
    HostObservation, IdentificationMethod, PortObservation, PortState, RdpAudit, Resolution, Scan,
    ServiceKind, TargetObservation, TlsAudit, TlsSupport, TlsVersionSupport, Vantage, WifiSurvey,
};
use crate::probe::tls::registry;
use crate::wifi::{AccessPoint, Pmf, SecurityClass, WpsStatus};

/// Turns a scan's observations into findings under each profile. Touches no network and no clock:
/// the same scan and profiles always give the same findings.
pub fn evaluate(scan: &Scan, profiles: &[Profile]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for profile in profiles {
        if let Some(survey) = &scan.wifi {
            evaluate_wifi(profile, survey, &mut findings);
        }
        for target in &scan.targets {
            if let Some(finding) = untestable_target(profile, target) {
                findings.push(finding);
                continue;
            }
            for host in &target.hosts {
                if let Some(finding) = incomplete_host(profile, target, host) {
                    findings.push(finding);
                }
                for check in &profile.checks {
                    if !check.vantage.admits(host.vantage) {
                        continue;
                    }
                    let ctx = Context {
                        profile,
                        check,
                        target,
                        host,
                    };
                    match &check.kind {
                        CheckKind::ServiceExposed(rule) => {
                            service_exposed(&ctx, rule, &mut findings)
                        }
                        CheckKind::TlsVersions(rule) => tls_versions(&ctx, rule, &mut findings),
                        CheckKind::TlsCertificate(rule) => {
                            tls_certificate(&ctx, rule, &mut findings)
                        }
                        CheckKind::TlsOptions(rule) => tls_options(&ctx, rule, &mut findings),
                        CheckKind::HttpsHsts(rule) => https_hsts(&ctx, rule, &mut findings),
                        CheckKind::RdpSecurity(rule) => rdp_security(&ctx, rule, &mut findings),
                        // Judged once per survey in `evaluate_wifi`, not per host.
                        CheckKind::WifiSecurity(_) => {}
                        CheckKind::ManagementInterface(rule) => {
                            management_interface(&ctx, rule, &mut findings)
                        }
                        CheckKind::SshSecurity(rule) => ssh_security(&ctx, rule, &mut findings),
                        CheckKind::ProtocolWeakness(rule) => {
                            protocol_weakness(&ctx, rule.weakness, &mut findings)
                        }
                        CheckKind::VpnPortalVulnerability(rule) => {
                            vpn_portal_vulnerability(&ctx, rule, &mut findings)
                        }
                        CheckKind::IkeAlgorithms(rule) => ike_algorithms(&ctx, rule, &mut findings),
                        CheckKind::TlsCipherSuites(rule) => {
                            tls_cipher_suites(&ctx, rule, &mut findings)
                        }
                        CheckKind::CertificateValidity(rule) => {
                            certificate_validity(&ctx, rule, &scan.started_at, &mut findings)
                        }
                    }
                }
            }
        }
    }
    sort_findings(&mut findings);
    findings
}

struct Context<'a> {
    profile: &'a Profile,
    check: &'a Check,
    target: &'a TargetObservation,
    host: &'a HostObservation,
}

impl Context<'_> {
    fn finding(
        &self,
        status: FindingStatus,
        confidence: Confidence,
        port: Option<&PortObservation>,
        expected: Localized,
        actual: Localized,
    ) -> Finding {
        let service = port
            .and_then(|p| p.service.as_ref())
            .map(|s| s.kind.name().to_string());
        let port_text = port.map(|p| p.port.to_string()).unwrap_or_default();
        let address = self.host.address.to_string();
        let values = [
            ("target", self.target.input.as_str()),
            ("address", address.as_str()),
            ("port", port_text.as_str()),
            ("service", service.as_deref().unwrap_or("")),
        ];
        Finding {
            id: format!("{}/{}", self.profile.id, self.check.id),
            profile: self.profile.id.clone(),
            rule: self.check.id.clone(),
            status,
            severity: self.check.severity,
            requirement: self.check.requirement,
            confidence,
            location: Location {
                target: self.target.input.clone(),
                address: Some(self.host.address),
                port: port.map(|p| p.port),
                service: service.clone(),
            },
            expected,
            actual,
            references: self
                .check
                .refs
                .iter()
                .filter_map(|r| self.profile.references.get(r).cloned())
                .collect(),
            title: self.check.title.fill(&values),
            explanation: self.check.explanation.fill(&values),
            remedy: self.check.remedy.fill(&values),
        }
    }
}

/// The Wi-Fi rules of `profile` over a survey: one "not tested" finding when the survey could
/// not be made; otherwise each rule over each of the organisation's access points.
fn evaluate_wifi(profile: &Profile, survey: &WifiSurvey, findings: &mut Vec<Finding>) {
    let rules: Vec<(&Check, &WifiSecurityRule)> = profile
        .checks
        .iter()
        .filter_map(|c| match &c.kind {
            CheckKind::WifiSecurity(rule) => Some((c, rule)),
            _ => None,
        })
        .collect();
    if rules.is_empty() {
        return;
    }
    let Some(capture) = &survey.capture else {
        let reason = survey
            .error
            .clone()
            .unwrap_or_else(|| "no capture was read".into());
        findings.push(Finding {
            id: format!("{}/wifi-not-tested", profile.id),
            profile: profile.id.clone(),
            rule: "wifi-not-tested".into(),
            status: FindingStatus::NotTested {
                reason: reason.clone(),
            },
            severity: Severity::Info,
            requirement: Requirement::Mandatory,
            confidence: Confidence::Certain,
            location: Location {
                target: survey.source.clone(),
                address: None,
                port: None,
                service: Some("wifi".into()),
            },
            expected: Localized::new(
                "無線 LAN のビーコンを読み取れること",
                "Wi-Fi beacons can be read",
            ),
            actual: Localized::new(format!("読み取れませんでした: {reason}"), reason),
            references: Vec::new(),
            title: Localized::new(
                "無線 LAN を検査できませんでした",
                "The Wi-Fi survey could not be made",
            ),
            explanation: Localized::new(
                "キャプチャを読めなかったため、無線 LAN のどの項目も検査していません。安全であることを示すものではありません。",
                "No capture could be read, so nothing about Wi-Fi was checked. This is not a pass.",
            ),
            remedy: Localized::new(
                "キャプチャファイル(pcap/pcapng、802.11)を確認するか、モニターモードのインターフェースを指定してください。",
                "Check the capture file (pcap/pcapng with 802.11 frames) or give an interface in monitor mode.",
            ),
        });
        return;
    };
    for ap in capture.access_points.iter().filter(|ap| survey.is_own(ap)) {
        for (check, rule) in &rules {
            if let Some(finding) = wifi_security(profile, check, rule, ap) {
                findings.push(finding);
            }
        }
    }
}

/// One rule over one access point: a violation, "not tested" (security not classified), or
/// nothing.
fn wifi_security(
    profile: &Profile,
    check: &Check,
    rule: &WifiSecurityRule,
    ap: &AccessPoint,
) -> Option<Finding> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let class = ap.security.name();
    let unknown = ap.security == SecurityClass::Unknown;
    if rule.forbidden_classes.iter().any(|c| c == class) {
        problems.push((
            format!("セキュリティ方式: {}", ap.security.label(Lang::Ja)),
            format!("security mode: {}", ap.security.label(Lang::En)),
        ));
    }
    if rule.forbid_tkip && ap.tkip_allowed {
        problems.push(("TKIP を許可している".into(), "TKIP allowed".into()));
    }
    if let Some(required) = rule.require_pmf.as_deref() {
        let enough = matches!(
            (required, ap.pmf),
            (_, Pmf::Required) | ("capable", Pmf::Capable)
        );
        // Without RSN there is no PMF to speak of; the class rules cover those networks.
        if !enough && ap.rsn.is_some() {
            problems.push((
                format!("管理フレーム保護(PMF/802.11w): {}", ap.pmf.name()),
                format!(
                    "management frame protection (PMF/802.11w): {}",
                    ap.pmf.name()
                ),
            ));
        }
    }
    if rule.forbid_wps
        && matches!(
            ap.wps,
            WpsStatus::Configured
                | WpsStatus::ConfiguredLocked
                | WpsStatus::NotConfigured
                | WpsStatus::UnknownState
        )
    {
        problems.push((
            format!("WPS が有効 ({})", ap.wps.name()),
            format!("WPS enabled ({})", ap.wps.name()),
        ));
    }
    let status = if !problems.is_empty() {
        FindingStatus::Violation
    } else if unknown && !rule.forbidden_classes.is_empty() {
        FindingStatus::NotTested {
            reason: "the access point's security mode could not be classified".into(),
        }
    } else {
        return None;
    };
    let (actual_ja, actual_en) = if problems.is_empty() {
        (
            "セキュリティ方式を判別できませんでした".to_string(),
            "security mode could not be classified".to_string(),
        )
    } else {
        let (ja, en): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
        (ja.join("; "), en.join("; "))
    };
    let ssid = if ap.ssid.hidden {
        "(hidden)".to_string()
    } else {
        ap.ssid.text.clone()
    };
    let values = [
        ("target", ssid.as_str()),
        ("address", ap.bssid.as_str()),
        ("port", ""),
        ("service", "wifi"),
    ];
    Some(Finding {
        id: format!("{}/{}", profile.id, check.id),
        profile: profile.id.clone(),
        rule: check.id.clone(),
        status,
        severity: check.severity,
        requirement: check.requirement,
        confidence: Confidence::Certain,
        location: Location {
            target: format!("{ssid} ({})", ap.bssid),
            address: None,
            port: None,
            service: Some("wifi".into()),
        },
        expected: Localized::new(
            "無線 LAN のセキュリティ設定が規則を満たすこと",
            "the Wi-Fi security settings meet the rule",
        ),
        actual: Localized::new(actual_ja, actual_en),
        references: check
            .refs
            .iter()
            .filter_map(|r| profile.references.get(r).cloned())
            .collect(),
        title: check.title.fill(&values),
        explanation: check.explanation.fill(&values),
        remedy: check.remedy.fill(&values),
    })
}

/// A name that did not resolve: nothing under it was tested, and the report must say so once.
fn untestable_target(profile: &Profile, target: &TargetObservation) -> Option<Finding> {
    let Resolution::Failed { reason, .. } = &target.resolution else {
        return None;
    };
    Some(Finding {
        id: format!("{}/target-not-tested", profile.id),
        profile: profile.id.clone(),
        rule: "target-not-tested".into(),
        status: FindingStatus::NotTested {
            reason: reason.clone(),
        },
        severity: Severity::Info,
        requirement: Requirement::Mandatory,
        confidence: Confidence::Certain,
        location: Location {
            target: target.input.clone(),
            address: None,
            port: None,
            service: None,
        },
        expected: Localized::new(
            "対象名が名前解決でき、ポートを検査できること",
            "the target's name resolves and its ports can be tested",
        ),
        actual: Localized::new(format!("名前解決に失敗: {reason}"), reason.clone()),
        references: Vec::new(),
        title: Localized::new(
            format!("{} を検査できませんでした", target.input),
            format!("{} could not be tested", target.input),
        ),
        explanation: Localized::new(
            "名前解決に失敗したため、この対象のどの項目も検査していません。安全であることを示すものではありません。",
            "The name did not resolve, so nothing about this target was checked. This is not a pass.",
        ),
        remedy: Localized::new(
            "対象名の綴り、DNS 設定、--resolver の指定を確認し、再度診断してください。",
            "Check the spelling of the name, the DNS set-up and any --resolver given, then scan again.",
        ),
    })
}

/// A host whose deadline or budget ran out: the ports not reached were checked by no rule, and
/// a rule only reports the ports it watches, so the report says it once for the host.
fn incomplete_host(
    profile: &Profile,
    target: &TargetObservation,
    host: &HostObservation,
) -> Option<Finding> {
    let reason = host.incomplete.as_ref()?;
    let untested: Vec<String> = host
        .ports
        .iter()
        .filter(|p| matches!(p.state, PortState::NotTested { .. }))
        .map(|p| p.port.to_string())
        .collect();
    let address = host.address.to_string();
    Some(Finding {
        id: format!("{}/host-scan-incomplete", profile.id),
        profile: profile.id.clone(),
        rule: "host-scan-incomplete".into(),
        status: FindingStatus::NotTested {
            reason: reason.clone(),
        },
        severity: Severity::Info,
        requirement: Requirement::Mandatory,
        confidence: Confidence::Certain,
        location: Location {
            target: target.input.clone(),
            address: Some(host.address),
            port: None,
            service: None,
        },
        expected: Localized::new(
            "指定したすべてのポートを検査すること",
            "every requested port tested",
        ),
        actual: Localized::new(
            format!("{reason}; 未検査のポート: {}", untested.join(", ")),
            format!("{reason}; ports not tested: {}", untested.join(", ")),
        ),
        references: Vec::new(),
        title: Localized::new(
            format!("{address} の一部のポートを検査できませんでした"),
            format!("Some ports of {address} could not be tested"),
        ),
        explanation: Localized::new(
            "時間制限または接続数の上限に達したため、一部のポートを検査していません。検査していないポートについては何も判断していません。",
            "The deadline or the connection budget ran out before every port was tried. Nothing is concluded about the ports that were not tested.",
        ),
        remedy: Localized::new(
            "--timeout や --host-budget を増やすか、対象のポートを絞って再度診断してください。",
            "Scan again with a longer --timeout or a larger --host-budget, or with fewer ports.",
        ),
    })
}

/// The open ports a TLS rule looks at, each with its audit when the TLS engine ran there. A port
/// that speaks TLS but was not audited yields `None`: the rule reports it as not tested.
fn tls_ports<'a>(
    ctx: &Context<'a>,
) -> impl Iterator<Item = (&'a PortObservation, Option<&'a TlsAudit>)> {
    ctx.host.ports.iter().filter_map(|port| {
        let service = port.service.as_ref()?;
        match (&service.tls_audit, service.kind) {
            (Some(audit), _) => Some((port, Some(audit))),
            (None, ServiceKind::Https | ServiceKind::Tls) => Some((port, None)),
            _ => None,
        }
    })
}

/// The TLS ports that have an audit; each TLS port without one gets its "not tested" finding
/// here, so every TLS rule reports missing input the same way.
fn audited_tls_ports<'a>(
    ctx: &Context<'a>,
    findings: &mut Vec<Finding>,
) -> Vec<(&'a PortObservation, &'a TlsAudit)> {
    let mut audited = Vec::new();
    for (port, audit) in tls_ports(ctx) {
        match audit {
            Some(audit) => audited.push((port, audit)),
            None => tls_not_audited(ctx, port, findings),
        }
    }
    audited
}

fn tls_not_audited(ctx: &Context, port: &PortObservation, findings: &mut Vec<Finding>) {
    let reason = "the TLS audit did not run on this port".to_string();
    findings.push(ctx.finding(
        FindingStatus::NotTested {
            reason: reason.clone(),
        },
        Confidence::Certain,
        Some(port),
        Localized::new("TLS 設定を検査すること", "the TLS configuration checked"),
        Localized::new("TLS の詳細検査は実行されていません", reason),
    ));
}

fn tls_versions(ctx: &Context, rule: &TlsVersions, findings: &mut Vec<Finding>) {
    let allowed = |v: &TlsVersionSupport| rule.allowed.iter().any(|a| a == &v.version);
    for (port, audit) in audited_tls_ports(ctx, findings) {
        let accepted: Vec<&str> = audit
            .versions
            .iter()
            .filter(|v| v.support == TlsSupport::Accepted && !allowed(v))
            .map(|v| v.version.as_str())
            .collect();
        let untested: Vec<&str> = audit
            .versions
            .iter()
            .filter(|v| matches!(v.support, TlsSupport::NotTested { .. }) && !allowed(v))
            .map(|v| v.version.as_str())
            .collect();
        let expected = Localized::new(
            format!(
                "受け付けるバージョンが {} のみであること",
                rule.allowed.join(", ")
            ),
            format!("only {} accepted", rule.allowed.join(", ")),
        );
        let problems = if accepted.is_empty() {
            Vec::new()
        } else {
            vec![(
                format!("{} を受け付ける", accepted.join(", ")),
                format!("accepts {}", accepted.join(", ")),
            )]
        };
        report_problems(ctx, port, expected, problems, untested, findings);
    }
}

/// Why a suite breaks the rule, or `None` when it does not.
fn suite_offence(rule: &TlsCipherSuites, code: u16) -> Option<String> {
    let info = registry::lookup(code);
    if let Some(allowed) = &rule.allowed {
        let listed = info.is_some_and(|info| {
            allowed
                .iter()
                .any(|name| name == info.iana_name || info.openssl_name == Some(name.as_str()))
        });
        if !listed {
            return Some("not in the allowed list".into());
        }
    }
    let properties = info.map(|info| info.properties()).unwrap_or_default();
    let forbidden: Vec<&str> = properties
        .iter()
        .copied()
        .filter(|p| rule.forbidden_properties.iter().any(|f| f == p))
        .collect();
    (!forbidden.is_empty()).then(|| forbidden.join("+"))
}

fn tls_cipher_suites(ctx: &Context, rule: &TlsCipherSuites, findings: &mut Vec<Finding>) {
    let in_scope =
        |v: &TlsVersionSupport| rule.versions.is_empty() || rule.versions.contains(&v.version);
    for (port, audit) in audited_tls_ports(ctx, findings) {
        let mut offending = Vec::new();
        let mut incomplete = Vec::new();
        for version in audit.versions.iter().filter(|v| in_scope(v)) {
            if version.support != TlsSupport::Accepted {
                continue;
            }
            if !version.enumeration_complete {
                incomplete.push(version.version.as_str());
            }
            for suite in &version.cipher_suites {
                if let Some(why) = suite_offence(rule, suite.code) {
                    offending.push(format!("{} {} ({why})", version.version, suite.name));
                }
            }
        }
        let expected = Localized::new(
            "規則に合う暗号スイートのみを受け付けること",
            "only cipher suites the rule allows are accepted",
        );
        let lower_bound = if incomplete.is_empty() {
            String::new()
        } else {
            format!(" [enumeration incomplete for {}]", incomplete.join(", "))
        };
        if !offending.is_empty() {
            findings.push(ctx.finding(
                FindingStatus::Violation,
                Confidence::Certain,
                Some(port),
                expected,
                Localized::new(
                    format!(
                        "規則に反する暗号スイート {} 件: {}{lower_bound}",
                        offending.len(),
                        offending.join(", ")
                    ),
                    format!(
                        "{} suites break the rule: {}{lower_bound}",
                        offending.len(),
                        offending.join(", ")
                    ),
                ),
            ));
        } else if !incomplete.is_empty() {
            let reason = format!(
                "cipher suite enumeration incomplete for {}",
                incomplete.join(", ")
            );
            findings.push(ctx.finding(
                FindingStatus::NotTested {
                    reason: reason.clone(),
                },
                Confidence::Certain,
                Some(port),
                expected,
                Localized::new(
                    format!("暗号スイートの列挙が未完了: {}", incomplete.join(", ")),
                    reason,
                ),
            ));
        }
    }
}

/// Reports a list of problems as one violation, or, when nothing was wrong but some input was
/// missing, as not tested.
fn report_problems(
    ctx: &Context,
    port: &PortObservation,
    expected: Localized,
    problems: Vec<(String, String)>,
    untested: Vec<&str>,
    findings: &mut Vec<Finding>,
) {
    if !problems.is_empty() {
        let (ja, en): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
        findings.push(ctx.finding(
            FindingStatus::Violation,
            Confidence::Certain,
            Some(port),
            expected,
            Localized::new(ja.join("; "), en.join("; ")),
        ));
    } else if !untested.is_empty() {
        let reason = format!("not observed: {}", untested.join(", "));
        findings.push(ctx.finding(
            FindingStatus::NotTested {
                reason: reason.clone(),
            },
            Confidence::Certain,
            Some(port),
            expected,
            Localized::new(format!("未観測: {}", untested.join(", ")), reason),
        ));
    }
}

fn tls_certificate(ctx: &Context, rule: &TlsCertificate, findings: &mut Vec<Finding>) {
    for (port, audit) in audited_tls_ports(ctx, findings) {
        let expected = Localized::new(
            "証明書が規則の要件(鍵長・署名・信頼性・ホスト名)を満たすこと",
            "the certificate meets the rule (key size, signature, trust, name)",
        );
        let chain = audit.certificate_chain.as_ref();
        let Some(leaf) = chain.and_then(|c| c.certificates.first()) else {
            report_problems(
                ctx,
                port,
                expected,
                vec![],
                vec!["certificate chain"],
                findings,
            );
            continue;
        };
        let chain = chain.expect("leaf came from the chain");
        let mut problems = Vec::new();
        let mut untested = Vec::new();
        let bits = leaf.key_bits;
        let minimum = match leaf.key_type.as_str() {
            "RSA" => rule.min_rsa_bits,
            "EC" => rule.min_ec_bits,
            _ => None,
        };
        match (minimum, bits) {
            (Some(min), Some(bits)) if bits < min => problems.push((
                format!("{} 鍵が {bits} ビット(要件 {min} 以上)", leaf.key_type),
                format!(
                    "{} key of {bits} bits (at least {min} required)",
                    leaf.key_type
                ),
            )),
            (Some(_), None) => untested.push("key size"),
            _ => {}
        }
        let signature = leaf.signature_algorithm.to_ascii_lowercase();
        for hash in &rule.forbidden_signature_hashes {
            if signature.contains(hash.as_str()) {
                problems.push((
                    format!("署名アルゴリズム {} ({hash})", leaf.signature_algorithm),
                    format!("signed with {} ({hash})", leaf.signature_algorithm),
                ));
            }
        }
        if rule.require_trusted {
            match chain.trusted {
                Some(false) => problems.push((
                    format!(
                        "信頼されたルートに連鎖しない: {}{}",
                        chain.trust_error.as_deref().unwrap_or("unknown"),
                        if chain.leaf_self_signed {
                            "（自己署名）"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "not trusted: {}{}",
                        chain.trust_error.as_deref().unwrap_or("unknown"),
                        if chain.leaf_self_signed {
                            " (self-signed)"
                        } else {
                            ""
                        }
                    ),
                )),
                Some(true) => {}
                None => untested.push("trust"),
            }
        }
        if rule.require_hostname_match {
            let name = chain.hostname.as_deref().unwrap_or("?");
            match chain.hostname_matches {
                Some(false) => problems.push((
                    format!("{name} に対して無効な証明書"),
                    format!("not valid for {name}"),
                )),
                Some(true) => {}
                None => untested.push("hostname"),
            }
        }
        report_problems(ctx, port, expected, problems, untested, findings);
    }
}

fn tls_options(ctx: &Context, rule: &TlsOptionRule, findings: &mut Vec<Finding>) {
    for (port, audit) in audited_tls_ports(ctx, findings) {
        let expected = Localized::new(
            "TLS のプロトコルオプションと鍵交換が規則を満たすこと",
            "TLS options and key exchange meet the rule",
        );
        // Renegotiation, compression, fallback and heartbeat exist only up to TLS 1.2: on a TLS 1.3-only
        // server there is nothing to check, which is neither a violation nor "not tested".
        let below_tls13 = audit
            .versions
            .iter()
            .any(|v| v.support == TlsSupport::Accepted && v.version != "TLSv1.3");
        if !below_tls13 {
            continue;
        }
        let options = audit.options.as_ref();
        let mut problems = Vec::new();
        let mut untested = Vec::new();
        let mut require = |wanted: bool,
                           seen: Option<Option<bool>>,
                           ok: bool,
                           name: &'static str,
                           ja: &str,
                           en: &str| {
            if !wanted {
                return;
            }
            match seen.flatten() {
                Some(value) if value != ok => problems.push((ja.to_string(), en.to_string())),
                Some(_) => {}
                None => untested.push(name),
            }
        };
        require(
            rule.require_secure_renegotiation,
            options.map(|o| o.secure_renegotiation),
            true,
            "secure renegotiation",
            "安全な再ネゴシエーション(RFC 5746)に対応していない",
            "no secure renegotiation (RFC 5746)",
        );
        require(
            rule.forbid_compression,
            options.map(|o| o.compression),
            false,
            "compression",
            "TLS 圧縮が有効(CRIME)",
            "TLS compression enabled (CRIME)",
        );
        // With a single accepted version there is nothing to downgrade to.
        let accepted_versions = audit
            .versions
            .iter()
            .filter(|v| v.support == TlsSupport::Accepted)
            .count();
        require(
            rule.require_fallback_scsv && accepted_versions >= 2,
            options.map(|o| o.fallback_scsv),
            true,
            "fallback SCSV",
            "TLS_FALLBACK_SCSV によるダウングレード防止がない",
            "no downgrade protection (TLS_FALLBACK_SCSV)",
        );
        require(
            rule.forbid_heartbeat,
            options.map(|o| o.heartbeat),
            false,
            "heartbeat",
            "heartbeat 拡張が有効",
            "heartbeat extension enabled",
        );
        // Without the heartbeat extension there is no Heartbleed to test for.
        let heartbeat_offered = options.and_then(|o| o.heartbeat) != Some(false);
        require(
            rule.forbid_heartbleed && heartbeat_offered,
            options.map(|o| o.heartbleed),
            false,
            "Heartbleed",
            "Heartbleed(CVE-2014-0160)の脆弱性がある: 不正な長さの heartbeat 要求に応答した",
            "vulnerable to Heartbleed (CVE-2014-0160): it answered a heartbeat request with a false length",
        );
        if let (Some(min), Some(bits)) = (rule.min_dh_bits, audit.dh_prime_bits) {
            if bits < min {
                problems.push((
                    format!("DHE の素数が {bits} ビット(要件 {min} 以上、Logjam)"),
                    format!("DHE prime of {bits} bits (at least {min} required; Logjam)"),
                ));
            }
        }
        report_problems(ctx, port, expected, problems, untested, findings);
    }
}

/// HTTP(S) ports whose response looks like a device's management page: an HTTP login
/// challenge, or a rule keyword in the title or `Server` header. The evidence is what matched.
fn management_interface(
    ctx: &Context,
    rule: &ManagementInterfaceRule,
    findings: &mut Vec<Finding>,
) {
    for port in &ctx.host.ports {
        if !matches!(port.state, PortState::Open) {
            continue;
        }
        let Some(http) = port
            .service
            .as_ref()
            .filter(|s| matches!(s.kind, ServiceKind::Http | ServiceKind::Https))
            .and_then(|s| s.http.as_ref())
        else {
            continue;
        };
        let mut evidence: Vec<String> = Vec::new();
        if rule.http_authentication {
            if let Some(challenge) = &http.www_authenticate {
                evidence.push(format!("WWW-Authenticate: {challenge}"));
            }
        }
        let contains = |text: &Option<String>, words: &[String]| {
            text.as_deref().and_then(|t| {
                let lower = t.to_lowercase();
                words
                    .iter()
                    .find(|w| lower.contains(&w.to_lowercase()))
                    .map(|w| (t.to_string(), w.clone()))
            })
        };
        if let Some((title, word)) = contains(&http.title, &rule.title_keywords) {
            evidence.push(format!("title \"{title}\" ({word})"));
        }
        if let Some((server, word)) = contains(&http.server, &rule.server_keywords) {
            evidence.push(format!("Server: {server} ({word})"));
        }
        if evidence.is_empty() {
            continue;
        }
        let vantage = ctx.host.vantage;
        // A login challenge is a fact; a keyword in a title is a strong hint, not proof.
        let confidence = if http.www_authenticate.is_some() && rule.http_authentication {
            Confidence::Certain
        } else {
            Confidence::Firm
        };
        findings.push(ctx.finding(
            FindingStatus::Violation,
            confidence,
            Some(port),
            Localized::new(
                format!("管理画面が{}から到達できないこと", vantage_ja(vantage)),
                format!("no management interface reachable from {vantage}"),
            ),
            Localized::new(
                format!("管理画面と思われる応答: {}", evidence.join("; ")),
                format!("looks like a management interface: {}", evidence.join("; ")),
            ),
        ));
    }
}

/// `name` matches `pattern`: exact, or with a leading and/or trailing `*` wildcard.
fn algorithm_matches(pattern: &str, name: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => name.contains(rest.trim_end_matches('*')),
        (Some(suffix), _) => name.ends_with(suffix),
        (None, Some(prefix)) => name.starts_with(prefix),
        (None, None) => name == pattern,
    }
}

/// Forbidden patterns, the lists the server offered, and the family's name in Japanese and
/// English.
type AlgorithmFamily<'a> = (&'a [String], &'a [&'a [String]], &'a str, &'a str);

fn ssh_security(ctx: &Context, rule: &SshSecurityRule, findings: &mut Vec<Finding>) {
    for (port, service) in open_services(ctx, ServiceKind::Ssh) {
        let expected = Localized::new(
            "SSH サーバーの暗号アルゴリズムと認証方式が規則を満たすこと",
            "the SSH server's algorithms and authentication methods meet the rule",
        );
        let Some(audit) = &service.ssh_audit else {
            report_problems(ctx, port, expected, vec![], vec!["SSH audit"], findings);
            continue;
        };
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut untested = Vec::new();
        let lists: [AlgorithmFamily; 4] = [
            (
                &rule.forbidden_kex,
                &[&audit.kex_algorithms],
                "鍵交換",
                "key exchange",
            ),
            (
                &rule.forbidden_host_key_algorithms,
                &[&audit.host_key_algorithms],
                "ホスト鍵",
                "host key",
            ),
            (
                &rule.forbidden_ciphers,
                &[
                    &audit.ciphers_client_to_server,
                    &audit.ciphers_server_to_client,
                ],
                "暗号",
                "cipher",
            ),
            (
                &rule.forbidden_macs,
                &[&audit.macs_client_to_server, &audit.macs_server_to_client],
                "MAC",
                "MAC",
            ),
        ];
        for (patterns, offered, ja, en) in lists {
            if patterns.is_empty() {
                continue;
            }
            if offered.iter().all(|l| l.is_empty()) {
                untested.push(en);
                continue;
            }
            let mut bad: Vec<&str> = Vec::new();
            for name in offered.iter().flat_map(|l| l.iter()) {
                if patterns.iter().any(|p| algorithm_matches(p, name))
                    && !bad.contains(&name.as_str())
                {
                    bad.push(name);
                }
            }
            if !bad.is_empty() {
                problems.push((
                    format!("弱い{ja}アルゴリズム: {}", bad.join(", ")),
                    format!("weak {en} algorithms: {}", bad.join(", ")),
                ));
            }
        }
        if rule.require_strict_kex {
            match audit.strict_kex {
                Some(false) => problems.push((
                    "strict KEX に未対応(Terrapin, CVE-2023-48795)".into(),
                    "no strict key exchange (Terrapin, CVE-2023-48795)".into(),
                )),
                Some(true) => {}
                None => untested.push("strict key exchange"),
            }
        }
        if rule.forbid_password_auth {
            match &audit.auth_methods {
                Some(methods) => {
                    let password: Vec<&str> = methods
                        .iter()
                        .map(String::as_str)
                        .filter(|m| matches!(*m, "password" | "keyboard-interactive"))
                        .collect();
                    if !password.is_empty() {
                        problems.push((
                            format!("パスワード認証を受け付ける: {}", password.join(", ")),
                            format!("password authentication offered: {}", password.join(", ")),
                        ));
                    }
                }
                None => untested.push("authentication methods"),
            }
        }
        if let Some(min) = rule.min_rsa_host_key_bits {
            for key in audit.host_keys.iter().filter(|k| k.key_type == "ssh-rsa") {
                match key.bits {
                    Some(bits) if bits < min => problems.push((
                        format!("RSA ホスト鍵が {bits} ビット(要件 {min} 以上)"),
                        format!("RSA host key of {bits} bits (at least {min} required)"),
                    )),
                    Some(_) => {}
                    None => untested.push("RSA host key size"),
                }
            }
        }
        report_problems(ctx, port, expected, problems, untested, findings);
    }
}

/// The service a weakness is about.
fn weakness_service(weakness: Weakness) -> ServiceKind {
    match weakness {
        Weakness::VncNoAuthentication => ServiceKind::Vnc,
        Weakness::Smb1Accepted | Weakness::SmbSigningNotRequired => ServiceKind::Smb,
        Weakness::SnmpPublicCommunity => ServiceKind::Snmp,
        Weakness::SsdpAnswers => ServiceKind::Ssdp,
        Weakness::IkeAggressiveMode | Weakness::IkeWeakDhGroups | Weakness::IkeWeakAlgorithms => {
            ServiceKind::Ike
        }
        Weakness::OpenVpnWithoutTlsAuth => ServiceKind::OpenVpn,
        Weakness::L2tpWithoutIpsec => ServiceKind::L2tp,
    }
}

/// What one service's audit says about `weakness`: `Some(Some(evidence))` present,
/// `Some(None)` absent, `None` not observed.
fn weakness_evidence(
    service: &crate::observation::ServiceObservation,
    weakness: Weakness,
) -> Option<Option<String>> {
    use crate::observation::VpnProbeResult;
    let yes = |e: String| Some(Some(e));
    match weakness {
        Weakness::OpenVpnWithoutTlsAuth => {
            let obs = service.openvpn.as_ref()?;
            match obs.result {
                VpnProbeResult::Answered => yes(
                    "answered an unauthenticated P_CONTROL_HARD_RESET_CLIENT_V2 (no tls-auth or \
                     tls-crypt)"
                        .into(),
                ),
                VpnProbeResult::NoAnswer => Some(None),
                _ => None,
            }
        }
        Weakness::L2tpWithoutIpsec => {
            let obs = service.l2tp.as_ref()?;
            match obs.result {
                VpnProbeResult::Answered => yes(format!(
                    "answered an L2TP SCCRQ in the clear{}",
                    obs.host_name
                        .as_deref()
                        .map(|h| format!(" (host name {h})"))
                        .unwrap_or_default()
                )),
                VpnProbeResult::NoAnswer => Some(None),
                _ => None,
            }
        }
        Weakness::VncNoAuthentication => {
            let audit = service.vnc_audit.as_ref()?;
            match audit.no_auth? {
                true => yes("security type None (no authentication) offered".into()),
                false => Some(None),
            }
        }
        Weakness::Smb1Accepted => match service.smb_audit.as_ref()?.smb1_accepted? {
            true => yes("SMBv1 (NT LM 0.12) accepted".into()),
            false => Some(None),
        },
        Weakness::SmbSigningNotRequired => match service.smb_audit.as_ref()?.signing_required? {
            false => yes("SMB signing not required".into()),
            true => Some(None),
        },
        Weakness::SnmpPublicCommunity => {
            let audit = service.snmp_audit.as_ref()?;
            let versions: Vec<&str> = [("v1", audit.v1_public), ("v2c", audit.v2c_public)]
                .into_iter()
                .filter(|(_, answered)| *answered == Some(true))
                .map(|(v, _)| v)
                .collect();
            if versions.is_empty() {
                return (audit.v1_public.is_some() || audit.v2c_public.is_some()).then_some(None);
            }
            yes(format!(
                "answers community \"public\" ({}){}",
                versions.join(", "),
                audit
                    .sys_descr
                    .as_deref()
                    .map(|d| format!("; sysDescr: {d}"))
                    .unwrap_or_default()
            ))
        }
        Weakness::SsdpAnswers => {
            let audit = service.ssdp_audit.as_ref()?;
            if !audit.answered {
                return Some(None);
            }
            let servers: Vec<&str> = audit
                .responses
                .iter()
                .filter_map(|r| r.server.as_deref())
                .collect();
            yes(format!(
                "answers SSDP M-SEARCH ({} responses{})",
                audit.responses.len(),
                servers
                    .first()
                    .map(|s| format!("; SERVER: {s}"))
                    .unwrap_or_default()
            ))
        }
        Weakness::IkeAggressiveMode => {
            let v1 = service.ike_audit.as_ref()?.v1.as_ref()?;
            match v1.aggressive_mode? {
                true => yes("IKEv1 Aggressive Mode with a pre-shared key accepted".into()),
                false => Some(None),
            }
        }
        Weakness::IkeWeakDhGroups => {
            let audit = service.ike_audit.as_ref()?;
            const WEAK: &[&str] = &["modp768", "modp1024", "modp1536", "modp1024s160"];
            let mut weak: Vec<String> = Vec::new();
            if let Some(v2) = &audit.v2 {
                for g in &v2.accepted_groups {
                    if WEAK.contains(&g.name.as_str()) {
                        weak.push(format!("IKEv2 {}", g.name));
                    }
                }
            }
            if let Some(v1) = &audit.v1 {
                for t in &v1.main_mode_transforms {
                    let name = format!("IKEv1 {}", t.group.name);
                    if WEAK.contains(&t.group.name.as_str()) && !weak.contains(&name) {
                        weak.push(name);
                    }
                }
            }
            if audit.v2.is_none() && audit.v1.is_none() {
                return None;
            }
            if weak.is_empty() {
                Some(None)
            } else {
                yes(format!("weak DH groups accepted: {}", weak.join(", ")))
            }
        }
        Weakness::IkeWeakAlgorithms => {
            let audit = service.ike_audit.as_ref()?;
            let is_weak = |name: &str| {
                let n = name.to_ascii_uppercase();
                n.contains("DES")
                    || n.contains("MD5")
                    || n.contains("SHA1")
                    || n == "SHA"
                    || n.contains("NULL")
            };
            let mut weak: Vec<String> = Vec::new();
            if let Some(v2) = &audit.v2 {
                for a in v2
                    .accepted_encryption
                    .iter()
                    .chain(&v2.accepted_prf)
                    .chain(&v2.accepted_integrity)
                {
                    if is_weak(&a.name) {
                        weak.push(format!("IKEv2 {}", a.name));
                    }
                }
            }
            if let Some(v1) = &audit.v1 {
                for t in &v1.main_mode_transforms {
                    for a in [&t.encryption, &t.hash] {
                        let name = format!("IKEv1 {}", a.name);
                        if is_weak(&a.name) && !weak.contains(&name) {
                            weak.push(name);
                        }
                    }
                }
            }
            if audit.v2.is_none() && audit.v1.is_none() {
                return None;
            }
            if weak.is_empty() {
                Some(None)
            } else {
                yes(format!("weak algorithms accepted: {}", weak.join(", ")))
            }
        }
    }
}

/// One weakness over the ports carrying its service: a violation with the evidence, "not
/// tested" when the port's audit did not observe it, nothing otherwise. UDP ports count only
/// when the service answered (an open UDP port).
fn protocol_weakness(ctx: &Context, weakness: Weakness, findings: &mut Vec<Finding>) {
    let kind = weakness_service(weakness);
    for (port, service) in open_services(ctx, kind) {
        let expected = Localized::new(
            format!("{kind} に既知の弱点がないこと"),
            format!("no known {kind} weakness"),
        );
        match weakness_evidence(service, weakness) {
            Some(Some(evidence)) => findings.push(ctx.finding(
                FindingStatus::Violation,
                Confidence::Certain,
                Some(port),
                expected,
                Localized::new(evidence.clone(), evidence),
            )),
            Some(None) => {}
            None => report_problems(ctx, port, expected, vec![], vec![kind.name()], findings),
        }
    }
}

/// The IKE algorithm lists of a rule over every answering IKE port.
fn ike_algorithms(ctx: &Context, rule: &IkeAlgorithmRule, findings: &mut Vec<Finding>) {
    for (port, service) in open_services(ctx, ServiceKind::Ike) {
        let expected = Localized::new(
            "VPN(IKE)が規則の禁止アルゴリズムを受け付けないこと",
            "the VPN (IKE) accepts none of the rule's forbidden algorithms",
        );
        let Some(audit) = &service.ike_audit else {
            report_problems(ctx, port, expected, vec![], vec!["IKE audit"], findings);
            continue;
        };
        let mut bad: Vec<String> = Vec::new();
        let mut push = |text: String| {
            if !bad.contains(&text) {
                bad.push(text);
            }
        };
        if let Some(v2) = audit.v2.as_ref().filter(|v| v.answered) {
            for (list, forbidden) in [
                (&v2.accepted_encryption, &rule.forbidden_encryption),
                (&v2.accepted_prf, &rule.forbidden_prf),
                (&v2.accepted_integrity, &rule.forbidden_integrity),
                (&v2.accepted_groups, &rule.forbidden_groups),
            ] {
                for a in list.iter().filter(|a| forbidden.contains(&a.name)) {
                    push(format!("IKEv2 {}", a.name));
                }
            }
        }
        if let Some(v1) = audit.v1.as_ref().filter(|v| v.answered) {
            if rule.forbid_ikev1 {
                push("IKEv1".into());
            }
            for t in &v1.main_mode_transforms {
                if rule.forbidden_encryption.contains(&t.encryption.name) {
                    push(format!("IKEv1 {}", t.encryption.name));
                }
                if rule.forbidden_ikev1_hashes.contains(&t.hash.name) {
                    push(format!("IKEv1 {}", t.hash.name));
                }
                if rule.forbidden_groups.contains(&t.group.name) {
                    push(format!("IKEv1 {}", t.group.name));
                }
            }
        }
        let problems = if bad.is_empty() {
            vec![]
        } else {
            vec![(
                format!("禁止アルゴリズムを受理: {}", bad.join(", ")),
                format!("forbidden algorithms accepted: {}", bad.join(", ")),
            )]
        };
        report_problems(ctx, port, expected, problems, vec![], findings);
    }
}

/// Each known vulnerability of an identified portal: affected → a violation (the data's
/// confidence); version unknown → "not tested" with what to verify; not affected → nothing.
fn vpn_portal_vulnerability(ctx: &Context, rule: &VpnPortalRule, findings: &mut Vec<Finding>) {
    use crate::observation::{VulnConfidence, VulnStatus};
    for port in &ctx.host.ports {
        let Some(portal) = port.service.as_ref().and_then(|s| s.sslvpn.as_ref()) else {
            continue;
        };
        let Some(product) = portal.products.first() else {
            continue;
        };
        for vuln in &portal.vulnerabilities {
            if rule.known_exploited_only && !vuln.kev {
                continue;
            }
            let kev = if vuln.kev { " (known exploited)" } else { "" };
            let kev_ja = if vuln.kev {
                "(悪用が確認済み)"
            } else {
                ""
            };
            let expected = Localized::new(
                format!(
                    "{} に {} の修正が適用されていること",
                    product.name, vuln.cve
                ),
                format!("{} is patched against {}", product.name, vuln.cve),
            );
            match vuln.status {
                VulnStatus::Affected => findings.push(ctx.finding(
                    FindingStatus::Violation,
                    match vuln.confidence {
                        VulnConfidence::Firm => Confidence::Firm,
                        VulnConfidence::Tentative => Confidence::Tentative,
                    },
                    Some(port),
                    expected,
                    Localized::new(
                        format!(
                            "{} {} は {}{kev_ja} の影響を受けるバージョンです: {}",
                            product.name,
                            product.version.as_deref().unwrap_or("?"),
                            vuln.cve,
                            vuln.reason
                        ),
                        format!(
                            "{} version {} is affected by {}{kev}: {}",
                            product.name,
                            product.version.as_deref().unwrap_or("?"),
                            vuln.cve,
                            vuln.reason
                        ),
                    ),
                )),
                VulnStatus::VersionUnknown => {
                    let reason = format!(
                        "{} found, version unknown: verify the patch level against {}{kev}",
                        product.name, vuln.cve
                    );
                    findings.push(ctx.finding(
                        FindingStatus::NotTested {
                            reason: reason.clone(),
                        },
                        Confidence::Tentative,
                        Some(port),
                        expected,
                        Localized::new(
                            format!(
                                "{} を検出、バージョン不明: {}{kev_ja} の修正適用を確認してください",
                                product.name, vuln.cve
                            ),
                            reason,
                        ),
                    ));
                }
                VulnStatus::NotAffected => {}
            }
        }
    }
}

/// The open ports of the host whose service is `kind`, with that service.
fn open_services<'a>(
    ctx: &Context<'a>,
    kind: ServiceKind,
) -> impl Iterator<
    Item = (
        &'a PortObservation,
        &'a crate::observation::ServiceObservation,
    ),
> {
    ctx.host.ports.iter().filter_map(move |port| {
        let service = port.service.as_ref().filter(|s| s.kind == kind)?;
        matches!(port.state, PortState::Open).then_some((port, service))
    })
}

/// Open ports identified as RDP, with their audit; a port whose audit did not run is reported
/// as not tested here.
fn audited_rdp_ports<'a>(
    ctx: &Context<'a>,
    findings: &mut Vec<Finding>,
) -> Vec<(&'a PortObservation, &'a RdpAudit)> {
    let mut audited = Vec::new();
    for (port, service) in open_services(ctx, ServiceKind::Rdp) {
        match &service.rdp_audit {
            Some(audit) => audited.push((port, audit)),
            None => {
                let reason = "the RDP audit did not run on this port".to_string();
                findings.push(ctx.finding(
                    FindingStatus::NotTested {
                        reason: reason.clone(),
                    },
                    Confidence::Certain,
                    Some(port),
                    Localized::new("RDP の監査結果", "the RDP audit's facts"),
                    Localized::new("このポートでは RDP 監査を実行していません", reason),
                ));
            }
        }
    }
    audited
}

fn rdp_security(ctx: &Context, rule: &RdpSecurityRule, findings: &mut Vec<Finding>) {
    for (port, audit) in audited_rdp_ports(ctx, findings) {
        let expected = Localized::new(
            "RDP のセキュリティ設定(NLA・セキュリティ層・暗号化・情報開示)が規則を満たすこと",
            "RDP security (NLA, security layer, encryption, disclosure) meets the rule",
        );
        let mut problems = Vec::new();
        let mut untested = Vec::new();
        if rule.require_nla {
            match audit.nla_required {
                Some(false) => problems.push((
                    "ネットワークレベル認証(NLA)を必須にしていない".to_string(),
                    "network-level authentication (NLA) is not required".to_string(),
                )),
                Some(true) => {}
                None => untested.push("NLA"),
            }
        }
        let standard_allowed = audit.standard_rdp_security_allowed;
        if rule.forbid_standard_security {
            match standard_allowed {
                Some(true) => problems.push((
                    "標準 RDP セキュリティ(TLS なし、サーバー認証なし)での接続を受け付ける"
                        .to_string(),
                    "accepts Standard RDP Security (no TLS, no server authentication)".to_string(),
                )),
                Some(false) => {}
                None => untested.push("Standard RDP Security"),
            }
        }
        let wants_encryption = !rule.forbidden_encryption_methods.is_empty()
            || !rule.forbidden_encryption_levels.is_empty();
        if wants_encryption && standard_allowed != Some(false) {
            match &audit.standard_security {
                Some(sec) => {
                    if rule
                        .forbidden_encryption_methods
                        .contains(&sec.encryption_method)
                    {
                        problems.push((
                            format!(
                                "標準 RDP セキュリティの暗号方式が {}",
                                sec.encryption_method
                            ),
                            format!(
                                "Standard RDP Security encryption method {}",
                                sec.encryption_method
                            ),
                        ));
                    }
                    if rule
                        .forbidden_encryption_levels
                        .contains(&sec.encryption_level)
                    {
                        problems.push((
                            format!(
                                "標準 RDP セキュリティの暗号化レベルが {}",
                                sec.encryption_level
                            ),
                            format!(
                                "Standard RDP Security encryption level {}",
                                sec.encryption_level
                            ),
                        ));
                    }
                }
                None if standard_allowed == Some(true) => {
                    untested.push("Standard RDP Security encryption")
                }
                None => untested.push("Standard RDP Security"),
            }
        }
        if rule.forbid_ntlm_disclosure {
            if let Some(ntlm) = &audit.ntlm {
                let names: Vec<String> = [
                    ("NetBIOS computer", &ntlm.netbios_computer),
                    ("NetBIOS domain", &ntlm.netbios_domain),
                    ("DNS computer", &ntlm.dns_computer),
                    ("DNS domain", &ntlm.dns_domain),
                    ("OS version", &ntlm.os_version),
                ]
                .into_iter()
                .filter_map(|(what, value)| value.as_ref().map(|v| format!("{what} {v}")))
                .collect();
                if !names.is_empty() {
                    problems.push((
                        format!("認証前に内部情報を開示: {}", names.join(", ")),
                        format!("discloses before authentication: {}", names.join(", ")),
                    ));
                }
            } else if audit
                .accepted
                .iter()
                .any(|p| p.starts_with("PROTOCOL_HYBRID"))
            {
                untested.push("NTLM information");
            }
        }
        report_problems(ctx, port, expected, problems, untested, findings);
    }
}

/// Why a `Strict-Transport-Security` value gives no usable `max-age`.
#[derive(Debug, PartialEq, Eq)]
enum HstsProblem {
    /// No `max-age` directive.
    Missing,
    /// `max-age` given more than once (RFC 6797 §6.1: each directive at most once).
    Repeated,
    /// The value is not `delta-seconds` (digits), quoted or not.
    NotANumber(String),
}

/// The `max-age` of a `Strict-Transport-Security` value, RFC 6797 §6.1: directives separated by
/// `;`, names case-insensitive, values a token or a quoted-string, other directives ignored
/// (§6.1 says unknown ones are skipped). A number too large for `u64` counts as `u64::MAX`.
fn hsts_max_age(value: &str) -> Result<u64, HstsProblem> {
    let mut max_age = None;
    for directive in split_directives(value) {
        let (name, raw) = match directive.split_once('=') {
            Some((name, raw)) => (name.trim(), Some(raw.trim())),
            None => (directive.trim(), None),
        };
        if !name.eq_ignore_ascii_case("max-age") {
            continue;
        }
        if max_age.is_some() {
            return Err(HstsProblem::Repeated);
        }
        let raw = raw.unwrap_or("");
        let unquoted = match raw.strip_prefix('"') {
            Some(inner) => match inner.strip_suffix('"') {
                // quoted-pair: a backslash quotes the next character.
                Some(inner) => {
                    let mut out = String::new();
                    let mut chars = inner.chars();
                    while let Some(c) = chars.next() {
                        out.push(if c == '\\' {
                            chars.next().unwrap_or(c)
                        } else {
                            c
                        });
                    }
                    out
                }
                None => return Err(HstsProblem::NotANumber(raw.to_string())),
            },
            None => raw.to_string(),
        };
        if unquoted.is_empty() || !unquoted.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HstsProblem::NotANumber(raw.to_string()));
        }
        max_age = Some(unquoted.parse::<u64>().unwrap_or(u64::MAX));
    }
    max_age.ok_or(HstsProblem::Missing)
}

/// Splits on `;` outside quoted-strings.
fn split_directives(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

fn https_hsts(ctx: &Context, rule: &HttpsHsts, findings: &mut Vec<Finding>) {
    let min = rule.min_max_age;
    for port in &ctx.host.ports {
        if !matches!(port.state, PortState::Open) {
            continue;
        }
        let Some(service) = port
            .service
            .as_ref()
            .filter(|s| s.kind == ServiceKind::Https)
        else {
            continue;
        };
        let expected = Localized::new(
            format!("Strict-Transport-Security ヘッダーがあり、max-age が {min} 秒以上であること"),
            format!("a Strict-Transport-Security header with max-age of at least {min} seconds"),
        );
        let Some(http) = &service.http else {
            let reason = "no HTTP response over TLS".to_string();
            findings.push(ctx.finding(
                FindingStatus::NotTested {
                    reason: reason.clone(),
                },
                Confidence::Certain,
                Some(port),
                expected,
                Localized::new("TLS 上の HTTP 応答を得られませんでした", reason),
            ));
            continue;
        };
        let actual = match http.strict_transport_security.as_deref() {
            None => Some((
                "Strict-Transport-Security ヘッダーがない".to_string(),
                "no Strict-Transport-Security header".to_string(),
            )),
            Some(value) => match hsts_max_age(value) {
                Ok(age) if age >= min => None,
                Ok(age) => Some((
                    format!("max-age が {age} 秒(ヘッダー: {value})"),
                    format!("max-age of {age} seconds (header: {value})"),
                )),
                Err(HstsProblem::Missing) => Some((
                    format!("max-age の指定がない(ヘッダー: {value})"),
                    format!("no max-age directive (header: {value})"),
                )),
                Err(HstsProblem::Repeated) => Some((
                    format!("max-age が複数回指定されており無効(ヘッダー: {value})"),
                    format!("max-age given more than once, header ignored (header: {value})"),
                )),
                Err(HstsProblem::NotANumber(raw)) => Some((
                    format!("max-age の値 {raw} が数値でない(ヘッダー: {value})"),
                    format!("max-age value {raw} is not a number (header: {value})"),
                )),
            },
        };
        if let Some((ja, en)) = actual {
            findings.push(ctx.finding(
                FindingStatus::Violation,
                Confidence::Certain,
                Some(port),
                expected,
                Localized::new(ja, en),
            ));
        }
    }
}

fn vantage_ja(vantage: Vantage) -> &'static str {
    match vantage {
        Vantage::Outside => "外部(インターネット側)",
        Vantage::Inside => "内部(社内ネットワーク)",
    }
}

/// How a port relates to a `service_exposed` rule.
enum PortMatch {
    /// The open port's service is one the rule names; with the confidence that naming deserves.
    Exposed(Confidence),
    /// The port is one the rule watches, but it was never tested.
    Untested(String),
    NoMatch,
}

fn match_port(rule: &ServiceExposed, port: &PortObservation) -> PortMatch {
    let watched_port = rule.ports.contains(&port.port);
    match &port.state {
        PortState::Open => {}
        PortState::NotTested { reason } if watched_port => {
            return PortMatch::Untested(reason.clone())
        }
        _ => return PortMatch::NoMatch,
    }
    let Some(service) = &port.service else {
        // Open, but identification never ran: only the port number speaks for it.
        return if watched_port {
            PortMatch::Exposed(Confidence::Tentative)
        } else {
            PortMatch::NoMatch
        };
    };
    if rule.services.contains(&service.kind) {
        return PortMatch::Exposed(match service.method {
            IdentificationMethod::Protocol => Confidence::Certain,
            IdentificationMethod::PortNumber => Confidence::Firm,
        });
    }
    if service.kind == ServiceKind::Unknown && watched_port {
        return PortMatch::Exposed(Confidence::Tentative);
    }
    PortMatch::NoMatch
}

fn services_text(rule: &ServiceExposed) -> String {
    rule.services
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join("/")
}

fn service_exposed(ctx: &Context, rule: &ServiceExposed, findings: &mut Vec<Finding>) {
    if rule.policy == Policy::Allowed {
        return;
    }
    let services = services_text(rule);
    let vantage = ctx.host.vantage;
    let mut exposed_anywhere = false;
    let mut untested = Vec::new();
    for port in &ctx.host.ports {
        match match_port(rule, port) {
            PortMatch::Exposed(confidence) => {
                exposed_anywhere = true;
                if rule.policy == Policy::Forbidden {
                    let seen = port
                        .service
                        .as_ref()
                        .map_or(services.as_str(), |s| s.kind.name());
                    let (how_ja, how_en) = match confidence {
                        Confidence::Certain => ("", ""),
                        Confidence::Firm => (
                            "（サービス名はポート番号からの推定）",
                            "; service named from the port number only",
                        ),
                        Confidence::Tentative => (
                            "（サービスは未特定、ポート番号のみ）",
                            "; service not identified, port number only",
                        ),
                    };
                    let actual = Localized::new(
                        format!(
                            "{seen} がポート {} で開いている（{}から観測）{how_ja}",
                            port.port,
                            vantage_ja(vantage)
                        ),
                        format!(
                            "{seen} open on port {} (seen from {vantage}){how_en}",
                            port.port
                        ),
                    );
                    findings.push(ctx.finding(
                        FindingStatus::Violation,
                        confidence,
                        Some(port),
                        Localized::new(
                            format!("{services} が{}から到達できないこと", vantage_ja(vantage)),
                            format!("{services} not reachable from {vantage}"),
                        ),
                        actual,
                    ));
                }
            }
            PortMatch::Untested(reason) => untested.push((port, reason)),
            PortMatch::NoMatch => {}
        }
    }
    let report_untested = match rule.policy {
        Policy::Forbidden => true,
        Policy::Required => !exposed_anywhere,
        Policy::Allowed => false,
    };
    if report_untested {
        for (port, reason) in untested {
            findings.push(ctx.finding(
                FindingStatus::NotTested {
                    reason: reason.clone(),
                },
                Confidence::Certain,
                Some(port),
                Localized::new(
                    format!("ポート {} で {services} を検査すること", port.port),
                    format!("{services} checked on port {}", port.port),
                ),
                Localized::new(
                    format!("ポート {} は未検査: {reason}", port.port),
                    format!("port {} not tested: {reason}", port.port),
                ),
            ));
        }
    }
    if rule.policy == Policy::Required && !exposed_anywhere && ctx.host.incomplete.is_none() {
        findings.push(ctx.finding(
            FindingStatus::Violation,
            Confidence::Firm,
            None,
            Localized::new(
                format!("{services} が{}から到達できること", vantage_ja(vantage)),
                format!("{services} reachable from {vantage}"),
            ),
            Localized::new(
                format!("検査したポートに {services} が見つからない"),
                format!("no {services} service found on the ports scanned"),
            ),
        ));
    }
}

fn certificate_validity(
    ctx: &Context,
    rule: &CertificateValidity,
    scan_time: &str,
    findings: &mut Vec<Finding>,
) {
    let Ok(now) = OffsetDateTime::parse(scan_time, &Rfc3339) else {
        return;
    };
    for port in &ctx.host.ports {
        let Some(cert) = port
            .service
            .as_ref()
            .and_then(|s| s.tls.as_ref())
            .and_then(|t| t.certificate.as_ref())
        else {
            continue;
        };
        let (Ok(not_before), Ok(not_after)) = (
            OffsetDateTime::parse(&cert.not_before, &Rfc3339),
            OffsetDateTime::parse(&cert.not_after, &Rfc3339),
        ) else {
            findings.push(ctx.finding(
                FindingStatus::NotTested {
                    reason: "certificate validity dates could not be read".into(),
                },
                Confidence::Certain,
                Some(port),
                Localized::new(
                    "証明書が有効期間内であること",
                    "certificate within its validity period",
                ),
                Localized::new(
                    format!(
                        "not_before={} not_after={}",
                        cert.not_before, cert.not_after
                    ),
                    format!(
                        "not_before={} not_after={}",
                        cert.not_before, cert.not_after
                    ),
                ),
            ));
            continue;
        };
        let warn_until = now + time::Duration::days(i64::from(rule.warn_days_before_expiry));
        let days = rule.warn_days_before_expiry;
        let problem = if now < not_before {
            Some((
                format!("{} より前は無効（まだ有効期間前）", cert.not_before),
                format!("not valid before {}", cert.not_before),
            ))
        } else if now > not_after {
            Some((
                format!("{} に期限切れ", cert.not_after),
                format!("expired on {}", cert.not_after),
            ))
        } else if warn_until > not_after {
            Some((
                format!("{} に期限切れ（{days} 日以内）", cert.not_after),
                format!("expires on {} (within {days} days)", cert.not_after),
            ))
        } else {
            None
        };
        if let Some((problem_ja, problem_en)) = problem {
            findings.push(ctx.finding(
                FindingStatus::Violation,
                Confidence::Certain,
                Some(port),
                Localized::new(
                    format!(
                        "{} から有効で、診断時刻 {scan_time} の {days} 日後以降も有効であること",
                        cert.not_before
                    ),
                    format!(
                        "valid from {} until {days} days or more after scan time {scan_time}",
                        cert.not_before
                    ),
                ),
                Localized::new(
                    format!("{problem_ja}; サブジェクト {}", cert.subject),
                    format!("{problem_en}; subject {}", cert.subject),
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::*;

    fn profile() -> Profile {
        Profile::builtin("mic-telework").unwrap()
    }

    fn port(
        port: u16,
        state: PortState,
        kind: Option<(ServiceKind, IdentificationMethod)>,
    ) -> PortObservation {
        PortObservation {
            port,
            transport: Transport::Tcp,
            state,
            connect_ms: Some(1),
            service: kind.map(|(kind, method)| ServiceObservation {
                kind,
                method,
                ..ServiceObservation::unknown(ProbeStatus::Success)
            }),
        }
    }

    fn scan(vantage: Vantage, ports: Vec<PortObservation>) -> Scan {
        Scan {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::current(),
            started_at: "2026-11-27T00:00:00Z".into(),
            finished_at: "2026-11-27T00:00:10Z".into(),
            vantage_requested: VantageChoice::Auto,
            settings: ScanSettings {
                ports: ports.iter().map(|p| p.port).collect(),
                connect_timeout_ms: 1000,
                target_timeout_ms: 10000,
                concurrency: 10,
                per_host_concurrency: 2,
                per_host_connection_budget: 100,
                resolver: "system".into(),
            },
            targets: vec![TargetObservation {
                input: "router.example.jp".into(),
                resolution: Resolution::Literal,
                hosts: vec![HostObservation {
                    address: "203.0.113.1".parse().unwrap(),
                    vantage,
                    ports,
                    incomplete: None,
                }],
            }],
            wifi: None,
        }
    }

    fn rules_of(findings: &[Finding]) -> Vec<(&str, Option<u16>, bool)> {
        findings
            .iter()
            .map(|f| (f.rule.as_str(), f.location.port, f.is_violation()))
            .collect()
    }

    const RDP: Option<(ServiceKind, IdentificationMethod)> =
        Some((ServiceKind::Rdp, IdentificationMethod::Protocol));

    #[test]
    fn rdp_from_outside_is_a_certain_high_violation() {
        let s = scan(Vantage::Outside, vec![port(3389, PortState::Open, RDP)]);
        let findings = evaluate(&s, &[profile()]);
        let rdp: Vec<_> = findings
            .iter()
            .filter(|f| f.location.service.as_deref() == Some("rdp") && f.is_violation())
            .collect();
        assert_eq!(rdp.len(), 1, "{:?}", rules_of(&findings));
        assert_eq!(rdp[0].rule, "rdp-reachable-from-outside");
        assert_eq!(rdp[0].severity, Severity::High);
        assert_eq!(rdp[0].confidence, Confidence::Certain);
        assert!(rdp[0].is_violation());
        assert!(!rdp[0].references.is_empty());
        assert!(rdp[0].title.is_complete());
    }

    #[test]
    fn rdp_from_inside_is_not_an_exposure_finding() {
        let s = scan(Vantage::Inside, vec![port(3389, PortState::Open, RDP)]);
        let findings = evaluate(&s, &[profile()]);
        // Without an RDP audit the security rules can only say "not tested"; nothing is a
        // violation from inside.
        assert!(
            findings
                .iter()
                .filter(|f| f.location.service.as_deref() == Some("rdp"))
                .all(|f| !f.is_violation() && f.rule != "rdp-reachable-from-outside"),
            "{:?}",
            rules_of(&findings)
        );
    }

    #[test]
    fn closed_and_filtered_ports_give_nothing() {
        let s = scan(
            Vantage::Outside,
            vec![
                port(3389, PortState::Closed, None),
                port(
                    5900,
                    PortState::Filtered {
                        reason: "timeout".into(),
                    },
                    None,
                ),
            ],
        );
        assert!(evaluate(&s, &[profile()]).is_empty());
    }

    #[test]
    fn untested_watched_port_is_not_tested_never_a_pass() {
        let s = scan(
            Vantage::Outside,
            vec![port(
                3389,
                PortState::NotTested {
                    reason: "target deadline reached".into(),
                },
                None,
            )],
        );
        let findings = evaluate(&s, &[profile()]);
        assert!(!findings.is_empty());
        assert!(findings
            .iter()
            .all(|f| matches!(&f.status, FindingStatus::NotTested { reason } if reason.contains("deadline"))));
    }

    #[test]
    fn service_named_from_port_only_lowers_confidence() {
        let s = scan(
            Vantage::Outside,
            vec![
                port(
                    3389,
                    PortState::Open,
                    Some((ServiceKind::Rdp, IdentificationMethod::PortNumber)),
                ),
                port(
                    5900,
                    PortState::Open,
                    Some((ServiceKind::Unknown, IdentificationMethod::Protocol)),
                ),
            ],
        );
        let findings = evaluate(&s, &[profile()]);
        let by_port = |p| {
            findings
                .iter()
                .find(|f| f.location.port == Some(p))
                .unwrap()
        };
        assert_eq!(by_port(3389).confidence, Confidence::Firm);
        assert_eq!(by_port(5900).confidence, Confidence::Tentative);
    }

    #[test]
    fn ssh_on_an_unusual_port_is_still_found_by_protocol() {
        let s = scan(
            Vantage::Outside,
            vec![port(
                2222,
                PortState::Open,
                Some((ServiceKind::Ssh, IdentificationMethod::Protocol)),
            )],
        );
        let findings = evaluate(&s, &[profile()]);
        let violations: Vec<&Finding> = findings.iter().filter(|f| f.is_violation()).collect();
        assert_eq!(violations.len(), 1, "{:?}", rules_of(&findings));
        assert_eq!(violations[0].rule, "ssh-reachable-from-outside");
        assert_eq!(violations[0].location.port, Some(2222));
        // Without an SSH audit the algorithm rules can only say "not tested".
        assert!(findings
            .iter()
            .filter(|f| !f.is_violation())
            .all(|f| matches!(f.status, FindingStatus::NotTested { .. })));
    }

    #[test]
    fn incomplete_host_is_reported_once_as_not_tested() {
        let mut s = scan(
            Vantage::Inside,
            vec![
                port(40000, PortState::Open, None),
                port(
                    40001,
                    PortState::NotTested {
                        reason: "target deadline reached".into(),
                    },
                    None,
                ),
            ],
        );
        s.targets[0].hosts[0].incomplete = Some("target deadline reached".into());
        let findings = evaluate(&s, &[profile()]);
        assert_eq!(findings.len(), 1, "{:?}", rules_of(&findings));
        assert_eq!(findings[0].rule, "host-scan-incomplete");
        assert!(findings[0].actual.en.contains("40001"));
        assert!(!findings[0].is_violation());
    }

    #[test]
    fn failed_resolution_is_one_not_tested_finding() {
        let mut s = scan(Vantage::Outside, vec![]);
        s.targets[0].resolution = Resolution::Failed {
            name: "nx.example.jp".into(),
            resolver: "system".into(),
            reason: "the name does not exist (NXDOMAIN)".into(),
        };
        s.targets[0].hosts.clear();
        let findings = evaluate(&s, &[profile()]);
        assert_eq!(findings.len(), 1);
        assert!(matches!(
            findings[0].status,
            FindingStatus::NotTested { .. }
        ));
    }

    #[test]
    fn expired_certificate_is_found() {
        let mut p = port(
            443,
            PortState::Open,
            Some((ServiceKind::Https, IdentificationMethod::Protocol)),
        );
        p.service.as_mut().unwrap().tls = Some(TlsIdentification {
            version: Some("TLSv1.3".into()),
            cipher_suite: None,
            alpn: None,
            handshake_error: None,
            certificate: Some(CertificateSummary {
                subject: "CN=router".into(),
                issuer: "CN=router".into(),
                self_signed: true,
                not_before: "2020-01-01T00:00:00Z".into(),
                not_after: "2021-01-01T00:00:00Z".into(),
                dns_names: vec![],
                signature_algorithm: "sha256WithRSAEncryption".into(),
                key_type: "RSA".into(),
                key_bits: Some(2048),
                curve: None,
            }),
        });
        let s = scan(Vantage::Inside, vec![p]);
        let findings = evaluate(&s, &[profile()]);
        assert!(
            findings
                .iter()
                .any(|f| f.actual.en.contains("expired on 2021-01-01")
                    && f.actual.ja.contains("期限切れ")),
            "{:?}",
            rules_of(&findings)
        );
    }

    #[test]
    fn every_finding_text_exists_in_japanese_and_english() {
        let mut https = port(
            443,
            PortState::Open,
            Some((ServiceKind::Https, IdentificationMethod::Protocol)),
        );
        https.service.as_mut().unwrap().tls = Some(TlsIdentification {
            version: None,
            cipher_suite: None,
            alpn: None,
            handshake_error: None,
            certificate: Some(CertificateSummary {
                subject: "CN=x".into(),
                issuer: "CN=x".into(),
                self_signed: true,
                not_before: "2030-01-01T00:00:00Z".into(),
                not_after: "2031-01-01T00:00:00Z".into(),
                dns_names: vec![],
                signature_algorithm: "sha256WithRSAEncryption".into(),
                key_type: "RSA".into(),
                key_bits: Some(2048),
                curve: None,
            }),
        });
        let mut ports = vec![
            https,
            port(
                3389,
                PortState::NotTested {
                    reason: "budget".into(),
                },
                None,
            ),
        ];
        for (number, kind) in [
            (22, ServiceKind::Ssh),
            (23, ServiceKind::Telnet),
            (5900, ServiceKind::Vnc),
            (445, ServiceKind::Smb),
        ] {
            ports.push(port(
                number,
                PortState::Open,
                Some((kind, IdentificationMethod::PortNumber)),
            ));
        }
        let mut s = scan(Vantage::Outside, ports);
        s.targets[0].hosts[0].incomplete = Some("budget".into());
        let findings = evaluate(&s, &[profile()]);
        assert!(findings.len() >= 6, "{:?}", rules_of(&findings));
        for f in &findings {
            for text in [&f.title, &f.explanation, &f.remedy, &f.expected, &f.actual] {
                assert!(text.is_complete(), "{}: {text:?}", f.id);
            }
        }
    }

    /// An HTTPS port whose response carries the given `Strict-Transport-Security` value; no HTTP
    /// identification at all when `hsts` is `None`.
    fn https_port(hsts: Option<Option<&str>>) -> PortObservation {
        let mut p = port(
            443,
            PortState::Open,
            Some((ServiceKind::Https, IdentificationMethod::Protocol)),
        );
        p.service.as_mut().unwrap().http = hsts.map(|value| HttpIdentification {
            status_code: 200,
            server: None,
            title: None,
            www_authenticate: None,
            location: None,
            strict_transport_security: value.map(str::to_string),
        });
        p
    }

    /// An HTTPS port with the TLS audit given and an HSTS header long enough for every profile,
    /// so TLS tests see only TLS findings.
    fn tls_port(audit: Option<TlsAudit>) -> PortObservation {
        let mut p = https_port(Some(Some("max-age=63072000; includeSubDomains")));
        p.service.as_mut().unwrap().tls_audit = audit;
        p
    }

    fn rdp_port(audit: Option<RdpAudit>) -> PortObservation {
        let mut p = port(
            3389,
            PortState::Open,
            Some((ServiceKind::Rdp, IdentificationMethod::Protocol)),
        );
        p.service.as_mut().unwrap().rdp_audit = audit;
        p
    }

    fn rdp_rules(findings: &[Finding]) -> Vec<(String, bool)> {
        findings
            .iter()
            .filter(|f| f.rule.starts_with("rdp-") && f.rule != "rdp-reachable-from-outside")
            .map(|f| (f.rule.clone(), f.is_violation()))
            .collect()
    }

    /// The four mic-telework RDP security rules against audits of the shapes xrdp and Windows
    /// give, from inside and outside.
    #[test]
    fn rdp_security_rules_follow_the_audit() {
        use crate::observation::{NtlmInfo, RdpStandardSecurity};
        // NLA required, TLS only, names disclosed (a Windows host with defaults).
        let windows = RdpAudit {
            accepted: vec!["PROTOCOL_SSL".into(), "PROTOCOL_HYBRID".into()],
            standard_rdp_security_allowed: Some(false),
            nla_required: Some(true),
            ntlm: Some(NtlmInfo {
                netbios_computer: Some("FILESRV".into()),
                dns_domain: Some("corp.example.jp".into()),
                os_version: Some("10.0.17763".into()),
                ..NtlmInfo::default()
            }),
            ..RdpAudit::default()
        };
        let inside = evaluate(
            &scan(Vantage::Inside, vec![rdp_port(Some(windows.clone()))]),
            &[profile()],
        );
        assert!(rdp_rules(&inside).is_empty(), "{:?}", rdp_rules(&inside));
        let outside = evaluate(
            &scan(Vantage::Outside, vec![rdp_port(Some(windows))]),
            &[profile()],
        );
        assert_eq!(
            rdp_rules(&outside),
            [("rdp-ntlm-disclosure-from-outside".to_string(), true)]
        );
        let leak = outside
            .iter()
            .find(|f| f.rule == "rdp-ntlm-disclosure-from-outside")
            .unwrap();
        assert!(leak.actual.en.contains("FILESRV") && leak.actual.en.contains("corp.example.jp"));

        // Standard RDP Security at 40 bits, no NLA (xrdp security_layer=rdp crypt_level=low).
        let legacy = RdpAudit {
            accepted: vec!["PROTOCOL_RDP".into()],
            standard_rdp_security_allowed: Some(true),
            nla_required: Some(false),
            standard_security: Some(RdpStandardSecurity {
                server_version: None,
                server_version_name: None,
                offered_methods: vec![],
                encryption_method: "ENCRYPTION_METHOD_40BIT".into(),
                encryption_level: "ENCRYPTION_LEVEL_LOW".into(),
                server_random_len: 32,
                server_certificate_len: 0,
                server_certificate_type: None,
            }),
            ..RdpAudit::default()
        };
        let mut got = rdp_rules(&evaluate(
            &scan(Vantage::Inside, vec![rdp_port(Some(legacy.clone()))]),
            &[profile()],
        ));
        got.sort();
        assert_eq!(
            got,
            [
                ("rdp-standard-security".to_string(), true),
                ("rdp-weak-standard-encryption".to_string(), true),
                ("rdp-without-nla".to_string(), true),
            ]
        );
        // Same server, details unread: the encryption rule says "not tested", never passes.
        let unread = RdpAudit {
            standard_security: None,
            ..legacy
        };
        let findings = evaluate(
            &scan(Vantage::Inside, vec![rdp_port(Some(unread))]),
            &[profile()],
        );
        let weak = findings
            .iter()
            .find(|f| f.rule == "rdp-weak-standard-encryption")
            .expect("not-tested finding");
        assert!(!weak.is_violation());
        assert!(
            matches!(&weak.status, FindingStatus::NotTested { reason } if reason.contains("encryption"))
        );
        // An RDP port whose audit did not run: every RDP rule is "not tested".
        let none = rdp_rules(&evaluate(
            &scan(Vantage::Inside, vec![rdp_port(None)]),
            &[profile()],
        ));
        assert_eq!(none.len(), 3, "{none:?}");
        assert!(none.iter().all(|(_, violation)| !violation));
    }

    /// Titles and Server headers from the rule's word lists mark a management page (firm: a hint,
    /// not proof); an ordinary page does not.
    #[test]
    fn management_pages_are_recognised_by_title_or_server() {
        let page = |title: Option<&str>, server: Option<&str>| {
            let mut p = port(
                8080,
                PortState::Open,
                Some((ServiceKind::Http, IdentificationMethod::Protocol)),
            );
            p.service.as_mut().unwrap().http = Some(HttpIdentification {
                status_code: 200,
                server: server.map(str::to_string),
                title: title.map(str::to_string),
                www_authenticate: None,
                location: None,
                strict_transport_security: None,
            });
            let findings = evaluate(&scan(Vantage::Outside, vec![p]), &[profile()]);
            findings
                .into_iter()
                .find(|f| f.rule == "management-ui-reachable-from-outside")
        };
        let jp = page(Some("Aterm ログイン"), None).expect("Japanese router login");
        assert_eq!(jp.confidence, Confidence::Firm);
        assert!(jp.actual.en.contains("Aterm"));
        let embedded = page(None, Some("RomPager/4.07 UPnP/1.0")).expect("embedded server");
        assert!(embedded.actual.en.contains("RomPager"));
        assert!(page(Some("Welcome to our shop"), Some("nginx")).is_none());
    }

    #[test]
    fn algorithm_patterns_match_families() {
        assert!(algorithm_matches("hmac-sha1*", "hmac-sha1-etm@openssh.com"));
        assert!(algorithm_matches("*cbc*", "rijndael-cbc@lysator.liu.se"));
        assert!(algorithm_matches("*-cbc", "aes128-cbc"));
        assert!(algorithm_matches("ssh-rsa", "ssh-rsa"));
        assert!(!algorithm_matches("ssh-rsa", "rsa-sha2-256"));
        assert!(!algorithm_matches("hmac-sha1*", "hmac-sha2-256"));
        assert!(!algorithm_matches("*sha1*", "curve25519-sha256"));
    }

    /// The IKE weaknesses over the shapes strongSwan's weak and aggressive configurations give
    /// (an open UDP 500 port with an IKE audit); a silent IKE port is judged on nothing.
    #[test]
    fn ike_weaknesses_follow_the_audit() {
        use crate::observation::{IkeAlgorithm, IkeAudit, IkeV1Audit, IkeV1Transform, IkeV2Audit};
        let alg = |id, name: &str| IkeAlgorithm {
            id,
            name: name.into(),
            key_length: None,
        };
        let weak = IkeAudit {
            port: 500,
            answered: true,
            v2: Some(IkeV2Audit {
                answered: true,
                accepted_encryption: vec![alg(12, "ENCR_AES_CBC")],
                accepted_prf: vec![alg(2, "PRF_HMAC_SHA1")],
                accepted_integrity: vec![alg(2, "AUTH_HMAC_SHA1_96")],
                accepted_groups: vec![alg(2, "modp1024")],
                ..IkeV2Audit::default()
            }),
            v1: Some(IkeV1Audit {
                answered: true,
                main_mode_transforms: vec![IkeV1Transform {
                    encryption: alg(7, "AES-CBC"),
                    hash: alg(2, "SHA"),
                    auth: alg(1, "PSK"),
                    group: alg(14, "modp2048"),
                }],
                aggressive_mode: Some(true),
                ..IkeV1Audit::default()
            }),
            ..IkeAudit::default()
        };
        let ike_port = |audit: IkeAudit, state: PortState| {
            let mut p = port(
                500,
                state,
                Some((ServiceKind::Ike, IdentificationMethod::Protocol)),
            );
            p.transport = Transport::Udp;
            p.service.as_mut().unwrap().ike_audit = Some(audit);
            p
        };
        let findings = evaluate(
            &scan(
                Vantage::Outside,
                vec![ike_port(weak.clone(), PortState::Open)],
            ),
            &[profile()],
        );
        let by_rule = |rule: &str| findings.iter().find(|f| f.rule == rule);
        assert!(by_rule("ike-aggressive-mode").is_some_and(|f| f.is_violation()));
        let groups = by_rule("ike-weak-dh-groups").expect("weak groups");
        assert!(
            groups.actual.en.contains("IKEv2 modp1024"),
            "{}",
            groups.actual.en
        );
        assert!(!groups.actual.en.contains("modp2048"));
        let algorithms = by_rule("ike-weak-algorithms").expect("weak algorithms");
        for name in ["PRF_HMAC_SHA1", "AUTH_HMAC_SHA1_96", "IKEv1 SHA"] {
            assert!(
                algorithms.actual.en.contains(name),
                "{}",
                algorithms.actual.en
            );
        }
        assert!(!algorithms.actual.en.contains("AES"));
        // A strong responder: nothing; a silent port: nothing either (UDP, not open).
        let strong = IkeAudit {
            port: 500,
            answered: true,
            v2: Some(IkeV2Audit {
                answered: true,
                accepted_encryption: vec![alg(20, "ENCR_AES_GCM_16")],
                accepted_prf: vec![alg(6, "PRF_HMAC_SHA2_384")],
                accepted_groups: vec![alg(20, "ecp384")],
                ..IkeV2Audit::default()
            }),
            v1: Some(IkeV1Audit {
                answered: false,
                aggressive_mode: Some(false),
                ..IkeV1Audit::default()
            }),
            ..IkeAudit::default()
        };
        let quiet = |audit, state| {
            evaluate(
                &scan(Vantage::Outside, vec![ike_port(audit, state)]),
                &[profile()],
            )
            .into_iter()
            .filter(|f| f.rule.starts_with("ike-"))
            .count()
        };
        assert_eq!(quiet(strong, PortState::Open), 0);
        assert_eq!(
            quiet(
                weak,
                PortState::Filtered {
                    reason: "no answer".into()
                }
            ),
            0
        );
    }

    /// SMB, SSDP, OpenVPN and L2TP weaknesses: present, absent, and not observed.
    #[test]
    fn service_weaknesses_follow_their_audits() {
        use crate::observation::{
            L2tpObservation, OpenVpnObservation, SmbAudit, SsdpAudit, SsdpResponse, VpnProbeResult,
        };
        let run = |kind: ServiceKind,
                   port_number: u16,
                   udp: bool,
                   vantage: Vantage,
                   fill: &dyn Fn(&mut crate::observation::ServiceObservation)| {
            let mut p = port(
                port_number,
                PortState::Open,
                Some((kind, IdentificationMethod::Protocol)),
            );
            if udp {
                p.transport = Transport::Udp;
            }
            fill(p.service.as_mut().unwrap());
            evaluate(&scan(vantage, vec![p]), &[profile()])
                .into_iter()
                .map(|f| (f.rule.clone(), f.is_violation()))
                .collect::<Vec<_>>()
        };
        let has = |found: &[(String, bool)], rule: &str| {
            found.iter().find(|(r, _)| r == rule).map(|(_, v)| *v)
        };
        let smb1 = run(ServiceKind::Smb, 445, false, Vantage::Inside, &|s| {
            s.smb_audit = Some(SmbAudit {
                smb1_accepted: Some(true),
                signing_required: Some(false),
                ..SmbAudit::default()
            })
        });
        assert_eq!(has(&smb1, "smb1-enabled"), Some(true));
        assert_eq!(has(&smb1, "smb-signing-not-required"), Some(true));
        let modern = run(ServiceKind::Smb, 445, false, Vantage::Inside, &|s| {
            s.smb_audit = Some(SmbAudit {
                smb1_accepted: Some(false),
                signing_required: Some(true),
                ..SmbAudit::default()
            })
        });
        assert_eq!(has(&modern, "smb1-enabled"), None);
        assert_eq!(has(&modern, "smb-signing-not-required"), None);
        // An SMB port whose audit did not run: "not tested", never a pass.
        let unaudited = run(ServiceKind::Smb, 445, false, Vantage::Inside, &|_| {});
        assert_eq!(has(&unaudited, "smb1-enabled"), Some(false));

        let ssdp = |vantage| {
            run(ServiceKind::Ssdp, 1900, true, vantage, &|s| {
                s.ssdp_audit = Some(SsdpAudit {
                    answered: true,
                    responses: vec![SsdpResponse {
                        server: Some("Linux UPnP/1.1 MiniUPnPd/2.3".into()),
                        ..SsdpResponse::default()
                    }],
                    notes: vec![],
                })
            })
        };
        assert_eq!(
            has(&ssdp(Vantage::Outside), "upnp-ssdp-from-outside"),
            Some(true)
        );
        assert_eq!(has(&ssdp(Vantage::Inside), "upnp-ssdp-from-outside"), None);

        let openvpn = |result| {
            run(ServiceKind::OpenVpn, 1194, true, Vantage::Outside, &|s| {
                s.openvpn = Some(OpenVpnObservation {
                    transport: Transport::Udp,
                    port: 1194,
                    result,
                    attempts: 1,
                    server_opcode: None,
                    server_session_id_present: None,
                    acknowledged_our_session: None,
                    answers_without_hmac: None,
                    detail: None,
                    notes: vec![],
                })
            })
        };
        assert_eq!(
            has(
                &openvpn(VpnProbeResult::Answered),
                "openvpn-without-tls-auth"
            ),
            Some(true)
        );
        assert_eq!(
            has(
                &openvpn(VpnProbeResult::NoAnswer),
                "openvpn-without-tls-auth"
            ),
            None
        );
        let l2tp = run(ServiceKind::L2tp, 1701, true, Vantage::Outside, &|s| {
            s.l2tp = Some(
                serde_json::from_value::<L2tpObservation>(serde_json::json!({
                    "port": 1701, "result": "answered", "attempts": 1, "host_name": "gw"
                }))
                .expect("minimal L2TP observation"),
            )
        });
        assert_eq!(has(&l2tp, "l2tp-without-ipsec-from-outside"), Some(true));
    }

    /// The ipsec-baseline lists over a weak IKEv2 + IKEv1 responder and a strong IKEv2-only one.
    #[test]
    fn ipsec_baseline_lists_judge_the_ike_audit() {
        use crate::observation::{IkeAlgorithm, IkeAudit, IkeV1Audit, IkeV1Transform, IkeV2Audit};
        let alg = |id, name: &str| IkeAlgorithm {
            id,
            name: name.into(),
            key_length: None,
        };
        let baseline = Profile::builtin("ipsec-baseline").unwrap();
        let judge = |audit: IkeAudit| {
            let mut p = port(
                500,
                PortState::Open,
                Some((ServiceKind::Ike, IdentificationMethod::Protocol)),
            );
            p.transport = Transport::Udp;
            p.service.as_mut().unwrap().ike_audit = Some(audit);
            evaluate(
                &scan(Vantage::Outside, vec![p]),
                std::slice::from_ref(&baseline),
            )
        };
        let weak = judge(IkeAudit {
            port: 500,
            answered: true,
            v2: Some(IkeV2Audit {
                answered: true,
                accepted_encryption: vec![alg(12, "ENCR_AES_CBC"), alg(3, "ENCR_3DES")],
                accepted_prf: vec![alg(2, "PRF_HMAC_SHA1")],
                accepted_integrity: vec![alg(2, "AUTH_HMAC_SHA1_96")],
                accepted_groups: vec![alg(2, "modp1024"), alg(14, "modp2048")],
                ..IkeV2Audit::default()
            }),
            v1: Some(IkeV1Audit {
                answered: true,
                main_mode_transforms: vec![IkeV1Transform {
                    encryption: alg(7, "AES-CBC"),
                    hash: alg(2, "SHA"),
                    auth: alg(1, "PSK"),
                    group: alg(14, "modp2048"),
                }],
                ..IkeV1Audit::default()
            }),
            ..IkeAudit::default()
        });
        let forbidden = weak
            .iter()
            .find(|f| f.rule == "ike-forbidden-algorithms")
            .expect("forbidden algorithms");
        assert!(forbidden.is_violation());
        for name in [
            "IKEv2 ENCR_3DES",
            "IKEv2 PRF_HMAC_SHA1",
            "IKEv2 AUTH_HMAC_SHA1_96",
            "IKEv2 modp1024",
            "IKEv1 SHA",
        ] {
            assert!(
                forbidden.actual.en.contains(name),
                "{name}: {}",
                forbidden.actual.en
            );
        }
        for allowed in ["ENCR_AES_CBC", "modp2048", "AES-CBC"] {
            assert!(!forbidden.actual.en.contains(allowed), "{allowed}");
        }
        assert!(weak
            .iter()
            .any(|f| f.rule == "ikev1-in-use" && f.is_violation()));
        let strong = judge(IkeAudit {
            port: 500,
            answered: true,
            v2: Some(IkeV2Audit {
                answered: true,
                accepted_encryption: vec![alg(20, "ENCR_AES_GCM_16")],
                accepted_prf: vec![alg(6, "PRF_HMAC_SHA2_384")],
                accepted_groups: vec![alg(20, "ecp384")],
                ..IkeV2Audit::default()
            }),
            ..IkeAudit::default()
        });
        assert!(strong.is_empty(), "{:?}", rules_of(&strong));
    }

    #[test]
    fn hsts_max_age_follows_rfc_6797_syntax() {
        assert_eq!(hsts_max_age("max-age=31536000"), Ok(31_536_000));
        assert_eq!(
            hsts_max_age(" includeSubDomains ; MAX-AGE = \"15768000\" ;preload"),
            Ok(15_768_000)
        );
        assert_eq!(hsts_max_age("max-age=\"1\\2\""), Ok(12));
        assert_eq!(hsts_max_age("foo=\"a;max-age=1\"; max-age=5"), Ok(5));
        assert_eq!(hsts_max_age("max-age=0"), Ok(0));
        assert_eq!(
            hsts_max_age("max-age=99999999999999999999999"),
            Ok(u64::MAX)
        );
        assert_eq!(hsts_max_age("includeSubDomains"), Err(HstsProblem::Missing));
        assert_eq!(hsts_max_age(""), Err(HstsProblem::Missing));
        assert_eq!(hsts_max_age("max-ages=5"), Err(HstsProblem::Missing));
        assert_eq!(
            hsts_max_age("max-age=1; max-age=2"),
            Err(HstsProblem::Repeated)
        );
        for bad in [
            "max-age",
            "max-age=",
            "max-age=-1",
            "max-age=1y",
            "max-age=\"12",
            "max-age=\"\"",
            "max-age=0x10",
            "max-age=１２",
        ] {
            assert!(
                matches!(hsts_max_age(bad), Err(HstsProblem::NotANumber(_))),
                "{bad}: {:?}",
                hsts_max_age(bad)
            );
        }
    }

    #[test]
    fn https_without_long_enough_hsts_is_a_violation() {
        let hsts = |findings: &[Finding]| -> Vec<Finding> {
            findings
                .iter()
                .filter(|f| f.rule == "https-no-hsts")
                .cloned()
                .collect()
        };
        // Present and long enough (quoted or not): no finding.
        for ok in [
            "max-age=31536000; includeSubDomains",
            "Max-Age=\"15768000\"",
        ] {
            let s = scan(Vantage::Outside, vec![https_port(Some(Some(ok)))]);
            assert!(hsts(&evaluate(&s, &[profile()])).is_empty(), "{ok}");
        }
        for (value, ja, en) in [
            (
                None,
                "ヘッダーがない",
                "no Strict-Transport-Security header",
            ),
            (
                Some("max-age=86400"),
                "86400 秒",
                "max-age of 86400 seconds (header: max-age=86400)",
            ),
            (
                Some("max-age=\"3600\"; preload"),
                "3600 秒",
                "max-age of 3600 seconds",
            ),
            (
                Some("max-age=forever"),
                "数値でない",
                "max-age value forever is not a number (header: max-age=forever)",
            ),
            (
                Some("includeSubDomains"),
                "max-age の指定がない",
                "no max-age directive",
            ),
            (
                Some("max-age=31536000; max-age=31536000"),
                "複数回",
                "more than once",
            ),
        ] {
            let s = scan(Vantage::Inside, vec![https_port(Some(value))]);
            let findings = hsts(&evaluate(&s, &[profile()]));
            assert_eq!(findings.len(), 1, "{value:?}");
            let f = &findings[0];
            assert!(f.is_violation(), "{value:?}");
            assert_eq!(f.severity, Severity::Low);
            assert_eq!(f.requirement, Requirement::Recommended);
            assert_eq!(f.location.port, Some(443));
            assert!(f.actual.ja.contains(ja), "{value:?}: {}", f.actual.ja);
            assert!(f.actual.en.contains(en), "{value:?}: {}", f.actual.en);
            assert!(f.expected.en.contains("15768000"), "{}", f.expected.en);
            for text in [&f.title, &f.explanation, &f.remedy, &f.expected, &f.actual] {
                assert!(text.is_complete(), "{text:?}");
            }
        }
        // Mozilla asks for two years.
        let s = scan(
            Vantage::Inside,
            vec![https_port(Some(Some("max-age=31536000")))],
        );
        let findings = evaluate(&s, &[Profile::builtin("mozilla-intermediate").unwrap()]);
        assert!(
            findings
                .iter()
                .any(|f| f.rule == "https-hsts" && f.actual.en.contains("31536000")),
            "{:?}",
            rules_of(&findings)
        );
    }

    #[test]
    fn https_without_http_response_is_not_tested_and_plain_http_is_ignored() {
        let s = scan(Vantage::Inside, vec![https_port(None)]);
        let findings: Vec<_> = evaluate(&s, &[profile()])
            .into_iter()
            .filter(|f| f.rule == "https-no-hsts")
            .collect();
        assert_eq!(findings.len(), 1);
        assert!(
            matches!(&findings[0].status, FindingStatus::NotTested { reason } if reason == "no HTTP response over TLS")
        );
        // Plain HTTP, and a closed HTTPS port: HSTS means nothing there.
        let mut http = https_port(Some(None));
        http.port = 80;
        http.service.as_mut().unwrap().kind = ServiceKind::Http;
        let mut closed = https_port(Some(None));
        closed.state = PortState::Closed;
        let s = scan(Vantage::Inside, vec![http, closed]);
        assert!(evaluate(&s, &[profile()])
            .iter()
            .all(|f| f.rule != "https-no-hsts"));
    }

    fn version(
        name: &str,
        support: TlsSupport,
        codes: &[u16],
        complete: bool,
    ) -> TlsVersionSupport {
        TlsVersionSupport {
            version: name.into(),
            support,
            cipher_suites: codes
                .iter()
                .map(|&code| TlsCipherSuite {
                    code,
                    name: registry::lookup(code)
                        .map_or(format!("0x{code:04X}"), |i| i.iana_name.to_string()),
                    openssl_name: None,
                })
                .collect(),
            server_preference: None,
            enumeration_complete: complete,
        }
    }

    fn audit(versions: Vec<TlsVersionSupport>) -> TlsAudit {
        TlsAudit {
            status: ProbeStatus::Success,
            sni: None,
            handshakes: 10,
            versions,
            certificate_chain: Some(healthy_chain()),
            groups: vec![],
            dh_prime_bits: None,
            options: Some(TlsOptions {
                secure_renegotiation: Some(true),
                compression: Some(false),
                fallback_scsv: Some(true),
                heartbeat: Some(false),
                heartbleed: None,
                session_ticket: Some(true),
                alpn: vec![],
            }),
            notes: vec![],
        }
    }

    fn leaf(key_type: &str, bits: u32, signature: &str) -> CertificateSummary {
        CertificateSummary {
            subject: "CN=vpn.example.jp".into(),
            issuer: "CN=Example CA".into(),
            self_signed: false,
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2027-06-01T00:00:00Z".into(),
            dns_names: vec!["vpn.example.jp".into()],
            signature_algorithm: signature.into(),
            key_type: key_type.into(),
            key_bits: Some(bits),
            curve: None,
        }
    }

    fn healthy_chain() -> CertificateChain {
        CertificateChain {
            certificates: vec![leaf("RSA", 2048, "sha256WithRSAEncryption")],
            sent: 2,
            order_ok: true,
            leaf_self_signed: false,
            leaf_issuer_sent: true,
            hostname: Some("vpn.example.jp".into()),
            hostname_matches: Some(true),
            trusted: Some(true),
            trust_error: None,
            trust_store: Some("mozilla (webpki-roots)".into()),
            ocsp_stapled: false,
            handshake_error: None,
            notes: vec![],
        }
    }

    fn modern_versions() -> Vec<TlsVersionSupport> {
        vec![
            version("TLSv1.3", TlsSupport::Accepted, &[0x1301], true),
            version("TLSv1.2", TlsSupport::Accepted, &[0xC02F], true),
        ]
    }

    #[test]
    fn weak_or_untrusted_certificates_are_found() {
        let mut weak = audit(modern_versions());
        let chain = weak.certificate_chain.as_mut().unwrap();
        chain.certificates[0] = leaf("RSA", 1024, "sha1WithRSAEncryption");
        chain.trusted = Some(false);
        chain.trust_error = Some("unknown_issuer".into());
        chain.leaf_self_signed = true;
        chain.hostname_matches = Some(false);
        let s = scan(Vantage::Outside, vec![tls_port(Some(weak))]);
        let findings = evaluate(&s, &[profile()]);
        let by_rule = |rule: &str| {
            findings
                .iter()
                .find(|f| f.rule == rule)
                .unwrap_or_else(|| panic!("{rule}: {:?}", rules_of(&findings)))
        };
        let weak = &by_rule("tls-certificate-weak").actual.en;
        assert!(
            weak.contains("1024 bits") && weak.contains("sha1"),
            "{weak}"
        );
        let untrusted = &by_rule("tls-certificate-untrusted-from-outside").actual.en;
        assert!(
            untrusted.contains("unknown_issuer (self-signed)")
                && untrusted.contains("not valid for vpn.example.jp"),
            "{untrusted}"
        );
        // The same certificate seen from inside: weak still, but trust is not judged there.
        let mut inside = s.clone();
        inside.targets[0].hosts[0].vantage = Vantage::Inside;
        let findings = evaluate(&inside, &[profile()]);
        assert!(findings.iter().any(|f| f.rule == "tls-certificate-weak"));
        assert!(findings
            .iter()
            .all(|f| f.rule != "tls-certificate-untrusted-from-outside"));
    }

    #[test]
    fn weak_protocol_options_are_found_and_tls13_only_has_none() {
        let mut weak = audit(modern_versions());
        weak.dh_prime_bits = Some(1024);
        let options = weak.options.as_mut().unwrap();
        options.compression = Some(true);
        options.secure_renegotiation = Some(false);
        options.fallback_scsv = None;
        let s = scan(Vantage::Inside, vec![tls_port(Some(weak))]);
        let findings = evaluate(&s, &[profile()]);
        let protocol = findings
            .iter()
            .find(|f| f.rule == "tls-protocol-options")
            .expect("options finding");
        for part in ["RFC 5746", "CRIME", "1024 bits"] {
            assert!(
                protocol.actual.en.contains(part),
                "{part}: {}",
                protocol.actual.en
            );
        }
        let fallback = findings
            .iter()
            .find(|f| f.rule == "tls-no-fallback-protection")
            .expect("fallback");
        assert!(
            matches!(&fallback.status, FindingStatus::NotTested { reason } if reason.contains("fallback"))
        );
        // A server with one accepted version cannot be downgraded: nothing to report.
        let mut single = audit(vec![version(
            "TLSv1.2",
            TlsSupport::Accepted,
            &[0xC02F],
            true,
        )]);
        single.options.as_mut().unwrap().fallback_scsv = None;
        let s = scan(Vantage::Inside, vec![tls_port(Some(single))]);
        assert!(evaluate(&s, &[profile()]).is_empty());

        let mut tls13_only = audit(vec![version(
            "TLSv1.3",
            TlsSupport::Accepted,
            &[0x1301],
            true,
        )]);
        tls13_only.options = None;
        let s = scan(Vantage::Inside, vec![tls_port(Some(tls13_only))]);
        assert!(evaluate(&s, &[profile()]).is_empty());
    }

    #[test]
    fn heartbleed_is_critical_untested_only_with_heartbeat_and_absent_without() {
        let with = |heartbeat: Option<bool>, heartbleed: Option<bool>| {
            let mut a = audit(modern_versions());
            let options = a.options.as_mut().unwrap();
            options.heartbeat = heartbeat;
            options.heartbleed = heartbleed;
            let s = scan(Vantage::Inside, vec![tls_port(Some(a))]);
            evaluate(&s, &[profile()])
                .into_iter()
                .filter(|f| f.rule == "tls-heartbleed")
                .collect::<Vec<_>>()
        };
        let vulnerable = with(Some(true), Some(true));
        assert_eq!(vulnerable.len(), 1);
        assert_eq!(vulnerable[0].severity, Severity::Critical);
        assert!(vulnerable[0].is_violation());
        assert!(vulnerable[0].actual.en.contains("CVE-2014-0160"));
        let untested = with(Some(true), None);
        assert!(
            matches!(&untested[0].status, FindingStatus::NotTested { reason } if reason.contains("Heartbleed")),
            "{untested:?}"
        );
        assert!(with(Some(true), Some(false)).is_empty());
        assert!(with(Some(false), None).is_empty());
    }

    #[test]
    fn legacy_tls_server_breaks_version_and_suite_rules() {
        let legacy = audit(vec![
            version(
                "TLSv1.3",
                TlsSupport::Rejected {
                    reason: "protocol_version".into(),
                },
                &[],
                true,
            ),
            version("TLSv1.2", TlsSupport::Accepted, &[0xC02F], true),
            // RC4-MD5, DES-CBC3-SHA, AES128-SHA (static RSA)
            version(
                "TLSv1.0",
                TlsSupport::Accepted,
                &[0x0004, 0x000A, 0x002F],
                true,
            ),
        ]);
        let s = scan(Vantage::Inside, vec![tls_port(Some(legacy))]);
        let findings = evaluate(&s, &[profile()]);
        let by_rule = |rule: &str| {
            findings
                .iter()
                .find(|f| f.rule == rule)
                .unwrap_or_else(|| panic!("{rule}: {:?}", rules_of(&findings)))
        };
        assert!(by_rule("tls-legacy-versions").actual.en.contains("TLSv1.0"));
        let broken = by_rule("tls-broken-cipher-suites");
        assert!(
            broken.actual.en.contains("TLS_RSA_WITH_RC4_128_MD5"),
            "{}",
            broken.actual.en
        );
        assert!(
            !broken.actual.en.contains("TLS_RSA_WITH_AES_128_CBC_SHA"),
            "{}",
            broken.actual.en
        );
        assert!(by_rule("tls-64bit-block-ciphers")
            .actual
            .en
            .contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
        assert!(by_rule("tls-no-forward-secrecy")
            .actual
            .en
            .contains("TLS_RSA_WITH_AES_128_CBC_SHA"));
        assert!(findings.iter().all(|f| f.is_violation()));
    }

    #[test]
    fn modern_tls_server_gives_no_tls_finding() {
        let modern = audit(vec![
            version(
                "TLSv1.3",
                TlsSupport::Accepted,
                &[0x1301, 0x1302, 0x1303],
                true,
            ),
            version("TLSv1.2", TlsSupport::Accepted, &[0xC02F, 0xC030], true),
            version(
                "TLSv1.1",
                TlsSupport::Rejected {
                    reason: "protocol_version".into(),
                },
                &[],
                true,
            ),
            version(
                "TLSv1.0",
                TlsSupport::Rejected {
                    reason: "protocol_version".into(),
                },
                &[],
                true,
            ),
        ]);
        let s = scan(Vantage::Inside, vec![tls_port(Some(modern))]);
        assert!(evaluate(&s, &[profile()]).is_empty());
        let intermediate = Profile::builtin("mozilla-intermediate").unwrap();
        assert!(evaluate(&s, &[intermediate]).is_empty());
        // CRYPTREC high allows no suite outside its AEAD list; 0xC02F and 0xC030 are in it.
        let high = Profile::builtin("cryptrec-tls-high").unwrap();
        assert!(evaluate(&s, &[high]).is_empty());
        let modern_profile = Profile::builtin("mozilla-modern").unwrap();
        let findings = evaluate(&s, &[modern_profile]);
        assert_eq!(findings.len(), 1, "{:?}", rules_of(&findings));
        assert!(findings[0].actual.en.contains("TLSv1.2"));
    }

    #[test]
    fn tls_port_without_audit_is_not_tested() {
        let s = scan(Vantage::Inside, vec![tls_port(None)]);
        let findings = evaluate(&s, &[profile()]);
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| matches!(&f.status, FindingStatus::NotTested { reason } if reason.contains("TLS audit"))));
    }

    #[test]
    fn incomplete_enumeration_is_a_lower_bound_or_not_tested() {
        let partial = audit(vec![version(
            "TLSv1.2",
            TlsSupport::Accepted,
            &[0xC02F],
            false,
        )]);
        let s = scan(Vantage::Inside, vec![tls_port(Some(partial))]);
        let findings = evaluate(&s, &[profile()]);
        assert!(!findings.is_empty());
        assert!(
            findings.iter().all(|f| !f.is_violation()),
            "{:?}",
            rules_of(&findings)
        );
        let untested_version = audit(vec![version(
            "TLSv1.0",
            TlsSupport::NotTested {
                reason: "deadline".into(),
            },
            &[],
            false,
        )]);
        let s = scan(Vantage::Inside, vec![tls_port(Some(untested_version))]);
        let findings = evaluate(&s, &[profile()]);
        assert!(findings
            .iter()
            .any(|f| f.rule == "tls-legacy-versions" && !f.is_violation()));
    }

    #[test]
    fn evaluation_is_deterministic() {
        let s = scan(
            Vantage::Outside,
            vec![
                port(
                    22,
                    PortState::Open,
                    Some((ServiceKind::Ssh, IdentificationMethod::Protocol)),
                ),
                port(3389, PortState::Open, RDP),
            ],
        );
        assert_eq!(evaluate(&s, &[profile()]), evaluate(&s, &[profile()]));
    }
}
