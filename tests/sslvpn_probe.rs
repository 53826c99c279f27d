//! The SSL-VPN probe against a real server: nginx on loopback serving the reconstructed Ivanti
//! Connect Secure fixture set (pcap-fixtures/sslvpn/ivanti_connect_secure), over TLS and plain
//! HTTP, and the lab's ordinary nginx page, which must match no product.

mod harness;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use edgeaudit::observation::{SslVpnObservation, VulnStatus};
use edgeaudit::probe::sslvpn::probe::MAX_REQUESTS;
use edgeaudit::probe::sslvpn::probe_portal_in;
use edgeaudit::probe::{ConnectionBudget, HostContext, ProbeConfig};
use harness::Lab;
use tokio::sync::Semaphore;
use tokio::time::Instant;

fn probe(addr: SocketAddr, tls: bool, budget: usize) -> SslVpnObservation {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let ctx = HostContext {
            address: addr.ip(),
            hostname: None,
            config: ProbeConfig {
                connect_timeout: Duration::from_secs(2),
                exchange_timeout: Duration::from_secs(3),
                per_host_concurrency: 2,
                per_host_connection_budget: budget,
                ..ProbeConfig::default()
            },
            global_slots: Arc::new(Semaphore::new(4)),
            host_slots: Arc::new(Semaphore::new(2)),
            budget: Arc::new(ConnectionBudget::new(budget)),
            deadline: Instant::now() + Duration::from_secs(60),
            on_port_done: Arc::new(|| {}),
        };
        let obs = probe_portal_in(&ctx, addr.port(), tls, Some("localhost")).await;
        eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
        obs
    })
}

/// nginx `location` blocks answering like the fixture files: status, Location, Set-Cookie (name
/// and value only) and Content-Type, and the body.
fn fixture_directives(product: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/sslvpn")
        .join(product);
    let mut out = String::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let stem = name.strip_suffix(".http").unwrap();
        let path = if stem == "root" {
            "/".to_string()
        } else {
            format!("/{}", stem.replace("__", "/"))
        };
        let text = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.split("\r\n");
        let status: u16 = lines.next().unwrap()[9..12].parse().unwrap();
        let mut block = format!("location = {path} {{ ");
        let mut location = None;
        for line in lines {
            let (name, value) = line.split_once(": ").unwrap();
            match name.to_ascii_lowercase().as_str() {
                "location" => location = Some(value.to_string()),
                // The harness splits directives at `;`, so cookie attributes are left out.
                "set-cookie" => {
                    let cookie = value.split(';').next().unwrap();
                    block.push_str(&format!("add_header Set-Cookie \"{cookie}\" always; "));
                }
                "content-type" => {
                    let ty = value.split(';').next().unwrap();
                    block.push_str(&format!("default_type {ty}; "));
                }
                _ => {}
            }
        }
        let body = body.replace('\n', " ");
        assert!(
            !body.contains(['\'', ';', '$']),
            "{name}: body not servable by `return`"
        );
        match location {
            Some(to) => block.push_str(&format!("return {status} {to}; }} ")),
            None => block.push_str(&format!("return {status} '{body}'; }} ")),
        }
        out.push_str(&block);
    }
    out
}

fn assert_ivanti(obs: &SslVpnObservation) {
    let paths: Vec<_> = obs.requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/",
            "/dana-na/auth/url_default/welcome.cgi",
            "/dana-na/nc/nc_gina_ver.txt"
        ]
    );
    assert_eq!(obs.requests[0].status, Some(302));
    assert!(obs.requests[0]
        .location
        .as_deref()
        .unwrap()
        .ends_with("/dana-na/auth/url_default/welcome.cgi"));
    assert_eq!(obs.requests[1].status, Some(200));
    assert_eq!(
        obs.requests[1].title.as_deref(),
        Some("Ivanti Connect Secure")
    );
    assert_eq!(obs.products.len(), 1, "{:#?}", obs.products);
    let m = &obs.products[0];
    assert_eq!(m.product, "ivanti_connect_secure");
    assert_eq!(m.version.as_deref(), Some("22.7R2.4"));
    assert!(m
        .evidence
        .iter()
        .any(|e| e.contains("sets cookie DSBrowserID")));
    let cve = obs
        .vulnerabilities
        .iter()
        .find(|v| v.cve == "CVE-2025-0282")
        .unwrap();
    assert_eq!(cve.status, VulnStatus::Affected);
    assert!(cve.kev);
}

#[test]
fn ivanti_fixture_over_tls_is_identified_with_its_version() {
    let server = Lab::nginx_https_with(&fixture_directives("ivanti_connect_secure"));
    let obs = probe(server.addr(), true, 16);
    assert_ivanti(&obs);
}

#[test]
fn ivanti_fixture_over_plain_http() {
    let server = Lab::nginx_http_with(&fixture_directives("ivanti_connect_secure"));
    let obs = probe(server.addr(), false, 16);
    assert_ivanti(&obs);
}

#[test]
fn the_lab_page_matches_no_product_and_the_request_count_is_bounded() {
    let server = Lab::nginx_https();
    let obs = probe(server.addr(), true, 64);
    assert!(obs.products.is_empty(), "{:#?}", obs.products);
    assert!(obs.vulnerabilities.is_empty());
    assert_eq!(obs.requests.len(), MAX_REQUESTS);
    assert_eq!(obs.requests[0].status, Some(200));
    assert!(obs.requests[1..].iter().all(|r| r.status == Some(404)));
    assert!(obs.notes.iter().any(|n| n.contains("request limit")));
}

#[test]
fn the_host_budget_bounds_the_probe() {
    let server = Lab::nginx_https();
    let obs = probe(server.addr(), true, 2);
    assert_eq!(obs.requests.len(), 3);
    assert_eq!(obs.requests[2].status, None);
    assert!(obs.requests[2].error.as_deref().unwrap().contains("budget"));
    assert!(obs.notes.iter().any(|n| n.starts_with("stopped")));
}
