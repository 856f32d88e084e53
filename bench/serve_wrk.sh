#!/usr/bin/env bash
# Load on `tinyforge serve` from a second process on loopback: wrk (installed with apt-get if missing) GETs
# resolve URLs of an on-demand forged repository for a bounded time and reports requests/s, latency
# percentiles (p99) and errors.
#   bench/serve_wrk.sh [SECONDS=10] [CONNECTIONS=32] [WRK_THREADS=2]   (TINYFORGE_BIN overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-32}"
threads="${3:-2}"
bin="${TINYFORGE_BIN:-$PWD/build/release/tinyforge}"
if ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -qq wrk curl >/dev/null 2>&1
fi
root="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" serve --root "$root" --port "$port" --on_demand 2>"$root.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$root" "$root.log"' EXIT
base="http://127.0.0.1:$port/tf/tiny-random-LlamaForCausalLM/resolve/main"
for _ in $(seq 100); do curl -sf -o /dev/null "$base/config.json" && break; sleep 0.05; done  # up and forged
weights_size="$(curl -sfI "$base/model.safetensors" | tr -d '\r' | awk 'tolower($1) == "content-length:" {print $2}')"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$threads -c$connections -d${seconds}s"
for file in config.json model.safetensors; do
  out="$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$base/$file")"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  socket="$(awk -F'Socket errors: ' '/Socket errors/ {print $2}' <<<"$out")"
  size=$([ "$file" = config.json ] && curl -sf "$base/$file" | wc -c || echo "$weights_size")
  echo "$file ($size bytes): $rps req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}, socket errors ${socket:-none}"
done
