//! Probes: everything that touches the network. They return observations and never judge.
//!
//! The one entry point the engine uses is [`scan_host`]: a TCP connect scan of one address,
//! followed by light identification of each open port (`identify`). Identification is a plan of
//! steps chosen by port (`identify::plan_for_port`); deeper protocol probes (the TLS engine, RDP
//! security layers, SSH algorithms, IKE) join as further steps and modules beside `rdp`.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

pub mod identify;
pub mod ike;
pub mod rdp;
pub mod smb;
pub mod snmp;
pub mod ssdp;
pub mod ssh;
pub mod sslvpn;
pub mod tcp;
pub mod tls;
pub mod udp;
pub mod vnc;
pub mod vpn;

pub use tcp::scan_host;

/// Limits every probe works under. All network waits are bounded by one of these.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Deadline of one TCP connect attempt.
    pub connect_timeout: Duration,
    /// Deadline of one identification exchange (banner wait, one handshake, one request).
    pub exchange_timeout: Duration,
    /// Connections open at once to one address.
    pub per_host_concurrency: usize,
    /// Connections opened to one address over the whole scan. Small-office routers and OpenSSH's
    /// per-source penalties (PerSourcePenalties, OpenSSH 9.8+) punish sources that open many.
    pub per_host_connection_budget: usize,
    /// Every port is expected to speak TLS (`edgeaudit tls`): identification sends its
    /// ClientHello at once instead of waiting for a server-first banner.
    pub expect_tls: bool,
    /// Roots that certificate chains are verified against.
    pub trust: tls::trust::TrustStore,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            connect_timeout: Duration::from_secs(3),
            exchange_timeout: Duration::from_secs(3),
            per_host_concurrency: 4,
            per_host_connection_budget: 256,
            expect_tls: false,
            trust: tls::trust::TrustStore::mozilla(),
        }
    }
}

/// Everything a probe of one address needs besides the address.
#[derive(Clone)]
pub struct HostContext {
    pub address: IpAddr,
    /// The name the user gave, when the address came from DNS: used for TLS SNI and HTTP Host.
    pub hostname: Option<String>,
    pub config: ProbeConfig,
    /// Shared by every host of the scan: bounds the connections open at once overall.
    pub global_slots: Arc<Semaphore>,
    /// Bounds the connections open at once to this address.
    pub host_slots: Arc<Semaphore>,
    pub budget: Arc<ConnectionBudget>,
    /// Whole-target deadline: nothing starts after it, and whatever runs is cut at it.
    pub deadline: Instant,
    /// Called once per port when that port's work is finished (progress display).
    pub on_port_done: Arc<dyn Fn() + Send + Sync>,
}

/// A count of the connections still allowed to one address.
#[derive(Debug)]
pub struct ConnectionBudget {
    remaining: AtomicUsize,
}

impl ConnectionBudget {
    pub fn new(limit: usize) -> Self {
        ConnectionBudget {
            remaining: AtomicUsize::new(limit),
        }
    }

    /// Takes one connection from the budget; false when none is left.
    pub fn try_take(&self) -> bool {
        self.remaining
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_runs_out_exactly() {
        let budget = ConnectionBudget::new(2);
        assert!(budget.try_take());
        assert!(budget.try_take());
        assert!(!budget.try_take());
        assert_eq!(budget.remaining(), 0);
    }
}
