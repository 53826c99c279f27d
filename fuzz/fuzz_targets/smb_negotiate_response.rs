//! [MS-SMB2] 2.2.4 NEGOTIATE response (with 3.1.1 contexts) and [MS-CIFS] 2.2.4.52.2 SMB1
//! NEGOTIATE response, framed or not.
#![no_main]
use edgeaudit::probe::smb::{decode_smb1_answer, guid_text, unframe, NegotiateResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for msg in [Some(data), unframe(data).ok()].into_iter().flatten() {
        if let Ok(r) = NegotiateResponse::decode(msg) {
            let _ = (r.ciphers(), r.preauth_hashes(), r.signing_algorithms());
            let _ = guid_text(&r.server_guid);
        }
        let _ = decode_smb1_answer(msg);
    }
});
