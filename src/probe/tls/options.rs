//! Key-exchange groups, DH parameters and protocol options: the candidate lists the driver
//! (`enumerate`) offers and what a server's answer means for them. Sans-I/O.
//!
//! Method (handshakes are counted in `TlsAudit::handshakes`):
//!
//! * TLS 1.3 groups, remove-the-chosen: the version probes already name one accepted group (the
//!   group of their ServerHello or HelloRetryRequest). Then every other candidate is offered in
//!   `supported_groups` with an **empty** `key_share`, so the server must answer with a
//!   HelloRetryRequest naming a group it accepts (RFC 8446 §4.1.4); that group is removed and the
//!   hello sent again, until the server refuses. Cost: one handshake per further accepted group,
//!   plus the final refusal.
//! * ECDHE curves (best version up to TLS 1.2 with an ECDHE suite), remove-the-chosen the same
//!   way: only the accepted ECDHE suites are offered, with the remaining curves in
//!   `supported_groups`; the curve is read from the ServerKeyExchange. The enumeration's own
//!   ECDHE picks seed the list.
//! * DH prime: read from the ServerKeyExchange of every DHE suite the enumeration picked (no extra
//!   handshake); the smallest is kept.
//! * Renegotiation info, heartbeat, session ticket, ALPN: read from the first ServerHello at the
//!   best version up to TLS 1.2 (every probe hello offers those extensions; no extra handshake).
//! * Heartbleed (CVE-2014-0160), only when the server echoed the heartbeat extension: one more
//!   handshake, see [`HeartbleedProbe`].
//! * Compression: one hello offering DEFLATE and null. Fallback SCSV: one hello at a version below
//!   the server's highest, with TLS_FALLBACK_SCSV.

use super::wire::{
    AlertDescription, ContentType, NamedGroup, ProtocolVersion, ServerFlight, ServerHello,
    ServerMessage,
};
use crate::observation::TlsGroupSupport;

/// TLS 1.3 groups we ask about, in the order offered.
pub const TLS13_GROUP_CANDIDATES: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::X25519MLKEM768,
    NamedGroup::SECP256R1MLKEM768,
    NamedGroup::SECP384R1MLKEM1024,
    NamedGroup::X25519KYBER768DRAFT00,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
    NamedGroup::SECP521R1,
    NamedGroup::X448,
    NamedGroup::BRAINPOOLP256R1TLS13,
    NamedGroup::BRAINPOOLP384R1TLS13,
    NamedGroup::BRAINPOOLP512R1TLS13,
    NamedGroup::FFDHE2048,
    NamedGroup::FFDHE3072,
    NamedGroup::FFDHE4096,
    NamedGroup::FFDHE6144,
    NamedGroup::FFDHE8192,
];

/// ECDHE curves we ask about for TLS 1.2 and below (RFC 8422, RFC 4492, RFC 7027): every named
/// curve, modern first. No explicit curves (0xFF01/0xFF02): we only read named curves.
pub const ECDHE_CURVE_CANDIDATES: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
    NamedGroup::SECP521R1,
    NamedGroup::X448,
    NamedGroup::BRAINPOOLP256R1,
    NamedGroup::BRAINPOOLP384R1,
    NamedGroup::BRAINPOOLP512R1,
    NamedGroup::SECP256K1,
    NamedGroup::SECP224R1,
    NamedGroup::SECP224K1,
    NamedGroup::SECP192R1,
    NamedGroup::SECP192K1,
    NamedGroup::SECP160K1,
    NamedGroup::SECP160R1,
    NamedGroup::SECP160R2,
    NamedGroup::SECT163K1,
    NamedGroup::SECT163R1,
    NamedGroup::SECT163R2,
    NamedGroup::SECT193R1,
    NamedGroup::SECT193R2,
    NamedGroup::SECT233K1,
    NamedGroup::SECT233R1,
    NamedGroup::SECT239K1,
    NamedGroup::SECT283K1,
    NamedGroup::SECT283R1,
    NamedGroup::SECT409K1,
    NamedGroup::SECT409R1,
    NamedGroup::SECT571K1,
    NamedGroup::SECT571R1,
];

