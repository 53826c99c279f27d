//! The SSL-VPN fingerprint and known-exploited-vulnerability data, and the pure functions over
//! them: which product a set of HTTP answers points to, and which CVEs apply to its version.
//!
//! Both files are embedded (`include_str!`) and checked when first used: unknown keys, unknown
//! products, bad versions and unsafe request paths are errors, and the unit tests load them, so a
//! broken data file fails `cargo test` rather than a scan.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;
use thiserror::Error;

use crate::observation::{PortalMatch, VulnConfidence, VulnMatch, VulnStatus};
use crate::probe::identify::{http, wire_text};

use super::version::{Scheme, Version};

pub const FINGERPRINTS_TOML: &str = include_str!("../../../data/sslvpn-fingerprints.toml");
pub const KEV_TOML: &str = include_str!("../../../data/vpn-known-exploited.toml");

/// Longest version text taken from an answer.
const MAX_VERSION: usize = 40;
/// Longest marker text kept in evidence.
const MAX_EVIDENCE: usize = 80;

/// Path pieces that belong to exploit checks of these products (shared/reference/guidelines.md
/// §6). The data file must never ask for them, even by mistake.
const DENIED_PATH_PARTS: &[&str] = &[
    "hostcheck_validate",
    "fgt_lang",
    "/api/",
    "totp",
    "hipreport",
    "translation-table",
    "portal_inc",
    "/mgmt/",
    "guacamole",
    "/ws/",
    "cgi-bin/userLogin",
];

