//! End to end: `edgeaudit tls` against real TLS servers on loopback — OpenSSL `s_server` on
//! 127.0.0.1 and on ::1, nginx over HTTPS, and a plain-HTTP nginx that does not speak TLS.

mod harness;

use std::collections::BTreeSet;

use serde_json::Value;

use harness::report::{self, array_at, port, service, state, str_at};
use harness::run::tls;
use harness::{closed_port, Lab, LOOPBACK_V4, LOOPBACK_V6};

/// The accepted suites per version of a port's TLS audit, by IANA name.
fn accepted(service: &Value) -> Vec<(String, BTreeSet<String>)> {
    array_at(service, "/tls_audit/versions")
        .iter()
        .filter(|v| v["support"] == "accepted")
        .map(|v| {
            let suites = v["cipher_suites"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s["name"].as_str().unwrap_or_default().to_string())
                .collect();
            (
                v["version"].as_str().unwrap_or_default().to_string(),
                suites,
            )
        })
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// s_server limited to TLS 1.2 with two suites: the audit finds exactly those, over IPv4 and
/// over IPv6, with the certificate and no banner wait needed.
#[test]
fn audits_an_s_server_on_ipv4_and_ipv6() {
    let config = [
        "-min_protocol",
        "TLSv1.2",
        "-max_protocol",
        "TLSv1.2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305",
    ];
    let expected = vec![(
        "TLSv1.2".to_string(),
        names(&[
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        ]),
    )];
    for ip in [LOOPBACK_V4, LOOPBACK_V6] {
        let server = Lab::openssl_s_server(ip, &config);
        let target = match ip {
            std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", server.port()),
            std::net::IpAddr::V4(v4) => format!("{v4}:{}", server.port()),
        };
        let run = tls().target(target.clone()).run();
        let report = run.json();
        let ctx = run.context();
        let host = report::host(report::target(&report, &target), ip);
        let p = port(host, server.port());
        assert_eq!(state(p), "open", "{ctx}");
        let svc = service(p);
        assert_eq!(str_at(svc, "/kind"), "https", "{ctx}");
        assert_eq!(str_at(svc, "/tls_audit/status"), "success", "{ctx}");
        assert_eq!(accepted(svc), expected, "{ctx}");
        for v in array_at(svc, "/tls_audit/versions") {
            if v["version"] != "TLSv1.2" {
                assert_eq!(v["support"], "rejected", "{v}\n{ctx}");
            }
        }
        assert_eq!(
            report::at(svc, "/tls_audit/certificate_chain/sent"),
            1,
            "{ctx}"
        );
        assert_eq!(
            str_at(svc, "/tls_audit/certificate_chain/certificates/0/subject"),
            "CN=localhost",
            "{ctx}"
        );
        // The TLS rules of the default profile ran on this port (TLS 1.2 with AEAD suites only
        // breaks none of them); "not tested" would mean the audit was lost on the way.
        assert!(
            report::not_tested(&report).is_empty(),
            "{:#?}\n{ctx}",
            report::not_tested(&report)
        );
    }
}

/// `--ports` gives the ports of targets without one; HOST:PORT wins; a plain HTTP server is named
/// as such and its TLS rules say "not tested"; a closed port stays closed.
#[test]
fn ports_option_plain_http_and_closed_ports() {
    let https = Lab::nginx_https();
    let http = Lab::nginx_http();
    let closed = closed_port();
    let run = tls()
        .target("127.0.0.1")
        .ports(&[https.port(), http.port(), closed])
        .run();
    let report = run.json();
    let ctx = run.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);

    let svc = service(port(host, https.port()));
    assert_eq!(str_at(svc, "/kind"), "https", "{ctx}");
    let versions: Vec<String> = accepted(svc).into_iter().map(|(v, _)| v).collect();
    // nginx 1.22's default ssl_protocols is TLSv1 TLSv1.1 TLSv1.2 (1.3 joined the default in
    // 1.23.4), and OpenSSL 3's security level 1 refuses TLS 1.0/1.1.
    assert_eq!(versions, ["TLSv1.2"], "{ctx}");

    let plain = port(host, http.port());
    assert_eq!(state(plain), "open", "{ctx}");
    assert_eq!(str_at(service(plain), "/kind"), "http", "{ctx}");
    assert!(
        service(plain).get("tls_audit").is_none(),
        "no TLS audit of a plain HTTP port\n{ctx}"
    );
    assert_eq!(state(port(host, closed)), "closed", "{ctx}");
}

/// nginx configured as a consultant often finds it: TLS 1.2 and 1.3, a short server-ordered list
/// with one CBC suite, and HSTS. The audit reports exactly that list, in nginx's order, and the
/// HSTS header; the CBC suite breaks the Mozilla intermediate profile.
#[test]
fn nginx_with_server_order_and_hsts() {
    let server = Lab::nginx_https_with(
        "ssl_protocols TLSv1.2 TLSv1.3; \
         ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256; \
         ssl_prefer_server_ciphers on; \
         add_header Strict-Transport-Security \"max-age=63072000\" always;",
    );
    let target = format!("127.0.0.1:{}", server.port());
    let run = tls()
        .target(target.clone())
        .args(["--profile", "mozilla-intermediate"])
        .run();
    let report = run.json();
    let ctx = run.context();
    let host = report::host(report::target(&report, &target), LOOPBACK_V4);
    let svc = service(port(host, server.port()));
    let v12 = array_at(svc, "/tls_audit/versions")
        .iter()
        .find(|v| v["version"] == "TLSv1.2")
        .expect("TLSv1.2 entry");
    assert_eq!(v12["server_preference"], true, "{ctx}");
    let order: Vec<&str> = array_at(v12, "/cipher_suites")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        order,
        [
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ],
        "nginx's order\n{ctx}"
    );
    let versions: Vec<String> = accepted(svc).into_iter().map(|(v, _)| v).collect();
    assert_eq!(versions, ["TLSv1.3", "TLSv1.2"], "{ctx}");
    assert_eq!(
        str_at(svc, "/http/strict_transport_security"),
        "max-age=63072000",
        "HSTS read inside TLS\n{ctx}"
    );
    let cbc = report::findings(&report)
        .iter()
        .filter(|f| f["status"] == "violation")
        .map(|f| str_at(f, "/actual/en").to_string())
        .collect::<Vec<_>>();
    assert!(
        cbc.iter()
            .any(|a| a.contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")),
        "{cbc:#?}\n{ctx}"
    );
}
