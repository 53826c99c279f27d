//! Server host keys: the public key blob of SSH_MSG_KEX_ECDH_REPLY (`K_S`), its size and
//! fingerprint, and the check of the server's signature over the exchange hash.
//!
//! Blob formats: `ssh-rsa` and `ssh-dss` RFC 4253 §6.6, `ecdsa-sha2-*` RFC 5656 §3.1,
//! `ssh-ed25519` RFC 8709 §4. Signature blobs: RFC 4253 §6.6, RFC 8332 §3 (`rsa-sha2-256/512`),
//! RFC 5656 §3.1.2, RFC 8709 §6.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

use super::wire::{read_mpint_positive, read_string, Reader, WireError};

/// What a host key blob says about the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyInfo {
    /// The key type named at the start of the blob.
    pub key_type: String,
    /// Modulus or `p` size for RSA/DSA, curve size for ECDSA/EdDSA; `None` for types not known.
    pub bits: Option<u32>,
    /// `SHA256:` + unpadded base64 of SHA-256(blob), as `ssh-keygen -l` prints it.
    pub fingerprint_sha256: String,
}

/// Reads the key type and size from a public key blob. Unknown key types (security keys,
/// certificates, future types) still get their type name and fingerprint.
pub fn describe(blob: &[u8]) -> Result<HostKeyInfo, WireError> {
    let mut r = Reader::new(blob);
    let key_type = super::wire::text(read_string(&mut r)?);
    let bits = match key_type.as_str() {
        "ssh-rsa" => {
            let _e = read_mpint_positive(&mut r, "RSA e")?;
            Some(bit_length(read_mpint_positive(&mut r, "RSA n")?))
        }
        "ssh-dss" => Some(bit_length(read_mpint_positive(&mut r, "DSA p")?)),
        "ssh-ed25519" => {
            let _ = read_string(&mut r)?;
            Some(256)
        }
        "ecdsa-sha2-nistp256" => Some(256),
        "ecdsa-sha2-nistp384" => Some(384),
        "ecdsa-sha2-nistp521" => Some(521),
        _ => None,
    };
    Ok(HostKeyInfo {
        key_type,
        bits,
        fingerprint_sha256: fingerprint_sha256(blob),
    })
}

/// The key type a signature algorithm uses (RFC 8332: the three RSA algorithms share one key).
pub fn key_type_of(signature_algorithm: &str) -> &str {
    match signature_algorithm {
        "rsa-sha2-256" | "rsa-sha2-512" => "ssh-rsa",
        other => other,
    }
}

/// Number of significant bits of a big-endian magnitude.
fn bit_length(magnitude: &[u8]) -> u32 {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let m = &magnitude[start..];
    match m.first() {
        None => 0,
        Some(&top) => {
            let len = u32::try_from(m.len()).unwrap_or(u32::MAX / 8);
            (len - 1) * 8 + (8 - top.leading_zeros())
        }
    }
}

/// `SHA256:<base64 without padding>` of the blob.
pub fn fingerprint_sha256(blob: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, blob);
    format!("SHA256:{}", base64_unpadded(digest.as_ref()))
}

