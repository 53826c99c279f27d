//! A small reader of capture files held in memory: classic **pcap** (both byte orders, micro- or
//! nanosecond timestamps) and **pcapng** (Section Header, Interface Description, Enhanced Packet,
//! Simple Packet and the obsolete Packet block; several sections and interfaces, each with its own
//! link type and timestamp resolution; every other block is stepped over).
//!
//! Layouts followed:
//!
//! ```text
//! pcap (draft-ietf-opsawg-pcap §4, §5)       header 24 bytes: magic, major, minor, thiszone, sigfigs, snaplen, linktype
//!                                              record 16 bytes: ts_sec, ts_frac, incl_len, orig_len, then incl_len bytes
//! pcapng (draft-ietf-opsawg-pcapng §3.1, §4)  block: type u32, total length u32, body, total length u32 (again)
//!   SHB 0x0A0D0D0A (§4.1)                      byte-order magic 0x1A2B3C4D, major, minor, section length i64, options
//!   IDB 0x00000001 (§4.2)                      linktype u16, reserved u16, snaplen u32, options (if_tsresol = 9)
//!   EPB 0x00000006 (§4.3)                      interface id u32, ts high u32, ts low u32, captured len, original len, data
//!   SPB 0x00000003 (§4.4)                      original len, data (interface 0, captured = min(original, snaplen, body))
//!   PB  0x00000002 (appendix, obsolete)        interface id u16, drops u16, ts high, ts low, captured len, original len, data
//! ```
//!
//! The whole file is a borrowed slice: a record is a sub-slice, so a length field can never make
//! the reader allocate. A bad file header is a [`CaptureError`]; a bad record or block is reported
//! as [`RecordEvent::Skipped`] with its [`SkipReason`], and when its length cannot be trusted the
//! reader stops there (nothing after it can be found again).

use thiserror::Error;

use super::SkipReason;
use crate::wire::ShortRead;

/// pcap magic numbers as read in the file's own byte order (§4: microsecond and nanosecond).
const PCAP_MAGIC_MICROS: u32 = 0xA1B2_C3D4;
const PCAP_MAGIC_NANOS: u32 = 0xA1B2_3C4D;
const PCAPNG_SECTION_HEADER: u32 = 0x0A0D_0D0A;
const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const PCAPNG_INTERFACE_DESCRIPTION: u32 = 0x0000_0001;
const PCAPNG_PACKET_OBSOLETE: u32 = 0x0000_0002;
const PCAPNG_SIMPLE_PACKET: u32 = 0x0000_0003;
const PCAPNG_ENHANCED_PACKET: u32 = 0x0000_0006;
/// IDB option `if_tsresol` (pcapng §4.2): one byte, 10^-n or (top bit set) 2^-n seconds.
const OPTION_IF_TSRESOL: u16 = 9;
const OPTION_END: u16 = 0;

const PCAP_HEADER_LEN: usize = 24;
const PCAP_RECORD_HEADER_LEN: usize = 16;
/// Smallest pcapng block: type, length and the trailing length copy.
const PCAPNG_MIN_BLOCK_LEN: usize = 12;

/// The largest snapshot length a file header may declare. libpcap's own ceiling is 262 144 for
/// 802.11 and 128 MiB for its largest link type (D-Bus); anything above 256 MiB is garbage.
pub const MAX_SNAPLEN: u32 = 256 * 1024 * 1024;

/// Interfaces one pcapng section may describe before further IDBs are ignored. Real captures
/// have a handful; the cap keeps a hostile file from growing the table without limit.
pub const MAX_INTERFACES: usize = 256;

/// Why the file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CaptureError {
    #[error("file is {len} byte(s) long, too short for a pcap or pcapng header")]
    TooShort { len: usize },
    #[error("not a pcap or pcapng file: magic {magic:02x?}")]
    UnknownMagic { magic: [u8; 4] },
    #[error("pcap version {major}.{minor} is not supported (2.x expected)")]
    UnsupportedPcapVersion { major: u16, minor: u16 },
    #[error("pcap snapshot length {snaplen} is absurd (at most {MAX_SNAPLEN})")]
    AbsurdSnaplen { snaplen: u32 },
    #[error("pcapng byte-order magic {magic:08x} is neither 1a2b3c4d nor its byte swap")]
    BadByteOrderMagic { magic: u32 },
    #[error("pcapng version {major}.{minor} is not supported (1.x expected)")]
    UnsupportedPcapngVersion { major: u16, minor: u16 },
    #[error("pcapng section header block length {length} is invalid for a {file_len}-byte file")]
    BadSectionHeaderLength { length: u32, file_len: usize },
}

