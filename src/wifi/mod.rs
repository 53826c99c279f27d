//! Wi-Fi survey from 802.11 captures: which access points were heard, and the facts of their
//! security configuration (encryption, key management, management frame protection, WPS).
//!
//! Design:
//!
//! - **Facts only.** This module says what the beacons and probe responses announce; it never
//!   judges them. Profiles turn [`AccessPoint`] facts into findings, as for every other probe.
//! - **Layers, each a pure decoder of borrowed bytes**: [`capture`] (pcap / pcapng container →
//!   records with a link type), [`radio`] (radiotap / Prism / PPI header and FCS → the 802.11
//!   frame), [`frame`] (MAC header and fixed fields of beacons and probe responses),
//!   [`elements`] (SSID, channel, country, RSN, WPA, WPS). All read through
//!   [`crate::wire::Reader`], so a length field can never read past its buffer, and none
//!   allocates from a length in the input.
//! - **One path for files and live capture.** [`read_capture`] and [`live::capture_live`] both
//!   feed frames into a [`Survey`] through [`Survey::add_frame`] (link type + frame bytes).
//! - **Nothing is dropped silently.** Every record or element that could not be used is counted
//!   under a [`SkipReason`] in [`CaptureSummary::skipped`]; a file whose header is unreadable is a
//!   [`CaptureError`].
//! - **One access point per (BSSID, SSID).** A hidden network's beacons (empty SSID) and the
//!   probe responses that name it are two entries with the same BSSID. Security facts come from
//!   the first frame heard for the pair; later frames add to the counts and the signal.
//!
//! The classification ([`SecurityClass`], [`Pmf`], [`WpsStatus`]) follows IEEE 802.11-2020
//! §9.4.2.24 (RSN element), the Wi-Fi Alliance WPA3 specification's AKM/PMF combinations, and
//! Wi-Fi Simple Configuration 2.0 attributes; see each type.

pub mod capture;
pub mod elements;
pub mod frame;
pub mod live;
pub mod radio;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use self::capture::{CaptureError, CaptureFormat};
use self::capture::{CaptureReader, RecordEvent};
use self::elements::{
    escape_bytes, parse_elements, AkmSuite, CipherSuite, Country, RsnInfo, WpaInfo, WpsInfo,
};
use self::frame::{format_mac, parse_management_frame, FrameError, ManagementKind};
use self::radio::{channel_of_frequency, split_radio_header, RadioError};

/// Distinct (BSSID, SSID) pairs kept; frames of further pairs are counted as skipped. Far above
/// any real survey, it bounds memory on hostile input and long live captures.
pub const MAX_ACCESS_POINTS: usize = 10_000;

/// Why a record, frame or element was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A record header ended with the file (the rest of the file was not read).
    TruncatedRecord,
    /// A record's length runs past the end of the file or its block.
    RecordBeyondFile,
    /// A pcapng block's length runs past the end of the file (reading stopped there).
    TruncatedBlock,
    /// A pcapng block length that is not a multiple of 4, too small, or not repeated at the end.
    BadBlock,
    /// A pcapng packet on an interface no Interface Description Block (or a broken one) defined.
    UnknownInterface,
    /// A link type that does not carry 802.11 (e.g. Ethernet).
    UnsupportedLinkType,
    /// A radiotap, Prism or PPI header that does not fit the frame.
    BadRadioHeader,
    /// The radio flagged a failed frame check sequence, or a declared FCS did not match.
    BadFcs,
    /// Shorter than an 802.11 header.
    Truncated80211Header,
    /// Protocol version other than 0 (e.g. 802.11ah PV1 frames).
    UnsupportedProtocolVersion,
    /// Control, data or extension frames (802.11ad DMG beacons are extension frames).
    NotManagementFrame,
    /// Management frames other than beacons and probe responses.
    OtherManagementSubtype,
    /// A beacon or probe response shorter than its fixed fields.
    TruncatedManagementBody,
    /// An element whose length runs past the frame or whose contents break its layout.
    MalformedElement,
    /// Frames of a (BSSID, SSID) pair beyond [`MAX_ACCESS_POINTS`].
    TooManyAccessPoints,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipCount {
    pub reason: SkipReason,
    pub count: u64,
}

