//! xrdp (Debian package `xrdp`) as a lab RDP server on 127.0.0.1.
//!
//! xrdp answers the X.224 negotiation, Standard RDP Security's MCS Connect Response and TLS by
//! itself; its session manager (xrdp-sesman) is only needed after a login, which the tests never
//! attempt. Each server gets its own `xrdp.ini` and a fresh self-signed certificate (openssl CLI)
//! in a temp dir, runs in the foreground (`-n`) in its own process group with `fork=false`
//! (connections handled inside the one process), and is stopped when the [`Server`] is dropped.
//! xrdp has no CredSSP: `PROTOCOL_HYBRID` is never selected.
//!
//! Standard RDP Security uses the RSA key in `/etc/xrdp/rsakeys.ini`, a path compiled into xrdp;
//! the package installs it.

use std::fs;
use std::process::Command;

use super::{find_binary, lab_dir, run_tool, start_process, Probe, Server};

/// `security_layer` of xrdp.ini.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityLayer {
    /// Standard RDP Security only.
    Rdp,
    /// TLS only.
    Tls,
    /// TLS when the client asks for it, else Standard RDP Security.
    Negotiate,
}

impl SecurityLayer {
    pub fn ini(self) -> &'static str {
        match self {
            SecurityLayer::Rdp => "rdp",
            SecurityLayer::Tls => "tls",
            SecurityLayer::Negotiate => "negotiate",
        }
    }
}

/// `crypt_level` of xrdp.ini (Standard RDP Security's encryption level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptLevel {
    Low,
    Medium,
    High,
    Fips,
}

impl CryptLevel {
    pub fn ini(self) -> &'static str {
        match self {
            CryptLevel::Low => "low",
            CryptLevel::Medium => "medium",
            CryptLevel::High => "high",
            CryptLevel::Fips => "fips",
        }
    }
}

/// The subject CN of the certificate every lab xrdp presents.
pub const XRDP_CERT_CN: &str = "xrdp.lab.test";

/// Starts xrdp on a free port of 127.0.0.1 with `layer` and `crypt`.
pub fn xrdp(layer: SecurityLayer, crypt: CryptLevel) -> Server {
    let xrdp = find_binary("xrdp", "xrdp");
    let openssl = find_binary("openssl", "openssl");
    let name = format!("xrdp-{}-{}", layer.ini(), crypt.ini());
    let dir = lab_dir(&name);
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    run_tool(
        Command::new(&openssl)
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args([
                "-subj",
                &format!("/CN={XRDP_CERT_CN}"),
                "-addext",
                &format!("subjectAltName=DNS:{XRDP_CERT_CN}"),
                "-days",
                "2",
            ]),
        "openssl req",
    );
    start_process(&name, dir, Probe::Tcp, move |dir, port| {
        let config = dir.join("xrdp.ini");
        fs::write(
            &config,
            format!(
                "; edgeaudit test lab\n\
                 [Globals]\n\
                 ini_version=1\n\
                 fork=false\n\
                 port=tcp://127.0.0.1:{port}\n\
                 use_vsock=false\n\
                 security_layer={layer}\n\
                 crypt_level={crypt}\n\
                 certificate={cert}\n\
                 key_file={key}\n\
                 ssl_protocols=TLSv1.2, TLSv1.3\n\
                 max_bpp=32\n\
                 [Logging]\n\
                 LogFile={log}\n\
                 LogLevel=INFO\n\
                 EnableSyslog=false\n\
                 EnableConsole=true\n\
                 ConsoleLevel=INFO\n\
                 [Xorg]\n\
                 name=Xorg\n\
                 lib=libxup.so\n\
                 username=ask\n\
                 password=ask\n\
                 ip=127.0.0.1\n\
                 port=-1\n\
                 code=20\n",
                layer = layer.ini(),
                crypt = crypt.ini(),
                cert = cert.display(),
                key = key.display(),
                log = dir.join("xrdp.log").display(),
            ),
        )
        .expect("write xrdp.ini");
        let mut cmd = Command::new(&xrdp);
        cmd.arg("--nodaemon").arg("--config").arg(&config);
        cmd
    })
}