/// Which container the bytes were in; `live` when frames came from an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureFormat {
    Pcap,
    Pcapng,
    Live,
}

/// Seconds and nanoseconds since 1970-01-01 UTC, as the file recorded them (pcap's `thiszone`
/// is always 0 in practice and is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub seconds: u64,
    pub nanoseconds: u32,
}

/// One captured frame, borrowed from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// LINKTYPE_* value of the interface the frame was captured on.
    pub link_type: u16,
    /// `None` when the interface's resolution cannot be expressed in nanoseconds.
    pub timestamp: Option<Timestamp>,
    /// The captured bytes (possibly fewer than were on the air: see `original_len`).
    pub data: &'a [u8],
    pub original_len: u32,
}

/// What the reader found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordEvent<'a> {
    Packet(Record<'a>),
    /// A packet record (or a block that should have been one) that could not be used.
    Skipped(SkipReason),
}

/// Bytes ran out inside a structure; turned into a [`SkipReason`] by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Short;

impl From<ShortRead> for Short {
    fn from(_: ShortRead) -> Self {
        Short
    }
}

type Reader<'a> = crate::wire::Reader<'a, Short>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    fn u16(self, r: &mut Reader<'_>) -> Result<u16, Short> {
        let b = r.take(2)?;
        let bytes = [b[0], b[1]];
        Ok(match self {
            Endian::Little => u16::from_le_bytes(bytes),
            Endian::Big => u16::from_be_bytes(bytes),
        })
    }

    fn u32(self, r: &mut Reader<'_>) -> Result<u32, Short> {
        let b = r.take(4)?;
        let bytes = [b[0], b[1], b[2], b[3]];
        Ok(match self {
            Endian::Little => u32::from_le_bytes(bytes),
            Endian::Big => u32::from_be_bytes(bytes),
        })
    }

    /// A u32 at `offset` of `bytes`, if it is there.
    fn u32_at(self, bytes: &[u8], offset: usize) -> Option<u32> {
        let mut r = Reader::new(bytes.get(offset..)?);
        self.u32(&mut r).ok()
    }
}

/// Units per second of a timestamp and how to turn a count of them into a [`Timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    /// 10^-n seconds.
    Decimal(u8),
    /// 2^-n seconds.
    Binary(u8),
}

impl Resolution {
    const MICROS: Resolution = Resolution::Decimal(6);
    const NANOS: Resolution = Resolution::Decimal(9);

    fn from_tsresol(byte: u8) -> Resolution {
        if byte & 0x80 == 0 {
            Resolution::Decimal(byte)
        } else {
            Resolution::Binary(byte & 0x7f)
        }
    }

