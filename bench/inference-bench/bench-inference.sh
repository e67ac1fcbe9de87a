#!/usr/bin/env bash
# Embedding benchmark: the built distribution's node over gRPC vs ONNX Runtime's Java API called
# directly, in one run (see bench/README.md). Build first: mvn -B -q install -DskipTests
#   SECONDS_PER_PHASE=6 bench/inference-bench/bench-inference.sh
# MAVEN_REPO=... selects a Maven repository (default ~/.m2/repository).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${SECONDS_PER_PHASE:-6}"
repo_args=()
if [[ -n "${MAVEN_REPO:-}" ]]; then repo_args=("-Dmaven.repo.local=$MAVEN_REPO"); fi
mvn -B -q "${repo_args[@]}" -f "$here/pom.xml" package -DskipTests
archive=$(ls "$root"/distribution/assembly/target/hanzo-node-*.tar.gz | head -1)
work="$(mktemp -d)"
node_pid=""
cleanup() {
  if [[ -n "$node_pid" ]]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
tar xzf "$archive" -C "$work"
home=$(ls -d "$work"/hanzo-node-*/)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$home/bin/hanzo-node" --data-dir "$work/data" --grpc-addr "127.0.0.1:$port" --http-addr 127.0.0.1:0 \
  --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 600); do [[ -s "$work/data/admin.key" ]] && break; sleep 0.1; done
java -Xmx512m -DDJL_CACHE_DIR="$work/bench-djl" -DENGINE_CACHE_DIR="$work/bench-djl" -Dai.djl.offline=true -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  ai.hanzo.node.bench.inference.InferenceBench "127.0.0.1:$port" "$work/data/admin.key" "$seconds"
