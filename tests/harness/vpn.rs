//! VPN servers for the `probe::vpn` tests: OpenVPN (Debian `openvpn`), pptpd (`pptpd`) and
//! xl2tpd (`xl2tpd`), each with a generated config in its own temp dir, in the foreground, in
//! its own process group, stopped on drop like every lab [`Server`].
//!
//! * **OpenVPN** runs as a point-to-point TLS server (`tls-server`, `dev null`): in `mode server`
//!   OpenVPN insists on a tun/tap device, but the control channel's hard reset, which is all the
//!   probe touches, is the same in both modes, and `dev null` needs no device, no namespace and
//!   no privileges. ECDSA P-256 certificate from the openssl CLI, `dh none`. UDP or TCP on a free
//!   127.0.0.1 port, optionally with `tls-auth` or `tls-crypt` (key from `openvpn --genkey`).
//! * **pptpd** has no port option (1723 is compiled in), so it runs in a network namespace of the
//!   test's own ([`Namespace`]) with only its loopback up; the probe runs inside the namespace
//!   too, on a thread moved there with `setns(2)` ([`in_namespace`]).
//! * **xl2tpd** takes `listen-addr` and `port`, so it runs on 127.0.0.1 directly.

use std::fs;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::netns::Namespace;
use super::{
    bind_fresh, find_binary, free_port, lab_dir, localhost_certificate, run_tool, stop_group,
    Inner, Server, LOOPBACK_V4, READY_DEADLINE,
};

mod sys {
    unsafe extern "C" {
        pub fn setns(fd: i32, nstype: i32) -> i32;
    }
    /// `CLONE_NEWNET` from `<sched.h>`.
    pub const CLONE_NEWNET: i32 = 0x4000_0000;
}

/// Runs `f` on a new thread that has joined `ns`'s network namespace, so every socket `f`
/// opens lives there. Only that thread moves; the test process stays where it was.
pub fn in_namespace<T: Send + 'static>(
    ns: &Namespace,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let path = Path::new("/run/netns").join(&ns.name);
    let file = fs::File::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    thread::spawn(move || {
        // SAFETY: setns(2) on a namespace file we hold open; it changes only this thread's
        // network namespace and touches no memory of ours.
        let rc = unsafe { sys::setns(file.as_raw_fd(), sys::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
        f()
    })
    .join()
    .expect("namespace thread panicked")
}

/// How an OpenVPN lab server authenticates its control channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenVpnHmac {
    None,
    TlsAuth,
    TlsCrypt,
}

/// OpenVPN's transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenVpnProto {
    Udp,
    Tcp,
}

/// An OpenVPN TLS server on a free port of 127.0.0.1.
pub fn openvpn(proto: OpenVpnProto, hmac: OpenVpnHmac) -> Server {
    let openvpn = find_binary("openvpn", "openvpn");
    let openssl = find_binary("openssl", "openssl");
    let dir = lab_dir("openvpn");
    let (cert, key, ta) = (
        dir.path().join("cert.pem"),
        dir.path().join("key.pem"),
        dir.path().join("ta.key"),
    );
    run_tool(
        Command::new(&openssl)
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args(["-subj", "/CN=openvpn.lab.test", "-days", "2"]),
        "openssl req",
    );
    if hmac != OpenVpnHmac::None {
        run_tool(
            Command::new(&openvpn).args(["--genkey", "secret"]).arg(&ta),
            "openvpn --genkey",
        );
    }
    let hmac_line = match hmac {
        OpenVpnHmac::None => String::new(),
        OpenVpnHmac::TlsAuth => format!("tls-auth {} 0\n", ta.display()),
        OpenVpnHmac::TlsCrypt => format!("tls-crypt {}\n", ta.display()),
    };
    let make = move |dir: &Path, port: u16| {
        let config = dir.join("openvpn.conf");
        let proto = match proto {
            OpenVpnProto::Udp => "udp4",
            OpenVpnProto::Tcp => "tcp4-server",
        };
        fs::write(
            &config,
            format!(
                "# edgeaudit test lab\n\
                 dev null\n\
                 tls-server\n\
                 dh none\n\
                 ca {cert}\n\
                 cert {cert}\n\
                 key {key}\n\
                 {hmac_line}\
                 proto {proto}\n\
                 local 127.0.0.1\n\
                 lport {port}\n\
                 verb 3\n",
                cert = cert.display(),
                key = key.display(),
            ),
        )
        .expect("write openvpn.conf");
        let mut cmd = Command::new(&openvpn);
        cmd.arg("--config").arg(&config);
        cmd
    };
    // A point-to-point TCP server serves one connection at a time and restarts after it: a
    // readiness connect would use it up, so readiness is read from the log for TCP as well.
    match proto {
        OpenVpnProto::Tcp => start_logged(
            "openvpn-tcp",
            dir,
            make,
            "Listening for incoming TCP connection",
        ),
        OpenVpnProto::Udp => start_logged("openvpn-udp", dir, make, "link local (bound)"),
    }
}

/// xl2tpd as an LNS on a free UDP port of 127.0.0.1, host name [`XL2TPD_HOST_NAME`].
pub fn xl2tpd() -> Server {
    let xl2tpd = find_binary("xl2tpd", "xl2tpd");
    let dir = lab_dir("xl2tpd");
    start_logged(
        "xl2tpd",
        dir,
        move |dir, port| {
            let config = dir.join("xl2tpd.conf");
            fs::write(
                &config,
                format!(
                    "; edgeaudit test lab\n\
                     [global]\n\
                     listen-addr = 127.0.0.1\n\
                     port = {port}\n\
                     [lns default]\n\
                     ip range = 10.99.0.10-10.99.0.20\n\
                     local ip = 10.99.0.1\n\
                     hostname = {XL2TPD_HOST_NAME}\n\
                     require authentication = no\n"
                ),
            )
            .expect("write xl2tpd.conf");
            let mut cmd = Command::new(&xl2tpd);
            cmd.arg("-D")
                .arg("-c")
                .arg(&config)
                .arg("-p")
                .arg(dir.join("xl2tpd.pid"))
                .arg("-C")
                .arg(dir.join("l2tp-control"));
            cmd
        },
        "Listening on IP address",
    )
}

