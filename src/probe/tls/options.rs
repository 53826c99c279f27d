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
//! * Compression: one hello offering DEFLATE and null. Fallback SCSV: one hello at a version below
//!   the server's highest, with TLS_FALLBACK_SCSV.

use super::wire::{AlertDescription, NamedGroup, ServerFlight, ServerHello, ServerMessage};
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
