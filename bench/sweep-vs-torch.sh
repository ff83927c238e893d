#!/usr/bin/env bash
# Runs per hour on this machine for the 24-run simple-grokking sweep (weight decay 0.01,0.03,0.1,0.3,1,3 x train
# fraction 0.2,0.4,0.6,0.8, STEPS steps each, the preset's evaluation every 10 steps), three ways:
#   batched     all runs in one JVM: io.grokwatch.trainer.bench.SweepBench (BatchTrainer, K runs per batch, THREADS)
#   sequential  one `grokwatch train --preset simple-grokking --weight-decay W --train-fraction F --steps STEPS
#               --no-kafka` process per run, one after the other, with the launcher's JVM settings (./grokwatch)
#   torch       /work/shared/bench/torch_ref.py simple-grokking (60% train, no evaluation), TORCH_RUNS times in one
#               invocation: runs/hour = 3600 * steps_per_s / STEPS
#
#   bench/sweep-vs-torch.sh           # full scale: 24 runs x 5,000 steps batched and sequential (~20-30 min on 2 cores)
#   bench/sweep-vs-torch.sh --quick   # reduced: 500 steps, 6 of the 24 sequential runs, 4 torch runs (~5 min)
#
# Also the batched run with --float-adam (BatchTrainer.floatAdam; FLOAT_ADAM=0 skips it), and CPU seconds per run
# for each, which on a busy machine compare the engines better than wall clock.
# Env: STEPS, SEQ_RUNS (sequential runs, spread over the grid), TORCH_RUNS, K (runs per batch, default 24),
# THREADS (default 2), JAR (default cli/target/grokwatch.jar, else /work/main's), CLASSES (compiled trainer classes;
# default: compile into trainer/target/classes), TORCH_REF, SEQ_CORETYPE (also run the sequential processes with
# OPENBLAS_CORETYPE set to this, e.g. SkylakeX; see trainer/README-backend.md, "Batched runs").
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-5000}
SEQ_RUNS=${SEQ_RUNS:-24}
TORCH_RUNS=${TORCH_RUNS:-24}
if [ "${1:-}" = "--quick" ]; then
  STEPS=${STEPS_QUICK:-500}
  SEQ_RUNS=6
  TORCH_RUNS=4
fi
K=${K:-24}
THREADS=${THREADS:-2}
TORCH_REF=${TORCH_REF:-/work/shared/bench/torch_ref.py}
JAR=${JAR:-cli/target/grokwatch.jar}
[ -f "$JAR" ] || JAR=/work/main/cli/target/grokwatch.jar
DECAYS=(0.01 0.03 0.1 0.3 1 3)
FRACTIONS=(0.2 0.4 0.6 0.8)

# The launcher's settings (./grokwatch): glibc allocator tuning, native threads = cores, ParallelGC.
export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=536870912
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
# OpenBLAS 0.3.19 does not know CPUs newer than Cooper Lake and falls back to its generic (Prescott) kernels,
# 3-4x slower gemms; torch_ref.py sets SkylakeX for itself on AVX-512 CPUs, the batched run does the same.
CORETYPE=
if grep -qw avx512f /proc/cpuinfo; then CORETYPE=SkylakeX; fi

if [ -z "${CLASSES:-}" ]; then
  mvn -B -q -o -pl trainer compile
  CLASSES=trainer/target/classes
fi
CP_FILE=$(mktemp)
OUT=$(mktemp)
trap 'rm -f "$CP_FILE" "$OUT"' EXIT
mvn -B -q -o -pl trainer dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null

echo "# $(date -u +%FT%TZ) $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), steps $STEPS"
echo "# batched: 24 runs, K $K, threads $THREADS; sequential: $SEQ_RUNS runs ($JAR); torch: $TORCH_RUNS runs"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

batched() { # extra SweepBench flags
  env ${CORETYPE:+OPENBLAS_CORETYPE=$CORETYPE} java -XX:+UseParallelGC -Dorg.bytedeco.javacpp.platform.extension=-avx2 \
    -cp "$CLASSES:$(cat "$CP_FILE")" io.grokwatch.trainer.bench.SweepBench --steps "$STEPS" --k "$K" --threads "$THREADS" \
    "$@" 2> >(grep '^wd ' >&2) | grep '^{' | tee -a "$OUT"
}
batched
if [ "${FLOAT_ADAM:-1}" = 1 ]; then batched --float-adam 2>/dev/null; fi