/// RFC 4648 §4 base64 without `=` padding (the only base64 the probe needs).
fn base64_unpadded(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// Verifies the server's signature blob over the exchange hash `h` with the host key `blob`,
/// for the negotiated `algorithm`. `None` when ring cannot verify that algorithm (DSA, P-521,
/// security keys, certificates) or the key or signature does not parse; `Some(false)` when the
/// signature is wrong or names another algorithm.
pub fn verify(algorithm: &str, blob: &[u8], signature_blob: &[u8], h: &[u8]) -> Option<bool> {
    let mut sig = Reader::new(signature_blob);
    let sig_alg = read_string(&mut sig).ok()?;
    let sig = read_string(&mut sig).ok()?;
    if sig_alg != algorithm.as_bytes() {
        return Some(false);
    }
    let mut key = Reader::new(blob);
    let key_type = read_string(&mut key).ok()?;
    if key_type != key_type_of(algorithm).as_bytes() {
        return Some(false);
    }
    match algorithm {
        "ssh-ed25519" => {
            let pk = read_string(&mut key).ok()?;
            Some(
                UnparsedPublicKey::new(&signature::ED25519, pk)
                    .verify(h, sig)
                    .is_ok(),
            )
        }
        "rsa-sha2-256" | "rsa-sha2-512" | "ssh-rsa" => {
            let e = read_mpint_positive(&mut key, "RSA e").ok()?;
            let n = read_mpint_positive(&mut key, "RSA n").ok()?;
            // The legacy parameter sets accept 1024-bit moduli: this checks that the server
            // holds the key, it does not judge the key (the profile does, from `bits`).
            let params = match algorithm {
                "rsa-sha2-256" => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                "rsa-sha2-512" => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                _ => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            };
            Some(
                RsaPublicKeyComponents { n, e }
                    .verify(params, h, sig)
                    .is_ok(),
            )
        }
        "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" => {
            let (params, size) = if algorithm.ends_with("256") {
                (&signature::ECDSA_P256_SHA256_FIXED, 32)
            } else {
                (&signature::ECDSA_P384_SHA384_FIXED, 48)
            };
            let _curve = read_string(&mut key).ok()?;
            let q = read_string(&mut key).ok()?;
            // RFC 5656 §3.1.2: the signature is `mpint r, mpint s`; ring wants r ‖ s, each
            // left-padded to the field size.
            let mut rs = Reader::new(sig);
            let r = read_mpint_positive(&mut rs, "ECDSA r").ok()?;
            let s = read_mpint_positive(&mut rs, "ECDSA s").ok()?;
            if r.len() > size || s.len() > size {
                return Some(false);
            }
            let mut fixed = vec![0u8; 2 * size];
            fixed[size - r.len()..size].copy_from_slice(r);
            fixed[2 * size - s.len()..].copy_from_slice(s);
            Some(UnparsedPublicKey::new(params, q).verify(h, &fixed).is_ok())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ssh::wire::{put_mpint, put_string};
    use ring::signature::{Ed25519KeyPair, KeyPair};

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648 §10, without padding.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_unpadded(plain.as_bytes()), enc);
        }
    }

    #[test]
    fn ed25519_blob_fingerprint_and_signature() {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let mut blob = Vec::new();
        put_string(&mut blob, b"ssh-ed25519");
        put_string(&mut blob, pair.public_key().as_ref());
        let info = describe(&blob).unwrap();
        assert_eq!(info.key_type, "ssh-ed25519");
        assert_eq!(info.bits, Some(256));
        assert!(info.fingerprint_sha256.starts_with("SHA256:"));
        assert_eq!(info.fingerprint_sha256.len(), 7 + 43);
        let h = b"exchange hash";
        let mut sig = Vec::new();
        put_string(&mut sig, b"ssh-ed25519");
        put_string(&mut sig, pair.sign(h).as_ref());
        assert_eq!(verify("ssh-ed25519", &blob, &sig, h), Some(true));
        assert_eq!(verify("ssh-ed25519", &blob, &sig, b"other"), Some(false));
        assert_eq!(verify("rsa-sha2-256", &blob, &sig, h), Some(false));
        assert_eq!(verify("ssh-ed25519", &blob, b"\x00", h), None);
    }

    #[test]
    fn rsa_and_dsa_sizes() {
        let mut blob = Vec::new();
        put_string(&mut blob, b"ssh-rsa");
        put_mpint(&mut blob, &[1, 0, 1]);
        let mut n = vec![0xc5u8; 256];
        n[0] = 0x80;
        put_mpint(&mut blob, &n);
        assert_eq!(describe(&blob).unwrap().bits, Some(2048));
        let mut blob = Vec::new();
        put_string(&mut blob, b"ssh-dss");
        put_mpint(&mut blob, &[0x7f; 128]);
        assert_eq!(describe(&blob).unwrap().bits, Some(1023));
        let mut blob = Vec::new();
        put_string(&mut blob, b"sk-ssh-ed25519@openssh.com");
        let info = describe(&blob).unwrap();
        assert_eq!(
            (info.key_type.as_str(), info.bits),
            ("sk-ssh-ed25519@openssh.com", None)
        );
        assert!(describe(b"\x00\x00\x00\x09ssh-r").is_err());
        assert_eq!(bit_length(&[0, 0, 1]), 1);
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(key_type_of("rsa-sha2-512"), "ssh-rsa");
        assert_eq!(key_type_of("ssh-ed25519"), "ssh-ed25519");
    }

    #[test]
    fn hostile_blobs_never_panic() {
        let mut state = 5u32;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    if state & 7 == 0 {
                        0
                    } else {
                        (state >> 24) as u8
                    }
                })
                .collect();
            let _ = describe(&bytes);
            for alg in ["ssh-ed25519", "rsa-sha2-256", "ecdsa-sha2-nistp256", "x"] {
                let _ = verify(alg, &bytes, &bytes, b"h");
            }
        }
    }
}
