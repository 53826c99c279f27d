#!/usr/bin/env bash
# Port exposure + service identification: edgeaudit against nmap on the same loopback lab.
#
#   bash bench/portscan.sh [RUNS]
#
# Starts OpenSSH sshd and nginx (HTTP and HTTPS) on 127.0.0.1, then times, RUNS times each (default 5):
#   edgeaudit scan 127.0.0.1 --ports P          (connect scan + identification + evaluation + report)
#   nmap -sT -sV -p P 127.0.0.1                  (connect scan + version detection: the closest peer)
#   nmap -sT -p P 127.0.0.1                      (connect scan only: a floor)
# and prints medians and the ratio. Traffic goes to 127.0.0.1 only. Needs root for apt (nmap,
# openssh-server, nginx-light, openssl) when they are missing. Speed is measured here, never in tests.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

need=()
command -v nmap >/dev/null || need+=(nmap)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v openssl >/dev/null || need+=(openssl)
command -v bc >/dev/null || need+=(bc)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
cargo build --release -q

lab=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$lab"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ssh_port=$(free_port); http_port=$(free_port); https_port=$(free_port); closed_port=$(free_port)

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$lab/hostkey"
/usr/sbin/sshd -D -e -f /dev/null -o "HostKey=$lab/hostkey" -o "ListenAddress=127.0.0.1" -o "PidFile=none" -p "$ssh_port" 2>"$lab/sshd.log" &
pids+=($!)

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 -keyout "$lab/key.pem" -out "$lab/cert.pem" 2>/dev/null
mkdir -p "$lab/html" && echo '<html><head><title>bench</title></head></html>' > "$lab/html/index.html"
cat > "$lab/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $lab/nginx.pid; error_log $lab/error.log;
events { worker_connections 256; }
http {
  access_log off; client_body_temp_path $lab; proxy_temp_path $lab; fastcgi_temp_path $lab;
  uwsgi_temp_path $lab; scgi_temp_path $lab;
  server { listen 127.0.0.1:$http_port; root $lab/html; }
  server { listen 127.0.0.1:$https_port ssl; ssl_certificate $lab/cert.pem; ssl_certificate_key $lab/key.pem; root $lab/html; }
}
CONF
/usr/sbin/nginx -p "$lab" -c "$lab/nginx.conf" &
pids+=($!)
sleep 1

ports="$ssh_port,$http_port,$https_port,$closed_port"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
time_runs() {
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N)
    echo "$end - $start" | bc -l
  done | median
}

echo "lab: ssh $ssh_port, http $http_port, https $https_port, closed $closed_port; $runs runs each"
ea=$(time_runs ./target/release/edgeaudit scan 127.0.0.1 --ports "$ports" --no-progress --format json)
nv=$(time_runs nmap -n -Pn -sT -sV -p "$ports" 127.0.0.1)
nt=$(time_runs nmap -n -Pn -sT -p "$ports" 127.0.0.1)
printf '%-44s %8.3f s\n' "edgeaudit scan (connect + identify + report)" "$ea"
printf '%-44s %8.3f s\n' "nmap -sT -sV (connect + version detection)" "$nv"
printf '%-44s %8.3f s\n' "nmap -sT (connect only)" "$nt"
printf 'ratio edgeaudit / nmap -sV: %.2f\n' "$(echo "$ea / $nv" | bc -l)"
echo
echo "what each saw:"
./target/release/edgeaudit scan 127.0.0.1 --ports "$ports" --no-progress --format json \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); [print("  edgeaudit", p["port"], p["state"], (p.get("service") or {}).get("kind","")) for h in r["scan"]["targets"][0]["hosts"] for p in h["ports"]]'
nmap -n -Pn -sT -sV -p "$ports" 127.0.0.1 | grep -E '^[0-9]+/tcp' | sed 's/^/  nmap /'
