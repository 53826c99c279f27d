//! One UDP request/response exchange with retries, every wait under a deadline.
//!
//! The socket is connected to the target, so the kernel only hands us datagrams from that
//! address and port, and an ICMP port unreachable surfaces as `ConnectionRefused` on the next
//! receive (Linux): the one way UDP can say "closed". Silence means closed-without-ICMP, filtered,
//! or a server that chose not to answer (SNMP with a wrong community); callers must say so.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use thiserror::Error;
use tokio::net::UdpSocket;
use tokio::time::{timeout_at, Instant};

/// Why an exchange produced nothing.
#[derive(Debug, Error)]
pub enum UdpError {
    /// ICMP port unreachable: nothing listens there.
    #[error("port unreachable (ICMP): closed")]
    Refused,
    #[error("local socket error: {0}")]
    Local(#[source] io::Error),
}

/// Limits of one exchange.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Retransmissions after the first send; each attempt gets an equal share of the time left.
    pub retries: u32,
    /// Largest datagram kept (longer ones are cut; UDP cannot be read in parts).
    pub max_bytes: usize,
    /// Most datagrams collected.
    pub max_datagrams: usize,
}

/// Sends `payload` to `addr` and collects answers until `done` accepts one (returned last),
/// `max_datagrams` arrived, or the attempt's deadline passes. An attempt that got any datagram
/// is not retried. `Ok(empty)` = no answer before `deadline`.
pub async fn exchange(
    addr: SocketAddr,
    payload: &[u8],
    deadline: Instant,
    limits: Limits,
    mut done: impl FnMut(&[u8]) -> bool,
) -> Result<Vec<Vec<u8>>, UdpError> {
    let local = match addr.ip() {
        IpAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        IpAddr::V6(_) => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
    };
    let socket = UdpSocket::bind(local).await.map_err(UdpError::Local)?;
    socket.connect(addr).await.map_err(UdpError::Local)?;
    let mut received = Vec::new();
    let mut buf = vec![0u8; limits.max_bytes.max(1)];
    let attempts = limits.retries.saturating_add(1);
    for attempt in 0..attempts {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let left = attempts - attempt;
        let attempt_deadline = now + (deadline - now) / left;
        match timeout_at(deadline, socket.send(payload)).await {
            Err(_) => break,
            Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                return Err(UdpError::Refused)
            }
            Ok(Err(e)) => return Err(UdpError::Local(e)),
            Ok(Ok(_)) => {}
        }
        loop {
            if received.len() >= limits.max_datagrams {
                return Ok(received);
            }
            match timeout_at(attempt_deadline, socket.recv(&mut buf)).await {
                Err(_) => break,
                Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    if received.is_empty() {
                        return Err(UdpError::Refused);
                    }
                    return Ok(received);
                }
                Ok(Err(e)) => return Err(UdpError::Local(e)),
                Ok(Ok(n)) => {
                    let datagram = buf[..n].to_vec();
                    let finished = done(&datagram);
                    received.push(datagram);
                    if finished {
                        return Ok(received);
                    }
                }
            }
        }
        if !received.is_empty() {
            break;
        }
    }
    Ok(received)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const LIMITS: Limits = Limits {
        retries: 2,
        max_bytes: 64,
        max_datagrams: 4,
    };

    #[tokio::test]
    async fn answers_retries_and_closed_ports() {
        // A server that ignores the first request and answers the second twice.
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 16];
            let (_, _) = server.recv_from(&mut buf).await.unwrap();
            let (n, peer) = server.recv_from(&mut buf).await.unwrap();
            server.send_to(&buf[..n], peer).await.unwrap();
            server.send_to(b"second", peer).await.unwrap();
        });
        let got = exchange(
            addr,
            b"ping",
            Instant::now() + Duration::from_secs(3),
            LIMITS,
            |d| d == b"ping",
        )
        .await
        .unwrap();
        assert_eq!(got, vec![b"ping".to_vec()]);
        task.await.unwrap();

        // Nothing listens any more: ICMP port unreachable → Refused, well before the deadline.
        let started = Instant::now();
        let err = exchange(
            addr,
            b"ping",
            Instant::now() + Duration::from_secs(3),
            LIMITS,
            |_| true,
        )
        .await;
        assert!(matches!(err, Err(UdpError::Refused)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn silence_ends_at_the_deadline() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let started = Instant::now();
        let got = exchange(
            server.local_addr().unwrap(),
            b"ping",
            Instant::now() + Duration::from_millis(300),
            LIMITS,
            |_| true,
        )
        .await
        .unwrap();
        assert!(got.is_empty());
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(2));
    }
}
