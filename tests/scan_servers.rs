//! End to end: `edgeaudit scan` against real servers on loopback (OpenSSH, nginx over HTTP and
//! HTTPS, telnet- and VNC-speaking listeners), read back from `--format json`.

mod harness;

use std::fs;
use std::net::{IpAddr, Ipv4Addr};

use harness::report::{self, at, expected_exit, port, service, state, str_at};
use harness::rules::{self, SSH_EXPOSED, TELNET_INSIDE, TELNET_OUTSIDE, VNC_EXPOSED};
use harness::run::scan;
use harness::{closed_port, Lab, LOOPBACK_V4, LOOPBACK_V6, NGINX_TITLE};

fn ip(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn no_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn identifies_ssh_http_https_and_a_closed_port() {
    let sshd = Lab::sshd();
    let http = Lab::nginx_http();
    let https = Lab::nginx_https();
    let closed = closed_port();
    let ports = [sshd.port(), http.port(), https.port(), closed];

    let run = scan().target("127.0.0.1").ports(&ports).run();
    let report = run.json();
    let ctx = run.context();

    assert_eq!(report["schema_version"], 1, "{ctx}");
    assert_eq!(report["scan"]["schema_version"], 1, "{ctx}");
    assert_eq!(str_at(&report, "/scan/vantage_requested"), "auto");
    let scanned_ports = report::array_at(&report, "/scan/settings/ports");
    for p in ports {
        assert!(
            scanned_ports.contains(&p.into()),
            "settings.ports lacks {p}: {scanned_ports:?}"
        );
    }
    assert!(
        report::array_at(&report, "/profiles")
            .iter()
            .any(|p| p["id"] == rules::PROFILE),
        "default profile is {}\n{ctx}",
        rules::PROFILE
    );

    let target = report::target(&report, "127.0.0.1");
    assert_eq!(str_at(target, "/resolution/kind"), "literal");
    assert_eq!(report::host_addresses(target), [LOOPBACK_V4].into());
    let host = report::host(target, LOOPBACK_V4);
    assert_eq!(
        str_at(host, "/vantage"),
        "inside",
        "auto vantage on loopback is inside"
    );
    assert!(host.get("incomplete").is_none(), "host incomplete\n{ctx}");

    // OpenSSH
    let ssh = port(host, sshd.port());
    assert_eq!(state(ssh), "open", "{ctx}");
    assert_eq!(ssh["transport"], "tcp");
    let svc = service(ssh);
    assert_eq!(svc["kind"], "ssh", "{ctx}");
    assert_eq!(svc["method"], "protocol");
    assert_eq!(svc["status"], "success");
    assert_eq!(svc["ssh"]["protocol_version"], "2.0");
    assert!(str_at(svc, "/ssh/software").contains("OpenSSH"), "{ctx}");
    assert!(
        str_at(svc, "/banner/escaped").starts_with("SSH-2.0-OpenSSH"),
        "{ctx}"
    );

    // nginx over HTTP
    let web = port(host, http.port());
    assert_eq!(state(web), "open");
    let svc = service(web);
    assert_eq!(svc["kind"], "http", "{ctx}");
    assert_eq!(svc["method"], "protocol");
    assert_eq!(svc["status"], "success");
    assert!(svc["http"]["status_code"].is_u64(), "{ctx}");
    assert!(
        str_at(svc, "/http/server")
            .to_ascii_lowercase()
            .contains("nginx"),
        "{ctx}"
    );

    // nginx over HTTPS with a self-signed certificate for localhost
    let tls_port = port(host, https.port());
    assert_eq!(state(tls_port), "open");
    let svc = service(tls_port);
    assert_eq!(svc["kind"], "https", "{ctx}");
    assert_eq!(svc["status"], "success");
    let version = str_at(svc, "/tls/version");
    assert!(
        version == "TLSv1.3" || version == "TLSv1.2",
        "tls version {version}"
    );
    assert!(svc["tls"].get("handshake_error").is_none(), "{ctx}");
    let cert = at(svc, "/tls/certificate");
    assert!(
        no_spaces(str_at(cert, "/subject")).contains("CN=localhost"),
        "{ctx}"
    );
    assert!(
        no_spaces(str_at(cert, "/issuer")).contains("CN=localhost"),
        "{ctx}"
    );
    assert_eq!(cert["self_signed"], true, "{ctx}");
    assert!(
        report::array_at(cert, "/dns_names").contains(&"localhost".into()),
        "{ctx}"
    );
    assert_eq!(cert["key_bits"], 2048, "{ctx}");
    assert!(
        str_at(svc, "/http/server")
            .to_ascii_lowercase()
            .contains("nginx"),
        "{ctx}"
    );

    // Nothing listens here.
    let refused = port(host, closed);
    assert_eq!(state(refused), "closed", "{ctx}");
    assert!(
        refused.get("service").is_none(),
        "a closed port has no service\n{ctx}"
    );

    for finding in report::findings(&report) {
        rules::assert_well_formed(finding);
    }
    assert_eq!(run.code, Some(expected_exit(&report, "high")), "{ctx}");
}

/// The page itself is read: status 200 and its `<title>`, not the 400 nginx gives a TLS
/// ClientHello sent to a plain-HTTP port.
#[test]
fn http_status_and_title_come_from_the_page() {
    let http = Lab::nginx_http();
    let run = scan().target("127.0.0.1").ports(&[http.port()]).run();
    let report = run.json();
    let ctx = run.context();
    let svc = service(port(
        report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4),
        http.port(),
    ));
    assert_eq!(svc["kind"], "http", "{ctx}");
    assert_eq!(svc["http"]["status_code"], 200, "{ctx}");
    assert_eq!(str_at(svc, "/http/title"), NGINX_TITLE, "{ctx}");
}