#[derive(Debug, Error)]
pub enum DataError {
    #[error("{file}: {source}")]
    Toml {
        file: &'static str,
        #[source]
        source: toml::de::Error,
    },
    #[error("{file}: {detail}")]
    Invalid { file: &'static str, detail: String },
}

fn invalid(file: &'static str, detail: impl Into<String>) -> DataError {
    DataError::Invalid {
        file,
        detail: detail.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Identify,
    Version,
}

/// One GET request the probe may send.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub path: String,
    /// The product this request is for; `None` for requests sent to everyone (`/`).
    #[serde(default)]
    pub product: Option<String>,
    pub purpose: Purpose,
    /// Rank among the requests sent when no product is suspected yet.
    #[serde(default)]
    pub discovery: Option<u32>,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerKind {
    Status,
    Header,
    Cookie,
    CookiePrefix,
    Location,
    Body,
    Title,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    /// Only answers to this request; `None`: every answer.
    #[serde(default)]
    pub path: Option<String>,
    pub kind: MarkerKind,
    /// Header or cookie name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub contains: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub ignore_case: bool,
    pub weight: u32,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtractConfidence {
    Firm,
    Tentative,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionExtractor {
    pub path: String,
    /// Header whose value is searched; `None`: the body.
    #[serde(default)]
    pub header: Option<String>,
    pub anchors: Vec<String>,
    pub charset: String,
    pub confidence: ExtractConfidence,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub version_scheme: Scheme,
    #[serde(default, rename = "marker")]
    pub markers: Vec<Marker>,
    #[serde(default, rename = "version")]
    pub versions: Vec<VersionExtractor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprints {
    pub schema: u32,
    pub min_score: u32,
    #[serde(rename = "request")]
    pub requests: Vec<Request>,
    #[serde(rename = "product")]
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// `to` is the last affected version (inclusive).
    LastAffected,
    /// `to` is the first fixed version (exclusive).
    FirstFixed,
    /// The source gives no fixed build: versions from `from` on cannot be judged.
    Open,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub from: String,
    #[serde(default)]
    pub to: Option<String>,
    pub bound: Bound,
    #[serde(default)]
    pub uncertain: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cve {
    pub id: String,
    pub product: String,
    pub kev: bool,
    #[serde(default)]
    pub kev_date_added: Option<String>,
    #[serde(default)]
    pub advisory_id: Option<String>,
    pub advisory_url: String,
    pub description: String,
    pub source: String,
    #[serde(default)]
    pub uncertain: bool,
    pub affected: Vec<Range>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KevData {
    pub schema: u32,
    #[serde(rename = "cve")]
    pub cves: Vec<Cve>,
}

/// Both data files, checked.
#[derive(Debug, Clone)]
pub struct Data {
    pub fingerprints: Fingerprints,
    pub kev: KevData,
}

/// Whether `path` is a plain path a browser would ask for: the characters of the data file's
/// paths only, no `..`, nothing from [`DENIED_PATH_PARTS`].
pub fn is_safe_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 128
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_.+-".contains(&b))
        && !path.contains("..")
        && !path.contains("//")
        && !DENIED_PATH_PARTS
            .iter()
            .any(|d| path.to_ascii_lowercase().contains(&d.to_ascii_lowercase()))
}

impl Data {
    pub fn parse(fingerprints: &str, kev: &str) -> Result<Data, DataError> {
        const FP: &str = "sslvpn-fingerprints.toml";
        const KEV: &str = "vpn-known-exploited.toml";
        let fingerprints: Fingerprints =
            toml::from_str(fingerprints).map_err(|source| DataError::Toml { file: FP, source })?;
        let kev: KevData =
            toml::from_str(kev).map_err(|source| DataError::Toml { file: KEV, source })?;
        if fingerprints.schema != 1 || kev.schema != 1 {
            return Err(invalid(FP, "unsupported schema (expected 1)"));
        }
        if fingerprints.min_score == 0 {
            return Err(invalid(FP, "min_score must be positive"));
        }

        let mut ids = BTreeSet::new();
        for p in &fingerprints.products {
            if p.id.is_empty() || !ids.insert(p.id.as_str()) {
                return Err(invalid(
                    FP,
                    format!("product id {:?} empty or repeated", p.id),
                ));
            }
        }
        let mut paths = BTreeSet::new();
        let mut ranks = BTreeSet::new();
        for r in &fingerprints.requests {
            if !is_safe_path(&r.path) {
                return Err(invalid(
                    FP,
                    format!("request path {:?} is not allowed", r.path),
                ));
            }
            if !paths.insert(r.path.as_str()) {
                return Err(invalid(FP, format!("request path {:?} repeated", r.path)));
            }
            if let Some(p) = &r.product {
                if !ids.contains(p.as_str()) {
                    return Err(invalid(
                        FP,
                        format!("request {:?}: unknown product {p:?}", r.path),
                    ));
                }
            }
            if let Some(rank) = r.discovery {
                if !ranks.insert(rank) {
                    return Err(invalid(FP, format!("discovery rank {rank} repeated")));
                }
            }
            if r.source.trim().is_empty() {
                return Err(invalid(FP, format!("request {:?} has no source", r.path)));
            }
        }
        if !paths.contains("/") {
            return Err(invalid(FP, "the request list must contain \"/\""));
        }
        for p in &fingerprints.products {
            let here = |what: String| invalid(FP, format!("product {}: {what}", p.id));
            if p.markers.is_empty() {
                return Err(here("no markers".into()));
            }
            for m in &p.markers {
                if let Some(path) = &m.path {
                    if !paths.contains(path.as_str()) {
                        return Err(here(format!("marker path {path:?} is not a request")));
                    }
                }
                if m.weight == 0 || m.source.trim().is_empty() {
                    return Err(here("marker without weight or source".into()));
                }
                let has_text = m.contains.as_deref().is_some_and(|c| !c.is_empty());
                let ok = match m.kind {
                    MarkerKind::Status => m.status.is_some() && m.contains.is_none(),
                    MarkerKind::Header => m.name.is_some() && m.status.is_none(),
                    MarkerKind::Cookie | MarkerKind::CookiePrefix => {
                        m.name.is_some() && m.contains.is_none() && m.status.is_none()
                    }
                    MarkerKind::Location | MarkerKind::Body | MarkerKind::Title => {
                        has_text && m.name.is_none() && m.status.is_none()
                    }
                };
                if !ok {
                    return Err(here(format!("marker {:?} has the wrong fields", m.kind)));
                }
            }
            for x in &p.versions {
                if !paths.contains(x.path.as_str()) {
                    return Err(here(format!("version path {:?} is not a request", x.path)));
                }
                if x.anchors.is_empty()
                    || x.anchors.iter().any(String::is_empty)
                    || x.charset.is_empty()
                    || x.source.trim().is_empty()
                {
                    return Err(here("version extractor incomplete".into()));
                }
            }
        }

        let mut cves = BTreeSet::new();
        for c in &kev.cves {
            let here = |what: String| invalid(KEV, format!("{}: {what}", c.id));
            if !c.id.starts_with("CVE-") || !cves.insert(c.id.as_str()) {
                return Err(here("bad or repeated CVE id".into()));
            }
            let Some(product) = fingerprints.products.iter().find(|p| p.id == c.product) else {
                return Err(here(format!("unknown product {:?}", c.product)));
            };
            if !c.advisory_url.starts_with("https://") || c.source.trim().is_empty() {
                return Err(here("advisory_url must be https and source given".into()));
            }
            if let Some(date) = &c.kev_date_added {
                let d = date.as_bytes();
                let shape = d.len() == 10
                    && d[4] == b'-'
                    && d[7] == b'-'
                    && d.iter()
                        .enumerate()
                        .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
                if !shape {
                    return Err(here(format!("kev_date_added {date:?} is not YYYY-MM-DD")));
                }
            }
            for r in &c.affected {
                let scheme = product.version_scheme;
                let from = Version::parse(scheme, &r.from).map_err(|e| here(e.to_string()))?;
                match (r.bound, &r.to) {
                    (Bound::Open, None) => {}
                    (Bound::Open, Some(_)) => return Err(here("an open range has no `to`".into())),
                    (_, None) => return Err(here("a closed range needs `to`".into())),
                    (bound, Some(to)) => {
                        let to = Version::parse(scheme, to).map_err(|e| here(e.to_string()))?;
                        let order = from.compare(&to);
                        let well_formed = match bound {
                            Bound::LastAffected => {
                                matches!(order, Some(Ordering::Less | Ordering::Equal))
                            }
                            _ => order == Some(Ordering::Less),
                        };
                        if !well_formed {
                            return Err(here(format!("range {} to {} is empty", from, to)));
                        }
                    }
                }
            }
        }
        Ok(Data { fingerprints, kev })
    }

    /// The embedded files; they are checked by the unit tests, so this never fails in a build
    /// that passed them.
    pub fn embedded() -> Result<&'static Data, &'static DataError> {
        static DATA: OnceLock<Result<Data, DataError>> = OnceLock::new();
        DATA.get_or_init(|| Data::parse(FINGERPRINTS_TOML, KEV_TOML))
            .as_ref()
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.fingerprints.products.iter().find(|p| p.id == id)
    }
}

/// One request sent and the raw answer read (head and the start of the body, bounded by the
/// probe; possibly empty or not HTTP at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpExchange {
    pub path: String,
    pub response: Vec<u8>,
}

/// An answer taken apart once for every marker.
struct Parsed<'a> {
    path: &'a str,
    status: u16,
    headers: Vec<(String, String)>,
    body: &'a [u8],
    title: Option<String>,
}

fn head_end(bytes: &[u8]) -> usize {
    let crlf = find(bytes, b"\r\n\r\n", false).map(|i| i + 4);
    let lf = find(bytes, b"\n\n", false).map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(bytes.len()),
    }
}

fn parse(exchange: &HttpExchange) -> Option<Parsed<'_>> {
    let bytes = &exchange.response;
    let status = http::parse_status_line(bytes)?;
    let end = head_end(bytes);
    let headers = bytes[..end]
        .split(|&b| b == b'\n')
        .skip(1)
        .take(http::MAX_HEADERS)
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = &line[..colon];
            if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
                return None;
            }
            Some((
                String::from_utf8_lossy(name).to_ascii_lowercase(),
                wire_text(line[colon + 1..].trim_ascii(), http::MAX_FIELD),
            ))
        })
        .collect();
    let body = &bytes[end.min(bytes.len())..];
    Some(Parsed {
        path: &exchange.path,
        status,
        headers,
        body,
        title: http::extract_html_title(body),
    })
}

