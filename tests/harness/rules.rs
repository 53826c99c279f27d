//! ==============================================================================================
//!  EXACT RULE IDS — the one place the end-to-end tests depend on mic-telework's rule names.
//! ==============================================================================================
//!
//! Every test that asks "is there a finding about X" goes through a [`RuleMatch`] below. A finding
//! matches when its `rule` CONTAINS `fragment` (e.g. "ssh") and, when `exact` is `Some`, equals
//! `exact` too. The `exact` values are the ids in `profiles/mic-telework.toml` as of this writing;
//! set one to `None` to fall back to the fragment alone, or edit it when a rule is renamed.
//!
//! Facts checked regardless (they are in the spec, not rule names): `id` is `<profile>/<rule>`,
//! `profile` is the profile's id, `status` is `violation` or `not_tested`, `location.port` is the
//! port the finding is about.

use serde_json::Value;

/// The default profile.
pub const PROFILE: &str = "mic-telework";

pub struct RuleMatch {
    /// What the finding is about, for messages.
    pub what: &'static str,
    /// Always required as a substring of `rule` (case-insensitive).
    pub fragment: &'static str,
    /// The exact rule id (without the `mic-telework/` prefix); `None` = fragment only.
    pub exact: Option<&'static str>,
}

/// SSH (a management interface) reachable from outside.
pub const SSH_EXPOSED: RuleMatch = RuleMatch {
    what: "SSH exposure",
    fragment: "ssh",
    exact: Some("ssh-reachable-from-outside"),
};

/// Telnet reachable from outside.
pub const TELNET_OUTSIDE: RuleMatch = RuleMatch {
    what: "telnet from outside",
    fragment: "telnet",
    exact: Some("telnet-reachable-from-outside"),
};

/// Telnet in use on the inside (the rule that fires with `--vantage inside`).
pub const TELNET_INSIDE: RuleMatch = RuleMatch {
    what: "telnet from inside",
    fragment: "telnet",
    exact: Some("telnet-in-use-inside"),
};

/// VNC reachable from outside.
pub const VNC_EXPOSED: RuleMatch = RuleMatch {
    what: "VNC exposure",
    fragment: "vnc",
    exact: Some("vnc-reachable-from-outside"),
};

impl RuleMatch {
    pub fn matches(&self, finding: &Value) -> bool {
        let rule = finding["rule"].as_str().unwrap_or_default();
        rule.to_ascii_lowercase().contains(self.fragment)
            && self.exact.is_none_or(|exact| rule == exact)
    }

    /// Violations of this rule located at `port`.
    pub fn violations_at<'a>(&self, report: &'a Value, port: u16) -> Vec<&'a Value> {
        super::report::violations(report)
            .into_iter()
            .filter(|f| f["location"]["port"] == port && self.matches(f))
            .collect()
    }
}

/// Checks the parts of a finding the spec fixes whatever the rule names are.
pub fn assert_well_formed(finding: &Value) {
    let rule = finding["rule"].as_str().expect("finding.rule is a string");
    let profile = finding["profile"]
        .as_str()
        .expect("finding.profile is a string");
    assert_eq!(
        finding["id"].as_str(),
        Some(format!("{profile}/{rule}").as_str()),
        "finding id is not <profile>/<rule>: {finding:#}"
    );
    let status = finding["status"]
        .as_str()
        .expect("finding.status is a string");
    assert!(
        status == "violation" || status == "not_tested",
        "unexpected status {status:?}"
    );
    if status == "not_tested" {
        assert!(
            finding["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "a not_tested finding needs a reason: {finding:#}"
        );
    }
    let severity = finding["severity"]
        .as_str()
        .expect("finding.severity is a string");
    super::report::severity_rank(severity);
    assert!(
        finding["location"]["target"].is_string(),
        "finding.location.target missing: {finding:#}"
    );
}
