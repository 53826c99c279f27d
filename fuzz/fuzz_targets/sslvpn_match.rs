//! Hostile HTTP answers into the SSL-VPN matcher: the first byte picks which request the answer
//! belongs to (so path-bound markers and version extractors run too), the rest is the answer.
#![no_main]
use edgeaudit::probe::sslvpn::{match_responses, vulns, HttpExchange};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "/",
    "/remote/login",
    "/dana-na/auth/url_default/welcome.cgi",
    "/dana-na/nc/nc_gina_ver.txt",
    "/global-protect/login.esp",
    "/global-protect/prelogin.esp",
    "/+CSCOE+/logon.html",
    "/CSCOSSLC/config-auth",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, response)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(selector) % PATHS.len()];
    let exchanges = [HttpExchange {
        path: path.to_string(),
        response: response.to_vec(),
    }];
    for m in match_responses(&exchanges) {
        let _ = vulns(&m.product, m.version.as_deref());
    }
    // The answer's bytes as a version string of every scheme.
    if let Ok(text) = std::str::from_utf8(response) {
        for product in [
            "fortinet_fortigate",
            "ivanti_connect_secure",
            "paloalto_globalprotect",
            "cisco_asa",
            "citrix_netscaler",
            "sonicwall_sma",
        ] {
            let _ = vulns(product, Some(text));
        }
    }
});
