//! The test lab: real servers on loopback for the end-to-end tests, and the helpers that run
//! `edgeaudit` and read its JSON report. Each test file says `mod harness;`.
//!
//! Servers ([`Lab`]):
//! - process servers: OpenSSH ([`Lab::sshd`]), nginx ([`Lab::nginx_http`], [`Lab::nginx_https`]),
//!   dnsmasq ([`Lab::dnsmasq`]); each with a generated config in its own temp dir, started in its
//!   own process group;
//! - thread servers inside the test process: [`Lab::tarpit`] (accepts and never answers),
//!   [`Lab::plain_listener`] (accepts and closes at once), [`Lab::garbage`] (answers random bytes
//!   from a fixed seed, then closes), [`Lab::telnet`] and [`Lab::vnc`] (send a real greeting and
//!   wait), and [`Lab::banner`] for any other greeting.
//!
//! Every server is stopped when its [`Server`] is dropped: a process server's whole process group
//! gets SIGTERM (SIGKILL after 5 s), then its temp dir is removed; a thread server's accept loop
//! is told to stop and joined. A missing server binary is a panic naming the Debian package to
//! install (`scripts/test.sh` installs them), never a skip.
//!
//! Network rule: everything here listens on, and talks to, 127.0.0.0/8 or ::1 only.

#![allow(dead_code)]

pub mod dns;
pub mod freerdp;
pub mod minissdpd;
pub mod netns;
pub mod report;
pub mod rules;
pub mod run;
pub mod smbd;
pub mod snmpd;
pub mod sshd_config;
pub mod strongswan;
pub mod vnc;
pub mod vpn;
pub mod xrdp;

use std::collections::{BTreeSet, VecDeque};
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub use dns::Zone;

/// How long a server may take to start listening.
pub const READY_DEADLINE: Duration = Duration::from_secs(15);
/// How often a server is started again on a new port when the one picked was taken meanwhile.
const START_ATTEMPTS: usize = 5;
/// How long a stopped process group gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// The `<title>` of the nginx index page.
pub const NGINX_TITLE: &str = "edgeaudit lab page";
/// What [`Lab::telnet`] sends: the option negotiation Linux telnetd opens with
/// (IAC DO TERMINAL-TYPE, IAC DO TSPEED, IAC DO XDISPLOC, IAC DO NEW-ENVIRON; RFC 854/1091/1079/1096/1572).
pub const TELNET_GREETING: &[u8] = b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27";
/// What [`Lab::vnc`] sends: the RFB 3.8 ProtocolVersion message (RFC 6143 §7.1.1).
pub const VNC_GREETING: &[u8] = b"RFB 003.008\n";
/// Length of each answer from [`Lab::garbage`].
pub const GARBAGE_LEN: usize = 256;

pub const LOOPBACK_V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
pub const LOOPBACK_V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

// ---------------------------------------------------------------------------------------------
// Fixtures (tests/fixtures/, see its README.md)
// ---------------------------------------------------------------------------------------------

/// A profile whose TOML syntax breaks on [`BROKEN_SYNTAX_LINE`].
pub const BROKEN_SYNTAX_PROFILE: &str = "broken-syntax.toml";
pub const BROKEN_SYNTAX_LINE: usize = 4;
/// A profile with a misspelled field on [`MISSPELLED_FIELD_LINE`].
pub const MISSPELLED_FIELD_PROFILE: &str = "misspelled-field.toml";
pub const MISSPELLED_FIELD_LINE: usize = 3;
/// A scan file whose JSON breaks on [`MALFORMED_SCAN_LINE`].
pub const MALFORMED_SCAN: &str = "malformed-scan.json";
pub const MALFORMED_SCAN_LINE: usize = 4;
/// Valid JSON that is not a scan.
pub const WRONG_SHAPE_SCAN: &str = "wrong-shape-scan.json";

/// The path of a file in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(path.is_file(), "fixture {} is missing", path.display());
    path
}

/// The project's shipped profiles (`profiles/*.toml`).
pub fn shipped_profiles() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