/// The security mode an access point announces, from its Privacy bit, RSN element and WPA
/// element. Derived from facts kept beside it in [`AccessPoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityClass {
    /// Privacy = 0 and neither RSN nor WPA element.
    Open,
    /// RSN whose only AKM is OWE (18): Wi-Fi Enhanced Open.
    Owe,
    /// Privacy = 1 and neither RSN nor WPA element: only WEP can be meant. (When an element of
    /// the frame was malformed, an RSN or WPA element may have been lost with it: `unknown`.)
    Wep,
    /// A WPA (version 1) element without RSN: WPA1, whatever its ciphers.
    WpaTkip,
    /// RSN with PSK AKMs (2, 4, 6) only.
    Wpa2Psk,
    /// RSN with PSK and SAE AKMs together (WPA3-Personal transition mode).
    Wpa2Wpa3Transition,
    /// RSN with SAE AKMs (8, 9, 24, 25) only.
    Wpa3Sae,
    /// RSN with 802.1X AKMs that do not meet WPA3-Enterprise (below).
    Wpa2Enterprise,
    /// RSN with MFPR set, AKM 1 absent and at least one of 802.1X-SHA256 (5), Suite B (11),
    /// Suite B 192 (12) or FT-802.1X-SHA384 (13), all AKMs being 802.1X ones.
    Wpa3Enterprise,
    /// An RSN element and a WPA element together (WPA/WPA2 mixed mode).
    MixedWpaWpa2,
    /// RSN whose AKMs fit none of the above (broken element, only unnamed AKMs, or personal and
    /// enterprise AKMs mixed), or Privacy = 1 without RSN/WPA in a frame with a malformed element.
    Unknown,
}

/// Management frame protection (802.11w) as the RSN capabilities announce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pmf {
    /// MFPR = 1.
    Required,
    /// MFPC = 1, MFPR = 0.
    Capable,
    /// Neither bit, no RSN capabilities field, or no RSN element at all.
    Off,
}

/// Wi-Fi Protected Setup as announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WpsStatus {
    /// No WPS element.
    None,
    /// Wi-Fi Protected Setup State 1.
    NotConfigured,
    /// State 2 and AP Setup Locked absent or 0.
    Configured,
    /// State 2 and AP Setup Locked = 1.
    ConfiguredLocked,
    /// A WPS element without a state, or with a value other than 1 or 2.
    UnknownState,
}

impl SecurityClass {
    pub const ALL: &'static [SecurityClass] = &[
        SecurityClass::Open,
        SecurityClass::Owe,
        SecurityClass::Wep,
        SecurityClass::WpaTkip,
        SecurityClass::Wpa2Psk,
        SecurityClass::Wpa2Wpa3Transition,
        SecurityClass::Wpa3Sae,
        SecurityClass::Wpa2Enterprise,
        SecurityClass::Wpa3Enterprise,
        SecurityClass::MixedWpaWpa2,
        SecurityClass::Unknown,
    ];

    /// The mode as people name it, for reports.
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let ja = lang == crate::i18n::Lang::Ja;
        match self {
            SecurityClass::Open => {
                if ja {
                    "オープン(暗号化なし)"
                } else {
                    "open (no encryption)"
                }
            }
            SecurityClass::Owe => "Enhanced Open (OWE)",
            SecurityClass::Wep => "WEP",
            SecurityClass::WpaTkip => "WPA (TKIP)",
            SecurityClass::MixedWpaWpa2 => "WPA/WPA2",
            SecurityClass::Wpa2Psk => "WPA2-Personal",
            SecurityClass::Wpa2Wpa3Transition => "WPA2/WPA3-Personal",
            SecurityClass::Wpa3Sae => "WPA3-Personal (SAE)",
            SecurityClass::Wpa2Enterprise => "WPA2-Enterprise",
            SecurityClass::Wpa3Enterprise => "WPA3-Enterprise",
            SecurityClass::Unknown => {
                if ja {
                    "判別不能"
                } else {
                    "unknown"
                }
            }
        }
    }

    /// The snake_case name used in JSON and in profiles.
    pub fn name(self) -> &'static str {
        match self {
            SecurityClass::Open => "open",
            SecurityClass::Owe => "owe",
            SecurityClass::Wep => "wep",
            SecurityClass::WpaTkip => "wpa_tkip",
            SecurityClass::Wpa2Psk => "wpa2_psk",
            SecurityClass::Wpa2Wpa3Transition => "wpa2_wpa3_transition",
            SecurityClass::Wpa3Sae => "wpa3_sae",
            SecurityClass::Wpa2Enterprise => "wpa2_enterprise",
            SecurityClass::Wpa3Enterprise => "wpa3_enterprise",
            SecurityClass::MixedWpaWpa2 => "mixed_wpa_wpa2",
            SecurityClass::Unknown => "unknown",
        }
    }
}

