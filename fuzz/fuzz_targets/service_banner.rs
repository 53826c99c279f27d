//! Whatever a server sends first (or in answer to a probe) must classify without panicking.
#![no_main]
use edgeaudit::probe::identify::{banner, classify_answer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let port = data.first().map_or(22, |b| u16::from(*b) * 97);
    let _ = banner::parse_banner(data, port);
    let _ = banner::parse_ssh_identification(data);
    let _ = banner::parse_vnc_version(data);
    let _ = classify_answer(data, port);
});
