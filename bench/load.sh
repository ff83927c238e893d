#!/usr/bin/env bash
# Whole-pipeline load run (#14): broker, analyzer and bridge as separate processes, then grokwatch loadgen.
#
#   bench/load.sh [RUNS] [RATE] [SECONDS]      # defaults 1000 50000 120
#   FAULTS=1 bench/load.sh 1000 50000 120      # the same load while the services fail (see faults below)
#
# Prints loadgen's table (markdown) on stdout, then with FAULTS=1 one row per fault injected; the services'
# logs go to $TMPDIR/grokwatch-load.*/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-1000}" rate="${2:-50000}" seconds="${3:-120}"
work="$(mktemp -d "${TMPDIR:-/tmp}/grokwatch-load.XXXXXX")"
port=$((20000 + RANDOM % 20000)) mport=$((40000 + RANDOM % 20000))
servers="127.0.0.1:$port"

# Each service's pid is in $work/NAME.pid, so the fault loop (a subshell) can replace it.
start_broker() {
  "$root/grokwatch" broker --port "$port" --data-dir "$work/kafka" >>"$work/broker.log" 2>&1 &
  echo $! >"$work/broker.pid"
}
start_analyzer() {
  GROKWATCH_JAVA_OPTS="${ANALYZER_JAVA_OPTS:--Xmx1g}" "$root/grokwatch" analyze --bootstrap-servers "$servers" \
    --stats-every 10s >>"$work/analyzer.log" 2>&1 &
  echo $! >"$work/analyzer.pid" # the launcher execs java, so this is the analyzer JVM's pid
}
start_bridge() {
  GROKWATCH_JAVA_OPTS="${BRIDGE_JAVA_OPTS:--Xmx512m}" "$root/grokwatch" bridge --bootstrap-servers "$servers" \
    --port "$mport" >>"$work/bridge.log" 2>&1 &
  echo $! >"$work/bridge.pid"
}
# Waits until the service's log says "Press Ctrl-C" N times (once per start).
await_ready() {
  local name="$1" starts="$2"
  for _ in $(seq 1 240); do
    [ "$(grep -c "Press Ctrl-C" "$work/$name.log" 2>/dev/null || true)" -ge "$starts" ] && return 0
    sleep 0.25
  done
  tail -20 "$work/$name.log" >&2
  echo "$name did not start" >&2
  exit 1
}
# the clients first, the broker last, so no one is left retrying a broker that is gone
cleanup() {
  [ -n "${faulter:-}" ] && kill "$faulter" 2>/dev/null || true
  for name in loadgen bridge analyzer broker; do
    [ -f "$work/$name.pid" ] && kill "$(cat "$work/$name.pid")" 2>/dev/null && sleep 1
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$root/grokwatch" --version >/dev/null # builds the jar once, before anything is timed
start_broker
await_ready broker 1
start_analyzer
start_bridge
await_ready analyzer 1
await_ready bridge 1

# Faults, timed from the end of loadgen's warm-up: the analyzer SIGKILLed three times, the bridge twice, and the
# broker stopped for 5 s and started again on the same data dir, each service back at once on the same settings.
faults() {
  local starts_a=1 starts_b=1 starts_k=1 t0
  until grep -q "transitions expected" "$work/loadgen.err" 2>/dev/null; do sleep 0.5; done
  now_ms() { echo $(($(date +%s%N) / 1000000)); }
  t0=$(now_ms)
  at() { # waits until $1 s after t0
    local wait=$((t0 + $1 * 1000 - $(now_ms)))
    if ((wait > 0)); then sleep "$((wait / 1000)).$(printf '%03d' $((wait % 1000)))"; fi
    return 0
  }
  since() { local d=$(($(now_ms) - $1)); echo "$((d / 1000)).$(((d % 1000) / 100))"; }
  kill_and_restart() { # name, starts so far
    local name="$1" t
    kill -9 "$(cat "$work/$name.pid")"
    t=$(now_ms)
    "start_$name"
    await_ready "$name" "$(($2 + 1))"
    echo "| fault at +$(((t - t0) / 1000)) s | $name SIGKILLed, restarted, serving again after $(since "$t") s |" \
      >>"$work/faults.md"
  }
  at 15 && kill_and_restart analyzer $starts_a && starts_a=$((starts_a + 1))
  at 30 && kill_and_restart bridge $starts_b && starts_b=$((starts_b + 1))
  at 45
  local t pid
  pid=$(cat "$work/broker.pid")
  t=$(now_ms)
  kill "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  sleep 5
  start_broker
  await_ready broker $((starts_k + 1))
  echo "| fault at +$(((t - t0) / 1000)) s | broker stopped, down 5 s, started on the same data dir: away $(since "$t") s |" \
    >>"$work/faults.md"
  at 70 && kill_and_restart analyzer $starts_a && starts_a=$((starts_a + 1))
  at 90 && kill_and_restart analyzer $starts_a && starts_a=$((starts_a + 1))
  at 105 && kill_and_restart bridge $starts_b && starts_b=$((starts_b + 1))
}

heap=(--analyzer-pid "$(cat "$work/analyzer.pid")")
if [ "${FAULTS:-0}" = 1 ]; then
  heap=() # a killed analyzer's heap is not the one it ends with
  faults &
  faulter=$!
fi
GROKWATCH_JAVA_OPTS="-Xmx3g" "$root/grokwatch" loadgen --bootstrap-servers "$servers" --runs "$runs" --rate "$rate" \
  --seconds "$seconds" --bridge-url "http://127.0.0.1:$mport/metrics" "${heap[@]}" 2> >(tee "$work/loadgen.err" >&2)
if [ -n "${faulter:-}" ]; then
  wait "$faulter" || echo "the fault loop failed (see $work)" >&2
  faulter=
  cat "$work/faults.md" 2>/dev/null || true
fi
echo "logs: $work" >&2
