//! OpenVPN control packets (UDP datagram and TCP length-prefixed forms).
#![no_main]
use edgeaudit::probe::vpn::openvpn::ControlPacket;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = ControlPacket::decode(data) {
        // What decodes must encode to the same bytes and decode again to the same packet.
        assert_eq!(p.encode(), data);
        assert_eq!(ControlPacket::decode(&p.encode()).expect("re-decode"), p);
    }
    let _ = ControlPacket::decode_tcp(data);
});