// ---------------------------------------------------------------------------------------------
// Ports and addresses
// ---------------------------------------------------------------------------------------------

fn assert_loopback(ip: IpAddr) {
    assert!(
        ip.is_loopback(),
        "the test lab only uses loopback addresses (127.0.0.0/8, ::1), not {ip}"
    );
}

/// Ports handed out in this test process, so two tests running at once never get the same one
/// (and a "closed" port stays closed).
fn reserved_ports() -> &'static Mutex<BTreeSet<u16>> {
    static RESERVED: OnceLock<Mutex<BTreeSet<u16>>> = OnceLock::new();
    RESERVED.get_or_init(Default::default)
}

fn reserve(port: u16) -> bool {
    reserved_ports()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(port)
}

/// A listener on `ip` with a port the kernel chose and no other test of this process has had.
pub fn bind_fresh(ip: IpAddr) -> TcpListener {
    assert_loopback(ip);
    // Ports already handed out are kept bound until a fresh one comes, so the kernel moves on.
    let mut rejected = Vec::new();
    for _ in 0..100 {
        let listener = TcpListener::bind((ip, 0))
            .unwrap_or_else(|e| panic!("cannot bind {ip} port 0: {e}{}", ipv6_hint(ip)));
        let port = listener.local_addr().expect("local_addr").port();
        if reserve(port) {
            return listener;
        }
        rejected.push(listener);
    }
    panic!("no fresh port on {ip} after 100 tries");
}

/// A free TCP port on 127.0.0.1, reserved for the caller; nothing listens on it yet.
pub fn free_port() -> u16 {
    bind_fresh(LOOPBACK_V4)
        .local_addr()
        .expect("local_addr")
        .port()
}

/// A port on 127.0.0.1 where nothing listens: a connect is refused (the scanner sees `closed`).
/// Reserved, so no lab server of this test process takes it.
pub fn closed_port() -> u16 {
    free_port()
}

fn ipv6_hint(ip: IpAddr) -> &'static str {
    if ip.is_ipv6() {
        " (IPv6 loopback looks unavailable: enable it with `sysctl -w net.ipv6.conf.lo.disable_ipv6=0`)"
    } else {
        ""
    }
}

/// Panics with a clear message when `::1` cannot be bound: the IPv6 tests need it, and skipping
/// them would hide that they did not run.
pub fn require_ipv6_loopback() {
    if let Err(e) = TcpListener::bind((LOOPBACK_V6, 0)) {
        panic!(
            "IPv6 loopback ::1 cannot be bound on this machine ({e}). The IPv6 end-to-end tests need it: \
             enable IPv6 on lo (`sysctl -w net.ipv6.conf.lo.disable_ipv6=0`)."
        );
    }
}

/// Polls a TCP connect to `addr` until it succeeds or `deadline` passes.
pub fn wait_listening(addr: SocketAddr, deadline: Duration) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Binaries
// ---------------------------------------------------------------------------------------------

/// The path of a server binary, or a panic naming the Debian package that provides it.
pub fn find_binary(name: &str, package: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for extra in ["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"] {
        dirs.push(PathBuf::from(extra));
    }
    for dir in dirs {
        let candidate = dir.join(name);
        if let Ok(meta) = fs::metadata(&candidate) {
            if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                return candidate;
            }
        }
    }
    panic!(
        "`{name}` not found: the end-to-end tests need it. Install the Debian package `{package}` \
         (`bash scripts/test.sh` does this when run as root)."
    );
}

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/// A running lab server. Dropping it stops the server and removes its files.
pub struct Server {
    name: String,
    addrs: Vec<SocketAddr>,
    inner: Inner,
}

enum Inner {
    Process {
        child: Child,
        log: PathBuf,
        // Declared last so the files outlive the process.
        dir: TempDir,
    },
    Thread {
        stop: Arc<AtomicBool>,
        accept_loop: Option<JoinHandle<()>>,
    },
}

impl Server {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first (for most servers the only) address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    pub fn port(&self) -> u16 {
        self.addrs[0].port()
    }

