//! HTTP response heads and bodies from hostile servers.
#![no_main]
use edgeaudit::probe::identify::http;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = http::parse_http_response(data);
    let _ = http::extract_html_title(data);
    let _ = http::response_is_complete(data);
});
