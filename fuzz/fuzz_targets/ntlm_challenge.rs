//! [MS-NLMP] 2.2.1.2 CHALLENGE_MESSAGE, bare or found inside a (SPNEGO) token.
#![no_main]
use edgeaudit::probe::rdp::ntlm::{filetime_rfc3339, find_ntlm, Challenge};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Challenge::decode(data);
    if let Some(inner) = find_ntlm(data) {
        if let Ok(c) = Challenge::decode(inner) {
            if let Some(t) = c.timestamp {
                let _ = filetime_rfc3339(t);
            }
        }
    }
});
