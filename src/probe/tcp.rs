//! TCP connect scan of one address, followed by identification of each open port.
//!
//! * Concurrency: `per_host_concurrency` workers pull ports in ascending order. Each connection
//!   takes a host slot, then a global slot (host first, so a host that cannot run does not sit on
//!   global slots), then one unit of the host's connection budget. Out of budget, the port is
//!   `NotTested` and the host's scan is marked incomplete.
//! * Deadlines: each connect is bounded by `connect_timeout`; everything by the whole-target
//!   `ctx.deadline`. Nothing starts after it; waits in flight end at it; a port never tried is
//!   reported `NotTested("target deadline reached")`; work that still runs shortly after the
//!   deadline is aborted and reported with what it had learnt. [`scan_host`] returns within a
//!   small grace ([`ABORT_GRACE`]) after the deadline.
//! * Results: refused → `Closed`; our timeout, `ETIMEDOUT`, host or network unreachable →
//!   `Filtered` with the reason; any other (local) error → `NotTested` with the error.
//! * Close: every connected socket gets `SO_LINGER` 0, so closing it sends a RST and leaves no
//!   `TIME_WAIT` behind on the scanner (thousands of scan sockets otherwise pin ports for a
//!   minute). We only close after our last read, so nothing of ours is lost.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinSet;
use tokio::time::{timeout_at, Instant};

use crate::observation::{PortObservation, PortState, Transport};
use crate::probe::identify;
use crate::probe::HostContext;

/// How long after the target deadline [`scan_host`] waits for its workers to wrap up before it
/// aborts them.
pub const ABORT_GRACE: Duration = Duration::from_millis(250);

/// Reason recorded for ports the target deadline left untried.
pub const DEADLINE_REASON: &str = "target deadline reached";
/// Reason recorded for ports the connection budget left untried.
pub const BUDGET_REASON: &str = "connection budget exhausted";

/// What a connect scan of one address found.
#[derive(Debug, Clone, PartialEq)]
pub struct HostScan {
    /// One entry per distinct requested port, ascending.
    pub ports: Vec<PortObservation>,
    /// Set when some ports were never tried (deadline, budget or local error); for
    /// `HostObservation::incomplete`.
    pub incomplete: Option<String>,
}

/// An open connection together with the slots it occupies; dropping it frees both.
pub struct Connection {
    pub stream: TcpStream,
    pub permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
}

/// Why a port was not tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotTestedCause {
    Deadline,
    Budget,
    /// A local error (no ephemeral port, too many open files, a local firewall…).
    Local,
    /// The scan's semaphores were closed (the scan is shutting down).
    Cancelled,
}

/// The result of one connection attempt.
pub enum ConnectOutcome {
    Open {
        conn: Connection,
        connect_ms: u64,
    },
    Closed {
        connect_ms: u64,
    },
    Filtered {
        reason: String,
    },
    NotTested {
        reason: String,
        cause: NotTestedCause,
    },
}

impl ConnectOutcome {
    pub fn describe(&self) -> String {
        match self {
            ConnectOutcome::Open { .. } => "open".into(),
            ConnectOutcome::Closed { .. } => "connection refused".into(),
            ConnectOutcome::Filtered { reason } => reason.clone(),
            ConnectOutcome::NotTested { reason, .. } => reason.clone(),
        }
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// `EHOSTDOWN`, which std does not map to an `ErrorKind`.
fn is_host_down(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    const EHOSTDOWN: i32 = 112;
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    ))]
    const EHOSTDOWN: i32 = 64;
    #[cfg(not(any(
        target_os = "linux",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    )))]
    const EHOSTDOWN: i32 = i32::MIN;
    e.raw_os_error() == Some(EHOSTDOWN)
}

