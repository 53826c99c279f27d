//! Sans-I/O codec for the two NTLM messages edgeaudit ever handles ([MS-NLMP] 2.2.1): the
//! NEGOTIATE_MESSAGE it sends, and the server's CHALLENGE_MESSAGE, read only for what the server
//! says about itself (names, OS version, clock). There is no AUTHENTICATE_MESSAGE here, by design:
//! the audit never authenticates.

use thiserror::Error;

use crate::wire::ShortRead;

/// `NTLMSSP\0` (2.2.1.1 Signature).
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";
pub const MESSAGE_NEGOTIATE: u32 = 1;
pub const MESSAGE_CHALLENGE: u32 = 2;

/// NegotiateFlags bits used here (2.2.2.5).
pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
pub const NEGOTIATE_OEM: u32 = 0x0000_0002;
pub const REQUEST_TARGET: u32 = 0x0000_0004;
pub const NEGOTIATE_SIGN: u32 = 0x0000_0010;
pub const NEGOTIATE_SEAL: u32 = 0x0000_0020;
pub const NEGOTIATE_NTLM: u32 = 0x0000_0200;
pub const NEGOTIATE_ALWAYS_SIGN: u32 = 0x0000_8000;
pub const NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
pub const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;
pub const NEGOTIATE_VERSION: u32 = 0x0200_0000;
pub const NEGOTIATE_128: u32 = 0x2000_0000;
pub const NEGOTIATE_KEY_EXCH: u32 = 0x4000_0000;
pub const NEGOTIATE_56: u32 = 0x8000_0000;

/// What edgeaudit asks for: what a current Windows client asks for, so the server answers with
/// its usual CHALLENGE_MESSAGE (TargetInfo and Version included).
pub const CLIENT_FLAGS: u32 = NEGOTIATE_56
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_128
    | NEGOTIATE_VERSION
    | NEGOTIATE_EXTENDED_SESSIONSECURITY
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_NTLM
    | NEGOTIATE_SEAL
    | NEGOTIATE_SIGN
    | REQUEST_TARGET
    | NEGOTIATE_OEM
    | NEGOTIATE_UNICODE;

/// AV_PAIR AvId values (2.2.2.1).
pub const MSV_AV_EOL: u16 = 0;
pub const MSV_AV_NB_COMPUTER_NAME: u16 = 1;
pub const MSV_AV_NB_DOMAIN_NAME: u16 = 2;
pub const MSV_AV_DNS_COMPUTER_NAME: u16 = 3;
pub const MSV_AV_DNS_DOMAIN_NAME: u16 = 4;
pub const MSV_AV_DNS_TREE_NAME: u16 = 5;
pub const MSV_AV_TIMESTAMP: u16 = 7;

/// Longest name kept from a message (characters); NetBIOS and DNS names are far shorter.
pub const MAX_NAME_CHARS: usize = 256;

/// Why a CHALLENGE_MESSAGE did not decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NtlmError {
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("no NTLMSSP signature")]
    BadSignature,
    #[error("NTLM message type {0} where a CHALLENGE_MESSAGE (2) was expected")]
    WrongType(u32),
    #[error("{field} (offset {offset}, length {len}) lies outside the {total}-byte message")]
    FieldOutOfBounds {
        field: &'static str,
        offset: u32,
        len: u16,
        total: usize,
    },
}

impl From<ShortRead> for NtlmError {
    fn from(short: ShortRead) -> Self {
        NtlmError::Truncated {
            needed: short.needed,
        }
    }
}

type Reader<'a> = crate::wire::Reader<'a, NtlmError>;

/// The Version structure (2.2.2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
    pub ntlm_revision: u8,
}

impl Version {
    /// `major.minor.build`, e.g. `10.0.20348`.
    pub fn os_version(&self) -> String {
        format!("{}.{}.{}", self.major, self.minor, self.build)
    }
}

/// The facts of a CHALLENGE_MESSAGE (2.2.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    pub flags: u32,
    pub server_challenge: [u8; 8],
    pub target_name: Option<String>,
    pub version: Option<Version>,
    pub nb_computer_name: Option<String>,
    pub nb_domain_name: Option<String>,
    pub dns_computer_name: Option<String>,
    pub dns_domain_name: Option<String>,
    pub dns_tree_name: Option<String>,
    /// MsvAvTimestamp: FILETIME, 100 ns ticks since 1601-01-01 UTC.
    pub timestamp: Option<u64>,
    /// Every AvId seen, in order, up to MsvAvEOL.
    pub av_ids: Vec<u16>,
}