/// The TLS engine runs on the HTTPS port it found, and its facts agree with `openssl s_client`
/// for a sample of what it reports: every suite said to be accepted is accepted when offered
/// alone, and a version said to be rejected is refused.
#[test]
fn tls_engine_audits_the_https_port() {
    let https = Lab::nginx_https();
    let run = scan().target("127.0.0.1").ports(&[https.port()]).run();
    let report = run.json();
    let ctx = run.context();
    let svc = service(port(
        report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4),
        https.port(),
    ));
    let audit = &svc["tls_audit"];
    assert!(audit["handshakes"].as_u64().unwrap_or(0) > 0, "{ctx}");
    let versions = audit["versions"].as_array().expect("versions");
    let tls12 = versions
        .iter()
        .find(|v| v["version"] == "TLSv1.2")
        .expect("TLSv1.2 tried");
    assert_eq!(tls12["support"], "accepted", "{ctx}");
    assert_eq!(tls12["enumeration_complete"], true, "{ctx}");
    let suites: Vec<&str> = tls12["cipher_suites"]
        .as_array()
        .expect("suites")
        .iter()
        .map(|s| {
            s["openssl_name"]
                .as_str()
                .expect("OpenSSL knows nginx's suites")
        })
        .collect();
    assert!(!suites.is_empty(), "{ctx}");
    let connect = format!("127.0.0.1:{}", https.port());
    let s_client = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(["s_client", "-connect", &connect])
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("openssl s_client")
            .status
            .success()
    };
    for suite in suites.iter().take(4) {
        assert!(
            s_client(&["-tls1_2", "-cipher", suite]),
            "{suite} said accepted\n{ctx}"
        );
    }
    let sslv3 = versions
        .iter()
        .find(|v| v["version"] == "SSLv3")
        .expect("SSLv3 tried");
    assert_eq!(sslv3["support"], "rejected", "{ctx}");
    let tls10 = versions
        .iter()
        .find(|v| v["version"] == "TLSv1.0")
        .expect("TLSv1.0 tried");
    if tls10["support"] == "rejected" {
        assert!(
            !s_client(&["-tls1", "-cipher", "ALL:@SECLEVEL=0"]),
            "TLSv1.0 said rejected\n{ctx}"
        );
    }
}

