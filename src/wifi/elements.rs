//! Tagged elements of beacon and probe response bodies (IEEE 802.11-2020 §9.4.2): an element ID
//! byte, a length byte, then that many bytes.
//!
//! Read here: SSID (0, §9.4.2.2), DS Parameter Set (3, §9.4.2.4), Country (7, §9.4.2.8), RSN
//! (48, §9.4.2.24), HT Operation (61, §9.4.2.56, primary channel only) and vendor-specific (221,
//! §9.4.2.25) elements carrying Wi-Fi Alliance WPA (00-50-F2 type 1) or Wi-Fi Protected Setup
//! (00-50-F2 type 4) data. An element whose length runs past the frame, or whose inside breaks its
//! own layout, is counted in [`Elements::malformed`]; what was read before the break is kept.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::wire::ShortRead;

const ELEMENT_SSID: u8 = 0;
const ELEMENT_DS_PARAMETER_SET: u8 = 3;
const ELEMENT_COUNTRY: u8 = 7;
const ELEMENT_RSN: u8 = 48;
const ELEMENT_HT_OPERATION: u8 = 61;
const ELEMENT_VENDOR_SPECIFIC: u8 = 221;

/// §9.4.2.2: an SSID is 0 to 32 octets.
pub const MAX_SSID_LEN: usize = 32;

/// The IEEE 802.11 OUI of RSN suite selectors (§9.4.2.24.2, Table 9-149).
pub const OUI_IEEE80211: [u8; 3] = [0x00, 0x0f, 0xac];
/// Microsoft's OUI, under which the Wi-Fi Alliance defined WPA (type 1) and WPS (type 4).
pub const OUI_MICROSOFT: [u8; 3] = [0x00, 0x50, 0xf2];
const VENDOR_TYPE_WPA: u8 = 1;
const VENDOR_TYPE_WPS: u8 = 4;

/// RSN Capabilities bits (§9.4.2.24.4, Figure 9-333).
pub const RSN_CAPABILITY_MFPR: u16 = 1 << 6;
pub const RSN_CAPABILITY_MFPC: u16 = 1 << 7;

/// Wi-Fi Simple Configuration attribute types (WSC Technical Specification 2.0.x, §12).
const WPS_VERSION: u16 = 0x104A;
const WPS_STATE: u16 = 0x1044;
const WPS_AP_SETUP_LOCKED: u16 = 0x1057;
const WPS_DEVICE_NAME: u16 = 0x1011;
const WPS_MODEL_NAME: u16 = 0x1023;
const WPS_MANUFACTURER: u16 = 0x1021;
const WPS_VENDOR_EXTENSION: u16 = 0x1049;
/// The Wi-Fi Alliance vendor ID inside a WPS Vendor Extension, and its Version2 subelement.
const WFA_VENDOR_ID: [u8; 3] = [0x00, 0x37, 0x2a];
const WFA_SUBELEMENT_VERSION2: u8 = 0x00;

/// An element's inside broke its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

impl From<ShortRead> for Malformed {
    fn from(_: ShortRead) -> Self {
        Malformed
    }
}

type Reader<'a> = crate::wire::Reader<'a, Malformed>;

/// Formats a suite selector that has no name: `00-0f-ac:14`.
fn selector_text(oui: [u8; 3], suite_type: u8) -> String {
    format!("{:02x}-{:02x}-{:02x}:{suite_type}", oui[0], oui[1], oui[2])
}

/// Parses `00-0f-ac:14` back.
fn parse_selector_text(text: &str) -> Option<([u8; 3], u8)> {
    let (oui, suite_type) = text.split_once(':')?;
    let mut parts = oui.split('-').map(|p| u8::from_str_radix(p, 16));
    let oui = [
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    ];
    if parts.next().is_some() {
        return None;
    }
    Some((oui, suite_type.parse().ok()?))
}

/// Which standard defined a suite selector: RSN (00-0F-AC) or WPA (00-50-F2), whose cipher and
/// AKM numbers 1–5 and 1–2 mean the same as RSN's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorFamily {
    Rsn,
    Wpa,
}

