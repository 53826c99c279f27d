//! SSDP M-SEARCH answers (UPnP Device Architecture 1.1 §1.3.3).
#![no_main]
use edgeaudit::probe::ssdp::parse_response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_response(data);
});