impl Pmf {
    pub fn name(self) -> &'static str {
        match self {
            Pmf::Required => "required",
            Pmf::Capable => "capable",
            Pmf::Off => "off",
        }
    }
}

impl WpsStatus {
    pub fn name(self) -> &'static str {
        match self {
            WpsStatus::None => "none",
            WpsStatus::NotConfigured => "not_configured",
            WpsStatus::Configured => "configured",
            WpsStatus::ConfiguredLocked => "configured_locked",
            WpsStatus::UnknownState => "unknown_state",
        }
    }
}

/// A network name as sent: up to 32 arbitrary octets (§9.4.2.2), not necessarily text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssid {
    /// Printable form: the UTF-8 text, or printable ASCII with other bytes as `\xNN`.
    pub text: String,
    /// The text when the octets are valid UTF-8 (and not hidden).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utf8: Option<String>,
    /// The octets in lowercase hex.
    pub hex: String,
    pub length: usize,
    /// Empty, all zero octets, or no SSID element: the network does not announce its name.
    pub hidden: bool,
}

impl Ssid {
    pub fn from_bytes(bytes: &[u8]) -> Ssid {
        let hidden = bytes.iter().all(|&b| b == 0);
        Ssid {
            text: if hidden {
                String::new()
            } else {
                escape_bytes(bytes)
            },
            utf8: if hidden {
                None
            } else {
                std::str::from_utf8(bytes).ok().map(str::to_string)
            },
            hex: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            length: bytes.len(),
            hidden,
        }
    }
}

/// One access point: a (BSSID, SSID) pair heard in beacons or probe responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPoint {
    /// `aa:bb:cc:dd:ee:ff`.
    pub bssid: String,
    pub ssid: Ssid,
    /// From the DS Parameter Set element, else HT Operation's primary channel, else the radio
    /// header's frequency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<u8>,
    /// From the radio header (radiotap or PPI), when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_mhz: Option<u16>,
    /// Capability Information Privacy bit.
    pub privacy: bool,
    pub security: SecurityClass,
    /// RSN group cipher, else WPA's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_cipher: Option<CipherSuite>,
    /// Every pairwise cipher offered, RSN's then WPA's, without repeats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pairwise_ciphers: Vec<CipherSuite>,
    /// Every AKM offered, RSN's then WPA's, without repeats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub akm_suites: Vec<AkmSuite>,
    /// TKIP appears as a group or pairwise cipher of the RSN or WPA element.
    pub tkip_allowed: bool,
    pub pmf: Pmf,
    pub wps: WpsStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsn: Option<RsnInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wpa: Option<WpaInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wps_details: Option<WpsInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    pub beacons: u64,
    pub probe_responses: u64,
    /// The strongest antenna signal among this pair's frames, when the radio header had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strongest_signal_dbm: Option<i8>,
    /// Malformed elements over all of this pair's frames.
    pub malformed_elements: u64,
}

