//! Sans-I/O TLS codec for auditing: ClientHellos we build ourselves (any version, any suite list,
//! SSLv2 too) and the server's first flight, parsed without any cryptography.
//!
//! Layering on the wire:
//!
//! ```text
//! TLSPlaintext (RFC 5246 §6.2.1, RFC 8446 §5.1)   type u8 | legacy_record_version u16 | length u16 | fragment
//! Handshake (RFC 5246 §7.4, RFC 8446 §4)         msg_type u8 | length u24 | body    (may span several records)
//! Alert (RFC 5246 §7.2, RFC 8446 §6)             level u8 | description u8
//! SSLv2 record (draft-hickman-netscape-ssl-00)   2-byte header (high bit set) | message
//! ```
//!
//! Every decoder reads through [`Reader`], which cannot read past the length it was given, and never
//! panics on hostile input. A buffer that ends early is [`WireError::Incomplete`] (read more); one
//! that breaks a rule is [`WireError::Malformed`]. The flight parser ([`parse_server_flight`]) is
//! meant to be called again on the whole buffer each time more bytes arrive.
//!
//! Registries are open enums: unknown alert descriptions, versions, groups and extension types
//! survive and print as hex.

use std::fmt;

use thiserror::Error;

use crate::wire::ShortRead;

/// RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes; RFC 5246 §6.2.3 allows a
/// TLSCiphertext 2048 bytes more. Anything longer is not TLS.
pub const MAX_RECORD_LEN: usize = (1 << 14) + 2048;
/// Length of a TLS record header (RFC 5246 §6.2.1).
pub const RECORD_HEADER_LEN: usize = 5;
/// Longest handshake message we reassemble. Certificate chains beyond this are not audited here;
/// the caller's read bound is smaller anyway.
pub const MAX_HANDSHAKE_LEN: usize = 1 << 18;
/// Most cipher suites we put in one ClientHello: some middleboxes drop longer lists.
pub const MAX_SUITES_PER_HELLO: usize = 128;

/// RFC 8446 §4.1.3: the `random` of a ServerHello that is really a HelloRetryRequest
/// (SHA-256 of "HelloRetryRequest").
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// RFC 8446 §4.1.3: last 8 bytes of a TLS 1.3-capable server's random when it negotiates
/// TLS 1.2 (`...01`) or TLS 1.1 and below (`...00`).
pub const DOWNGRADE_SENTINEL_PREFIX: [u8; 7] = [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44];

/// RFC 7507 §2: TLS_FALLBACK_SCSV.
pub const TLS_FALLBACK_SCSV: u16 = 0x5600;
/// RFC 5746 §3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV.
pub const TLS_EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00FF;

/// Why a decoder stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// The buffer ends before the structure does; at least `needed` more bytes would let
    /// decoding go on.
    #[error("incomplete: {needed} more byte(s) needed")]
    Incomplete { needed: usize },
    /// The bytes break a rule of the protocol; `what` says which.
    #[error("malformed: {what}")]
    Malformed { what: &'static str },
}

fn malformed<T>(what: &'static str) -> Result<T, WireError> {
    Err(WireError::Malformed { what })
}

/// The shared bounded reader, failing with this codec's error.
pub type Reader<'a> = crate::wire::Reader<'a, WireError>;

impl From<ShortRead> for WireError {
    fn from(short: ShortRead) -> Self {
        WireError::Incomplete {
            needed: short.needed,
        }
    }
}

/// Inside a structure whose length was declared, a short read is a broken length, not a reason
/// to wait for more bytes.
fn inner<T>(r: Result<T, WireError>, what: &'static str) -> Result<T, WireError> {
    r.map_err(|e| match e {
        WireError::Incomplete { .. } => WireError::Malformed { what },
        other => other,
    })
}

/// Appends big-endian integers and length-prefixed vectors. Lengths that overflow their prefix
/// saturate (only possible with hand-made oversize inputs; the builders keep within bounds).
#[derive(Debug, Default, Clone)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub fn u24(&mut self, v: usize) {
        let v = v.min(0xFF_FFFF) as u32;
        self.buf.extend_from_slice(&v.to_be_bytes()[1..]);
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    pub fn vec8(&mut self, b: &[u8]) {
        let n = b.len().min(0xFF);
        self.u8(n as u8);
        self.bytes(&b[..n]);
    }
    pub fn vec16(&mut self, b: &[u8]) {
        let n = b.len().min(0xFFFF);
        self.u16(n as u16);
        self.bytes(&b[..n]);
    }
    pub fn vec24(&mut self, b: &[u8]) {
        let n = b.len().min(0xFF_FFFF);
        self.u24(n);
        self.bytes(&b[..n]);
    }
}

/// An open enum: a newtype over the wire integer with named constants; unknown values survive
/// and print as `0x..`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident($int:ty) { $($(#[$cmeta:meta])* $konst:ident = $value:expr => $text:expr,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $int);

        impl $name {
            $($(#[$cmeta])* pub const $konst: $name = $name($value);)*

            /// The registry name, if the value is known.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "0x{:0width$x}", self.0, width = 2 * std::mem::size_of::<$int>()),
                }
            }
        }
    };
}

open_enum! {
    /// RFC 5246 §6.2.1 / RFC 8446 §5.1 ContentType.
    ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        ALERT = 21 => "alert",
        HANDSHAKE = 22 => "handshake",
        APPLICATION_DATA = 23 => "application_data",
        /// RFC 6520 §2.
        HEARTBEAT = 24 => "heartbeat",
    }
}

open_enum! {
    /// RFC 5246 §7.4 / RFC 8446 §4 HandshakeType.
    HandshakeType(u8) {
        HELLO_REQUEST = 0 => "hello_request",
        CLIENT_HELLO = 1 => "client_hello",
        SERVER_HELLO = 2 => "server_hello",
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        END_OF_EARLY_DATA = 5 => "end_of_early_data",
        ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
        CERTIFICATE = 11 => "certificate",
        SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        SERVER_HELLO_DONE = 14 => "server_hello_done",
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
        FINISHED = 20 => "finished",
        /// RFC 6066 §8.
        CERTIFICATE_STATUS = 22 => "certificate_status",
        KEY_UPDATE = 24 => "key_update",
        MESSAGE_HASH = 254 => "message_hash",
    }
}