/// The observation entry for `group` accepted at `version` (a [`super::registry::TlsVersion`]
/// name).
pub fn group_entry(group: NamedGroup, version: &str) -> TlsGroupSupport {
    TlsGroupSupport {
        name: group.to_string(),
        code: group.0,
        version: version.to_string(),
    }
}

/// The group a TLS 1.3 ServerHello or HelloRetryRequest names in its key_share.
pub fn tls13_group(flight: &ServerFlight) -> Result<NamedGroup, String> {
    let sh = flight
        .server_hello()
        .ok_or_else(|| "no ServerHello".to_string())?;
    match sh.key_share_group() {
        Ok(Some(g)) => Ok(g),
        Ok(None) => Err("TLS 1.3 ServerHello without key_share".into()),
        Err(e) => Err(format!("key_share: {e}")),
    }
}

/// The ServerKeyExchange of a flight, if one arrived.
pub fn server_key_exchange(flight: &ServerFlight) -> Option<&super::wire::ServerKeyExchange> {
    flight.messages.iter().find_map(|m| match m {
        ServerMessage::ServerKeyExchange(ske) => Some(ske),
        _ => None,
    })
}

/// The options a TLS 1.2-or-below ServerHello shows, answering a probe hello (which offers
/// renegotiation_info, heartbeat, an empty SessionTicket and ALPN `h2`, `http/1.1`). Values that
/// break a rule are `None` with a note.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HelloOptionsSeen {
    pub secure_renegotiation: Option<bool>,
    pub heartbeat: Option<bool>,
    pub session_ticket: Option<bool>,
    pub alpn: Vec<String>,
    pub notes: Vec<String>,
}

pub fn options_from_server_hello(sh: &ServerHello) -> HelloOptionsSeen {
    let mut seen = HelloOptionsSeen::default();
    // RFC 5746 §3.6: on an initial handshake the server's renegotiated_connection is empty.
    seen.secure_renegotiation = match sh.renegotiation_info() {
        Ok(None) => Some(false),
        Ok(Some(v)) if v.is_empty() => Some(true),
        Ok(Some(_)) => {
            seen.notes.push(
                "renegotiation_info not empty on an initial handshake (RFC 5746 §3.6)".into(),
            );
            None
        }
        Err(e) => {
            seen.notes.push(format!("renegotiation_info: {e}"));
            None
        }
    };
    seen.heartbeat = match sh.heartbeat_mode() {
        Ok(m) => Some(m.is_some()),
        Err(e) => {
            seen.notes.push(format!("heartbeat: {e}"));
            None
        }
    };
    seen.session_ticket = Some(sh.session_ticket());
    match sh.alpn() {
        Ok(Some(p)) => seen.alpn.push(String::from_utf8_lossy(&p).into_owned()),
        Ok(None) => {}
        Err(e) => seen.notes.push(format!("ALPN: {e}")),
    }
    seen
}

/// RFC 7507 §3: what the answer to a hello with TLS_FALLBACK_SCSV below the server's highest
/// version means: `Some(true)` for an inappropriate_fallback alert, `Some(false)` for a
/// ServerHello at the offered version, `None` (with the reason) otherwise.
pub fn fallback_verdict(flight: &ServerFlight, offered: u16) -> Result<bool, String> {
    if let Some(sh) = flight.server_hello() {
        return match sh.selected_version() {
            Ok(v) if v.0 == offered => Ok(false),
            Ok(v) => Err(format!("server answered with {v}")),
            Err(e) => Err(format!("ServerHello: {e}")),
        };
    }
    match flight.alert() {
        Some(a) if a.description == AlertDescription::INAPPROPRIATE_FALLBACK => Ok(true),
        Some(a) => Err(format!("alert {}", a.description)),
        None => Err("no ServerHello or alert".into()),
    }
}

/// What the answer to a hello offering DEFLATE and null compression means: the server picked
/// DEFLATE (`true`) or null (`false`).
pub fn compression_verdict(flight: &ServerFlight, offered: u16) -> Result<bool, String> {
    let Some(sh) = flight.server_hello() else {
        return Err(match flight.alert() {
            Some(a) => format!("alert {}", a.description),
            None => "no ServerHello".into(),
        });
    };
    match sh.selected_version() {
        Ok(v) if v.0 == offered => {}
        Ok(v) => return Err(format!("server answered with {v}")),
        Err(e) => return Err(format!("ServerHello: {e}")),
    }
    match sh.compression_method {
        super::wire::COMPRESSION_NULL => Ok(false),
        super::wire::COMPRESSION_DEFLATE => Ok(true),
        other => Err(format!("compression method {other}, which was not offered")),
    }
}