/// What one capture (file or live) showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureSummary {
    pub format: CaptureFormat,
    /// LINKTYPE_* values of the capture's interfaces, in order of appearance.
    pub link_types: Vec<u16>,
    /// Packet records read, used or not.
    pub records: u64,
    /// Beacons and probe responses decoded.
    pub management_frames: u64,
    /// Everything not used, by reason, in [`SkipReason`] order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkipCount>,
    /// Sorted by BSSID, then SSID octets.
    pub access_points: Vec<AccessPoint>,
}

impl CaptureSummary {
    /// How many times `reason` was counted (0 when never).
    pub fn skipped_count(&self, reason: SkipReason) -> u64 {
        self.skipped
            .iter()
            .find(|s| s.reason == reason)
            .map_or(0, |s| s.count)
    }
}

/// Everything one decoded beacon or probe response says, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameFacts {
    pub kind: ManagementKind,
    pub bssid: [u8; 6],
    /// `None` when the frame had no (valid) SSID element.
    pub ssid: Option<Vec<u8>>,
    pub privacy: bool,
    pub channel: Option<u8>,
    pub frequency_mhz: Option<u16>,
    pub signal_dbm: Option<i8>,
    pub country: Option<Country>,
    pub rsn: Option<RsnInfo>,
    pub wpa: Option<WpaInfo>,
    pub wps: Option<WpsInfo>,
    pub malformed_elements: u32,
}

impl From<RadioError> for SkipReason {
    fn from(error: RadioError) -> Self {
        match error {
            RadioError::UnsupportedLinkType(_) | RadioError::PpiNot80211(_) => {
                SkipReason::UnsupportedLinkType
            }
            RadioError::BadFcs => SkipReason::BadFcs,
            RadioError::Truncated
            | RadioError::BadRadiotapVersion(_)
            | RadioError::BadHeaderLength { .. } => SkipReason::BadRadioHeader,
        }
    }
}

impl From<FrameError> for SkipReason {
    fn from(error: FrameError) -> Self {
        match error {
            FrameError::TruncatedHeader => SkipReason::Truncated80211Header,
            FrameError::ProtocolVersion(_) => SkipReason::UnsupportedProtocolVersion,
            FrameError::NotManagement(_) => SkipReason::NotManagementFrame,
            FrameError::OtherManagementSubtype(_) => SkipReason::OtherManagementSubtype,
            FrameError::TruncatedBody => SkipReason::TruncatedManagementBody,
        }
    }
}

/// Decodes one captured frame of `link_type`: the frame-level entry shared by files and live
/// capture. Anything but a beacon or probe response is `Err` with the reason it was not used.
pub fn decode_frame(link_type: u16, frame: &[u8]) -> Result<FrameFacts, SkipReason> {
    let radio = split_radio_header(link_type, frame)?;
    let management = parse_management_frame(radio.mac)?;
    let elements = parse_elements(management.elements);
    let channel = elements
        .ds_channel
        .or(elements.ht_primary_channel)
        .or_else(|| radio.radio.frequency_mhz.and_then(channel_of_frequency));
    Ok(FrameFacts {
        kind: management.kind,
        bssid: management.bssid,
        ssid: elements.ssid.map(<[u8]>::to_vec),
        privacy: management.privacy(),
        channel,
        frequency_mhz: radio.radio.frequency_mhz,
        signal_dbm: radio.radio.signal_dbm,
        country: elements.country,
        rsn: elements.rsn,
        wpa: elements.wpa,
        wps: elements.wps,
        malformed_elements: elements.malformed,
    })
}

/// The security class of an access point (see [`SecurityClass`] for each rule).
pub fn classify(privacy: bool, rsn: Option<&RsnInfo>, wpa: Option<&WpaInfo>) -> SecurityClass {
    match (rsn, wpa) {
        (Some(_), Some(_)) => SecurityClass::MixedWpaWpa2,
        (None, Some(_)) => SecurityClass::WpaTkip,
        (None, None) if privacy => SecurityClass::Wep,
        (None, None) => SecurityClass::Open,
        (Some(rsn), None) => classify_rsn(rsn),
    }
}

