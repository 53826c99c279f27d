//! Sans-I/O codec for the SSH transport layer before and around the key exchange (RFC 4253,
//! data types of RFC 4251 §5).
//!
//! ```text
//! identification    SSH-protoversion-softwareversion SP comments CR LF     (RFC 4253 §4.2)
//! binary packet     uint32 packet_length, byte padding_length,             (RFC 4253 §6)
//!                   byte[n1] payload, byte[n2] random padding, byte[m] mac
//! SSH_MSG_KEXINIT   byte 20, byte[16] cookie, 10 × name-list,              (RFC 4253 §7.1)
//!                   boolean first_kex_packet_follows, uint32 0
//! ```
//!
//! The identification line itself is parsed by the banner parser that light identification
//! already uses ([`parse_ssh_identification`]); this module only adds what the transport needs
//! (where the line ends, and the exact `V_S` bytes that go into the exchange hash).
//!
//! Every decoder reads through [`Reader`] and never panics on hostile input: a short buffer is
//! [`WireError::Truncated`], anything else that breaks the layout is a precise error.

use thiserror::Error;

use crate::wire::ShortRead;

pub use crate::probe::identify::banner::parse_ssh_identification;

/// RFC 4253 §6.1: implementations must handle packets of total size 35000 bytes (length field,
/// padding length, payload, padding and MAC). Anything larger from a server we only probe is
/// refused rather than buffered.
pub const MAX_PACKET: usize = 35_000;
/// RFC 4253 §4.2: the identification line is at most 255 bytes with CR LF; lines before it are
/// allowed. Bound everything the server may send before its identification.
pub const MAX_IDENTIFICATION_BYTES: usize = 8 * 1024;
/// RFC 4253 §6: at least four bytes of padding.
pub const MIN_PADDING: usize = 4;

/// Message numbers (RFC 4250 §4.1.2, RFC 8308 §2.3, RFC 5656 §7.1).
pub const MSG_DISCONNECT: u8 = 1;
pub const MSG_IGNORE: u8 = 2;
pub const MSG_UNIMPLEMENTED: u8 = 3;
pub const MSG_DEBUG: u8 = 4;
pub const MSG_SERVICE_REQUEST: u8 = 5;
pub const MSG_SERVICE_ACCEPT: u8 = 6;
pub const MSG_EXT_INFO: u8 = 7;
pub const MSG_KEXINIT: u8 = 20;
pub const MSG_NEWKEYS: u8 = 21;
pub const MSG_KEX_ECDH_INIT: u8 = 30;
pub const MSG_KEX_ECDH_REPLY: u8 = 31;
pub const MSG_USERAUTH_REQUEST: u8 = 50;
pub const MSG_USERAUTH_FAILURE: u8 = 51;
pub const MSG_USERAUTH_SUCCESS: u8 = 52;
pub const MSG_USERAUTH_BANNER: u8 = 53;

/// RFC 4253 §11.1 reason code the probe uses when it hangs up.
pub const DISCONNECT_BY_APPLICATION: u32 = 11;