    /// The server's temp dir (process servers only).
    pub fn dir(&self) -> Option<&Path> {
        match &self.inner {
            Inner::Process { dir, .. } => Some(dir.path()),
            Inner::Thread { .. } => None,
        }
    }

    /// What a process server wrote to stdout and stderr so far (empty for thread servers).
    pub fn log(&self) -> String {
        match &self.inner {
            Inner::Process { log, .. } => fs::read_to_string(log).unwrap_or_default(),
            Inner::Thread { .. } => String::new(),
        }
    }

    /// Whether the server process is still running (always true for thread servers).
    pub fn is_running(&mut self) -> bool {
        match &mut self.inner {
            Inner::Process { child, .. } => matches!(child.try_wait(), Ok(None)),
            Inner::Thread { accept_loop, .. } => {
                accept_loop.as_ref().is_some_and(|h| !h.is_finished())
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        match &mut self.inner {
            Inner::Process { child, .. } => stop_group(child),
            Inner::Thread { stop, accept_loop } => {
                stop.store(true, Ordering::SeqCst);
                if let Some(handle) = accept_loop.take() {
                    let _ = handle.join();
                }
            }
        }
    }
}

/// The lab's server constructors.
pub struct Lab;

impl Lab {
    /// OpenSSH's sshd on 127.0.0.1, with an ed25519 host key made by ssh-keygen. Logins are not
    /// possible (no authorized keys, no passwords); the scanner only reads the banner.
    pub fn sshd() -> Server {
        let sshd = find_binary("sshd", "openssh-server");
        let keygen = find_binary("ssh-keygen", "openssh-client");
        // sshd refuses to start without its privilege separation directory.
        let privsep = Path::new("/run/sshd");
        if !privsep.is_dir() {
            fs::create_dir_all(privsep).unwrap_or_else(|e| {
                panic!("sshd needs the directory /run/sshd and it could not be created ({e}): run the tests as root")
            });
            let _ = fs::set_permissions(privsep, fs::Permissions::from_mode(0o755));
        }
        let dir = lab_dir("sshd");
        let key = dir.path().join("ssh_host_ed25519_key");
        run_tool(
            Command::new(&keygen)
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "edgeaudit-lab", "-f"])
                .arg(&key),
            "ssh-keygen",
        );
        start_process("sshd", dir, Probe::Tcp, |dir, port| {
            let config = dir.join("sshd_config");
            fs::write(
                &config,
                format!(
                    "# edgeaudit test lab\n\
                     Port {port}\n\
                     ListenAddress 127.0.0.1\n\
                     HostKey {key}\n\
                     PidFile none\n\
                     UsePAM no\n\
                     PasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\n\
                     PubkeyAuthentication no\n\
                     AuthorizedKeysFile none\n\
                     PermitRootLogin no\n\
                     StrictModes no\n\
                     LoginGraceTime 20\n\
                     LogLevel ERROR\n",
                    key = key.display()
                ),
            )
            .expect("write sshd_config");
            let mut cmd = Command::new(&sshd);
            cmd.arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(&config)
                .arg("-p")
                .arg(port.to_string());
            cmd
        })
    }

    /// nginx serving a small page (with `<title>` [`NGINX_TITLE`]) over plain HTTP on 127.0.0.1.
    pub fn nginx_http() -> Server {
        Self::nginx(false, "")
    }

    /// nginx serving the same page over HTTPS on 127.0.0.1, with a self-signed certificate for
    /// CN=localhost (subjectAltName DNS:localhost) made by the openssl CLI.
    pub fn nginx_https() -> Server {
        Self::nginx(true, "")
    }

    /// [`Lab::nginx_http`] with more `server` block directives (`auth_basic`…), each ending in `;`.
    pub fn nginx_http_with(directives: &str) -> Server {
        Self::nginx(false, directives)
    }

    /// [`Lab::nginx_https`] with more `server` block directives (`ssl_protocols`,
    /// `ssl_ciphers`, `ssl_prefer_server_ciphers`, `add_header`…), each ending in `;`.
    pub fn nginx_https_with(directives: &str) -> Server {
        Self::nginx(true, directives)
    }