/// Classifies a failed connect.
fn classify_connect_error(e: &io::Error, connect_ms: u64) -> ConnectOutcome {
    match e.kind() {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
            ConnectOutcome::Closed { connect_ms }
        }
        io::ErrorKind::TimedOut => ConnectOutcome::Filtered {
            reason: format!("connect timed out in the operating system: {e}"),
        },
        io::ErrorKind::HostUnreachable => ConnectOutcome::Filtered {
            reason: format!("host unreachable: {e}"),
        },
        io::ErrorKind::NetworkUnreachable => ConnectOutcome::Filtered {
            reason: format!("network unreachable: {e}"),
        },
        _ if is_host_down(e) => ConnectOutcome::Filtered {
            reason: format!("host down: {e}"),
        },
        _ => ConnectOutcome::NotTested {
            reason: format!("local error: {e}"),
            cause: NotTestedCause::Local,
        },
    }
}

/// Opens one connection to `port` under every limit: host slot, then global slot (both waited
/// for no later than the target deadline), then the budget, then `connect_timeout` cut at the
/// deadline. Used by the scan and by identification steps that need a fresh connection.
pub async fn connect(ctx: &HostContext, port: u16) -> ConnectOutcome {
    let deadline_reached = || ConnectOutcome::NotTested {
        reason: DEADLINE_REASON.to_string(),
        cause: NotTestedCause::Deadline,
    };
    let cancelled = || ConnectOutcome::NotTested {
        reason: "scan cancelled".to_string(),
        cause: NotTestedCause::Cancelled,
    };
    if Instant::now() >= ctx.deadline {
        return deadline_reached();
    }
    let host = match timeout_at(ctx.deadline, ctx.host_slots.clone().acquire_owned()).await {
        Err(_) => return deadline_reached(),
        Ok(Err(_)) => return cancelled(),
        Ok(Ok(permit)) => permit,
    };
    let global = match timeout_at(ctx.deadline, ctx.global_slots.clone().acquire_owned()).await {
        Err(_) => return deadline_reached(),
        Ok(Err(_)) => return cancelled(),
        Ok(Ok(permit)) => permit,
    };
    // Nothing starts after the deadline.
    if Instant::now() >= ctx.deadline {
        return deadline_reached();
    }
    if !ctx.budget.try_take() {
        return ConnectOutcome::NotTested {
            reason: BUDGET_REASON.to_string(),
            cause: NotTestedCause::Budget,
        };
    }
    let started = Instant::now();
    let own_deadline = started
        .checked_add(ctx.config.connect_timeout)
        .unwrap_or(ctx.deadline);
    let cut = ctx.deadline.min(own_deadline);
    match timeout_at(cut, TcpStream::connect(SocketAddr::new(ctx.address, port))).await {
        Err(_) if own_deadline <= ctx.deadline => ConnectOutcome::Filtered {
            reason: format!(
                "no answer within {} ms",
                ctx.config.connect_timeout.as_millis()
            ),
        },
        Err(_) => deadline_reached(),
        Ok(Err(e)) => classify_connect_error(&e, elapsed_ms(started)),
        Ok(Ok(stream)) => {
            let connect_ms = elapsed_ms(started);
            // Best effort: a socket that refuses the option still works, it just lingers.
            let _ = stream.set_zero_linger();
            ConnectOutcome::Open {
                conn: Connection {
                    stream,
                    permits: (host, global),
                },
                connect_ms,
            }
        }
    }
}

enum Slot {
    /// Not finished (or never started).
    Pending,
    /// Open, identification still running.
    Open {
        connect_ms: u64,
    },
    Done(Box<PortObservation>),
}

struct Shared {
    ctx: HostContext,
    ports: Vec<u16>,
    next: AtomicUsize,
    slots: Mutex<Vec<Slot>>,
}

impl Shared {
    fn set(&self, index: usize, slot: Slot) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots[index] = slot;
    }

    /// Records a finished port and reports progress. No await in between, so an abort can
    /// never separate the two.
    fn finish(&self, index: usize, observation: PortObservation) {
        self.set(index, Slot::Done(Box::new(observation)));
        (self.ctx.on_port_done)();
    }
}