open_enum! {
    /// Protocol versions as they appear on the wire (RFC 8446 §4.2.1, RFC 6101 §5.1).
    ProtocolVersion(u16) {
        SSL2 = 0x0002 => "SSLv2",
        SSL3 = 0x0300 => "SSLv3",
        TLS10 = 0x0301 => "TLSv1.0",
        TLS11 = 0x0302 => "TLSv1.1",
        TLS12 = 0x0303 => "TLSv1.2",
        TLS13 = 0x0304 => "TLSv1.3",
    }
}

open_enum! {
    /// RFC 8446 §6 AlertLevel.
    AlertLevel(u8) {
        WARNING = 1 => "warning",
        FATAL = 2 => "fatal",
    }
}

open_enum! {
    /// RFC 8446 §6 AlertDescription, with the SSLv3/TLS 1.0 values RFC 5246 §7.2 keeps as
    /// reserved and the extensions' additions (RFC 6066, RFC 7301, RFC 7507).
    AlertDescription(u8) {
        CLOSE_NOTIFY = 0 => "close_notify",
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        DECRYPTION_FAILED = 21 => "decryption_failed",
        RECORD_OVERFLOW = 22 => "record_overflow",
        DECOMPRESSION_FAILURE = 30 => "decompression_failure",
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        NO_CERTIFICATE = 41 => "no_certificate",
        BAD_CERTIFICATE = 42 => "bad_certificate",
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        UNKNOWN_CA = 48 => "unknown_ca",
        ACCESS_DENIED = 49 => "access_denied",
        DECODE_ERROR = 50 => "decode_error",
        DECRYPT_ERROR = 51 => "decrypt_error",
        EXPORT_RESTRICTION = 60 => "export_restriction",
        PROTOCOL_VERSION = 70 => "protocol_version",
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        INTERNAL_ERROR = 80 => "internal_error",
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        USER_CANCELED = 90 => "user_canceled",
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        MISSING_EXTENSION = 109 => "missing_extension",
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
        ECH_REQUIRED = 121 => "ech_required",
    }
}

open_enum! {
    /// TLS Supported Groups registry (RFC 8446 §4.2.7, RFC 7919, RFC 8422;
    /// draft-ietf-tls-ecdhe-mlkem for the hybrids).
    NamedGroup(u16) {
        /// RFC 4492 §5.1.1 curves, deprecated by RFC 8422 §5.1.1 (TLS 1.2 and below only).
        SECT163K1 = 1 => "sect163k1",
        SECT163R1 = 2 => "sect163r1",
        SECT163R2 = 3 => "sect163r2",
        SECT193R1 = 4 => "sect193r1",
        SECT193R2 = 5 => "sect193r2",
        SECT233K1 = 6 => "sect233k1",
        SECT233R1 = 7 => "sect233r1",
        SECT239K1 = 8 => "sect239k1",
        SECT283K1 = 9 => "sect283k1",
        SECT283R1 = 10 => "sect283r1",
        SECT409K1 = 11 => "sect409k1",
        SECT409R1 = 12 => "sect409r1",
        SECT571K1 = 13 => "sect571k1",
        SECT571R1 = 14 => "sect571r1",
        SECP160K1 = 15 => "secp160k1",
        SECP160R1 = 16 => "secp160r1",
        SECP160R2 = 17 => "secp160r2",
        SECP192K1 = 18 => "secp192k1",
        SECP192R1 = 19 => "secp192r1",
        SECP224K1 = 20 => "secp224k1",
        SECP224R1 = 21 => "secp224r1",
        SECP256K1 = 22 => "secp256k1",
        SECP256R1 = 23 => "secp256r1",
        SECP384R1 = 24 => "secp384r1",
        SECP521R1 = 25 => "secp521r1",
        X25519 = 29 => "x25519",
        X448 = 30 => "x448",
        /// RFC 7027 (TLS 1.2 and below).
        BRAINPOOLP256R1 = 26 => "brainpoolP256r1",
        BRAINPOOLP384R1 = 27 => "brainpoolP384r1",
        BRAINPOOLP512R1 = 28 => "brainpoolP512r1",
        /// RFC 8734 (TLS 1.3).
        BRAINPOOLP256R1TLS13 = 31 => "brainpoolP256r1tls13",
        BRAINPOOLP384R1TLS13 = 32 => "brainpoolP384r1tls13",
        BRAINPOOLP512R1TLS13 = 33 => "brainpoolP512r1tls13",
        FFDHE2048 = 256 => "ffdhe2048",
        FFDHE3072 = 257 => "ffdhe3072",
        FFDHE4096 = 258 => "ffdhe4096",
        FFDHE6144 = 259 => "ffdhe6144",
        FFDHE8192 = 260 => "ffdhe8192",
        SECP256R1MLKEM768 = 0x11EB => "SecP256r1MLKEM768",
        X25519MLKEM768 = 0x11EC => "X25519MLKEM768",
        SECP384R1MLKEM1024 = 0x11ED => "SecP384r1MLKEM1024",
        /// draft-tls-westerbaan-xyber768d00 (obsolete pre-standard hybrid).
        X25519KYBER768DRAFT00 = 0x6399 => "X25519Kyber768Draft00",
    }
}

open_enum! {
    /// TLS ExtensionType registry (RFC 8446 §4.2 and the RFCs named).
    ExtensionType(u16) {
        /// RFC 6066 §3.
        SERVER_NAME = 0 => "server_name",
        /// RFC 6066 §8.
        STATUS_REQUEST = 5 => "status_request",
        /// RFC 8446 §4.2.7 (formerly elliptic_curves, RFC 8422 §5.1.1).
        SUPPORTED_GROUPS = 10 => "supported_groups",
        /// RFC 8422 §5.1.2.
        EC_POINT_FORMATS = 11 => "ec_point_formats",
        /// RFC 8446 §4.2.3.
        SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
        /// RFC 6520 §2.
        HEARTBEAT = 15 => "heartbeat",
        /// RFC 7301 §3.1.
        ALPN = 16 => "application_layer_protocol_negotiation",
        /// RFC 7685.
        PADDING = 21 => "padding",
        /// RFC 7366.
        ENCRYPT_THEN_MAC = 22 => "encrypt_then_mac",
        /// RFC 7627.
        EXTENDED_MASTER_SECRET = 23 => "extended_master_secret",
        /// RFC 5077 §3.2.
        SESSION_TICKET = 35 => "session_ticket",
        PRE_SHARED_KEY = 41 => "pre_shared_key",
        EARLY_DATA = 42 => "early_data",
        /// RFC 8446 §4.2.1.
        SUPPORTED_VERSIONS = 43 => "supported_versions",
        /// RFC 8446 §4.2.2.
        COOKIE = 44 => "cookie",
        PSK_KEY_EXCHANGE_MODES = 45 => "psk_key_exchange_modes",
        /// RFC 8446 §4.2.8.
        KEY_SHARE = 51 => "key_share",
        /// RFC 5746 §3.2.
        RENEGOTIATION_INFO = 0xFF01 => "renegotiation_info",
    }
}