/// RFC 6520 §3 HeartbeatMessageType.
const HEARTBEAT_REQUEST: u8 = 1;
const HEARTBEAT_RESPONSE: u8 = 2;
/// RFC 6520 §4: at least 16 bytes of padding follow the payload.
const HEARTBEAT_MIN_PADDING: usize = 16;
/// Payload of the well-formed request.
const WELL_FORMED_PAYLOAD: u8 = 0x5A;

/// The safe Heartbleed test. Two heartbeat records go out in one write, in plaintext after the
/// server's ServerHelloDone:
///
/// 1. **The test request**: payload_length 16, followed by our 16-byte `marker` and nothing
///    else. RFC 6520 §4 requires 1 + 2 + payload_length + 16 bytes (35) and says a shorter
///    message MUST be discarded silently; a server with the Heartbleed bug (OpenSSL 1.0.1–1.0.1f)
///    skips that check and echoes payload_length bytes from where the payload starts, which
///    here is our own marker, still inside the record. So a vulnerable server gives itself away
///    without sending a single byte of its memory.
/// 2. **A well-formed request** (payload_length 1, payload `0x5A`, 16 bytes of padding), so a
///    correct server that processes heartbeats answers at once and the test does not have to
///    wait for a timeout: its answer to 2 without an answer to 1 means "not vulnerable".
pub struct HeartbleedProbe {
    version: ProtocolVersion,
    marker: [u8; 16],
}

/// What the bytes after the heartbeat requests say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeartbleedAnswer {
    /// A heartbeat response echoing the test request's marker.
    Vulnerable,
    /// Decided without an echo: how (answer to the well-formed request only, an alert).
    NotVulnerable(String),
    /// Nothing decisive yet (read more, or judge by how reading ended).
    Undecided,
}

impl HeartbleedAnswer {
    pub fn is_decided(&self) -> bool {
        !matches!(self, HeartbleedAnswer::Undecided)
    }
}

impl HeartbleedProbe {
    pub fn new(version: ProtocolVersion, marker: [u8; 16]) -> Self {
        HeartbleedProbe { version, marker }
    }

    /// Both heartbeat records, in the order sent.
    pub fn records(&self) -> Vec<u8> {
        let mut test = vec![HEARTBEAT_REQUEST];
        test.extend_from_slice(&(self.marker.len() as u16).to_be_bytes());
        test.extend_from_slice(&self.marker);
        let mut well_formed = vec![HEARTBEAT_REQUEST, 0, 1, WELL_FORMED_PAYLOAD];
        well_formed.extend_from_slice(&[0u8; HEARTBEAT_MIN_PADDING]);
        let mut out = Vec::new();
        for fragment in [test, well_formed] {
            out.push(ContentType::HEARTBEAT.0);
            out.extend_from_slice(&self.version.0.to_be_bytes());
            out.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
            out.extend_from_slice(&fragment);
        }
        out
    }

    /// Judges the records read after [`HeartbleedProbe::records`] went out. Pure; stops at the
    /// first decisive record, ignores an incomplete one at the end.
    pub fn judge(&self, raw: &[u8]) -> HeartbleedAnswer {
        let mut rest = raw;
        while let [content_type, _major, _minor, len_hi, len_lo, body @ ..] = rest {
            let len = usize::from(u16::from_be_bytes([*len_hi, *len_lo]));
            let Some(fragment) = body.get(..len) else {
                return HeartbleedAnswer::Undecided;
            };
            if *content_type == ContentType::HEARTBEAT.0 {
                if let Some(verdict) = self.judge_heartbeat(fragment) {
                    return verdict;
                }
            } else if *content_type == ContentType::ALERT.0 {
                let description = fragment
                    .get(1)
                    .map(|d| AlertDescription(*d).to_string())
                    .unwrap_or_else(|| "truncated alert".into());
                return HeartbleedAnswer::NotVulnerable(format!("alert {description}"));
            }
            rest = &body[len..];
        }
        HeartbleedAnswer::Undecided
    }