sequential() { # $1: engine name; further args: env assignments for the processes
  local engine=$1
  shift
  local n=$((${#DECAYS[@]} * ${#FRACTIONS[@]})) i
  local cpu=0 t0 t1 c
  t0=$(date +%s.%N)
  for ((i = 0; i < SEQ_RUNS; i++)); do
    local idx=$((i * n / SEQ_RUNS)) # spread over the grid, so the mix of train fractions is the sweep's
    local wd=${DECAYS[$((idx / ${#FRACTIONS[@]}))]} f=${FRACTIONS[$((idx % ${#FRACTIONS[@]}))]}
    c=$(env "$@" /usr/bin/time -f '%U %S' -o /dev/stdout java -XX:+UseParallelGC -jar "$JAR" train \
      --preset simple-grokking --weight-decay "$wd" --train-fraction "$f" --steps "$STEPS" --no-kafka 2>/dev/null |
      tail -n 1) || { echo "sequential run wd $wd fraction $f failed; run it by hand to see why" >&2; exit 1; }
    cpu=$(python3 -c "print($cpu + sum(map(float, '$c'.split())))")
  done
  t1=$(date +%s.%N)
  python3 -c "import json; w=$t1-$t0; print(json.dumps({'engine':'$engine','runs':$SEQ_RUNS,'steps':$STEPS,'wall_s':round(w,2),'cpu_s':round($cpu,2),'runs_per_hour':round(3600*$SEQ_RUNS/w,1)}))" |
    tee -a "$OUT"
}
sequential grokwatch-sequential OMP_NUM_THREADS="$OMP_NUM_THREADS"
if [ -n "${SEQ_CORETYPE:-}" ]; then
  sequential "grokwatch-sequential-coretype-$SEQ_CORETYPE" OPENBLAS_CORETYPE="$SEQ_CORETYPE"
fi

NAMES=$(for ((i = 0; i < TORCH_RUNS; i++)); do printf 'simple-grokking '; done)
# shellcheck disable=SC2086 # one config name per run
/usr/bin/python3 "$TORCH_REF" --steps 200 --threads "$THREADS" $NAMES |
  python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith('{')]
sps = sum(r['steps_per_s'] for r in rows) / len(rows)
print(json.dumps({'engine': rows[0]['engine'], 'runs': len(rows), 'steps': $STEPS, 'steps_per_s': round(sps, 1),
                  'runs_per_hour': round(3600 * sps / $STEPS, 1)}))" | tee -a "$OUT"
# torch's CPU time per step with one thread (its thread clock; torch_ref's own bench(), as trainer-vs-torch.sh does)
TORCH_REF="$TORCH_REF" /usr/bin/python3 - <<'PY' | tee -a "$OUT"
import json, os, sys, time
sys.argv = [sys.argv[0], "--reexec"]  # torch_ref re-execs itself unless it sees this
sys.path.insert(0, os.path.dirname(os.environ["TORCH_REF"]))
import torch_ref
torch_ref.torch.set_num_threads(1)
torch_ref.time.perf_counter = time.thread_time
r = torch_ref.bench("simple-grokking", 200)
print(json.dumps({"engine": "torch-cpu-1-thread", "median_thread_cpu_ms": r["median_step_ms"]}), flush=True)
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

STEPS="$STEPS" CORES="$(nproc)" python3 - "$OUT" <<'PY'
import json, os, sys
steps, cores = int(os.environ["STEPS"]), int(os.environ["CORES"])
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
tcpu = next(r for r in rows if r["engine"] == "torch-cpu-1-thread")["median_thread_cpu_ms"]
rows = [r for r in rows if r["engine"] != "torch-cpu-1-thread"]
for r in rows:  # CPU seconds per run: measured for grokwatch, torch's 1-thread CPU per step times the steps
    r["cpu_per_run"] = r["cpu_s"] / r["runs"] if "cpu_s" in r else tcpu * steps / 1e3
bat = next(r for r in rows if r["engine"] == "grokwatch-batched")
print(f"runs/hour: wall clock (torch: 3600 * median steps/s / {steps}); CPU s per run (torch: 1-thread CPU per step"
      f" x {steps}); the 'cpu-bound' column is {cores} cores / CPU per run, the rate with the machine to itself")
print("| engine | runs | steps | runs/hour | CPU s per run | cpu-bound runs/hour | batched vs this (wall, cpu-bound) |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    cb = 3600 * cores / r["cpu_per_run"]
    bcb = 3600 * cores / bat["cpu_per_run"]
    print(f"| {r['engine']} | {r['runs']} | {r['steps']} | {r['runs_per_hour']} | {r['cpu_per_run']:.2f} | {cb:.0f} |"
          f" {bat['runs_per_hour'] / r['runs_per_hour']:.2f}x, {bcb / cb:.2f}x |")
PY