    /// OpenSSL's `s_server -www` on `ip` (127.0.0.1 or ::1) with a self-signed RSA-2048
    /// certificate for CN=localhost (as [`Lab::nginx_https`]) and `extra` arguments
    /// (`-min_protocol`, `-cipher`…).
    pub fn openssl_s_server(ip: IpAddr, extra: &[&str]) -> Server {
        let openssl = find_binary("openssl", "openssl");
        let dir = lab_dir("s_server");
        let (cert, key) = localhost_certificate(dir.path());
        let extra: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
        start_process_at("s_server", dir, Probe::Tcp, ip, move |_, port| {
            let mut cmd = Command::new(&openssl);
            cmd.arg("s_server")
                .arg("-accept")
                .arg(SocketAddr::new(ip, port).to_string())
                .arg("-cert")
                .arg(&cert)
                .arg("-key")
                .arg(&key)
                .args(["-www", "-quiet", "-no-CAfile", "-no-CApath", "-no-CAstore"])
                .args(&extra);
            cmd
        })
    }

    fn nginx(tls: bool, directives: &str) -> Server {
        let nginx = find_binary("nginx", "nginx-light");
        let name = if tls { "nginx-https" } else { "nginx-http" };
        let dir = lab_dir(name);
        // nginx workers run as an unprivileged user: they must be able to read the page.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod lab dir");
        let html = dir.path().join("html");
        fs::create_dir(&html).expect("create html dir");
        fs::write(
            html.join("index.html"),
            format!(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{NGINX_TITLE}</title></head>\n\
                 <body><p>edgeaudit test lab</p></body></html>\n"
            ),
        )
        .expect("write index.html");
        fs::set_permissions(&html, fs::Permissions::from_mode(0o755)).expect("chmod html");
        fs::set_permissions(html.join("index.html"), fs::Permissions::from_mode(0o644))
            .expect("chmod index.html");
        let mut tls_directives = String::new();
        if tls {
            let (cert, key) = localhost_certificate(dir.path());
            tls_directives = format!(
                "        ssl_certificate {};\n        ssl_certificate_key {};\n",
                cert.display(),
                key.display()
            );
        }
        for directive in directives.split_inclusive(';') {
            tls_directives.push_str(&format!("        {}\n", directive.trim()));
        }
        start_process(name, dir, Probe::Tcp, move |dir, port| {
            let d = dir.display();
            let ssl = if tls { " ssl" } else { "" };
            let config = dir.join("nginx.conf");
            fs::write(
                &config,
                format!(
                    "# edgeaudit test lab\n\
                     worker_processes 1;\n\
                     pid {d}/nginx.pid;\n\
                     error_log {d}/error.log warn;\n\
                     events {{ worker_connections 64; }}\n\
                     http {{\n\
                     \x20   access_log off;\n\
                     \x20   client_body_temp_path {d}/client_body;\n\
                     \x20   proxy_temp_path {d}/proxy;\n\
                     \x20   fastcgi_temp_path {d}/fastcgi;\n\
                     \x20   uwsgi_temp_path {d}/uwsgi;\n\
                     \x20   scgi_temp_path {d}/scgi;\n\
                     \x20   server {{\n\
                     \x20       listen 127.0.0.1:{port}{ssl};\n\
                     \x20       server_name localhost;\n\
                     \x20       root {d}/html;\n\
                     {tls_directives}\
                     \x20       location / {{ index index.html; }}\n\
                     \x20   }}\n\
                     }}\n"
                ),
            )
            .expect("write nginx.conf");
            let mut cmd = Command::new(&nginx);
            cmd.arg("-p")
                .arg(dir)
                .arg("-e")
                .arg(dir.join("error.log"))
                .arg("-c")
                .arg(&config)
                .arg("-g")
                .arg("daemon off;");
            cmd
        })
    }

