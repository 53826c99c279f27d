//! RFC 2661 control messages (header and AVPs) and their observation.
#![no_main]
use edgeaudit::probe::vpn::l2tp::{observe, ControlMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = ControlMessage::decode(data) {
        let again = ControlMessage::decode(&m.encode()).expect("re-decode");
        assert_eq!(again, m);
        let _ = serde_json::to_string(&observe(1701, &m)).expect("serialise");
    }
});
