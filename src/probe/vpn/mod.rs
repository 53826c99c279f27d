//! VPN gateways: one probe per protocol, each going exactly as far as an unauthenticated client
//! may and no further. Facts only; the engine, profiles and reports decide what they mean.
//!
//! | module | protocol | transport | what answers |
//! |---|---|---|---|
//! | [`openvpn`] | OpenVPN control channel (`P_CONTROL_HARD_RESET_CLIENT_V2`) | UDP 1194, TCP 1194 | a server without `tls-auth`/`tls-crypt` |
//! | [`pptp`] | PPTP Start-Control-Connection (RFC 2637) | TCP 1723 | any PPTP server |
//! | [`l2tp`] | L2TP SCCRQ/SCCRP (RFC 2661) | UDP 1701 | any L2TP LNS not behind IPsec |
//! | [`sstp`] | `SSTP_DUPLEX_POST` over HTTPS ([MS-SSTP]) | TCP 443 | any SSTP server |
//!
//! Each module holds a sans-I/O codec (decoders read through [`crate::wire::Reader`] and never
//! panic on any bytes) and an async driver in which every wait has a deadline and every read a
//! size limit. UDP exchanges go through [`udp`].
//!
//! **WireGuard** has no probe, on purpose: a WireGuard peer stays silent to every packet that
//! does not carry a valid MAC1 computed from its public key (WireGuard whitepaper §5.3, "silence
//! is a virtue"), so an unauthenticated scanner cannot tell a WireGuard port from a filtered one.
//! [`WIREGUARD_NOTE`] says so in a report.

pub mod l2tp;
pub mod openvpn;
pub mod pptp;
pub mod sstp;
pub mod udp;

/// Why edgeaudit reports nothing about WireGuard (UDP 51820 by default), for reports to quote.
pub const WIREGUARD_NOTE: &str = "WireGuard not tested: a WireGuard peer answers no packet that \
     lacks a valid MAC computed from its public key, so without that key a WireGuard port cannot \
     be told apart from a closed or filtered one";

/// A random-looking 64-bit value for session and correlation identifiers. These only have to
/// differ between probes (so a server's answer can be matched to its request and two scans do not
/// collide), not resist an attacker, so std's randomly keyed SipHash over the time and a counter is
/// enough and avoids a dependency on a random-number crate.
pub(crate) fn nonce64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

/// A NUL-padded fixed-size text field as text: up to the first NUL, control characters escaped,
/// surrounding whitespace trimmed. `None` when empty.
pub(crate) fn padded_text(field: &[u8]) -> Option<String> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    printable(&field[..end])
}

/// Text a server sent, as printable UTF-8 (invalid sequences replaced, control characters
/// escaped so a hostile name cannot forge report lines). `None` when empty after trimming.
pub(crate) fn printable(bytes: &[u8]) -> Option<String> {
    let text: String = String::from_utf8_lossy(bytes)
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce64(), nonce64());
    }

    #[test]
    fn padded_text_stops_at_nul_and_escapes_controls() {
        assert_eq!(padded_text(b"host\0\0junk"), Some("host".into()));
        assert_eq!(padded_text(b"\0\0\0"), None);
        assert_eq!(padded_text(b"a\nb"), Some("a\\nb".into()));
        assert_eq!(padded_text(b"\xffx"), Some("\u{fffd}x".into()));
    }
}
