//! [MS-RDPBCGR] X.224 Connection Confirm with RDP_NEG_RSP / RDP_NEG_FAILURE.
#![no_main]
use edgeaudit::probe::rdp::wire::ConnectionConfirm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(confirm) = ConnectionConfirm::decode(data) {
        // What decodes must encode and decode to the same message.
        let again = ConnectionConfirm::decode(&confirm.encode()).expect("re-decode");
        assert_eq!(again, confirm);
    }
});
