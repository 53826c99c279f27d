//! Leaf certificate summary (RFC 5280 §4.1), read with x509-parser. Pure: DER in, summary out.

use ::time::format_description::well_known::Rfc3339;
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

use crate::observation::CertificateSummary;

use super::wire_text;

/// Longest subject or issuer kept, in characters.
pub const MAX_NAME: usize = 1024;
/// Most DNS names kept from the subjectAltName extension.
pub const MAX_DNS_NAMES: usize = 100;

/// Names of the signature algorithms a server certificate is likely to carry (RFC 3279,
/// RFC 4055, RFC 5758, RFC 8410); others fall back to x509-parser's registry, then the dotted OID.
pub fn signature_algorithm_name(dotted_oid: &str) -> Option<&'static str> {
    Some(match dotted_oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-sha1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-sha256",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.156.10197.1.501" => "SM2-with-SM3",
        _ => return None,
    })
}

/// Key type from the subjectPublicKeyInfo algorithm, and the key size in bits when known
/// (RSA: modulus bits; EC: the curve's size; Ed25519/Ed448: public key length).
fn key_type_and_bits(spki: &SubjectPublicKeyInfo<'_>) -> (String, Option<u32>) {
    let alg = spki.algorithm.algorithm.to_id_string();
    let parsed = spki.parsed().ok();
    match alg.as_str() {
        // rsaEncryption and id-RSASSA-PSS (RFC 4055) keys are both RSA moduli.
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = match parsed {
                Some(PublicKey::RSA(rsa)) => integer_bits(rsa.modulus),
                _ => None,
            };
            ("RSA".into(), bits)
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let bits = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => Some(256), // prime256v1 / P-256
                Some("1.3.132.0.34") => Some(384),        // secp384r1
                Some("1.3.132.0.35") => Some(521),        // secp521r1
                Some("1.3.132.0.10") => Some(256),        // secp256k1
                Some("1.2.840.10045.3.1.1") => Some(192), // prime192v1
                Some("1.3.132.0.33") => Some(224),        // secp224r1
                _ => match parsed {
                    Some(key @ PublicKey::EC(_)) => {
                        u32::try_from(key.key_size()).ok().filter(|b| *b > 0)
                    }
                    _ => None,
                },
            };
            ("EC".into(), bits)
        }
        "1.3.101.112" => ("Ed25519".into(), Some(256)),
        "1.3.101.113" => ("Ed448".into(), Some(456)),
        "1.2.840.10040.4.1" => {
            let bits = match parsed {
                Some(PublicKey::DSA(y)) => integer_bits(y),
                _ => None,
            };
            ("DSA".into(), bits)
        }
        other => (other.to_string(), None),
    }
}

/// The named curve of an EC key (RFC 5480 §2.1.1.1 namedCurve), by its usual name.
fn curve_name(spki: &SubjectPublicKeyInfo<'_>) -> Option<String> {
    if spki.algorithm.algorithm.to_id_string() != "1.2.840.10045.2.1" {
        return None;
    }
    let oid = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())?
        .to_id_string();
    Some(
        match oid.as_str() {
            "1.2.840.10045.3.1.7" => "P-256",
            "1.3.132.0.34" => "P-384",
            "1.3.132.0.35" => "P-521",
            "1.3.132.0.10" => "secp256k1",
            "1.2.840.10045.3.1.1" => "P-192",
            "1.3.132.0.33" => "P-224",
            "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
            "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
            "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
            other => return Some(other.to_string()),
        }
        .to_string(),
    )
}

/// Bit length of a big-endian unsigned integer (leading zero bytes and bits ignored).
fn integer_bits(bytes: &[u8]) -> Option<u32> {
    let start = bytes.iter().position(|&b| b != 0)?;
    let len = u32::try_from(bytes.len() - start).ok()?;
    Some(len * 8 - bytes[start].leading_zeros())
}

fn rfc3339(t: ASN1Time) -> String {
    t.to_datetime()
        .format(&Rfc3339)
        .unwrap_or_else(|_| format!("@{}", t.timestamp()))
}

