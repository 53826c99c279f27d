//! Server-first banners: pure parsers over the bytes a server sends before the client speaks.
//!
//! Recognised: SSH (RFC 4253 §4.2), VNC (RFB 6.1.1), telnet option negotiation (RFC 854), and the
//! `220` greeting of FTP (RFC 959 §4.2) and SMTP (RFC 5321 §4.2). Everything else is left to the
//! caller, which keeps the bytes as evidence.

use crate::observation::{ServiceKind, SshIdentification, VncIdentification};

use super::wire_text;

/// Longest identification line RFC 4253 §4.2 allows, CR LF included. Longer lines are still
/// parsed (servers break the rule), but each field is cut to this length.
pub const SSH_MAX_LINE: usize = 255;

/// Telnet `IAC` and the option-negotiation commands that follow it (RFC 854, "TELNET COMMAND
/// STRUCTURE"): WILL 251, WONT 252, DO 253, DONT 254.
pub const TELNET_IAC: u8 = 0xFF;
pub const TELNET_WILL: u8 = 0xFB;
pub const TELNET_WONT: u8 = 0xFC;
pub const TELNET_DO: u8 = 0xFD;
pub const TELNET_DONT: u8 = 0xFE;

/// What a banner told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BannerMatch {
    pub kind: ServiceKind,
    pub ssh: Option<SshIdentification>,
    pub vnc: Option<VncIdentification>,
}

impl BannerMatch {
    fn kind(kind: ServiceKind) -> Self {
        BannerMatch {
            kind,
            ssh: None,
            vnc: None,
        }
    }
}

/// Names a server-first banner. `port` only breaks ties for `220` greetings that name neither
/// FTP nor SMTP (port 21 → FTP; 25, 587, 2525 → SMTP).
pub fn parse_banner(bytes: &[u8], port: u16) -> Option<BannerMatch> {
    if let Some(ssh) = parse_ssh_identification(bytes) {
        return Some(BannerMatch {
            ssh: Some(ssh),
            ..BannerMatch::kind(ServiceKind::Ssh)
        });
    }
    if let Some(vnc) = parse_vnc_version(bytes) {
        return Some(BannerMatch {
            vnc: Some(vnc),
            ..BannerMatch::kind(ServiceKind::Vnc)
        });
    }
    if is_telnet_negotiation(bytes) {
        return Some(BannerMatch::kind(ServiceKind::Telnet));
    }
    parse_greeting_220(bytes, port).map(BannerMatch::kind)
}

/// True when the banner is whole and waiting longer cannot change what [`parse_banner`] says:
/// an SSH identification line ended by LF, the 12-byte RFB version, or the last line of a
/// `220`/`421` greeting (code followed by a space, ended by LF).
pub fn banner_is_complete(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"RFB ") {
        return bytes.len() >= 12;
    }
    bytes.split_inclusive(|&b| b == b'\n').any(|line| {
        line.ends_with(b"\n")
            && (line.starts_with(b"SSH-")
                || (line.len() >= 4 && line[..3].iter().all(u8::is_ascii_digit) && line[3] == b' '))
    })
}

/// RFC 4253 §4.2: `SSH-protoversion-softwareversion SP comments CR LF`.
///
/// The server may send other lines first; the first line starting with `SSH-` is used. A bare
/// LF is accepted as the line end (older servers), and so is a last line without terminator
/// (the reader stopped at its limit or deadline). `protoversion` must be digits and dots
/// (`2.0`, `1.99`, `1.5`); `softwareversion` runs to the first space and may contain `-`
/// (real servers such as `Cisco-1.25` break the rule).
pub fn parse_ssh_identification(bytes: &[u8]) -> Option<SshIdentification> {
    let line = bytes
        .split(|&b| b == b'\n')
        .find(|line| line.starts_with(b"SSH-"))?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let rest = &line[4..];
    let dash = rest.iter().position(|&b| b == b'-')?;
    let (proto, rest) = (&rest[..dash], &rest[dash + 1..]);
    if proto.is_empty()
        || proto.len() > 8
        || !proto.iter().all(|b| b.is_ascii_digit() || *b == b'.')
    {
        return None;
    }
    let (software, comments) = match rest.iter().position(|&b| b == b' ') {
        Some(sp) => (&rest[..sp], Some(&rest[sp + 1..])),
        None => (rest, None),
    };
    if software.is_empty() {
        return None;
    }
    let comments = comments
        .map(|c| wire_text(c, SSH_MAX_LINE).trim().to_string())
        .filter(|c| !c.is_empty());
    Some(SshIdentification {
        protocol_version: String::from_utf8_lossy(proto).into_owned(),
        software: wire_text(software, SSH_MAX_LINE),
        comments,
    })
}

