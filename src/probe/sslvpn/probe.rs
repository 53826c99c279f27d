//! The SSL-VPN portal probe of one port: a few GET requests from the fingerprint file, each on
//! its own connection taken through the host's slots and budget, then the matcher.
//!
//! Which requests: `/` first; then the requests of the products the answers so far point to, best
//! first; when nothing points anywhere, the file's discovery requests in rank order. It stops when
//! a product has reached the file's minimum score and its own requests are sent, or at
//! [`MAX_REQUESTS`]. Every request is a plain `GET` with `Connection: close`; the answer is read up
//! to [`MAX_BODY`] bytes under a deadline.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{DnsName, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsConnector;

use crate::observation::{SslVpnObservation, SslVpnRequest};
use crate::probe::identify::io::{self as bounded, End};
use crate::probe::identify::tls::{client_config, RecordingVerifier};
use crate::probe::identify::{http, wire_text};
use crate::probe::tcp::{connect, ConnectOutcome};
use crate::probe::HostContext;

use super::fingerprint::{self, Data, HttpExchange};

/// Most requests sent to one port.
pub const MAX_REQUESTS: usize = 8;
/// Most bytes of one answer read.
pub const MAX_BODY: usize = 64 * 1024;
/// Deadline of one request (connect excluded: `tcp::connect` has its own), when the scan's
/// exchange timeout is shorter.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Failed requests in a row after which the probe stops: the port is not answering HTTP.
const MAX_FAILURES_IN_A_ROW: usize = 2;

/// `GET path` with `Host`, the tool's `User-Agent`, and `Connection: close`: no cookies, no
/// credentials, no body.
pub fn build_get(path: &str, host: &str) -> Vec<u8> {
    let host: String = host.chars().filter(|c| !c.is_control()).collect();
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: edgeaudit/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// The next path to ask for, given what was sent and answered.
pub fn next_request(
    data: &Data,
    exchanges: &[HttpExchange],
    sent: &BTreeSet<String>,
) -> Option<String> {
    if !sent.contains("/") {
        return Some("/".to_string());
    }
    let mut scored = fingerprint::score_all(data, exchanges);
    scored.retain(|s| s.score > 0);
    // Stable: equal scores keep the data file's order.
    scored.sort_by_key(|s| std::cmp::Reverse(s.score));
    let requests = &data.fingerprints.requests;
    for s in &scored {
        if let Some(r) = requests.iter().find(|r| {
            r.product.as_deref() == Some(s.product.id.as_str()) && !sent.contains(&r.path)
        }) {
            return Some(r.path.clone());
        }
    }
    if scored
        .first()
        .is_some_and(|s| s.score >= data.fingerprints.min_score)
    {
        return None;
    }
    let mut discovery: Vec<_> = requests
        .iter()
        .filter_map(|r| r.discovery.map(|rank| (rank, r)))
        .collect();
    discovery.sort_by_key(|(rank, _)| *rank);
    discovery
        .into_iter()
        .map(|(_, r)| r)
        .find(|r| !sent.contains(&r.path))
        .map(|r| r.path.clone())
}

/// SNI for the handshake: the name given when it is a DNS name, else none.
fn server_name(host_header: Option<&str>, ctx: &HostContext) -> ServerName<'static> {
    let name = host_header.or(ctx.hostname.as_deref()).map(|h| {
        // A Host value may carry a port; SNI never does.
        let h = h.trim_end_matches('.');
        match h.rsplit_once(':') {
            Some((name, port))
                if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                name
            }
            _ => h,
        }
    });
    if let Some(name) = name {
        if name.parse::<std::net::IpAddr>().is_err() {
            if let Ok(dns) = DnsName::try_from(name.to_string()) {
                return ServerName::DnsName(dns);
            }
        }
    }
    ServerName::IpAddress(ctx.address.into())
}

async fn exchange_on<S>(stream: &mut S, request: &[u8], deadline: Instant) -> (Vec<u8>, End)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if let Err(end) = bounded::write_all(stream, request, deadline).await {
        return (Vec::new(), end);
    }
    bounded::read_until(stream, deadline, MAX_BODY, None, body_complete).await
}

/// Whole when `Content-Length` or the last chunk says so; unlike identification, a `</title>` is
/// not enough (the markers may be further down the page).
fn body_complete(bytes: &[u8]) -> bool {
    let Some(end) = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
    else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    match http::parse_status_line(bytes) {
        None => return true,
        Some(code) if (100..200).contains(&code) || code == 204 || code == 304 => return true,
        Some(_) => {}
    }
    let body = &bytes[end..];
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("content-length:") {
            if let Ok(n) = v.trim().parse::<usize>() {
                return body.len() >= n;
            }
        }
        if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            return body.starts_with(b"0\r\n") || body.windows(5).any(|w| w == b"\r\n0\r\n");
        }
    }
    false
}