fn find(hay: &[u8], needle: &[u8], ignore_case: bool) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| {
        if ignore_case {
            w.eq_ignore_ascii_case(needle)
        } else {
            w == needle
        }
    })
}

fn text_contains(hay: &str, needle: &str, ignore_case: bool) -> bool {
    find(hay.as_bytes(), needle.as_bytes(), ignore_case).is_some()
}

/// The cookie names a response sets.
fn cookie_names<'a>(p: &'a Parsed<'_>) -> impl Iterator<Item = &'a str> {
    p.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split_once('=').map(|(name, _)| name.trim()))
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_EVIDENCE).collect();
    if s.chars().count() > MAX_EVIDENCE {
        out.push('…');
    }
    out
}

/// What `marker` saw in `p`, as evidence text; `None` when it does not match.
fn marker_hit(marker: &Marker, p: &Parsed<'_>) -> Option<String> {
    if marker.path.as_deref().is_some_and(|path| path != p.path) {
        return None;
    }
    let contains = marker.contains.as_deref().unwrap_or("");
    let ic = marker.ignore_case;
    match marker.kind {
        MarkerKind::Status => {
            (Some(p.status) == marker.status).then(|| format!("status {}", p.status))
        }
        MarkerKind::Header => {
            let name = marker.name.as_deref()?.to_ascii_lowercase();
            p.headers.iter().find_map(|(n, v)| {
                (n == &name && (contains.is_empty() || text_contains(v, contains, ic))).then(|| {
                    if contains.is_empty() {
                        format!("header {} present", marker.name.as_deref().unwrap_or(""))
                    } else {
                        format!(
                            "header {}: {:?}",
                            marker.name.as_deref().unwrap_or(""),
                            short(v)
                        )
                    }
                })
            })
        }
        MarkerKind::Cookie => {
            let name = marker.name.as_deref()?;
            cookie_names(p)
                .any(|c| c == name)
                .then(|| format!("sets cookie {name}"))
        }
        MarkerKind::CookiePrefix => {
            let prefix = marker.name.as_deref()?;
            cookie_names(p)
                .find(|c| c.starts_with(prefix))
                .map(|c| format!("sets cookie {}", short(c)))
        }
        MarkerKind::Location => p
            .headers
            .iter()
            .find(|(n, v)| n == "location" && text_contains(v, contains, ic))
            .map(|(_, v)| format!("redirects to {:?}", short(v))),
        MarkerKind::Body => find(p.body, contains.as_bytes(), ic)
            .map(|_| format!("body contains {:?}", short(contains))),
        MarkerKind::Title => p
            .title
            .as_deref()
            .filter(|t| text_contains(t, contains, ic))
            .map(|t| format!("title {:?}", short(t))),
    }
}

