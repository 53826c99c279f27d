//! [MS-CSSP] 2.2.1 TSRequest (DER), and the NTLM message its negoTokens may carry.
#![no_main]
use edgeaudit::probe::rdp::credssp::{element_len, TsRequest};
use edgeaudit::probe::rdp::ntlm::{find_ntlm, Challenge};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = element_len(data);
    if let Ok(ts) = TsRequest::decode(data) {
        for token in &ts.nego_tokens {
            if let Some(inner) = find_ntlm(token) {
                let _ = Challenge::decode(inner);
            }
        }
    }
});