/// Why a decoder stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// The buffer ends before the structure does; `needed` more bytes would let decoding go on.
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("packet_length {0} is outside 5..={max}", max = MAX_PACKET - 4)]
    BadPacketLength(u32),
    #[error("padding_length {padding} does not fit in packet_length {packet}")]
    BadPadding { padding: u8, packet: u32 },
    #[error("message type {found} where {expected} was expected")]
    UnexpectedMessage { expected: u8, found: u8 },
    #[error("empty message (no message type)")]
    EmptyMessage,
    #[error("name-list {field}: {problem}")]
    BadNameList {
        field: &'static str,
        problem: &'static str,
    },
    #[error("boolean {field} is {value}, neither 0 nor 1")]
    BadBoolean { field: &'static str, value: u8 },
    #[error("{field} is a negative mpint")]
    NegativeMpint { field: &'static str },
}

/// The shared bounded reader, failing with this codec's error.
pub type Reader<'a> = crate::wire::Reader<'a, WireError>;

impl From<ShortRead> for WireError {
    fn from(short: ShortRead) -> Self {
        WireError::Truncated {
            needed: short.needed,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 4251 §5 data types
// ---------------------------------------------------------------------------------------------

/// `uint32` (big-endian). The shared reader has no 32-bit big-endian read; SSH is the only
/// codec that needs one.
pub fn read_u32(r: &mut Reader<'_>) -> Result<u32, WireError> {
    let b = r.take(4)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// `boolean`: RFC 4251 §5 says any non-zero value is TRUE when read, but a real implementation
/// only ever sends 0 or 1; anything else is reported, not guessed.
pub fn read_bool(r: &mut Reader<'_>, field: &'static str) -> Result<bool, WireError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        value => Err(WireError::BadBoolean { field, value }),
    }
}

/// `string`: a uint32 length, then that many bytes (never more than the buffer holds).
pub fn read_string<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], WireError> {
    let len = read_u32(r)?;
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    r.take(len)
}

/// `name-list` (RFC 4251 §5): a `string` of comma-separated, non-empty US-ASCII names without
/// commas or NUL. An empty string is an empty list.
pub fn read_name_list(r: &mut Reader<'_>, field: &'static str) -> Result<Vec<String>, WireError> {
    let raw = read_string(r)?;
    parse_name_list(raw, field)
}

/// The names of a `name-list` body (without its length).
pub fn parse_name_list(raw: &[u8], field: &'static str) -> Result<Vec<String>, WireError> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let bad = |problem| WireError::BadNameList { field, problem };
    if !raw.iter().all(|b| b.is_ascii() && *b != 0) {
        return Err(bad("not printable US-ASCII"));
    }
    raw.split(|&b| b == b',')
        .map(|name| {
            if name.is_empty() {
                Err(bad("empty name"))
            } else if name.len() > 64 {
                // RFC 4251 §6: algorithm and method names are at most 64 characters.
                Err(bad("name longer than 64 characters"))
            } else if name.iter().any(|b| b.is_ascii_control() || *b == b' ') {
                Err(bad("control character or space in a name"))
            } else {
                // All bytes are ASCII, so this cannot fail; from_utf8_lossy avoids an unwrap.
                Ok(String::from_utf8_lossy(name).into_owned())
            }
        })
        .collect()
}

/// Appends `uint32`.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends `string`. Lengths here come from our own messages (far below 4 GiB).
pub fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    put_u32(out, u32::try_from(s.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(s);
}

/// Appends `name-list`.
pub fn put_name_list<S: AsRef<str>>(out: &mut Vec<u8>, names: &[S]) {
    let joined = names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(",");
    put_string(out, joined.as_bytes());
}

/// Appends `mpint` (RFC 4251 §5) of a non-negative big-endian magnitude: leading zero bytes
/// dropped, one zero byte added when the top bit is set, zero as the empty string.
pub fn put_mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let m = &magnitude[start..];
    if m.first().is_some_and(|&b| b & 0x80 != 0) {
        put_u32(out, u32::try_from(m.len() + 1).unwrap_or(u32::MAX));
        out.push(0);
        out.extend_from_slice(m);
    } else {
        put_string(out, m);
    }
}

/// Reads `mpint` and returns the magnitude without leading zeros; negative numbers (which no
/// public key or signature holds) are an error.
pub fn read_mpint_positive<'a>(
    r: &mut Reader<'a>,
    field: &'static str,
) -> Result<&'a [u8], WireError> {
    let raw = read_string(r)?;
    if raw.first().is_some_and(|&b| b & 0x80 != 0) {
        return Err(WireError::NegativeMpint { field });
    }
    let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    Ok(&raw[start..])
}

// ---------------------------------------------------------------------------------------------
// Identification (RFC 4253 §4.2)
// ---------------------------------------------------------------------------------------------

