//! The SSTP probe (`probe::vpn::sstp`) end to end over TLS. Debian ships no SSTP server, so the
//! positive case is a **stand-in**: a rustls thread server (tests/harness/vpn.rs) that checks
//! the request is exactly [MS-SSTP] 2.2.2's and answers as Windows RRAS does (4.1). This tests
//! our TLS, request and response handling, not interoperability with a real SSTP server.
//!
//! nginx was tried as the stand-in first (`location = "/sra_{…}/" { return 200; }`) and cannot
//! be one: it refuses SSTP's `Content-Length: 18446744073709551615` (beyond its 2^63−1 limit)
//! with 400 before any location runs. That is a useful negative case in itself, next to
//! nginx's plain 404.

mod harness;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use edgeaudit::observation::VpnProbeResult;
use edgeaudit::probe::vpn::sstp::{self, URI};
use edgeaudit::probe::{ConnectionBudget, HostContext, ProbeConfig};
use harness::vpn::sstp_stand_in;
use harness::Lab;
use tokio::sync::Semaphore;
use tokio::time::Instant;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn context(address: IpAddr) -> HostContext {
    HostContext {
        address,
        hostname: Some("localhost".into()),
        config: ProbeConfig::default(),
        global_slots: Arc::new(Semaphore::new(8)),
        host_slots: Arc::new(Semaphore::new(2)),
        budget: Arc::new(ConnectionBudget::new(4)),
        deadline: Instant::now() + Duration::from_secs(10),
        on_port_done: Arc::new(|| {}),
    }
}

#[test]
fn sstp_stand_in_reads_as_sstp() {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let server = sstp_stand_in(Arc::clone(&requests));
    let ctx = context(server.addr().ip());
    let obs = rt().block_on(sstp::audit_sstp_in(&ctx, server.port(), "localhost"));
    eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
    assert_eq!(
        obs.result,
        VpnProbeResult::Answered,
        "{:?}",
        requests.lock().unwrap()
    );
    assert_eq!(obs.http_status, Some(200));
    assert_eq!(obs.status_line.as_deref(), Some("HTTP/1.1 200"));
    assert_eq!(obs.host, "localhost");
    assert!(obs.tls_version.is_some());
    assert!(obs
        .headers
        .iter()
        .any(|h| h.name == "Server" && h.value == "Microsoft-HTTPAPI/2.0"));
    assert_eq!(ctx.budget.remaining(), 3);
    let seen = requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("\r\nHost: localhost\r\n"), "{}", seen[0]);
}

#[test]
fn nginx_refuses_the_sstp_request_even_on_the_sstp_uri() {
    // The URI holds braces, which nginx would read as a block: quoted; exact match.
    let server = Lab::nginx_https_with(&format!("location = \"{URI}\" {{ return 200; }}"));
    let ctx = context(server.addr().ip());
    let obs = rt().block_on(sstp::audit_sstp_in(&ctx, server.port(), "localhost"));
    eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
    assert_eq!(obs.result, VpnProbeResult::Unrecognised);
    assert_eq!(obs.http_status, Some(400));
    assert_eq!(obs.detail.as_deref(), Some("HTTP 400: not SSTP"));
}

#[test]
fn plain_https_404_is_not_sstp() {
    let server = Lab::nginx_https();
    let ctx = context(server.addr().ip());
    let obs = rt().block_on(sstp::audit_sstp_in(&ctx, server.port(), "127.0.0.1"));
    eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
    assert_eq!(obs.result, VpnProbeResult::Unrecognised);
    assert_ne!(obs.http_status, Some(200));
    assert!(obs.detail.as_deref().unwrap().ends_with("not SSTP"));
    // Not TLS at all: the handshake fails, still not SSTP.
    let http = Lab::nginx_http();
    let ctx = context(http.addr().ip());
    let obs = rt().block_on(sstp::audit_sstp_in(&ctx, http.port(), "localhost"));
    assert_eq!(obs.result, VpnProbeResult::Unrecognised, "{obs:?}");
    assert!(obs.detail.as_deref().unwrap().starts_with("TLS handshake"));
}
