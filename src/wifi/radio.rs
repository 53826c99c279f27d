//! Radio headers in front of an 802.11 frame, by link type, and the frame check sequence at its
//! end.
//!
//! ```text
//! 105 LINKTYPE_IEEE802_11           no header; an FCS may or may not follow (detected by its CRC-32)
//! 119 LINKTYPE_IEEE802_11_PRISM     fixed 144-byte Prism monitor header (msgcode, msglen, devname[16], 10 items of 12 bytes)
//! 127 LINKTYPE_IEEE802_11_RADIOTAP  radiotap (radiotap.org): version u8 = 0, pad u8, it_len u16 LE, it_present u32 LE
//!                                   words (bit 31 = another word follows), then fields in bit order, each aligned
//!                                   to its natural size counted from the start of the header
//! 192 LINKTYPE_PPI                  PPI (CACE PPI spec 1.0): version u8, flags u8, length u16 LE, dlt u32 LE, then
//!                                   fields (type u16 LE, length u16 LE, data); field 2 = 802.11-Common
//! ```
//!
//! Only what the Wi-Fi survey uses is read: whether an FCS is at the end, the channel frequency
//! and the antenna signal in dBm.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::wire::ShortRead;

pub const LINKTYPE_ETHERNET: u16 = 1;
pub const LINKTYPE_IEEE802_11: u16 = 105;
pub const LINKTYPE_IEEE802_11_PRISM: u16 = 119;
pub const LINKTYPE_IEEE802_11_RADIOTAP: u16 = 127;
pub const LINKTYPE_PPI: u16 = 192;

/// Prism monitor header length (linux-wlan-ng `p80211msg_lnxind_wlansniffrm`).
pub const PRISM_HEADER_LEN: usize = 144;
/// The FCS is a CRC-32 (IEEE 802.11-2020 §9.2.4.8), stored little-endian at the frame's end.
pub const FCS_LEN: usize = 4;
/// The shortest 802.11 frame that could carry an FCS worth checking: an ACK (10 bytes) + FCS.
const MIN_FRAME_WITH_FCS: usize = 14;

/// radiotap `Flags` field bits (radiotap.org/fields/Flags).
const RADIOTAP_FLAG_FCS_AT_END: u8 = 0x10;
const RADIOTAP_FLAG_BAD_FCS: u8 = 0x40;
/// radiotap presence bits used here and the fields before them.
const RADIOTAP_TSFT: u32 = 0;
const RADIOTAP_FLAGS: u32 = 1;
const RADIOTAP_RATE: u32 = 2;
const RADIOTAP_CHANNEL: u32 = 3;
const RADIOTAP_FHSS: u32 = 4;
const RADIOTAP_ANTENNA_SIGNAL_DBM: u32 = 5;
const RADIOTAP_EXT: u32 = 31;
/// (alignment, size) of the radiotap fields for bits 0..=5, in bit order.
const RADIOTAP_LAYOUT: [(usize, usize); 6] = [(8, 8), (1, 1), (1, 1), (2, 4), (1, 2), (1, 1)];

/// PPI field type 2: 802.11-Common (tsft u64, flags u16, rate u16, frequency u16, channel flags
/// u16, fhss hopset u8, fhss pattern u8, dBm signal i8, dBm noise i8).
const PPI_FIELD_80211_COMMON: u16 = 2;
const PPI_COMMON_FLAG_FCS: u16 = 0x0001;
const PPI_COMMON_FLAG_BAD_FCS: u16 = 0x0004;

/// Why a frame's radio header could not be taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RadioError {
    #[error("link type {0} does not carry 802.11 frames")]
    UnsupportedLinkType(u16),
    #[error("radio header truncated")]
    Truncated,
    #[error("radiotap version {0} (0 expected)")]
    BadRadiotapVersion(u8),
    #[error("radio header length {length} does not fit a {frame_len}-byte frame")]
    BadHeaderLength { length: usize, frame_len: usize },
    #[error("PPI carries link type {0}, not 802.11")]
    PpiNot80211(u32),
    #[error("the radio marked the frame check sequence as failed, or it does not match")]
    BadFcs,
}

impl From<ShortRead> for RadioError {
    fn from(_: ShortRead) -> Self {
        RadioError::Truncated
    }
}

