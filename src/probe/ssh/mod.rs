//! SSH: the facts of a server's transport layer and authentication, for the audit against the
//! guideline's "strong cryptography for remote access" and "no management service facing the
//! internet" themes.
//!
//! * [`wire`]: sans-I/O codec of RFC 4253 (identification, binary packets, SSH_MSG_KEXINIT and
//!   the few messages around the key exchange and `none` authentication);
//! * [`transport`]: edgeaudit's own ECDH key exchange and AEAD packet ciphers, on `ring`;
//! * [`hostkey`]: host key blobs (type, size, SHA-256 fingerprint) and signature checks;
//! * [`audit`]: the driver ([`audit::audit_ssh_in`]), at most two connections per port.
//!
//! Why not an SSH client crate: edgeaudit needs the server's raw lists and method names exactly
//! as sent (not a client library's parsed subset), control over how many connections are
//! opened, and no second crypto stack besides the `ring` that rustls already uses.

pub mod audit;
pub mod hostkey;
pub mod transport;
pub mod wire;