#[test]
fn ssh_exposure_is_a_violation_from_outside_only() {
    let sshd = Lab::sshd();
    let ports = [sshd.port(), closed_port()];

    // From outside: a management interface reachable from the internet.
    let outside = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("outside")
        .run();
    let report = outside.json();
    let ctx = outside.context();
    assert_eq!(str_at(&report, "/scan/vantage_requested"), "outside");
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    assert_eq!(str_at(host, "/vantage"), "outside");
    let found = SSH_EXPOSED.violations_at(&report, sshd.port());
    assert!(
        !found.is_empty(),
        "no {} violation from outside\n{ctx}",
        SSH_EXPOSED.what
    );
    for finding in &found {
        rules::assert_well_formed(finding);
        assert_eq!(finding["profile"], rules::PROFILE);
        assert_eq!(str_at(finding, "/location/target"), "127.0.0.1");
        assert_eq!(str_at(finding, "/location/address"), "127.0.0.1");
        if let Some(service) = finding["location"].get("service") {
            assert_eq!(service, "ssh");
        }
    }
    assert_eq!(outside.code, Some(expected_exit(&report, "high")), "{ctx}");

    // The exit code follows --fail-on.
    let strict = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("outside")
        .fail_on("info")
        .run();
    strict.assert_exit(1);
    assert!(!SSH_EXPOSED
        .violations_at(&strict.json(), sshd.port())
        .is_empty());
    scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("outside")
        .fail_on("none")
        .run()
        .assert_exit(0);

    // From inside: SSH on the office LAN is normal.
    let inside = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("inside")
        .run();
    let report = inside.json();
    let ctx = inside.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    assert_eq!(str_at(host, "/vantage"), "inside");
    assert_eq!(service(port(host, sshd.port()))["kind"], "ssh");
    assert!(
        SSH_EXPOSED.violations_at(&report, sshd.port()).is_empty(),
        "{} flagged from inside\n{ctx}",
        SSH_EXPOSED.what
    );
    assert_eq!(inside.code, Some(expected_exit(&report, "high")), "{ctx}");
    assert_eq!(
        inside.code,
        Some(0),
        "only sshd is open: nothing high from inside\n{ctx}"
    );
}

#[test]
fn telnet_is_flagged_even_from_inside_and_vnc_only_from_outside() {
    let telnet = Lab::telnet();
    let vnc = Lab::vnc();
    let ports = [telnet.port(), vnc.port()];

    let inside = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("inside")
        .run();
    let report = inside.json();
    let ctx = inside.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    let svc = service(port(host, telnet.port()));
    assert_eq!(
        svc["kind"], "telnet",
        "telnet option negotiation not recognised\n{ctx}"
    );
    assert_eq!(svc["method"], "protocol");
    let svc = service(port(host, vnc.port()));
    assert_eq!(svc["kind"], "vnc", "RFB greeting not recognised\n{ctx}");
    assert_eq!(
        svc["vnc"]["protocol_version"]
            .as_str()
            .map(|v| v.contains("3.8") || v.contains("003.008")),
        Some(true),
        "{ctx}"
    );
    assert!(
        !TELNET_INSIDE
            .violations_at(&report, telnet.port())
            .is_empty(),
        "telnet not flagged from inside\n{ctx}"
    );
    assert!(
        VNC_EXPOSED.violations_at(&report, vnc.port()).is_empty(),
        "VNC flagged from inside\n{ctx}"
    );
    assert_eq!(inside.code, Some(expected_exit(&report, "high")), "{ctx}");

    let outside = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("outside")
        .run();
    let report = outside.json();
    let ctx = outside.context();
    assert!(
        !TELNET_OUTSIDE
            .violations_at(&report, telnet.port())
            .is_empty(),
        "{ctx}"
    );
    assert!(
        !VNC_EXPOSED.violations_at(&report, vnc.port()).is_empty(),
        "VNC not flagged from outside\n{ctx}"
    );
    assert_eq!(outside.code, Some(expected_exit(&report, "high")), "{ctx}");
}

#[test]
fn text_and_markdown_reports_agree_with_json_on_the_exit_code() {
    let sshd = Lab::sshd();
    let ports = [sshd.port()];
    let json = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("outside")
        .run();
    json.json();
    for format in ["text", "md"] {
        let run = scan()
            .target("127.0.0.1")
            .ports(&ports)
            .vantage("outside")
            .format(format)
            .run();
        run.assert_exit(json.code.expect("json run exited"));
        assert!(
            run.stdout.contains(&sshd.port().to_string()),
            "{format} report lacks the port\n{}",
            run.context()
        );
        assert!(
            run.stdout.to_lowercase().contains("ssh"),
            "{format} report lacks ssh\n{}",
            run.context()
        );
    }
    let ja = scan()
        .target("127.0.0.1")
        .ports(&ports)
        .vantage("outside")
        .format("text")
        .args(["--lang", "ja"])
        .run();
    ja.assert_exit(json.code.unwrap());
    assert!(
        !ja.stdout.is_ascii(),
        "a Japanese report has Japanese text\n{}",
        ja.context()
    );
}

