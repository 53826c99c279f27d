//! One UDP request/answer exchange with bounded retries, for the VPN probes that speak UDP.
//!
//! The socket is *connected* to the target: the kernel then only delivers datagrams from that
//! address and port, and an ICMP port unreachable answer surfaces as `ConnectionRefused` on the
//! next receive (Linux, BSDs, macOS), which is the only way UDP can say "closed". Silence stays
//! ambiguous (filtered, or a server that drops what it cannot authenticate); callers say so.
//!
//! Every attempt has its own deadline, all of them the caller's overall deadline; every receive
//! is bounded by [`MAX_DATAGRAM`].

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::{timeout_at, Instant};

/// Largest datagram read; longer ones are cut (none of the answers we parse comes close).
pub const MAX_DATAGRAM: usize = 4096;
/// Datagrams that the acceptance test rejects before we stop listening in one attempt (stray
/// retransmissions, answers to an earlier attempt), so a flood cannot hold a probe forever.
pub const MAX_IGNORED: u32 = 32;

/// How many times to send and how long to wait after each send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    pub attempts: u32,
    pub per_attempt: Duration,
}

impl Default for Retries {
    /// Three sends, 1 s apart: a lost datagram on a lossy path is retried, a silent port costs
    /// about 3 s.
    fn default() -> Self {
        Retries {
            attempts: 3,
            per_attempt: Duration::from_secs(1),
        }
    }
}

/// How one exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdpOutcome {
    /// A datagram that the acceptance test took; `attempt` is 1-based.
    Answer { datagram: Vec<u8>, attempt: u32 },
    /// ICMP port unreachable (`ConnectionRefused`): nothing listens on the port.
    Refused { attempts: u32 },
    /// No accepted datagram after every attempt (or before the overall deadline).
    Silent { attempts: u32, ignored: u32 },
    /// A local error (no socket, no route…); nothing can be concluded about the target.
    Local(String),
}

/// A UDP socket connected to one target.
pub struct UdpExchange {
    socket: UdpSocket,
    pub peer: SocketAddr,
}

impl UdpExchange {
    /// Binds an ephemeral port of the target's address family and connects it to `peer`.
    pub async fn connect(peer: SocketAddr) -> io::Result<UdpExchange> {
        let local: SocketAddr = if peer.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).await?;
        socket.connect(peer).await?;
        Ok(UdpExchange { socket, peer })
    }

    /// Sends `request` up to `retries.attempts` times, each time waiting up to
    /// `retries.per_attempt` (cut at `deadline`) for a datagram that `accept` takes.
    pub async fn exchange(
        &self,
        request: &[u8],
        retries: Retries,
        deadline: Instant,
        mut accept: impl FnMut(&[u8]) -> bool,
    ) -> UdpOutcome {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut ignored = 0u32;
        let mut sent = 0u32;
        while sent < retries.attempts.max(1) {
            if Instant::now() >= deadline {
                break;
            }
            match timeout_at(deadline, self.socket.send(request)).await {
                Err(_) => break,
                Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    // An ICMP error from the previous attempt is reported on this send.
                    return UdpOutcome::Refused { attempts: sent + 1 };
                }
                Ok(Err(e)) => return UdpOutcome::Local(format!("send: {e}")),
                Ok(Ok(_)) => sent += 1,
            }
            let attempt_end = deadline.min(Instant::now() + retries.per_attempt);
            let mut ignored_here = 0u32;
            loop {
                match timeout_at(attempt_end, self.socket.recv(&mut buf)).await {
                    Err(_) => break,
                    Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                        return UdpOutcome::Refused { attempts: sent };
                    }
                    Ok(Err(e)) => return UdpOutcome::Local(format!("receive: {e}")),
                    Ok(Ok(n)) => {
                        let datagram = &buf[..n];
                        if accept(datagram) {
                            return UdpOutcome::Answer {
                                datagram: datagram.to_vec(),
                                attempt: sent,
                            };
                        }
                        ignored += 1;
                        ignored_here += 1;
                        if ignored_here >= MAX_IGNORED {
                            break;
                        }
                    }
                }
            }
        }
        UdpOutcome::Silent {
            attempts: sent,
            ignored,
        }
    }

    /// Sends one datagram without waiting for an answer (a polite goodbye); errors are ignored
    /// because nothing depends on it.
    pub async fn send_once(&self, datagram: &[u8], deadline: Instant) {
        let _ = timeout_at(deadline, self.socket.send(datagram)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn answer_is_matched_and_strays_ignored() {
        rt().block_on(async {
            let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = server.local_addr().unwrap();
            let echo = tokio::spawn(async move {
                let mut buf = [0u8; 64];
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                server.send_to(b"stray", from).await.unwrap();
                server.send_to(&buf[..n], from).await.unwrap();
            });
            let ex = UdpExchange::connect(addr).await.unwrap();
            let out = ex
                .exchange(
                    b"ping",
                    Retries::default(),
                    Instant::now() + Duration::from_secs(5),
                    |d| d == b"ping",
                )
                .await;
            assert_eq!(
                out,
                UdpOutcome::Answer {
                    datagram: b"ping".to_vec(),
                    attempt: 1
                }
            );
            echo.await.unwrap();
        });
    }

    #[test]
    fn closed_port_is_refused_and_silence_is_bounded() {
        rt().block_on(async {
            // A port we bound and released: nothing listens, loopback answers ICMP unreachable.
            let addr = {
                let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                s.local_addr().unwrap()
            };
            let ex = UdpExchange::connect(addr).await.unwrap();
            let retries = Retries {
                attempts: 2,
                per_attempt: Duration::from_millis(300),
            };
            let out = ex
                .exchange(
                    b"x",
                    retries,
                    Instant::now() + Duration::from_secs(5),
                    |_| true,
                )
                .await;
            assert!(matches!(out, UdpOutcome::Refused { .. }), "{out:?}");

            // A bound socket that never answers: silence after both attempts, within bounds.
            let quiet = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let ex = UdpExchange::connect(quiet.local_addr().unwrap())
                .await
                .unwrap();
            let started = Instant::now();
            let out = ex
                .exchange(
                    b"x",
                    retries,
                    Instant::now() + Duration::from_secs(5),
                    |_| true,
                )
                .await;
            assert_eq!(
                out,
                UdpOutcome::Silent {
                    attempts: 2,
                    ignored: 0
                }
            );
            assert!(started.elapsed() < Duration::from_secs(2));
            // The overall deadline cuts the attempts short.
            let started = Instant::now();
            let out = ex
                .exchange(
                    b"x",
                    Retries {
                        attempts: 10,
                        per_attempt: Duration::from_secs(10),
                    },
                    Instant::now() + Duration::from_millis(200),
                    |_| true,
                )
                .await;
            assert!(
                matches!(out, UdpOutcome::Silent { attempts: 1, .. }),
                "{out:?}"
            );
            assert!(started.elapsed() < Duration::from_secs(1));
        });
    }
}
