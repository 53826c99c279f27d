//! strongSwan's charon (Debian packages `strongswan-charon`, `strongswan-swanctl`,
//! `libstrongswan-standard-plugins` for AES-GCM and ECP via OpenSSL) as a lab IKE responder.
//!
//! charon binds UDP 500 and 4500 on every address, so it only ever runs inside a test's own
//! [`Namespace`]. It is started in the foreground without systemd or `ipsec start`:
//!
//! * `STRONGSWAN_CONF` points charon at a `strongswan.conf` in a temp dir: an explicit plugin
//!   list (no module directory scan), the vici socket in the temp dir, logging to stderr.
//! * charon insists on the compiled-in pid file `/var/run/charon.pid` and refuses to start when
//!   another charon holds it. `ip netns exec` already gives the command a mount namespace of its
//!   own, so the command mounts a private tmpfs on `/run` first: parallel tests (and a charon of
//!   the host, if any) never see each other's pid files.
//! * `swanctl --load-all` over that vici socket loads the connections and the PSK.
//!
//! The process is killed when the [`Strongswan`] is dropped; the namespace goes with the test.

use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::netns::Namespace;
use super::READY_DEADLINE;

/// Where Debian installs the daemon (not on PATH).
pub const CHARON: &str = "/usr/lib/ipsec/charon";
/// The pre-shared key of every lab connection.
pub const LAB_PSK: &str = "edgeaudit-lab-psk";

/// Plugins loaded: enough for the proposals the tests configure (AES-CBC/GCM, SHA-1/2, MODP via
/// gmp, ECP via openssl), the PSK, the kernel interface and vici.
const PLUGINS: &str = "random nonce aes sha1 sha2 md5 hmac xcbc gmp openssl gcm pem pkcs1 x509 \
                       pubkey kernel-netlink socket-default vici";

pub struct Strongswan {
    child: Child,
    log: PathBuf,
    // Declared last so the files outlive the process.
    dir: TempDir,
}

impl Strongswan {
    /// Starts charon in `ns` and loads `connections` (the body of swanctl.conf's `connections`
    /// section). `charon_extra` goes into the `charon { }` section of strongswan.conf.
    pub fn start(ns: &Namespace, connections: &str, charon_extra: &str) -> Strongswan {
        assert!(
            Path::new(CHARON).is_file(),
            "{CHARON} not found: install the Debian packages strongswan-charon, \
             strongswan-swanctl and libstrongswan-standard-plugins"
        );
        let swanctl = super::find_binary("swanctl", "strongswan-swanctl");
        let dir = tempfile::Builder::new()
            .prefix("edgeaudit-strongswan-")
            .tempdir()
            .expect("create temp dir");
        let vici = format!("unix://{}", dir.path().join("charon.vici").display());
        let conf = dir.path().join("strongswan.conf");
        fs::write(
            &conf,
            format!(
                "charon {{\n  port = 500\n  port_nat_t = 4500\n  install_routes = no\n  \
                 load_modular = no\n  load = {PLUGINS}\n  plugins {{\n    vici {{\n      \
                 socket = {vici}\n    }}\n  }}\n  filelog {{\n    stderr {{\n      default = 1\n      \
                 ike = 2\n      cfg = 2\n    }}\n  }}\n{charon_extra}\n}}\nswanctl {{\n  load = pem pkcs1 x509\n}}\n"
            ),
        )
        .expect("write strongswan.conf");
        let swanctl_conf = dir.path().join("swanctl.conf");
        fs::write(
            &swanctl_conf,
            format!(
                "connections {{\n{connections}\n}}\nsecrets {{\n  ike-lab {{\n    secret = \"{LAB_PSK}\"\n  }}\n}}\n"
            ),
        )
        .expect("write swanctl.conf");
        let log = dir.path().join("charon.log");
        let out = File::create(&log).expect("create charon log");
        let err = out.try_clone().expect("clone charon log");
        let mut cmd = ns.command("sh");
        cmd.args([
            "-c",
            &format!("mount -t tmpfs edgeaudit-run /run && exec {CHARON}"),
        ])
        .env("STRONGSWAN_CONF", &conf)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let mut server = Strongswan { child, log, dir };
        server.wait_for_vici();
        let output = ns
            .command(&swanctl)
            .args(["--load-all", "--uri", &vici, "--file"])
            .arg(&swanctl_conf)
            .env("STRONGSWAN_CONF", &conf)
            .output()
            .expect("run swanctl");
        let text = String::from_utf8_lossy(&output.stdout).to_string()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && text.contains("successfully loaded"),
            "swanctl --load-all failed: {text}\ncharon log:\n{}",
            server.log()
        );
        server
    }

    fn wait_for_vici(&mut self) {
        let socket = self.dir.path().join("charon.vici");
        let end = Instant::now() + READY_DEADLINE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "charon exited ({status}) at start. Its log:\n{}",
                    self.log()
                );
            }
            if socket.exists() {
                return;
            }
            assert!(
                Instant::now() < end,
                "charon opened no vici socket within {READY_DEADLINE:?}. Its log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Strongswan {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // `ip netns exec` and `sh -c exec` both exec in place: this is charon itself.
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
