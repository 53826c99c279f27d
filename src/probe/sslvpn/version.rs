//! Product version strings and their order. Each vendor writes versions its own way, and the KEV
//! ranges are written the vendor's way, so each scheme has its own parser; all of them end in a
//! list of numbers compared left to right.
//!
//! A version may be *inexact*: it names a release but not the patch inside it (`7.2` for FortiOS,
//! or the old Pulse `9.1.8.1234` form whose last number is a build, not a point release). Such a
//! version is only ordered against a bound when the numbers it does have decide.

use std::cmp::Ordering;
use std::fmt;

use serde::Deserialize;
use thiserror::Error;

/// How one product writes its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// FortiOS `7.2.4` (a leading `v` is accepted).
    Fortios,
    /// Ivanti / Pulse Connect Secure `22.7R2.4`, `9.0R3` (= `9.0R3.0`); the old dotted form
    /// `9.1.8.1234` keeps major, minor and release but not the point release.
    Ivanti,
    /// PAN-OS `10.2.9-h1` (no hotfix = `-h0`).
    Panos,
    /// NetScaler `13.1-49.15` (also written `13.1.49.15`).
    Citrix,
    /// Cisco ASA `9.8(4)15`, `9.12(4)` (= `9.12(4)0`).
    CiscoAsa,
    /// SonicWall SMA 100 `10.2.0.5-29sv` (the `-d-` of some spellings is ignored).
    SonicwallSma,
    /// Dot-separated numbers, exact as written.
    Generic,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Fortios => "fortios",
            Scheme::Ivanti => "ivanti",
            Scheme::Panos => "panos",
            Scheme::Citrix => "citrix",
            Scheme::CiscoAsa => "cisco_asa",
            Scheme::SonicwallSma => "sonicwall_sma",
            Scheme::Generic => "generic",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{scheme} version {text:?}: {reason}")]
pub struct VersionError {
    pub scheme: &'static str,
    pub text: String,
    pub reason: &'static str,
}

/// A parsed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub text: String,
    parts: Vec<u32>,
    /// False when later components exist but are unknown (they are not zero).
    exact: bool,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Longest version text accepted; appliance versions are short.
const MAX_TEXT: usize = 40;
/// Most numeric components.
const MAX_PARTS: usize = 8;

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn dotted(s: &str) -> Option<Vec<u32>> {
    s.split('.').map(number).collect()
}

