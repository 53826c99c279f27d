//! One captured frame as live capture hands it over: the first byte picks the link type
//! (raw 802.11, Prism, radiotap, PPI or something else), the rest is the frame.
#![no_main]
use edgeaudit::wifi::{decode_frame, CaptureFormat, Survey};
use libfuzzer_sys::fuzz_target;

const LINK_TYPES: [u16; 5] = [105, 119, 127, 192, 1];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, frame)) = data.split_first() else {
        return;
    };
    let link_type = LINK_TYPES[usize::from(selector) % LINK_TYPES.len()];
    let decoded = decode_frame(link_type, frame);
    let mut survey = Survey::new();
    survey.add_frame(link_type, frame);
    let summary = survey.finish(CaptureFormat::Live, vec![link_type]);
    assert_eq!(summary.access_points.len(), usize::from(decoded.is_ok()));
});
