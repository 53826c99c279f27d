//! [MS-SSTP] HTTP response heads.
#![no_main]
use edgeaudit::probe::vpn::sstp::{observe, parse_response_head};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(head) = parse_response_head(data) {
        assert!(head.headers.len() <= edgeaudit::probe::vpn::sstp::MAX_HEADERS);
        let _ = serde_json::to_string(&observe(443, "h", &head)).expect("serialise");
    }
});