impl Version {
    pub fn parse(scheme: Scheme, text: &str) -> Result<Version, VersionError> {
        let err = |reason| VersionError {
            scheme: scheme.name(),
            text: text.chars().take(MAX_TEXT).collect(),
            reason,
        };
        let t = text.trim();
        if t.is_empty() || t.len() > MAX_TEXT {
            return Err(err("empty or too long"));
        }
        let (parts, exact) = match scheme {
            Scheme::Fortios => {
                let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
                let parts = dotted(t).ok_or_else(|| err("expected numbers separated by dots"))?;
                match parts.len() {
                    3 => (parts, true),
                    2 => (parts, false),
                    _ => return Err(err("expected major.minor.patch")),
                }
            }
            Scheme::Ivanti => match t.split_once(['R', 'r']) {
                Some((train, release)) => {
                    let mut parts =
                        dotted(train).ok_or_else(|| err("expected major.minor before R"))?;
                    if parts.len() != 2 {
                        return Err(err("expected major.minor before R"));
                    }
                    let rel = dotted(release).ok_or_else(|| err("expected release after R"))?;
                    match rel.len() {
                        1 => parts.extend([rel[0], 0]),
                        2 => parts.extend(rel),
                        _ => return Err(err("expected R<release>[.<point>]")),
                    }
                    (parts, true)
                }
                None => {
                    // The old version-file form: major.minor.release.build. The build number
                    // does not say which point release it is.
                    let parts = dotted(t).ok_or_else(|| err("expected 22.7R2.4 or 9.1.8.1234"))?;
                    if parts.len() != 4 {
                        return Err(err("expected 22.7R2.4 or 9.1.8.1234"));
                    }
                    (parts[..3].to_vec(), false)
                }
            },
            Scheme::Panos => {
                let (base, hotfix) = match t.split_once('-') {
                    Some((base, h)) => {
                        let h = h
                            .strip_prefix(['h', 'H'])
                            .ok_or_else(|| err("expected -hN"))?;
                        (base, number(h).ok_or_else(|| err("expected -hN"))?)
                    }
                    None => (t, 0),
                };
                let mut parts =
                    dotted(base).ok_or_else(|| err("expected major.minor.maintenance"))?;
                if parts.len() != 3 {
                    return Err(err("expected major.minor.maintenance"));
                }
                parts.push(hotfix);
                (parts, true)
            }
            Scheme::Citrix => {
                let parts = match t.split_once('-') {
                    Some((release, build)) => {
                        let mut p = dotted(release).ok_or_else(|| err("expected 13.1-49.15"))?;
                        p.extend(dotted(build).ok_or_else(|| err("expected 13.1-49.15"))?);
                        p
                    }
                    None => dotted(t).ok_or_else(|| err("expected 13.1-49.15"))?,
                };
                if parts.len() != 4 {
                    return Err(err("expected 13.1-49.15"));
                }
                (parts, true)
            }
            Scheme::CiscoAsa => {
                let (train, rest) = t.split_once('(').ok_or_else(|| err("expected 9.8(4)15"))?;
                let (maint, interim) = rest
                    .split_once(')')
                    .ok_or_else(|| err("expected 9.8(4)15"))?;
                let mut parts = dotted(train).ok_or_else(|| err("expected 9.8(4)15"))?;
                if parts.len() != 2 {
                    return Err(err("expected 9.8(4)15"));
                }
                let maint = dotted(maint).ok_or_else(|| err("expected 9.8(4)15"))?;
                parts.push(maint[0]);
                // An interim build inside the parentheses (`9.8(4.10)`) orders after its
                // maintenance release like a trailing number does.
                let interim = if interim.is_empty() {
                    maint.get(1).copied().unwrap_or(0)
                } else {
                    number(interim).ok_or_else(|| err("expected 9.8(4)15"))?
                };
                if maint.len() > 2 {
                    return Err(err("expected 9.8(4)15"));
                }
                parts.push(interim);
                (parts, true)
            }
            Scheme::SonicwallSma => {
                let base = t
                    .strip_suffix("sv")
                    .or_else(|| t.strip_suffix("SV"))
                    .unwrap_or(t);
                let mut pieces = base.split('-').filter(|p| !p.is_empty() && *p != "d");
                let mut parts = dotted(pieces.next().unwrap_or(""))
                    .ok_or_else(|| err("expected 10.2.0.5-29sv"))?;
                if parts.len() != 4 {
                    return Err(err("expected 10.2.0.5-29sv"));
                }
                match (pieces.next(), pieces.next()) {
                    (None, _) => parts.push(0),
                    (Some(build), None) => {
                        parts.push(number(build).ok_or_else(|| err("expected 10.2.0.5-29sv"))?)
                    }
                    _ => return Err(err("expected 10.2.0.5-29sv")),
                }
                (parts, true)
            }
            Scheme::Generic => (
                dotted(t).ok_or_else(|| err("expected numbers separated by dots"))?,
                true,
            ),
        };
        if parts.is_empty() || parts.len() > MAX_PARTS {
            return Err(err("too many components"));
        }
        Ok(Version {
            text: t.to_string(),
            parts,
            exact,
        })
    }

