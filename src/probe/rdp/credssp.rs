//! Sans-I/O codec for the CredSSP TSRequest ([MS-CSSP] 2.2.1), DER (X.690):
//!
//! ```text
//! TSRequest ::= SEQUENCE {
//!     version    [0] INTEGER,
//!     negoTokens [1] NegoData  OPTIONAL,   -- SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
//!     authInfo   [2] OCTET STRING OPTIONAL,
//!     pubKeyAuth [3] OCTET STRING OPTIONAL,
//!     errorCode  [4] INTEGER OPTIONAL,     -- version 3 and later
//!     clientNonce [5] OCTET STRING OPTIONAL -- version 5 and later
//! }
//! ```
//!
//! edgeaudit sends one TSRequest (an NTLM NEGOTIATE_MESSAGE in `negoTokens`) and reads one back.
//! It never sends `authInfo` or `pubKeyAuth`.

use thiserror::Error;

use crate::wire::ShortRead;

/// The TSRequest version edgeaudit announces (the current one, [MS-CSSP] 2.2.1).
pub const TS_REQUEST_VERSION: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredSspError {
    #[error("truncated: {needed} more byte(s) needed")]
    Truncated { needed: usize },
    #[error("DER tag 0x{found:02x} where {expected} was expected")]
    UnexpectedTag { found: u8, expected: &'static str },
    #[error("DER length form 0x{0:02x} not supported")]
    BadLength(u8),
    #[error("INTEGER of {0} octets")]
    BadInteger(usize),
    #[error("TSRequest without the version field")]
    NoVersion,
}

impl From<ShortRead> for CredSspError {
    fn from(short: ShortRead) -> Self {
        CredSspError::Truncated {
            needed: short.needed,
        }
    }
}

type Reader<'a> = crate::wire::Reader<'a, CredSspError>;

/// A decoded TSRequest, as far as edgeaudit cares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TsRequest {
    pub version: u32,
    pub nego_tokens: Vec<Vec<u8>>,
    pub has_auth_info: bool,
    pub has_pub_key_auth: bool,
    /// An NTSTATUS the server reports (e.g. 0xC000006D), as its 32-bit pattern.
    pub error_code: Option<u32>,
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        out.push(0x82);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn der_integer(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    let mut content = bytes[first..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    der(0x02, &content)
}

/// A TSRequest of [`TS_REQUEST_VERSION`] carrying one negotiation token.
pub fn encode_nego_request(token: &[u8]) -> Vec<u8> {
    let nego_token = der(0xa0, &der(0x04, token));
    let nego_data = der(0x30, &der(0x30, &nego_token));
    let mut body = der(0xa0, &der_integer(TS_REQUEST_VERSION));
    body.extend(der(0xa1, &nego_data));
    der(0x30, &body)
}

fn read_tag(r: &mut Reader<'_>) -> Result<u8, CredSspError> {
    let tag = r.u8()?;
    if tag & 0x1f == 0x1f {
        return Err(CredSspError::UnexpectedTag {
            found: tag,
            expected: "a low-number tag",
        });
    }
    Ok(tag)
}

fn read_length(r: &mut Reader<'_>) -> Result<usize, CredSspError> {
    let first = r.u8()?;
    if first < 0x80 {
        return Ok(usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return Err(CredSspError::BadLength(first));
    }
    let mut len = 0usize;
    for &b in r.take(n)? {
        len = (len << 8) | usize::from(b);
    }
    Ok(len)
}

fn expect<'a>(r: &mut Reader<'a>, tag: u8, what: &'static str) -> Result<Reader<'a>, CredSspError> {
    let found = read_tag(r)?;
    if found != tag {
        return Err(CredSspError::UnexpectedTag {
            found,
            expected: what,
        });
    }
    let len = read_length(r)?;
    r.sub(len)
}

/// An INTEGER as its low 32 bits in two's complement (NTSTATUS values arrive either as 4-octet
/// negative numbers or as 5-octet positive ones).
fn integer(mut content: Reader<'_>) -> Result<u32, CredSspError> {
    let bytes = content.rest();
    if bytes.is_empty() || bytes.len() > 8 {
        return Err(CredSspError::BadInteger(bytes.len()));
    }
    let negative = bytes[0] & 0x80 != 0;
    let init: i64 = if negative { -1 } else { 0 };
    let value = bytes.iter().fold(init, |acc, &b| (acc << 8) | i64::from(b));
    Ok(value as u32)
}

/// Total length of the DER element at the start of `buf` once its header is complete
/// (`Ok(None)` before that). Lets a driver read exactly one TSRequest.
pub fn element_len(buf: &[u8]) -> Result<Option<usize>, CredSspError> {
    let mut r = Reader::new(buf);
    let header = (|| {
        read_tag(&mut r)?;
        read_length(&mut r)
    })();
    match header {
        Ok(len) => Ok(Some((buf.len() - r.remaining()).saturating_add(len))),
        Err(CredSspError::Truncated { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl TsRequest {
    pub fn decode(buf: &[u8]) -> Result<Self, CredSspError> {
        let mut outer = Reader::new(buf);
        let mut seq = expect(&mut outer, 0x30, "TSRequest (SEQUENCE)")?;
        let mut out = TsRequest::default();
        let mut version = None;
        while !seq.is_empty() {
            let tag = read_tag(&mut seq)?;
            let len = read_length(&mut seq)?;
            let mut field = seq.sub(len)?;
            match tag {
                0xa0 => version = Some(integer(expect(&mut field, 0x02, "version")?)?),
                0xa1 => {
                    let mut list = expect(&mut field, 0x30, "NegoData (SEQUENCE OF)")?;
                    while !list.is_empty() {
                        let mut item = expect(&mut list, 0x30, "NegoData item (SEQUENCE)")?;
                        let mut token = expect(&mut item, 0xa0, "negoToken [0]")?;
                        let mut octets = expect(&mut token, 0x04, "negoToken (OCTET STRING)")?;
                        out.nego_tokens.push(octets.rest().to_vec());
                    }
                }
                0xa2 => out.has_auth_info = true,
                0xa3 => out.has_pub_key_auth = true,
                0xa4 => out.error_code = Some(integer(expect(&mut field, 0x02, "errorCode")?)?),
                // clientNonce and anything newer: not needed.
                _ => {}
            }
        }
        out.version = version.ok_or(CredSspError::NoVersion)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nego_request_layout() {
        let token = super::super::ntlm::negotiate_message();
        let req = encode_nego_request(&token);
        // Hand-checked against [MS-CSSP] 2.2.1: 30 37 a0 03 02 01 06 a1 30 30 2e 30 2c a0 2a 04 28 <40 bytes>
        assert_eq!(
            &req[..17],
            &[
                0x30, 0x37, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa1, 0x30, 0x30, 0x2e, 0x30, 0x2c, 0xa0,
                0x2a, 0x04, 0x28
            ]
        );
        assert_eq!(&req[17..], &token[..]);
        assert_eq!(element_len(&req).unwrap(), Some(req.len()));
        let back = TsRequest::decode(&req).unwrap();
        assert_eq!(back.version, 6);
        assert_eq!(back.nego_tokens, vec![token]);
    }

    #[test]
    fn server_challenge_with_long_lengths() {
        // A server answer: version 6, a 300-byte token (two-octet long-form lengths), and an
        // errorCode 0xC000006D sent as a 5-octet positive INTEGER.
        let token = vec![0x5a; 300];
        let mut body = der(0xa0, &der(0x02, &[0x06]));
        body.extend(der(
            0xa1,
            &der(0x30, &der(0x30, &der(0xa0, &der(0x04, &token)))),
        ));
        body.extend(der(0xa4, &der(0x02, &[0x00, 0xc0, 0x00, 0x00, 0x6d])));
        body.extend(der(0xa5, &der(0x04, &[1; 32])));
        let msg = der(0x30, &body);
        assert_eq!(&msg[..2], &[0x30, 0x82]);
        let req = TsRequest::decode(&msg).unwrap();
        assert_eq!(req.version, 6);
        assert_eq!(req.nego_tokens, vec![token]);
        assert_eq!(req.error_code, Some(0xc000_006d));
        assert!(!req.has_auth_info && !req.has_pub_key_auth);
        // The same status as a negative 4-octet INTEGER.
        let neg = der(
            0x30,
            &[
                der(0xa0, &der(0x02, &[0x02])),
                der(0xa4, &der(0x02, &[0xc0, 0x00, 0x00, 0x6d])),
            ]
            .concat(),
        );
        assert_eq!(
            TsRequest::decode(&neg).unwrap().error_code,
            Some(0xc000_006d)
        );
        assert_eq!(element_len(&msg[..1]).unwrap(), None);
        assert_eq!(element_len(&msg[..3]).unwrap(), None);
        assert_eq!(element_len(&msg[..4]).unwrap(), Some(msg.len()));
    }

    #[test]
    fn malformed_requests_are_errors() {
        let req = encode_nego_request(b"NTLMSSP\0xyz");
        for cut in 0..req.len() {
            assert!(TsRequest::decode(&req[..cut]).is_err(), "cut {cut}");
        }
        assert_eq!(
            TsRequest::decode(&der(0x30, &[])),
            Err(CredSspError::NoVersion)
        );
        assert!(matches!(
            TsRequest::decode(b"\x16\x03\x01"),
            Err(CredSspError::UnexpectedTag { found: 0x16, .. })
        ));
        assert_eq!(
            TsRequest::decode(&[0x30, 0x85, 1, 1, 1, 1, 1]),
            Err(CredSspError::BadLength(0x85))
        );
        assert!(element_len(&[0x1f, 0x00]).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let base = encode_nego_request(&super::super::ntlm::negotiate_message());
        let mut state = 0x1357_9bdf_u32;
        for _ in 0..4000 {
            let mut bytes = base.clone();
            for _ in 0..3 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let at = (state >> 8) as usize % bytes.len();
                bytes[at] = (state >> 24) as u8;
            }
            let _ = TsRequest::decode(&bytes);
            let _ = element_len(&bytes);
        }
    }
}