/// RFC 6101 §5.6 / RFC 5246 §7.4.1.2 CompressionMethod: null.
pub const COMPRESSION_NULL: u8 = 0;
/// RFC 3749 §2: DEFLATE.
pub const COMPRESSION_DEFLATE: u8 = 1;

/// Signature schemes offered in `signature_algorithms` (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1):
/// modern first, then the legacy SHA-1, SHA-224 and MD5 pairs old servers may need.
pub const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, 0x0503, 0x0603, // ecdsa_secp{256r1_sha256,384r1_sha384,521r1_sha512}
    0x0807, 0x0808, // ed25519, ed448
    0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha{256,384,512}
    0x0809, 0x080A, 0x080B, // rsa_pss_pss_sha{256,384,512}
    0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha{256,384,512}
    0x0303, 0x0301, 0x0302, // sha224 with ecdsa, rsa, dsa
    0x0402, 0x0502, 0x0602, // dsa with sha256/384/512
    0x0203, 0x0201, 0x0202, // sha1 with ecdsa, rsa, dsa
    0x0101, // md5 with rsa
];

/// Groups offered in `supported_groups` for TLS 1.2 and below (no hybrids: they are 1.3 only).
pub const LEGACY_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
    NamedGroup::SECP521R1,
    NamedGroup::X448,
    NamedGroup::FFDHE2048,
    NamedGroup::FFDHE3072,
    NamedGroup::FFDHE4096,
    NamedGroup::FFDHE6144,
    NamedGroup::FFDHE8192,
];

/// Groups offered for TLS 1.3: the key share is for x25519 only; a server that wants another one
/// names it in a HelloRetryRequest (RFC 8446 §4.1.4), which is enough to see the version accepted.
pub const TLS13_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
    NamedGroup::SECP521R1,
    NamedGroup::X448,
    NamedGroup::FFDHE2048,
    NamedGroup::FFDHE3072,
    NamedGroup::FFDHE4096,
    NamedGroup::FFDHE6144,
    NamedGroup::FFDHE8192,
];

/// One extension as it appears on the wire: type and raw `extension_data` (RFC 8446 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub typ: ExtensionType,
    pub data: Vec<u8>,
}

impl Extension {
    pub fn new(typ: ExtensionType, data: Vec<u8>) -> Self {
        Extension { typ, data }
    }
}

fn encode_extensions(w: &mut Writer, extensions: &[Extension]) {
    let mut inner = Writer::default();
    for e in extensions {
        inner.u16(e.typ.0);
        inner.vec16(&e.data);
    }
    w.vec16(&inner.buf);
}

/// Reads an `Extension extensions<0..2^16-1>` block that fills the rest of `r`. A type that
/// appears twice is malformed (RFC 8446 §4.2).
fn decode_extensions(r: &mut Reader<'_>) -> Result<Vec<Extension>, WireError> {
    if r.is_empty() {
        return Ok(Vec::new());
    }
    let mut block = inner(r.vec16(), "extensions block longer than its message")?;
    if !r.is_empty() {
        return malformed("bytes after the extensions block");
    }
    let mut out: Vec<Extension> = Vec::new();
    while !block.is_empty() {
        let typ = ExtensionType(inner(block.u16_be(), "truncated extension header")?);
        let data = inner(block.vec16(), "extension longer than the extensions block")?;
        if out.iter().any(|e| e.typ == typ) {
            return malformed("duplicate extension");
        }
        out.push(Extension {
            typ,
            data: data.unread().to_vec(),
        });
    }
    Ok(out)
}

/// What goes into a probe ClientHello; [`ClientHello::for_probe`] turns it into the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloOptions {
    /// The version offered: `client_version` for TLS 1.2 and below; TLS 1.3 is offered with
    /// `legacy_version` 0x0303 and `supported_versions` = [0x0304] (RFC 8446 §4.2.1).
    pub version: ProtocolVersion,
    pub cipher_suites: Vec<u16>,
    /// Append TLS_FALLBACK_SCSV (RFC 7507).
    pub fallback_scsv: bool,
    /// Append TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3), in addition to the extension.
    pub renegotiation_scsv: bool,
    /// Offer DEFLATE besides null compression (RFC 3749), for the compression check.
    pub deflate: bool,
    /// SNI; sent only when it is a DNS name (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are
    /// not permitted").
    pub server_name: Option<String>,
    /// ALPN protocol names (RFC 7301).
    pub alpn: Vec<Vec<u8>>,
    pub random: [u8; 32],
    /// The x25519 key share for TLS 1.3 (we never finish a handshake, so any 32 bytes do).
    pub key_share: [u8; 32],
    /// `supported_groups` instead of the default ([`TLS13_GROUPS`] or [`LEGACY_GROUPS`]); an
    /// empty list sends no `supported_groups` extension.
    pub groups: Option<Vec<NamedGroup>>,
    /// TLS 1.3 `key_share` entries instead of the default x25519 share of `key_share`; an empty
    /// list sends an empty `client_shares`, which asks for a HelloRetryRequest (RFC 8446 §4.2.8).
    pub key_shares: Option<Vec<(NamedGroup, Vec<u8>)>>,
}

impl HelloOptions {
    pub fn new(version: ProtocolVersion, cipher_suites: Vec<u16>) -> Self {
        HelloOptions {
            version,
            cipher_suites,
            fallback_scsv: false,
            renegotiation_scsv: false,
            deflate: false,
            server_name: None,
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            random: [0; 32],
            key_share: [0; 32],
            groups: None,
            key_shares: None,
        }
    }
}