/// The NEGOTIATE_MESSAGE (2.2.1.1): [`CLIENT_FLAGS`], no domain or workstation supplied, and a
/// Version of 0.0.0 (revision 15): edgeaudit is not Windows and does not pretend to be.
pub fn negotiate_message() -> Vec<u8> {
    let mut m = Vec::with_capacity(40);
    m.extend_from_slice(SIGNATURE);
    m.extend_from_slice(&MESSAGE_NEGOTIATE.to_le_bytes());
    m.extend_from_slice(&CLIENT_FLAGS.to_le_bytes());
    // DomainNameFields and WorkstationFields: empty, offset at the end of the message.
    for _ in 0..2 {
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&40u32.to_le_bytes());
    }
    m.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x0f]);
    m
}

/// A field descriptor (Len, MaxLen, BufferOffset) resolved to its bytes in `msg`.
fn payload_field<'a>(
    msg: &'a [u8],
    r: &mut Reader<'_>,
    field: &'static str,
) -> Result<(&'a [u8], u32), NtlmError> {
    let len = r.u16_le()?;
    r.u16_le()?; // MaxLen, which receivers ignore
    let offset = r.u32_le()?;
    let out_of_bounds = NtlmError::FieldOutOfBounds {
        field,
        offset,
        len,
        total: msg.len(),
    };
    let start = usize::try_from(offset).map_err(|_| out_of_bounds.clone())?;
    let bytes = start
        .checked_add(usize::from(len))
        .and_then(|end| msg.get(start..end))
        .ok_or(out_of_bounds)?;
    Ok((bytes, offset))
}

/// UTF-16LE to a bounded, printable string (controls become U+FFFD).
pub fn utf16_name(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    printable(&String::from_utf16_lossy(&units))
}

