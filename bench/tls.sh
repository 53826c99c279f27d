#!/usr/bin/env bash
# TLS audit: edgeaudit against sslscan, sslyze and testssl.sh on the same two loopback servers.
#
#   bash bench/tls.sh [RUNS]
#
# Starts two `openssl s_server` instances on free 127.0.0.1 ports with a self-signed RSA-2048 cert:
#   modern  TLS 1.2 + 1.3, AEAD suites only (ECDHE/DHE + AES-GCM / ChaCha20)
#   legacy  TLS 1.0-1.2, 'ALL:@SECLEVEL=0' (CBC, RSA key exchange, DHE, anonymous DH/ECDH, ARIA, Camellia…)
# then times, RUNS times each (default 3), per server:
#   edgeaudit tls HOST:PORT --format json --no-progress --profile mozilla-intermediate
#                                      (TLS audit: versions, suites, order, groups, options,
#                                       Heartbleed when heartbeat is on, certificate chain;
#                                       plus identification, evaluation and report)
#   sslscan --no-colour --xml=FILE     (its default run: protocols, suites, groups, cert, heartbleed…)
#   sslyze --sslv2 … --tlsv1_3         (the six cipher-suite scan commands only)
#   testssl -E                         (per-protocol suite enumeration, the job comparable to ours)
#   testssl (no check flags)           (its normal full run, bounded by `timeout 300`;
#                                       TESTSSL_FULL_RUNS times, default 1, 0 skips it: it takes minutes)
# and prints median wall times, the ratios edgeaudit/peer, the TCP connections each tool opened
# (SYNs counted with tcpdump during its first run, when tcpdump is there), edgeaudit's handshake
# count against the remove-the-chosen minimum (see BENCHMARKS.md: Σ over the versions probed of
# accepted suites + 1, plus one per accepted group in each group loop, then ×1.2 plus the
# documented option probes), and whether each tool's accepted-suite set per protocol version
# equals edgeaudit's.
#
# Installs (as root, when missing) sslscan, testssl.sh, openssl, bc, tcpdump from Debian, and
# sslyze from PyPI into a venv under the temp dir (or SSLYZE_VENV=DIR to keep one between runs);
# without sslyze the run goes on and says so. Traffic goes to 127.0.0.1 only. Speed is measured
# here, never in tests.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
full_runs=${TESTSSL_FULL_RUNS:-1}

need=()
command -v sslscan >/dev/null || need+=(sslscan)
command -v testssl >/dev/null || command -v testssl.sh >/dev/null || need+=(testssl.sh)
command -v openssl >/dev/null || need+=(openssl)
command -v bc >/dev/null || need+=(bc)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v python3 >/dev/null || need+=(python3 python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (run as root to install them with apt-get)" >&2
    exit 2
  fi
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
testssl_bin=$(command -v testssl || command -v testssl.sh)
cargo build --release -q

lab=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$lab"
}
trap cleanup EXIT
mkdir -p "$lab/out"

# sslyze: an existing one, else a venv (temp dir unless SSLYZE_VENV is set).
sslyze=()
if command -v sslyze >/dev/null; then
  sslyze=(sslyze)
else
  venv=${SSLYZE_VENV:-$lab/sslyze-venv}
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sslyze' 2>/dev/null; then
    sslyze=("$venv/bin/python" -m sslyze)
  elif python3 -m venv "$venv" >"$lab/venv.log" 2>&1 \
    && "$venv/bin/pip" install -q sslyze >>"$lab/venv.log" 2>&1; then
    sslyze=("$venv/bin/python" -m sslyze)
  else
    echo "sslyze could not be installed (see below); going on without it" >&2
    tail -5 "$lab/venv.log" >&2 || true
  fi
