//! The TLS engine. So far: the cipher-suite registry (`registry`), as data.

pub mod registry;