/// Summarises one DER certificate.
///
/// `self_signed` is true when subject and issuer are the same name (byte-equal DER, or equal
/// once printed) **and** the certificate's signature verifies with its own public key — or, when
/// the signature algorithm is one rustls's ring provider cannot check (SHA-1, RSA under 2048
/// bits, DSA…), when the names alone are equal. A same-named certificate whose signature
/// demonstrably fails under its own key was issued by another key and is not self-signed.
pub fn summarize_certificate(der: &[u8]) -> Result<CertificateSummary, String> {
    let (_, x) =
        parse_x509_certificate(der).map_err(|e| format!("certificate does not parse: {e}"))?;
    let subject = wire_text(x.subject().to_string().as_bytes(), MAX_NAME);
    let issuer = wire_text(x.issuer().to_string().as_bytes(), MAX_NAME);
    let names_equal = x.subject().as_raw() == x.issuer().as_raw() || subject == issuer;
    let self_signed = names_equal && verifies_with_own_key(der) != Some(false);

    let mut dns_names = Vec::new();
    if let Ok(Some(san)) = x.subject_alternative_name() {
        for name in &san.value.general_names {
            if let GeneralName::DNSName(dns) = name {
                if dns_names.len() < MAX_DNS_NAMES {
                    dns_names.push(wire_text(dns.as_bytes(), 255));
                }
            }
        }
    }

    let sig_oid = &x.signature_algorithm.algorithm;
    let dotted = sig_oid.to_id_string();
    let signature_algorithm = match signature_algorithm_name(&dotted) {
        Some(name) => name.to_string(),
        None => match x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry()) {
            Ok(sn) => sn.to_string(),
            Err(_) => dotted,
        },
    };
    let (key_type, key_bits) = key_type_and_bits(x.public_key());
    let curve = curve_name(x.public_key());

    Ok(CertificateSummary {
        subject,
        issuer,
        self_signed,
        not_before: rfc3339(x.validity().not_before),
        not_after: rfc3339(x.validity().not_after),
        dns_names,
        signature_algorithm,
        key_type,
        key_bits,
        curve,
    })
}

/// `Some(true)` when the certificate's signature verifies with its own key, `Some(false)` when
/// it does not, `None` when no algorithm of the ring provider matches the key and signature
/// algorithm identifiers (so nothing can be said).
pub fn verifies_with_own_key(der: &[u8]) -> Option<bool> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
    let (cert, _) = der_tlv(der, 0x30)?;
    let tbs_len = der_element_len(cert)?;
    let tbs_raw = cert.get(..tbs_len)?;
    let (sig_alg, rest) = der_tlv(&cert[tbs_len..], 0x30)?;
    let (sig_bits, _) = der_tlv(rest, 0x03)?;
    let (&unused, signature) = sig_bits.split_first()?;
    if unused != 0 {
        return None;
    }
    let (_, x) = parse_x509_certificate(der).ok()?;
    // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    let (spki, _) = der_tlv(x.public_key().raw, 0x30)?;
    let (key_alg, rest) = der_tlv(spki, 0x30)?;
    let (key_bits, _) = der_tlv(rest, 0x03)?;
    let (&unused, public_key) = key_bits.split_first()?;
    if unused != 0 {
        return None;
    }
    let provider = super::tls::provider();
    let all = provider.signature_verification_algorithms.all;
    match all.iter().find(|a| {
        a.public_key_alg_id().as_ref() == key_alg && a.signature_alg_id().as_ref() == sig_alg
    }) {
        Some(alg) => Some(alg.verify_signature(public_key, tbs_raw, signature).is_ok()),
        // Both the key type and the signature algorithm are known, but never go together (an
        // RSA key under an ECDSA signature): the certificate's own key did not sign it.
        None if all.iter().any(|a| a.signature_alg_id().as_ref() == sig_alg)
            && all
                .iter()
                .any(|a| a.public_key_alg_id().as_ref() == key_alg) =>
        {
            Some(false)
        }
        None => None,
    }
}

/// Reads one DER element with the given tag; returns (contents, bytes after it).
fn der_tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *input.first()? != tag {
        return None;
    }
    let total = der_element_len(input)?;
    let header = total - der_content_len(input)?;
    Some((input.get(header..total)?, input.get(total..)?))
}

