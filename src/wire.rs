//! Shared sans-I/O helpers for the protocol codecs (`probe::tls::wire`, `probe::rdp::wire`).

use std::marker::PhantomData;

/// The buffer ended `needed` bytes before the value being read. Each codec turns this into its
/// own error type (`From<ShortRead>`), where it may mean "wait for more bytes" or "broken length".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortRead {
    pub needed: usize,
}

/// A cursor over a byte slice that cannot read past its end; [`Reader::sub`] carves out a
/// length-bounded child so a declared length can never be overrun. `E` is the codec's error type.
#[derive(Debug)]
pub struct Reader<'a, E> {
    buf: &'a [u8],
    pos: usize,
    error: PhantomData<E>,
}

impl<E> Clone for Reader<'_, E> {
    fn clone(&self) -> Self {
        Reader {
            buf: self.buf,
            pos: self.pos,
            error: PhantomData,
        }
    }
}

impl<'a, E: From<ShortRead>> Reader<'a, E> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            error: PhantomData,
        }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], E> {
        if self.remaining() < n {
            return Err(ShortRead {
                needed: n - self.remaining(),
            }
            .into());
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// A reader over the next `n` bytes only.
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a, E>, E> {
        self.take(n).map(Reader::new)
    }

    /// The bytes not read yet, without consuming them.
    pub fn unread(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Everything not read yet, consumed.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    pub fn u8(&mut self) -> Result<u8, E> {
        Ok(self.take(1)?[0])
    }

    pub fn u16_be(&mut self) -> Result<u16, E> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u16_le(&mut self) -> Result<u16, E> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u24_be(&mut self) -> Result<usize, E> {
        let b = self.take(3)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    pub fn u32_le(&mut self) -> Result<u32, E> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `opaque x<0..2^8-1>` (RFC 8446 §3.4 notation): a length byte, then that many bytes.
    pub fn vec8(&mut self) -> Result<Reader<'a, E>, E> {
        let n = usize::from(self.u8()?);
        self.sub(n)
    }

    /// `opaque x<0..2^16-1>`.
    pub fn vec16(&mut self) -> Result<Reader<'a, E>, E> {
        let n = usize::from(self.u16_be()?);
        self.sub(n)
    }

    /// `opaque x<0..2^24-1>`.
    pub fn vec24(&mut self) -> Result<Reader<'a, E>, E> {
        let n = self.u24_be()?;
        self.sub(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R<'a> = Reader<'a, ShortRead>;

    #[test]
    fn reads_are_bounded_by_the_buffer_and_by_sub_readers() {
        let bytes = [0x00, 0x03, 0xaa, 0xbb, 0xcc, 0xdd];
        let mut r = R::new(&bytes);
        let mut inner = r.vec16().unwrap();
        assert_eq!(inner.take(3).unwrap(), &[0xaa, 0xbb, 0xcc]);
        assert_eq!(inner.u8(), Err(ShortRead { needed: 1 }));
        assert_eq!(r.remaining(), 1);
        assert_eq!(r.u16_be(), Err(ShortRead { needed: 1 }));
        assert_eq!(r.rest(), &[0xdd]);
        assert!(r.is_empty());
    }

    #[test]
    fn integers_in_both_byte_orders() {
        let bytes = [0x01, 0x02, 0x03, 0x04];
        assert_eq!(R::new(&bytes).u16_be(), Ok(0x0102));
        assert_eq!(R::new(&bytes).u16_le(), Ok(0x0201));
        assert_eq!(R::new(&bytes).u24_be(), Ok(0x010203));
        assert_eq!(R::new(&bytes).u32_le(), Ok(0x04030201));
    }
}
