//! Certificates (DER) as a server presents them.
#![no_main]
use edgeaudit::probe::identify::cert;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cert::summarize_certificate(data);
    let _ = cert::verifies_with_own_key(data);
});