/// Whether `name` may go into SNI: a DNS host name, not an IP literal (RFC 6066 §3).
pub fn is_sni_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.parse::<std::net::IpAddr>().is_err()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// RFC 5246 §7.4.1.2 / RFC 8446 §4.1.2 ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_record_version` of the record(s) carrying it.
    pub record_version: ProtocolVersion,
    pub client_version: ProtocolVersion,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    /// `None`: no extensions block at all (as SSLv3 clients sent).
    pub extensions: Option<Vec<Extension>>,
}

impl ClientHello {
    /// The probe hello for `opts`: the extensions a broad client sends, padded so the body is
    /// never 256–511 bytes long (the F5 bug; RFC 7685 §4).
    pub fn for_probe(opts: &HelloOptions) -> ClientHello {
        let tls13 = opts.version == ProtocolVersion::TLS13;
        let client_version = if tls13 {
            ProtocolVersion::TLS12
        } else {
            opts.version
        };
        // RFC 8446 §5.1 / appendix E: 0x0301 for the first flight is the most compatible; SSLv3
        // servers want 0x0300.
        let record_version = if opts.version == ProtocolVersion::SSL3 {
            ProtocolVersion::SSL3
        } else {
            ProtocolVersion::TLS10
        };
        let mut suites = opts.cipher_suites.clone();
        if opts.renegotiation_scsv {
            suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        if opts.fallback_scsv {
            suites.push(TLS_FALLBACK_SCSV);
        }
        let mut compression = vec![COMPRESSION_NULL];
        if opts.deflate {
            compression.insert(0, COMPRESSION_DEFLATE);
        }

        let mut ext = Vec::new();
        if let Some(name) = opts.server_name.as_deref().filter(|n| is_sni_name(n)) {
            // RFC 6066 §3: ServerNameList of one host_name(0).
            let name = name.strip_suffix('.').unwrap_or(name);
            let mut entry = Writer::default();
            entry.u8(0);
            entry.vec16(name.as_bytes());
            let mut list = Writer::default();
            list.vec16(&entry.buf);
            ext.push(Extension::new(ExtensionType::SERVER_NAME, list.buf));
        }
        let groups = match &opts.groups {
            Some(groups) => groups.as_slice(),
            None if tls13 => TLS13_GROUPS,
            None => LEGACY_GROUPS,
        };
        if !groups.is_empty() {
            let mut g = Writer::default();
            for group in groups {
                g.u16(group.0);
            }
            let mut list = Writer::default();
            list.vec16(&g.buf);
            ext.push(Extension::new(ExtensionType::SUPPORTED_GROUPS, list.buf));
        }
        // RFC 8422 §5.1.2: uncompressed, ansiX962_compressed_prime, ansiX962_compressed_char2.
        ext.push(Extension::new(
            ExtensionType::EC_POINT_FORMATS,
            vec![3, 0, 1, 2],
        ));
        // RFC 5246 §7.4.1.4.1: not sent when offering a version below TLS 1.2.
        if client_version >= ProtocolVersion::TLS12 {
            let mut s = Writer::default();
            for scheme in SIGNATURE_SCHEMES {
                s.u16(*scheme);
            }
            let mut list = Writer::default();
            list.vec16(&s.buf);
            ext.push(Extension::new(
                ExtensionType::SIGNATURE_ALGORITHMS,
                list.buf,
            ));
        }
        if tls13 {
            // RFC 8446 §4.2.1: ProtocolVersion versions<2..254>.
            ext.push(Extension::new(
                ExtensionType::SUPPORTED_VERSIONS,
                vec![2, 0x03, 0x04],
            ));
            // RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>.
            let mut entries = Writer::default();
            match &opts.key_shares {
                Some(shares) => {
                    for (group, key) in shares {
                        entries.u16(group.0);
                        entries.vec16(key);
                    }
                }
                None => {
                    entries.u16(NamedGroup::X25519.0);
                    entries.vec16(&opts.key_share);
                }
            }
            let mut list = Writer::default();
            list.vec16(&entries.buf);
            ext.push(Extension::new(ExtensionType::KEY_SHARE, list.buf));
            // RFC 8446 §4.2.9: psk_dhe_ke; OpenSSL and others want it present with key_share.
            ext.push(Extension::new(
                ExtensionType::PSK_KEY_EXCHANGE_MODES,
                vec![1, 1],
            ));
        }
        // RFC 5746 §3.4: empty renegotiated_connection.
        ext.push(Extension::new(ExtensionType::RENEGOTIATION_INFO, vec![0]));
        ext.push(Extension::new(ExtensionType::SESSION_TICKET, Vec::new()));
        ext.push(Extension::new(
            ExtensionType::EXTENDED_MASTER_SECRET,
            Vec::new(),
        ));
        // RFC 6066 §8: status_type ocsp(1), empty responder_id_list and request_extensions.
        ext.push(Extension::new(
            ExtensionType::STATUS_REQUEST,
            vec![1, 0, 0, 0, 0],
        ));
        // RFC 6520 §2: peer_allowed_to_send(1).
        ext.push(Extension::new(ExtensionType::HEARTBEAT, vec![1]));
        if !opts.alpn.is_empty() {
            let mut p = Writer::default();
            for proto in &opts.alpn {
                p.vec8(proto);
            }
            let mut list = Writer::default();
            list.vec16(&p.buf);
            ext.push(Extension::new(ExtensionType::ALPN, list.buf));
        }

        let mut hello = ClientHello {
            record_version,
            client_version,
            random: opts.random,
            session_id: Vec::new(),
            cipher_suites: suites,
            compression_methods: compression,
            extensions: Some(ext),
        };
        hello.pad();
        hello
    }

    /// RFC 7685 §4: if the body would be 252–511 bytes long (so that neither the body nor the
    /// handshake message falls in 256–511), add a padding extension to bring the body to 512.
    fn pad(&mut self) {
        let len = self.encode_body().len();
        if !(252..512).contains(&len) {
            return;
        }
        if let Some(ext) = self.extensions.as_mut() {
            let fill = 512usize.saturating_sub(len + 4);
            ext.push(Extension::new(ExtensionType::PADDING, vec![0; fill]));
        }
    }

    /// The handshake body (after msg_type and length).
    pub fn encode_body(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u16(self.client_version.0);
        w.bytes(&self.random);
        w.vec8(&self.session_id);
        let mut suites = Writer::default();
        for s in &self.cipher_suites {
            suites.u16(*s);
        }
        w.vec16(&suites.buf);
        w.vec8(&self.compression_methods);
        if let Some(ext) = &self.extensions {
            encode_extensions(&mut w, ext);
        }
        w.buf
    }

    /// The handshake message: msg_type client_hello(1), u24 length, body.
    pub fn encode_handshake(&self) -> Vec<u8> {
        let body = self.encode_body();
        let mut w = Writer::default();
        w.u8(HandshakeType::CLIENT_HELLO.0);
        w.vec24(&body);
        w.buf
    }

    /// The handshake message in TLS records, split at 2^14 bytes (RFC 5246 §6.2.1).
    pub fn encode(&self) -> Vec<u8> {
        let hs = self.encode_handshake();
        let mut w = Writer::default();
        for chunk in hs.chunks(1 << 14) {
            w.u8(ContentType::HANDSHAKE.0);
            w.u16(self.record_version.0);
            w.vec16(chunk);
        }
        w.buf
    }

    /// Decodes a ClientHello from TLS records (the inverse of [`ClientHello::encode`]).
    pub fn decode(records: &[u8]) -> Result<ClientHello, WireError> {
        let mut r = Reader::new(records);
        let mut hs = Vec::new();
        let mut record_version = None;
        while !r.is_empty() {
            let header = r.take(RECORD_HEADER_LEN)?;
            if header[0] != ContentType::HANDSHAKE.0 {
                return malformed("record is not a handshake record");
            }
            let version = ProtocolVersion(u16::from_be_bytes([header[1], header[2]]));
            record_version.get_or_insert(version);
            let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
            if len > MAX_RECORD_LEN {
                return malformed("record length exceeds 2^14+2048");
            }
            hs.extend_from_slice(r.take(len)?);
        }
        let mut h = Reader::new(&hs);
        if h.u8()? != HandshakeType::CLIENT_HELLO.0 {
            return malformed("handshake message is not a ClientHello");
        }
        let mut body = h.vec24()?;
        if !h.is_empty() {
            return malformed("bytes after the ClientHello");
        }
        let what = "ClientHello shorter than its fields";
        let client_version = ProtocolVersion(inner(body.u16_be(), what)?);
        let mut random = [0u8; 32];
        random.copy_from_slice(inner(body.take(32), what)?);
        let session_id = inner(body.vec8(), what)?.rest().to_vec();
        let mut suites_r = inner(body.vec16(), what)?;
        if suites_r.remaining() % 2 != 0 {
            return malformed("odd cipher_suites length");
        }
        let mut cipher_suites = Vec::with_capacity(suites_r.remaining() / 2);
        while !suites_r.is_empty() {
            cipher_suites.push(suites_r.u16_be()?);
        }
        let compression_methods = inner(body.vec8(), what)?.rest().to_vec();
        let extensions = if body.is_empty() {
            None
        } else {
            Some(decode_extensions(&mut body)?)
        };
        Ok(ClientHello {
            record_version: record_version.unwrap_or(ProtocolVersion(0)),
            client_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

/// SSLv2 cipher specs (draft-hickman-netscape-ssl-00, appendix C), 3 bytes each.
pub const SSL2_CIPHER_SPECS: &[(u32, &str)] = &[
    (0x01_00_80, "SSL_CK_RC4_128_WITH_MD5"),
    (0x02_00_80, "SSL_CK_RC4_128_EXPORT40_WITH_MD5"),
    (0x03_00_80, "SSL_CK_RC2_128_CBC_WITH_MD5"),
    (0x04_00_80, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5"),
    (0x05_00_80, "SSL_CK_IDEA_128_CBC_WITH_MD5"),
    (0x06_00_40, "SSL_CK_DES_64_CBC_WITH_MD5"),
    (0x07_00_C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"),
    (0x08_00_80, "SSL_CK_RC4_64_WITH_MD5"),
];

/// Name of an SSLv2 cipher spec, or `0xNNNNNN`.
pub fn ssl2_cipher_name(spec: u32) -> String {
    SSL2_CIPHER_SPECS
        .iter()
        .find(|(code, _)| *code == spec)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("0x{spec:06x}"))
}

/// SSLv2 message types (draft-hickman-netscape-ssl-00, appendix B).
pub const SSL2_MT_ERROR: u8 = 0;
pub const SSL2_MT_CLIENT_HELLO: u8 = 1;
pub const SSL2_MT_SERVER_HELLO: u8 = 4;

/// An SSLv2 CLIENT-HELLO in a 2-byte-header record: version 0x0002, the given cipher specs,
/// no session id, a 16-byte challenge. For SSLv2 detection only.
pub fn ssl2_client_hello(cipher_specs: &[u32], challenge: &[u8; 16]) -> Vec<u8> {
    let specs: Vec<u32> = cipher_specs.iter().take(0x1000).copied().collect();
    let mut m = Writer::default();
    m.u8(SSL2_MT_CLIENT_HELLO);
    m.u16(ProtocolVersion::SSL2.0);
    m.u16((specs.len() * 3) as u16);
    m.u16(0); // session id length
    m.u16(challenge.len() as u16);
    for spec in &specs {
        m.bytes(&spec.to_be_bytes()[1..]);
    }
    m.bytes(challenge);
    // Two-byte header: high bit set, 15-bit length (at most 32767; ours is far below).
    let len = m.buf.len().min(0x7FFF) as u16;
    let mut w = Writer::default();
    w.u16(0x8000 | len);
    w.bytes(&m.buf);
    w.buf
}

/// SSLv2 SERVER-HELLO (draft-hickman-netscape-ssl-00, "SERVER-HELLO").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssl2ServerHello {
    pub session_id_hit: u8,
    pub certificate_type: u8,
    pub version: ProtocolVersion,
    pub certificate: Vec<u8>,
    pub cipher_specs: Vec<u32>,
    pub connection_id: Vec<u8>,
}

/// RFC 8446 §6 Alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub level: AlertLevel,
    pub description: AlertDescription,
}

/// RFC 5246 §7.4.1.3 / RFC 8446 §4.1.3 ServerHello (also the shape of a HelloRetryRequest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// `server_version` / `legacy_version`; see [`ServerHello::selected_version`].
    pub legacy_version: ProtocolVersion,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suite: u16,
    pub compression_method: u8,
    pub extensions: Vec<Extension>,
}

impl ServerHello {
    /// Decodes a ServerHello body (after msg_type and length).
    pub fn decode(body: &[u8]) -> Result<ServerHello, WireError> {
        let mut r = Reader::new(body);
        let what = "ServerHello shorter than its fields";
        let legacy_version = ProtocolVersion(inner(r.u16_be(), what)?);
        let mut random = [0u8; 32];
        random.copy_from_slice(inner(r.take(32), what)?);
        let session_id = inner(r.vec8(), what)?.rest().to_vec();
        if session_id.len() > 32 {
            return malformed("session_id longer than 32 bytes");
        }
        let cipher_suite = inner(r.u16_be(), what)?;
        let compression_method = inner(r.u8(), what)?;
        let extensions = decode_extensions(&mut r)?;
        Ok(ServerHello {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    pub fn encode_body(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u16(self.legacy_version.0);
        w.bytes(&self.random);
        w.vec8(&self.session_id);
        w.u16(self.cipher_suite);
        w.u8(self.compression_method);
        if !self.extensions.is_empty() {
            encode_extensions(&mut w, &self.extensions);
        }
        w.buf
    }

    /// RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello with this special random.
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_REQUEST_RANDOM
    }

    /// Raw data of extension `typ`, if present.
    pub fn extension(&self, typ: ExtensionType) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.typ == typ)
            .map(|e| e.data.as_slice())
    }

    /// The negotiated version: `supported_versions` (RFC 8446 §4.2.1, one ProtocolVersion in a
    /// ServerHello) when present, else `legacy_version`. A `supported_versions` that is not
    /// exactly two bytes is malformed.
    pub fn selected_version(&self) -> Result<ProtocolVersion, WireError> {
        match self.extension(ExtensionType::SUPPORTED_VERSIONS) {
            None => Ok(self.legacy_version),
            Some([a, b]) => Ok(ProtocolVersion(u16::from_be_bytes([*a, *b]))),
            Some(_) => malformed("supported_versions in ServerHello is not 2 bytes"),
        }
    }

    /// The group of `key_share` (RFC 8446 §4.2.8): a KeyShareEntry in a ServerHello, only the
    /// `selected_group` in a HelloRetryRequest.
    pub fn key_share_group(&self) -> Result<Option<NamedGroup>, WireError> {
        let Some(data) = self.extension(ExtensionType::KEY_SHARE) else {
            return Ok(None);
        };
        let mut r = Reader::new(data);
        let what = "key_share shorter than its fields";
        let group = NamedGroup(inner(r.u16_be(), what)?);
        if !self.is_hello_retry_request() {
            let key = inner(r.vec16(), what)?;
            if key.remaining() == 0 {
                return malformed("empty key_exchange in key_share");
            }
        }
        if !r.is_empty() {
            return malformed("bytes after key_share");
        }
        Ok(Some(group))
    }

    /// RFC 5746 §3.6: the server's renegotiation_info (`renegotiated_connection` bytes), when sent.
    pub fn renegotiation_info(&self) -> Result<Option<Vec<u8>>, WireError> {
        let Some(data) = self.extension(ExtensionType::RENEGOTIATION_INFO) else {
            return Ok(None);
        };
        let mut r = Reader::new(data);
        let inner = inner(r.vec8(), "renegotiation_info shorter than its length")?;
        if !r.is_empty() {
            return malformed("bytes after renegotiation_info");
        }
        Ok(Some(inner.unread().to_vec()))
    }

    /// RFC 7301 §3.1: the one protocol the server selected.
    pub fn alpn(&self) -> Result<Option<Vec<u8>>, WireError> {
        let Some(data) = self.extension(ExtensionType::ALPN) else {
            return Ok(None);
        };
        let mut r = Reader::new(data);
        let what = "ALPN shorter than its fields";
        let mut list = inner(r.vec16(), what)?;
        let proto = inner(list.vec8(), what)?;
        if !list.is_empty() || !r.is_empty() {
            return malformed("ALPN in ServerHello names more than one protocol");
        }
        if proto.remaining() == 0 {
            return malformed("empty ALPN protocol name");
        }
        Ok(Some(proto.unread().to_vec()))
    }

    /// RFC 6520 §2: the server's HeartbeatMode (1 peer_allowed_to_send, 2 peer_not_allowed_to_send).
    pub fn heartbeat_mode(&self) -> Result<Option<u8>, WireError> {
        match self.extension(ExtensionType::HEARTBEAT) {
            None => Ok(None),
            Some([mode]) => Ok(Some(*mode)),
            Some(_) => malformed("heartbeat extension is not 1 byte"),
        }
    }

    /// RFC 5077 §3.2: the server will send a NewSessionTicket.
    pub fn session_ticket(&self) -> bool {
        self.extension(ExtensionType::SESSION_TICKET).is_some()
    }

    /// RFC 8446 §4.1.3: a TLS 1.3 server that negotiated an older version says so in the last
    /// 8 bytes of its random: `Some(TLS12)` for `...01`, `Some(TLS11)` for `...00`.
    pub fn downgrade_sentinel(&self) -> Option<ProtocolVersion> {
        if self.random[24..31] != DOWNGRADE_SENTINEL_PREFIX {
            return None;
        }
        match self.random[31] {
            1 => Some(ProtocolVersion::TLS12),
            0 => Some(ProtocolVersion::TLS11),
            _ => None,
        }
    }
}

/// RFC 5246 §7.4.3 ServerKeyExchange, kept raw: its layout depends on the key exchange of the
/// selected suite, which the caller knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange {
    pub body: Vec<u8>,
}

impl ServerKeyExchange {
    /// For DHE suites: the bit length of `dh_p` (RFC 5246 §7.4.3 ServerDHParams), leading zero
    /// bits not counted.
    pub fn dhe_prime_bits(&self) -> Result<u32, WireError> {
        let mut r = Reader::new(&self.body);
        let mut p = inner(r.vec16(), "dh_p longer than ServerKeyExchange")?;
        let p = p.rest();
        let Some(first) = p.iter().position(|b| *b != 0) else {
            return malformed("dh_p is zero");
        };
        let significant = &p[first..];
        Ok((significant.len() as u32 - 1) * 8 + (8 - significant[0].leading_zeros()))
    }

    /// For ECDHE suites: the named curve (RFC 8422 §5.4 ServerECDHParams, curve_type
    /// named_curve(3)). Explicit curves (1, 2; deprecated) are malformed for us.
    pub fn ecdhe_named_curve(&self) -> Result<NamedGroup, WireError> {
        let mut r = Reader::new(&self.body);
        let what = "ServerECDHParams shorter than its fields";
        if inner(r.u8(), what)? != 3 {
            return malformed("ECParameters curve_type is not named_curve");
        }
        Ok(NamedGroup(inner(r.u16_be(), what)?))
    }
}

/// One message of the server's first flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    ServerHello(ServerHello),
    /// RFC 8446 §4.1.4.
    HelloRetryRequest(ServerHello),
    /// RFC 5246 §7.4.2: the DER certificates, sender's first (TLS 1.2 and below; in TLS 1.3 the
    /// Certificate is encrypted).
    Certificate(Vec<Vec<u8>>),
    ServerKeyExchange(ServerKeyExchange),
    /// RFC 5246 §7.4.5.
    ServerHelloDone,
    /// Any other handshake message, raw.
    OtherHandshake {
        msg_type: HandshakeType,
        body: Vec<u8>,
    },
    Alert(Alert),
    /// RFC 5246 §7.1 (and the RFC 8446 appendix D.4 compatibility record).
    ChangeCipherSpec,
    /// A record we cannot read (after TLS 1.3's ServerHello everything is encrypted).
    Opaque {
        content_type: ContentType,
        len: usize,
    },
    /// SSLv2 SERVER-HELLO.
    Ssl2ServerHello(Ssl2ServerHello),
    /// SSLv2 ERROR message with its error code (0x0001 NO-CIPHER-ERROR…).
    Ssl2Error(u16),
    /// The first bytes do not look like a TLS record or an SSLv2 message; kept as evidence.
    NotTls(Vec<u8>),
}

/// What [`parse_server_flight`] made of a buffer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerFlight {
    /// Every complete message, in order.
    pub messages: Vec<ServerMessage>,
    /// Why parsing stopped before the end of the buffer: `Incomplete` means read more; `None`
    /// means the buffer ended exactly at a message boundary.
    pub error: Option<WireError>,
}