/// One request on a fresh connection. Returns the raw answer, or why there is none.
async fn one_request(
    ctx: &HostContext,
    port: u16,
    tls: bool,
    host: &str,
    sni: &ServerName<'static>,
    path: &str,
) -> Result<(Vec<u8>, End), String> {
    let conn = match connect(ctx, port).await {
        ConnectOutcome::Open { conn, .. } => conn,
        other => return Err(format!("not sent: {}", other.describe())),
    };
    let mut stream = conn.stream;
    let deadline = ctx
        .deadline
        .min(Instant::now() + REQUEST_TIMEOUT.max(ctx.config.exchange_timeout));
    let request = build_get(path, host);
    let result = if tls {
        let config = client_config(Arc::new(RecordingVerifier::new()), &[b"http/1.1"])
            .map_err(|e| format!("TLS client could not be configured: {e}"))?;
        let handshake = TlsConnector::from(Arc::new(config)).connect(sni.clone(), &mut stream);
        let mut tls_stream = match timeout_at(deadline, handshake).await {
            Err(_) => return Err("TLS handshake: no answer before the deadline".into()),
            Ok(Err(e)) => return Err(format!("TLS handshake: {e}")),
            Ok(Ok(s)) => s,
        };
        exchange_on(&mut tls_stream, &request, deadline).await
    } else {
        exchange_on(&mut stream, &request, deadline).await
    };
    drop(conn.permits);
    Ok(result)
}

fn record(path: &str, bytes: &[u8], end: &End) -> SslVpnRequest {
    let mut r = SslVpnRequest {
        path: path.to_string(),
        bytes: bytes.len(),
        ..SslVpnRequest::default()
    };
    match http::parse_http_response(bytes) {
        Some(id) => {
            r.status = Some(id.status_code);
            r.server = id.server;
            r.location = id.location;
            r.title = id.title;
            if matches!(end, End::Timeout | End::Limit | End::Error(..)) {
                r.error = Some(format!("answer cut: {}", end.describe()));
            }
        }
        None if bytes.is_empty() => r.error = Some(end.describe()),
        None => {
            r.error = Some(format!(
                "not an HTTP answer: {}",
                wire_text(&bytes[..bytes.len().min(64)], 64)
            ))
        }
    }
    r
}

/// Probes `port` for an SSL-VPN portal. `tls` wraps each request in TLS (any certificate
/// accepted, as in identification); `host_header` overrides the `Host` value (default: the name
/// given, else the address).
pub async fn probe_portal_in(
    ctx: &HostContext,
    port: u16,
    tls: bool,
    host_header: Option<&str>,
) -> SslVpnObservation {
    let mut obs = SslVpnObservation::default();
    let data = match Data::embedded() {
        Ok(data) => data,
        Err(e) => {
            obs.notes.push(format!("SSL-VPN data not loaded: {e}"));
            return obs;
        }
    };
    let host = match host_header {
        Some(h) => h.to_string(),
        None => http::host_header(ctx.hostname.as_deref(), ctx.address, port, tls),
    };
    let sni = server_name(host_header, ctx);
    let mut exchanges = Vec::new();
    let mut sent = BTreeSet::new();
    let mut failures = 0;
    while sent.len() < MAX_REQUESTS {
        let Some(path) = next_request(data, &exchanges, &sent) else {
            break;
        };
        if Instant::now() >= ctx.deadline {
            obs.notes
                .push("stopped: the target's deadline passed".into());
            break;
        }
        sent.insert(path.clone());
        match one_request(ctx, port, tls, &host, &sni, &path).await {
            Ok((bytes, end)) => {
                let rec = record(&path, &bytes, &end);
                failures = if rec.status.is_some() {
                    0
                } else {
                    failures + 1
                };
                obs.requests.push(rec);
                exchanges.push(HttpExchange {
                    path,
                    response: bytes,
                });
            }
            Err(why) => {
                let stop = why.starts_with("not sent");
                obs.requests.push(SslVpnRequest {
                    path,
                    error: Some(why.clone()),
                    ..SslVpnRequest::default()
                });
                failures += 1;
                if stop {
                    obs.notes.push(format!("stopped: {why}"));
                    break;
                }
            }
        }
        if failures >= MAX_FAILURES_IN_A_ROW {
            obs.notes.push(format!(
                "stopped after {failures} requests in a row without an HTTP answer"
            ));
            break;
        }
    }
    if sent.len() >= MAX_REQUESTS {
        if let Some(next) = next_request(data, &exchanges, &sent) {
            obs.notes.push(format!(
                "request limit of {MAX_REQUESTS} reached; not asked for {next} and later pages"
            ));
        }
    }
    obs.products = fingerprint::match_with(data, &exchanges);
    if let Some(best) = obs.products.first() {
        let firm = best
            .version_source
            .as_deref()
            .is_some_and(|s| s.ends_with("(firm)"));
        obs.vulnerabilities =
            fingerprint::vulns_with(data, &best.product, best.version.as_deref(), firm);
    }
    obs
}
