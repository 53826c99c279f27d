//! Scanner tests against listeners on 127.0.0.1 created here. No other traffic.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::*;
use crate::observation::{IdentificationMethod, ProbeStatus, ServiceKind};
use crate::probe::{ConnectionBudget, HostContext, ProbeConfig};

pub(crate) const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A context for loopback tests, with a counter of `on_port_done` calls.
pub(crate) fn context(
    address: IpAddr,
    exchange: Duration,
    target_timeout: Duration,
    concurrency: usize,
    budget: usize,
) -> (HostContext, Arc<AtomicUsize>) {
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    let ctx = HostContext {
        address,
        hostname: None,
        config: ProbeConfig {
            connect_timeout: Duration::from_millis(500),
            exchange_timeout: exchange,
            per_host_concurrency: concurrency,
            per_host_connection_budget: budget,
            expect_tls: false,
            trust: crate::probe::tls::trust::TrustStore::mozilla(),
        },
        global_slots: Arc::new(Semaphore::new(64)),
        host_slots: Arc::new(Semaphore::new(concurrency)),
        budget: Arc::new(ConnectionBudget::new(budget)),
        deadline: Instant::now() + target_timeout,
        on_port_done: Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    };
    (ctx, done)
}

/// Serves every accepted connection with `handler`; returns the port and an accept counter.
pub(crate) async fn serve<F, Fut>(handler: F) -> (u16, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handler(stream));
        }
    });
    (port, accepted)
}