impl ServerFlight {
    /// The ServerHello (or HelloRetryRequest) of the flight, if one arrived.
    pub fn server_hello(&self) -> Option<&ServerHello> {
        self.messages.iter().find_map(|m| match m {
            ServerMessage::ServerHello(sh) | ServerMessage::HelloRetryRequest(sh) => Some(sh),
            _ => None,
        })
    }

    /// The first alert, if one arrived.
    pub fn alert(&self) -> Option<Alert> {
        self.messages.iter().find_map(|m| match m {
            ServerMessage::Alert(a) => Some(*a),
            _ => None,
        })
    }

    /// True when nothing more of this flight is worth waiting for: a fatal problem, an alert,
    /// a HelloRetryRequest, ServerHelloDone, an SSLv2 answer, bytes that are not TLS, or (when
    /// `server_hello_suffices`, as for TLS 1.3) a ServerHello.
    pub fn is_final(&self, server_hello_suffices: bool) -> bool {
        if matches!(self.error, Some(WireError::Malformed { .. })) {
            return true;
        }
        self.messages.iter().any(|m| match m {
            ServerMessage::ServerHello(_) => server_hello_suffices,
            ServerMessage::HelloRetryRequest(_)
            | ServerMessage::ServerHelloDone
            | ServerMessage::Alert(_)
            | ServerMessage::Ssl2ServerHello(_)
            | ServerMessage::Ssl2Error(_)
            | ServerMessage::NotTls(_)
            | ServerMessage::Opaque { .. } => true,
            _ => false,
        })
    }
}

