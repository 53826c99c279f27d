#!/usr/bin/env bash
# IKE audit: edgeaudit's UDP 500 audit against ike-scan on the same strongSwan responders.
#
#   sudo bash bench/ike.sh            (root: ip netns, mount, tcpdump; apt when tools miss)
#
# Creates its own network namespace (loopback up) and, for each of the three configurations of
# tests/ike_strongswan.rs / tests/ike_scan.rs (weak IKEv2 aes128-sha1-modp1024, strong IKEv2,
# IKEv1 aggressive-mode PSK), starts strongSwan's charon there with the config text of
# tests/harness/strongswan.rs (files in a temp dir, a private tmpfs on /run for charon.pid), then
# runs inside the namespace:
#   * ike-scan --sport=0 (charon holds 500): default Main Mode, --aggressive --id=..., --ikev2;
#   * edgeaudit scan 127.0.0.1 --ports 1 --udp-ports 500 --format text (JSON saved for
#     packets_sent);
# each under tcpdump in the namespace counting UDP datagrams to and from charon's port 500. Prints
# both outputs side by side per configuration. charon is restarted before edgeaudit: it keeps
# the half-open IKE_SAs a scan leaves and drops new ones from a peer past 5
# (init_limit_peer_half_open), which ike-scan's three exchanges would eat into.
# All traffic stays on the namespace's loopback. Every wait is bounded. IKE_BENCH_WIDTH sets the
# width of the side-by-side view (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."

CHARON=/usr/lib/ipsec/charon
need=()
[ -x "$CHARON" ] || need+=(strongswan-charon libstrongswan-standard-plugins)
command -v swanctl >/dev/null || need+=(strongswan-swanctl)
command -v ike-scan >/dev/null || need+=(ike-scan)
command -v tcpdump >/dev/null || need+=(tcpdump)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
cargo build -q --bin edgeaudit
EDGEAUDIT=$PWD/target/debug/edgeaudit
WIDTH=${IKE_BENCH_WIDTH:-200}

NS=edgeaudit-ikebench-$$
lab=$(mktemp -d /tmp/edgeaudit-ikebench-XXXXXX)
charon_pid=
tcpdump_pid=
cleanup() {
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null || true
  [ -n "$charon_pid" ] && kill "$charon_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$lab"
}
trap cleanup EXIT
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

PLUGINS="random nonce aes sha1 sha2 md5 hmac xcbc gmp openssl gcm pem pkcs1 x509 pubkey kernel-netlink socket-default vici"
LAB_PSK=edgeaudit-lab-psk

ikev2_conn() { # name proposals (the harness's ikev2_conn)
  printf '  %s {\n    version = 2\n    proposals = %s\n    local {\n      auth = psk\n      id = gw.lab.test\n    }\n    remote {\n      auth = psk\n    }\n    children {\n      c {\n        esp_proposals = aes128-sha256\n      }\n    }\n  }' "$1" "$2"
}
AGG_CONN='  agg {
    version = 1
    aggressive = yes
    proposals = aes128-sha1-modp1024
    local {
      auth = psk
      id = gw.lab.test
    }
    remote {
      auth = psk
    }
    children {
      c {
        esp_proposals = aes128-sha1
      }
    }
  }'
AGG_EXTRA='  i_dont_care_about_security_and_use_aggressive_mode_psk = yes'

start_charon() { # connections charon-extra (Strongswan::start)
  local vici="unix://$lab/charon.vici"
  rm -f "$lab/charon.vici"
  printf 'charon {\n  port = 500\n  port_nat_t = 4500\n  install_routes = no\n  load_modular = no\n  load = %s\n  plugins {\n    vici {\n      socket = %s\n    }\n  }\n  filelog {\n    stderr {\n      default = 1\n      ike = 2\n      cfg = 2\n    }\n  }\n%s\n}\nswanctl {\n  load = pem pkcs1 x509\n}\n' \
    "$PLUGINS" "$vici" "$2" > "$lab/strongswan.conf"
  printf 'connections {\n%s\n}\nsecrets {\n  ike-lab {\n    secret = "%s"\n  }\n}\n' "$1" "$LAB_PSK" > "$lab/swanctl.conf"
  # `ip netns exec` and `sh -c exec` exec in place: $! is charon itself.
  STRONGSWAN_CONF=$lab/strongswan.conf ip netns exec "$NS" \
    sh -c "mount -t tmpfs edgeaudit-run /run && exec $CHARON" >> "$lab/charon.log" 2>&1 &
  charon_pid=$!
  for _ in $(seq 150); do [ -S "$lab/charon.vici" ] && break; sleep 0.1; done
  { [ -S "$lab/charon.vici" ] && kill -0 "$charon_pid"; } || { echo "charon did not start:"; cat "$lab/charon.log"; exit 1; }
  STRONGSWAN_CONF=$lab/strongswan.conf timeout 20 ip netns exec "$NS" \
    swanctl --load-all --uri "$vici" --file "$lab/swanctl.conf" > "$lab/swanctl.out" 2>&1 \
    || { cat "$lab/swanctl.out"; exit 1; }
}
stop_charon() {
  kill "$charon_pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$charon_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$charon_pid" 2>/dev/null || true
  # The next charon must bind 500 afresh.
  for _ in $(seq 50); do ip netns exec "$NS" ss -Hlun 'sport = :500' | grep -q . || break; sleep 0.1; done
  wait "$charon_pid" 2>/dev/null || true
  charon_pid=
}