/// The version `x` reads from `p`, if any.
fn extract_version(x: &VersionExtractor, p: &Parsed<'_>) -> Option<String> {
    if x.path != p.path {
        return None;
    }
    let hay: &[u8] = match &x.header {
        Some(h) => {
            let h = h.to_ascii_lowercase();
            p.headers.iter().find(|(n, _)| *n == h)?.1.as_bytes()
        }
        None => p.body,
    };
    let mut at = 0;
    for anchor in &x.anchors {
        at += find(&hay[at..], anchor.as_bytes(), false)? + anchor.len();
    }
    let run: String = hay[at..]
        .iter()
        .take_while(|b| x.charset.as_bytes().contains(b))
        .take(MAX_VERSION)
        .map(|&b| char::from(b))
        .collect();
    let run = run.trim_end_matches(['.', '-']).to_string();
    run.starts_with(|c: char| c.is_ascii_digit()).then_some(run)
}

/// Scores of every product against `responses`, whatever the threshold. Deterministic: products
/// in data-file order, markers in data-file order, each marker counted once.
pub(crate) struct Scored<'d> {
    pub product: &'d Product,
    pub score: u32,
    pub evidence: Vec<String>,
    pub version: Option<(String, String, ExtractConfidence)>,
}

pub(crate) fn score_all<'d>(data: &'d Data, responses: &[HttpExchange]) -> Vec<Scored<'d>> {
    let parsed: Vec<Parsed<'_>> = responses.iter().filter_map(parse).collect();
    let mut out = Vec::new();
    for product in &data.fingerprints.products {
        let mut score = 0u32;
        let mut evidence = Vec::new();
        for marker in &product.markers {
            if let Some((p, hit)) = parsed
                .iter()
                .find_map(|p| marker_hit(marker, p).map(|h| (p, h)))
            {
                score = score.saturating_add(marker.weight);
                evidence.push(format!("GET {}: {hit} (+{})", p.path, marker.weight));
            }
        }
        let version = product.versions.iter().find_map(|x| {
            parsed.iter().find_map(|p| {
                let v = extract_version(x, p)?;
                // A string the product's scheme cannot read is not a version of this product.
                Version::parse(product.version_scheme, &v).ok()?;
                let conf = match x.confidence {
                    ExtractConfidence::Firm => "firm",
                    ExtractConfidence::Tentative => "tentative",
                };
                let place = x
                    .header
                    .as_deref()
                    .map_or("body".to_string(), |h| format!("header {h}"));
                Some((v, format!("GET {} {place} ({conf})", x.path), x.confidence))
            })
        });
        out.push(Scored {
            product,
            score,
            evidence,
            version,
        });
    }
    out
}

