//! Profiles: guideline requirements as data. Checks are implemented in Rust (`checks`); a profile
//! selects them, sets their parameters, and carries the severity, the guideline reference and the
//! Japanese and English texts. Built-in profiles are embedded in the binary and loaded by the same
//! code as a user's file, so a copied-and-edited profile behaves exactly like the original.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::finding::{Reference, Requirement, Severity};
use crate::i18n::Localized;
use crate::observation::{ServiceKind, Vantage};
use crate::probe::tls::registry::{self, TlsVersion};

mod checks;

pub use checks::evaluate;

/// Profiles shipped inside the binary, by id.
const BUILTIN: &[(&str, &str)] = &[
    (
        "mic-telework",
        include_str!("../../profiles/mic-telework.toml"),
    ),
    (
        "cryptrec-tls-high",
        include_str!("../../profiles/cryptrec-tls-high.toml"),
    ),
    (
        "cryptrec-tls-recommended",
        include_str!("../../profiles/cryptrec-tls-recommended.toml"),
    ),
    (
        "cryptrec-tls-exception",
        include_str!("../../profiles/cryptrec-tls-exception.toml"),
    ),
    (
        "mozilla-modern",
        include_str!("../../profiles/mozilla-modern.toml"),
    ),
    (
        "mozilla-intermediate",
        include_str!("../../profiles/mozilla-intermediate.toml"),
    ),
    (
        "mozilla-old",
        include_str!("../../profiles/mozilla-old.toml"),
    ),
    (
        "ssh-baseline",
        include_str!("../../profiles/ssh-baseline.toml"),
    ),
    (
        "ipsec-baseline",
        include_str!("../../profiles/ipsec-baseline.toml"),
    ),
];

/// How deep `extends` may chain; guards against cycles.
const MAX_EXTENDS_DEPTH: usize = 8;

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("cannot read profile {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "unknown profile {name:?}; built-in profiles: {available} (or give a path to a .toml file)"
    )]
    Unknown { name: String, available: String },
}

/// A loaded, validated profile (after `extends` was applied).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: String,
    pub version: String,
    pub title: Localized,
    pub source: String,
    /// Where it came from: `built-in` or a file path.
    pub origin: String,
    pub references: BTreeMap<String, Reference>,
    pub checks: Vec<Check>,
}

/// The file format. Unknown fields are errors, so a misspelled key never silently disables a rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    id: String,
    version: String,
    title: Localized,
    source: String,
    #[serde(default)]
    extends: Vec<String>,
    #[serde(default, rename = "reference")]
    references: Vec<Reference>,
    #[serde(default, rename = "check")]
    checks: Vec<Check>,
}

/// One rule: a check kind with its parameters, plus what a finding from it says.
///
/// No `deny_unknown_fields` here: serde does not support it together with `flatten`. Keys this
/// struct does not take flow into the flattened `kind`, whose payload structs reject unknown ones,
/// so a misspelled key is still an error (pinned by a test).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Check {
    pub id: String,
    #[serde(flatten)]
    pub kind: CheckKind,
    pub severity: Severity,
    #[serde(default)]
    pub requirement: Requirement,
    /// Which vantage the rule applies from; `any` when absent.
    #[serde(default)]
    pub vantage: VantageFilter,
    /// Ids of `[[reference]]` entries this rule rests on.
    pub refs: Vec<String>,
    pub title: Localized,
    pub explanation: Localized,
    pub remedy: Localized,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum VantageFilter {
    #[default]
    Any,
    Outside,
    Inside,
}

impl VantageFilter {
    pub fn admits(self, vantage: Vantage) -> bool {
        match self {
            VantageFilter::Any => true,
            VantageFilter::Outside => vantage == Vantage::Outside,
            VantageFilter::Inside => vantage == Vantage::Inside,
        }
    }
}

/// What a rule says about the thing it names.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Finding when present.
    Forbidden,
    /// Finding when absent.
    Required,
    /// Never a finding; lets an extending profile switch a rule of its base off, visibly.
    Allowed,
}

