use std::collections::BTreeSet;
use std::path::PathBuf;

use super::*;
use crate::probe::sslvpn::probe::{next_request, MAX_REQUESTS};

fn data() -> &'static Data {
    Data::embedded().unwrap_or_else(|e| panic!("embedded SSL-VPN data: {e}"))
}

fn fixture_dir(product: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("pcap-fixtures/sslvpn")
        .join(product)
}

/// `root.http` is `/`; otherwise `a__b.c.http` is `/a/b.c`.
fn path_of(file: &str) -> String {
    let stem = file.strip_suffix(".http").expect("fixture named *.http");
    if stem == "root" {
        "/".into()
    } else {
        format!("/{}", stem.replace("__", "/"))
    }
}

fn fixtures(product: &str) -> Vec<HttpExchange> {
    let mut out: Vec<HttpExchange> = std::fs::read_dir(fixture_dir(product))
        .unwrap_or_else(|e| panic!("{product}: {e}"))
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            HttpExchange {
                path: path_of(&name),
                response: std::fs::read(entry.path()).unwrap(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The request plan of the probe run against a fixture set: a path without a fixture answers 404.
fn simulate(product: &str) -> (Vec<String>, Vec<HttpExchange>) {
    let all = fixtures(product);
    let mut sent = BTreeSet::new();
    let mut order = Vec::new();
    let mut exchanges = Vec::new();
    while sent.len() < MAX_REQUESTS {
        let Some(path) = next_request(data(), &exchanges, &sent) else {
            break;
        };
        sent.insert(path.clone());
        order.push(path.clone());
        let response = all
            .iter()
            .find(|x| x.path == path)
            .map(|x| x.response.clone())
            .unwrap_or_else(|| b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec());
        exchanges.push(HttpExchange { path, response });
    }
    (order, exchanges)
}

const PRODUCTS: &[(&str, &str)] = &[
    ("fortinet_fortigate", "fortinet_fortigate"),
    ("ivanti_connect_secure", "ivanti_connect_secure"),
    ("pulse_connect_secure_old", "ivanti_connect_secure"),
    ("paloalto_globalprotect", "paloalto_globalprotect"),
    ("cisco_asa", "cisco_asa"),
    ("citrix_netscaler", "citrix_netscaler"),
    ("sonicwall_sma", "sonicwall_sma"),
    ("f5_bigip_apm", "f5_bigip_apm"),
    ("checkpoint_mobile_access", "checkpoint_mobile_access"),
    ("sophos_firewall", "sophos_firewall"),
];

#[test]
fn embedded_files_load_and_cover_every_product() {
    let d = data();
    assert_eq!(d.fingerprints.products.len(), 9);
    assert!(d.kev.cves.len() >= 15);
    for r in &d.fingerprints.requests {
        assert!(is_safe_path(&r.path), "{}", r.path);
    }
    // Every product has a discovery request, and every fixture directory names a product.
    for p in &d.fingerprints.products {
        assert!(
            d.fingerprints
                .requests
                .iter()
                .any(|r| r.product.as_deref() == Some(&p.id) && r.discovery.is_some()),
            "{}",
            p.id
        );
    }
    for (_, product) in PRODUCTS {
        assert!(d.product(product).is_some());
    }
}

#[test]
fn exploit_paths_are_refused() {
    for bad in [
        "/remote/hostcheck_validate",
        "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
        "/remote/fgt_lang",
        "/dana-na/../dana/html5acc/guacamole/../../../../etc/passwd",
        "/api/v1/totp/user-backup-code/../../system/active-users",
        "/global-protect/hipreport.esp",
        "/+CSCOT+/translation-table",
        "/+CSCOT+/oem-customization?app=AnyConnect&type=oem&platform=..&resource-type=..&name=%2bCSCOE%2b/portal_inc.lua",
        "/mgmt/tm/util/bash",
        "/vpn/../vpns/cfg/smb.conf",
        "/a%2e%2e/b",
        "relative",
        "//double",
    ] {
        assert!(!is_safe_path(bad), "{bad}");
    }
    let with_bad_path = FINGERPRINTS_TOML.replacen(
        "path = \"/remote/login\"\nproduct",
        "path = \"/remote/hostcheck_validate\"\nproduct",
        1,
    );
    assert_ne!(with_bad_path, FINGERPRINTS_TOML);
    let err = Data::parse(&with_bad_path, KEV_TOML)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not allowed"), "{err}");
}

#[test]
fn loader_rejects_broken_data() {
    // An unknown key.
    let unknown_key =
        FINGERPRINTS_TOML.replacen("min_score = 10", "min_score = 10\nmin_scor = 1", 1);
    assert!(matches!(
        Data::parse(&unknown_key, KEV_TOML),
        Err(DataError::Toml { .. })
    ));
    // A KEV entry for a product the fingerprint file does not know.
    let unknown_product = KEV_TOML.replacen(
        "product = \"sonicwall_sma\"",
        "product = \"sonicwall_sonicos\"",
        1,
    );
    let err = Data::parse(FINGERPRINTS_TOML, &unknown_product)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown product"), "{err}");
    // A range that ends before it starts, and a version the scheme cannot read.
    let reversed = KEV_TOML.replacen(
        "{ from = \"7.2.0\", to = \"7.2.4\", bound = \"last_affected\" }",
        "{ from = \"7.2.5\", to = \"7.2.4\", bound = \"last_affected\" }",
        1,
    );
    assert_ne!(reversed, KEV_TOML);
    assert!(Data::parse(FINGERPRINTS_TOML, &reversed)
        .unwrap_err()
        .to_string()
        .contains("empty"));
    let unreadable = KEV_TOML.replacen("to = \"22.7R2.5\"", "to = \"22.7-R2.5\"", 1);
    assert_ne!(unreadable, KEV_TOML);
    assert!(Data::parse(FINGERPRINTS_TOML, &unreadable).is_err());
    let equal_first_fixed = KEV_TOML.replacen(
        "{ from = \"22.7R2\", to = \"22.7R2.5\"",
        "{ from = \"22.7R2.5\", to = \"22.7R2.5\"",
        1,
    );
    assert!(Data::parse(FINGERPRINTS_TOML, &equal_first_fixed).is_err());
    // A marker pointing at a request that does not exist.
    let stray = FINGERPRINTS_TOML.replacen(
        "path = \"/remote/login\"\nkind = \"body\"",
        "path = \"/remote/nowhere\"\nkind = \"body\"",
        1,
    );
    assert_ne!(stray, FINGERPRINTS_TOML);
    assert!(Data::parse(&stray, KEV_TOML).is_err());
}

#[test]
fn every_fixture_set_names_its_product_and_no_other() {
    let min = data().fingerprints.min_score;
    for (dir, product) in PRODUCTS {
        let responses = fixtures(dir);
        let matches = match_responses(&responses);
        assert_eq!(
            matches
                .iter()
                .map(|m| m.product.as_str())
                .collect::<Vec<_>>(),
            vec![*product],
            "{dir}: {matches:#?}"
        );
        assert!(matches[0].score >= min);
        assert!(!matches[0].evidence.is_empty());
        for s in score_all(data(), &responses) {
            if s.product.id != *product {
                assert!(s.score < min, "{dir}: {} scored {}", s.product.id, s.score);
            }
        }
        // The probe's plan over the same answers finds the same product.
        let (order, exchanges) = simulate(dir);
        assert_eq!(order[0], "/");
        assert!(order.len() <= MAX_REQUESTS);
        let planned = match_responses(&exchanges);
        assert_eq!(
            planned.first().map(|m| m.product.as_str()),
            Some(*product),
            "{dir}: {order:?}"
        );
    }
}

#[test]
fn the_plan_follows_the_first_answer() {
    // `/` of a FortiGate points at the FortiGate: one more request, then stop.
    let (order, _) = simulate("fortinet_fortigate");
    assert_eq!(order, ["/", "/remote/login"]);
    // Ivanti: the sign-in page, then the version file.
    let (order, _) = simulate("ivanti_connect_secure");
    assert_eq!(
        order,
        [
            "/",
            "/dana-na/auth/url_default/welcome.cgi",
            "/dana-na/nc/nc_gina_ver.txt"
        ]
    );
    let (order, _) = simulate("paloalto_globalprotect");
    assert_eq!(
        order,
        [
            "/",
            "/global-protect/login.esp",
            "/global-protect/prelogin.esp"
        ]
    );
    // Nothing recognised: discovery in rank order, bounded.
    let plain = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello".to_vec();
    let mut sent = BTreeSet::new();
    let mut exchanges = Vec::new();
    while sent.len() < MAX_REQUESTS {
        let Some(path) = next_request(data(), &exchanges, &sent) else {
            break;
        };
        sent.insert(path.clone());
        exchanges.push(HttpExchange {
            path,
            response: plain.clone(),
        });
    }
    let order: Vec<_> = exchanges.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(order.len(), MAX_REQUESTS);
    assert_eq!(
        &order[..3],
        [
            "/",
            "/remote/login",
            "/dana-na/auth/url_default/welcome.cgi"
        ]
    );
    assert!(match_responses(&exchanges).is_empty());
}

#[test]
fn versions_are_read_where_the_product_states_them() {
    let cases: &[(&str, Option<&str>)] = &[
        ("fortinet_fortigate", None),
        ("ivanti_connect_secure", Some("22.7R2.4")),
        ("pulse_connect_secure_old", Some("9.0.2.63965")),
        ("paloalto_globalprotect", Some("10.2.9-h1")),
        ("cisco_asa", Some("9.12(4)")),
        ("citrix_netscaler", None),
        ("sonicwall_sma", None),
    ];
    for (dir, version) in cases {
        let m = &match_responses(&fixtures(dir))[0];
        assert_eq!(m.version.as_deref(), *version, "{dir}");
        assert_eq!(m.version_source.is_some(), version.is_some(), "{dir}");
    }
    let m = &match_responses(&fixtures("ivanti_connect_secure"))[0];
    assert_eq!(
        m.version_source.as_deref(),
        Some("GET /dana-na/nc/nc_gina_ver.txt body (firm)")
    );
}

fn status_of(v: &[VulnMatch], cve: &str) -> (VulnStatus, VulnConfidence) {
    let m = v
        .iter()
        .find(|m| m.cve == cve)
        .unwrap_or_else(|| panic!("{cve} missing"));
    (m.status, m.confidence)
}

#[test]
fn fortios_vulnerabilities() {
    use VulnConfidence::*;
    use VulnStatus::*;
    let v = vulns("fortinet_fortigate", Some("7.2.4"));
    assert_eq!(status_of(&v, "CVE-2023-27997"), (Affected, Firm));
    assert_eq!(status_of(&v, "CVE-2024-21762"), (Affected, Firm));
    assert_eq!(status_of(&v, "CVE-2022-42475"), (NotAffected, Tentative));
    assert_eq!(status_of(&v, "CVE-2018-13379"), (NotAffected, Firm));
    assert!(v
        .iter()
        .find(|m| m.cve == "CVE-2023-27997")
        .unwrap()
        .reason
        .contains("7.2.0 to 7.2.4 (last affected)"));
    let v = vulns("fortinet_fortigate", Some("7.2.5"));
    assert_eq!(status_of(&v, "CVE-2023-27997"), (NotAffected, Firm));
    assert_eq!(status_of(&v, "CVE-2024-21762"), (Affected, Firm));
    // First fixed is not affected.
    let v = vulns("fortinet_fortigate", Some("7.2.7"));
    assert_eq!(status_of(&v, "CVE-2024-21762"), (NotAffected, Tentative));
    let v = vulns("fortinet_fortigate", Some("7.4.3"));
    assert!(v.iter().all(|m| m.status == NotAffected), "{v:#?}");
    // No version: every CVE asks for the patch level to be checked.
    let v = vulns("fortinet_fortigate", None);
    assert_eq!(v.len(), 6);
    for m in &v {
        assert_eq!((m.status, m.confidence), (VersionUnknown, Tentative));
        assert!(m
            .reason
            .starts_with("version unknown: verify the patch level"));
        assert!(m.kev);
    }
    // A release without its patch number, at the edge of a range.
    let v = vulns("fortinet_fortigate", Some("7.2"));
    assert_eq!(status_of(&v, "CVE-2023-27997").0, VersionUnknown);
    assert_eq!(status_of(&v, "CVE-2018-13379").0, NotAffected);
}

#[test]
fn ivanti_vulnerabilities() {
    use VulnConfidence::*;
    use VulnStatus::*;
    let v = vulns("ivanti_connect_secure", Some("22.7R2.4"));
    assert_eq!(status_of(&v, "CVE-2025-0282"), (Affected, Firm));
    assert_eq!(status_of(&v, "CVE-2019-11510"), (NotAffected, Tentative));
    // The cited source gives no fixed build for these two.
    assert_eq!(status_of(&v, "CVE-2023-46805").0, VersionUnknown);
    assert_eq!(status_of(&v, "CVE-2024-21887").0, VersionUnknown);
    let v = vulns("ivanti_connect_secure", Some("22.7R2.5"));
    assert_eq!(status_of(&v, "CVE-2025-0282"), (NotAffected, Firm));
    // The old dotted form decides only when the release number does.
    let v = vulns("ivanti_connect_secure", Some("9.0.2.63965"));
    assert_eq!(status_of(&v, "CVE-2019-11510"), (Affected, Firm));
    let v = vulns("ivanti_connect_secure", Some("9.0.3.64015"));
    assert_eq!(status_of(&v, "CVE-2019-11510").0, VersionUnknown);
    let v = vulns("ivanti_connect_secure", Some("9.0R3.4"));
    assert_eq!(status_of(&v, "CVE-2019-11510").0, NotAffected);
}

#[test]
fn panos_cisco_citrix_sonicwall_vulnerabilities() {
    use VulnStatus::*;
    let v = vulns("paloalto_globalprotect", Some("10.2.9-h1"));
    assert_eq!(
        status_of(&v, "CVE-2024-3400"),
        (Affected, VulnConfidence::Tentative)
    );
    let v = vulns("paloalto_globalprotect", Some("10.2.10"));
    assert_eq!(status_of(&v, "CVE-2024-3400").0, NotAffected);
    // No ranges in the cited sources: a version cannot settle it.
    let v = vulns("cisco_asa", Some("9.12(4)"));
    assert!(v.iter().all(|m| m.status == VersionUnknown));
    assert_eq!(v.len(), 2);
    let v = vulns("citrix_netscaler", Some("13.1-49.14"));
    assert_eq!(status_of(&v, "CVE-2023-4966").0, Affected);
    assert_eq!(status_of(&v, "CVE-2019-19781").0, NotAffected);
    let v = vulns("citrix_netscaler", Some("13.1-49.15"));
    assert_eq!(status_of(&v, "CVE-2023-4966").0, NotAffected);
    let v = vulns("sonicwall_sma", Some("10.2.0.5-d-29sv"));
    assert_eq!(status_of(&v, "CVE-2021-20016").0, Affected);
    // Unknown products and unreadable versions.
    assert!(vulns("nonexistent", Some("1.0")).is_empty());
    let v = vulns("fortinet_fortigate", Some("banana"));
    assert!(v.iter().all(|m| m.status == VersionUnknown));
    // Products without KEV entries in the data file.
    assert!(vulns("sophos_firewall", None).is_empty());
}

#[test]
fn the_vulnerable_and_fixed_fixture_versions() {
    // The Ivanti fixture states 22.7R2.4; the same answers with 22.7R2.5 are fixed.
    let responses = fixtures("ivanti_connect_secure");
    let m = &match_responses(&responses)[0];
    let v = vulns(&m.product, m.version.as_deref());
    assert_eq!(status_of(&v, "CVE-2025-0282").0, VulnStatus::Affected);
    let fixed: Vec<HttpExchange> = responses
        .into_iter()
        .map(|mut x| {
            let text = String::from_utf8(x.response).unwrap();
            x.response = text.replace("22.7R2.4", "22.7R2.5").into_bytes();
            x
        })
        .collect();
    let m = &match_responses(&fixed)[0];
    assert_eq!(m.version.as_deref(), Some("22.7R2.5"));
    let v = vulns(&m.product, m.version.as_deref());
    assert_eq!(status_of(&v, "CVE-2025-0282").0, VulnStatus::NotAffected);
}

#[test]
fn ordinary_web_pages_match_nothing() {
    let nginx = HttpExchange {
        path: "/".into(),
        response: b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0 (Ubuntu)\r\nContent-Type: text/html\r\n\
Content-Length: 118\r\n\r\n<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>edgeaudit lab page</title></head>\n\
<body><p>edgeaudit test lab</p></body></html>\n"
            .to_vec(),
    };
    let not_found = HttpExchange {
        path: "/remote/login".into(),
        response: b"HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n".to_vec(),
    };
    assert!(match_responses(&[nginx, not_found]).is_empty());
    // A redirect elsewhere, and a cookie that only starts like a product's.
    let other = HttpExchange {
        path: "/".into(),
        response: b"HTTP/1.1 302 Found\r\nLocation: /login\r\nSet-Cookie: DSIDX=1\r\n\r\n".to_vec(),
    };
    assert!(match_responses(&[other]).is_empty());
}

#[test]
fn matching_is_deterministic_and_survives_hostile_bytes() {
    let responses = fixtures("cisco_asa");
    assert_eq!(match_responses(&responses), match_responses(&responses));
    let mut state = 7u32;
    let seed = std::fs::read(
        fixture_dir("ivanti_connect_secure").join("dana-na__nc__nc_gina_ver.txt.http"),
    )
    .unwrap();
    for len in 0..seed.len() + 16 {
        for _ in 0..8 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    if state & 3 != 0 && i < seed.len() {
                        seed[i]
                    } else {
                        (state >> 24) as u8
                    }
                })
                .collect();
            let _ = match_responses(&[HttpExchange {
                path: "/dana-na/nc/nc_gina_ver.txt".into(),
                response: bytes,
            }]);
        }
    }
}