type Reader<'a> = crate::wire::Reader<'a, RadioError>;

/// Whether the captured frame ended in an FCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fcs {
    /// No FCS in the capture.
    Absent,
    /// An FCS was present, matched the frame, and was cut off.
    Stripped,
}

/// What the radio header said about the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RadioInfo {
    pub frequency_mhz: Option<u16>,
    pub signal_dbm: Option<i8>,
}

/// The 802.11 frame (FCS removed) and what came with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RadioFrame<'a> {
    pub mac: &'a [u8],
    pub radio: RadioInfo,
    pub fcs: Fcs,
}

/// Takes the radio header off a frame captured with `link_type`.
pub fn split_radio_header(link_type: u16, frame: &[u8]) -> Result<RadioFrame<'_>, RadioError> {
    match link_type {
        LINKTYPE_IEEE802_11 => Ok(detect_fcs(frame, RadioInfo::default())),
        LINKTYPE_IEEE802_11_PRISM => {
            let mac = frame.get(PRISM_HEADER_LEN..).ok_or(RadioError::Truncated)?;
            Ok(detect_fcs(mac, RadioInfo::default()))
        }
        LINKTYPE_IEEE802_11_RADIOTAP => radiotap(frame),
        LINKTYPE_PPI => ppi(frame),
        other => Err(RadioError::UnsupportedLinkType(other)),
    }
}

/// Headers that do not say whether an FCS follows: a trailing FCS is recognised by matching the
/// CRC-32 of everything before it (a false match needs a 1-in-2^32 coincidence).
fn detect_fcs(frame: &[u8], radio: RadioInfo) -> RadioFrame<'_> {
    if frame.len() >= MIN_FRAME_WITH_FCS {
        let (mac, fcs) = frame.split_at(frame.len() - FCS_LEN);
        if fcs_matches(mac, fcs) {
            return RadioFrame {
                mac,
                radio,
                fcs: Fcs::Stripped,
            };
        }
    }
    RadioFrame {
        mac: frame,
        radio,
        fcs: Fcs::Absent,
    }
}

/// Headers that say an FCS follows: it must be there and match.
fn strip_declared_fcs(frame: &[u8], radio: RadioInfo) -> Result<RadioFrame<'_>, RadioError> {
    if frame.len() < FCS_LEN {
        return Err(RadioError::Truncated);
    }
    let (mac, fcs) = frame.split_at(frame.len() - FCS_LEN);
    if !fcs_matches(mac, fcs) {
        return Err(RadioError::BadFcs);
    }
    Ok(RadioFrame {
        mac,
        radio,
        fcs: Fcs::Stripped,
    })
}

fn fcs_matches(mac: &[u8], fcs: &[u8]) -> bool {
    crc32(mac).to_le_bytes() == fcs
}

fn radiotap(frame: &[u8]) -> Result<RadioFrame<'_>, RadioError> {
    let mut r = Reader::new(frame);
    let version = r.u8()?;
    if version != 0 {
        return Err(RadioError::BadRadiotapVersion(version));
    }
    r.u8()?; // pad
    let it_len = usize::from(r.u16_le()?);
    if it_len < 8 || it_len > frame.len() {
        return Err(RadioError::BadHeaderLength {
            length: it_len,
            frame_len: frame.len(),
        });
    }
    let (header, mac) = frame.split_at(it_len);
    let mut h = Reader::new(header);
    h.take(4)?;
    let present = h.u32_le()?;
    let mut word = present;
    // Further presence words (vendor and radiotap namespaces) only move the start of the data;
    // the fields read here all belong to the first word, so theirs come first.
    while word & (1 << RADIOTAP_EXT) != 0 {
        word = h.u32_le()?;
    }
    let mut offset = header.len() - h.remaining();
    let mut flags = 0u8;
    let mut radio = RadioInfo::default();
    for bit in RADIOTAP_TSFT..=RADIOTAP_ANTENNA_SIGNAL_DBM {
        if present & (1 << bit) == 0 {
            continue;
        }
        let (align, size) = RADIOTAP_LAYOUT[bit as usize];
        offset = offset.next_multiple_of(align);
        let Some(field) = header.get(offset..offset + size) else {
            return Err(RadioError::Truncated);
        };
        match bit {
            RADIOTAP_FLAGS => flags = field[0],
            RADIOTAP_CHANNEL => {
                let frequency = u16::from_le_bytes([field[0], field[1]]);
                radio.frequency_mhz = (frequency != 0).then_some(frequency);
            }
            RADIOTAP_ANTENNA_SIGNAL_DBM => radio.signal_dbm = Some(field[0] as i8),
            RADIOTAP_TSFT | RADIOTAP_RATE | RADIOTAP_FHSS => {}
            _ => {}
        }
        offset += size;
    }
    if flags & RADIOTAP_FLAG_BAD_FCS != 0 {
        return Err(RadioError::BadFcs);
    }
    if flags & RADIOTAP_FLAG_FCS_AT_END != 0 {
        strip_declared_fcs(mac, radio)
    } else {
        Ok(RadioFrame {
            mac,
            radio,
            fcs: Fcs::Absent,
        })
    }
}

