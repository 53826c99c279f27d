//! FreeRDP's shadow server (Debian packages `freerdp2-shadow-x11` and `xvfb`) as a lab RDP server
//! that requires network-level authentication: `freerdp-shadow-cli /sec:nla +auth` on 127.0.0.1,
//! sharing an Xvfb screen. It speaks CredSSP with NTLM, so a CredSSP request gets an NTLM
//! CHALLENGE_MESSAGE naming the host; the tests never go further (no credentials exist).
//!
//! Both processes run under one `sh` in the server's process group (stopped together on drop).
//! Xvfb picks a free display itself (`-displayfd`); FreeRDP makes its TLS certificate under
//! `$HOME/.config/freerdp/server`, with HOME set to the server's temp dir.

use std::process::Command;

use super::{find_binary, lab_dir, start_process, Probe, Server};

/// The script: Xvfb on a free display, then the shadow server on it. The shadow server is
/// started again (up to 5 times) when it exits at once: right after start-up Xvfb sometimes
/// refuses the first client ("failed to open display").
const SCRIPT: &str = r#"
xvfb="$1"; shadow="$2"; dir="$3"; port="$4"
"$xvfb" -displayfd 3 -screen 0 1024x768x24 -nolisten tcp -ac 3>"$dir/display" 2>"$dir/xvfb.log" &
i=0
while [ ! -s "$dir/display" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
n=0
while [ $n -lt 5 ]; do
  DISPLAY=":$(cat "$dir/display")" HOME="$dir" "$shadow" /port:"$port" /bind-address:127.0.0.1 /sec:nla +auth
  n=$((n+1)); sleep 1
done
"#;

/// Starts the NLA-only FreeRDP shadow server on a free port of 127.0.0.1.
pub fn shadow_nla() -> Server {
    let xvfb = find_binary("Xvfb", "xvfb");
    let shadow = find_binary("freerdp-shadow-cli", "freerdp2-shadow-x11");
    let sh = find_binary("sh", "dash");
    let dir = lab_dir("freerdp-shadow");
    start_process("freerdp-shadow", dir, Probe::Tcp, move |dir, port| {
        let mut cmd = Command::new(&sh);
        cmd.arg("-c")
            .arg(SCRIPT)
            .arg("sh")
            .arg(&xvfb)
            .arg(&shadow)
            .arg(dir)
            .arg(port.to_string());
        cmd
    })
}
