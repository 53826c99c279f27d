//! SNMP messages (RFC 1157, RFC 3416) in the BER subset of probe::snmp.
#![no_main]
use edgeaudit::probe::snmp::{decode_oid, Message, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::decode(data) {
        let _ = m.answers(Version::V2c, 1);
        let _ = m.sys_descr();
    }
    let _ = decode_oid(data);
});
