//! A TLS server's first flight (records, handshake messages, alerts, SSLv2) from hostile servers.
#![no_main]
use edgeaudit::probe::tls::wire::{parse_server_flight, ClientHello, ServerMessage, WireError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let flight = parse_server_flight(data);
    // The parser is called again on a growing buffer: a prefix must never be malformed when the
    // whole is complete, and every prefix must parse without panicking.
    if flight.error.is_none() {
        for cut in [data.len() / 2, data.len().saturating_sub(1)] {
            let prefix = parse_server_flight(&data[..cut]);
            assert!(
                !matches!(prefix.error, Some(WireError::Malformed { .. })),
                "prefix {cut}"
            );
        }
    }
    let _ = flight.is_final(true);
    let _ = flight.is_final(false);
    for m in &flight.messages {
        match m {
            ServerMessage::ServerHello(sh) | ServerMessage::HelloRetryRequest(sh) => {
                let _ = sh.selected_version();
                let _ = sh.key_share_group();
                let _ = sh.renegotiation_info();
                let _ = sh.alpn();
                let _ = sh.heartbeat_mode();
                let _ = sh.downgrade_sentinel();
                // What decodes must encode to the same message.
                let again = edgeaudit::probe::tls::wire::ServerHello::decode(&sh.encode_body())
                    .expect("re-decode");
                assert_eq!(&again, sh);
            }
            ServerMessage::ServerKeyExchange(ske) => {
                let _ = ske.dhe_prime_bits();
                let _ = ske.ecdhe_named_curve();
            }
            _ => {}
        }
    }
    if let Ok(hello) = ClientHello::decode(data) {
        let again = ClientHello::decode(&hello.encode()).expect("re-decode ClientHello");
        assert_eq!(again, hello);
    }
});