/// Where the server's identification ends: `Some((start, end))` with `bytes[start..end]` the
/// line without CR LF (this is `V_S` of the exchange hash) and `end_with_newline` the offset of
/// the first byte after the line, once an LF-terminated line starting with `SSH-` is in `bytes`.
pub fn identification_line(bytes: &[u8]) -> Option<(usize, usize, usize)> {
    let mut start = 0;
    while start < bytes.len() {
        let nl = bytes[start..].iter().position(|&b| b == b'\n')? + start;
        let line = &bytes[start..nl];
        if line.starts_with(b"SSH-") {
            let end = if line.ends_with(b"\r") { nl - 1 } else { nl };
            return Some((start, end, nl + 1));
        }
        start = nl + 1;
    }
    None
}

/// Our identification line, CR LF included.
pub fn client_identification(software: &str) -> Vec<u8> {
    format!("SSH-2.0-{software}\r\n").into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Binary packet protocol (RFC 4253 §6), unencrypted
// ---------------------------------------------------------------------------------------------

/// Checks a decoded `packet_length` and returns the whole packet's size on the wire without
/// MAC (`4 + packet_length`).
pub fn check_packet_length(packet_length: u32) -> Result<usize, WireError> {
    let len = usize::try_from(packet_length).unwrap_or(usize::MAX);
    if !(5..=MAX_PACKET - 4).contains(&len) {
        return Err(WireError::BadPacketLength(packet_length));
    }
    Ok(len + 4)
}

/// The size of the first unencrypted packet in `buf`, once its length field is there.
pub fn packet_len(buf: &[u8]) -> Result<Option<usize>, WireError> {
    let Some(head) = buf.get(..4) else {
        return Ok(None);
    };
    check_packet_length(u32::from_be_bytes([head[0], head[1], head[2], head[3]])).map(Some)
}

/// The payload of `packet_length`'s body (`padding_length ‖ payload ‖ padding`).
pub fn packet_payload(body: &[u8]) -> Result<&[u8], WireError> {
    let packet = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let mut r = Reader::new(body);
    let padding = r.u8()?;
    let payload_len = body
        .len()
        .checked_sub(1 + usize::from(padding))
        .ok_or(WireError::BadPadding { padding, packet })?;
    if payload_len == 0 {
        return Err(WireError::EmptyMessage);
    }
    r.take(payload_len)
}

/// Decodes the first unencrypted packet of `buf`: (payload, bytes consumed).
pub fn decode_packet(buf: &[u8]) -> Result<(&[u8], usize), WireError> {
    let mut r = Reader::new(buf);
    let packet_length = read_u32(&mut r)?;
    let total = check_packet_length(packet_length)?;
    let body = r.take(total - 4)?;
    Ok((packet_payload(body)?, total))
}

/// How many padding bytes a payload needs: at least [`MIN_PADDING`], so that the aligned span
/// is a multiple of `block` (≥ 8). `length_in_span` says whether the 4-byte length field counts
/// (it does except with AES-GCM, RFC 5647 §7.2, where the length is sent in the clear).
pub fn padding_for(payload_len: usize, block: usize, length_in_span: bool) -> usize {
    let block = block.max(8);
    let span = payload_len + 1 + if length_in_span { 4 } else { 0 };
    let mut pad = block - span % block;
    if pad < MIN_PADDING {
        pad += block;
    }
    pad
}

/// An unencrypted packet around `payload` (padding bytes zero: nothing secret is sent before
/// the keys are in place, and RFC 4253 §6 only asks for random padding where it hides lengths).
pub fn encode_packet(payload: &[u8]) -> Vec<u8> {
    let pad = padding_for(payload.len(), 8, true);
    let mut out = Vec::with_capacity(5 + payload.len() + pad);
    put_u32(
        &mut out,
        u32::try_from(1 + payload.len() + pad).unwrap_or(u32::MAX),
    );
    out.push(pad as u8);
    out.extend_from_slice(payload);
    out.resize(out.len() + pad, 0);
    out
}

/// The message type of a payload.
pub fn message_type(payload: &[u8]) -> Result<u8, WireError> {
    payload.first().copied().ok_or(WireError::EmptyMessage)
}

fn expect_type(r: &mut Reader<'_>, expected: u8) -> Result<(), WireError> {
    let found = r.u8()?;
    if found != expected {
        return Err(WireError::UnexpectedMessage { expected, found });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SSH_MSG_KEXINIT (RFC 4253 §7.1)
// ---------------------------------------------------------------------------------------------

/// SSH_MSG_KEXINIT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KexInit {
    pub cookie: [u8; 16],
    pub kex_algorithms: Vec<String>,
    pub server_host_key_algorithms: Vec<String>,
    pub encryption_client_to_server: Vec<String>,
    pub encryption_server_to_client: Vec<String>,
    pub mac_client_to_server: Vec<String>,
    pub mac_server_to_client: Vec<String>,
    pub compression_client_to_server: Vec<String>,
    pub compression_server_to_client: Vec<String>,
    pub languages_client_to_server: Vec<String>,
    pub languages_server_to_client: Vec<String>,
    pub first_kex_packet_follows: bool,
    /// The reserved uint32 (0 in every current implementation), kept so a decode re-encodes.
    pub reserved: u32,
}

impl KexInit {
    /// Decodes an SSH_MSG_KEXINIT payload (message type included).
    pub fn decode(payload: &[u8]) -> Result<KexInit, WireError> {
        let mut r = Reader::new(payload);
        expect_type(&mut r, MSG_KEXINIT)?;
        let mut cookie = [0u8; 16];
        cookie.copy_from_slice(r.take(16)?);
        let out = KexInit {
            cookie,
            kex_algorithms: read_name_list(&mut r, "kex_algorithms")?,
            server_host_key_algorithms: read_name_list(&mut r, "server_host_key_algorithms")?,
            encryption_client_to_server: read_name_list(
                &mut r,
                "encryption_algorithms_client_to_server",
            )?,
            encryption_server_to_client: read_name_list(
                &mut r,
                "encryption_algorithms_server_to_client",
            )?,
            mac_client_to_server: read_name_list(&mut r, "mac_algorithms_client_to_server")?,
            mac_server_to_client: read_name_list(&mut r, "mac_algorithms_server_to_client")?,
            compression_client_to_server: read_name_list(
                &mut r,
                "compression_algorithms_client_to_server",
            )?,
            compression_server_to_client: read_name_list(
                &mut r,
                "compression_algorithms_server_to_client",
            )?,
            languages_client_to_server: read_name_list(&mut r, "languages_client_to_server")?,
            languages_server_to_client: read_name_list(&mut r, "languages_server_to_client")?,
            first_kex_packet_follows: read_bool(&mut r, "first_kex_packet_follows")?,
            reserved: read_u32(&mut r)?,
        };
        // RFC 4253 §7.1 ends the message with the reserved field; OpenSSH ignores extra bytes
        // there, so extra bytes are not an error here either.
        Ok(out)
    }

    /// The SSH_MSG_KEXINIT payload (message type included).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![MSG_KEXINIT];
        out.extend_from_slice(&self.cookie);
        for list in [
            &self.kex_algorithms,
            &self.server_host_key_algorithms,
            &self.encryption_client_to_server,
            &self.encryption_server_to_client,
            &self.mac_client_to_server,
            &self.mac_server_to_client,
            &self.compression_client_to_server,
            &self.compression_server_to_client,
            &self.languages_client_to_server,
            &self.languages_server_to_client,
        ] {
            put_name_list(&mut out, list);
        }
        out.push(u8::from(self.first_kex_packet_follows));
        put_u32(&mut out, self.reserved);
        out
    }
}

/// RFC 4253 §7.1: the first algorithm on the client's list that is also on the server's.
pub fn negotiate<'a>(client: &'a [String], server: &[String]) -> Option<&'a str> {
    client
        .iter()
        .find(|c| server.iter().any(|s| s == *c))
        .map(String::as_str)
}