/// Whether `buf` starts like a TLS record: a known content type and major version 3.
fn looks_like_tls(buf: &[u8]) -> Option<bool> {
    let first = *buf.first()?;
    if ContentType(first).name().is_none() {
        return Some(false);
    }
    let major = *buf.get(1)?;
    Some(major == 3)
}

/// Whether `buf` starts like an SSLv2 SERVER-HELLO or ERROR with a 2-byte header.
fn looks_like_ssl2(buf: &[u8]) -> Option<bool> {
    let first = *buf.first()?;
    if first & 0x80 == 0 {
        return Some(false);
    }
    let msg_type = *buf.get(2)?;
    Some(msg_type == SSL2_MT_SERVER_HELLO || msg_type == SSL2_MT_ERROR)
}

/// Parses the server's answer to a ClientHello: TLS records (reassembling handshake messages
/// across records) or one SSLv2 message. Call again on the whole buffer when more bytes arrive.
pub fn parse_server_flight(buf: &[u8]) -> ServerFlight {
    let mut flight = ServerFlight::default();
    if buf.is_empty() {
        flight.error = Some(WireError::Incomplete { needed: 1 });
        return flight;
    }
    match (looks_like_tls(buf), looks_like_ssl2(buf)) {
        (Some(true), _) => {}
        (_, Some(true)) => {
            match parse_ssl2(buf) {
                Ok(m) => flight.messages.push(m),
                Err(e) => flight.error = Some(e),
            }
            return flight;
        }
        (Some(false), Some(false)) => {
            flight
                .messages
                .push(ServerMessage::NotTls(buf[..buf.len().min(512)].to_vec()));
            return flight;
        }
        // Too short to tell.
        _ => {
            flight.error = Some(WireError::Incomplete { needed: 1 });
            return flight;
        }
    }
    if let Err(e) = parse_tls_records(buf, &mut flight.messages) {
        flight.error = Some(e);
    }
    flight
}