/// The check kinds implemented in `checks`. Each payload rejects unknown fields (the enum itself
/// cannot, because `kind` is flattened into the check table).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckKind {
    /// A service reachable on a host (identified by protocol, or only by its usual port).
    ServiceExposed(ServiceExposed),
    /// A TLS certificate seen on a port is outside its validity period at scan time.
    CertificateValidity(CertificateValidity),
    /// Protocol versions a TLS server accepts, against an allowed list.
    TlsVersions(TlsVersions),
    /// Cipher suites a TLS server accepts, against an allowed list and/or forbidden kinds.
    TlsCipherSuites(TlsCipherSuites),
    /// The certificate chain a TLS server presents: key size, signature hash, trust, name.
    TlsCertificate(TlsCertificate),
    /// Protocol options and key exchange of a TLS server (renegotiation, compression,
    /// fallback protection, heartbeat, Heartbleed, DH size).
    TlsOptions(TlsOptionRule),
    /// The `Strict-Transport-Security` header (RFC 6797) of an HTTPS response and its `max-age`.
    HttpsHsts(HttpsHsts),
    /// The security of an RDP server, from the RDP audit: NLA, Standard RDP Security, its
    /// encryption, and the NTLM names it discloses before authentication.
    RdpSecurity(RdpSecurityRule),
    /// The security of the organisation's Wi-Fi networks, from a Wi-Fi survey (`edgeaudit
    /// wifi`): security mode, TKIP, management frame protection, WPS.
    WifiSecurity(WifiSecurityRule),
    /// A web management interface (router, firewall, NAS, VPN appliance admin page) answering on
    /// an HTTP or HTTPS port, recognised by its HTTP authentication or by words in its page
    /// title or `Server` header — the words are data in the rule.
    ManagementInterface(ManagementInterfaceRule),
    /// The algorithms and authentication methods an SSH server offers, from the SSH audit.
    SshSecurity(SshSecurityRule),
    /// A known weakness of a remote-access or VPN protocol, read from that protocol's audit.
    ProtocolWeakness(ProtocolWeaknessRule),
    /// Known-exploited vulnerabilities of an identified SSL-VPN portal, by its version.
    VpnPortalVulnerability(VpnPortalRule),
    /// The IKE algorithms a VPN gateway accepts, against forbidden lists (IANA names as the IKE
    /// audit records them).
    IkeAlgorithms(IkeAlgorithmRule),
}

/// Each list is opt-in; an empty rule is refused by the linter. IKEv2 names are IANA transform
/// names (`ENCR_DES`, `PRF_HMAC_MD5`, `AUTH_HMAC_MD5_96`, `modp1024`…); IKEv1 Main Mode
/// transforms are matched by encryption (`DES-CBC`, `3DES-CBC`), hash (`MD5`, `SHA`) and group.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct IkeAlgorithmRule {
    #[serde(default)]
    pub forbidden_encryption: Vec<String>,
    #[serde(default)]
    pub forbidden_prf: Vec<String>,
    #[serde(default)]
    pub forbidden_integrity: Vec<String>,
    /// IKEv1 hash algorithms (used for its PRF and integrity).
    #[serde(default)]
    pub forbidden_ikev1_hashes: Vec<String>,
    #[serde(default)]
    pub forbidden_groups: Vec<String>,
    /// IKEv1 must not be answered at all.
    #[serde(default)]
    pub forbid_ikev1: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct VpnPortalRule {
    /// Only vulnerabilities in CISA's Known Exploited Vulnerabilities catalogue.
    #[serde(default)]
    pub known_exploited_only: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProtocolWeaknessRule {
    pub weakness: Weakness,
}

/// The weaknesses `protocol_weakness` can report; each is one fact of one audit.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Weakness {
    /// VNC offers security type None (no password at all).
    VncNoAuthentication,
    /// SMB accepts the SMBv1 dialect (NT LM 0.12).
    Smb1Accepted,
    /// SMB does not require signing.
    SmbSigningNotRequired,
    /// SNMP answers the community `public` (v1 or v2c).
    SnmpPublicCommunity,
    /// UPnP's SSDP answers an M-SEARCH.
    SsdpAnswers,
    /// IKEv1 Aggressive Mode is accepted (the answer carries an offline-crackable PSK hash).
    IkeAggressiveMode,
    /// IKE accepts DH groups of 1536 bits or less (modp768, modp1024, modp1536, modp1024s160).
    IkeWeakDhGroups,
    /// IKE accepts DES, 3DES, NULL encryption or MD5/SHA-1 integrity and PRF.
    IkeWeakAlgorithms,
    /// OpenVPN answers an unauthenticated hard reset: no tls-auth / tls-crypt in front of TLS.
    OpenVpnWithoutTlsAuth,
    /// L2TP answers a control connection request directly (not inside IPsec).
    L2tpWithoutIpsec,
}