// ---------------------------------------------------------------------------------------------
// Other messages the audit sends or reads
// ---------------------------------------------------------------------------------------------

/// SSH_MSG_KEX_ECDH_INIT (RFC 5656 §4, RFC 8731 §3): the client's ephemeral public key.
pub fn encode_ecdh_init(q_c: &[u8]) -> Vec<u8> {
    let mut out = vec![MSG_KEX_ECDH_INIT];
    put_string(&mut out, q_c);
    out
}

/// SSH_MSG_KEX_ECDH_REPLY: host key blob `K_S`, server ephemeral key `Q_S`, signature blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdhReply<'a> {
    pub host_key: &'a [u8],
    pub q_s: &'a [u8],
    pub signature: &'a [u8],
}

impl<'a> EcdhReply<'a> {
    pub fn decode(payload: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(payload);
        expect_type(&mut r, MSG_KEX_ECDH_REPLY)?;
        Ok(EcdhReply {
            host_key: read_string(&mut r)?,
            q_s: read_string(&mut r)?,
            signature: read_string(&mut r)?,
        })
    }
}

/// SSH_MSG_SERVICE_REQUEST (RFC 4253 §10).
pub fn encode_service_request(service: &str) -> Vec<u8> {
    let mut out = vec![MSG_SERVICE_REQUEST];
    put_string(&mut out, service.as_bytes());
    out
}

