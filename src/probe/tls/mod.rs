//! The TLS engine: which hellos to send (`enumerate`), their codec (`wire`), and the cipher-suite
//! registry (`registry`).

pub mod chain;
pub mod enumerate;
pub mod options;
pub mod registry;
pub mod trust;
pub mod wire;

pub use enumerate::{audit_tls, audit_tls_over_rdp};

#[cfg(test)]
mod tests;