/// Algorithm names may end or start with `*` (`hmac-sha1*`, `*-cbc`) to match a family. Each
/// requirement is opt-in; an empty rule is refused by the linter.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SshSecurityRule {
    #[serde(default)]
    pub forbidden_kex: Vec<String>,
    #[serde(default)]
    pub forbidden_host_key_algorithms: Vec<String>,
    /// Checked in both directions.
    #[serde(default)]
    pub forbidden_ciphers: Vec<String>,
    /// Checked in both directions.
    #[serde(default)]
    pub forbidden_macs: Vec<String>,
    /// The server must announce strict key exchange (`kex-strict-s-v00@openssh.com`), the fix
    /// for Terrapin (CVE-2023-48795).
    #[serde(default)]
    pub require_strict_kex: bool,
    /// The server must not offer `password` or `keyboard-interactive` authentication.
    #[serde(default)]
    pub forbid_password_auth: bool,
    /// Smallest RSA host key accepted, in bits.
    #[serde(default)]
    pub min_rsa_host_key_bits: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ManagementInterfaceRule {
    /// Words that mark a management page when the `<title>` contains one (case-insensitive).
    #[serde(default)]
    pub title_keywords: Vec<String>,
    /// Words that mark a device's embedded web server in the `Server` header.
    #[serde(default)]
    pub server_keywords: Vec<String>,
    /// A `WWW-Authenticate` challenge (HTTP Basic/Digest login, typical of routers) counts too.
    #[serde(default)]
    pub http_authentication: bool,
}

/// Each requirement is opt-in; an empty rule is refused by the linter.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct WifiSecurityRule {
    /// Security modes that must not be used: `open`, `owe`, `wep`, `wpa_tkip`,
    /// `mixed_wpa_wpa2`, `wpa2_psk`, `wpa2_wpa3_transition`, `wpa3_sae`, `wpa2_enterprise`,
    /// `wpa3_enterprise`.
    #[serde(default)]
    pub forbidden_classes: Vec<String>,
    /// TKIP must not be allowed anywhere (group or pairwise, WPA or RSN element).
    #[serde(default)]
    pub forbid_tkip: bool,
    /// Management frame protection (802.11w) at least `capable` or `required`.
    #[serde(default)]
    pub require_pmf: Option<String>,
    /// Wi-Fi Protected Setup must not be announced.
    #[serde(default)]
    pub forbid_wps: bool,
}

/// Each requirement is opt-in; an empty rule is refused by the linter.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RdpSecurityRule {
    /// The server must insist on network-level authentication (CredSSP).
    #[serde(default)]
    pub require_nla: bool,
    /// The server must not let a client use Standard RDP Security (no TLS, no server
    /// authentication).
    #[serde(default)]
    pub forbid_standard_security: bool,
    /// Standard RDP Security encryption methods the server must not pick ([MS-RDPBCGR]
    /// 2.2.1.4.3 names: `ENCRYPTION_METHOD_NONE`, `ENCRYPTION_METHOD_40BIT`,
    /// `ENCRYPTION_METHOD_56BIT`, `ENCRYPTION_METHOD_128BIT`, `ENCRYPTION_METHOD_FIPS`).
    #[serde(default)]
    pub forbidden_encryption_methods: Vec<String>,
    /// Standard RDP Security encryption levels the server must not use (`ENCRYPTION_LEVEL_NONE`,
    /// `ENCRYPTION_LEVEL_LOW`, `ENCRYPTION_LEVEL_CLIENT_COMPATIBLE`, `ENCRYPTION_LEVEL_HIGH`,
    /// `ENCRYPTION_LEVEL_FIPS`).
    #[serde(default)]
    pub forbidden_encryption_levels: Vec<String>,
    /// The server must not disclose computer, domain or OS names in its NTLM CHALLENGE.
    #[serde(default)]
    pub forbid_ntlm_disclosure: bool,
}