    /// dnsmasq answering `zone` on 127.0.0.1 (UDP and TCP), authoritative for `zone.domain`:
    /// names there without records get NXDOMAIN; names elsewhere are refused (no upstream).
    pub fn dnsmasq(zone: &Zone) -> Server {
        let dnsmasq = find_binary("dnsmasq", "dnsmasq-base");
        let dir = lab_dir("dnsmasq");
        let probe_name = zone
            .records
            .first()
            .map(|(name, addr)| (name.clone(), addr.is_ipv6()))
            .expect("a zone needs at least one record");
        let zone = zone.clone();
        start_process("dnsmasq", dir, Probe::Dns(probe_name), move |_dir, port| {
            let mut cmd = Command::new(&dnsmasq);
            cmd.args([
                "--no-daemon",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--pid-file=",
                "--user=root",
                "--group=root",
                "--log-facility=-",
                "--log-queries",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--local=/{}/", zone.domain));
            for (name, addr) in &zone.records {
                assert_loopback(*addr);
                cmd.arg(format!("--host-record={name},{addr}"));
            }
            cmd
        })
    }

    /// Accepts connections on 127.0.0.1 and never sends a byte; holds them open until dropped.
    /// (A tarpit and a "quiet" listener are the same thing.)
    pub fn tarpit() -> Server {
        start_thread("tarpit", vec![bind_fresh(LOOPBACK_V4)], Behaviour::Tarpit)
    }

    /// Accepts connections on 127.0.0.1 and closes each one at once without sending anything.
    pub fn plain_listener() -> Server {
        Self::plain_listener_on(&[LOOPBACK_V4])
    }

    /// Like [`Lab::plain_listener`], on the same port on every one of `ips` (all loopback, e.g.
    /// 127.0.0.2 and 127.0.0.3, or 127.0.0.1 and ::1), so one `--ports` value fits every address
    /// a name resolves to.
    pub fn plain_listener_on(ips: &[IpAddr]) -> Server {
        start_thread(
            "plain listener",
            bind_same_port(ips),
            Behaviour::AcceptClose,
        )
    }

    /// Answers every connection on 127.0.0.1 with [`garbage_bytes`], then closes it.
    pub fn garbage() -> Server {
        start_thread(
            "garbage",
            vec![bind_fresh(LOOPBACK_V4)],
            Behaviour::Greet(GarbageOrBanner::Garbage),
        )
    }

    /// Sends [`TELNET_GREETING`] like a real telnetd, then waits for the client.
    pub fn telnet() -> Server {
        Self::banner("telnet", TELNET_GREETING)
    }

    /// Sends [`VNC_GREETING`] like a real VNC server, then waits for the client.
    pub fn vnc() -> Server {
        Self::banner("vnc", VNC_GREETING)
    }

    /// Sends `greeting` on every connection on 127.0.0.1, then keeps it open (reading and
    /// discarding) until the client closes it or 10 s pass.
    pub fn banner(name: &str, greeting: &'static [u8]) -> Server {
        start_thread(
            name,
            vec![bind_fresh(LOOPBACK_V4)],
            Behaviour::Greet(GarbageOrBanner::Banner(greeting)),
        )
    }
}

/// The bytes [`Lab::garbage`] answers with: xorshift64 from a fixed seed, so every run sends the
/// same bytes (first byte 0xad: no protocol we know starts like that).
pub fn garbage_bytes() -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..GARBAGE_LEN)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x & 0xff) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Process servers
// ---------------------------------------------------------------------------------------------

fn lab_dir(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("edgeaudit-lab-{name}-"))
        .tempdir()
        .expect("create lab temp dir")
}

/// Runs a setup tool (ssh-keygen, openssl) to completion, with a deadline.
fn run_tool(cmd: &mut Command, what: &str) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait().expect("wait for setup tool") {
            Some(status) => {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                assert!(status.success(), "{what} failed ({status}): {err}");
                return;
            }
            None if Instant::now() < end => thread::sleep(Duration::from_millis(20)),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} did not finish within 60 s");
            }
        }
    }
}

enum Probe {
    /// Ready when a TCP connect to 127.0.0.1:port succeeds.
    Tcp,
    /// Ready when a DNS query for (name, AAAA?) gets any answer over UDP.
    Dns((String, bool)),
    /// Ready when the function says so (UDP servers with their own request).
    Custom(Box<dyn Fn(SocketAddr) -> bool>),
}