    fn timestamp(self, units: u64) -> Option<Timestamp> {
        match self {
            Resolution::Decimal(n) => {
                let per_second = 10u64.checked_pow(u32::from(n))?;
                let fraction = units % per_second;
                let nanoseconds = if n <= 9 {
                    fraction.checked_mul(10u64.pow(9 - u32::from(n)))?
                } else {
                    fraction / 10u64.checked_pow(u32::from(n) - 9)?
                };
                Some(Timestamp {
                    seconds: units / per_second,
                    nanoseconds: u32::try_from(nanoseconds).ok()?,
                })
            }
            Resolution::Binary(n) if n < 64 => {
                let fraction = u128::from(units & ((1u64 << n) - 1));
                Some(Timestamp {
                    seconds: units >> n,
                    nanoseconds: u32::try_from((fraction * 1_000_000_000) >> n).ok()?,
                })
            }
            Resolution::Binary(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u16,
    snaplen: u32,
    resolution: Resolution,
}

#[derive(Debug)]
enum State {
    Pcap {
        endian: Endian,
        resolution: Resolution,
        link_type: u16,
    },
    Pcapng {
        endian: Endian,
        interfaces: Vec<Interface>,
    },
    Done,
}

/// Reads records one by one from a capture held in memory.
#[derive(Debug)]
pub struct CaptureReader<'a> {
    format: CaptureFormat,
    reader: Reader<'a>,
    state: State,
    link_types: Vec<u16>,
}

impl<'a> CaptureReader<'a> {
    /// Checks the file header (pcap) or first section header (pcapng).
    pub fn new(bytes: &'a [u8]) -> Result<Self, CaptureError> {
        let magic_bytes = match bytes.get(..4) {
            Some(&[a, b, c, d]) => [a, b, c, d],
            _ => return Err(CaptureError::TooShort { len: bytes.len() }),
        };
        let le = u32::from_le_bytes(magic_bytes);
        let be = u32::from_be_bytes(magic_bytes);
        let pcap = [
            (PCAP_MAGIC_MICROS, Resolution::MICROS),
            (PCAP_MAGIC_NANOS, Resolution::NANOS),
        ]
        .into_iter()
        .find_map(|(magic, resolution)| {
            if le == magic {
                Some((Endian::Little, resolution))
            } else if be == magic {
                Some((Endian::Big, resolution))
            } else {
                None
            }
        });
        if let Some((endian, resolution)) = pcap {
            return Self::open_pcap(bytes, endian, resolution);
        }
        if le == PCAPNG_SECTION_HEADER {
            let mut reader = Reader::new(bytes);
            let endian = section_header(&mut reader, bytes.len())?;
            return Ok(CaptureReader {
                format: CaptureFormat::Pcapng,
                reader,
                state: State::Pcapng {
                    endian,
                    interfaces: Vec::new(),
                },
                link_types: Vec::new(),
            });
        }
        Err(CaptureError::UnknownMagic { magic: magic_bytes })
    }

    fn open_pcap(
        bytes: &'a [u8],
        endian: Endian,
        resolution: Resolution,
    ) -> Result<Self, CaptureError> {
        let mut reader = Reader::new(bytes);
        let too_short = |_| CaptureError::TooShort { len: bytes.len() };
        let mut header = reader.sub(PCAP_HEADER_LEN).map_err(too_short)?;
        let read = |header: &mut Reader<'a>| -> Result<(u16, u16, u32, u32), Short> {
            endian.u32(header)?; // magic
            let major = endian.u16(header)?;
            let minor = endian.u16(header)?;
            header.take(8)?; // thiszone, sigfigs: unused by every writer in practice
            let snaplen = endian.u32(header)?;
            let link = endian.u32(header)?;
            Ok((major, minor, snaplen, link))
        };
        let (major, minor, snaplen, link) = read(&mut header).map_err(too_short)?;
        if major != 2 {
            return Err(CaptureError::UnsupportedPcapVersion { major, minor });
        }
        if snaplen > MAX_SNAPLEN {
            return Err(CaptureError::AbsurdSnaplen { snaplen });
        }
        // The top bits of the link-type field carry FCS-length flags (§5.8); the type is the
        // low 16 bits.
        let link_type = (link & 0xffff) as u16;
        Ok(CaptureReader {
            format: CaptureFormat::Pcap,
            reader,
            state: State::Pcap {
                endian,
                resolution,
                link_type,
            },
            link_types: vec![link_type],
        })
    }

    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// Link types seen so far, in order of first appearance (pcap: the header's one).
    pub fn link_types(&self) -> &[u16] {
        &self.link_types
    }

    fn next_pcap(
        &mut self,
        endian: Endian,
        resolution: Resolution,
        link_type: u16,
    ) -> Option<RecordEvent<'a>> {
        if self.reader.is_empty() {
            self.state = State::Done;
            return None;
        }
        let Ok(mut header) = self.reader.sub(PCAP_RECORD_HEADER_LEN) else {
            self.state = State::Done;
            return Some(RecordEvent::Skipped(SkipReason::TruncatedRecord));
        };
        let fields = (|| -> Result<(u32, u32, u32, u32), Short> {
            Ok((
                endian.u32(&mut header)?,
                endian.u32(&mut header)?,
                endian.u32(&mut header)?,
                endian.u32(&mut header)?,
            ))
        })();
        let Ok((seconds, fraction, captured, original_len)) = fields else {
            self.state = State::Done;
            return Some(RecordEvent::Skipped(SkipReason::TruncatedRecord));
        };
        let Ok(data) = self.reader.take(captured as usize) else {
            // The next record header cannot be found without trusting this length.
            self.state = State::Done;
            return Some(RecordEvent::Skipped(SkipReason::RecordBeyondFile));
        };
        let units_per_second: u64 = match resolution {
            Resolution::Decimal(9) => 1_000_000_000,
            _ => 1_000_000,
        };
        let timestamp = (u64::from(fraction) < units_per_second).then(|| {
            resolution.timestamp(u64::from(seconds) * units_per_second + u64::from(fraction))
        });
        Some(RecordEvent::Packet(Record {
            link_type,
            timestamp: timestamp.flatten(),
            data,
            original_len,
        }))
    }

