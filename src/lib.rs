//! edgeaudit: audits the network edge of small organisations that work remotely.
//!
//! Data flow: `target` (what to scan) → `resolve` (names to addresses) → `engine` (bounded
//! concurrency, deadlines) → `probe` (network; observations only) → `observation::Scan` →
//! `profile::evaluate` (pure; observations → findings) → `report` (pure renderers).
//! See ARCHITECTURE.md.

pub mod engine;
pub mod finding;
pub mod i18n;
pub mod observation;
pub mod output;
pub mod ports;
pub mod probe;
pub mod profile;
pub mod report;
pub mod resolve;
pub mod target;
pub mod wifi;
pub mod wire;
