//! Live capture of beacons and probe responses on a Linux interface that is already in monitor
//! mode, through a raw `AF_PACKET` socket (`pnet::datalink`).
//!
//! The capture stays on whatever channel the interface is tuned to: there is **no channel
//! hopping** here (tune it first, e.g. `iw dev wlan0mon set channel 6`, or run one capture per
//! channel). Nothing is transmitted. Frames go through [`Survey::add_frame`], the same path as
//! capture files, so a live survey and a saved capture of the same air give the same facts.
//!
//! Tested here: the errors for a missing interface and for a non-monitor one (`lo`), and that the
//! read timeout ends a capture on time when nothing (usable) arrives; `tests/wifi_live_replay.rs`
//! replays a radiotap fixture over a veth pair in a namespace of its own into [`capture_as`] (a
//! real AF_PACKET socket, the same loop). Not tested with a real monitor interface: the development and CI machines run a kernel without module support and
//! without cfg80211/mac80211 (`modprobe: command not found`, no `/proc/modules`, no
//! `/lib/modules`, no `/sys/class/ieee80211`), so `mac80211_hwsim` radios cannot be created.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use pnet::datalink::{self, Channel, ChannelType, Config};
use thiserror::Error;

use super::radio::{LINKTYPE_IEEE802_11, LINKTYPE_IEEE802_11_RADIOTAP};
use super::{CaptureFormat, CaptureSummary, Survey};

/// `ARPHRD_*` values of `/sys/class/net/IFACE/type` (linux/if_arp.h).
const ARPHRD_IEEE80211: u16 = 801;
const ARPHRD_IEEE80211_PRISM: u16 = 802;
const ARPHRD_IEEE80211_RADIOTAP: u16 = 803;

/// How long one read waits before the deadline is checked again.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Large enough for any 802.11 frame with its radiotap header (an A-MSDU is at most 11 454 bytes).
const READ_BUFFER: usize = 65_536;

#[derive(Debug, Error)]
pub enum LiveError {
    #[error("no network interface named {name:?}; interfaces present: {}", available.join(", "))]
    NoSuchInterface {
        name: String,
        available: Vec<String>,
    },
    #[error(
        "interface {name:?} is not in monitor mode (link type {}: {}); put it in monitor mode \
         first, e.g. `ip link set {name} down && iw dev {name} set type monitor && ip link set \
         {name} up` (or `airmon-ng start {name}`)",
        arphrd.map_or_else(|| "unknown".to_string(), |t| t.to_string()),
        describe_arphrd(*arphrd)
    )]
    NotMonitorMode { name: String, arphrd: Option<u16> },
    #[error(
        "permission denied opening a raw socket on {name:?}: run as root or give the binary \
         CAP_NET_RAW (`setcap cap_net_raw+ep PATH`)"
    )]
    PermissionDenied { name: String },
    #[error("could not capture on {name:?}: {source}")]
    Io {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("pnet opened a channel of an unexpected kind on {name:?}")]
    UnexpectedChannel { name: String },
}

fn describe_arphrd(arphrd: Option<u16>) -> &'static str {
    match arphrd {
        Some(1) => "Ethernet, i.e. managed/station mode for a Wi-Fi card",
        Some(772) => "loopback",
        Some(ARPHRD_IEEE80211) => "802.11 without radio header",
        Some(ARPHRD_IEEE80211_PRISM) => "802.11 with Prism header",
        Some(ARPHRD_IEEE80211_RADIOTAP) => "802.11 monitor with radiotap",
        Some(_) => "not 802.11",
        None => "unreadable",
    }
}

/// The LINKTYPE_* of frames read on an interface of this `ARPHRD_*` type, when it carries
/// 802.11 frames.
fn link_type_of_arphrd(arphrd: u16) -> Option<u16> {
    match arphrd {
        ARPHRD_IEEE80211_RADIOTAP => Some(LINKTYPE_IEEE802_11_RADIOTAP),
        ARPHRD_IEEE80211 => Some(LINKTYPE_IEEE802_11),
        ARPHRD_IEEE80211_PRISM => Some(super::radio::LINKTYPE_IEEE802_11_PRISM),
        _ => None,
    }
}

