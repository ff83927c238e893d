#!/usr/bin/env bash
# Whole-pipeline load run (#14): broker, analyzer and bridge as separate processes, then grokwatch loadgen.
#
#   bench/load.sh [RUNS] [RATE] [SECONDS]      # defaults 1000 50000 120
#
# Prints loadgen's table (markdown) on stdout; the services' logs go to $TMPDIR/grokwatch-load.*/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-1000}" rate="${2:-50000}" seconds="${3:-120}"
work="$(mktemp -d "${TMPDIR:-/tmp}/grokwatch-load.XXXXXX")"
port=$((20000 + RANDOM % 20000)) mport=$((40000 + RANDOM % 20000))
servers="127.0.0.1:$port"
pids=()
# the clients first, the broker last, so no one is left retrying a broker that is gone
cleanup() { for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; sleep 1; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$root/grokwatch" --version >/dev/null # builds the jar once, before anything is timed
"$root/grokwatch" broker --port "$port" --data-dir "$work/kafka" >"$work/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q "Press Ctrl-C" "$work/broker.log" && break; sleep 0.5; done
grep -q "Press Ctrl-C" "$work/broker.log" || { cat "$work/broker.log" >&2; echo "broker did not start" >&2; exit 1; }
GROKWATCH_JAVA_OPTS="${ANALYZER_JAVA_OPTS:--Xmx1g}" "$root/grokwatch" analyze --bootstrap-servers "$servers" \
  --stats-every 10s >"$work/analyzer.log" 2>&1 &
analyzer=$!
pids+=($analyzer)
GROKWATCH_JAVA_OPTS="${BRIDGE_JAVA_OPTS:--Xmx512m}" "$root/grokwatch" bridge --bootstrap-servers "$servers" \
  --port "$mport" >"$work/bridge.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  grep -q "Press Ctrl-C" "$work/analyzer.log" && grep -q "Press Ctrl-C" "$work/bridge.log" && break
  sleep 0.5
done
# the launcher execs java, so $analyzer is the analyzer JVM's pid
GROKWATCH_JAVA_OPTS="-Xmx3g" "$root/grokwatch" loadgen --bootstrap-servers "$servers" --runs "$runs" --rate "$rate" \
  --seconds "$seconds" --bridge-url "http://127.0.0.1:$mport/metrics" --analyzer-pid "$analyzer"
echo "logs: $work" >&2