/// Names [`RdpSecurityRule`] accepts, from [MS-RDPBCGR] 2.2.1.4.3.
const RDP_ENCRYPTION_METHODS: &[&str] = &[
    "ENCRYPTION_METHOD_NONE",
    "ENCRYPTION_METHOD_40BIT",
    "ENCRYPTION_METHOD_56BIT",
    "ENCRYPTION_METHOD_128BIT",
    "ENCRYPTION_METHOD_FIPS",
];
const RDP_ENCRYPTION_LEVELS: &[&str] = &[
    "ENCRYPTION_LEVEL_NONE",
    "ENCRYPTION_LEVEL_LOW",
    "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE",
    "ENCRYPTION_LEVEL_HIGH",
    "ENCRYPTION_LEVEL_FIPS",
];

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpsHsts {
    /// Shortest `max-age` accepted, in seconds; must be above 0.
    pub min_max_age: u64,
}

/// Limits on the leaf certificate; every limit is optional, an absent one is not checked.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TlsCertificate {
    #[serde(default)]
    pub min_rsa_bits: Option<u32>,
    #[serde(default)]
    pub min_ec_bits: Option<u32>,
    /// Hash names that must not sign the leaf: `md5`, `sha1`.
    #[serde(default)]
    pub forbidden_signature_hashes: Vec<String>,
    /// The chain must lead to a root of the bundled store (webpki-roots).
    #[serde(default)]
    pub require_trusted: bool,
    /// The leaf must be valid for the name that was scanned.
    #[serde(default)]
    pub require_hostname_match: bool,
}