    /// The order of two versions of one scheme; `None` when an inexact version's unknown part
    /// would decide.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = match self.parts.get(i) {
                Some(a) => *a,
                None if self.exact => 0,
                None => return None,
            };
            let b = match other.parts.get(i) {
                Some(b) => *b,
                None if other.exact => 0,
                None => return None,
            };
            match a.cmp(&b) {
                Ordering::Equal => continue,
                decided => return Some(decided),
            }
        }
        if self.exact && other.exact {
            Some(Ordering::Equal)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: Scheme, t: &str) -> Version {
        Version::parse(s, t).unwrap_or_else(|e| panic!("{e}"))
    }

    fn cmp(s: Scheme, a: &str, b: &str) -> Option<Ordering> {
        v(s, a).compare(&v(s, b))
    }

    #[test]
    fn fortios() {
        use Ordering::*;
        assert_eq!(cmp(Scheme::Fortios, "7.2.4", "7.2.5"), Some(Less));
        assert_eq!(cmp(Scheme::Fortios, "7.2.10", "7.2.9"), Some(Greater));
        assert_eq!(cmp(Scheme::Fortios, "v7.0.12", "7.0.12"), Some(Equal));
        assert_eq!(cmp(Scheme::Fortios, "6.4.15", "7.0.0"), Some(Less));
        // A release without its patch number is only ordered when the release decides.
        assert_eq!(cmp(Scheme::Fortios, "7.2", "7.2.4"), None);
        assert_eq!(cmp(Scheme::Fortios, "7.2", "7.4.0"), Some(Less));
        for bad in ["", "7", "7.2.4.1", "7.2.x", "7..2", "1234567890.1.1"] {
            assert!(Version::parse(Scheme::Fortios, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ivanti() {
        use Ordering::*;
        assert_eq!(cmp(Scheme::Ivanti, "22.7R2.4", "22.7R2.5"), Some(Less));
        assert_eq!(cmp(Scheme::Ivanti, "22.7R2", "22.7R2.0"), Some(Equal));
        assert_eq!(cmp(Scheme::Ivanti, "22.7R2", "22.7R2.1"), Some(Less));
        assert_eq!(cmp(Scheme::Ivanti, "9.0R3.4", "9.0R10"), Some(Less));
        assert_eq!(cmp(Scheme::Ivanti, "9.1R18.2", "22.7R1"), Some(Less));
        // The old dotted form: release known, point release not.
        assert_eq!(cmp(Scheme::Ivanti, "9.0.3.64015", "9.0R3.4"), None);
        assert_eq!(cmp(Scheme::Ivanti, "9.0.2.63965", "9.0R3.4"), Some(Less));
        assert_eq!(cmp(Scheme::Ivanti, "9.1.4.1234", "9.0R3.4"), Some(Greater));
        for bad in ["22R2", "22.7R", "22.7R2.4.1", "9.1.8", "22.7X2"] {
            assert!(Version::parse(Scheme::Ivanti, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn panos() {
        use Ordering::*;
        assert_eq!(cmp(Scheme::Panos, "10.2.9", "10.2.9-h1"), Some(Less));
        assert_eq!(cmp(Scheme::Panos, "10.2.9-h1", "10.2.9-h1"), Some(Equal));
        assert_eq!(cmp(Scheme::Panos, "10.2.10", "10.2.9-h1"), Some(Greater));
        assert_eq!(cmp(Scheme::Panos, "11.1.2-h3", "11.1.2-h2"), Some(Greater));
        for bad in ["10.2", "10.2.9-1", "10.2.9-h", "10.2.9-hx"] {
            assert!(Version::parse(Scheme::Panos, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn citrix() {
        use Ordering::*;
        assert_eq!(
            cmp(Scheme::Citrix, "13.1-49.15", "13.1-49.14"),
            Some(Greater)
        );
        assert_eq!(cmp(Scheme::Citrix, "13.0.47.24", "13.0-47.24"), Some(Equal));
        assert_eq!(cmp(Scheme::Citrix, "13.0-92.18", "13.1-0.0"), Some(Less));
        assert!(Version::parse(Scheme::Citrix, "13.1-49").is_err());
    }

    #[test]
    fn cisco_asa() {
        use Ordering::*;
        assert_eq!(cmp(Scheme::CiscoAsa, "9.8(4)15", "9.8(4)"), Some(Greater));
        assert_eq!(cmp(Scheme::CiscoAsa, "9.12(4)", "9.8(4)15"), Some(Greater));
        assert_eq!(cmp(Scheme::CiscoAsa, "9.8(4.10)", "9.8(4)10"), Some(Equal));
        assert!(Version::parse(Scheme::CiscoAsa, "9.8").is_err());
        assert!(Version::parse(Scheme::CiscoAsa, "9.8(4").is_err());
    }

    #[test]
    fn sonicwall_sma() {
        use Ordering::*;
        assert_eq!(
            cmp(Scheme::SonicwallSma, "10.2.0.5-d-29sv", "10.2.0.5-29sv"),
            Some(Equal)
        );
        assert_eq!(
            cmp(Scheme::SonicwallSma, "10.2.0.6-32sv", "10.2.0.5-29sv"),
            Some(Greater)
        );
        assert_eq!(
            cmp(Scheme::SonicwallSma, "10.2.0.0", "10.2.0.5-29sv"),
            Some(Less)
        );
    }

    #[test]
    fn hostile_text_never_panics() {
        let schemes = [
            Scheme::Fortios,
            Scheme::Ivanti,
            Scheme::Panos,
            Scheme::Citrix,
            Scheme::CiscoAsa,
            Scheme::SonicwallSma,
            Scheme::Generic,
        ];
        for text in [
            "", "(", ")(", "R", "-", "--", "-h", "9.(", "9.8()", "ä.ö", "9.8(4)x", "R.R",
        ] {
            for s in schemes {
                let _ = Version::parse(s, text);
            }
        }
    }
}