    fn judge_heartbeat(&self, fragment: &[u8]) -> Option<HeartbleedAnswer> {
        let [kind, len_hi, len_lo, payload @ ..] = fragment else {
            return None;
        };
        if *kind != HEARTBEAT_RESPONSE {
            return None;
        }
        let claimed = usize::from(u16::from_be_bytes([*len_hi, *len_lo]));
        let payload = payload.get(..claimed)?;
        if payload == self.marker {
            Some(HeartbleedAnswer::Vulnerable)
        } else if payload == [WELL_FORMED_PAYLOAD] {
            Some(HeartbleedAnswer::NotVulnerable(
                "it answered only the well-formed heartbeat request".into(),
            ))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod heartbleed_tests {
    use super::*;

    const MARKER: [u8; 16] = *b"edgeaudit-hb-000";

    fn probe() -> HeartbleedProbe {
        HeartbleedProbe::new(ProtocolVersion(0x0303), MARKER)
    }

    fn heartbeat_record(fragment: &[u8]) -> Vec<u8> {
        let mut r = vec![24, 3, 3];
        r.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
        r.extend_from_slice(fragment);
        r
    }

    #[test]
    fn requests_on_the_wire() {
        let records = probe().records();
        // Test request: a 19-byte fragment claiming 16 payload bytes; RFC 6520 wants 35.
        assert_eq!(&records[..5], &[24, 3, 3, 0, 19]);
        assert_eq!(&records[5..8], &[1, 0, 16]);
        assert_eq!(&records[8..24], &MARKER);
        // Well-formed request: 1 + 2 + 1 + 16 = 20 bytes.
        assert_eq!(&records[24..29], &[24, 3, 3, 0, 20]);
        assert_eq!(&records[29..33], &[1, 0, 1, 0x5A]);
        assert_eq!(records.len(), 29 + 20);
    }

    #[test]
    fn echo_of_the_marker_is_vulnerable() {
        // What OpenSSL 1.0.1f sends: type 2, payload_length 16, our marker, 16 random bytes.
        let mut fragment = vec![2, 0, 16];
        fragment.extend_from_slice(&MARKER);
        fragment.extend_from_slice(&[0xEE; 16]);
        let raw = heartbeat_record(&fragment);
        assert_eq!(probe().judge(&raw), HeartbleedAnswer::Vulnerable);
        // Split across reads: undecided until the record is whole.
        assert_eq!(probe().judge(&raw[..10]), HeartbleedAnswer::Undecided);
    }

    #[test]
    fn answer_to_the_well_formed_request_only_is_not_vulnerable() {
        let mut fragment = vec![2, 0, 1, 0x5A];
        fragment.extend_from_slice(&[0; 16]);
        let verdict = probe().judge(&heartbeat_record(&fragment));
        assert!(
            matches!(verdict, HeartbleedAnswer::NotVulnerable(ref how) if how.contains("well-formed")),
            "{verdict:?}"
        );
    }

    #[test]
    fn alert_is_not_vulnerable_and_other_bytes_decide_nothing() {
        let alert = [21, 3, 3, 0, 2, 2, 10];
        assert_eq!(
            probe().judge(&alert),
            HeartbleedAnswer::NotVulnerable("alert unexpected_message".into())
        );
        assert_eq!(probe().judge(&[]), HeartbleedAnswer::Undecided);
        // A heartbeat response with some other payload, and a request from the server.
        let other = heartbeat_record(&[2, 0, 2, 1, 2, 0, 0]);
        let request = heartbeat_record(&[1, 0, 1, 7]);
        let mut both = other.clone();
        both.extend_from_slice(&request);
        assert_eq!(probe().judge(&both), HeartbleedAnswer::Undecided);
        // Lengths beyond the data never panic.
        assert_eq!(
            probe().judge(&heartbeat_record(&[2, 0xFF, 0xFF, 1])),
            HeartbleedAnswer::Undecided
        );
        assert_eq!(
            probe().judge(&[24, 3, 3, 0xFF]),
            HeartbleedAnswer::Undecided
        );
    }
}
