#!/usr/bin/env bash
# The project's test command: bash scripts/test.sh
#
# 1. Makes sure the servers and tools the end-to-end tests use are installed (OpenSSH, nginx,
#    dnsmasq, openssl, GnuTLS, xrdp, FreeRDP, tshark…); as root it installs the missing ones from Debian's packages without
#    letting their post-install scripts start system daemons.
# 2. cargo fmt --check, 3. cargo clippy -D warnings, 4. the fuzz targets build, 5. cargo test --all-targets.
#
# The end-to-end tests start and stop their own servers (tests/harness/mod.rs); nothing here
# starts a service. They only ever talk to 127.0.0.0/8 and ::1.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# binary (absolute path) and the Debian package that provides it
lab_binaries=(
  "/usr/sbin/sshd openssh-server"
  "/usr/bin/ssh-keygen openssh-client"
  "/usr/sbin/nginx nginx-light"
  "/usr/sbin/dnsmasq dnsmasq-base"
  "/usr/bin/openssl openssl"
  "/usr/sbin/nft nftables"
  "/usr/sbin/ip iproute2"
  "/usr/bin/gnutls-serv gnutls-bin"
  "/usr/sbin/update-ca-certificates ca-certificates"
  "/usr/sbin/xrdp xrdp"
  "/usr/bin/freerdp-shadow-cli freerdp2-shadow-x11"
  "/usr/bin/Xvfb xvfb"
  "/usr/bin/tshark tshark"
  "/usr/bin/Xvnc tigervnc-standalone-server"
  "/usr/sbin/smbd samba"
  "/usr/sbin/snmpd snmpd"
  "/usr/sbin/swanctl strongswan-swanctl"
  "/usr/lib/ipsec/charon strongswan-charon"
  "/usr/lib/ipsec/plugins/libstrongswan-openssl.so libstrongswan-standard-plugins"
  "/usr/sbin/openvpn openvpn"
  "/usr/sbin/pptpd pptpd"
  "/usr/sbin/xl2tpd xl2tpd"
  "/usr/sbin/minissdpd minissdpd"
)

missing_packages() {
  local entry bin pkg
  for entry in "${lab_binaries[@]}"; do
    read -r bin pkg <<<"$entry"
    if [ ! -e "$bin" ] && ! command -v "$(basename "$bin")" >/dev/null 2>&1; then
      printf '%s\n' "$pkg"
    fi
  done | sort -u
}

policy_backup=""
restore_policy() {
  if [ -n "$policy_backup" ]; then
    mv -f "$policy_backup" /usr/sbin/policy-rc.d
  else
    rm -f /usr/sbin/policy-rc.d
  fi
}

step "lab servers and tools (sshd, nginx, dnsmasq, openssl, gnutls-serv, nftables, iproute2, ca-certificates, xrdp, FreeRDP shadow + Xvfb, tshark, TigerVNC, Samba, snmpd, strongSwan, OpenVPN, pptpd, xl2tpd, minissdpd)"
mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "all present"
else
  echo "missing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Install them first (as root):" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  # Keep the packages' post-install scripts from starting sshd or nginx as system daemons
  # (policy-rc.d exit 101 = "action forbidden"); the previous policy is put back afterwards.
  if [ -e /usr/sbin/policy-rc.d ]; then
    policy_backup=$(mktemp /usr/sbin/policy-rc.d.edgeaudit.XXXXXX)
    cp -p /usr/sbin/policy-rc.d "$policy_backup"
  fi
  trap restore_policy EXIT
  printf '#!/bin/sh\n# written by edgeaudit scripts/test.sh while installing test servers\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  restore_policy
  trap - EXIT
  mapfile -t still < <(missing_packages)
  if [ "${#still[@]}" -ne 0 ]; then
    echo "still missing after apt-get install: ${still[*]}" >&2
    exit 1
  fi
fi

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "fuzz targets build (cargo check --manifest-path fuzz/Cargo.toml)"
cargo check --manifest-path fuzz/Cargo.toml --bins

step "cargo test --all-targets"
cargo test --all-targets
