//! OpenSSH's sshd with a chosen algorithm configuration on a free port of 127.0.0.1, for the
//! SSH audit tests. Host keys are made by ssh-keygen at test time in the server's temp dir.
//!
//! The server's own truth to compare against is `sshd -T -f CONFIG` (the effective
//! configuration: `kexalgorithms`, `ciphers`, `macs`, `hostkeyalgorithms`), and
//! `ssh-keygen -lf KEY.pub` for each host key.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{find_binary, lab_dir, run_tool, start_process, Probe, Server};

/// The lab's sshd configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshdProfile {
    /// Post-quantum hybrid and X25519 key exchange, two AEAD ciphers, one EtM MAC, an ed25519
    /// host key, public-key authentication only.
    Hardened,
    /// OpenSSH 9.2's defaults plus what it still accepts of the old algorithms (SHA-1 DH groups,
    /// CBC ciphers, SHA-1/MD5 MACs, `ssh-rsa` signatures), an RSA-2048 host key, passwords and
    /// keyboard-interactive on.
    Legacy,
    /// OpenSSH's defaults with two host keys (ed25519 and RSA-2048): the audit needs its second
    /// connection for the second key.
    TwoKeys,
}

/// The `sshd_config` lines that make each profile (besides port, keys and the lab basics).
pub fn profile_lines(profile: SshdProfile) -> &'static str {
    match profile {
        SshdProfile::Hardened => {
            "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\n\
             Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com\n\
             MACs hmac-sha2-256-etm@openssh.com\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n"
        }
        SshdProfile::Legacy => {
            "KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1\n\
             Ciphers +aes128-cbc,3des-cbc\n\
             MACs +hmac-sha1,hmac-md5\n\
             HostKeyAlgorithms +ssh-rsa\n\
             PasswordAuthentication yes\n\
             KbdInteractiveAuthentication yes\n"
        }
        SshdProfile::TwoKeys => "PasswordAuthentication no\nKbdInteractiveAuthentication no\n",
    }
}

/// A running lab sshd and what it was made from.
pub struct Sshd {
    pub server: Server,
    pub config: PathBuf,
    /// The public halves of the host keys, in the order of the HostKey lines.
    pub host_key_pubs: Vec<PathBuf>,
}

/// `(type, ssh-keygen arguments)` of each host key of a profile.
fn host_keys(profile: SshdProfile) -> &'static [(&'static str, &'static [&'static str])] {
    match profile {
        SshdProfile::Hardened => &[("ed25519", &["-t", "ed25519"])],
        SshdProfile::Legacy => &[("rsa", &["-t", "rsa", "-b", "2048"])],
        SshdProfile::TwoKeys => &[
            ("ed25519", &["-t", "ed25519"]),
            ("rsa", &["-t", "rsa", "-b", "2048"]),
        ],
    }
}

/// Starts sshd with `profile`.
pub fn sshd(profile: SshdProfile) -> Sshd {
    let sshd = find_binary("sshd", "openssh-server");
    let keygen = find_binary("ssh-keygen", "openssh-client");
    // sshd refuses to start without its privilege separation directory.
    let privsep = Path::new("/run/sshd");
    if !privsep.is_dir() {
        fs::create_dir_all(privsep).unwrap_or_else(|e| {
            panic!("sshd needs /run/sshd and it could not be created ({e}): run the tests as root")
        });
        let _ = fs::set_permissions(privsep, fs::Permissions::from_mode(0o755));
    }
    let dir = lab_dir(&format!("sshd-{profile:?}").to_lowercase());
    let mut keys = Vec::new();
    for (name, args) in host_keys(profile) {
        let key = dir.path().join(format!("ssh_host_{name}_key"));
        run_tool(
            Command::new(&keygen)
                .args(["-q", "-N", "", "-C", "edgeaudit-lab"])
                .args(*args)
                .arg("-f")
                .arg(&key),
            "ssh-keygen",
        );
        keys.push(key);
    }
    let config = dir.path().join("sshd_config");
    let host_key_pubs = keys.iter().map(|k| k.with_extension("pub")).collect();
    let key_lines: String = keys
        .iter()
        .map(|k| format!("HostKey {}\n", k.display()))
        .collect();
    let config_path = config.clone();
    let server = start_process(
        &format!("sshd-{profile:?}"),
        dir,
        Probe::Tcp,
        move |_dir, port| {
            fs::write(
                &config_path,
                format!(
                    "# edgeaudit test lab ({profile:?})\n\
                     Port {port}\n\
                     ListenAddress 127.0.0.1\n\
                     {key_lines}\
                     PidFile none\n\
                     UsePAM no\n\
                     PubkeyAuthentication yes\n\
                     AuthorizedKeysFile none\n\
                     PermitRootLogin no\n\
                     StrictModes no\n\
                     LoginGraceTime 20\n\
                     LogLevel ERROR\n\
                     {lines}",
                    lines = profile_lines(profile)
                ),
            )
            .expect("write sshd_config");
            let mut cmd = Command::new(&sshd);
            cmd.arg("-D").arg("-e").arg("-f").arg(&config_path);
            cmd
        },
    );
    Sshd {
        server,
        config,
        host_key_pubs,
    }
}

/// `sshd -T -f CONFIG`: the effective configuration, keyword (lower case) → value.
pub fn sshd_t(config: &Path) -> BTreeMap<String, String> {
    let sshd = find_binary("sshd", "openssh-server");
    let out = Command::new(sshd)
        .arg("-T")
        .arg("-f")
        .arg(config)
        .stdin(Stdio::null())
        .output()
        .expect("run sshd -T");
    assert!(
        out.status.success(),
        "sshd -T failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `sshd -T`'s value of `keyword` as a list.
pub fn sshd_t_list(config: &Path, keyword: &str) -> Vec<String> {
    sshd_t(config)
        .get(keyword)
        .unwrap_or_else(|| panic!("sshd -T printed no {keyword}"))
        .split(',')
        .map(str::to_string)
        .collect()
}

/// `ssh-keygen -lf PUB`: (bits, `SHA256:…`, type in brackets such as `ED25519`).
pub fn keygen_fingerprint(public_key: &Path) -> (u32, String, String) {
    let keygen = find_binary("ssh-keygen", "openssh-client");
    let out = Command::new(keygen)
        .args(["-E", "sha256", "-lf"])
        .arg(public_key)
        .output()
        .expect("run ssh-keygen -lf");
    assert!(out.status.success(), "ssh-keygen -lf failed");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let fields: Vec<&str> = text.split_whitespace().collect();
    (
        fields[0].parse().expect("bits"),
        fields[1].to_string(),
        fields
            .last()
            .unwrap()
            .trim_matches(|c| c == '(' || c == ')')
            .to_string(),
    )
}
