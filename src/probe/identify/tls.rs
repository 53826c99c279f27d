//! The TLS identification step: a rustls handshake that accepts and records any certificate,
//! then one HTTP request inside. Only enough to name the service and read the leaf certificate;
//! auditing versions and suites is the TLS engine's job.
//!
//! * SNI: `ctx.hostname` when it is a DNS name; otherwise none (rustls sends no SNI for an
//!   IP-address server name).
//! * ALPN offered: `http/1.1` only.
//! * The verifier never validates: it records the chain and accepts it. Handshake signatures are
//!   checked with the presented key, but a failure (a 1024-bit RSA key, a SHA-1 signature) is
//!   only noted, so old appliances still get identified.
//! * The bytes the server sends are recorded, so a failed handshake still says what answered: a
//!   TLS alert (a TLS server saying no), a plain `HTTP/1.1 400` (an HTTP server), an SSH banner…

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, DnsName, ServerName, UnixTime};
use rustls::{CipherSuite, ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::timeout_at;
use tokio_rustls::TlsConnector;

use crate::observation::{Bytes, ProbeStatus, ServiceKind, TlsIdentification};
use crate::probe::HostContext;

use super::io::End;
use super::{
    cert, classify_answer, http, http_exchange, http_observation, observed, step_deadline,
    StepResult,
};

/// Most bytes of the server's raw answer recorded during the handshake.
pub const CAPTURE_LIMIT: usize = 8 * 1024;
/// Most certificates of a chain kept.
pub const MAX_CHAIN: usize = 10;

/// The ring provider, built once.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// True when `bytes` start like a TLS record (RFC 8446 §5.1): a content type from
/// change_cipher_spec (20) to heartbeat (24), then legacy version 3.x.
pub fn looks_like_tls_record(bytes: &[u8]) -> bool {
    matches!(bytes, [20..=24, 3, 0..=4, ..])
}

/// `TLSv1.2` / `TLSv1.3`; other versions by rustls's name.
pub fn version_name(v: ProtocolVersion) -> String {
    match v {
        ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        ProtocolVersion::TLSv1_1 => "TLSv1.1".into(),
        ProtocolVersion::TLSv1_0 => "TLSv1.0".into(),
        other => format!("{other:?}"),
    }
}

/// The IANA name of a cipher suite (`TLS_AES_128_GCM_SHA256`,
/// `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`), or `0xNNNN`.
pub fn cipher_suite_name(suite: CipherSuite) -> String {
    match suite.as_str() {
        // rustls spells the TLS 1.3 suites `TLS13_…`; IANA spells them `TLS_…`.
        Some(name) => match name.strip_prefix("TLS13_") {
            Some(rest) => format!("TLS_{rest}"),
            None => name.to_string(),
        },
        None => format!("0x{:04x}", u16::from(suite)),
    }
}

/// What the verifier saw: the chain, the stapled OCSP response, and any handshake signature
/// that did not verify.
#[derive(Debug, Default)]
struct Recorded {
    chain: Vec<CertificateDer<'static>>,
    ocsp_response: Vec<u8>,
    signature_error: Option<String>,
}

/// Accepts any certificate and records it. DANGER in a client that sends secrets; we send none.
/// Shared with the TLS engine's certificate-chain fetch (`probe::tls::chain`).
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    recorded: Mutex<Recorded>,
}