/// Each requirement is opt-in; `None`/`false` means "not checked by this rule".
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TlsOptionRule {
    #[serde(default)]
    pub require_secure_renegotiation: bool,
    #[serde(default)]
    pub forbid_compression: bool,
    #[serde(default)]
    pub require_fallback_scsv: bool,
    #[serde(default)]
    pub forbid_heartbeat: bool,
    /// The server must not answer the safe Heartbleed test (CVE-2014-0160). Not tested when
    /// the server offers heartbeat but the test could not run; nothing to test without heartbeat.
    #[serde(default)]
    pub forbid_heartbleed: bool,
    /// Smallest DH prime accepted for DHE key exchange, in bits.
    #[serde(default)]
    pub min_dh_bits: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TlsVersions {
    /// Version names: `SSLv2`, `SSLv3`, `TLSv1.0`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub allowed: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TlsCipherSuites {
    /// The versions whose accepted suites the rule looks at; all when empty.
    #[serde(default)]
    pub versions: Vec<String>,
    /// IANA (or OpenSSL) names of the only suites allowed; no list means no such limit.
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
    /// Kinds of suite that are never allowed (see `registry::property_names`).
    #[serde(default)]
    pub forbidden_properties: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceExposed {
    pub services: Vec<ServiceKind>,
    /// Ports where an open but unidentified service counts as one of `services`.
    #[serde(default)]
    pub ports: Vec<u16>,
    pub policy: Policy,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CertificateValidity {
    /// Also report certificates that expire within this many days.
    #[serde(default)]
    pub warn_days_before_expiry: u32,
}

impl Profile {
    /// Parses and validates one profile text. `origin` names it in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        Self::load(text, origin, None, 0)
    }

    /// Loads a built-in profile by id, or a file when `name` looks like a path.
    pub fn resolve(name: &str) -> Result<Profile, ProfileError> {
        let path = Path::new(name);
        if name.ends_with(".toml") || name.contains(std::path::MAIN_SEPARATOR) || path.is_file() {
            return Self::from_file(path);
        }
        Self::builtin(name)
    }

    pub fn builtin(id: &str) -> Result<Profile, ProfileError> {
        let text = builtin_text(id).ok_or_else(|| ProfileError::Unknown {
            name: id.to_string(),
            available: builtin_ids().join(", "),
        })?;
        Self::from_toml(text, &format!("built-in profile {id}"))
    }

    pub fn from_file(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::load(&text, &path.display().to_string(), path.parent(), 0)
    }

    fn load(
        text: &str,
        origin: &str,
        dir: Option<&Path>,
        depth: usize,
    ) -> Result<Profile, ProfileError> {
        let file: ProfileFile = toml::from_str(text).map_err(|e| ProfileError::Syntax {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut profile = Profile {
            id: file.id,
            version: file.version,
            title: file.title,
            source: file.source,
            origin: origin.to_string(),
            references: BTreeMap::new(),
            checks: Vec::new(),
        };
        for base_name in &file.extends {
            if depth >= MAX_EXTENDS_DEPTH {
                return Err(invalid(
                    origin,
                    format!("extends chain deeper than {MAX_EXTENDS_DEPTH} (a cycle?)"),
                ));
            }
            let base = Self::load_base(base_name, dir, depth + 1)?;
            profile.references.extend(base.references);
            profile.checks.extend(base.checks);
        }
        for reference in file.references {
            profile.references.insert(reference.id.clone(), reference);
        }
        let mut own_ids = HashSet::new();
        for check in file.checks {
            if !own_ids.insert(check.id.clone()) {
                return Err(invalid(
                    origin,
                    format!("check id {:?} is defined twice", check.id),
                ));
            }
            // A check with the id of a base profile's check replaces it.
            profile.checks.retain(|c| c.id != check.id);
            profile.checks.push(check);
        }
        profile.validate()?;
        Ok(profile)
    }

    fn load_base(name: &str, dir: Option<&Path>, depth: usize) -> Result<Profile, ProfileError> {
        if let Some(text) = builtin_text(name) {
            return Self::load(text, &format!("built-in profile {name}"), None, depth);
        }
        let path = match dir {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name),
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ProfileError::Io {
            path: path.clone(),
            source,
        })?;
        Self::load(&text, &path.display().to_string(), path.parent(), depth)
    }

    /// Rules the TOML grammar cannot express.
    fn validate(&self) -> Result<(), ProfileError> {
        let origin = &self.origin;
        if self.id.trim().is_empty() || self.version.trim().is_empty() {
            return Err(invalid(origin, "id and version must not be empty".into()));
        }
        if !self.title.is_complete() {
            return Err(invalid(origin, "title needs both ja and en".into()));
        }
        for (id, reference) in &self.references {
            if !reference.document.is_complete() {
                return Err(invalid(
                    origin,
                    format!("reference {id:?}: document needs both ja and en"),
                ));
            }
        }
        for check in &self.checks {
            let at = |message: String| invalid(origin, format!("check {:?}: {message}", check.id));
            if check.id.trim().is_empty() {
                return Err(invalid(origin, "a check has an empty id".into()));
            }
            for (field, text) in [
                ("title", &check.title),
                ("explanation", &check.explanation),
                ("remedy", &check.remedy),
            ] {
                if !text.is_complete() {
                    return Err(at(format!("{field} needs both ja and en")));
                }
            }
            if check.refs.is_empty() {
                return Err(at("cites no reference (refs is empty)".into()));
            }
            for r in &check.refs {
                if !self.references.contains_key(r) {
                    return Err(at(format!("cites unknown reference {r:?}")));
                }
            }
            match &check.kind {
                CheckKind::ServiceExposed(rule) => {
                    if rule.services.is_empty() {
                        return Err(at("services is empty".into()));
                    }
                    if rule.ports.contains(&0) {
                        return Err(at("port 0 is not a port".into()));
                    }
                }
                CheckKind::TlsVersions(rule) => validate_versions(&rule.allowed).map_err(at)?,
                CheckKind::TlsCipherSuites(rule) => {
                    validate_versions(&rule.versions).map_err(at)?;
                    for name in rule.allowed.iter().flatten() {
                        if registry::by_name(name).is_none() {
                            return Err(at(format!("unknown cipher suite {name:?}")));
                        }
                    }
                    for property in &rule.forbidden_properties {
                        if !registry::property_names().contains(&property.as_str()) {
                            return Err(at(format!(
                                "unknown suite property {property:?} (known: {})",
                                registry::property_names().join(", ")
                            )));
                        }
                    }
                    if rule.allowed.is_none() && rule.forbidden_properties.is_empty() {
                        return Err(at("needs `allowed` or `forbidden_properties`".into()));
                    }
                }
                CheckKind::TlsCertificate(rule) => {
                    if let Some(bad) = rule
                        .forbidden_signature_hashes
                        .iter()
                        .find(|h| !matches!(h.as_str(), "md5" | "sha1"))
                    {
                        return Err(at(format!("unknown signature hash {bad:?} (md5 or sha1)")));
                    }
                    if *rule == TlsCertificate::default() {
                        return Err(at("sets no requirement".into()));
                    }
                }
                CheckKind::TlsOptions(rule) => {
                    if *rule == TlsOptionRule::default() {
                        return Err(at("sets no requirement".into()));
                    }
                }
                CheckKind::HttpsHsts(rule) => {
                    if rule.min_max_age == 0 {
                        return Err(at("min_max_age must be greater than 0".into()));
                    }
                }
                CheckKind::RdpSecurity(rule) => {
                    if *rule == RdpSecurityRule::default() {
                        return Err(at("sets no requirement".into()));
                    }
                    let unknown = rule
                        .forbidden_encryption_methods
                        .iter()
                        .find(|m| !RDP_ENCRYPTION_METHODS.contains(&m.as_str()))
                        .or_else(|| {
                            rule.forbidden_encryption_levels
                                .iter()
                                .find(|l| !RDP_ENCRYPTION_LEVELS.contains(&l.as_str()))
                        });
                    if let Some(bad) = unknown {
                        return Err(at(format!(
                            "unknown RDP encryption name {bad:?} (expected one of {}, {})",
                            RDP_ENCRYPTION_METHODS.join(", "),
                            RDP_ENCRYPTION_LEVELS.join(", ")
                        )));
                    }
                }
                CheckKind::WifiSecurity(rule) => {
                    if *rule == WifiSecurityRule::default() {
                        return Err(at("sets no requirement".into()));
                    }
                    let known = |c: &str| {
                        crate::wifi::SecurityClass::ALL
                            .iter()
                            .any(|k| k.name() == c && *k != crate::wifi::SecurityClass::Unknown)
                    };
                    if let Some(bad) = rule.forbidden_classes.iter().find(|c| !known(c)) {
                        return Err(at(format!("unknown Wi-Fi security mode {bad:?}")));
                    }
                    if let Some(pmf) = &rule.require_pmf {
                        if !matches!(pmf.as_str(), "capable" | "required") {
                            return Err(at(format!(
                                "require_pmf must be \"capable\" or \"required\", not {pmf:?}"
                            )));
                        }
                    }
                }
                CheckKind::ManagementInterface(rule) => {
                    if *rule == ManagementInterfaceRule::default() {
                        return Err(at("sets no requirement".into()));
                    }
                    if rule
                        .title_keywords
                        .iter()
                        .chain(&rule.server_keywords)
                        .any(|k| k.trim().is_empty())
                    {
                        return Err(at("empty keyword".into()));
                    }
                }
                CheckKind::SshSecurity(rule) => {
                    if *rule == SshSecurityRule::default() {
                        return Err(at("sets no requirement".into()));
                    }
                    if rule
                        .forbidden_kex
                        .iter()
                        .chain(&rule.forbidden_host_key_algorithms)
                        .chain(&rule.forbidden_ciphers)
                        .chain(&rule.forbidden_macs)
                        .any(|p| p.trim_matches('*').is_empty())
                    {
                        return Err(at("empty algorithm pattern".into()));
                    }
                }
                CheckKind::IkeAlgorithms(rule) => {
                    if *rule == IkeAlgorithmRule::default() {
                        return Err(at("sets no requirement".into()));
                    }
                }
                CheckKind::CertificateValidity(_)
                | CheckKind::ProtocolWeakness(_)
                | CheckKind::VpnPortalVulnerability(_) => {}
            }
        }
        Ok(())
    }
}

fn validate_versions(names: &[String]) -> Result<(), String> {
    match names.iter().find(|n| TlsVersion::from_name(n).is_none()) {
        Some(bad) => Err(format!(
            "unknown TLS version {bad:?} (expected SSLv2, SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3)"
        )),
        None => Ok(()),
    }
}

fn invalid(origin: &str, message: String) -> ProfileError {
    ProfileError::Invalid {
        origin: origin.to_string(),
        message,
    }
}

fn builtin_text(id: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, text)| *text)
}

pub fn builtin_ids() -> Vec<&'static str> {
    BUILTIN.iter().map(|(id, _)| *id).collect()
}

