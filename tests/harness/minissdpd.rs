//! Debian's `minissdpd` (package `minissdpd`, 1.6) as a lab SSDP responder.
//!
//! minissdpd binds UDP 1900 on every address and joins 239.255.255.250 on the interface it is
//! given, so it only ever runs inside a test's own [`Namespace`], on a veth interface made there
//! (this kernel has no `dummy` link type). It is started in the foreground (`-d`, which also logs
//! to stderr), with its unix socket (`-s`) and pid file (`-p`) in a temp dir.
//!
//! minissdpd answers an M-SEARCH for the services registered through that unix socket
//! (request type 4: ST, USN, SERVER, LOCATION, each a length-prefixed string), so the lab
//! registers its services from the test process (a path-named unix socket is reachable from
//! every network namespace) and waits until a listing (request type 3) shows them: minissdpd
//! serves the socket and UDP in one `select` loop, so an M-SEARCH that arrives with the
//! registration can be answered before the service exists.
//!
//! The process is killed when the [`Minissdpd`] is dropped; the namespace goes with the test.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::netns::Namespace;
use super::READY_DEADLINE;

/// minissdpd's socket request types (minissdpd.c, `processRequest`).
const REQUEST_ALL: u8 = 3;
const REQUEST_SUBMIT: u8 = 4;
/// How long one socket request may take.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(2);

/// One service to announce (the four strings minissdpd puts in its answers).
#[derive(Debug, Clone)]
pub struct Service {
    pub st: String,
    pub usn: String,
    pub server: String,
    pub location: String,
}

pub struct Minissdpd {
    child: Child,
    socket: PathBuf,
    log: PathBuf,
    // Declared last so the files outlive the process.
    _dir: TempDir,
}

impl Minissdpd {
    /// Starts minissdpd in `ns` on `interface` and waits for its unix socket.
    pub fn start(ns: &Namespace, interface: &str) -> Minissdpd {
        let minissdpd = super::find_binary("minissdpd", "minissdpd");
        let dir = tempfile::Builder::new()
            .prefix("edgeaudit-minissdpd-")
            .tempdir()
            .expect("create temp dir");
        let socket = dir.path().join("minissdpd.sock");
        let pid = dir.path().join("minissdpd.pid");
        let log = dir.path().join("minissdpd.log");
        let out = File::create(&log).expect("create minissdpd log");
        let err = out.try_clone().expect("clone minissdpd log");
        let mut cmd = ns.command(minissdpd);
        cmd.args(["-d", "-i", interface, "-s"])
            .arg(&socket)
            .arg("-p")
            .arg(&pid)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let mut server = Minissdpd {
            child,
            socket,
            log,
            _dir: dir,
        };
        server.wait_for(
            |s| UnixStream::connect(&s.socket).is_ok(),
            "its unix socket",
        );
        server
    }

    /// Registers `service` and waits until minissdpd lists it.
    pub fn register(&mut self, service: &Service) {
        let mut request = vec![REQUEST_SUBMIT];
        for field in [
            &service.st,
            &service.usn,
            &service.server,
            &service.location,
        ] {
            push_string(&mut request, field.as_bytes());
        }
        let mut stream = self.connect();
        stream
            .write_all(&request)
            .unwrap_or_else(|e| panic!("register {service:?}: {e}\n{}", self.log()));
        drop(stream);
        let usn = service.usn.clone();
        self.wait_for(
            |s| {
                let listing = s.listing();
                listing.windows(usn.len()).any(|w| w == usn.as_bytes())
            },
            "the registered service in its listing",
        );
    }

    /// The raw answer to request type 3 (every service minissdpd knows).
    fn listing(&self) -> Vec<u8> {
        let Ok(mut stream) = UnixStream::connect(&self.socket) else {
            return Vec::new();
        };
        let _ = stream.set_read_timeout(Some(SOCKET_TIMEOUT));
        let _ = stream.set_write_timeout(Some(SOCKET_TIMEOUT));
        if stream.write_all(&[REQUEST_ALL, 0]).is_err() {
            return Vec::new();
        }
        let mut buf = vec![0u8; 8192];
        let mut got = Vec::new();
        // minissdpd writes the whole answer at once and keeps the connection open.
        if let Ok(n) = stream.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        got
    }

    fn connect(&self) -> UnixStream {
        let stream = UnixStream::connect(&self.socket).unwrap_or_else(|e| {
            panic!(
                "cannot connect to {}: {e}\n{}",
                self.socket.display(),
                self.log()
            )
        });
        stream
            .set_read_timeout(Some(SOCKET_TIMEOUT))
            .expect("read timeout");
        stream
            .set_write_timeout(Some(SOCKET_TIMEOUT))
            .expect("write timeout");
        stream
    }

    fn wait_for(&mut self, ready: impl Fn(&Self) -> bool, what: &str) {
        let end = Instant::now() + READY_DEADLINE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("minissdpd exited ({status}). Its log:\n{}", self.log());
            }
            if ready(self) {
                return;
            }
            assert!(
                Instant::now() < end,
                "minissdpd did not show {what} within {READY_DEADLINE:?}. Its log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Minissdpd {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // `ip netns exec` execs in place: this is minissdpd itself.
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// minissdpd's length prefix (`CODELENGTH` in codelength.h): 7 bits a byte, most significant
/// first, the high bit set on every byte but the last; then the bytes.
pub fn push_string(out: &mut Vec<u8>, s: &[u8]) {
    let mut len = s.len();
    let mut groups = vec![(len & 0x7f) as u8];
    len >>= 7;
    while len > 0 {
        groups.push((len & 0x7f) as u8 | 0x80);
        len >>= 7;
    }
    out.extend(groups.iter().rev());
    out.extend_from_slice(s);
}