/// Length of the content of the element at the start of `input` (definite lengths only).
fn der_content_len(input: &[u8]) -> Option<usize> {
    let first = *input.get(1)?;
    if first < 0x80 {
        return Some(usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let bytes = input.get(2..2 + n)?;
    Some(
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
    )
}

/// Length of the whole element (header and contents) at the start of `input`, if it fits.
fn der_element_len(input: &[u8]) -> Option<usize> {
    let first = *input.get(1)?;
    let header = if first < 0x80 {
        2
    } else {
        2 + usize::from(first & 0x7f)
    };
    let total = header.checked_add(der_content_len(input)?)?;
    (total <= input.len()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made with openssl for these tests; see testdata/README.md.
    const RSA_SELF_SIGNED: &[u8] = include_bytes!("testdata/rsa2048-selfsigned.der");
    const EC_SELF_SIGNED: &[u8] = include_bytes!("testdata/ec256-selfsigned.der");
    const ED25519_SELF_SIGNED: &[u8] = include_bytes!("testdata/ed25519-selfsigned.der");
    const SAME_NAME_OTHER_KEY: &[u8] = include_bytes!("testdata/same-name-other-key.der");
    const SAME_NAME_OTHER_KEY_TYPE: &[u8] = include_bytes!("testdata/same-name-other-key-type.der");
    const CA_ISSUED: &[u8] = include_bytes!("testdata/ca-issued.der");

    #[test]
    fn rsa_self_signed_leaf() {
        let s = summarize_certificate(RSA_SELF_SIGNED).unwrap();
        assert_eq!(s.subject, "CN=localhost, O=edgeaudit test");
        assert_eq!(s.issuer, s.subject);
        assert!(s.self_signed);
        assert_eq!(s.signature_algorithm, "sha256WithRSAEncryption");
        assert_eq!(s.key_type, "RSA");
        assert_eq!(s.key_bits, Some(2048));
        assert_eq!(s.dns_names, ["localhost", "vpn.example.test"]);
        assert_eq!(s.not_before, "2025-01-01T00:00:00Z");
        assert_eq!(s.not_after, "2035-01-01T00:00:00Z");
        assert_eq!(verifies_with_own_key(RSA_SELF_SIGNED), Some(true));
    }

    #[test]
    fn ec_and_ed25519_keys() {
        let s = summarize_certificate(EC_SELF_SIGNED).unwrap();
        assert_eq!((s.key_type.as_str(), s.key_bits), ("EC", Some(256)));
        assert_eq!(s.signature_algorithm, "ecdsa-with-SHA256");
        assert!(s.self_signed);
        let s = summarize_certificate(ED25519_SELF_SIGNED).unwrap();
        assert_eq!((s.key_type.as_str(), s.key_bits), ("Ed25519", Some(256)));
        assert_eq!(s.signature_algorithm, "Ed25519");
        assert!(s.self_signed);
    }

    #[test]
    fn same_name_signed_by_another_key_is_not_self_signed() {
        let s = summarize_certificate(SAME_NAME_OTHER_KEY).unwrap();
        assert_eq!(s.subject, s.issuer);
        assert_eq!(verifies_with_own_key(SAME_NAME_OTHER_KEY), Some(false));
        assert!(!s.self_signed);
        // An RSA key under an ECDSA signature.
        let s = summarize_certificate(SAME_NAME_OTHER_KEY_TYPE).unwrap();
        assert_eq!(s.subject, s.issuer);
        assert_eq!(s.key_type, "RSA");
        assert_eq!(s.signature_algorithm, "ecdsa-with-SHA256");
        assert_eq!(verifies_with_own_key(SAME_NAME_OTHER_KEY_TYPE), Some(false));
        assert!(!s.self_signed);
    }

    #[test]
    fn ca_issued_is_not_self_signed() {
        let s = summarize_certificate(CA_ISSUED).unwrap();
        assert_ne!(s.subject, s.issuer);
        assert!(!s.self_signed);
    }

    #[test]
    fn truncated_and_garbage_certificates_are_errors() {
        for cut in [
            0,
            1,
            2,
            10,
            RSA_SELF_SIGNED.len() / 2,
            RSA_SELF_SIGNED.len() - 1,
        ] {
            assert!(
                summarize_certificate(&RSA_SELF_SIGNED[..cut]).is_err(),
                "cut {cut}"
            );
            assert_eq!(verifies_with_own_key(&RSA_SELF_SIGNED[..cut]), None);
        }
        assert!(summarize_certificate(b"\x30\x84\xff\xff\xff\xff").is_err());
        let mut flipped = RSA_SELF_SIGNED.to_vec();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(verifies_with_own_key(&flipped), Some(false));
    }

    #[test]
    fn integer_bit_lengths() {
        assert_eq!(integer_bits(&[0x00, 0x80, 0x00]), Some(16));
        assert_eq!(integer_bits(&[0x01, 0x00]), Some(9));
        assert_eq!(integer_bits(&[0, 0]), None);
        assert_eq!(integer_bits(&[]), None);
    }

    #[test]
    fn der_walker_is_bounded() {
        assert_eq!(der_tlv(&[0x30, 0x03, 1, 2], 0x30), None);
        assert_eq!(
            der_tlv(&[0x30, 0x02, 1, 2, 9], 0x30),
            Some((&[1u8, 2][..], &[9u8][..]))
        );
        assert_eq!(
            der_tlv(&[0x30, 0x81, 0x01, 7], 0x30),
            Some((&[7u8][..], &[][..]))
        );
        assert_eq!(der_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1], 0x30), None);
        assert_eq!(der_tlv(&[0x30, 0x80], 0x30), None);
        assert_eq!(der_tlv(&[0x31, 0x00], 0x30), None);
        assert_eq!(der_tlv(&[0x30], 0x30), None);
    }
}
