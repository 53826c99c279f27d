//! Japanese and English texts. Every text a client reads exists in both languages.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// The report language when `--lang` is not given: Japanese when the locale says so.
    pub fn from_environment() -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .find(|value| !value.is_empty())
            .unwrap_or_default();
        if locale.starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ja" => Ok(Lang::Ja),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language {other:?} (expected ja or en)")),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        })
    }
}

/// A text in both report languages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub ja: String,
    pub en: String,
}

impl Localized {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Localized {
            ja: ja.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// Fills `{name}` placeholders in both languages.
    pub fn fill(&self, values: &[(&str, &str)]) -> Localized {
        let fill_one = |text: &str| {
            values.iter().fold(text.to_string(), |acc, (name, value)| {
                acc.replace(&format!("{{{name}}}"), value)
            })
        };
        Localized {
            ja: fill_one(&self.ja),
            en: fill_one(&self.en),
        }
    }

    pub fn is_complete(&self) -> bool {
        !self.ja.trim().is_empty() && !self.en.trim().is_empty()
    }
}

/// Fixed report vocabulary (headings, labels) in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    ReportTitle,
    Summary,
    Findings,
    NotTested,
    Violation,
    Severity,
    Confidence,
    Requirement,
    Location,
    Expected,
    Actual,
    Explanation,
    Remedy,
    References,
    Targets,
    OpenPorts,
    Vantage,
    Profiles,
    NoFindings,
    Reason,
    Service,
    Port,
    State,
    Address,
    Resolution,
    ScanTime,
    Total,
    Evidence,
    CouldNotTest,
    // Report renderer vocabulary (src/report/).
    SeverityCritical,
    SeverityHigh,
    SeverityMedium,
    SeverityLow,
    SeverityInfo,
    ConfidenceCertain,
    ConfidenceFirm,
    ConfidenceTentative,
    RequirementMandatory,
    RequirementRecommended,
    VantageOutside,
    VantageInside,
    VantageAuto,
    Requested,
    GeneratedAt,
    Tool,
    Hosts,
    Count,
    FindingDetails,
    FindingId,
    Title,
    Resolver,
    ResolutionLiteral,
    ResolutionFailed,
    NoAddresses,
    Host,
    NoOpenPorts,
    PortClosed,
    PortFiltered,
    GuessedFromPort,
    Note,
    Certificate,
    Expires,
    SelfSigned,
    HttpTitle,
    Item,
    ProbeResult,
}

impl Label {
    pub fn text(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            Label::ReportTitle => ("edgeaudit 診断報告書", "edgeaudit audit report"),
            Label::Summary => ("概要", "Summary"),
            Label::Findings => ("検出事項", "Findings"),
            Label::NotTested => ("未検査", "Not tested"),
            Label::Violation => ("違反", "Violation"),
            Label::Severity => ("重大度", "Severity"),
            Label::Confidence => ("確度", "Confidence"),
            Label::Requirement => ("要求区分", "Requirement"),
            Label::Location => ("対象", "Location"),
            Label::Expected => ("期待値", "Expected"),
            Label::Actual => ("実測値", "Actual"),
            Label::Explanation => ("説明", "Why it matters"),
            Label::Remedy => ("対策", "Remedy"),
            Label::References => ("根拠", "References"),
            Label::Targets => ("診断対象", "Targets"),
            Label::OpenPorts => ("開いているポート", "Open ports"),
            Label::Vantage => ("視点", "Vantage"),
            Label::Profiles => ("プロファイル", "Profiles"),
            Label::NoFindings => ("検出事項はありません。", "No findings."),
            Label::Reason => ("理由", "Reason"),
            Label::Service => ("サービス", "Service"),
            Label::Port => ("ポート", "Port"),
            Label::State => ("状態", "State"),
            Label::Address => ("アドレス", "Address"),
            Label::Resolution => ("名前解決", "Name resolution"),
            Label::ScanTime => ("診断日時", "Scan time"),
            Label::Total => ("合計", "Total"),
            Label::Evidence => ("証跡", "Evidence"),
            Label::CouldNotTest => ("検査できなかった対象", "Targets that could not be tested"),
            Label::SeverityCritical => ("緊急", "Critical"),
            Label::SeverityHigh => ("高", "High"),
            Label::SeverityMedium => ("中", "Medium"),
            Label::SeverityLow => ("低", "Low"),
            Label::SeverityInfo => ("情報", "Info"),
            Label::ConfidenceCertain => ("確実", "certain"),
            Label::ConfidenceFirm => ("確度高", "firm"),
            Label::ConfidenceTentative => ("推定", "tentative"),
            Label::RequirementMandatory => ("遵守項目", "mandatory"),
            Label::RequirementRecommended => ("推奨項目", "recommended"),
            Label::VantageOutside => ("外部(インターネット側)", "outside"),
            Label::VantageInside => ("内部(LAN側)", "inside"),
            Label::VantageAuto => ("自動判定", "auto"),
            Label::Requested => ("指定", "requested"),
            Label::GeneratedAt => ("報告書作成日時", "Generated"),
            Label::Tool => ("ツール", "Tool"),
            Label::Hosts => ("ホスト(アドレス)数", "Hosts"),
            Label::Count => ("件数", "Count"),
            Label::FindingDetails => ("検出事項の詳細", "Finding details"),
            Label::FindingId => ("ID", "ID"),
            Label::Title => ("件名", "Title"),
            Label::Resolver => ("リゾルバ", "resolver"),
            Label::ResolutionLiteral => ("IPアドレス指定(DNS不使用)", "IP literal (no DNS)"),
            Label::ResolutionFailed => ("名前解決に失敗", "resolution failed"),
            Label::NoAddresses => ("アドレスなし", "no addresses"),
            Label::Host => ("ホスト", "Host"),
            Label::NoOpenPorts => ("開いているポートはありません", "No open ports"),
            Label::PortClosed => ("閉鎖", "closed"),
            Label::PortFiltered => ("フィルタ", "filtered"),
            Label::GuessedFromPort => ("ポート番号から推定", "guessed from port number"),
            Label::Note => ("注記", "note"),
            Label::Certificate => ("証明書", "certificate"),
            Label::Expires => ("有効期限", "expires"),
            Label::SelfSigned => ("自己署名", "self-signed"),
            Label::HttpTitle => ("タイトル", "title"),
            Label::Item => ("項目", "item"),
            Label::ProbeResult => ("プローブ結果", "probe"),
        };
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_placeholders_in_both_languages() {
        let text = Localized::new("ポート {port} が開いています", "port {port} is open");
        let filled = text.fill(&[("port", "3389")]);
        assert_eq!(filled.ja, "ポート 3389 が開いています");
        assert_eq!(filled.en, "port 3389 is open");
    }

    #[test]
    fn completeness_needs_both_languages() {
        assert!(Localized::new("あ", "a").is_complete());
        assert!(!Localized::new("", "a").is_complete());
        assert!(!Localized::new("あ", "  ").is_complete());
    }
}
