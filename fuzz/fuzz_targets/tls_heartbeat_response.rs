//! The safe Heartbleed test's judge: any bytes a server sends after our heartbeat requests.
#![no_main]

use edgeaudit::probe::tls::options::HeartbleedProbe;
use edgeaudit::probe::tls::wire::ProtocolVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let probe = HeartbleedProbe::new(ProtocolVersion(0x0303), *b"edgeaudit-fuzz-0");
    let _ = probe.judge(data).is_decided();
});
