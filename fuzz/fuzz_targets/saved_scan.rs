//! Saved scans given to `evaluate`: any file must give a scan or an error, never a panic.
#![no_main]
use edgeaudit::report::read_report_or_scan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = read_report_or_scan(text);
    }
});