/// Reads `/sys/class/net/IFACE/type`; `None` when it cannot be read or parsed.
fn interface_arphrd(interface: &str) -> Option<u16> {
    let path = Path::new("/sys/class/net").join(interface).join("type");
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Checks that `interface` exists and is in monitor mode, and returns its link type.
pub fn monitor_link_type(interface: &str) -> Result<u16, LiveError> {
    let interfaces = datalink::interfaces();
    if !interfaces.iter().any(|i| i.name == interface) {
        return Err(LiveError::NoSuchInterface {
            name: interface.to_string(),
            available: interfaces.into_iter().map(|i| i.name).collect(),
        });
    }
    let arphrd = interface_arphrd(interface);
    arphrd
        .and_then(link_type_of_arphrd)
        .ok_or(LiveError::NotMonitorMode {
            name: interface.to_string(),
            arphrd,
        })
}

/// Listens on `interface` (already in monitor mode) for `duration` or until `max_frames` frames
/// were read, whichever comes first, and surveys the beacons and probe responses heard.
pub fn capture_live(
    interface: &str,
    duration: Duration,
    max_frames: usize,
) -> Result<CaptureSummary, LiveError> {
    let link_type = monitor_link_type(interface)?;
    capture_frames(interface, link_type, duration, max_frames)
}

/// Captures on `interface` reading every frame as `link_type` (127 radiotap, 105 raw 802.11,
/// 119 Prism, 192 PPI), whatever type the interface announces. For replays — capture records
/// fed into a veth pair, as the tests do — and for drivers that misreport their type; the
/// frames go through the same path as [`capture_live`]'s.
pub fn capture_as(
    interface: &str,
    link_type: u16,
    duration: Duration,
    max_frames: usize,
) -> Result<CaptureSummary, LiveError> {
    capture_frames(interface, link_type, duration, max_frames)
}

/// The capture loop, once the interface's link type is known.
fn capture_frames(
    interface: &str,
    link_type: u16,
    duration: Duration,
    max_frames: usize,
) -> Result<CaptureSummary, LiveError> {
    let Some(device) = datalink::interfaces()
        .into_iter()
        .find(|i| i.name == interface)
    else {
        return Err(LiveError::NoSuchInterface {
            name: interface.to_string(),
            available: Vec::new(),
        });
    };
    let config = Config {
        read_buffer_size: READ_BUFFER,
        read_timeout: Some(POLL_INTERVAL.min(duration.max(Duration::from_millis(1)))),
        channel_type: ChannelType::Layer2,
        // A monitor interface already sees every frame; promiscuous mode would change nothing
        // but the interface's flags.
        promiscuous: false,
        ..Config::default()
    };
    let mut rx = match datalink::channel(&device, config) {
        Ok(Channel::Ethernet(_tx, rx)) => rx,
        Ok(_) => {
            return Err(LiveError::UnexpectedChannel {
                name: interface.to_string(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            return Err(LiveError::PermissionDenied {
                name: interface.to_string(),
            })
        }
        Err(source) => {
            return Err(LiveError::Io {
                name: interface.to_string(),
                source,
            })
        }
    };
    let deadline = Instant::now() + duration;
    let mut survey = Survey::new();
    while Instant::now() < deadline && (survey.frames_seen() as usize) < max_frames {
        match rx.next() {
            Ok(frame) => survey.add_frame(link_type, frame),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(source) => {
                return Err(LiveError::Io {
                    name: interface.to_string(),
                    source,
                })
            }
        }
    }
    Ok(survey.finish(CaptureFormat::Live, vec![link_type]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interface_is_named_with_the_ones_that_exist() {
        let err = capture_live("edgeaudit-no-such0", Duration::from_millis(10), 10).unwrap_err();
        let LiveError::NoSuchInterface { name, available } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(name, "edgeaudit-no-such0");
        assert!(available.iter().any(|i| i == "lo"), "{available:?}");
        assert!(err.to_string().contains("lo"), "{err}");
    }

    #[test]
    fn loopback_is_refused_as_not_in_monitor_mode_with_the_fix() {
        let err = capture_live("lo", Duration::from_millis(10), 10).unwrap_err();
        let LiveError::NotMonitorMode { arphrd, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(*arphrd, Some(772));
        let text = err.to_string();
        assert!(text.contains("iw dev lo set type monitor"), "{text}");
        assert!(text.contains("loopback"), "{text}");
    }

    #[test]
    fn the_duration_is_honoured_when_no_usable_frame_arrives() {
        // Loopback frames are not radiotap: whatever arrives is skipped, and the read timeout
        // must still end the capture on time. Without CAP_NET_RAW the socket is refused instead.
        let started = Instant::now();
        let result = capture_frames(
            "lo",
            LINKTYPE_IEEE802_11_RADIOTAP,
            Duration::from_millis(300),
            1_000_000,
        );
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        match result {
            Ok(summary) => {
                assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
                assert_eq!(summary.format, CaptureFormat::Live);
                assert_eq!(summary.link_types, [127]);
                assert!(summary.access_points.is_empty());
            }
            Err(LiveError::PermissionDenied { name }) => assert_eq!(name, "lo"),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn monitor_interface_types_map_to_link_types() {
        assert_eq!(link_type_of_arphrd(803), Some(127));
        assert_eq!(link_type_of_arphrd(801), Some(105));
        assert_eq!(link_type_of_arphrd(802), Some(119));
        assert_eq!(link_type_of_arphrd(1), None);
    }
}