impl SelectorFamily {
    fn oui(self) -> [u8; 3] {
        match self {
            SelectorFamily::Rsn => OUI_IEEE80211,
            SelectorFamily::Wpa => OUI_MICROSOFT,
        }
    }
}

macro_rules! suite_enum {
    (
        $(#[$meta:meta])*
        $name:ident, wpa_max = $wpa_max:expr, {
            $( $(#[$vmeta:meta])* $variant:ident = $number:expr, $text:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A selector without a name here: its OUI and suite type, written `00-0f-ac:14`.
            Other { oui: [u8; 3], suite_type: u8 },
        }

        impl $name {
            /// The suite of selector `oui`:`suite_type` inside an element of `family`.
            pub fn from_selector(family: SelectorFamily, oui: [u8; 3], suite_type: u8) -> Self {
                if oui == family.oui() && (family == SelectorFamily::Rsn || suite_type <= $wpa_max) {
                    match suite_type {
                        $( $number => return $name::$variant, )*
                        _ => {}
                    }
                }
                $name::Other { oui, suite_type }
            }

            /// The suite type number (the selector's last octet).
            pub fn suite_type(self) -> u8 {
                match self {
                    $( $name::$variant => $number, )*
                    $name::Other { suite_type, .. } => suite_type,
                }
            }

            pub fn name(self) -> String {
                match self {
                    $( $name::$variant => $text.to_string(), )*
                    $name::Other { oui, suite_type } => selector_text(oui, suite_type),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.name())
            }
        }

        impl From<$name> for String {
            fn from(suite: $name) -> String {
                suite.name()
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $( $text => Ok($name::$variant), )*
                    other => parse_selector_text(other)
                        .map(|(oui, suite_type)| $name::Other { oui, suite_type })
                        .ok_or_else(|| format!("unknown suite {other:?}")),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<Self, String> {
                text.parse()
            }
        }
    };
}

suite_enum! {
    /// Cipher suite selectors (IEEE 802.11-2020 Table 9-149; WPA: 00-50-F2 types 0–5).
    CipherSuite, wpa_max = 5, {
        /// 0: "use group cipher suite" (pairwise only).
        UseGroup = 0, "use_group";
        Wep40 = 1, "wep_40";
        Tkip = 2, "tkip";
        Ccmp128 = 4, "ccmp_128";
        Wep104 = 5, "wep_104";
        BipCmac128 = 6, "bip_cmac_128";
        /// 7: group addressed traffic not allowed.
        GroupNotAllowed = 7, "group_not_allowed";
        Gcmp128 = 8, "gcmp_128";
        Gcmp256 = 9, "gcmp_256";
        Ccmp256 = 10, "ccmp_256";
        BipGmac128 = 11, "bip_gmac_128";
        BipGmac256 = 12, "bip_gmac_256";
        BipCmac256 = 13, "bip_cmac_256";
    }
}

suite_enum! {
    /// AKM suite selectors (IEEE 802.11-2020 Table 9-151 and 802.11az/be additions; WPA:
    /// 00-50-F2 types 1–2). Those without a name here keep their number.
    AkmSuite, wpa_max = 2, {
        Ieee8021x = 1, "ieee8021x";
        Psk = 2, "psk";
        FtIeee8021x = 3, "ft_ieee8021x";
        FtPsk = 4, "ft_psk";
        Ieee8021xSha256 = 5, "ieee8021x_sha256";
        PskSha256 = 6, "psk_sha256";
        Sae = 8, "sae";
        FtSae = 9, "ft_sae";
        /// 11: 802.1X Suite B with SHA-256.
        SuiteB = 11, "suite_b";
        /// 12: 802.1X Suite B with SHA-384 (WPA3-Enterprise 192-bit mode).
        SuiteB192 = 12, "suite_b_192";
        FtIeee8021xSha384 = 13, "ft_ieee8021x_sha384";
        Owe = 18, "owe";
        SaeExtKey = 24, "sae_ext_key";
        FtSaeExtKey = 25, "ft_sae_ext_key";
    }
}

impl CipherSuite {
    pub fn is_tkip(self) -> bool {
        self == CipherSuite::Tkip
    }
}

/// The RSN element (§9.4.2.24.1). Fields after the version are optional from the end; an absent
/// field is `None` or empty here (the standard's defaults are applied by the classifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RsnInfo {
    pub version: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_cipher: Option<CipherSuite>,
    /// `None` when the Pairwise Cipher Suite Count field is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairwise_ciphers: Option<Vec<CipherSuite>>,
    /// `None` when the AKM Suite Count field is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub akm_suites: Option<Vec<AkmSuite>>,
    /// The RSN Capabilities field as sent (§9.4.2.24.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<u16>,
    /// Management Frame Protection Required (capabilities bit 6).
    pub mfpr: bool,
    /// Management Frame Protection Capable (capabilities bit 7).
    pub mfpc: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmkid_count: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_management_cipher: Option<CipherSuite>,
    /// The element ended inside a field (or had an unknown version); the fields above are what
    /// came before the break.
    pub malformed: bool,
}

/// The Wi-Fi Alliance WPA element (vendor-specific, 00-50-F2 type 1): version u16 LE, multicast
/// (group) cipher, unicast (pairwise) cipher list, AKM list; the same layout as RSN's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WpaInfo {
    pub version: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_cipher: Option<CipherSuite>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pairwise_ciphers: Vec<CipherSuite>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub akm_suites: Vec<AkmSuite>,
    pub malformed: bool,
}

/// Wi-Fi Protected Setup attributes from the WPS element (vendor-specific 00-50-F2 type 4; its
/// body is a list of big-endian type u16, length u16, value attributes, possibly split over
/// several elements).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WpsInfo {
    /// Version (0x104A): 0x10 for 1.0 (WPS 2.x devices still send 0x10 and add Version2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// Version2 from the Wi-Fi Alliance vendor extension (0x1049), e.g. 0x20 for 2.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version2: Option<u8>,
    /// Wi-Fi Protected Setup State (0x1044): 1 not configured, 2 configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<u8>,
    /// AP Setup Locked (0x1057): the AP refuses external registrars (PIN attempts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ap_setup_locked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    pub malformed: bool,
}

/// The Country element's country string (§9.4.2.8): two ISO 3166-1 letters and an environment
/// octet (`' '` any, `'O'` outdoor, `'I'` indoor, `'X'` non-country, 0x04 Table E-4 classes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// The two code octets, escaped like an SSID when they are not printable ASCII.
    pub code: String,
    pub environment: u8,
}