/// The products the answers point to (score at least the data file's `min_score`), best first;
/// ties keep the data file's order. Pure and deterministic.
pub fn match_responses(responses: &[HttpExchange]) -> Vec<PortalMatch> {
    match Data::embedded() {
        Ok(data) => match_with(data, responses),
        Err(_) => Vec::new(),
    }
}

pub fn match_with(data: &Data, responses: &[HttpExchange]) -> Vec<PortalMatch> {
    let mut matches: Vec<PortalMatch> = score_all(data, responses)
        .into_iter()
        .filter(|s| s.score >= data.fingerprints.min_score)
        .map(|s| {
            let (version, version_source) = match s.version {
                Some((v, src, _)) => (Some(v), Some(src)),
                None => (None, None),
            };
            PortalMatch {
                product: s.product.id.clone(),
                name: s.product.name.clone(),
                score: s.score,
                evidence: s.evidence,
                version,
                version_source,
            }
        })
        .collect();
    // A stable sort keeps the data file's order among equal scores.
    matches.sort_by_key(|m| std::cmp::Reverse(m.score));
    matches
}

fn describe_range(r: &Range) -> String {
    match (r.bound, &r.to) {
        (Bound::LastAffected, Some(to)) => format!("{} to {} (last affected)", r.from, to),
        (Bound::FirstFixed, Some(to)) => format!("{} up to {} (first fixed)", r.from, to),
        _ => format!("{} and later (no fixed build in the cited source)", r.from),
    }
}

/// Known-exploited vulnerabilities of `product`, judged against `version` (taken as read from a
/// version field; see [`vulns_with`] for a version read from free text).
pub fn vulns(product: &str, version: Option<&str>) -> Vec<VulnMatch> {
    match Data::embedded() {
        Ok(data) => vulns_with(data, product, version, true),
        Err(_) => Vec::new(),
    }
}