fn observation(port: u16, state: PortState, connect_ms: Option<u64>) -> PortObservation {
    PortObservation {
        port,
        transport: Transport::Tcp,
        state,
        connect_ms,
        service: None,
    }
}

async fn worker(shared: Arc<Shared>) {
    let ctx = &shared.ctx;
    loop {
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(&port) = shared.ports.get(index) else {
            return;
        };
        let result = match connect(ctx, port).await {
            ConnectOutcome::Open { conn, connect_ms } => {
                shared.set(index, Slot::Open { connect_ms });
                let service = identify::identify(ctx, port, conn).await;
                PortObservation {
                    service: Some(service),
                    ..observation(port, PortState::Open, Some(connect_ms))
                }
            }
            ConnectOutcome::Closed { connect_ms } => {
                observation(port, PortState::Closed, Some(connect_ms))
            }
            ConnectOutcome::Filtered { reason } => {
                observation(port, PortState::Filtered { reason }, None)
            }
            ConnectOutcome::NotTested { reason, .. } => {
                observation(port, PortState::NotTested { reason }, None)
            }
        };
        shared.finish(index, result);
    }
}

/// Connect-scans `ports` (duplicates ignored) on `ctx.address` and identifies every open port.
/// Returns every requested port, ascending, whatever happened; calls `ctx.on_port_done` once
/// per port.
pub async fn scan_host(ctx: HostContext, ports: &[u16]) -> HostScan {
    let mut ports = ports.to_vec();
    ports.sort_unstable();
    ports.dedup();
    let workers = ctx.config.per_host_concurrency.max(1).min(ports.len());
    let deadline = ctx.deadline;
    let shared = Arc::new(Shared {
        slots: Mutex::new(ports.iter().map(|_| Slot::Pending).collect()),
        ports,
        ctx,
        next: AtomicUsize::new(0),
    });

    let mut set = JoinSet::new();
    for _ in 0..workers {
        set.spawn(worker(shared.clone()));
    }
    let all_done = async { while set.join_next().await.is_some() {} };
    let hard_stop = deadline.checked_add(ABORT_GRACE).unwrap_or(deadline);
    if timeout_at(hard_stop, all_done).await.is_err() {
        set.abort_all();
        // Aborted tasks stop at their next await; wait for that so no task still writes a slot.
        while set.join_next().await.is_some() {}
    }

    let slots = std::mem::take(&mut *shared.slots.lock().unwrap_or_else(|p| p.into_inner()));
    let total = shared.ports.len();
    let mut not_tried: Vec<(String, usize)> = Vec::new();
    let mut results = Vec::with_capacity(total);
    for (slot, &port) in slots.into_iter().zip(&shared.ports) {
        let obs = match slot {
            Slot::Done(obs) => *obs,
            Slot::Open { connect_ms } => {
                (shared.ctx.on_port_done)();
                PortObservation {
                    service: Some(identify::deadline_cut_service(port)),
                    ..observation(port, PortState::Open, Some(connect_ms))
                }
            }
            Slot::Pending => {
                (shared.ctx.on_port_done)();
                observation(
                    port,
                    PortState::NotTested {
                        reason: DEADLINE_REASON.to_string(),
                    },
                    None,
                )
            }
        };
        if let PortState::NotTested { reason } = &obs.state {
            match not_tried.iter_mut().find(|(r, _)| r == reason) {
                Some((_, n)) => *n += 1,
                None => not_tried.push((reason.clone(), 1)),
            }
        }
        results.push(obs);
    }
    let incomplete = (!not_tried.is_empty()).then(|| {
        not_tried
            .iter()
            .map(|(reason, n)| format!("{n} of {total} ports not tried: {reason}"))
            .collect::<Vec<_>>()
            .join("; ")
    });
    HostScan {
        ports: results,
        incomplete,
    }
}

#[cfg(test)]
pub(crate) mod tests;
