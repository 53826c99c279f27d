//! ISAKMP/IKEv2 messages (RFC 2408 §3, RFC 7296 §3), as read by the IKE audit, with and without
//! the non-ESP marker of port 4500.
#![no_main]
use edgeaudit::probe::ike::wire::{strip_non_esp_marker, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = strip_non_esp_marker(data).unwrap_or(data);
    if let Ok(message) = Message::decode(body) {
        // What decodes must encode and decode to the same message.
        let again = Message::decode(&message.encode()).expect("re-decode");
        assert_eq!(again.payloads, message.payloads);
        let _ = message.vendor_ids().count();
        let _ = message.v2_notifies().filter_map(|n| n.requested_group()).count();
    }
});
