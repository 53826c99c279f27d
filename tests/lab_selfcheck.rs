//! The test lab checks itself, without edgeaudit: every server starts, answers what the
//! end-to-end tests expect it to answer, and is gone after it is dropped.

mod harness;

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::dns::{self, Zone};
use harness::run::names_line;
use harness::{Lab, Server, LOOPBACK_V4, LOOPBACK_V6};

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

/// Reads until EOF or `limit` bytes or the read timeout; whatever came.
fn read_some(stream: &mut TcpStream, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < limit {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    out
}

fn assert_gone(server: Server) {
    let addr = server.addr();
    drop(server);
    // A stopped server refuses connections (the port is free again).
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return,
            _ if Instant::now() >= end => {
                panic!("{addr} still accepts connections after the server was dropped")
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn sshd_sends_an_openssh_banner_and_stops() {
    let sshd = Lab::sshd();
    let mut stream = connect(sshd.addr());
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 255 && !line.ends_with(b"\n") {
        if stream.read(&mut byte).unwrap_or(0) == 0 {
            break;
        }
        line.push(byte[0]);
    }
    let banner = String::from_utf8_lossy(&line);
    assert!(
        banner.starts_with("SSH-2.0-OpenSSH"),
        "banner {banner:?}; log:\n{}",
        sshd.log()
    );
    drop(stream);
    assert_gone(sshd);
}

#[test]
fn nginx_http_serves_the_lab_page_and_stops() {
    let nginx = Lab::nginx_http();
    let mut stream = connect(nginx.addr());
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let reply = String::from_utf8_lossy(&read_some(&mut stream, 64 * 1024)).into_owned();
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "reply {reply:?}; log:\n{}",
        nginx.log()
    );
    assert!(
        reply.to_ascii_lowercase().contains("server: nginx"),
        "{reply}"
    );
    assert!(
        reply.contains(&format!("<title>{}</title>", harness::NGINX_TITLE)),
        "{reply}"
    );
    assert_gone(nginx);
}

#[test]
fn nginx_https_presents_a_self_signed_localhost_certificate() {
    let nginx = Lab::nginx_https();
    let openssl = harness::find_binary("openssl", "openssl");
    // s_client does the handshake, prints the certificate and exits when stdin closes.
    let child = Command::new(openssl)
        .args(["s_client", "-connect"])
        .arg(nginx.addr().to_string())
        .args(["-servername", "localhost"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl s_client");
    let out = wait_output(child, Duration::from_secs(20));
    assert!(
        out.contains("CN = localhost") || out.contains("CN=localhost"),
        "{out}"
    );
    assert!(
        out.contains("self-signed") || out.contains("self signed"),
        "{out}"
    );
    assert!(out.contains("TLSv1.3") || out.contains("TLSv1.2"), "{out}");
    assert_gone(nginx);
}

fn wait_output(mut child: std::process::Child, limit: Duration) -> String {
    let end = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("helper did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[test]
fn tarpit_accepts_and_never_answers() {
    let tarpit = Lab::tarpit();
    let mut stream = connect(tarpit.addr());
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 16];
    match stream.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("a tarpit must stay silent and open, got {other:?}"),
    }
    drop(stream);
    assert_gone(tarpit);
}

#[test]
fn plain_listener_accepts_and_closes() {
    let listener = Lab::plain_listener();
    let mut stream = connect(listener.addr());
    let got = read_some(&mut stream, 16);
    assert!(got.is_empty(), "plain listener sent {got:?}");
    assert_gone(listener);
}

#[test]
fn plain_listener_on_several_loopback_addresses_shares_one_port() {
    harness::require_ipv6_loopback();
    let ips = [
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)),
        LOOPBACK_V6,
    ];
    let listener = Lab::plain_listener_on(&ips);
    let port = listener.port();
    assert_eq!(listener.addrs().len(), 3);
    for ip in ips {
        connect(SocketAddr::new(ip, port));
    }
}

#[test]
fn garbage_answers_the_same_random_bytes_every_time() {
    let garbage = Lab::garbage();
    let expected = harness::garbage_bytes();
    assert_eq!(expected.len(), harness::GARBAGE_LEN);
    // Nothing a probe could mistake for a protocol: not ASCII, not TLS (0x14-0x17), not TPKT
    // (0x03), not telnet IAC (0xff), not NUL.
    let first = expected[0];
    assert!(
        !first.is_ascii() && first != 0xff,
        "first garbage byte {first:#x}"
    );
    for _ in 0..2 {
        let mut stream = connect(garbage.addr());
        stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(read_some(&mut stream, 4096), expected);
    }
    assert_gone(garbage);
}

#[test]
fn telnet_and_vnc_send_their_greetings() {
    for (server, greeting) in [
        (Lab::telnet(), harness::TELNET_GREETING),
        (Lab::vnc(), harness::VNC_GREETING),
    ] {
        let mut stream = connect(server.addr());
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        assert_eq!(
            read_some(&mut stream, greeting.len()),
            greeting,
            "{}",
            server.name()
        );
    }
}

#[test]
fn dnsmasq_serves_the_lab_zone() {
    let dnsmasq = Lab::dnsmasq(&Zone::lab());
    let server = dnsmasq.addr();
    let ask = |name: &str, qtype: u16| {
        dns::query(server, name, qtype, Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("query {name}/{qtype}: {e}; log:\n{}", dnsmasq.log()))
    };
    let v4 = |a, b, c, d| IpAddr::V4(Ipv4Addr::new(a, b, c, d));

    let multi = ask(dns::MULTI, dns::A);
    assert_eq!(multi.rcode, dns::RCODE_NOERROR);
    let mut got = multi.addrs.clone();
    got.sort();
    assert_eq!(got, vec![v4(127, 0, 0, 2), v4(127, 0, 0, 3)]);
    assert!(ask(dns::MULTI, dns::AAAA).addrs.is_empty());

    assert!(ask(dns::V6ONLY, dns::A).addrs.is_empty());
    assert_eq!(ask(dns::V6ONLY, dns::AAAA).addrs, vec![LOOPBACK_V6]);

    assert_eq!(ask(dns::BOTH, dns::A).addrs, vec![LOOPBACK_V4]);
    assert_eq!(ask(dns::BOTH, dns::AAAA).addrs, vec![LOOPBACK_V6]);

    for qtype in [dns::A, dns::AAAA] {
        let nx = ask(dns::NX, qtype);
        assert_eq!(
            nx.rcode,
            dns::RCODE_NXDOMAIN,
            "nx.lab.test must be NXDOMAIN"
        );
        assert!(nx.addrs.is_empty());
    }
    // TCP is served on the same port.
    TcpStream::connect_timeout(&server, Duration::from_secs(2)).expect("dnsmasq TCP");
    assert_gone(dnsmasq);
}

#[test]
fn ipv6_loopback_is_available() {
    harness::require_ipv6_loopback();
}

#[test]
fn closed_port_refuses() {
    let port = harness::closed_port();
    let err =
        TcpStream::connect_timeout(&SocketAddr::new(LOOPBACK_V4, port), Duration::from_secs(2))
            .expect_err("nothing listens on a closed port");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn free_ports_are_not_handed_out_twice() {
    let ports: std::collections::BTreeSet<u16> = (0..50).map(|_| harness::free_port()).collect();
    assert_eq!(ports.len(), 50);
}

#[test]
fn line_references_are_recognised() {
    assert!(names_line("TOML parse error at line 4, column 6", 4));
    assert!(names_line("broken.toml:4:6: expected `=`", 4));
    assert!(names_line("key must be a string at line 4 column 30", 4));
    assert!(names_line("  |\n4 | this line is not toml\n  |", 4));
    assert!(!names_line("TOML parse error at line 40, column 6", 4));
    assert!(!names_line("broken.toml:14:6", 4));
    assert!(!names_line("no line here", 4));
}

#[test]
fn dns_reply_parser_handles_compression_and_truncation() {
    // A reply to "a.test" A with one compressed answer 127.0.0.9.
    let mut reply = dns::encode_query(7, "a.test", dns::A);
    reply[2] = 0x81;
    reply[3] = 0x80;
    reply[7] = 1; // ANCOUNT
    reply.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 9]);
    let parsed = dns::parse_answer(&reply).expect("valid reply");
    assert_eq!(parsed.addrs, vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9))]);
    for cut in 0..reply.len() {
        let _ = dns::parse_answer(&reply[..cut]); // never panics
    }
    assert!(dns::parse_answer(&reply[..reply.len() - 1]).is_none());
}