# Runs "$@" in the namespace under tcpdump; output to $lab/out, counts to $lab/count.
counted() {
  ip netns exec "$NS" timeout 120 tcpdump -i lo -n -l 'udp port 500 or udp port 4500' \
    > "$lab/pcap.txt" 2>/dev/null &
  tcpdump_pid=$!
  sleep 1
  local start=$SECONDS
  in_ns timeout 90 "$@" > "$lab/out" 2>&1 || true
  local took=$((SECONDS - start))
  sleep 1
  kill "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" 2>/dev/null || true
  tcpdump_pid=
  local sent recv
  sent=$(grep -c '> 127\.0\.0\.1\.500:' "$lab/pcap.txt" || true)
  recv=$(grep -c '127\.0\.0\.1\.500 >' "$lab/pcap.txt" || true)
  echo "datagrams to :500 $sent, from :500 $recv, ~${took}s" > "$lab/count"
}

bench_config() { # title connections charon-extra
  local title=$1
  echo
  echo "=============================================================================="
  echo " $title"
  echo "=============================================================================="
  start_charon "$2" "$3"
  : > "$lab/left"
  # ike-scan's default IKEv1 transforms are (3)DES with SHA-1/MD5, group 2, PSK; the last two
  # runs offer the lab's AES-128/SHA-1/group 2/PSK transform explicitly.
  for mode in "main:" "aggressive:--aggressive --id=edgeaudit-bench" "ikev2:--ikev2" \
    "main-aes:--trans=7/128,2,1,2" "aggressive-aes:--aggressive --id=edgeaudit-bench --trans=7/128,2,1,2"; do
    # shellcheck disable=SC2086 # the options are words
    counted ike-scan --sport=0 --retry=2 --timeout=500 ${mode#*:} 127.0.0.1
    {
      echo "### ike-scan --sport=0 ${mode#*:} ($(cat "$lab/count"))"
      grep -v -e '^Starting ike-scan' -e '^$' "$lab/out" | fold -w $((WIDTH / 2 - 4)) || true
      echo
    } >> "$lab/left"
  done
  stop_charon
  start_charon "$2" "$3"
  counted "$EDGEAUDIT" scan --no-progress --format text --lang en --vantage outside \
    --ports 1 --udp-ports 500 --save "$lab/scan.json" 127.0.0.1
  local packets
  packets=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["scan"]["targets"][0]["hosts"][0]["ports"][-1]["service"]["ike_audit"]["packets_sent"])' "$lab/scan.json" 2>/dev/null || echo "?")
  {
    echo "### edgeaudit ($(cat "$lab/count"); packets_sent $packets)"
    # The summary's findings table and each finding's evidence; the rest is the same text.
    sed -n '/^Findings$/,/^Targets$/p' "$lab/out" | grep -v -e '^Targets$' -e '^-*$' -e '^Findings$'
    grep -E '^\s+(ID|Actual) ' "$lab/out" || true
    python3 - "$lab/scan.json" <<'PY' 2>/dev/null || true
import json, sys
d = json.load(open(sys.argv[1]))
p = d["scan"]["targets"][0]["hosts"][0]["ports"][-1]
a = p["service"]["ike_audit"]
print(f"500/udp {p['state']} {p['service']['kind']}")
v2 = a.get("v2") or {}
for k in ("accepted_encryption", "accepted_prf", "accepted_integrity", "accepted_groups"):
    names = [x["name"] + (f"/{x['key_length']}" if x.get("key_length") else "") for x in v2.get(k, [])]
    print(f"v2 {k[9:]}: {', '.join(names) or '-'}")
v1 = a.get("v1") or {}
for t in v1.get("main_mode_transforms", []):
    print("v1 MM: {}/{} {} {} {}".format(t["encryption"]["name"], t["encryption"].get("key_length") or "",
          t["hash"]["name"], t["auth"]["name"], t["group"]["name"]))
print(f"v1 aggressive_mode: {v1.get('aggressive_mode')}")
print(f"v1 vendor IDs: {', '.join(v['name'] or v['hex'] for v in v1.get('vendor_ids', []))}")
PY
  } > "$lab/right"
  stop_charon
  pr -m -t -w "$WIDTH" "$lab/left" "$lab/right"
}

bench_config "weak IKEv2: aes128-sha1-modp1024" "$(ikev2_conn weak aes128-sha1-modp1024)" ""
bench_config "strong IKEv2: aes256gcm16-prfsha384-ecp384,aes256-sha256-modp3072" \
  "$(ikev2_conn strong aes256gcm16-prfsha384-ecp384,aes256-sha256-modp3072)" ""
bench_config "IKEv1 aggressive mode, PSK: aes128-sha1-modp1024" "$AGG_CONN" "$AGG_EXTRA"
