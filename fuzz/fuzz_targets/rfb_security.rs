//! RFC 6143 §7.1.1 ProtocolVersion and §7.1.2 security message, for every client version.
#![no_main]
use edgeaudit::observation::VncAudit;
use edgeaudit::probe::vnc::{decode_security, record_offer, ProtocolVersion, RfbVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ProtocolVersion::decode(data);
    for v in [RfbVersion::V3_3, RfbVersion::V3_7, RfbVersion::V3_8] {
        if let Ok(offer) = decode_security(v, data) {
            record_offer(&mut VncAudit::default(), &offer);
        }
    }
});