enum Started {
    Ready,
    Exited(ExitStatus),
    TimedOut,
}

/// A self-signed RSA-2048 certificate for CN=localhost (subjectAltName DNS:localhost), valid two
/// days, written to `dir` by the openssl CLI: (cert.pem, key.pem).
fn localhost_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let openssl = find_binary("openssl", "openssl");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    run_tool(
        Command::new(&openssl)
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args([
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost",
                "-days",
                "2",
            ]),
        "openssl req",
    );
    (cert, key)
}

fn start_process(
    name: &str,
    dir: TempDir,
    probe: Probe,
    make: impl FnMut(&Path, u16) -> Command,
) -> Server {
    start_process_at(name, dir, probe, LOOPBACK_V4, make)
}

/// [`start_process`] for a server that listens on `ip` (127.0.0.1 or ::1).
fn start_process_at(
    name: &str,
    dir: TempDir,
    probe: Probe,
    ip: IpAddr,
    mut make: impl FnMut(&Path, u16) -> Command,
) -> Server {
    assert!(ip.is_loopback(), "lab servers listen on loopback only");
    let mut last_log = String::new();
    for attempt in 1..=START_ATTEMPTS {
        let port = free_port();
        let log = dir.path().join(format!("{name}.{attempt}.log"));
        let out = fs::File::create(&log).expect("create server log");
        let err = out.try_clone().expect("clone log handle");
        let mut cmd = make(dir.path(), port);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let addr = SocketAddr::new(ip, port);
        match wait_started(&mut child, &probe, addr) {
            Started::Ready => {
                return Server {
                    name: name.to_string(),
                    addrs: vec![addr],
                    inner: Inner::Process { child, log, dir },
                }
            }
            Started::Exited(status) => {
                last_log = fs::read_to_string(&log).unwrap_or_default();
                if last_log.contains("in use") || last_log.contains("in_use") {
                    continue; // someone took the port between free_port() and the bind
                }
                panic!("{name} exited ({status}) before it listened on {addr}. Its output:\n{last_log}");
            }
            Started::TimedOut => {
                stop_group(&mut child);
                let output = fs::read_to_string(&log).unwrap_or_default();
                panic!("{name} did not answer on {addr} within {READY_DEADLINE:?}. Its output:\n{output}");
            }
        }
    }
    panic!(
        "{name} could not bind a free port in {START_ATTEMPTS} attempts. Last output:\n{last_log}"
    );
}

fn wait_started(child: &mut Child, probe: &Probe, addr: SocketAddr) -> Started {
    let end = Instant::now() + READY_DEADLINE;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Started::Exited(status);
        }
        let answered = match probe {
            Probe::Tcp => TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok(),
            Probe::Dns((name, v6)) => {
                let qtype = if *v6 { dns::AAAA } else { dns::A };
                dns::query(addr, name, qtype, Duration::from_millis(300)).is_ok()
            }
            Probe::Custom(ready) => ready(addr),
        };
        if answered {
            // Make sure it was our server that answered, not another one holding the port.
            thread::sleep(Duration::from_millis(30));
            return match child.try_wait() {
                Ok(Some(status)) => Started::Exited(status),
                _ => Started::Ready,
            };
        }
        if Instant::now() >= end {
            return Started::TimedOut;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

mod sys {
    // std already links the C library; these two calls are all the lab needs from it.
    unsafe extern "C" {
        pub fn kill(pid: i32, sig: i32) -> i32;
    }
    pub const SIGTERM: i32 = 15;
    pub const SIGKILL: i32 = 9;
}

fn signal_group(pgid: u32, signal: i32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals the process group we created for the
        // child (`process_group(0)` makes the child's pid its group id). It has no memory effects.
        unsafe {
            sys::kill(-pgid, signal);
        }
    }
}

