//! Samba's `smbd` (Debian `samba`) as a lab SMB server on 127.0.0.1.
//!
//! Each server gets a generated smb.conf in its temp dir (every state, lock, cache and private
//! directory inside it, `interfaces = lo`, `bind interfaces only = yes`, one port), runs in the
//! foreground with `--no-process-group` (so the harness's process group holds its children
//! too) and logs to stdout. No share and no user exist: the tests never get past NEGOTIATE.

use std::fs;
use std::process::Command;

use super::{find_binary, lab_dir, start_process, Probe, Server};

/// Starts smbd with extra `[global]` lines (e.g. `server min protocol = NT1`,
/// `server signing = mandatory`).
pub fn smbd(name: &str, extra: &[&str]) -> Server {
    let smbd = find_binary("smbd", "samba");
    let name = format!("smbd-{name}");
    let dir = lab_dir(&name);
    let extra = extra.join("\n");
    start_process(&name, dir, Probe::Tcp, move |dir, port| {
        for sub in ["private", "lock", "state", "cache", "pid", "ncalrpc"] {
            let _ = fs::create_dir_all(dir.join(sub));
        }
        let d = dir.display();
        let conf = dir.join("smb.conf");
        fs::write(
            &conf,
            format!(
                "[global]\n\
                 workgroup = LAB\n\
                 netbios name = EDGELAB\n\
                 server role = standalone server\n\
                 smb ports = {port}\n\
                 interfaces = lo\n\
                 bind interfaces only = yes\n\
                 private dir = {d}/private\n\
                 lock directory = {d}/lock\n\
                 state directory = {d}/state\n\
                 cache directory = {d}/cache\n\
                 pid directory = {d}/pid\n\
                 ncalrpc dir = {d}/ncalrpc\n\
                 passdb backend = tdbsam:{d}/private/passdb.tdb\n\
                 disable spoolss = yes\n\
                 load printers = no\n\
                 printing = bsd\n\
                 printcap name = /dev/null\n\
                 {extra}\n"
            ),
        )
        .expect("write smb.conf");
        let mut cmd = Command::new(&smbd);
        cmd.args(["--foreground", "--no-process-group", "--debug-stdout", "-s"])
            .arg(&conf);
        cmd
    })
}