/// What a frame's elements said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Elements<'a> {
    /// The SSID element's bytes; `None` when the frame had none (or a broken one).
    pub ssid: Option<&'a [u8]>,
    pub ds_channel: Option<u8>,
    pub ht_primary_channel: Option<u8>,
    pub country: Option<Country>,
    pub rsn: Option<RsnInfo>,
    pub wpa: Option<WpaInfo>,
    pub wps: Option<WpsInfo>,
    /// Elements whose length or inside was wrong.
    pub malformed: u32,
}

/// Reads every element of a beacon or probe response body (after the fixed fields). The first
/// element of each kind counts; repeats are ignored, except WPS, whose parts are joined.
pub fn parse_elements(bytes: &[u8]) -> Elements<'_> {
    let mut out = Elements::default();
    let mut r = Reader::new(bytes);
    let mut wps_body: Option<Vec<u8>> = None;
    while !r.is_empty() {
        let Ok(header) = r.take(2) else {
            out.malformed += 1;
            break;
        };
        let (id, len) = (header[0], usize::from(header[1]));
        let Ok(body) = r.take(len) else {
            // Nothing after an overlong element can be trusted to start an element.
            out.malformed += 1;
            break;
        };
        let ok = match id {
            ELEMENT_SSID => {
                let fits = body.len() <= MAX_SSID_LEN;
                if fits && out.ssid.is_none() {
                    out.ssid = Some(body);
                }
                fits
            }
            ELEMENT_DS_PARAMETER_SET => match body {
                [channel] => {
                    out.ds_channel.get_or_insert(*channel);
                    true
                }
                _ => false,
            },
            ELEMENT_COUNTRY => match body {
                [a, b, environment, ..] => {
                    out.country.get_or_insert(Country {
                        code: escape_bytes(&[*a, *b]),
                        environment: *environment,
                    });
                    true
                }
                _ => false,
            },
            ELEMENT_HT_OPERATION => match body.first() {
                Some(channel) => {
                    out.ht_primary_channel.get_or_insert(*channel);
                    true
                }
                None => false,
            },
            ELEMENT_RSN => {
                let rsn = parse_rsn(body);
                let ok = !rsn.malformed;
                out.rsn.get_or_insert(rsn);
                ok
            }
            ELEMENT_VENDOR_SPECIFIC => match body {
                [0x00, 0x50, 0xf2, VENDOR_TYPE_WPA, rest @ ..] => {
                    let wpa = parse_wpa(rest);
                    let ok = !wpa.malformed;
                    out.wpa.get_or_insert(wpa);
                    ok
                }
                [0x00, 0x50, 0xf2, VENDOR_TYPE_WPS, rest @ ..] => {
                    wps_body
                        .get_or_insert_with(Vec::new)
                        .extend_from_slice(rest);
                    true
                }
                _ => body.len() >= 3,
            },
            _ => true,
        };
        if !ok {
            out.malformed += 1;
        }
    }
    if let Some(body) = wps_body {
        let wps = parse_wps(&body);
        if wps.malformed {
            out.malformed += 1;
        }
        out.wps = Some(wps);
    }
    out
}

