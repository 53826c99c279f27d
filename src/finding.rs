//! Findings: what a profile concluded from observations. Records, not sentences — the Japanese and
//! English texts are carried beside the facts so a renderer can pick one without re-deriving it.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::i18n::Localized;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.name() == s)
            .ok_or_else(|| {
                format!("unknown severity {s:?} (expected info, low, medium, high or critical)")
            })
    }
}

/// How sure the finding is. An exposure seen on the wire is certain; a service named only from its
/// port number, or a vulnerability inferred from a version string, is not.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Tentative,
    Firm,
    Certain,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Tentative => "tentative",
            Confidence::Firm => "firm",
            Confidence::Certain => "certain",
        })
    }
}

/// Whether the rule behind a finding is a must or a should (CRYPTREC's 遵守項目 / 推奨項目).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    #[default]
    Mandatory,
    Recommended,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Requirement::Mandatory => "mandatory",
            Requirement::Recommended => "recommended",
        })
    }
}

/// A violation, or a check that could not be made. There is no "pass" record: a rule that held
/// produces nothing, and a rule that could not be checked says so with `NotTested`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FindingStatus {
    Violation,
    NotTested { reason: String },
}

/// The document a rule rests on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub id: String,
    pub document: Localized,
    /// The theme or section the rule comes from, as the document names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Localized>,
    /// The item number in the document, only when it was verified against the document itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Where the finding applies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The target as the user gave it.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.address, self.port) {
            (Some(IpAddr::V6(a)), Some(p)) => write!(f, "[{a}]:{p}")?,
            (Some(a), Some(p)) => write!(f, "{a}:{p}")?,
            (Some(a), None) => write!(f, "{a}")?,
            (None, _) => f.write_str(&self.target)?,
        }
        if self.address.is_some()
            && self.target != self.address.map(|a| a.to_string()).unwrap_or_default()
        {
            write!(f, " ({})", self.target)?;
        }
        Ok(())
    }
}

/// One conclusion of one rule about one place.
///
/// No `deny_unknown_fields`: serde does not support it with the flattened `status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Finding {
    /// Stable identifier: `<profile id>/<rule id>`; the same problem keeps the same id across scans.
    pub id: String,
    pub profile: String,
    pub rule: String,
    #[serde(flatten)]
    pub status: FindingStatus,
    pub severity: Severity,
    pub requirement: Requirement,
    pub confidence: Confidence,
    pub location: Location,
    /// What the rule wants, and what was seen, in both report languages.
    pub expected: Localized,
    pub actual: Localized,
    pub references: Vec<Reference>,
    pub title: Localized,
    pub explanation: Localized,
    pub remedy: Localized,
}

impl Finding {
    pub fn is_violation(&self) -> bool {
        matches!(self.status, FindingStatus::Violation)
    }
}

/// Orders findings for reports: worst first, then by place, then by rule.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.is_violation()
            .cmp(&a.is_violation())
            .then(b.severity.cmp(&a.severity))
            .then(a.location.target.cmp(&b.location.target))
            .then(a.location.address.cmp(&b.location.address))
            .then(a.location.port.cmp(&b.location.port))
            .then(a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        for sev in Severity::ALL {
            assert_eq!(sev.name().parse::<Severity>().unwrap(), sev);
        }
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn location_shows_address_port_and_name() {
        let loc = Location {
            target: "router.example.jp".into(),
            address: Some("2001:db8::1".parse().unwrap()),
            port: Some(3389),
            service: Some("rdp".into()),
        };
        assert_eq!(loc.to_string(), "[2001:db8::1]:3389 (router.example.jp)");
        let literal = Location {
            target: "192.0.2.1".into(),
            address: Some("192.0.2.1".parse().unwrap()),
            port: None,
            service: None,
        };
        assert_eq!(literal.to_string(), "192.0.2.1");
    }

    #[test]
    fn findings_round_trip_through_json() {
        let finding = Finding {
            id: "p/r".into(),
            profile: "p".into(),
            rule: "r".into(),
            status: FindingStatus::NotTested {
                reason: "deadline".into(),
            },
            severity: Severity::High,
            requirement: Requirement::Recommended,
            confidence: Confidence::Firm,
            location: Location {
                target: "t".into(),
                address: None,
                port: Some(22),
                service: Some("ssh".into()),
            },
            expected: Localized::new("期待", "e"),
            actual: Localized::new("実際", "a"),
            references: Vec::new(),
            title: Localized::new("題", "title"),
            explanation: Localized::new("説明", "why"),
            remedy: Localized::new("対策", "fix"),
        };
        let json = serde_json::to_value(&finding).unwrap();
        assert_eq!(json["status"], "not_tested");
        assert_eq!(json["reason"], "deadline");
        let back: Finding = serde_json::from_value(json).unwrap();
        assert_eq!(back, finding);
    }
}