impl RecordingVerifier {
    pub(crate) fn new() -> Self {
        RecordingVerifier {
            provider: provider(),
            recorded: Mutex::new(Recorded::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.recorded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The certificates the server sent, leaf first (at most [`MAX_CHAIN`]); empty before the
    /// server's Certificate message.
    pub(crate) fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.lock().chain.clone()
    }

    /// The stapled OCSP response (DER) the server sent with its certificate; empty if none.
    /// rustls always offers `status_request`.
    pub(crate) fn ocsp_response(&self) -> Vec<u8> {
        self.lock().ocsp_response.clone()
    }

    /// The handshake-signature failure noted (and accepted), if any.
    pub(crate) fn take_signature_error(&self) -> Option<String> {
        self.lock().signature_error.take()
    }

    fn note_signature(
        &self,
        result: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> HandshakeSignatureValid {
        if let Err(e) = result {
            self.lock().signature_error = Some(e.to_string());
        }
        HandshakeSignatureValid::assertion()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut recorded = self.lock();
        recorded.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .take(MAX_CHAIN)
            .map(|c| c.clone().into_owned())
            .collect();
        recorded.ocsp_response = ocsp_response.to_vec();
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let result = verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        );
        Ok(self.note_signature(result))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let result = verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        );
        Ok(self.note_signature(result))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self
            .provider
            .signature_verification_algorithms
            .supported_schemes();
        // Offered so that old TLS 1.2 servers still complete the handshake; such signatures are
        // accepted unverified (and noted).
        schemes.extend([
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ]);
        schemes
    }
}

/// Records the first [`CAPTURE_LIMIT`] bytes read from the inner stream.
struct Recorder<S> {
    inner: S,
    captured: Arc<Mutex<Vec<u8>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &result {
            let fresh = &buf.filled()[before..];
            let mut captured = this.captured.lock().unwrap_or_else(|p| p.into_inner());
            let room = CAPTURE_LIMIT.saturating_sub(captured.len());
            captured.extend_from_slice(&fresh[..fresh.len().min(room)]);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// SNI: the user's name when it is a DNS name, else the address (which makes rustls send none).
fn server_name(ctx: &HostContext) -> ServerName<'static> {
    if let Some(name) = ctx.hostname.as_deref() {
        let name = name.trim_end_matches('.');
        if name.parse::<IpAddr>().is_err() {
            if let Ok(dns) = DnsName::try_from(name.to_string()) {
                return ServerName::DnsName(dns);
            }
        }
    }
    ServerName::IpAddress(ctx.address.into())
}

/// A TLS 1.2/1.3 client that accepts and records any certificate, offers `alpn`, and never
/// resumes.
pub(crate) fn client_config(
    verifier: Arc<RecordingVerifier>,
    alpn: &[&[u8]],
) -> Result<ClientConfig, rustls::Error> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

/// Summary of the recorded leaf, with a note when it does not parse.
fn leaf_summary(
    chain: &[CertificateDer<'_>],
    notes: &mut Vec<String>,
) -> Option<crate::observation::CertificateSummary> {
    let leaf = chain.first()?;
    match cert::summarize_certificate(leaf.as_ref()) {
        Ok(summary) => Some(summary),
        Err(e) => {
            notes.push(format!("leaf {e}"));
            None
        }
    }
}

/// Whether a rustls error means the server broke TLS's rules (rather than refusing us).
fn is_protocol_violation(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidMessage(_)
            | rustls::Error::PeerMisbehaved(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. }
            | rustls::Error::DecryptError
    )
}

/// Runs the TLS step on `stream`.
pub(crate) async fn run(ctx: &HostContext, port: u16, stream: TcpStream) -> StepResult {
    let verifier = Arc::new(RecordingVerifier::new());
    let config = match client_config(verifier.clone(), &[b"http/1.1"]) {
        Ok(config) => config,
        Err(e) => {
            return StepResult::NoAnswer {
                end: End::Error(io::ErrorKind::Other, e.to_string()),
                note: format!("TLS client could not be configured: {e}"),
            }
        }
    };
    let captured = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        inner: stream,
        captured: captured.clone(),
    };
    let deadline = step_deadline(ctx, ctx.config.exchange_timeout);
    let handshake = TlsConnector::from(Arc::new(config)).connect(server_name(ctx), recorder);
    let result = timeout_at(deadline, handshake).await;
    let raw = captured.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut notes = Vec::new();

    let mut tls = match result {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => return handshake_failed(port, &raw, e, &verifier),
        Err(_) => {
            let e = io::Error::new(
                io::ErrorKind::TimedOut,
                "handshake did not finish before the deadline",
            );
            return handshake_failed(port, &raw, e, &verifier);
        }
    };

