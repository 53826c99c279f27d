//! Whole capture files (pcap, pcapng) from untrusted sources: a summary or an error, never a
//! panic; what is summarised must survive a JSON round trip.
#![no_main]
use edgeaudit::wifi::{read_capture, CaptureSummary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(summary) = read_capture(data) {
        assert!(summary.management_frames <= summary.records);
        let json = serde_json::to_string(&summary).expect("serialise");
        let back: CaptureSummary = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, summary);
    }
});