fn parse_tls_records(buf: &[u8], out: &mut Vec<ServerMessage>) -> Result<(), WireError> {
    let mut r = Reader::new(buf);
    let mut hs: Vec<u8> = Vec::new();
    // After a ServerHello that selected TLS 1.3, further records are encrypted.
    let mut encrypted = false;
    while !r.is_empty() {
        let header = r.take(RECORD_HEADER_LEN)?;
        let content_type = ContentType(header[0]);
        if content_type.name().is_none() {
            return malformed("unknown record content type");
        }
        if header[1] != 3 {
            return malformed("record version major is not 3");
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if len > MAX_RECORD_LEN {
            return malformed("record length exceeds 2^14+2048");
        }
        let fragment = r.take(len)?;
        if encrypted && content_type != ContentType::CHANGE_CIPHER_SPEC {
            out.push(ServerMessage::Opaque { content_type, len });
            continue;
        }
        // RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types.
        if content_type != ContentType::HANDSHAKE && !hs.is_empty() {
            return malformed("record interleaved with a fragmented handshake message");
        }
        match content_type {
            ContentType::HANDSHAKE => {
                // RFC 5246 §6.2.1: no zero-length handshake fragments.
                if len == 0 {
                    return malformed("zero-length handshake record");
                }
                hs.extend_from_slice(fragment);
                drain_handshake(&mut hs, out, &mut encrypted)?;
            }
            ContentType::ALERT => {
                if len == 0 || len % 2 != 0 {
                    return malformed("alert record length is not a multiple of 2");
                }
                for pair in fragment.chunks_exact(2) {
                    out.push(ServerMessage::Alert(Alert {
                        level: AlertLevel(pair[0]),
                        description: AlertDescription(pair[1]),
                    }));
                }
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                if fragment != [1] {
                    return malformed("change_cipher_spec is not the single byte 1");
                }
                out.push(ServerMessage::ChangeCipherSpec);
            }
            _ => out.push(ServerMessage::Opaque { content_type, len }),
        }
    }
    if hs.is_empty() {
        Ok(())
    } else {
        // A handshake message started but its remaining records did not arrive yet.
        let mut h = Reader::new(&hs);
        let needed = match (h.u8(), h.u24_be()) {
            (Ok(_), Ok(n)) => (n + 4).saturating_sub(hs.len()).max(1),
            _ => 4 - hs.len(),
        };
        Err(WireError::Incomplete { needed })
    }
}

/// Takes every complete handshake message off the front of `hs`.
fn drain_handshake(
    hs: &mut Vec<u8>,
    out: &mut Vec<ServerMessage>,
    encrypted: &mut bool,
) -> Result<(), WireError> {
    loop {
        let mut r = Reader::new(hs);
        let (Ok(msg_type), Ok(len)) = (r.u8(), r.u24_be()) else {
            return Ok(());
        };
        if len > MAX_HANDSHAKE_LEN {
            return malformed("handshake message longer than we accept");
        }
        let Ok(body) = r.take(len) else {
            return Ok(());
        };
        let msg = decode_handshake(HandshakeType(msg_type), body)?;
        if let ServerMessage::ServerHello(sh) = &msg {
            if sh.selected_version()? == ProtocolVersion::TLS13 {
                *encrypted = true;
            }
        }
        out.push(msg);
        let consumed = 4 + len;
        hs.drain(..consumed);
        if *encrypted && !hs.is_empty() {
            return malformed("plaintext handshake after a TLS 1.3 ServerHello");
        }
    }
}

fn decode_handshake(msg_type: HandshakeType, body: &[u8]) -> Result<ServerMessage, WireError> {
    Ok(match msg_type {
        HandshakeType::SERVER_HELLO => {
            let sh = ServerHello::decode(body)?;
            if sh.is_hello_retry_request() {
                ServerMessage::HelloRetryRequest(sh)
            } else {
                ServerMessage::ServerHello(sh)
            }
        }
        HandshakeType::CERTIFICATE => ServerMessage::Certificate(decode_certificate_list(body)?),
        HandshakeType::SERVER_KEY_EXCHANGE => {
            if body.is_empty() {
                return malformed("empty ServerKeyExchange");
            }
            ServerMessage::ServerKeyExchange(ServerKeyExchange {
                body: body.to_vec(),
            })
        }
        HandshakeType::SERVER_HELLO_DONE => {
            if !body.is_empty() {
                return malformed("ServerHelloDone with a body");
            }
            ServerMessage::ServerHelloDone
        }
        HandshakeType::CLIENT_HELLO => return malformed("server sent a ClientHello"),
        _ => ServerMessage::OtherHandshake {
            msg_type,
            body: body.to_vec(),
        },
    })
}

/// RFC 5246 §7.4.2: `ASN.1Cert certificate_list<0..2^24-1>`, each `opaque ASN.1Cert<1..2^24-1>`.
fn decode_certificate_list(body: &[u8]) -> Result<Vec<Vec<u8>>, WireError> {
    let mut r = Reader::new(body);
    let mut list = inner(r.vec24(), "certificate_list longer than Certificate")?;
    if !r.is_empty() {
        return malformed("bytes after certificate_list");
    }
    let mut certs = Vec::new();
    while !list.is_empty() {
        let cert = inner(list.vec24(), "certificate longer than certificate_list")?;
        if cert.remaining() == 0 {
            return malformed("empty certificate in certificate_list");
        }
        certs.push(cert.unread().to_vec());
    }
    Ok(certs)
}

/// One SSLv2 message with a 2-byte header (draft-hickman-netscape-ssl-00, "Record Header").
fn parse_ssl2(buf: &[u8]) -> Result<ServerMessage, WireError> {
    let mut r = Reader::new(buf);
    let header = r.u16_be()?;
    let len = usize::from(header & 0x7FFF);
    let mut m = r.sub(len)?;
    let what = "SSLv2 message shorter than its fields";
    match inner(m.u8(), what)? {
        SSL2_MT_SERVER_HELLO => {
            let session_id_hit = inner(m.u8(), what)?;
            let certificate_type = inner(m.u8(), what)?;
            let version = ProtocolVersion(inner(m.u16_be(), what)?);
            let cert_len = usize::from(inner(m.u16_be(), what)?);
            let specs_len = usize::from(inner(m.u16_be(), what)?);
            let conn_id_len = usize::from(inner(m.u16_be(), what)?);
            if specs_len % 3 != 0 {
                return malformed("SSLv2 cipher specs length is not a multiple of 3");
            }
            let certificate = inner(m.take(cert_len), what)?.to_vec();
            let specs = inner(m.take(specs_len), what)?;
            let connection_id = inner(m.take(conn_id_len), what)?.to_vec();
            if !m.is_empty() {
                return malformed("bytes after SSLv2 SERVER-HELLO");
            }
            Ok(ServerMessage::Ssl2ServerHello(Ssl2ServerHello {
                session_id_hit,
                certificate_type,
                version,
                certificate,
                cipher_specs: specs
                    .chunks_exact(3)
                    .map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]]))
                    .collect(),
                connection_id,
            }))
        }
        SSL2_MT_ERROR => {
            let code = inner(m.u16_be(), what)?;
            if !m.is_empty() {
                return malformed("bytes after SSLv2 ERROR");
            }
            Ok(ServerMessage::Ssl2Error(code))
        }
        _ => malformed("SSLv2 message is neither SERVER-HELLO nor ERROR"),
    }
}

#[cfg(test)]
mod tests;
