//! The 802.11 MAC header and the fixed fields of beacons and probe responses.
//!
//! ```text
//! MAC header (IEEE 802.11-2020 §9.3.3.2)   Frame Control u16 LE (protocol version bits 0–1, type bits 2–3,
//!                                          subtype bits 4–7, flags in the second octet; bit 15 = +HTC/Order),
//!                                          Duration u16, Address 1 (DA), Address 2 (SA), Address 3 (BSSID),
//!                                          Sequence Control u16, then HT Control (4 octets) when +HTC is set
//! Beacon body (§9.3.3.3)                   Timestamp u64 LE, Beacon Interval u16 LE (TUs), Capability
//!                                          Information u16 LE (§9.4.1.4: Privacy = bit 4, 0x0010), elements
//! Probe Response body (§9.3.3.10)          the same three fixed fields, then elements
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::wire::ShortRead;

/// Frame Control type field values (§9.2.4.1.3, Table 9-1).
const TYPE_MANAGEMENT: u8 = 0;
/// Management subtypes read here.
const SUBTYPE_PROBE_RESPONSE: u8 = 5;
const SUBTYPE_BEACON: u8 = 8;
/// Frame Control second octet, bit 7: +HTC (in QoS/management frames of HT stations) or Order.
const FLAG_HTC_ORDER: u8 = 0x80;
const MANAGEMENT_HEADER_LEN: usize = 24;
const HT_CONTROL_LEN: usize = 4;

/// Capability Information bit 4 (§9.4.1.4): the BSS requires confidentiality (WEP, WPA or RSN).
pub const CAPABILITY_PRIVACY: u16 = 0x0010;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("802.11 header truncated")]
    TruncatedHeader,
    #[error("802.11 protocol version {0} (0 expected)")]
    ProtocolVersion(u8),
    #[error("not a management frame (type {0})")]
    NotManagement(u8),
    #[error("management subtype {0} is neither beacon nor probe response")]
    OtherManagementSubtype(u8),
    #[error("beacon or probe response body shorter than its fixed fields")]
    TruncatedBody,
}

impl From<ShortRead> for FrameError {
    fn from(_: ShortRead) -> Self {
        FrameError::TruncatedBody
    }
}

type Reader<'a> = crate::wire::Reader<'a, FrameError>;

/// Which management frame it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagementKind {
    Beacon,
    ProbeResponse,
}

/// A beacon or probe response, its elements still raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagementFrame<'a> {
    pub kind: ManagementKind,
    /// Address 3.
    pub bssid: [u8; 6],
    /// Address 2: the transmitter (equal to the BSSID except for multiple-BSSID sets).
    pub source: [u8; 6],
    /// The TSF timer in microseconds.
    pub timestamp: u64,
    /// In time units of 1024 µs.
    pub beacon_interval: u16,
    pub capability: u16,
    pub elements: &'a [u8],
}

impl ManagementFrame<'_> {
    pub fn privacy(&self) -> bool {
        self.capability & CAPABILITY_PRIVACY != 0
    }
}

fn mac_address(bytes: &[u8]) -> [u8; 6] {
    let mut out = [0u8; 6];
    out.copy_from_slice(&bytes[..6]);
    out
}

/// Decodes a beacon or probe response (without FCS); any other frame is an error naming why.
pub fn parse_management_frame(mac: &[u8]) -> Result<ManagementFrame<'_>, FrameError> {
    let [fc0, fc1, ..] = *mac else {
        return Err(FrameError::TruncatedHeader);
    };
    let version = fc0 & 0x03;
    let frame_type = (fc0 >> 2) & 0x03;
    let subtype = fc0 >> 4;
    if version != 0 {
        return Err(FrameError::ProtocolVersion(version));
    }
    if frame_type != TYPE_MANAGEMENT {
        return Err(FrameError::NotManagement(frame_type));
    }
    let kind = match subtype {
        SUBTYPE_BEACON => ManagementKind::Beacon,
        SUBTYPE_PROBE_RESPONSE => ManagementKind::ProbeResponse,
        other => return Err(FrameError::OtherManagementSubtype(other)),
    };
    let header_len = if fc1 & FLAG_HTC_ORDER != 0 {
        MANAGEMENT_HEADER_LEN + HT_CONTROL_LEN
    } else {
        MANAGEMENT_HEADER_LEN
    };
    let mut r = Reader::new(mac);
    let header = r
        .take(header_len)
        .map_err(|_| FrameError::TruncatedHeader)?;
    let source = mac_address(&header[10..16]);
    let bssid = mac_address(&header[16..22]);
    let fixed = r.take(12)?;
    let timestamp = u64::from_le_bytes([
        fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5], fixed[6], fixed[7],
    ]);
    Ok(ManagementFrame {
        kind,
        bssid,
        source,
        timestamp,
        beacon_interval: u16::from_le_bytes([fixed[8], fixed[9]]),
        capability: u16::from_le_bytes([fixed[10], fixed[11]]),
        elements: r.rest(),
    })
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn format_mac(mac: [u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests;