fn classify_rsn(rsn: &RsnInfo) -> SecurityClass {
    use AkmSuite::*;
    let akms: Vec<AkmSuite> = match (&rsn.akm_suites, rsn.malformed) {
        (Some(list), _) => list.clone(),
        // §9.4.2.24.1: an absent AKM Suite list means 00-0F-AC:1. A broken element might have
        // lost it instead, so no default is assumed there.
        (None, false) => vec![Ieee8021x],
        (None, true) => return SecurityClass::Unknown,
    };
    let has = |set: &[AkmSuite]| akms.iter().any(|a| set.contains(a));
    let psk = has(&[Psk, FtPsk, PskSha256]);
    let sae = has(&[Sae, FtSae, SaeExtKey, FtSaeExtKey]);
    let enterprise_wpa3 = has(&[Ieee8021xSha256, SuiteB, SuiteB192, FtIeee8021xSha384]);
    let enterprise = enterprise_wpa3 || has(&[Ieee8021x, FtIeee8021x]);
    let owe = has(&[Owe]);
    match (owe, psk || sae, enterprise) {
        (true, false, false) => SecurityClass::Owe,
        (false, true, false) if psk && sae => SecurityClass::Wpa2Wpa3Transition,
        (false, true, false) if sae => SecurityClass::Wpa3Sae,
        (false, true, false) => SecurityClass::Wpa2Psk,
        (false, false, true) if rsn.mfpr && enterprise_wpa3 && !akms.contains(&Ieee8021x) => {
            SecurityClass::Wpa3Enterprise
        }
        (false, false, true) => SecurityClass::Wpa2Enterprise,
        _ => SecurityClass::Unknown,
    }
}

pub fn pmf_of(rsn: Option<&RsnInfo>) -> Pmf {
    match rsn {
        Some(rsn) if rsn.mfpr => Pmf::Required,
        Some(rsn) if rsn.mfpc => Pmf::Capable,
        _ => Pmf::Off,
    }
}

pub fn wps_status_of(wps: Option<&WpsInfo>) -> WpsStatus {
    match wps {
        None => WpsStatus::None,
        Some(wps) => match (wps.state, wps.ap_setup_locked) {
            (Some(1), _) => WpsStatus::NotConfigured,
            (Some(2), Some(true)) => WpsStatus::ConfiguredLocked,
            (Some(2), _) => WpsStatus::Configured,
            _ => WpsStatus::UnknownState,
        },
    }
}

fn push_unique<T: PartialEq + Copy>(out: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
}

impl AccessPoint {
    /// A new entry from the first frame heard for its (BSSID, SSID).
    pub fn from_frame(facts: &FrameFacts) -> AccessPoint {
        let rsn = facts.rsn.as_ref();
        let wpa = facts.wpa.as_ref();
        let mut pairwise_ciphers = Vec::new();
        let mut akm_suites = Vec::new();
        if let Some(rsn) = rsn {
            push_unique(
                &mut pairwise_ciphers,
                rsn.pairwise_ciphers.iter().flatten().copied(),
            );
            push_unique(&mut akm_suites, rsn.akm_suites.iter().flatten().copied());
        }
        if let Some(wpa) = wpa {
            push_unique(&mut pairwise_ciphers, wpa.pairwise_ciphers.iter().copied());
            push_unique(&mut akm_suites, wpa.akm_suites.iter().copied());
        }
        let group_ciphers = [
            rsn.and_then(|r| r.group_cipher),
            wpa.and_then(|w| w.group_cipher),
        ];
        let tkip_allowed = pairwise_ciphers.iter().any(|c| c.is_tkip())
            || group_ciphers.iter().flatten().any(|c| c.is_tkip());
        let mut security = classify(facts.privacy, rsn, wpa);
        if security == SecurityClass::Wep && facts.malformed_elements > 0 {
            security = SecurityClass::Unknown;
        }
        let mut ap = AccessPoint {
            bssid: format_mac(facts.bssid),
            ssid: Ssid::from_bytes(facts.ssid.as_deref().unwrap_or_default()),
            channel: facts.channel,
            frequency_mhz: facts.frequency_mhz,
            privacy: facts.privacy,
            security,
            group_cipher: group_ciphers.into_iter().flatten().next(),
            pairwise_ciphers,
            akm_suites,
            tkip_allowed,
            pmf: pmf_of(rsn),
            wps: wps_status_of(facts.wps.as_ref()),
            rsn: facts.rsn.clone(),
            wpa: facts.wpa.clone(),
            wps_details: facts.wps.clone(),
            country: facts.country.clone(),
            beacons: 0,
            probe_responses: 0,
            strongest_signal_dbm: None,
            malformed_elements: 0,
        };
        ap.count_frame(facts);
        ap
    }