/// [`vulns`], with `version_firm` saying whether the version came from a version field (a
/// version from free text makes every verdict tentative).
pub fn vulns_with(
    data: &Data,
    product: &str,
    version: Option<&str>,
    version_firm: bool,
) -> Vec<VulnMatch> {
    let Some(p) = data.product(product) else {
        return Vec::new();
    };
    let parsed = version.map(|v| Version::parse(p.version_scheme, v));
    data.kev
        .cves
        .iter()
        .filter(|c| c.product == product)
        .map(|c| {
            let mut uncertain = c.uncertain;
            let (status, reason) = match &parsed {
                None => (
                    VulnStatus::VersionUnknown,
                    format!("version unknown: verify the patch level for {}", c.id),
                ),
                Some(Err(e)) => (
                    VulnStatus::VersionUnknown,
                    format!("version not understood ({e}): verify the patch level for {}", c.id),
                ),
                Some(Ok(_)) if c.affected.is_empty() => (
                    VulnStatus::VersionUnknown,
                    format!(
                        "the cited source gives no affected versions: verify the patch level for {}",
                        c.id
                    ),
                ),
                Some(Ok(v)) => {
                    let mut verdict = None;
                    let mut undecided = None;
                    for r in &c.affected {
                        match in_range(p.version_scheme, v, r) {
                            Some(true) => {
                                uncertain |= r.uncertain;
                                verdict = Some(r);
                                break;
                            }
                            Some(false) => {}
                            None => {
                                uncertain |= r.uncertain;
                                undecided.get_or_insert(r);
                            }
                        }
                    }
                    match (verdict, undecided) {
                        (Some(r), _) => (
                            VulnStatus::Affected,
                            format!(
                                "version {v} is within {}: affected by {}{}",
                                describe_range(r),
                                c.id,
                                if c.kev { " (known exploited)" } else { "" }
                            ),
                        ),
                        (None, Some(r)) => (
                            VulnStatus::VersionUnknown,
                            format!(
                                "version {v} cannot be placed against {}: verify the patch level for {}",
                                describe_range(r),
                                c.id
                            ),
                        ),
                        (None, None) => {
                            // Every range decided "outside"; an uncertain range could still be
                            // wrong, so it lowers the confidence of this negative too.
                            uncertain |= c.affected.iter().any(|r| r.uncertain);
                            (
                                VulnStatus::NotAffected,
                                format!("version {v} is outside every affected range of {}", c.id),
                            )
                        }
                    }
                }
            };
            let confidence = if status != VulnStatus::VersionUnknown && version_firm && !uncertain {
                VulnConfidence::Firm
            } else {
                VulnConfidence::Tentative
            };
            VulnMatch {
                cve: c.id.clone(),
                product: c.product.clone(),
                status,
                confidence,
                kev: c.kev,
                kev_date_added: c.kev_date_added.clone(),
                advisory_id: c.advisory_id.clone(),
                advisory_url: c.advisory_url.clone(),
                description: c.description.clone(),
                reason,
            }
        })
        .collect()
}

/// Whether `v` lies in `r`; `None` when the range cannot decide (an open range, or an inexact
/// version at the edge).
fn in_range(scheme: Scheme, v: &Version, r: &Range) -> Option<bool> {
    let from = Version::parse(scheme, &r.from).ok()?;
    let after_start = match v.compare(&from) {
        Some(Ordering::Less) => return Some(false),
        Some(_) => true,
        None => false,
    };
    let to = match (&r.to, r.bound) {
        (Some(to), Bound::LastAffected | Bound::FirstFixed) => Version::parse(scheme, to).ok()?,
        _ => return None,
    };
    let before_end = match (v.compare(&to), r.bound) {
        (Some(Ordering::Greater), _) => return Some(false),
        (Some(Ordering::Equal), Bound::FirstFixed) => return Some(false),
        (Some(_), _) => true,
        (None, _) => false,
    };
    (after_start && before_end).then_some(true)
}

#[cfg(test)]
#[path = "fingerprint_tests.rs"]
mod tests;