/// SIGTERM to the child's process group; SIGKILL to the group if the leader has not exited
/// within [`STOP_GRACE`]. The group is only signalled while its leader is unreaped, so its id
/// cannot have been reused.
fn stop_group(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let pgid = child.id();
    signal_group(pgid, sys::SIGTERM);
    let end = Instant::now() + STOP_GRACE;
    while Instant::now() < end {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    signal_group(pgid, sys::SIGKILL);
    let _ = child.kill();
    let _ = child.wait();
}

// ---------------------------------------------------------------------------------------------
// Thread servers
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum GarbageOrBanner {
    Garbage,
    Banner(&'static [u8]),
}

#[derive(Clone, Copy)]
enum Behaviour {
    Tarpit,
    AcceptClose,
    Greet(GarbageOrBanner),
}

/// Most connections a tarpit holds at once (the oldest is closed beyond that).
const TARPIT_HOLD: usize = 512;

fn bind_same_port(ips: &[IpAddr]) -> Vec<TcpListener> {
    assert!(!ips.is_empty(), "need at least one address");
    'attempt: for _ in 0..50 {
        let first = bind_fresh(ips[0]);
        let port = first.local_addr().expect("local_addr").port();
        let mut listeners = vec![first];
        for &ip in &ips[1..] {
            assert_loopback(ip);
            match TcpListener::bind((ip, port)) {
                Ok(l) => listeners.push(l),
                Err(e) if e.kind() == ErrorKind::AddrInUse => continue 'attempt,
                Err(e) => panic!("cannot bind {ip} port {port}: {e}{}", ipv6_hint(ip)),
            }
        }
        return listeners;
    }
    panic!("no port free on all of {ips:?} after 50 tries");
}

fn start_thread(name: &str, listeners: Vec<TcpListener>, behaviour: Behaviour) -> Server {
    let addrs: Vec<SocketAddr> = listeners
        .iter()
        .map(|l| l.local_addr().expect("local_addr"))
        .collect();
    for l in &listeners {
        l.set_nonblocking(true).expect("nonblocking listener");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let accept_loop = thread::Builder::new()
        .name(format!("lab-{name}"))
        .spawn(move || accept_loop(listeners, behaviour, flag))
        .expect("spawn lab server thread");
    Server {
        name: name.to_string(),
        addrs,
        inner: Inner::Thread {
            stop,
            accept_loop: Some(accept_loop),
        },
    }
}

fn accept_loop(listeners: Vec<TcpListener>, behaviour: Behaviour, stop: Arc<AtomicBool>) {
    let mut held: VecDeque<TcpStream> = VecDeque::new();
    while !stop.load(Ordering::SeqCst) {
        let mut idle = true;
        for listener in &listeners {
            let Ok((stream, _peer)) = listener.accept() else {
                continue; // WouldBlock, or a connection aborted before we took it
            };
            idle = false;
            let _ = stream.set_nonblocking(false);
            match behaviour {
                Behaviour::Tarpit => {
                    held.push_back(stream);
                    if held.len() > TARPIT_HOLD {
                        held.pop_front();
                    }
                }
                Behaviour::AcceptClose => {
                    let _ = stream.shutdown(Shutdown::Both);
                }
                Behaviour::Greet(what) => {
                    // Each connection gets its own short-lived thread (at most ~10 s).
                    let _ = thread::Builder::new()
                        .name("lab-conn".into())
                        .spawn(move || greet(stream, what));
                }
            }
        }
        if idle {
            thread::sleep(Duration::from_millis(5));
        }
    }
    // Dropping `held` and the listeners closes everything.
}

fn greet(mut stream: TcpStream, what: GarbageOrBanner) {
    let (bytes, linger) = match what {
        GarbageOrBanner::Garbage => (garbage_bytes(), Duration::from_secs(2)),
        GarbageOrBanner::Banner(b) => (b.to_vec(), Duration::from_secs(10)),
    };
    if stream.write_all(&bytes).is_err() {
        return;
    }
    if matches!(what, GarbageOrBanner::Garbage) {
        let _ = stream.shutdown(Shutdown::Write);
    }
    // Read and discard what the client sends until it closes, so our close is a FIN and not
    // a reset that could discard the answer before the client read it.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let end = Instant::now() + linger;
    let mut buf = [0u8; 1024];
    while Instant::now() < end {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}
