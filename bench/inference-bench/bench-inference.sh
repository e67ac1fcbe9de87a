#!/usr/bin/env bash
# Embedding benchmark: the built distribution's node over gRPC vs ONNX Runtime's Java API called
# directly, in one run (see bench/README.md). Build first: mvn -B -q install -DskipTests
#   SECONDS_PER_PHASE=6 bench/inference-bench/bench-inference.sh
# MAVEN_REPO=... selects a Maven repository (default ~/.m2/repository).
# INTRA_OP_THREADS (default 2) and SPINNING (default false) are set alike for the node (its
# etc/ai.hanzo.node.inference.cfg) and for the direct ONNX Runtime session; inter-op is 1 on both.
# WARM_UP_SECONDS (default 16): half of it each with 16 clients on short texts, 16 on long ones,
# and one client on short ones, for every side before the measured rounds (the JIT compilers of both JVMs are still
# busy after shorter warm-ups; each set-up prints the JIT's CPU).
# BENCH_JAVA_OPTS adds options to the bench JVM (e.g. -Dbench.globalThreadPools=true: the direct
# side's ORT environment with global thread pools, as DJL creates it in the node).
# NODE_LOG=<file> keeps the node's log (the run's directory is deleted at the end).
# Each set-up prints the CPU the bench JVM and the nodes took (from /proc), JIT threads apart.
# ONLY=<text> runs only the set-ups whose name contains it (e.g. "node gRPC, 1 client, batch 1, short"),
# to profile one of them; no ratios are printed then.
# UNBATCHED_NODE=1 also starts a second node with batching off (maxBatchSize 1, 16 workers: each
# request runs alone, 16 at a time, like the direct 16-thread set-up) and adds its 16-client rows.
# MAX_BATCH_WAIT_MS overrides the node's maxBatchWaitMillis, WORKERS its workersPerModel; JFR=<file> records the node's JVM.
# NICE=-10 (as root) runs the node and the bench JVM at that niceness, both alike, in a session of
# their own whose autogroup gets that nice value too: the kernel here shares the CPU between
# sessions (autogroups) first, so a process nice value alone only ranks threads inside the
# caller's session and gave no share against other sessions' builds.
set -euo pipefail
if [[ -n "${NICE:-}" && -z "${BENCH_OWN_SESSION:-}" ]]; then
  exec setsid --wait env BENCH_OWN_SESSION=1 "$0" "$@"
fi
if [[ -n "${NICE:-}" ]]; then
  if echo "$NICE" > /proc/self/autogroup 2>/dev/null; then
    echo "autogroup: $(cat /proc/self/autogroup)"
  else
    echo "autogroup nice not set (kernel without autogroups, or not root): NICE applies within the session only"
  fi
fi
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${SECONDS_PER_PHASE:-6}"
repo_args=()
if [[ -n "${MAVEN_REPO:-}" ]]; then repo_args=("-Dmaven.repo.local=$MAVEN_REPO"); fi
mvn -B -q "${repo_args[@]}" -f "$here/pom.xml" package -DskipTests
archive=$(ls "$root"/distribution/assembly/target/hanzo-node-*.tar.gz | head -1)
work="$(mktemp -d)"
node_pid=""
off_pid=""
cleanup() {
  if [[ -n "${NODE_LOG:-}" ]]; then cat "$work"/data/log/*.log > "$NODE_LOG" 2>/dev/null || true; fi
  if [[ -n "$node_pid" ]]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  if [[ -n "$off_pid" ]]; then kill "$off_pid" 2>/dev/null || true; wait "$off_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
tar xzf "$archive" -C "$work"
home=$(ls -d "$work"/hanzo-node-*/)
intra="${INTRA_OP_THREADS:-2}"
nice=()
if [[ -n "${NICE:-}" ]]; then nice=(nice -n "$NICE"); fi
spinning="${SPINNING:-false}"
{
  echo "intraOpThreads = $intra"
  echo "interOpThreads = 1"
  echo "intraOpSpinning = $spinning"
  if [[ -n "${MAX_BATCH_WAIT_MS:-}" ]]; then echo "maxBatchWaitMillis = $MAX_BATCH_WAIT_MS"; fi
  if [[ -n "${WORKERS:-}" ]]; then echo "workersPerModel = $WORKERS"; fi
} > "$home/etc/ai.hanzo.node.inference.cfg"
if [[ -n "${JFR:-}" ]]; then
  export EXTRA_JAVA_OPTS="${EXTRA_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$JFR,dumponexit=true,settings=profile"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${nice[@]}" "$home/bin/hanzo-node" --data-dir "$work/data" --grpc-addr "127.0.0.1:$port" --http-addr 127.0.0.1:0 \
  --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 600); do [[ -s "$work/data/admin.key" ]] && break; sleep 0.1; done
off_args=()
if [[ "${UNBATCHED_NODE:-}" == "1" ]]; then
  mkdir -p "$work/off"
  tar xzf "$archive" -C "$work/off"
  off_home=$(ls -d "$work"/off/hanzo-node-*/)
  {
    grep -v "^workersPerModel" "$home/etc/ai.hanzo.node.inference.cfg"
    echo "maxBatchSize = 1"
    echo "workersPerModel = 16"
  } > "$off_home/etc/ai.hanzo.node.inference.cfg"
  off_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${nice[@]}" "$off_home/bin/hanzo-node" --data-dir "$work/off-data" --grpc-addr "127.0.0.1:$off_port" \
    --http-addr 127.0.0.1:0 --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false > "$work/off-node.log" 2>&1 &
  off_pid=$!
  for _ in $(seq 1 600); do [[ -s "$work/off-data/admin.key" ]] && break; sleep 0.1; done
  off_args=("127.0.0.1:$off_port" "$work/off-data/admin.key")
fi
uptime
"${nice[@]}" java -Xmx512m ${BENCH_JAVA_OPTS:-} -Dbench.intraOpThreads="$intra" -Dbench.spinning="$spinning" -Dbench.only="${ONLY:-}" -Dbench.nodePids="$node_pid${off_pid:+,$off_pid}" -Dbench.clockTicks="$(getconf CLK_TCK)" -Dbench.warmUpSeconds="${WARM_UP_SECONDS:-16}" -DDJL_CACHE_DIR="$work/bench-djl" -DENGINE_CACHE_DIR="$work/bench-djl" -Dai.djl.offline=true -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  ai.hanzo.node.bench.inference.InferenceBench "127.0.0.1:$port" "$work/data/admin.key" "$seconds" "${off_args[@]}"
uptime
grep -h "ready on" "$work/node.log" "$work"/data/log/*.log 2>/dev/null | tail -2 || true
if [[ -n "$off_pid" ]]; then
  grep -h "ready on" "$work/off-node.log" "$work"/off-data/log/*.log 2>/dev/null | tail -1 || true
fi
