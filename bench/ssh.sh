#!/usr/bin/env bash
# SSH algorithm audit: edgeaudit's SSH audit against ssh-audit on the same loopback sshd servers.
#
#   bash bench/ssh.sh
#
# Starts two OpenSSH sshd servers on 127.0.0.1 (the "hardened" and "legacy" configurations of
# tests/harness/sshd_config.rs), then for each one runs the edgeaudit SSH audit and ssh-audit
# (`-j`, with and without its DHEat connection-rate test) while tcpdump counts the SYNs each
# sends, and prints: connections opened, whether both saw the same algorithm lists, the host
# key fingerprints, and what only one of them reports. ssh-audit is installed from PyPI into a
# venv under /tmp. Traffic goes to 127.0.0.1 only. Needs root (tcpdump, apt when tools miss).
# SSH_BENCH_DEBUG=1 prints the SYNs tcpdump saw.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v tcpdump >/dev/null || need+=(tcpdump)
python3 -c 'import venv' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
venv=/tmp/ssh-audit-venv
[ -x "$venv/bin/ssh-audit" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q ssh-audit; }
cargo test -q --test ssh_audit --no-run 2>/dev/null

lab=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$lab"; }
trap cleanup EXIT
mkdir -p /run/sshd
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

started_port=
start_sshd() { # name keytype extra-config-lines; sets started_port (no subshell: the trap and
               # the pid list must stay in this shell)
  local name=$1 port
  port=$(free_port)
  ssh-keygen -q -N '' $2 -f "$lab/$name.key"
  printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\nUsePAM no\nAuthorizedKeysFile none\nLogLevel ERROR\n%b' \
    "$port" "$lab/$name.key" "$3" > "$lab/$name.conf"
  /usr/sbin/sshd -D -e -f "$lab/$name.conf" 2>"$lab/$name.log" &
  pids+=($!)
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  started_port=$port
}

count_syns() { # port command...: runs the command, prints the number of SYNs sent to port
  local port=$1; shift
  tcpdump -i lo -n -l "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0 and dst port $port" \
    > "$lab/syn" 2>/dev/null &
  local tp=$!
  sleep 1
  "$@" > "$lab/out" 2>/dev/null || true
  sleep 1
  kill "$tp"; wait "$tp" 2>/dev/null || true
  [ -n "${SSH_BENCH_DEBUG:-}" ] && cat "$lab/syn" >&2
  grep -c "Flags \[S\]" "$lab/syn" || true
}

start_sshd hardened "-t ed25519" 'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\nCiphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com\nMACs hmac-sha2-256-etm@openssh.com\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n'
hard=$started_port
start_sshd legacy "-t rsa -b 2048" 'KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1\nCiphers +aes128-cbc,3des-cbc\nMACs +hmac-sha1,hmac-md5\nHostKeyAlgorithms +ssh-rsa\nPasswordAuthentication yes\nKbdInteractiveAuthentication yes\n'
legacy=$started_port

for pair in "hardened:$hard" "legacy:$legacy"; do
  name=${pair%%:*}; port=${pair#*:}
  echo "== $name (127.0.0.1:$port)"
  ea_syn=$(count_syns "$port" env EDGEAUDIT_SSH_PORT="$port" cargo test -q --test ssh_audit -- --ignored --nocapture audit_port_from_env)
  grep '^EDGEAUDIT-JSON ' "$lab/out" | cut -d' ' -f2- > "$lab/ea.json"
  sa_syn=$(count_syns "$port" "$venv/bin/ssh-audit" -j -p "$port" 127.0.0.1)
  cp "$lab/out" "$lab/sa.json"
  sa_skip_syn=$(count_syns "$port" "$venv/bin/ssh-audit" --skip-rate-test -j -p "$port" 127.0.0.1)
  echo "connections: edgeaudit $ea_syn, ssh-audit $sa_syn ($sa_skip_syn with --skip-rate-test)"
  python3 - "$lab/ea.json" "$lab/sa.json" "$lab/$name.key.pub" <<'PY'
import json, subprocess, sys
ea = json.load(open(sys.argv[1])); sa = json.load(open(sys.argv[2]))
names = lambda xs: [x["algorithm"] for x in xs]
for label, ours, theirs in [("kex", ea["kex_algorithms"], names(sa["kex"])),
                            ("host key", ea["host_key_algorithms"], names(sa["key"])),
                            ("ciphers", ea["ciphers_server_to_client"], names(sa["enc"])),
                            ("macs", ea["macs_server_to_client"], names(sa["mac"]))]:
    print(f"  {label:9} same list: {ours == theirs}" + ("" if ours == theirs else f"\n    edgeaudit {ours}\n    ssh-audit {theirs}"))
keygen = subprocess.run(["ssh-keygen", "-lf", sys.argv[3]], capture_output=True, text=True).stdout.split()
sa_fp = ["SHA256:" + f["hash"] for f in sa.get("fingerprints", []) if f["hash_alg"] == "SHA256"]
ea_fp = [k["fingerprint_sha256"] for k in ea.get("host_keys", [])]
print(f"  host key  ssh-keygen {keygen[0]} {keygen[1]} | edgeaudit {[(k['key_type'], k.get('bits'), k['fingerprint_sha256']) for k in ea.get('host_keys', [])]} | ssh-audit {sa_fp}")
print(f"  only edgeaudit: auth methods {ea.get('auth_methods')}, strict kex {ea.get('strict_kex')}, ext-info {ea.get('ext_info')}, server-sig-algs {len(ea.get('server_sig_algs') or [])} names")
warn = sum(1 for k in ("kex", "key", "enc", "mac") for a in sa[k] for n in a.get("notes", {}).get("warn", []))
fail = sum(1 for k in ("kex", "key", "enc", "mac") for a in sa[k] for n in a.get("notes", {}).get("fail", []))
print(f"  only ssh-audit: {fail} fail / {warn} warn notes, CVEs {len(sa.get('cves', []))}, recommendations, DH group-exchange modulus sizes")
PY
done