fi
sslyze_ver="not installed"
if [ ${#sslyze[@]} -gt 0 ]; then
  py=python3
  [ "${sslyze[0]}" = sslyze ] || py=${sslyze[0]}
  sslyze_ver=$("$py" -c 'import importlib.metadata as m; print(m.version("sslyze"))' 2>/dev/null || echo '?')
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
  -keyout "$lab/key.pem" -out "$lab/cert.pem" 2>/dev/null
modern_port=$(free_port)
legacy_port=$(free_port)
openssl s_server -quiet -www -accept "127.0.0.1:$modern_port" -cert "$lab/cert.pem" -key "$lab/key.pem" \
  -min_protocol TLSv1.2 -cipher 'ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:@SECLEVEL=2' \
  </dev/null >"$lab/modern.log" 2>&1 &
pids+=($!)
openssl s_server -quiet -www -accept "127.0.0.1:$legacy_port" -cert "$lab/cert.pem" -key "$lab/key.pem" \
  -min_protocol TLSv1 -max_protocol TLSv1.2 -cipher 'ALL:@SECLEVEL=0' \
  </dev/null >"$lab/legacy.log" 2>&1 &
pids+=($!)
for port in "$modern_port" "$legacy_port"; do
  for _ in $(seq 50); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && break
    sleep 0.1
  done
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# time_tool NAME SERVER PORT N OUTFILE -- CMD… : runs CMD N times (OUTFILE, if not "-", is removed
# before each run: testssl refuses to overwrite its JSON file), counts the SYNs of the first run,
# prints the median wall time.
time_tool() {
  local name=$1 server=$2 port=$3 n=$4 outfile=$5
  shift 6
  local times=() i start end syn_pid=
  for i in $(seq "$n"); do
    [ "$outfile" = - ] || rm -f "$outfile"
    if [ "$i" = 1 ] && command -v tcpdump >/dev/null; then
      tcpdump -i lo -n -U --immediate-mode -w "$lab/syn_${name}_$server.pcap" \
        "tcp dst port $port and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" 2>/dev/null &
      syn_pid=$!
      sleep 1
    fi
    start=$(date +%s.%N)
    "$@" >"$lab/out/${name}_$server.stdout" 2>"$lab/out/${name}_$server.stderr" || true
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
    if [ -n "$syn_pid" ]; then
      sleep 1
      kill -INT "$syn_pid" 2>/dev/null || true
      wait "$syn_pid" 2>/dev/null || true
      syn_pid=
      tcpdump -r "$lab/syn_${name}_$server.pcap" 2>/dev/null | wc -l >"$lab/out/${name}_$server.syns"
    fi
  done
  printf '%s\n' "${times[@]}" | median >"$lab/out/${name}_$server.median"
  printf '%s\n' "${times[@]}" >"$lab/out/${name}_$server.times"
}

echo "lab: modern 127.0.0.1:$modern_port, legacy 127.0.0.1:$legacy_port; $runs runs each (testssl full run: $full_runs)" >&2
for server in modern legacy; do
  port=${server}_port
  port=${!port}
  echo "[$server] edgeaudit" >&2
  time_tool edgeaudit "$server" "$port" "$runs" - -- \
    ./target/release/edgeaudit tls "127.0.0.1:$port" --format json --no-progress --profile mozilla-intermediate
  echo "[$server] sslscan" >&2
  time_tool sslscan "$server" "$port" "$runs" "$lab/out/sslscan_$server.xml" -- \
    sslscan --no-colour --xml="$lab/out/sslscan_$server.xml" "127.0.0.1:$port"
  if [ ${#sslyze[@]} -gt 0 ]; then
    echo "[$server] sslyze" >&2
    time_tool sslyze "$server" "$port" "$runs" "$lab/out/sslyze_$server.json" -- \
      "${sslyze[@]}" --quiet --json_out="$lab/out/sslyze_$server.json" \
      --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 "127.0.0.1:$port"
  fi
  echo "[$server] testssl -E" >&2
  time_tool testssl_E "$server" "$port" "$runs" "$lab/out/testssl_E_$server.json" -- \
    timeout 300 "$testssl_bin" --quiet --color 0 --warnings off \
    --jsonfile "$lab/out/testssl_E_$server.json" -E "127.0.0.1:$port"
  if [ "$full_runs" -gt 0 ]; then
    echo "[$server] testssl full run" >&2
    time_tool testssl_full "$server" "$port" "$full_runs" "$lab/out/testssl_full_$server.json" -- \
      timeout 300 "$testssl_bin" --quiet --color 0 --warnings off \
      --jsonfile "$lab/out/testssl_full_$server.json" "127.0.0.1:$port"
  fi
done

# code <-> names from the local OpenSSL (IANA and OpenSSL names), for sslyze's names.
openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' >"$lab/openssl_ciphers.txt" 2>/dev/null || true

echo
echo "## Results ($(date -u +%Y-%m-%dT%H:%MZ), $runs runs, medians)"
echo
echo "Versions: edgeaudit $(./target/release/edgeaudit --version 2>/dev/null | awk '{print $NF}') ($(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')),"\
  "sslscan $(sslscan --version 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | awk 'NF{print $1; exit}'),"\
  "sslyze $sslyze_ver,"\
  "testssl.sh $("$testssl_bin" --version 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | awk '/testssl/ && /from/ {print $2; exit}'),"\
  "$(openssl version | awk '{print $1, $2}'); $(nproc) cores"
echo
LAB=$lab RUNS=$runs FULL_RUNS=$full_runs HAVE_SSLYZE=${#sslyze[@]} python3 - <<'PY'
import json, os, re, xml.etree.ElementTree as ET

lab, out = os.environ["LAB"], os.environ["LAB"] + "/out"
VERS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]

by_name = {}
for line in open(f"{lab}/openssl_ciphers.txt", errors="replace"):
    m = re.match(r"\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- (\S+)", line)
    if m:
        code = int(m.group(1) + m.group(2), 16)
        by_name[m.group(3)] = code
        by_name[m.group(4)] = code

def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None

def edgeaudit(server):
    r = json.loads(read(f"{out}/edgeaudit_{server}.stdout"))
    t = r["scan"]["targets"][0]["hosts"][0]["ports"][0]["service"]["tls_audit"]
    sets = {v["version"]: {c["code"] for c in v.get("cipher_suites") or []}
            for v in t["versions"] if v["support"] == "accepted"}
    for v in t["versions"]:
        for c in v.get("cipher_suites") or []:
            by_name.setdefault(c["name"], c["code"])
            by_name.setdefault(c["openssl_name"], c["code"])
    # The remove-the-chosen minimum: every version probed costs its accepted suites + 1 (the
    # refusal once they are all removed; a refused version is that one handshake); every group
    # loop costs one handshake per accepted group (the first comes free from the suite loop,
    # the last handshake is the refusal).
    probed = [v for v in t["versions"] if v["support"] in ("accepted", "rejected")]
    minimum = sum(len(v.get("cipher_suites") or []) + 1 for v in probed)
    minimum += len(t.get("groups") or [])
    # Documented option probes: server preference once per version with two or more suites,
    # compression, fallback SCSV (two or more versions), Heartbleed (heartbeat on).
    accepted = [v for v in probed if v["support"] == "accepted"]
    o = t.get("options") or {}
    handful = (sum(1 for v in accepted if len(v.get("cipher_suites") or []) >= 2)
               + ("compression" in o) + ("fallback_scsv" in o) + ("heartbleed" in o))
    return sets, t["handshakes"], minimum, handful

def sslscan(server):
    text = read(f"{out}/sslscan_{server}.xml")
    if not text:
        return None
    sets = {}
    for c in ET.fromstring(text).iter("cipher"):
        if c.get("status") in ("accepted", "preferred"):
            sets.setdefault(c.get("sslversion"), set()).add(int(c.get("id"), 16))
    return sets

def sslyze(server):
    text = read(f"{out}/sslyze_{server}.json")
    if not text:
        return None
    r = json.loads(text)["server_scan_results"][0]["scan_result"]
    keys = {"ssl_2_0": "SSLv2", "ssl_3_0": "SSLv3", "tls_1_0": "TLSv1.0", "tls_1_1": "TLSv1.1",
            "tls_1_2": "TLSv1.2", "tls_1_3": "TLSv1.3"}
    sets = {}
    for k, v in keys.items():
        res = (r.get(f"{k}_cipher_suites") or {}).get("result")
        for a in (res or {}).get("accepted_cipher_suites", []):
            cs = a["cipher_suite"]
            code = by_name.get(cs["name"], by_name.get(cs.get("openssl_name"), cs["name"]))
            sets.setdefault(v, set()).add(code)
    return sets

def testssl(server, kind):
    text = read(f"{out}/testssl_{kind}_{server}.json")
    if not text:
        return None
    keys = {"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1",
            "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}
    sets = {}
    for e in json.loads(text):
        m = re.match(r"cipher-(ssl2|ssl3|tls1|tls1_1|tls1_2|tls1_3)_x([0-9a-f]+)$", e["id"])
        if m:
            sets.setdefault(keys[m.group(1)], set()).add(int(m.group(2), 16))
    return sets

def name(code):
    if isinstance(code, str):
        return code
    for n, c in by_name.items():
        if c == code and n.startswith(("TLS_", "SSL_")):
            return f"0x{code:04X} {n}"
    return f"0x{code:04X}"

def med(tool, server):
    t = read(f"{out}/{tool}_{server}.median")
    return float(t) if t and t.strip() not in ("", "nan") else None

def syns(tool, server):
    t = read(f"{out}/{tool}_{server}.syns")
    return t.strip() if t else "?"

tools = [("sslscan", "sslscan (default run)"), ("sslyze", "sslyze (6 suite scans)"),
         ("testssl_E", "testssl.sh -E"), ("testssl_full", "testssl.sh full run")]
rows, checks, hs = [], [], []
for server in ["modern", "legacy"]:
    ea, handshakes, minimum, handful = edgeaudit(server)
    limit = 1.2 * minimum + handful
    hs.append(f"| {server} | {handshakes} | {minimum} | {handful} | {limit:.1f} | "
              + ("yes" if handshakes <= limit else "NO") + " | "
              + ", ".join(f"{v} {len(ea[v])}" for v in VERS if v in ea) + " |")
    e = med("edgeaudit", server)
    rows.append(f"| {server} | edgeaudit tls | {e:.3f} | 1.00 | {syns('edgeaudit', server)} |")
    for tool, label in tools:
        m = med(tool, server)
        if m is None:
            rows.append(f"| {server} | {label} | not run | | |")
            continue
        rows.append(f"| {server} | {label} | {m:.3f} | {e / m:.3f} | {syns(tool, server)} |")
        if tool == "testssl_full":
            checks.append(f"- {server}, {label}: not compared (its default run lists no suites per protocol)")
            continue
        sets = {"sslscan": sslscan, "sslyze": sslyze}.get(tool, lambda s: testssl(s, tool.split("_")[1]))(server)
        if sets is None:
            checks.append(f"- {server}, {label}: no output to compare")
            continue
        diffs = []
        for v in VERS:
            a, b = ea.get(v, set()), sets.get(v, set())
            if a != b:
                only_ea = sorted(a - b, key=str)
                only_peer = sorted(b - a, key=str)
                diffs.append(f"  - {v}: edgeaudit {len(a)}, {label} {len(b)}"
                             + (f"; only edgeaudit: {', '.join(map(name, only_ea))}" if only_ea else "")
                             + (f"; only {tool}: {', '.join(map(name, only_peer))}" if only_peer else ""))
        total = sum(len(s) for s in sets.values())
        if diffs:
            checks.append(f"- {server}, {label}: DIFFERENT ({total} accepted version/suite pairs)")
            checks.extend(diffs)
        else:
            checks.append(f"- {server}, {label}: same accepted suites per version ({total} pairs)")

print("| server | tool | median wall s | edgeaudit / tool | TCP connections (1st run) |")
print("|---|---|---:|---:|---:|")
print("\n".join(rows))
print()
print("edgeaudit handshakes vs the remove-the-chosen minimum (Σ over versions probed of accepted suites + 1,")
print("plus accepted groups per group loop); target: at most 1.2 × minimum + the option probes:")
print()
print("| server | edgeaudit handshakes | minimum | option probes | target | within | accepted suites |")
print("|---|---:|---:|---:|---:|---|---|")
print("\n".join(hs))
print()
print("Accepted-suite sets per version compared with edgeaudit's:")
print()
print("\n".join(checks))
PY