/// The text of a built-in profile, for `profiles show`.
pub fn builtin_source(id: &str) -> Option<&'static str> {
    builtin_text(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_loads() {
        for id in builtin_ids() {
            let profile = Profile::builtin(id).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(profile.id, id);
            assert!(!profile.checks.is_empty());
        }
    }

    const MINIMAL: &str = r#"
id = "t"
version = "1"
source = "test"
title = { ja = "テスト", en = "test" }

[[reference]]
id = "r1"
document = { ja = "文書", en = "document" }

[[check]]
id = "rdp"
kind = "service_exposed"
services = ["rdp"]
ports = [3389]
policy = "forbidden"
vantage = "outside"
severity = "high"
refs = ["r1"]
title = { ja = "RDP", en = "RDP" }
explanation = { ja = "説明", en = "why" }
remedy = { ja = "対策", en = "fix" }
"#;

    #[test]
    fn minimal_profile_loads() {
        let p = Profile::from_toml(MINIMAL, "t.toml").unwrap();
        assert_eq!(p.checks.len(), 1);
        assert_eq!(p.checks[0].vantage, VantageFilter::Outside);
        assert_eq!(p.checks[0].requirement, Requirement::Mandatory);
    }

    #[test]
    fn misspelled_check_field_is_rejected_with_its_line() {
        let text = MINIMAL.replace(
            "policy = \"forbidden\"",
            "policy = \"forbidden\"\nservice = [\"ssh\"]",
        );
        let err = Profile::from_toml(&text, "t.toml").unwrap_err().to_string();
        assert!(err.contains("t.toml"), "{err}");
        assert!(err.contains("line"), "{err}");
        assert!(err.contains("service"), "{err}");
    }

    #[test]
    fn misspelled_top_level_field_is_rejected() {
        let text = MINIMAL.replace("source = \"test\"", "sauce = \"test\"");
        assert!(Profile::from_toml(&text, "t.toml").is_err());
    }

    #[test]
    fn unknown_service_kind_and_severity_are_rejected() {
        let text = MINIMAL.replace("[\"rdp\"]", "[\"rdpx\"]");
        assert!(Profile::from_toml(&text, "t.toml").is_err());
        let text = MINIMAL.replace("severity = \"high\"", "severity = \"severe\"");
        assert!(Profile::from_toml(&text, "t.toml").is_err());
    }

    #[test]
    fn unknown_reference_and_missing_language_are_rejected() {
        let text = MINIMAL.replace("refs = [\"r1\"]", "refs = [\"r2\"]");
        let err = Profile::from_toml(&text, "t.toml").unwrap_err().to_string();
        assert!(err.contains("unknown reference \"r2\""), "{err}");
        let text = MINIMAL.replace(
            "remedy = { ja = \"対策\", en = \"fix\" }",
            "remedy = { ja = \"\", en = \"fix\" }",
        );
        let err = Profile::from_toml(&text, "t.toml").unwrap_err().to_string();
        assert!(err.contains("remedy needs both ja and en"), "{err}");
    }

    #[test]
    fn unknown_cipher_suite_version_and_property_are_rejected() {
        let tls_check = |body: &str| {
            format!(
                "{}\n[[check]]\nid = \"tls\"\nkind = \"tls_cipher_suites\"\n{body}\nseverity = \"high\"\nrefs = [\"r1\"]\ntitle = {{ ja = \"t\", en = \"t\" }}\nexplanation = {{ ja = \"e\", en = \"e\" }}\nremedy = {{ ja = \"r\", en = \"r\" }}\n",
                MINIMAL
            )
        };
        assert!(Profile::from_toml(
            &tls_check("allowed = [\"TLS_AES_128_GCM_SHA256\"]"),
            "t.toml"
        )
        .is_ok());
        for (body, message) in [
            ("allowed = [\"TLS_NO_SUCH_SUITE\"]", "unknown cipher suite"),
            (
                "versions = [\"TLSv1.4\"]\nforbidden_properties = [\"rc4\"]",
                "unknown TLS version",
            ),
            (
                "forbidden_properties = [\"weak\"]",
                "unknown suite property",
            ),
            (
                "versions = [\"TLSv1.2\"]",
                "needs `allowed` or `forbidden_properties`",
            ),
        ] {
            let err = Profile::from_toml(&tls_check(body), "t.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains(message), "{body}: {err}");
        }
    }

    #[test]
    fn https_hsts_needs_a_positive_minimum_and_no_unknown_keys() {
        let hsts_check = |body: &str| {
            format!(
                "{}\n[[check]]\nid = \"hsts\"\nkind = \"https_hsts\"\n{body}\nseverity = \"low\"\nrefs = [\"r1\"]\ntitle = {{ ja = \"t\", en = \"t\" }}\nexplanation = {{ ja = \"e\", en = \"e\" }}\nremedy = {{ ja = \"r\", en = \"r\" }}\n",
                MINIMAL
            )
        };
        let p = Profile::from_toml(&hsts_check("min_max_age = 15768000"), "t.toml").unwrap();
        assert_eq!(
            p.checks[1].kind,
            CheckKind::HttpsHsts(HttpsHsts {
                min_max_age: 15_768_000
            })
        );
        let err = Profile::from_toml(&hsts_check("min_max_age = 0"), "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("greater than 0"), "{err}");
        assert!(Profile::from_toml(&hsts_check(""), "t.toml").is_err());
        assert!(Profile::from_toml(&hsts_check("min_max_age = -1"), "t.toml").is_err());
        assert!(Profile::from_toml(&hsts_check("min_max_age = 1\nmax_age = 2"), "t.toml").is_err());
    }

    #[test]
    fn duplicate_check_ids_are_rejected() {
        let check = &MINIMAL[MINIMAL.find("[[check]]").unwrap()..];
        let text = format!("{MINIMAL}\n{check}");
        let err = Profile::from_toml(&text, "t.toml").unwrap_err().to_string();
        assert!(err.contains("defined twice"), "{err}");
    }

    #[test]
    fn extending_profile_overrides_checks_by_id() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.toml"), MINIMAL).unwrap();
        let child = r#"
id = "child"
version = "1"
source = "test"
title = { ja = "子", en = "child" }
extends = ["base.toml"]

[[check]]
id = "rdp"
kind = "service_exposed"
services = ["rdp"]
policy = "allowed"
severity = "info"
refs = ["r1"]
title = { ja = "RDP", en = "RDP" }
explanation = { ja = "説明", en = "why" }
remedy = { ja = "対策", en = "fix" }
"#;
        let path = dir.path().join("child.toml");
        std::fs::write(&path, child).unwrap();
        let p = Profile::from_file(&path).unwrap();
        assert_eq!(p.checks.len(), 1);
        assert_eq!(p.checks[0].severity, Severity::Info);
        assert!(p.references.contains_key("r1"));
    }

    #[test]
    fn self_extending_profile_is_refused_not_looped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop.toml");
        let text = MINIMAL.replace(
            "source = \"test\"",
            "source = \"test\"\nextends = [\"loop.toml\"]",
        );
        std::fs::write(&path, text).unwrap();
        let err = Profile::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
    }

    #[test]
    fn unknown_builtin_lists_the_available_ones() {
        let err = Profile::resolve("no-such-profile").unwrap_err().to_string();
        assert!(err.contains("mic-telework"), "{err}");
    }
}