    /// Adds a later frame of the same (BSSID, SSID): counts, signal, and facts missing so far.
    fn count_frame(&mut self, facts: &FrameFacts) {
        match facts.kind {
            ManagementKind::Beacon => self.beacons += 1,
            ManagementKind::ProbeResponse => self.probe_responses += 1,
        }
        self.strongest_signal_dbm = match (self.strongest_signal_dbm, facts.signal_dbm) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.channel = self.channel.or(facts.channel);
        self.frequency_mhz = self.frequency_mhz.or(facts.frequency_mhz);
        self.malformed_elements += u64::from(facts.malformed_elements);
    }
}

/// Collects frames into access points: the one aggregation path for files and live capture.
#[derive(Debug, Default)]
pub struct Survey {
    access_points: BTreeMap<([u8; 6], Vec<u8>), AccessPoint>,
    skipped: BTreeMap<SkipReason, u64>,
    records: u64,
    management_frames: u64,
}

impl Survey {
    pub fn new() -> Survey {
        Survey::default()
    }

    /// Counts a record that could not be used.
    pub fn skip(&mut self, reason: SkipReason) {
        self.records += 1;
        self.count_skip(reason, 1);
    }

    fn count_skip(&mut self, reason: SkipReason, count: u64) {
        if count > 0 {
            *self.skipped.entry(reason).or_default() += count;
        }
    }

    /// The frame-level entry: one captured frame of `link_type` (a LINKTYPE_* value).
    pub fn add_frame(&mut self, link_type: u16, frame: &[u8]) {
        self.records += 1;
        let facts = match decode_frame(link_type, frame) {
            Ok(facts) => facts,
            Err(reason) => {
                self.count_skip(reason, 1);
                return;
            }
        };
        self.management_frames += 1;
        self.count_skip(
            SkipReason::MalformedElement,
            u64::from(facts.malformed_elements),
        );
        let key = (facts.bssid, facts.ssid.clone().unwrap_or_default());
        if let Some(ap) = self.access_points.get_mut(&key) {
            ap.count_frame(&facts);
        } else if self.access_points.len() < MAX_ACCESS_POINTS {
            self.access_points
                .insert(key, AccessPoint::from_frame(&facts));
        } else {
            self.count_skip(SkipReason::TooManyAccessPoints, 1);
        }
    }

    pub fn frames_seen(&self) -> u64 {
        self.records
    }

    pub fn finish(self, format: CaptureFormat, link_types: Vec<u16>) -> CaptureSummary {
        CaptureSummary {
            format,
            link_types,
            records: self.records,
            management_frames: self.management_frames,
            skipped: self
                .skipped
                .into_iter()
                .map(|(reason, count)| SkipCount { reason, count })
                .collect(),
            access_points: self.access_points.into_values().collect(),
        }
    }
}

/// Reads a pcap or pcapng capture held in memory and surveys its beacons and probe responses.
pub fn read_capture(bytes: &[u8]) -> Result<CaptureSummary, CaptureError> {
    let mut reader = CaptureReader::new(bytes)?;
    let mut survey = Survey::new();
    for event in reader.by_ref() {
        match event {
            RecordEvent::Packet(record) => survey.add_frame(record.link_type, record.data),
            RecordEvent::Skipped(reason) => survey.skip(reason),
        }
    }
    Ok(survey.finish(reader.format(), reader.link_types().to_vec()))
}

#[cfg(test)]
mod tests;
