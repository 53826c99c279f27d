//! The certificate chain: one rustls handshake (TLS 1.2/1.3) that accepts and records whatever
//! the server sends (the identification step's verifier), then facts about the chain.
//!
//! * Connection: [`tcp::connect`] (slots, budget, target deadline); the handshake is cut at
//!   `exchange_timeout` and the target deadline. No ALPN is offered; `status_request` always is
//!   (rustls sends it unconditionally), so `ocsp_stapled` says whether the server staples.
//! * Name: the SNI name when it is a DNS name, else the address (rustls then sends no SNI).
//! * Trust ([`analyse_chain`]): rustls-webpki path building from the leaf through the
//!   certificates sent to a root of the scan's [`TrustStore`] (webpki-roots' Mozilla set unless
//!   `--trust-store` says otherwise), at the current time, for server authentication. The name is checked separately (`hostname_matches`), so a
//!   publicly-trusted certificate for another name is `trusted` with `hostname_matches` false.
//! * Nothing here judges: profiles turn these facts into findings.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::pki_types::{CertificateDer, DnsName, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::CertificateError;
use tokio::time::timeout_at;
use tokio_rustls::TlsConnector;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::parse_x509_certificate;

use super::enumerate::rdp_preamble;
use super::trust::TrustStore;
use crate::probe::rdp::wire::Protocols;
use crate::observation::CertificateChain;
use crate::probe::identify::cert::summarize_certificate;
use crate::probe::identify::step_deadline;
use crate::probe::identify::tls::{client_config, provider, RecordingVerifier};
use crate::probe::tcp::{self, ConnectOutcome};
use crate::probe::HostContext;

/// The name the chain is checked against: `sni` when it is a DNS name, else the address.
pub fn target_name(address: IpAddr, sni: Option<&str>) -> ServerName<'static> {
    if let Some(name) = sni {
        let name = name.trim_end_matches('.');
        if name.parse::<IpAddr>().is_err() {
            if let Ok(dns) = DnsName::try_from(name.to_string()) {
                return ServerName::DnsName(dns);
            }
        }
    }
    ServerName::IpAddress(address.into())
}

/// Fetches the chain `port` on `ctx.address` sends (one connection) and analyses it. Never
/// fails: what could not be done is in `handshake_error`.
pub async fn fetch_chain(ctx: &HostContext, port: u16, sni: Option<&str>) -> CertificateChain {
    fetch_chain_after(ctx, port, sni, None).await
}

/// [`fetch_chain`], on an RDP port after negotiating `rdp` first.
pub async fn fetch_chain_after(
    ctx: &HostContext,
    port: u16,
    sni: Option<&str>,
    rdp: Option<Protocols>,
) -> CertificateChain {
    let name = target_name(ctx.address, sni);
    let conn = match tcp::connect(ctx, port).await {
        ConnectOutcome::Open { mut conn, .. } => {
            if let Some(protocol) = rdp {
                let deadline = step_deadline(ctx, ctx.config.exchange_timeout);
                if let Err(e) = rdp_preamble(&mut conn, protocol, deadline).await {
                    return failed(&name, e, &ctx.config.trust);
                }
            }
            conn
        }
        ConnectOutcome::Closed { .. } => {
            return failed(&name, "connection refused".into(), &ctx.config.trust)
        }
        ConnectOutcome::Filtered { reason } | ConnectOutcome::NotTested { reason, .. } => {
            return failed(&name, reason, &ctx.config.trust)
        }
    };
    let verifier = Arc::new(RecordingVerifier::new());
    let config = match client_config(verifier.clone(), &[]) {
        Ok(config) => config,
        Err(e) => {
            return failed(
                &name,
                format!("TLS client could not be configured: {e}"),
                &ctx.config.trust,
            )
        }
    };
    let deadline = step_deadline(ctx, ctx.config.exchange_timeout);
    let handshake = TlsConnector::from(Arc::new(config)).connect(name.clone(), conn.stream);
    let handshake_error = match timeout_at(deadline, handshake).await {
        Ok(Ok(_tls)) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("handshake did not finish before the deadline".to_string()),
    };
    drop(conn.permits);
    let mut chain = analyse_chain(
        &verifier.chain(),
        &verifier.ocsp_response(),
        &name,
        UnixTime::now(),
        &ctx.config.trust,
    );
    chain.handshake_error = handshake_error;
    if let Some(e) = verifier.take_signature_error() {
        chain.notes.push(format!(
            "handshake signature not verified with the certificate key: {e}"
        ));
    }
    chain
}

fn name_text(name: &ServerName<'_>) -> String {
    name.to_str().into_owned()
}

/// An observation with no chain.
fn failed(name: &ServerName<'_>, error: String, trust: &TrustStore) -> CertificateChain {
    let mut chain = analyse_chain(&[], &[], name, UnixTime::now(), trust);
    chain.handshake_error = Some(error);
    chain
}