/// SSH_MSG_USERAUTH_REQUEST with method `none` (RFC 4252 §5.2): no credential at all.
pub fn encode_userauth_none(user: &str) -> Vec<u8> {
    let mut out = vec![MSG_USERAUTH_REQUEST];
    put_string(&mut out, user.as_bytes());
    put_string(&mut out, b"ssh-connection");
    put_string(&mut out, b"none");
    out
}

/// SSH_MSG_DISCONNECT (RFC 4253 §11.1).
pub fn encode_disconnect(reason: u32, description: &str) -> Vec<u8> {
    let mut out = vec![MSG_DISCONNECT];
    put_u32(&mut out, reason);
    put_string(&mut out, description.as_bytes());
    put_string(&mut out, b"");
    out
}

/// A decoded SSH_MSG_DISCONNECT: reason code and description (bounded, escaped).
pub fn decode_disconnect(payload: &[u8]) -> Result<(u32, String), WireError> {
    let mut r = Reader::new(payload);
    expect_type(&mut r, MSG_DISCONNECT)?;
    let reason = read_u32(&mut r)?;
    let description = read_string(&mut r)?;
    Ok((reason, text(description)))
}

/// SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1): authentications that can continue, partial success.
pub fn decode_userauth_failure(payload: &[u8]) -> Result<(Vec<String>, bool), WireError> {
    let mut r = Reader::new(payload);
    expect_type(&mut r, MSG_USERAUTH_FAILURE)?;
    let methods = read_name_list(&mut r, "authentications that can continue")?;
    let partial = read_bool(&mut r, "partial success")?;
    Ok((methods, partial))
}

/// SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4): the message (bounded, escaped, on one line).
pub fn decode_userauth_banner(payload: &[u8]) -> Result<String, WireError> {
    let mut r = Reader::new(payload);
    expect_type(&mut r, MSG_USERAUTH_BANNER)?;
    // Line breaks come out as spaces (one-line observation text); the last one is dropped.
    Ok(text(read_string(&mut r)?).trim_end().to_string())
}

/// SSH_MSG_SERVICE_ACCEPT (RFC 4253 §10): the service name.
pub fn decode_service_accept(payload: &[u8]) -> Result<String, WireError> {
    let mut r = Reader::new(payload);
    expect_type(&mut r, MSG_SERVICE_ACCEPT)?;
    Ok(text(read_string(&mut r)?))
}