#[test]
fn host_port_targets_scan_that_port() {
    harness::require_ipv6_loopback();
    let sshd = Lab::sshd();
    let v6 = Lab::plain_listener_on(&[LOOPBACK_V6]);
    let v4_target = format!("127.0.0.1:{}", sshd.port());
    let v6_target = format!("[::1]:{}", v6.port());
    let run = scan()
        .target(&v4_target)
        .target(&v6_target)
        .ports(&[closed_port()])
        .run();
    let report = run.json();
    let ctx = run.context();

    let target = report::target(&report, &v4_target);
    assert_eq!(str_at(target, "/resolution/kind"), "literal");
    let ssh = port(report::host(target, LOOPBACK_V4), sshd.port());
    assert_eq!(state(ssh), "open", "{ctx}");
    assert_eq!(service(ssh)["kind"], "ssh");

    let target = report::target(&report, &v6_target);
    assert_eq!(
        report::host_addresses(target),
        [LOOPBACK_V6].into(),
        "{ctx}"
    );
    assert_eq!(
        state(port(report::host(target, LOOPBACK_V6), v6.port())),
        "open",
        "{ctx}"
    );
    run.assert_exit(expected_exit(&report, "high"));
}

#[test]
fn targets_file_and_command_line_targets_are_all_scanned() {
    let ips = [ip(127, 0, 0, 1), ip(127, 0, 0, 2), ip(127, 0, 0, 3)];
    let listener = Lab::plain_listener_on(&ips);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.txt");
    fs::write(&file, "127.0.0.1\n127.0.0.2\n").unwrap();

    let run = scan()
        .arg("--targets-file")
        .arg(file.display().to_string())
        .target("127.0.0.3")
        .ports(&[listener.port()])
        .run();
    let report = run.json();
    let ctx = run.context();
    assert_eq!(report::targets(&report).len(), 3, "{ctx}");
    for (input, address) in [
        ("127.0.0.1", ips[0]),
        ("127.0.0.2", ips[1]),
        ("127.0.0.3", ips[2]),
    ] {
        let target = report::target(&report, input);
        assert_eq!(
            state(port(report::host(target, address), listener.port())),
            "open",
            "{ctx}"
        );
    }
    run.assert_exit(expected_exit(&report, "high"));
}

#[test]
fn small_cidr_block_scans_its_addresses() {
    let inside = [ip(127, 0, 1, 1), ip(127, 0, 1, 2)];
    let listener = Lab::plain_listener_on(&inside);
    let run = scan()
        .target("127.0.1.0/30")
        .ports(&[listener.port()])
        .run();
    let report = run.json();
    let ctx = run.context();
    let target = report::target(&report, "127.0.1.0/30");
    assert_eq!(str_at(target, "/resolution/kind"), "literal");
    let block: Vec<IpAddr> = (0..4).map(|d| ip(127, 0, 1, d)).collect();
    let addresses = report::host_addresses(target);
    assert!(
        addresses.iter().all(|a| block.contains(a)),
        "address outside the block\n{ctx}"
    );
    for address in inside {
        assert_eq!(
            state(port(report::host(target, address), listener.port())),
            "open",
            "{ctx}"
        );
    }
    run.assert_exit(expected_exit(&report, "high"));
}

/// A web page behind an HTTP login challenge (nginx `auth_basic`, as many routers answer) is a
/// management interface: reported from outside with certain confidence, not from inside; the
/// lab's ordinary page is not one.
#[test]
fn http_login_challenge_is_a_management_interface_from_outside() {
    let admin =
        Lab::nginx_http_with("auth_basic \"Router admin\"; auth_basic_user_file /dev/null;");
    let plain = Lab::nginx_http();
    let rule = "management-ui-reachable-from-outside";
    let run = scan()
        .target("127.0.0.1")
        .ports(&[admin.port(), plain.port()])
        .vantage("outside")
        .run();
    let report = run.json();
    let ctx = run.context();
    let host = report::host(report::target(&report, "127.0.0.1"), LOOPBACK_V4);
    assert_eq!(
        str_at(service(port(host, admin.port())), "/http/www_authenticate"),
        "Basic realm=\"Router admin\"",
        "{ctx}"
    );
    let found: Vec<&serde_json::Value> = report::findings(&report)
        .iter()
        .filter(|f| f["rule"] == rule && f["status"] == "violation")
        .collect();
    assert_eq!(found.len(), 1, "{ctx}");
    assert_eq!(at(found[0], "/location/port"), admin.port(), "{ctx}");
    assert_eq!(str_at(found[0], "/confidence"), "certain", "{ctx}");
    assert!(
        str_at(found[0], "/actual/en").contains("Router admin"),
        "{ctx}"
    );

    let inside = scan()
        .target("127.0.0.1")
        .ports(&[admin.port()])
        .vantage("inside")
        .run()
        .json();
    assert!(
        report::findings(&inside).iter().all(|f| f["rule"] != rule),
        "not a finding from inside"
    );
}
