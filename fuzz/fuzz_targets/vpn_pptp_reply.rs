//! RFC 2637 Start-Control-Connection-Reply and the control message header.
#![no_main]
use edgeaudit::probe::vpn::pptp::{message_complete, observe, ControlHeader, StartControlConnection};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = message_complete(data);
    let _ = ControlHeader::decode(data);
    if let Ok(m) = StartControlConnection::decode(data) {
        let again = StartControlConnection::decode(&m.encode()).expect("re-decode");
        assert_eq!(again, m);
        let _ = serde_json::to_string(&observe(1723, &m)).expect("serialise");
    }
});