    fn next_pcapng(&mut self) -> Option<RecordEvent<'a>> {
        loop {
            let State::Pcapng { endian, .. } = self.state else {
                return None;
            };
            if self.reader.is_empty() {
                self.state = State::Done;
                return None;
            }
            let unread = self.reader.unread();
            let block_type = match Endian::Little.u32_at(unread, 0) {
                Some(t) => t,
                None => {
                    self.state = State::Done;
                    return Some(RecordEvent::Skipped(SkipReason::TruncatedBlock));
                }
            };
            if block_type == PCAPNG_SECTION_HEADER {
                // A new section may switch byte order and starts a fresh interface table.
                match section_header(&mut self.reader, unread.len()) {
                    Ok(endian) => {
                        self.state = State::Pcapng {
                            endian,
                            interfaces: Vec::new(),
                        };
                        continue;
                    }
                    Err(_) => {
                        self.state = State::Done;
                        return Some(RecordEvent::Skipped(SkipReason::BadBlock));
                    }
                }
            }
            let block_type = endian.u32_at(unread, 0).unwrap_or(block_type);
            let total = endian.u32_at(unread, 4).map(|t| t as usize);
            let Some(total) = total.filter(|t| {
                *t >= PCAPNG_MIN_BLOCK_LEN && t.is_multiple_of(4) && *t <= unread.len()
            }) else {
                self.state = State::Done;
                return Some(
                    if unread.len() < 8 || total.is_some_and(|t| t > unread.len()) {
                        RecordEvent::Skipped(SkipReason::TruncatedBlock)
                    } else {
                        RecordEvent::Skipped(SkipReason::BadBlock)
                    },
                );
            };
            let Ok(block) = self.reader.take(total) else {
                self.state = State::Done;
                return Some(RecordEvent::Skipped(SkipReason::TruncatedBlock));
            };
            let is_packet = matches!(
                block_type,
                PCAPNG_ENHANCED_PACKET | PCAPNG_SIMPLE_PACKET | PCAPNG_PACKET_OBSOLETE
            );
            if endian.u32_at(block, total - 4) != Some(total as u32) {
                if is_packet {
                    return Some(RecordEvent::Skipped(SkipReason::BadBlock));
                }
                continue;
            }
            let body = &block[8..total - 4];
            match block_type {
                PCAPNG_INTERFACE_DESCRIPTION => self.add_interface(endian, body),
                PCAPNG_ENHANCED_PACKET | PCAPNG_PACKET_OBSOLETE => {
                    return Some(self.packet_block(endian, block_type, body));
                }
                PCAPNG_SIMPLE_PACKET => return Some(self.simple_packet_block(endian, body)),
                _ => {} // statistics, name resolution, custom and unknown blocks
            }
        }
    }

    fn interfaces(&self) -> &[Interface] {
        match &self.state {
            State::Pcapng { interfaces, .. } => interfaces,
            _ => &[],
        }
    }

    fn add_interface(&mut self, endian: Endian, body: &'a [u8]) {
        let mut r = Reader::new(body);
        let parsed = (|| -> Result<Interface, Short> {
            let link_type = endian.u16(&mut r)?;
            r.take(2)?;
            let snaplen = endian.u32(&mut r)?;
            let mut resolution = Resolution::MICROS;
            while r.remaining() >= 4 {
                let code = endian.u16(&mut r)?;
                let len = usize::from(endian.u16(&mut r)?);
                if code == OPTION_END {
                    break;
                }
                let value = r.take(len)?;
                r.take((4 - len % 4) % 4).ok();
                if code == OPTION_IF_TSRESOL {
                    if let Some(&byte) = value.first() {
                        resolution = Resolution::from_tsresol(byte);
                    }
                }
            }
            Ok(Interface {
                link_type,
                snaplen,
                resolution,
            })
        })();
        // A broken IDB still takes its interface number, so later ones keep their ids; its
        // packets are skipped as coming from an unusable interface.
        let interface = parsed.unwrap_or(Interface {
            link_type: u16::MAX,
            snaplen: 0,
            resolution: Resolution::MICROS,
        });
        if interface.link_type != u16::MAX && !self.link_types.contains(&interface.link_type) {
            self.link_types.push(interface.link_type);
        }
        if let State::Pcapng { interfaces, .. } = &mut self.state {
            if interfaces.len() < MAX_INTERFACES {
                interfaces.push(interface);
            }
        }
    }

    fn packet_block(&self, endian: Endian, block_type: u32, body: &'a [u8]) -> RecordEvent<'a> {
        let mut r = Reader::new(body);
        let header = (|| -> Result<(usize, u64, u32, u32), Short> {
            let interface = if block_type == PCAPNG_PACKET_OBSOLETE {
                let id = endian.u16(&mut r)?;
                r.take(2)?; // drops count
                usize::from(id)
            } else {
                endian.u32(&mut r)? as usize
            };
            let high = endian.u32(&mut r)?;
            let low = endian.u32(&mut r)?;
            let captured = endian.u32(&mut r)?;
            let original = endian.u32(&mut r)?;
            Ok((
                interface,
                u64::from(high) << 32 | u64::from(low),
                captured,
                original,
            ))
        })();
        let Ok((interface, units, captured, original_len)) = header else {
            return RecordEvent::Skipped(SkipReason::TruncatedRecord);
        };
        let Some(iface) = self.interfaces().get(interface).copied() else {
            return RecordEvent::Skipped(SkipReason::UnknownInterface);
        };
        if iface.link_type == u16::MAX {
            return RecordEvent::Skipped(SkipReason::UnknownInterface);
        }
        let Ok(data) = r.take(captured as usize) else {
            return RecordEvent::Skipped(SkipReason::RecordBeyondFile);
        };
        RecordEvent::Packet(Record {
            link_type: iface.link_type,
            timestamp: iface.resolution.timestamp(units),
            data,
            original_len,
        })
    }

    fn simple_packet_block(&self, endian: Endian, body: &'a [u8]) -> RecordEvent<'a> {
        let Some(iface) = self.interfaces().first().copied() else {
            return RecordEvent::Skipped(SkipReason::UnknownInterface);
        };
        if iface.link_type == u16::MAX {
            return RecordEvent::Skipped(SkipReason::UnknownInterface);
        }
        let mut r = Reader::new(body);
        let Ok(original_len) = endian.u32(&mut r) else {
            return RecordEvent::Skipped(SkipReason::TruncatedRecord);
        };
        // The SPB has no captured length: it is the original length cut by the snaplen, and the
        // block body holds it plus padding (§4.4).
        let mut captured = original_len as usize;
        if iface.snaplen != 0 {
            captured = captured.min(iface.snaplen as usize);
        }
        let Ok(data) = r.take(captured) else {
            return RecordEvent::Skipped(SkipReason::RecordBeyondFile);
        };
        RecordEvent::Packet(Record {
            link_type: iface.link_type,
            timestamp: None,
            data,
            original_len,
        })
    }
}

impl<'a> Iterator for CaptureReader<'a> {
    type Item = RecordEvent<'a>;

    fn next(&mut self) -> Option<RecordEvent<'a>> {
        match self.state {
            State::Pcap {
                endian,
                resolution,
                link_type,
            } => self.next_pcap(endian, resolution, link_type),
            State::Pcapng { .. } => self.next_pcapng(),
            State::Done => None,
        }
    }
}