fn printable(s: &str) -> String {
    s.chars()
        .take(MAX_NAME_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

impl Challenge {
    /// Decodes a CHALLENGE_MESSAGE. Payload fields are located by their offsets and checked
    /// against the message length; an AV_PAIR list cut short keeps what came before the cut.
    pub fn decode(msg: &[u8]) -> Result<Self, NtlmError> {
        let mut r = Reader::new(msg);
        if r.take(8)? != SIGNATURE {
            return Err(NtlmError::BadSignature);
        }
        let kind = r.u32_le()?;
        if kind != MESSAGE_CHALLENGE {
            return Err(NtlmError::WrongType(kind));
        }
        let (target_name, name_offset) = payload_field(msg, &mut r, "TargetName")?;
        let flags = r.u32_le()?;
        let mut server_challenge = [0u8; 8];
        server_challenge.copy_from_slice(r.take(8)?);
        r.take(8)?; // Reserved
        let mut out = Challenge {
            flags,
            server_challenge,
            ..Challenge::default()
        };
        // Old servers end the header after ServerChallenge/Reserved: TargetInfoFields and
        // Version exist only when the payload starts after them.
        let mut payload_start = if target_name.is_empty() {
            u32::try_from(msg.len()).unwrap_or(u32::MAX)
        } else {
            name_offset
        };
        if r.remaining() >= 8 && (target_name.is_empty() || name_offset >= 48) {
            let (info, info_offset) = payload_field(msg, &mut r, "TargetInfo")?;
            if !info.is_empty() {
                payload_start = payload_start.min(info_offset);
            }
            out.read_target_info(info);
        }
        if flags & NEGOTIATE_VERSION != 0 && payload_start >= 56 && r.remaining() >= 8 {
            let v = r.take(8)?;
            out.version = Some(Version {
                major: v[0],
                minor: v[1],
                build: u16::from_le_bytes([v[2], v[3]]),
                ntlm_revision: v[7],
            });
        }
        if !target_name.is_empty() {
            out.target_name = Some(if flags & NEGOTIATE_UNICODE != 0 {
                utf16_name(target_name)
            } else {
                printable(&String::from_utf8_lossy(target_name))
            });
        }
        Ok(out)
    }

    fn read_target_info(&mut self, info: &[u8]) {
        let mut r = Reader::new(info);
        while let (Ok(id), Ok(len)) = (r.u16_le(), r.u16_le()) {
            self.av_ids.push(id);
            if id == MSV_AV_EOL {
                break;
            }
            let Ok(value) = r.take(usize::from(len)) else {
                break;
            };
            let name = || Some(utf16_name(value));
            match id {
                MSV_AV_NB_COMPUTER_NAME => self.nb_computer_name = name(),
                MSV_AV_NB_DOMAIN_NAME => self.nb_domain_name = name(),
                MSV_AV_DNS_COMPUTER_NAME => self.dns_computer_name = name(),
                MSV_AV_DNS_DOMAIN_NAME => self.dns_domain_name = name(),
                MSV_AV_DNS_TREE_NAME => self.dns_tree_name = name(),
                MSV_AV_TIMESTAMP if value.len() == 8 => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(value);
                    self.timestamp = Some(u64::from_le_bytes(b));
                }
                _ => {}
            }
        }
    }
}

/// A FILETIME (100 ns ticks since 1601-01-01 UTC) as RFC 3339, when representable.
pub fn filetime_rfc3339(ticks: u64) -> Option<String> {
    const UNIX_EPOCH_AS_FILETIME_SECS: i64 = 11_644_473_600;
    let secs = i64::try_from(ticks / 10_000_000).ok()? - UNIX_EPOCH_AS_FILETIME_SECS;
    let nanos = (ticks % 10_000_000) * 100;
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?
        + time::Duration::nanoseconds(i64::try_from(nanos).ok()?);
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Finds an NTLM message inside a security token: the token itself, or (SPNEGO-wrapped) the
/// first `NTLMSSP\0` signature inside it.
pub fn find_ntlm(token: &[u8]) -> Option<&[u8]> {
    let at = token
        .windows(SIGNATURE.len())
        .position(|w| w == SIGNATURE)?;
    Some(&token[at..])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// [MS-NLMP] 4.2.4.3: the NTLMv2 example CHALLENGE_MESSAGE (TargetName "Server", TargetInfo
    /// NbDomainName "Domain", NbComputerName "Server", Version 6.0.6000 revision 15).
    const SPEC_V2_CHALLENGE: [u8; 104] = [
        0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c,
        0x00, 0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
        0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x24, 0x00, 0x44,
        0x00, 0x00, 0x00, 0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x53, 0x00, 0x65, 0x00,
        0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x44, 0x00, 0x6f,
        0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x53, 0x00,
        0x65, 0x00, 0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    /// [MS-NLMP] 4.2.2.3: the NTLMv1 example CHALLENGE_MESSAGE (no TargetInfo; zeroed
    /// TargetInfoFields, Version 6.0.6000).
    const SPEC_V1_CHALLENGE: [u8; 68] = [
        0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c,
        0x00, 0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x02, 0xe2, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
        0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x53, 0x00, 0x65, 0x00,
        0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00,
    ];

    #[test]
    fn spec_ntlmv2_challenge() {
        let c = Challenge::decode(&SPEC_V2_CHALLENGE).unwrap();
        assert_eq!(c.flags, 0xe28a_8233);
        assert_eq!(
            c.server_challenge,
            [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
        );
        assert_eq!(c.target_name.as_deref(), Some("Server"));
        assert_eq!(c.nb_domain_name.as_deref(), Some("Domain"));
        assert_eq!(c.nb_computer_name.as_deref(), Some("Server"));
        assert_eq!(c.dns_computer_name, None);
        assert_eq!(c.timestamp, None);
        assert_eq!(c.av_ids, [2, 1, 0]);
        let v = c.version.unwrap();
        assert_eq!(v.os_version(), "6.0.6000");
        assert_eq!(v.ntlm_revision, 15);
    }

    #[test]
    fn spec_ntlmv1_challenge() {
        let c = Challenge::decode(&SPEC_V1_CHALLENGE).unwrap();
        assert_eq!(c.flags, 0xe202_8233);
        assert_eq!(c.target_name.as_deref(), Some("Server"));
        assert_eq!(c.version.unwrap().os_version(), "6.0.6000");
        assert!(c.av_ids.is_empty());
        assert_eq!(c.nb_computer_name, None);
    }

    /// A Windows-Server-like challenge with every AV_PAIR edgeaudit reads.
    pub(crate) fn windows_like_challenge() -> Vec<u8> {
        fn utf16(s: &str) -> Vec<u8> {
            s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
        }
        let target = utf16("CORP");
        let mut info = Vec::new();
        for (id, value) in [
            (MSV_AV_NB_DOMAIN_NAME, utf16("CORP")),
            (MSV_AV_NB_COMPUTER_NAME, utf16("RDS01")),
            (MSV_AV_DNS_DOMAIN_NAME, utf16("corp.example.test")),
            (MSV_AV_DNS_COMPUTER_NAME, utf16("rds01.corp.example.test")),
            (MSV_AV_DNS_TREE_NAME, utf16("example.test")),
            // 2024-01-02T03:04:05Z
            (
                MSV_AV_TIMESTAMP,
                133_486_382_450_000_000u64.to_le_bytes().to_vec(),
            ),
            (MSV_AV_EOL, Vec::new()),
        ] {
            info.extend_from_slice(&id.to_le_bytes());
            info.extend_from_slice(&(value.len() as u16).to_le_bytes());
            info.extend_from_slice(&value);
        }
        let mut m = Vec::new();
        m.extend_from_slice(SIGNATURE);
        m.extend_from_slice(&2u32.to_le_bytes());
        m.extend_from_slice(&(target.len() as u16).to_le_bytes());
        m.extend_from_slice(&(target.len() as u16).to_le_bytes());
        m.extend_from_slice(&56u32.to_le_bytes());
        m.extend_from_slice(&0xe28a_8215u32.to_le_bytes());
        m.extend_from_slice(&[7; 8]);
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&(info.len() as u16).to_le_bytes());
        m.extend_from_slice(&(info.len() as u16).to_le_bytes());
        m.extend_from_slice(&((56 + target.len()) as u32).to_le_bytes());
        m.extend_from_slice(&[10, 0, 0x7c, 0x4f, 0, 0, 0, 15]); // 10.0.20348
        m.extend_from_slice(&target);
        m.extend_from_slice(&info);
        m
    }

    #[test]
    fn windows_like_challenge_every_name() {
        let c = Challenge::decode(&windows_like_challenge()).unwrap();
        assert_eq!(c.target_name.as_deref(), Some("CORP"));
        assert_eq!(c.nb_computer_name.as_deref(), Some("RDS01"));
        assert_eq!(c.dns_domain_name.as_deref(), Some("corp.example.test"));
        assert_eq!(
            c.dns_computer_name.as_deref(),
            Some("rds01.corp.example.test")
        );
        assert_eq!(c.dns_tree_name.as_deref(), Some("example.test"));
        assert_eq!(c.version.unwrap().os_version(), "10.0.20348");
        assert_eq!(
            filetime_rfc3339(c.timestamp.unwrap()).as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
    }

    #[test]
    fn negotiate_message_layout() {
        let m = negotiate_message();
        assert_eq!(m.len(), 40);
        assert_eq!(&m[..8], SIGNATURE);
        assert_eq!(u32::from_le_bytes(m[8..12].try_into().unwrap()), 1);
        assert_eq!(
            u32::from_le_bytes(m[12..16].try_into().unwrap()),
            0xe208_8237
        );
        assert_eq!(m[39], 0x0f);
    }

    #[test]
    fn bad_messages_are_errors() {
        assert_eq!(
            Challenge::decode(&negotiate_message()),
            Err(NtlmError::WrongType(1))
        );
        let mut b = SPEC_V2_CHALLENGE;
        b[0] = b'X';
        assert_eq!(Challenge::decode(&b), Err(NtlmError::BadSignature));
        // TargetName pointing past the end.
        let mut b = SPEC_V2_CHALLENGE;
        b[16] = 0xf0;
        assert!(matches!(
            Challenge::decode(&b),
            Err(NtlmError::FieldOutOfBounds {
                field: "TargetName",
                ..
            })
        ));
        // Offset near u32::MAX must not overflow.
        let mut b = SPEC_V2_CHALLENGE;
        b[44..48].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Challenge::decode(&b).is_err());
        for cut in 0..SPEC_V2_CHALLENGE.len() {
            // Truncation: an error, or (cut inside the AV_PAIR list only) fewer names.
            if let Ok(c) = Challenge::decode(&SPEC_V2_CHALLENGE[..cut]) {
                panic!("cut at {cut} decoded: {c:?}");
            }
        }
    }

    #[test]
    fn spnego_wrapped_token_is_found() {
        let mut token = vec![0xa1, 0x81, 0x80, 0x30, 0x7e, 0x04, 0x68];
        token.extend_from_slice(&SPEC_V2_CHALLENGE);
        let inner = find_ntlm(&token).unwrap();
        assert_eq!(
            Challenge::decode(inner).unwrap().target_name.as_deref(),
            Some("Server")
        );
        assert_eq!(find_ntlm(b"nothing here"), None);
    }

    #[test]
    fn names_are_bounded_and_printable() {
        let long: Vec<u8> = "a\u{7}b"
            .repeat(200)
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let s = utf16_name(&long);
        assert_eq!(s.chars().count(), MAX_NAME_CHARS);
        assert!(!s.chars().any(char::is_control));
        assert_eq!(utf16_name(&[0x41, 0x00, 0x42]), "A");
    }

    #[test]
    fn garbage_never_panics() {
        let mut state = 0x2545_f491_u32;
        for _ in 0..4000 {
            let mut bytes = SPEC_V2_CHALLENGE.to_vec();
            for _ in 0..4 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let at = (state >> 8) as usize % bytes.len();
                bytes[at] = (state >> 24) as u8;
            }
            let _ = Challenge::decode(&bytes);
        }
    }
}
