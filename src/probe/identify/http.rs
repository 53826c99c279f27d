//! HTTP/1.1 identification: the one request we send and pure parsers for the answer
//! (RFC 9112 §4 status line, §5 fields; HTML `<title>`).

use std::net::IpAddr;

use crate::observation::HttpIdentification;

use super::wire_text;

/// Most bytes of a response read (head and the start of the body).
pub const MAX_RESPONSE: usize = 16 * 1024;
/// Longest header value kept.
pub const MAX_FIELD: usize = 512;
/// Longest `Strict-Transport-Security` value kept, in characters.
pub const MAX_HSTS: usize = 256;
/// Longest title kept, in characters.
pub const MAX_TITLE: usize = 256;
/// Most header lines looked at.
pub const MAX_HEADERS: usize = 100;

/// The `Host` field: the name the user gave when there is one, else the address (IPv6 in
/// brackets, RFC 9110 §7.2 / RFC 3986 §3.2.2); the port is added unless it is the scheme's default.
pub fn host_header(hostname: Option<&str>, address: IpAddr, port: u16, tls: bool) -> String {
    let host = match (hostname, address) {
        (Some(name), _) if !name.is_empty() => name.trim_end_matches('.').to_string(),
        (_, IpAddr::V6(v6)) => format!("[{v6}]"),
        (_, IpAddr::V4(v4)) => v4.to_string(),
    };
    let default = if tls { 443 } else { 80 };
    if port == default {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// `GET / HTTP/1.1` with `Host`, `User-Agent: edgeaudit/<version>`, `Accept` and
/// `Connection: close`. Nothing else: no cookies, no credentials.
pub fn build_request(host: &str) -> Vec<u8> {
    // A Host value never contains CR or LF here (a DNS name or an address), but make sure.
    let host: String = host.chars().filter(|c| !c.is_control()).collect();
    format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: edgeaudit/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// Where the head ends: index just past the empty line (CRLF CRLF, or LF LF from sloppy servers).
fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = find(bytes, b"\r\n\r\n").map(|i| i + 4);
    let lf = find(bytes, b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// RFC 9112 §4: `HTTP-version SP status-code SP [reason-phrase]`. Returns the status code.
pub fn parse_status_line(bytes: &[u8]) -> Option<u16> {
    let line = bytes.split(|&b| b == b'\n').next()?;
    let rest = line.strip_prefix(b"HTTP/")?;
    // HTTP-version = "HTTP/" DIGIT "." DIGIT (also accept a bare major version, as HTTP/2 text).
    let sp = rest.iter().position(|&b| b == b' ')?;
    let version = &rest[..sp];
    if version.is_empty()
        || version.len() > 3
        || !version.iter().all(|b| b.is_ascii_digit() || *b == b'.')
    {
        return None;
    }
    let code = rest.get(sp + 1..sp + 4)?;
    if !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    match rest.get(sp + 4) {
        None | Some(b' ') | Some(b'\r') => {}
        Some(_) => return None,
    }
    let code = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    (100..=999).contains(&code).then_some(code)
}

/// Header fields of the head (complete lines only), names lower-cased, values trimmed.
fn header_fields(bytes: &[u8]) -> impl Iterator<Item = (String, &[u8])> {
    let head = &bytes[..head_end(bytes).unwrap_or(bytes.len())];
    head.split_inclusive(|&b| b == b'\n')
        .skip(1)
        .take(MAX_HEADERS)
        .filter(|line| line.ends_with(b"\n"))
        .filter_map(|line| {
            // Obsolete line folding (a line starting with whitespace) is ignored, not joined.
            if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                return None;
            }
            let colon = line.iter().position(|&b| b == b':')?;
            let name = &line[..colon];
            if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
                return None;
            }
            let value = line[colon + 1..].trim_ascii();
            Some((String::from_utf8_lossy(name).to_ascii_lowercase(), value))
        })
}

/// Status code, `Server`, `WWW-Authenticate` (all of them, joined with `, `), `Location` and
/// `Strict-Transport-Security` (the first one, RFC 6797 §8.1) from a response head. Needs only the status line; header lines are read as far as they are whole.
pub fn parse_http_response_head(bytes: &[u8]) -> Option<HttpIdentification> {
    let status_code = parse_status_line(bytes)?;
    let mut id = HttpIdentification {
        status_code,
        server: None,
        title: None,
        www_authenticate: None,
        location: None,
        strict_transport_security: None,
    };
    for (name, value) in header_fields(bytes) {
        let value = wire_text(value, MAX_FIELD);
        match name.as_str() {
            "server" if id.server.is_none() => id.server = Some(value),
            "location" if id.location.is_none() => id.location = Some(value),
            "strict-transport-security" if id.strict_transport_security.is_none() => {
                id.strict_transport_security = Some(value.chars().take(MAX_HSTS).collect())
            }
            "www-authenticate" => {
                id.www_authenticate = Some(match id.www_authenticate.take() {
                    None => value,
                    Some(prev) => wire_text(format!("{prev}, {value}").as_bytes(), MAX_FIELD),
                })
            }
            _ => {}
        }
    }
    Some(id)
}

/// [`parse_http_response_head`] plus the HTML `<title>` from whatever part of the body was read.
pub fn parse_http_response(bytes: &[u8]) -> Option<HttpIdentification> {
    let mut id = parse_http_response_head(bytes)?;
    if let Some(end) = head_end(bytes) {
        id.title = extract_html_title(&bytes[end..]);
    }
    Some(id)
}

/// The text of the first `<title>…</title>` (tag names case-insensitive), entities decoded
/// (the five XML ones, `&nbsp;` and numeric references), whitespace collapsed, cut to
/// [`MAX_TITLE`] characters. `None` when absent, unterminated or empty.
pub fn extract_html_title(body: &[u8]) -> Option<String> {
    let mut from = 0;
    let start = loop {
        let at = from + find_ci(&body[from..], b"<title")?;
        let after = at + b"<title".len();
        match body.get(after) {
            Some(b'>') | Some(b' ') | Some(b'\t') | Some(b'\r') | Some(b'\n') | Some(b'/') => {
                let close = after + body[after..].iter().position(|&b| b == b'>')?;
                break close + 1;
            }
            Some(_) => from = after,
            None => return None,
        }
    };
    let len = find_ci(&body[start..], b"</title")?;
    let raw = &body[start..start + len];
    let text = decode_entities(&wire_text(raw, MAX_TITLE * 8));
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let title: String = collapsed.chars().take(MAX_TITLE).collect();
    (!title.is_empty()).then_some(title)
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.get(1..).and_then(|r| {
            let semi = r.find(';').filter(|&i| i <= 10)?;
            let name = &r[..semi];
            let ch = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse::<u32>().ok()?,
                    };
                    char::from_u32(code).filter(|c| !c.is_control())?
                }
            };
            Some((ch, semi + 2))
        });
        match decoded {
            Some((ch, used)) => {
                out.push(ch);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// True when reading more cannot add to what [`parse_http_response`] reports: the head is whole
/// and the body is known to be over (no body for 1xx/204/304, `Content-Length` reached, the last
/// chunk of a chunked body) or the title has been read.
pub fn response_is_complete(bytes: &[u8]) -> bool {
    // An answer that cannot be HTTP is as complete as it will get.
    let n = bytes.len().min(5);
    if bytes[..n] != b"HTTP/"[..n] {
        return true;
    }
    let Some(end) = head_end(bytes) else {
        return false;
    };
    let Some(code) = parse_status_line(bytes) else {
        // Not HTTP at all: nothing more to wait for.
        return true;
    };
    if (100..200).contains(&code) || code == 204 || code == 304 {
        return true;
    }
    let body = &bytes[end..];
    if find_ci(body, b"</title").is_some() {
        return true;
    }
    for (name, value) in header_fields(bytes) {
        match name.as_str() {
            "content-length" => {
                if let Some(n) = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                {
                    return body.len() >= n;
                }
            }
            "transfer-encoding" if find_ci(value, b"chunked").is_some() => {
                return body.starts_with(b"0\r\n") || find(body, b"\r\n0\r\n").is_some();
            }
            _ => {}
        }
    }
    false
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX_200: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0 (Ubuntu)\r\nContent-Type: text/html\r\n\
Content-Length: 79\r\nConnection: close\r\n\r\n<!DOCTYPE html>\n<html><head><TITLE>\n Welcome  to &amp; nginx!</title></head></html>";

    #[test]
    fn request_has_host_agent_and_close() {
        let req = String::from_utf8(build_request("example.jp:8080")).unwrap();
        assert!(req.starts_with("GET / HTTP/1.1\r\nHost: example.jp:8080\r\n"));
        assert!(req.contains(&format!(
            "User-Agent: edgeaudit/{}\r\n",
            env!("CARGO_PKG_VERSION")
        )));
        assert!(req.ends_with("Connection: close\r\n\r\n"));
        assert!(!String::from_utf8(build_request("a\r\nX-Evil: 1"))
            .unwrap()
            .contains("\r\nX-Evil"));
    }

    #[test]
    fn host_header_forms() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(host_header(None, v4, 80, false), "192.0.2.1");
        assert_eq!(host_header(None, v4, 8080, false), "192.0.2.1:8080");
        assert_eq!(host_header(None, v6, 443, true), "[2001:db8::1]");
        assert_eq!(host_header(None, v6, 80, true), "[2001:db8::1]:80");
        assert_eq!(
            host_header(Some("vpn.example.jp."), v4, 443, true),
            "vpn.example.jp"
        );
    }

    #[test]
    fn nginx_response() {
        let id = parse_http_response(NGINX_200).unwrap();
        assert_eq!(id.status_code, 200);
        assert_eq!(id.server.as_deref(), Some("nginx/1.24.0 (Ubuntu)"));
        assert_eq!(id.title.as_deref(), Some("Welcome to & nginx!"));
        assert_eq!(id.www_authenticate, None);
        assert!(response_is_complete(NGINX_200));
    }

    #[test]
    fn auth_and_redirect_headers() {
        let r = b"HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\n\
Server: Microsoft-HTTPAPI/2.0\r\nLocation: /owa/\r\n\r\n";
        let id = parse_http_response_head(r).unwrap();
        assert_eq!(id.status_code, 401);
        assert_eq!(id.www_authenticate.as_deref(), Some("Negotiate, NTLM"));
        assert_eq!(id.location.as_deref(), Some("/owa/"));
        assert_eq!(id.server.as_deref(), Some("Microsoft-HTTPAPI/2.0"));
    }

    #[test]
    fn strict_transport_security_is_recorded_raw() {
        let r = b"HTTP/1.1 200 OK\r\nstrict-TRANSPORT-security: max-age=\"31536000\"; includeSubDomains\r\n\
Strict-Transport-Security: max-age=0\r\n\r\n";
        let id = parse_http_response_head(r).unwrap();
        // Only the first field counts (RFC 6797 §8.1).
        assert_eq!(
            id.strict_transport_security.as_deref(),
            Some("max-age=\"31536000\"; includeSubDomains")
        );
        let id = parse_http_response(NGINX_200).unwrap();
        assert_eq!(id.strict_transport_security, None);
        let mut long = b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=1;".to_vec();
        long.extend(std::iter::repeat_n(b'x', 10_000));
        long.extend_from_slice(b"\r\n\r\n");
        let value = parse_http_response_head(&long)
            .unwrap()
            .strict_transport_security
            .unwrap();
        assert_eq!(value.chars().count(), MAX_HSTS);
        assert!(value.starts_with("max-age=1;"));
        // A field cut off by the end of what was read is not recorded.
        let id = parse_http_response_head(b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-a")
            .unwrap();
        assert_eq!(id.strict_transport_security, None);
    }

    #[test]
    fn plain_http_answer_to_a_tls_client_hello() {
        let r = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n\r\n\
<html><head><title>400 The plain HTTP request was sent to HTTPS port</title>";
        let id = parse_http_response(r).unwrap();
        assert_eq!(id.status_code, 400);
        assert_eq!(
            id.title.as_deref(),
            Some("400 The plain HTTP request was sent to HTTPS port")
        );
    }

    #[test]
    fn truncated_heads() {
        assert_eq!(parse_http_response_head(b""), None);
        assert_eq!(parse_http_response_head(b"HTTP/1.1"), None);
        assert_eq!(parse_http_response_head(b"HTTP/1.1 2"), None);
        let id = parse_http_response_head(b"HTTP/1.1 302 Found\r\nLocation: /a\r\nServ").unwrap();
        assert_eq!(id.status_code, 302);
        assert_eq!(id.location.as_deref(), Some("/a"));
        assert_eq!(id.server, None);
        assert!(!response_is_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc"
        ));
        assert!(response_is_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde"
        ));
        assert!(response_is_complete(b"HTTP/1.1 304 Not Modified\r\n\r\n"));
        assert!(response_is_complete(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        ));
        assert!(!response_is_complete(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
        ));
        assert!(!response_is_complete(b"HTT"));
        assert!(response_is_complete(b"\x15\x03\x01\x00\x02\x02\x28"));
        assert!(response_is_complete(b"SSH-2.0-x\r\n"));
    }

    #[test]
    fn garbage_is_not_http() {
        for g in [
            &b"SSH-2.0-OpenSSH\r\n"[..],
            b"\x15\x03\x01\x00\x02\x02\x28",
            b"HTTP/1.1 abc OK\r\n\r\n",
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/x.y 200 OK\r\n",
            b"HTTP/1.1 099 Low\r\n",
            b"http/1.1 200 OK\r\n",
        ] {
            assert_eq!(parse_http_response(g), None, "{g:?}");
        }
    }

    #[test]
    fn titles() {
        assert_eq!(
            extract_html_title(b"<title>a</title>").as_deref(),
            Some("a")
        );
        assert_eq!(
            extract_html_title(b"<titlebar>x</titlebar><title lang=ja>b</TITLE>").as_deref(),
            Some("b")
        );
        assert_eq!(extract_html_title(b"<title>unterminated"), None);
        assert_eq!(extract_html_title(b"<title>   </title>"), None);
        assert_eq!(extract_html_title(b"<title"), None);
        assert_eq!(
            extract_html_title(
                "<title>ログイン &#x2013; &#8212;&lt;x&gt; &bogus; &</title>".as_bytes()
            )
            .as_deref(),
            Some("ログイン – —<x> &bogus; &")
        );
        assert_eq!(
            extract_html_title(b"<title>&#0;&#x110000;&#99999999999;</title>").as_deref(),
            Some("&#0;&#x110000;&#99999999999;")
        );
        assert_eq!(
            extract_html_title(b"<title>\xff\xfe</title>").as_deref(),
            Some("\\xff\\xfe")
        );
        let long = format!("<title>{}</title>", "x".repeat(10_000));
        assert_eq!(
            extract_html_title(long.as_bytes()).unwrap().chars().count(),
            MAX_TITLE
        );
    }

    #[test]
    fn oversized_header_values_are_cut() {
        let mut r = b"HTTP/1.0 200 OK\r\nServer: ".to_vec();
        r.extend(std::iter::repeat_n(b'x', 10_000));
        r.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            parse_http_response(&r).unwrap().server.unwrap().len(),
            MAX_FIELD
        );
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let mut state = 99u32;
        let seed = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n<title>&#x41;</title>";
        for len in 0..seed.len() + 20 {
            for _ in 0..32 {
                let bytes: Vec<u8> = (0..len)
                    .map(|i| {
                        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        if state & 3 != 0 && i < seed.len() {
                            seed[i]
                        } else {
                            (state >> 24) as u8
                        }
                    })
                    .collect();
                let _ = parse_http_response(&bytes);
                let _ = response_is_complete(&bytes);
                let _ = extract_html_title(&bytes);
            }
        }
    }
}
