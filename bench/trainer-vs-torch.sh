#!/usr/bin/env bash
# Training steps/s of grokwatch's ND4J trainer vs PyTorch (/work/shared/bench/torch_ref.py) on the same
# models and data sizes: mlp97 (x+y mod 97, Embedding(97,128), hidden 256), simple-grokking, nanda;
# full-batch AdamW, float32, no evaluation in the timed loop, warm-up first, median step time.
#
#   bench/trainer-vs-torch.sh [THREADS (default 1)] [STEPS (default 200; the transformer runs STEPS/10)]
#
# Env: TORCH_REF (default /work/shared/bench/torch_ref.py), CLASSES (a directory with compiled trainer
# classes; default: compile the trainer module into trainer/target/classes).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-1}
STEPS=${2:-200}
TORCH_REF=${TORCH_REF:-/work/shared/bench/torch_ref.py}
CONFIGS="mlp97 simple-grokking nanda"

# The environment torch_ref.py sets for itself, for both engines (glibc allocator, passive OpenMP waiting).
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$THREADS"

if [ -z "${CLASSES:-}" ]; then
  mvn -B -q -o -pl trainer compile
  CLASSES=trainer/target/classes
fi
CP_FILE=$(mktemp)
OUT=$(mktemp)
trap 'rm -f "$CP_FILE" "$OUT"' EXIT
mvn -B -q -o -pl trainer dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null

echo "# $(date -u +%FT%TZ) $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), threads $THREADS, steps $STEPS"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$TORCH_REF" --steps "$STEPS" --threads "$THREADS" $CONFIGS | tee -a "$OUT"
java -XX:+UseParallelGC -Dorg.bytedeco.javacpp.platform.extension=-avx2 -Dgrokwatch.threads="$THREADS" \
  -cp "$CLASSES:$(cat "$CP_FILE")" io.grokwatch.trainer.bench.TrainerBench --steps "$STEPS" --threads "$THREADS" $CONFIGS \
  | grep '^{' | tee -a "$OUT"
if [ "$THREADS" = 1 ]; then
  # On a shared machine wall time mostly measures the other processes. With one thread all of a step runs on
  # the calling thread, so its CPU time is a steadier number: run torch_ref's own bench() with its clock
  # swapped for time.thread_time (the environment above stands in for its re-exec).
  TORCH_REF="$TORCH_REF" STEPS="$STEPS" CONFIGS="$CONFIGS" /usr/bin/python3 - <<'PY' | tee -a "$OUT"
import json, os, sys, time
sys.argv = [sys.argv[0], "--reexec"]  # torch_ref re-execs itself unless it sees this
sys.path.insert(0, os.path.dirname(os.environ["TORCH_REF"]))
import torch_ref
torch_ref.torch.set_num_threads(1)
torch_ref.time.perf_counter = time.thread_time
for name in os.environ["CONFIGS"].split():
    steps = int(os.environ["STEPS"])
    r = torch_ref.bench(name, steps if torch_ref.CONFIGS[name]["kind"] == "mlp" else max(10, steps // 10))
    print(json.dumps({"config": name, "engine": "torch-cpu", "median_thread_cpu_ms": r["median_step_ms"]}), flush=True)
PY
fi
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
torch = {r["config"]: r for r in rows if r["engine"].startswith("torch-") and r["engine"] != "torch-cpu"}
tcpu = {r["config"]: r["median_thread_cpu_ms"] for r in rows if r["engine"] == "torch-cpu"}
gw = {r["config"]: r for r in rows if r["engine"].startswith("grokwatch")}
print("| config | torch steps/s | grokwatch steps/s | ratio | torch / grokwatch thread-CPU ms per step | CPU ratio |")
print("|---|---|---|---|---|---|")
for c in torch:
    t, g = torch[c]["steps_per_s"], gw[c]["steps_per_s"]
    tc, gc = tcpu.get(c), gw[c].get("median_thread_cpu_ms")
    cpu = f"{tc:.1f} / {gc:.1f} | {tc / gc:.2f}x" if tc and gc else "- | -"
    print(f"| {c} | {t} | {g} | {g / t:.2f}x | {cpu} |")
PY