/// Reads a Section Header Block at the reader's position and returns the section's byte order.
fn section_header(reader: &mut Reader<'_>, file_len: usize) -> Result<Endian, CaptureError> {
    let unread = reader.unread();
    let too_short = CaptureError::TooShort { len: file_len };
    let magic = Endian::Little.u32_at(unread, 8).ok_or(too_short.clone())?;
    let endian = if magic == PCAPNG_BYTE_ORDER_MAGIC {
        Endian::Little
    } else if magic.swap_bytes() == PCAPNG_BYTE_ORDER_MAGIC {
        Endian::Big
    } else {
        return Err(CaptureError::BadByteOrderMagic { magic });
    };
    let length = endian.u32_at(unread, 4).ok_or(too_short.clone())?;
    // Type, length, magic, version, section length (8) and the trailing length.
    let valid =
        length as usize >= 28 && length.is_multiple_of(4) && length as usize <= unread.len();
    if !valid {
        return Err(CaptureError::BadSectionHeaderLength { length, file_len });
    }
    let mut block = Reader::new(unread);
    let version = (|| -> Result<(u16, u16), Short> {
        block.take(12)?;
        Ok((endian.u16(&mut block)?, endian.u16(&mut block)?))
    })();
    let (major, minor) = version.map_err(|_| too_short)?;
    if major != 1 {
        return Err(CaptureError::UnsupportedPcapngVersion { major, minor });
    }
    reader
        .take(length as usize)
        .map_err(|_| CaptureError::BadSectionHeaderLength { length, file_len })?;
    Ok(endian)
}

#[cfg(test)]
mod tests;