/// The facts about `chain` (leaf first, as sent) for `name` at time `now`. Pure.
pub fn analyse_chain(
    chain: &[CertificateDer<'_>],
    ocsp_response: &[u8],
    name: &ServerName<'_>,
    now: UnixTime,
    trust: &TrustStore,
) -> CertificateChain {
    let mut notes = Vec::new();
    let mut certificates = Vec::new();
    // Raw (subject, issuer) DER of each certificate; None when it does not parse.
    let mut names: Vec<Option<(Vec<u8>, Vec<u8>)>> = Vec::new();
    for (i, der) in chain.iter().enumerate() {
        match summarize_certificate(der.as_ref()) {
            Ok(summary) => certificates.push(summary),
            Err(e) => notes.push(format!("certificate {i}: {e}")),
        }
        names.push(
            parse_x509_certificate(der.as_ref())
                .ok()
                .map(|(_, x)| (x.subject().as_raw().to_vec(), x.issuer().as_raw().to_vec())),
        );
    }
    let order_ok = !names.is_empty()
        && names.windows(2).all(|pair| match pair {
            [Some((_, issuer)), Some((next_subject, _))] => issuer == next_subject,
            _ => false,
        })
        && names.iter().all(Option::is_some);
    let leaf_parsed = names.first().is_some_and(Option::is_some);
    let leaf_self_signed = leaf_parsed && certificates.first().is_some_and(|c| c.self_signed);
    let leaf_issuer_sent = leaf_self_signed
        || match names.first() {
            Some(Some((_, issuer))) => names[1..]
                .iter()
                .flatten()
                .any(|(subject, _)| subject == issuer),
            _ => false,
        };

    let mut out = CertificateChain {
        certificates,
        sent: u32::try_from(chain.len()).unwrap_or(u32::MAX),
        order_ok,
        leaf_self_signed,
        leaf_issuer_sent,
        hostname: Some(name_text(name)),
        hostname_matches: None,
        trusted: None,
        trust_error: None,
        trust_store: Some(trust.description.clone()),
        ocsp_stapled: !ocsp_response.is_empty(),
        handshake_error: None,
        notes,
    };
    let Some(leaf) = chain.first() else {
        return out;
    };
    let parsed = match ParsedCertificate::try_from(leaf) {
        Ok(parsed) => parsed,
        Err(e) => {
            out.trusted = Some(false);
            out.trust_error = Some(trust_error_code(&e));
            out.notes
                .push(format!("leaf not usable by rustls-webpki: {e}"));
            return out;
        }
    };
    out.hostname_matches = hostname_matches(&parsed, leaf.as_ref(), name);
    match verify_server_cert_signed_by_trust_anchor(
        &parsed,
        &trust.roots,
        &chain[1..],
        now,
        provider().signature_verification_algorithms.all,
    ) {
        Ok(()) => out.trusted = Some(true),
        Err(e) => {
            out.trusted = Some(false);
            out.trust_error = Some(trust_error_code(&e));
        }
    }
    out
}

/// Whether the leaf's subjectAltName covers `name`; `None` for an address the leaf has no IP
/// address for.
fn hostname_matches(
    parsed: &ParsedCertificate<'_>,
    der: &[u8],
    name: &ServerName<'_>,
) -> Option<bool> {
    if let ServerName::IpAddress(_) = name {
        let has_ip = parse_x509_certificate(der)
            .ok()
            .and_then(|(_, x)| {
                x.subject_alternative_name().ok().flatten().map(|san| {
                    san.value
                        .general_names
                        .iter()
                        .any(|n| matches!(n, GeneralName::IPAddress(_)))
                })
            })
            .unwrap_or(false);
        if !has_ip {
            return None;
        }
    }
    match verify_server_name(parsed, name) {
        Ok(()) => Some(true),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => Some(false),
        Err(_) => None,
    }
}

/// A stable snake-case name for why rustls-webpki did not trust a chain.
pub fn trust_error_code(e: &rustls::Error) -> String {
    use CertificateError as C;
    let rustls::Error::InvalidCertificate(c) = e else {
        return snake_case(&e.to_string());
    };
    match c {
        C::UnknownIssuer => "unknown_issuer".into(),
        C::Expired | C::ExpiredContext { .. } => "expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "not_yet_valid".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => "not_valid_for_name".into(),
        C::BadSignature => "bad_signature".into(),
        // The deprecated unit variant reaches the last arm with the same name.
        C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "unsupported_signature_algorithm".into()
        }
        C::BadEncoding => "bad_encoding".into(),
        C::Revoked => "revoked".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => "invalid_purpose".into(),
        // rustls-webpki reasons rustls has no variant for (`CaUsedAsEndEntity`…) print as
        // their Rust names.
        C::Other(other) => snake_case(&other.to_string()),
        other => snake_case(&format!("{other:?}")),
    }
}

/// `CaUsedAsEndEntity` → `ca_used_as_end_entity` (a leading Rust identifier, context dropped);
/// other text is kept, prefixed with `other: `.
fn snake_case(text: &str) -> String {
    let ident: String = text
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    if !ident.starts_with(|c: char| c.is_ascii_uppercase()) {
        return format!("other: {text}");
    }
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
