//! Live capture through a real AF_PACKET socket, without a Wi-Fi radio: this machine's kernel has
//! no cfg80211/mac80211 and no module support, so `mac80211_hwsim` monitor interfaces cannot be
//! made (see `src/wifi/live.rs`). Instead the test makes a network namespace of its own with a
//! veth pair, replays every record of a radiotap fixture into one end, and captures on the other
//! end with `wifi::live::capture_as` (the capture loop `--interface` uses, told the frames are
//! radiotap). The facts must equal those read from the file.
//!
//! The capture must run inside the namespace, so the outer test re-runs this test binary there
//! (`ip netns exec NS <this binary> --exact replay_inside_namespace --ignored`); the inner test is
//! `#[ignore]`d so that it never runs on its own in the host namespace.

mod harness;

use std::path::PathBuf;
use std::time::Duration;

use edgeaudit::wifi::{self, CaptureSummary};
use harness::netns::Namespace;

const SENDER: &str = "eawifi-tx";
const RECEIVER: &str = "eawifi-rx";
const FIXTURE: &str = "pcap-fixtures/wifi/synthetic/radiotap.pcap";
const ENV_MARK: &str = "EDGEAUDIT_WIFI_REPLAY_INNER";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// (SSID text, BSSID, security, PMF, WPS, beacons, probe responses) of each access point.
fn facts(summary: &CaptureSummary) -> Vec<(String, String, String, String, String, u64, u64)> {
    let mut v: Vec<_> = summary
        .access_points
        .iter()
        .map(|ap| {
            (
                ap.ssid.text.clone(),
                ap.bssid.clone(),
                ap.security.name().to_string(),
                ap.pmf.name().to_string(),
                ap.wps.name().to_string(),
                ap.beacons,
                ap.probe_responses,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn live_capture_over_a_veth_pair_reads_what_the_file_holds() {
    let ns = Namespace::create("wifi");
    ns.exec_checked(
        "ip",
        &[
            "link", "add", SENDER, "type", "veth", "peer", "name", RECEIVER,
        ],
    );
    ns.exec_checked("ip", &["link", "set", SENDER, "up"]);
    ns.exec_checked("ip", &["link", "set", RECEIVER, "up"]);
    let me = std::env::current_exe().expect("test binary path");
    let output = ns
        .command(&me)
        .args([
            "--exact",
            "replay_inside_namespace",
            "--ignored",
            "--nocapture",
        ])
        .env(ENV_MARK, "1")
        .output()
        .expect("run the inner test in the namespace");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "inner test failed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    let json = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SURVEY "))
        .unwrap_or_else(|| panic!("no survey printed\n{stdout}\n{stderr}"));
    let live: CaptureSummary = serde_json::from_str(json).expect("survey JSON");
    let file = wifi::read_capture(&std::fs::read(fixture()).unwrap()).unwrap();
    assert_eq!(facts(&live), facts(&file));
    assert_eq!(live.management_frames, file.management_frames);
}

/// Runs inside the namespace only (see the module documentation).
#[test]
#[ignore = "runs inside the namespace made by live_capture_over_a_veth_pair_reads_what_the_file_holds"]
fn replay_inside_namespace() {
    assert_eq!(
        std::env::var(ENV_MARK).as_deref(),
        Ok("1"),
        "run by the outer test only"
    );
    let records: Vec<Vec<u8>> = {
        let bytes = std::fs::read(fixture()).unwrap();
        let mut reader = pcap_file::pcap::PcapReader::new(&bytes[..]).unwrap();
        let mut out = Vec::new();
        while let Some(packet) = reader.next_packet() {
            out.push(packet.unwrap().data.into_owned());
        }
        out
    };
    let sender = std::thread::spawn(move || {
        use pnet::datalink::{self, Channel};
        let iface = datalink::interfaces()
            .into_iter()
            .find(|i| i.name == SENDER)
            .expect("sender interface");
        let Ok(Channel::Ethernet(mut tx, _rx)) = datalink::channel(&iface, Default::default())
        else {
            panic!("no layer-2 channel on {SENDER}");
        };
        // Let the capture socket open first.
        std::thread::sleep(Duration::from_millis(500));
        for record in &records {
            tx.send_to(record, None).expect("send").expect("sent");
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let summary =
        wifi::live::capture_as(RECEIVER, 127, Duration::from_secs(3), 10_000).expect("capture");
    sender.join().expect("sender thread");
    println!("SURVEY {}", serde_json::to_string(&summary).unwrap());
}
