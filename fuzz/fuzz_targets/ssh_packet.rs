//! RFC 4253 §6 binary packets and the server messages the SSH audit reads: framing, the key
//! exchange reply with its host key, EXT_INFO, USERAUTH answers, DISCONNECT. No input may
//! panic, and the framing must never claim more bytes than it was given.
#![no_main]
use edgeaudit::probe::ssh::{hostkey, wire};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((payload, used)) = wire::decode_packet(data) {
        assert!(used <= data.len() && used <= wire::MAX_PACKET);
        assert!(!payload.is_empty());
    }
    if let Ok(Some(len)) = wire::packet_len(data) {
        assert!(len <= wire::MAX_PACKET);
    }
    let _ = wire::identification_line(data);
    if let Ok(reply) = wire::EcdhReply::decode(data) {
        let _ = hostkey::describe(reply.host_key);
        for alg in ["ssh-ed25519", "rsa-sha2-512", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384"] {
            let _ = hostkey::verify(alg, reply.host_key, reply.signature, reply.q_s);
        }
    }
    let _ = hostkey::describe(data);
    let _ = wire::decode_ext_info(data);
    let _ = wire::decode_userauth_failure(data);
    let _ = wire::decode_userauth_banner(data);
    let _ = wire::decode_service_accept(data);
    let _ = wire::decode_disconnect(data);
});
