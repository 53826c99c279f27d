//! Bounded reads and writes: every wait has a deadline and every buffer a size limit.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

/// Why a bounded read stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The completion test said the message is whole.
    Complete,
    /// Data had arrived and then nothing more came for the settle time.
    Settled,
    /// The peer closed its side (FIN).
    Eof,
    /// The deadline passed.
    Timeout,
    /// The size limit was reached.
    Limit,
    /// A read or write failed (reset, broken pipe, TLS error…).
    Error(io::ErrorKind, String),
}

impl End {
    /// True when the peer closed or reset the connection.
    pub fn is_closed(&self) -> bool {
        match self {
            End::Eof => true,
            End::Error(kind, _) => matches!(
                kind,
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::NotConnected
            ),
            _ => false,
        }
    }

    /// Human-readable description for notes.
    pub fn describe(&self) -> String {
        match self {
            End::Complete => "complete".into(),
            End::Settled => "no more data".into(),
            End::Eof => "connection closed".into(),
            End::Timeout => "no answer before the deadline".into(),
            End::Limit => "size limit reached".into(),
            End::Error(_, e) => format!("connection error: {e}"),
        }
    }
}

/// Reads into a buffer until `complete(&buf)` holds, the peer closes, `limit` bytes arrived, or
/// `deadline` passes. With `settle`, once some data has arrived, a pause longer than `settle`
/// also ends the read (for free-form server banners that have no length or terminator).
pub async fn read_until<S, F>(
    stream: &mut S,
    deadline: Instant,
    limit: usize,
    settle: Option<Duration>,
    mut complete: F,
) -> (Vec<u8>, End)
where
    S: AsyncRead + Unpin,
    F: FnMut(&[u8]) -> bool,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if buf.len() >= limit {
            return (buf, End::Limit);
        }
        let want = chunk.len().min(limit - buf.len());
        let wait_until = match settle {
            Some(settle) if !buf.is_empty() => deadline.min(Instant::now() + settle),
            _ => deadline,
        };
        match timeout_at(wait_until, stream.read(&mut chunk[..want])).await {
            Err(_) if wait_until < deadline => return (buf, End::Settled),
            Err(_) => return (buf, End::Timeout),
            Ok(Ok(0)) => return (buf, End::Eof),
            Ok(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                if complete(&buf) {
                    return (buf, End::Complete);
                }
            }
            Ok(Err(e)) => {
                // rustls reports a peer that closed without close_notify as UnexpectedEof.
                if e.kind() == io::ErrorKind::UnexpectedEof && !buf.is_empty() {
                    return (buf, End::Eof);
                }
                return (buf, End::Error(e.kind(), e.to_string()));
            }
        }
    }
}

/// Writes all of `data` and flushes, under `deadline`.
pub async fn write_all<S>(stream: &mut S, data: &[u8], deadline: Instant) -> Result<(), End>
where
    S: AsyncWrite + Unpin,
{
    let write = async {
        stream.write_all(data).await?;
        stream.flush().await
    };
    match timeout_at(deadline, write).await {
        Err(_) => Err(End::Timeout),
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(End::Error(e.kind(), e.to_string())),
    }
}