    let conn = tls.get_ref().1;
    let chain: Vec<CertificateDer<'static>> = match conn.peer_certificates() {
        Some(chain) => chain.iter().map(|c| c.clone().into_owned()).collect(),
        None => verifier.chain(),
    };
    let alpn = conn.alpn_protocol().map(|a| super::wire_text(a, 64));
    let mut id = TlsIdentification {
        version: conn.protocol_version().map(version_name),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| cipher_suite_name(s.suite())),
        alpn: alpn.clone(),
        handshake_error: None,
        certificate: None,
    };
    id.certificate = leaf_summary(&chain, &mut notes);
    if let Some(e) = verifier.take_signature_error() {
        notes.push(format!(
            "handshake signature not verified with the certificate key: {e}"
        ));
    }

    if alpn.as_deref().is_some_and(|a| a != "http/1.1") {
        let mut obs = observed(ServiceKind::Tls, ProbeStatus::Success);
        obs.tls = Some(id);
        notes.push("ALPN selected another protocol; no HTTP request sent".to_string());
        obs.notes = notes;
        return StepResult::Identified(Box::new(obs));
    }

    let host = http::host_header(ctx.hostname.as_deref(), ctx.address, port, true);
    let deadline = step_deadline(ctx, ctx.config.exchange_timeout);
    let (bytes, end) = http_exchange(&mut tls, &http::build_request(&host), deadline).await;
    let mut obs = match http_observation(&bytes, port, true) {
        Some(obs) => obs,
        None => {
            let mut obs = observed(ServiceKind::Tls, ProbeStatus::Success);
            if bytes.is_empty() {
                notes.push(format!(
                    "no answer to an HTTP request inside TLS: {}",
                    end.describe()
                ));
            } else {
                notes.push("the protocol inside TLS did not answer HTTP".to_string());
                obs.banner = Some(Bytes::from_wire(&bytes));
            }
            obs
        }
    };
    obs.tls = Some(id);
    obs.notes = notes;
    StepResult::Identified(Box::new(obs))
}

/// Classifies a failed handshake from the bytes the server sent.
fn handshake_failed(
    port: u16,
    raw: &[u8],
    e: io::Error,
    verifier: &RecordingVerifier,
) -> StepResult {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let end = if e.kind() == io::ErrorKind::TimedOut {
        End::Timeout
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        End::Eof
    } else {
        End::Error(e.kind(), e.to_string())
    };

    if looks_like_tls_record(raw) {
        // The server speaks TLS; our handshake did not complete. A refusal (alert, no common
        // parameters) is still a successful observation; broken TLS is a protocol error.
        let status = match (rustls_error, &end) {
            (Some(re), _) if is_protocol_violation(re) => ProbeStatus::ProtocolError,
            (Some(_), _) => ProbeStatus::Success,
            (None, End::Timeout) => ProbeStatus::Timeout,
            (None, end) if end.is_closed() => ProbeStatus::ConnectionClosed,
            (None, _) => ProbeStatus::ProtocolError,
        };
        let mut notes = Vec::new();
        let chain = verifier.chain();
        let mut obs = observed(ServiceKind::Tls, status);
        obs.tls = Some(TlsIdentification {
            version: None,
            cipher_suite: None,
            alpn: None,
            handshake_error: Some(e.to_string()),
            certificate: leaf_summary(&chain, &mut notes),
        });
        obs.notes = notes;
        return StepResult::Identified(Box::new(obs));
    }
    if raw.is_empty() {
        return StepResult::NoAnswer {
            note: format!("no answer to a TLS ClientHello: {}", end.describe()),
            end,
        };
    }
    match classify_answer(raw, port) {
        Some(mut obs) => {
            obs.notes
                .push(format!("answered a TLS ClientHello without TLS ({e})"));
            StepResult::Identified(Box::new(obs))
        }
        None => StepResult::Unrecognised {
            note: format!(
                "answer to a TLS ClientHello not recognised ({} bytes; {e})",
                raw.len()
            ),
            bytes: raw.to_vec(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_record_prefixes() {
        assert!(looks_like_tls_record(&[0x16, 0x03, 0x03, 0x00, 0x5a]));
        assert!(looks_like_tls_record(&[
            0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28
        ]));
        assert!(!looks_like_tls_record(&[0x16, 0x03]));
        assert!(!looks_like_tls_record(b"HTTP/1.1 400"));
        assert!(!looks_like_tls_record(&[0x17, 0x02, 0x00]));
        assert!(!looks_like_tls_record(&[]));
    }

    #[test]
    fn names() {
        assert_eq!(
            cipher_suite_name(CipherSuite::TLS13_AES_256_GCM_SHA384),
            "TLS_AES_256_GCM_SHA384"
        );
        assert_eq!(
            cipher_suite_name(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
        assert_eq!(cipher_suite_name(CipherSuite::Unknown(0xfefe)), "0xfefe");
        assert_eq!(version_name(ProtocolVersion::TLSv1_3), "TLSv1.3");
        assert_eq!(version_name(ProtocolVersion::TLSv1_2), "TLSv1.2");
    }
}
