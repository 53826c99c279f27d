//! TigerVNC's `Xvnc` (Debian `tigervnc-standalone-server`) as a lab VNC server on 127.0.0.1.
//!
//! Xvnc is an X server and a VNC server in one process, so no Xvfb is needed. Each server gets
//! its own display number (the RFB port: unique within the test process, and far above the
//! displays anything else uses), `-nolisten tcp` (no X11 over TCP), `-localhost` and
//! `-interface 127.0.0.1`, and the security types asked for.

use std::fs;

use super::{find_binary, lab_dir, start_process, Probe, Server};

/// `PasswordFile` contents for the password `secret`: the VNC "obfuscated" form (DES with
/// the fixed key every VNC implementation uses), as `x11vnc -storepasswd` and `vncpasswd` write it.
pub const SECRET_PASSWD: [u8; 8] = [0x2e, 0x2d, 0xbf, 0x57, 0x6e, 0xb0, 0x6c, 0x9e];

/// Starts Xvnc with `-SecurityTypes security_types` (TigerVNC names: `None`, `VncAuth`,
/// `VeNCrypt`, `TLSNone`, `TLSVnc`, …); a password file is always present.
pub fn xvnc(security_types: &str) -> Server {
    let xvnc = find_binary("Xvnc", "tigervnc-standalone-server");
    let name = format!("xvnc-{}", security_types.replace(',', "-"));
    let dir = lab_dir(&name);
    let passwd = dir.path().join("passwd");
    fs::write(&passwd, SECRET_PASSWD).expect("write VNC password file");
    let types = security_types.to_string();
    start_process(&name, dir, Probe::Tcp, move |dir, port| {
        let mut cmd = std::process::Command::new(&xvnc);
        cmd.arg(format!(":{port}"))
            .args(["-rfbport", &port.to_string()])
            .args(["-localhost", "-interface", "127.0.0.1", "-nolisten", "tcp"])
            .args(["-SecurityTypes", &types])
            .arg("-PasswordFile")
            .arg(&passwd)
            .env("HOME", dir);
        cmd
    })
}
