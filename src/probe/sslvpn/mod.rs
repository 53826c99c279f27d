//! SSL-VPN portals: which product answers on a port, its version when the product states it, and
//! which known-exploited vulnerabilities that version is recorded as affected by.
//!
//! * `fingerprint` — the data files (`data/sslvpn-fingerprints.toml`,
//!   `data/vpn-known-exploited.toml`) and the pure matcher over HTTP answers;
//! * `version` — each vendor's version syntax and order;
//! * `probe` — the network driver: a few fixed GET requests, nothing else.
//!
//! Never an exploit request: the requests are only the data file's pages, which any browser or VPN
//! client loads before login, and the loader refuses anything else.

pub mod fingerprint;
pub mod probe;
pub mod version;

pub use fingerprint::{match_responses, vulns, HttpExchange};
pub use probe::probe_portal_in;
