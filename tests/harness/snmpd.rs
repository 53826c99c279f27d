//! Net-SNMP's agent (Debian `snmpd`) as a lab SNMP server on udp:127.0.0.1.
//!
//! Each agent gets a generated `snmpd.conf` with one read-only community for 127.0.0.1 and a
//! fixed sysDescr, runs in the foreground (`-f`), logs to stdout (`-Lo`), reads only our config
//! (`-C -c FILE`), keeps its persistent state in the temp dir and loads no MIB files (the agent
//! needs none; they only fill the log with warnings).

use std::fs;
use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

use super::{find_binary, lab_dir, start_process_at, Probe, Server, LOOPBACK_V4};

/// The sysDescr every lab agent reports.
pub const SYS_DESCR: &str = "edgeaudit lab";

/// An SNMPv1 GetRequest for sysDescr.0 with `community` (BER written out by hand, so readiness
/// does not depend on the code under test).
fn get_sys_descr(community: &str) -> Vec<u8> {
    let c = community.as_bytes();
    assert!(c.len() < 90, "short communities only");
    let pdu = [
        0xa0, 0x1a, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30,
        0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
    ];
    let mut body = vec![0x02, 0x01, 0x00, 0x04, c.len() as u8];
    body.extend_from_slice(c);
    body.extend_from_slice(&pdu);
    let mut msg = vec![0x30, body.len() as u8];
    msg.extend(body);
    msg
}

/// Whether the agent at `addr` answers `community`.
pub fn answers(addr: SocketAddr, community: &str) -> bool {
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    if socket.connect(addr).is_err() || socket.send(&get_sys_descr(community)).is_err() {
        return false;
    }
    let mut buf = [0u8; 1500];
    socket.recv(&mut buf).is_ok()
}

/// Starts snmpd with `rocommunity COMMUNITY 127.0.0.1` on a free UDP port of 127.0.0.1.
pub fn snmpd(community: &str) -> Server {
    let snmpd = find_binary("snmpd", "snmpd");
    let name = format!("snmpd-{community}");
    let dir = lab_dir(&name);
    let probe_community = community.to_string();
    let conf_community = community.to_string();
    let probe = Probe::Custom(Box::new(move |addr| answers(addr, &probe_community)));
    start_process_at(&name, dir, probe, LOOPBACK_V4, move |dir, port| {
        let conf = dir.join("snmpd.conf");
        fs::write(
            &conf,
            format!("rocommunity {conf_community} 127.0.0.1\nsysdescr {SYS_DESCR}\n"),
        )
        .expect("write snmpd.conf");
        let empty = dir.join("mibs");
        let state = dir.join("state");
        let _ = fs::create_dir_all(&empty);
        let _ = fs::create_dir_all(&state);
        let mut cmd = Command::new(&snmpd);
        cmd.args(["-f", "-Lo", "-C", "-c"])
            .arg(&conf)
            .arg(format!("udp:127.0.0.1:{port}"))
            .env("MIBS", "")
            .env("MIBDIRS", &empty)
            .env("SNMPCONFPATH", dir)
            .env("SNMP_PERSISTENT_DIR", &state);
        cmd
    })
}