/// SSH_MSG_EXT_INFO (RFC 8308 §2.3): (extension name, value) pairs.
pub fn decode_ext_info(payload: &[u8]) -> Result<Vec<(String, Vec<u8>)>, WireError> {
    let mut r = Reader::new(payload);
    expect_type(&mut r, MSG_EXT_INFO)?;
    let count = read_u32(&mut r)?;
    // Each pair takes at least 8 bytes, so the count cannot make us loop past the payload.
    let mut out = Vec::new();
    for _ in 0..count {
        let name = text(read_string(&mut r)?);
        let value = read_string(&mut r)?.to_vec();
        out.push((name, value));
    }
    Ok(out)
}

/// Longest server-chosen text kept (banners, disconnect descriptions).
pub const MAX_TEXT: usize = 2048;

/// Server text for the observation: UTF-8 (RFC 4252 §5.4), escaped where it is not, bounded.
pub fn text(bytes: &[u8]) -> String {
    crate::probe::identify::wire_text(bytes, MAX_TEXT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// A KEXINIT as OpenSSH 9.2 sends it with the lab's hardened configuration (written by
    /// hand from RFC 4253 §7.1; the pcap test checks a real one).
    fn sample_kexinit() -> KexInit {
        KexInit {
            cookie: [7; 16],
            kex_algorithms: names(&[
                "sntrup761x25519-sha512@openssh.com",
                "curve25519-sha256",
                "kex-strict-s-v00@openssh.com",
            ]),
            server_host_key_algorithms: names(&["ssh-ed25519"]),
            encryption_client_to_server: names(&["chacha20-poly1305@openssh.com"]),
            encryption_server_to_client: names(&["chacha20-poly1305@openssh.com"]),
            mac_client_to_server: names(&["hmac-sha2-256-etm@openssh.com"]),
            mac_server_to_client: names(&["hmac-sha2-256-etm@openssh.com"]),
            compression_client_to_server: names(&["none", "zlib@openssh.com"]),
            compression_server_to_client: names(&["none", "zlib@openssh.com"]),
            languages_client_to_server: vec![],
            languages_server_to_client: vec![],
            first_kex_packet_follows: false,
            reserved: 0,
        }
    }

    #[test]
    fn kexinit_round_trip_and_layout() {
        let k = sample_kexinit();
        let bytes = k.encode();
        assert_eq!(bytes[0], MSG_KEXINIT);
        assert_eq!(&bytes[1..17], &[7; 16]);
        // First name-list: uint32 length then the comma-joined names.
        let first =
            b"sntrup761x25519-sha512@openssh.com,curve25519-sha256,kex-strict-s-v00@openssh.com";
        assert_eq!(&bytes[17..21], &(first.len() as u32).to_be_bytes());
        assert_eq!(&bytes[21..21 + first.len()], first);
        // Two empty language lists, the boolean and the reserved uint32 end it.
        assert_eq!(
            &bytes[bytes.len() - 13..],
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(KexInit::decode(&bytes).unwrap(), k);
    }

    #[test]
    fn kexinit_errors_are_precise() {
        let bytes = sample_kexinit().encode();
        for cut in 0..bytes.len() {
            let err = KexInit::decode(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(err, WireError::Truncated { .. } | WireError::EmptyMessage),
                "{cut}: {err}"
            );
        }
        let mut wrong = bytes.clone();
        wrong[0] = 21;
        assert_eq!(
            KexInit::decode(&wrong),
            Err(WireError::UnexpectedMessage {
                expected: 20,
                found: 21
            })
        );
        let mut boolean = bytes.clone();
        let at = boolean.len() - 5;
        boolean[at] = 2;
        assert!(matches!(
            KexInit::decode(&boolean),
            Err(WireError::BadBoolean { .. })
        ));
        // A name-list length far past the end.
        let mut huge = bytes[..17].to_vec();
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, b'a']);
        assert!(matches!(
            KexInit::decode(&huge),
            Err(WireError::Truncated { .. })
        ));
    }

    #[test]
    fn name_lists_follow_rfc4251() {
        assert_eq!(parse_name_list(b"", "x").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_name_list(b"zlib,none", "x").unwrap(),
            names(&["zlib", "none"])
        );
        for bad in [
            &b"a,,b"[..],
            b",a",
            b"a,",
            b"a\0b",
            b"a b",
            b"\xffa",
            b"a\nb",
        ] {
            assert!(
                matches!(
                    parse_name_list(bad, "x"),
                    Err(WireError::BadNameList { .. })
                ),
                "{bad:?}"
            );
        }
        let long = vec![b'a'; 65];
        assert!(parse_name_list(&long, "x").is_err());
        let mut out = Vec::new();
        put_name_list(&mut out, &["a", "bc"]);
        assert_eq!(out, b"\x00\x00\x00\x04a,bc");
    }

    #[test]
    fn mpint_encoding_matches_rfc4251_examples() {
        // RFC 4251 §5 examples.
        let enc = |m: &[u8]| {
            let mut out = Vec::new();
            put_mpint(&mut out, m);
            out
        };
        assert_eq!(enc(&[]), [0, 0, 0, 0]);
        assert_eq!(enc(&[0, 0]), [0, 0, 0, 0]);
        assert_eq!(
            enc(&[0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7]),
            [0, 0, 0, 8, 0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7]
        );
        assert_eq!(enc(&[0x80]), [0, 0, 0, 2, 0x00, 0x80]);
        assert_eq!(enc(&[0, 0x80]), [0, 0, 0, 2, 0x00, 0x80]);
        let mut r = Reader::new(&[0, 0, 0, 2, 0x00, 0x80]);
        assert_eq!(read_mpint_positive(&mut r, "m").unwrap(), &[0x80]);
        let mut r = Reader::new(&[0, 0, 0, 1, 0xff]);
        assert!(read_mpint_positive(&mut r, "m").is_err());
    }

    #[test]
    fn packet_framing() {
        let payload = [MSG_NEWKEYS];
        let packet = encode_packet(&payload);
        assert_eq!(packet.len() % 8, 0);
        assert!(usize::from(packet[4]) >= MIN_PADDING);
        assert_eq!(packet_len(&packet).unwrap(), Some(packet.len()));
        assert_eq!(packet_len(&packet[..3]).unwrap(), None);
        let (p, used) = decode_packet(&packet).unwrap();
        assert_eq!(p, &payload);
        assert_eq!(used, packet.len());
        // Bounds of RFC 4253 §6.1.
        assert_eq!(
            packet_len(&[0, 0, 0x88, 0xb9]),
            Err(WireError::BadPacketLength(35001))
        );
        assert_eq!(
            packet_len(&[0, 0, 0, 4]),
            Err(WireError::BadPacketLength(4))
        );
        assert!(packet_len(&[0xff, 0xff, 0xff, 0xff]).is_err());
        // padding_length larger than the packet.
        assert_eq!(
            decode_packet(&[0, 0, 0, 5, 9, 1, 2, 3, 4]),
            Err(WireError::BadPadding {
                padding: 9,
                packet: 5
            })
        );
        // Nothing but padding.
        assert_eq!(
            decode_packet(&[0, 0, 0, 5, 4, 0, 0, 0, 0]),
            Err(WireError::EmptyMessage)
        );
        for len in 0..40 {
            let pad = padding_for(len, 16, false);
            assert!(pad >= 4 && (len + 1 + pad).is_multiple_of(16));
            let pad = padding_for(len, 8, true);
            assert!(pad >= 4 && (len + 5 + pad).is_multiple_of(8));
        }
    }

    #[test]
    fn identification_line_bounds() {
        let bytes = b"hello\r\nSSH-2.0-OpenSSH_9.2p1 Debian\r\n\x00\x00\x01";
        let (start, end, next) = identification_line(bytes).unwrap();
        assert_eq!(&bytes[start..end], b"SSH-2.0-OpenSSH_9.2p1 Debian");
        assert_eq!(&bytes[next..], b"\x00\x00\x01");
        assert_eq!(identification_line(b"SSH-2.0-x"), None);
        let (s, e, n) = identification_line(b"SSH-2.0-x\n").unwrap();
        assert_eq!((s, e, n), (0, 9, 10));
        assert_eq!(
            client_identification("edgeaudit_0.1.0"),
            b"SSH-2.0-edgeaudit_0.1.0\r\n"
        );
    }

    #[test]
    fn userauth_and_other_messages() {
        let mut failure = vec![MSG_USERAUTH_FAILURE];
        put_string(&mut failure, b"publickey,password,keyboard-interactive");
        failure.push(0);
        assert_eq!(
            decode_userauth_failure(&failure).unwrap(),
            (
                names(&["publickey", "password", "keyboard-interactive"]),
                false
            )
        );
        let req = encode_userauth_none("edgeaudit-probe");
        assert_eq!(req[0], MSG_USERAUTH_REQUEST);
        assert!(req.ends_with(b"\x00\x00\x00\x04none"));
        let mut ext = vec![MSG_EXT_INFO];
        put_u32(&mut ext, 1);
        put_string(&mut ext, b"server-sig-algs");
        put_string(&mut ext, b"ssh-ed25519,rsa-sha2-512");
        assert_eq!(
            decode_ext_info(&ext).unwrap(),
            vec![(
                "server-sig-algs".to_string(),
                b"ssh-ed25519,rsa-sha2-512".to_vec()
            )]
        );
        let mut lying = vec![MSG_EXT_INFO];
        put_u32(&mut lying, u32::MAX);
        assert!(decode_ext_info(&lying).is_err());
        let d = encode_disconnect(DISCONNECT_BY_APPLICATION, "bye");
        assert_eq!(decode_disconnect(&d).unwrap(), (11, "bye".to_string()));
        let mut banner = vec![MSG_USERAUTH_BANNER];
        put_string(&mut banner, b"Authorised use only\n");
        put_string(&mut banner, b"");
        assert_eq!(
            decode_userauth_banner(&banner).unwrap(),
            "Authorised use only"
        );
        let mut accept = vec![MSG_SERVICE_ACCEPT];
        put_string(&mut accept, b"ssh-userauth");
        assert_eq!(decode_service_accept(&accept).unwrap(), "ssh-userauth");
        let mut reply = vec![MSG_KEX_ECDH_REPLY];
        put_string(&mut reply, b"KS");
        put_string(&mut reply, b"QS");
        put_string(&mut reply, b"SIG");
        let r = EcdhReply::decode(&reply).unwrap();
        assert_eq!(
            (r.host_key, r.q_s, r.signature),
            (&b"KS"[..], &b"QS"[..], &b"SIG"[..])
        );
        assert_eq!(encode_ecdh_init(b"Q")[..], [30, 0, 0, 0, 1, b'Q']);
    }

    #[test]
    fn negotiation_takes_the_clients_first_common_algorithm() {
        let client = names(&["a", "b", "c"]);
        assert_eq!(negotiate(&client, &names(&["c", "b"])), Some("b"));
        assert_eq!(negotiate(&client, &names(&["x"])), None);
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let mut state = 11u32;
        let seed = sample_kexinit().encode();
        for round in 0..3000 {
            let mut bytes = seed.clone();
            let flips = 1 + round % 8;
            for _ in 0..flips {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let at = (state as usize >> 8) % bytes.len();
                bytes[at] = (state >> 24) as u8;
            }
            bytes.truncate((state as usize >> 4) % (bytes.len() + 1));
            let _ = KexInit::decode(&bytes);
            let _ = decode_packet(&bytes);
            let _ = packet_len(&bytes);
            let _ = EcdhReply::decode(&bytes);
            let _ = decode_ext_info(&bytes);
            let _ = decode_userauth_failure(&bytes);
            let _ = identification_line(&bytes);
        }
    }
}