/// The `hostname` the lab xl2tpd announces.
pub const XL2TPD_HOST_NAME: &str = "lab-lns";

/// A free UDP port on 127.0.0.1 (bound and released; the TCP reservation keeps other lab
/// servers of this process off it).
fn free_udp_port() -> u16 {
    loop {
        let port = free_port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}

/// Starts a server and waits until its log shows `ready` (UDP has no connect to poll).
fn start_logged(
    name: &str,
    dir: tempfile::TempDir,
    mut make: impl FnMut(&Path, u16) -> Command,
    ready: &str,
) -> Server {
    let port = free_udp_port();
    let log = dir.path().join(format!("{name}.log"));
    let out = fs::File::create(&log).expect("create server log");
    let err = out.try_clone().expect("clone log handle");
    let mut child = make(dir.path(), port)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let end = Instant::now() + READY_DEADLINE;
    loop {
        let text = fs::read_to_string(&log).unwrap_or_default();
        if text.contains(ready) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{name} exited ({status}) before it was ready. Its output:\n{text}");
        }
        if Instant::now() >= end {
            stop_group(&mut child);
            panic!("{name} not ready within {READY_DEADLINE:?}. Its output:\n{text}");
        }
        thread::sleep(Duration::from_millis(20));
    }
    Server {
        name: name.to_string(),
        addrs: vec![SocketAddr::new(LOOPBACK_V4, port)],
        inner: Inner::Process { child, log, dir },
    }
}

/// pptpd in `ns` on 127.0.0.1:1723 (the namespace's loopback). Drop the server before `ns`.
pub fn pptpd(ns: &Namespace) -> Server {
    let pptpd = find_binary("pptpd", "pptpd");
    let dir = lab_dir("pptpd");
    let config = dir.path().join("pptpd.conf");
    // No localip/remoteip: pptpd then answers the control connection and would only need them
    // (and pppd) for a call, which the probe never places.
    fs::write(&config, "# edgeaudit test lab\n").expect("write pptpd.conf");
    let log = dir.path().join("pptpd.log");
    let out = fs::File::create(&log).expect("create server log");
    let err = out.try_clone().expect("clone log handle");
    let mut child = ns
        .command(&pptpd)
        .arg("--fg")
        .arg("--conf")
        .arg(&config)
        .args([
            "--listen",
            "127.0.0.1",
            "--option",
            "/dev/null",
            "--pidfile",
        ])
        .arg(dir.path().join("pptpd.pid"))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start pptpd: {e}"));
    let end = Instant::now() + READY_DEADLINE;
    while !ns.accepts(PPTP_PORT) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "pptpd exited ({status}). Its output:\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if Instant::now() >= end {
            stop_group(&mut child);
            panic!(
                "pptpd did not listen in {} within {READY_DEADLINE:?}",
                ns.name
            );
        }
        thread::sleep(Duration::from_millis(50));
    }
    Server {
        name: "pptpd".into(),
        addrs: vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), PPTP_PORT)],
        inner: Inner::Process { child, log, dir },
    }
}

pub const PPTP_PORT: u16 = 1723;

/// A minimal SSTP **stand-in** on 127.0.0.1 (Debian has no SSTP server): TLS by rustls with the
/// lab's self-signed `CN=localhost` certificate, then one HTTP request head per connection. A
/// request that is exactly the [MS-SSTP] 2.2.2 one (method `SSTP_DUPLEX_POST`, the `sra_` URI,
/// `Content-Length: 18446744073709551615`, a `SSTPCORRELATIONID`) gets the answer Windows RRAS
/// gives ([MS-SSTP] 4.1: `HTTP/1.1 200`, the same Content-Length, `Server:
/// Microsoft-HTTPAPI/2.0`); anything else gets 404. Each request head is kept in `requests`.
pub fn sstp_stand_in(requests: Arc<Mutex<Vec<String>>>) -> Server {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let dir = lab_dir("sstp");
    let (cert, key) = localhost_certificate(dir.path());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .expect("read cert")
        .collect::<Result<_, _>>()
        .expect("parse cert");
    let key = PrivateKeyDer::from_pem_file(&key).expect("read key");
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config"),
    );
    let listener = bind_fresh(LOOPBACK_V4);
    let addr = listener.local_addr().expect("local_addr");
    listener.set_nonblocking(true).expect("nonblocking");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let accept_loop = thread::spawn(move || {
        let _dir = dir;
        while !flag.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                    if let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) {
                        sstp_answer(rustls::StreamOwned::new(conn, stream), &requests);
                    }
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Server {
        name: "sstp stand-in".into(),
        addrs: vec![addr],
        inner: Inner::Thread {
            stop,
            accept_loop: Some(accept_loop),
        },
    }
}

fn sstp_answer<S: Read + Write>(mut tls: S, requests: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let sstp = text
        .starts_with("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n")
        && text.contains("\r\nContent-Length: 18446744073709551615\r\n")
        && text.contains("\r\nSSTPCORRELATIONID: {");
    requests.lock().unwrap().push(text);
    let answer: &[u8] = if sstp {
        b"HTTP/1.1 200\r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n"
    } else {
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    };
    let _ = tls.write_all(answer);
    let _ = tls.flush();
    // Wait for the client's close so our close does not reset the answer away.
    let _ = tls.read(&mut buf);
}