/// RFB 6.1.1: `RFB xxx.yyy\n`, exactly 12 bytes. The version is kept as written (`003.008`).
pub fn parse_vnc_version(bytes: &[u8]) -> Option<VncIdentification> {
    let v = bytes.get(..12)?;
    let ok = v.starts_with(b"RFB ")
        && v[4..7].iter().all(u8::is_ascii_digit)
        && v[7] == b'.'
        && v[8..11].iter().all(u8::is_ascii_digit)
        && v[11] == b'\n';
    ok.then(|| VncIdentification {
        protocol_version: String::from_utf8_lossy(&v[4..11]).into_owned(),
    })
}

/// RFC 854: the server opens with `IAC` followed by WILL, WONT, DO or DONT.
pub fn is_telnet_negotiation(bytes: &[u8]) -> bool {
    matches!(bytes, [TELNET_IAC, TELNET_WILL..=TELNET_DONT, ..])
}

/// FTP (RFC 959 §4.2) and SMTP (RFC 5321 §4.2) greet with reply code 220 (or 421 when refusing
/// service), `-` on every line but the last. SMTP when the greeting says `SMTP` (also matches
/// `ESMTP`), FTP when it says `FTP`, otherwise decided by the port.
pub fn parse_greeting_220(bytes: &[u8], port: u16) -> Option<ServiceKind> {
    let code = bytes.get(..4)?;
    if !(code.starts_with(b"220") || code.starts_with(b"421"))
        || !(code[3] == b' ' || code[3] == b'-')
    {
        return None;
    }
    // Look at the greeting's first few lines only.
    let text = &bytes[..bytes.len().min(1024)];
    let upper: Vec<u8> = text.to_ascii_uppercase();
    let says = |word: &[u8]| upper.windows(word.len()).any(|w| w == word);
    if says(b"SMTP") {
        Some(ServiceKind::Smtp)
    } else if says(b"FTP") {
        Some(ServiceKind::Ftp)
    } else {
        match port {
            21 => Some(ServiceKind::Ftp),
            25 | 587 | 2525 => Some(ServiceKind::Smtp),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssh_identification() {
        let id = parse_ssh_identification(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n").unwrap();
        assert_eq!(id.protocol_version, "2.0");
        assert_eq!(id.software, "OpenSSH_9.6p1");
        assert_eq!(id.comments.as_deref(), Some("Ubuntu-3ubuntu13.5"));
    }

    #[test]
    fn ssh_without_comments_and_with_bare_lf() {
        let id = parse_ssh_identification(b"SSH-1.99-Cisco-1.25\n").unwrap();
        assert_eq!(id.protocol_version, "1.99");
        assert_eq!(id.software, "Cisco-1.25");
        assert_eq!(id.comments, None);
    }

    #[test]
    fn ssh_after_other_lines() {
        let id = parse_ssh_identification(
            b"Welcome\r\nauthorised use only\r\nSSH-2.0-dropbear_2022.83\r\n",
        )
        .unwrap();
        assert_eq!(id.software, "dropbear_2022.83");
    }

    #[test]
    fn ssh_truncated_and_garbage() {
        assert_eq!(parse_ssh_identification(b""), None);
        assert_eq!(parse_ssh_identification(b"SSH-"), None);
        assert_eq!(parse_ssh_identification(b"SSH-2.0"), None);
        assert_eq!(parse_ssh_identification(b"SSH-2.0-"), None);
        assert_eq!(parse_ssh_identification(b"SSH-x.y-foo\r\n"), None);
        assert_eq!(
            parse_ssh_identification(b"HTTP/1.1 400 Bad Request\r\n"),
            None
        );
        // A line cut by the reader is still read (the driver waits for LF when it can).
        assert_eq!(
            parse_ssh_identification(b"SSH-2.0-OpenSSH_9")
                .unwrap()
                .software,
            "OpenSSH_9"
        );
    }

    #[test]
    fn ssh_oversized_and_non_utf8_fields_are_bounded_and_escaped() {
        let mut line = b"SSH-2.0-".to_vec();
        line.extend(std::iter::repeat_n(b'A', 5000));
        line.extend_from_slice(b" \xff\xfe\r\n");
        let id = parse_ssh_identification(&line).unwrap();
        assert_eq!(id.software.len(), SSH_MAX_LINE);
        assert_eq!(id.comments.as_deref(), Some("\\xff\\xfe"));
    }

    #[test]
    fn vnc_versions() {
        assert_eq!(
            parse_vnc_version(b"RFB 003.008\n")
                .unwrap()
                .protocol_version,
            "003.008"
        );
        assert_eq!(
            parse_vnc_version(b"RFB 003.889\n")
                .unwrap()
                .protocol_version,
            "003.889"
        );
        assert_eq!(parse_vnc_version(b"RFB 003.00"), None);
        assert_eq!(parse_vnc_version(b"RFB 003x008\n"), None);
        assert_eq!(parse_vnc_version(b"RFB 0a3.008\n"), None);
        assert_eq!(parse_vnc_version(b"RFB 003.008\r"), None);
    }

    #[test]
    fn telnet_negotiation() {
        assert!(is_telnet_negotiation(&[0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20]));
        assert!(is_telnet_negotiation(&[0xff, 0xfb, 0x01]));
        assert!(!is_telnet_negotiation(&[0xff]));
        assert!(!is_telnet_negotiation(&[0xff, 0xf1]));
        assert!(!is_telnet_negotiation(b"login: "));
    }

    #[test]
    fn ftp_and_smtp_greetings() {
        assert_eq!(
            parse_greeting_220(b"220 (vsFTPd 3.0.5)\r\n", 2121),
            Some(ServiceKind::Ftp)
        );
        assert_eq!(
            parse_greeting_220(b"220 Welcome\r\n", 21),
            Some(ServiceKind::Ftp)
        );
        assert_eq!(parse_greeting_220(b"220 Welcome\r\n", 2121), None);
        assert_eq!(
            parse_greeting_220(b"220 mx.example.jp ESMTP Postfix\r\n", 2525),
            Some(ServiceKind::Smtp)
        );
        assert_eq!(
            parse_greeting_220(
                b"220-mail.example.com Microsoft ESMTP MAIL Service\r\n220 ready\r\n",
                10025
            ),
            Some(ServiceKind::Smtp)
        );
        assert_eq!(
            parse_greeting_220(b"421 4.3.2 Service not available\r\n", 25),
            Some(ServiceKind::Smtp)
        );
        assert_eq!(parse_greeting_220(b"220", 21), None);
        assert_eq!(parse_greeting_220(b"2200 x", 21), None);
        assert_eq!(parse_greeting_220(b"500 no\r\n", 21), None);
    }

    #[test]
    fn parse_banner_names_each_kind() {
        assert_eq!(
            parse_banner(b"SSH-2.0-x\r\n", 1).unwrap().kind,
            ServiceKind::Ssh
        );
        assert_eq!(
            parse_banner(b"RFB 003.008\n", 1).unwrap().kind,
            ServiceKind::Vnc
        );
        assert_eq!(
            parse_banner(&[0xff, 0xfd, 0x03], 1).unwrap().kind,
            ServiceKind::Telnet
        );
        assert_eq!(
            parse_banner(b"220 ProFTPD Server\r\n", 1).unwrap().kind,
            ServiceKind::Ftp
        );
        assert_eq!(parse_banner(b"\x00\x01garbage", 22), None);
    }

    #[test]
    fn completeness() {
        assert!(banner_is_complete(b"SSH-2.0-x\r\n"));
        assert!(!banner_is_complete(b"SSH-2.0-x"));
        assert!(!banner_is_complete(b"Welcome\r\n"));
        assert!(banner_is_complete(b"RFB 003.008\n"));
        assert!(!banner_is_complete(b"RFB 003"));
        assert!(!banner_is_complete(b"220-first\r\n"));
        assert!(banner_is_complete(b"220-first\r\n220 last\r\n"));
        assert!(!banner_is_complete(&[0xff, 0xfd, 0x18]));
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let mut state = 7u32;
        for len in 0..80 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let prefix = b"SSH-2.0-220 RFB ";
                    if state & 3 == 0 && i < prefix.len() {
                        prefix[i]
                    } else {
                        (state >> 24) as u8
                    }
                })
                .collect();
            let _ = parse_banner(&bytes, 21);
            let _ = banner_is_complete(&bytes);
        }
    }
}