/// A loopback port nothing listens on (bound, then released).
pub(crate) async fn refused_port() -> u16 {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Accepts and never writes; holds the connection for `hold`.
pub(crate) async fn tarpit(stream: TcpStream) {
    tokio::time::sleep(Duration::from_secs(10)).await;
    drop(stream);
}

#[tokio::test]
async fn open_closed_banner_garbage_and_tarpit_ports() {
    let (ssh, _) = serve(|mut s| async move {
        let _ = s
            .write_all(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let (garbage, _) = serve(|mut s| async move {
        let _ = s.write_all(b"\x00\x01\x02 not a protocol \xff\r\n").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let (closer, _) = serve(|s| async move { drop(s) }).await;
    let (pit, _) = serve(tarpit).await;
    let closed = refused_port().await;

    let (ctx, done) = context(
        LOOPBACK,
        Duration::from_millis(300),
        Duration::from_secs(10),
        4,
        100,
    );
    let started = Instant::now();
    let ports = [pit, closed, ssh, garbage, closer, ssh];
    let scan = scan_host(ctx, &ports).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    let mut expected: Vec<u16> = vec![pit, closed, ssh, garbage, closer];
    expected.sort_unstable();
    assert_eq!(
        scan.ports.iter().map(|p| p.port).collect::<Vec<_>>(),
        expected,
        "ascending, deduplicated"
    );
    assert_eq!(done.load(Ordering::SeqCst), 5);
    assert_eq!(scan.incomplete, None);

    let by_port = |port: u16| scan.ports.iter().find(|p| p.port == port).unwrap();

    let c = by_port(closed);
    assert_eq!(c.state, PortState::Closed);
    assert!(c.connect_ms.is_some());
    assert!(c.service.is_none());

    let s = by_port(ssh);
    assert_eq!(s.state, PortState::Open);
    assert!(s.connect_ms.is_some());
    let svc = s.service.as_ref().unwrap();
    assert_eq!(svc.kind, ServiceKind::Ssh);
    assert_eq!(svc.status, ProbeStatus::Success);
    assert_eq!(svc.method, IdentificationMethod::Protocol);
    assert_eq!(svc.ssh.as_ref().unwrap().software, "OpenSSH_9.6p1");

    let g = by_port(garbage).service.as_ref().unwrap();
    assert_eq!(g.kind, ServiceKind::Unknown);
    assert_eq!(g.status, ProbeStatus::Unrecognised);
    assert_eq!(
        g.banner.as_ref().unwrap().escaped,
        "\\x00\\x01\\x02 not a protocol \\xff\\r\\n"
    );

    let t = by_port(pit).service.as_ref().unwrap();
    assert_eq!(t.kind, ServiceKind::Unknown);
    assert_eq!(t.method, IdentificationMethod::PortNumber);
    assert_eq!(t.status, ProbeStatus::Timeout);

    let k = by_port(closer).service.as_ref().unwrap();
    assert_eq!(k.method, IdentificationMethod::PortNumber);
    assert_eq!(k.status, ProbeStatus::ConnectionClosed);
}

#[tokio::test]
async fn target_deadline_reports_untried_ports_and_returns_promptly() {
    let (pit, _) = serve(tarpit).await;
    // With one connection at a time, the tarpit's identification outlives the target deadline
    // and every port after it stays untried.
    let after: Vec<u16> = (1..=5).filter_map(|i| pit.checked_add(i)).collect();
    let mut ports = vec![pit];
    ports.extend(&after);
    let (ctx, done) = context(
        LOOPBACK,
        Duration::from_secs(5),
        Duration::from_millis(600),
        1,
        100,
    );
    let started = Instant::now();
    let scan = scan_host(ctx, &ports).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(600) + ABORT_GRACE + Duration::from_millis(200),
        "took {took:?}"
    );

    assert_eq!(scan.ports.len(), ports.len());
    assert_eq!(done.load(Ordering::SeqCst), ports.len());
    let first = &scan.ports[0];
    assert_eq!(first.port, pit);
    assert_eq!(first.state, PortState::Open);
    let svc = first.service.as_ref().unwrap();
    assert_eq!(svc.status, ProbeStatus::Timeout);
    assert!(
        svc.notes.iter().any(|n| n.contains("deadline")),
        "{:?}",
        svc.notes
    );
    for p in &scan.ports[1..] {
        assert_eq!(
            p.state,
            PortState::NotTested {
                reason: DEADLINE_REASON.into()
            },
            "port {}",
            p.port
        );
    }
    let incomplete = scan.incomplete.unwrap();
    assert!(incomplete.contains(DEADLINE_REASON), "{incomplete}");
    assert!(
        incomplete.contains(&format!("{} of {}", after.len(), ports.len())),
        "{incomplete}"
    );
}

#[tokio::test]
async fn deadline_already_passed_tries_nothing() {
    let (port, accepted) = serve(tarpit).await;
    let (ctx, done) = context(LOOPBACK, Duration::from_millis(300), Duration::ZERO, 4, 100);
    let started = Instant::now();
    let scan = scan_host(ctx, &[port, 1, 2]).await;
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(scan.ports.len(), 3);
    assert!(scan.ports.iter().all(|p| p.state
        == PortState::NotTested {
            reason: DEADLINE_REASON.into()
        }));
    assert_eq!(done.load(Ordering::SeqCst), 3);
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn budget_exhaustion_marks_ports_not_tested() {
    let mut ports = Vec::new();
    for _ in 0..4 {
        ports.push(refused_port().await);
    }
    ports.sort_unstable();
    ports.dedup();
    let (ctx, done) = context(
        LOOPBACK,
        Duration::from_millis(300),
        Duration::from_secs(5),
        1,
        2,
    );
    let scan = scan_host(ctx, &ports).await;
    // Another test may have bound one of these ports meanwhile: count tried ports, not closed ones.
    let tried = scan
        .ports
        .iter()
        .filter(|p| !matches!(p.state, PortState::NotTested { .. }))
        .count();
    let untested = scan
        .ports
        .iter()
        .filter(|p| {
            p.state
                == PortState::NotTested {
                    reason: BUDGET_REASON.into(),
                }
        })
        .count();
    assert_eq!((tried, untested), (2, ports.len() - 2));
    assert_eq!(done.load(Ordering::SeqCst), ports.len());
    assert!(scan.incomplete.unwrap().contains(BUDGET_REASON));
}

#[tokio::test]
async fn slots_bound_concurrency() {
    // Four tarpits, two host slots. Each port's first (scan) connection is held through its
    // banner wait and TLS step, so no more than two of them may be open at once. (Later
    // connections are not counted: the server may see a close after the next accept.)
    let open_now = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut ports = Vec::new();
    for _ in 0..4 {
        let (open_now, peak) = (open_now.clone(), peak.clone());
        let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (port, _) = serve(move |mut s| {
            let (open_now, peak) = (open_now.clone(), peak.clone());
            let counted = first.swap(false, Ordering::SeqCst);
            async move {
                if counted {
                    let n = open_now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                }
                // Hold until the client closes (read returns 0 or an error).
                let mut buf = [0u8; 1024];
                while let Ok(n) = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
                if counted {
                    open_now.fetch_sub(1, Ordering::SeqCst);
                }
            }
        })
        .await;
        ports.push(port);
    }
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_millis(150),
        Duration::from_secs(10),
        2,
        100,
    );
    let scan = scan_host(ctx, &ports).await;
    assert!(scan.ports.iter().all(|p| p.state == PortState::Open));
    let peak = peak.load(Ordering::SeqCst);
    assert!((1..=2).contains(&peak), "peak {peak}");
}

#[tokio::test]
async fn ipv6_loopback_when_available() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        return; // no IPv6 on this machine
    };
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s.write_all(b"RFB 003.008\n").await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    let (ctx, _) = context(
        "::1".parse().unwrap(),
        Duration::from_millis(300),
        Duration::from_secs(5),
        2,
        10,
    );
    let scan = scan_host(ctx, &[port]).await;
    let svc = scan.ports[0].service.as_ref().unwrap();
    assert_eq!(svc.kind, ServiceKind::Vnc);
    assert_eq!(svc.vnc.as_ref().unwrap().protocol_version, "003.008");
}

#[test]
fn connect_errors_are_classified() {
    let e = |kind| io::Error::new(kind, "x");
    assert!(matches!(
        classify_connect_error(&e(io::ErrorKind::ConnectionRefused), 3),
        ConnectOutcome::Closed { connect_ms: 3 }
    ));
    for kind in [
        io::ErrorKind::TimedOut,
        io::ErrorKind::HostUnreachable,
        io::ErrorKind::NetworkUnreachable,
    ] {
        assert!(matches!(
            classify_connect_error(&e(kind), 0),
            ConnectOutcome::Filtered { .. }
        ));
    }
    assert!(matches!(
        classify_connect_error(&e(io::ErrorKind::AddrNotAvailable), 0),
        ConnectOutcome::NotTested {
            cause: NotTestedCause::Local,
            ..
        }
    ));
    #[cfg(target_os = "linux")]
    assert!(matches!(
        classify_connect_error(&io::Error::from_raw_os_error(112), 0),
        ConnectOutcome::Filtered { .. }
    ));
}

#[tokio::test]
async fn scan_sockets_do_not_linger() {
    let (port, _) = serve(tarpit).await;
    let (ctx, _) = context(
        LOOPBACK,
        Duration::from_millis(300),
        Duration::from_secs(5),
        1,
        10,
    );
    match connect(&ctx, port).await {
        ConnectOutcome::Open { conn, .. } => {
            assert_eq!(conn.stream.linger().unwrap(), Some(Duration::ZERO));
        }
        other => panic!("expected open, got {}", other.describe()),
    }
}
