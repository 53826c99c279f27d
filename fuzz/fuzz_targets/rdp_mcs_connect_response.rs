//! [MS-RDPBCGR] 2.2.1.4 MCS Connect Response (T.125 BER, T.124 PER, server data blocks).
#![no_main]
use edgeaudit::probe::rdp::audit::standard_security;
use edgeaudit::probe::rdp::mcs::{packet_len, ConnectResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = packet_len(data);
    if let Ok(resp) = ConnectResponse::decode(data) {
        // The observation built from whatever decoded must not panic either.
        let _ = standard_security(&resp);
    }
});