fn ppi(frame: &[u8]) -> Result<RadioFrame<'_>, RadioError> {
    let mut r = Reader::new(frame);
    r.u8()?; // version
    r.u8()?; // flags (bit 0: 32-bit alignment of fields; lengths already include it)
    let length = usize::from(r.u16_le()?);
    let dlt = r.u32_le()?;
    if length < 8 || length > frame.len() {
        return Err(RadioError::BadHeaderLength {
            length,
            frame_len: frame.len(),
        });
    }
    if dlt != u32::from(LINKTYPE_IEEE802_11) {
        return Err(RadioError::PpiNot80211(dlt));
    }
    let (header, mac) = frame.split_at(length);
    let mut fields = Reader::new(&header[8..]);
    let mut declared_fcs = None;
    let mut radio = RadioInfo::default();
    while fields.remaining() >= 4 {
        let field_type = fields.u16_le()?;
        let field_len = usize::from(fields.u16_le()?);
        let mut field = fields.sub(field_len)?;
        if field_type == PPI_FIELD_80211_COMMON && field_len >= 20 {
            field.take(8)?; // TSFT
            let flags = field.u16_le()?;
            field.take(2)?; // rate
            let frequency = field.u16_le()?;
            field.take(4)?; // channel flags, FHSS hop set and pattern
            let signal = field.u8()? as i8;
            if flags & PPI_COMMON_FLAG_BAD_FCS != 0 {
                return Err(RadioError::BadFcs);
            }
            declared_fcs = Some(flags & PPI_COMMON_FLAG_FCS != 0);
            radio.frequency_mhz = (frequency != 0).then_some(frequency);
            // -128 is not a reading but the field's "no value" in practice.
            radio.signal_dbm = (signal != i8::MIN && signal != 0).then_some(signal);
        }
    }
    match declared_fcs {
        Some(true) => strip_declared_fcs(mac, radio),
        Some(false) => Ok(RadioFrame {
            mac,
            radio,
            fcs: Fcs::Absent,
        }),
        None => Ok(detect_fcs(mac, radio)),
    }
}

/// The 802.11 channel number of a centre frequency (IEEE 802.11-2020 §17.3.8.4.2, §19.3.15,
/// §27.3.23.2: 2.4 GHz channels 1–14, 5 GHz and 6 GHz at 5 MHz steps).
pub fn channel_of_frequency(mhz: u16) -> Option<u8> {
    let channel = match mhz {
        2484 => 14,
        2412..=2472 if (mhz - 2407).is_multiple_of(5) => (mhz - 2407) / 5,
        5955..=7115 if (mhz - 5950).is_multiple_of(5) => (mhz - 5950) / 5,
        5000..=5900 if (mhz - 5000).is_multiple_of(5) => (mhz - 5000) / 5,
        _ => return None,
    };
    u8::try_from(channel).ok()
}

/// CRC-32 as used by the 802.11 FCS (IEEE 802.3 polynomial 0x04C11DB7, reflected, initial value
/// and final XOR 0xFFFFFFFF).
pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &byte| {
        CRC32_TABLE[usize::from((crc as u8) ^ byte)] ^ (crc >> 8)
    })
}

const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests;