fn selector(r: &mut Reader<'_>) -> Result<([u8; 3], u8), Malformed> {
    let b = r.take(4)?;
    Ok(([b[0], b[1], b[2]], b[3]))
}

fn cipher(r: &mut Reader<'_>, family: SelectorFamily) -> Result<CipherSuite, Malformed> {
    let (oui, suite_type) = selector(r)?;
    Ok(CipherSuite::from_selector(family, oui, suite_type))
}

fn akm(r: &mut Reader<'_>, family: SelectorFamily) -> Result<AkmSuite, Malformed> {
    let (oui, suite_type) = selector(r)?;
    Ok(AkmSuite::from_selector(family, oui, suite_type))
}

/// A count (u16 LE) and that many 4-octet selectors; the element's own length bounds the list.
fn suite_list<T>(
    r: &mut Reader<'_>,
    family: SelectorFamily,
    read: fn(&mut Reader<'_>, SelectorFamily) -> Result<T, Malformed>,
    out: &mut Vec<T>,
) -> Result<(), Malformed> {
    let count = r.u16_le()?;
    for _ in 0..count {
        out.push(read(r, family)?);
    }
    Ok(())
}

/// RSN element body (§9.4.2.24.1): version, group data cipher, pairwise list, AKM list, RSN
/// capabilities, PMKID list, group management cipher; each optional from the end.
pub fn parse_rsn(body: &[u8]) -> RsnInfo {
    let mut rsn = RsnInfo {
        version: 0,
        group_cipher: None,
        pairwise_ciphers: None,
        akm_suites: None,
        capabilities: None,
        mfpr: false,
        mfpc: false,
        pmkid_count: None,
        group_management_cipher: None,
        malformed: false,
    };
    let mut r = Reader::new(body);
    let family = SelectorFamily::Rsn;
    let result = (|| -> Result<(), Malformed> {
        rsn.version = r.u16_le()?;
        if rsn.version != 1 {
            // Only version 1 is defined; nothing after it can be read with confidence.
            return Err(Malformed);
        }
        if r.is_empty() {
            return Ok(());
        }
        rsn.group_cipher = Some(cipher(&mut r, family)?);
        if r.is_empty() {
            return Ok(());
        }
        suite_list(
            &mut r,
            family,
            cipher,
            rsn.pairwise_ciphers.get_or_insert_with(Vec::new),
        )?;
        if r.is_empty() {
            return Ok(());
        }
        suite_list(
            &mut r,
            family,
            akm,
            rsn.akm_suites.get_or_insert_with(Vec::new),
        )?;
        if r.is_empty() {
            return Ok(());
        }
        let capabilities = r.u16_le()?;
        rsn.capabilities = Some(capabilities);
        rsn.mfpr = capabilities & RSN_CAPABILITY_MFPR != 0;
        rsn.mfpc = capabilities & RSN_CAPABILITY_MFPC != 0;
        if r.is_empty() {
            return Ok(());
        }
        let pmkids = r.u16_le()?;
        rsn.pmkid_count = Some(pmkids);
        r.take(usize::from(pmkids) * 16)?;
        if r.is_empty() {
            return Ok(());
        }
        rsn.group_management_cipher = Some(cipher(&mut r, family)?);
        Ok(())
    })();
    rsn.malformed = result.is_err();
    rsn
}

/// WPA element body after OUI and type: version u16 LE (1), multicast cipher, unicast list, AKM
/// list, each optional from the end like RSN's.
pub fn parse_wpa(body: &[u8]) -> WpaInfo {
    let mut wpa = WpaInfo {
        version: 0,
        group_cipher: None,
        pairwise_ciphers: Vec::new(),
        akm_suites: Vec::new(),
        malformed: false,
    };
    let mut r = Reader::new(body);
    let family = SelectorFamily::Wpa;
    let result = (|| -> Result<(), Malformed> {
        wpa.version = r.u16_le()?;
        if wpa.version != 1 {
            return Err(Malformed);
        }
        if r.is_empty() {
            return Ok(());
        }
        wpa.group_cipher = Some(cipher(&mut r, family)?);
        if r.is_empty() {
            return Ok(());
        }
        suite_list(&mut r, family, cipher, &mut wpa.pairwise_ciphers)?;
        if r.is_empty() {
            return Ok(());
        }
        suite_list(&mut r, family, akm, &mut wpa.akm_suites)?;
        // WPA capabilities may follow; nothing here needs them.
        Ok(())
    })();
    wpa.malformed = result.is_err();
    wpa
}

/// WPS attributes (big-endian type u16, length u16, value), joined from every WPS element of
/// the frame.
pub fn parse_wps(body: &[u8]) -> WpsInfo {
    let mut wps = WpsInfo::default();
    let mut r = Reader::new(body);
    let result = (|| -> Result<(), Malformed> {
        while !r.is_empty() {
            let attribute = r.u16_be()?;
            let len = usize::from(r.u16_be()?);
            let value = r.take(len)?;
            let first = value.first().copied();
            match attribute {
                WPS_VERSION => wps.version = first,
                WPS_STATE => wps.state = first,
                WPS_AP_SETUP_LOCKED => wps.ap_setup_locked = first.map(|v| v != 0),
                WPS_DEVICE_NAME => wps.device_name = Some(escape_bytes(value)),
                WPS_MODEL_NAME => wps.model_name = Some(escape_bytes(value)),
                WPS_MANUFACTURER => wps.manufacturer = Some(escape_bytes(value)),
                WPS_VENDOR_EXTENSION => {
                    if let Some(version2) = wfa_version2(value) {
                        wps.version2 = Some(version2);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    })();
    wps.malformed = result.is_err();
    wps
}

/// Version2 inside a Vendor Extension attribute: vendor ID 00-37-2A, then subelements of ID u8,
/// length u8, value (WSC 2.0 §12, "Version2").
fn wfa_version2(value: &[u8]) -> Option<u8> {
    let rest = value.strip_prefix(&WFA_VENDOR_ID)?;
    let mut r = Reader::new(rest);
    while !r.is_empty() {
        let id = r.u8().ok()?;
        let mut sub = r.vec8().ok()?;
        if id == WFA_SUBELEMENT_VERSION2 {
            return sub.u8().ok();
        }
    }
    None
}

/// Bytes from the air as text that cannot mislead a reader or a terminal: valid UTF-8 without
/// control characters is kept as is (backslash doubled), anything else byte by byte, printable
/// ASCII kept and other bytes as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            for c in text.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => {
                        for byte in c.to_string().bytes() {
                            out.push_str(&format!("\\x{byte:02x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
        }
        Err(_) => {
            for &byte in bytes {
                match byte {
                    b'\\' => out.push_str("\\\\"),
                    0x20..=0x7e => out.push(char::from(byte)),
                    _ => out.push_str(&format!("\\x{byte:02x}")),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
