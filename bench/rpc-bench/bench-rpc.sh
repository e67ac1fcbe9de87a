#!/usr/bin/env bash
# gRPC benchmark: unary GetHealth/GetStatus on the built distribution's node vs a bare grpc-java
# server with the same handlers (in a JVM of its own with the node's heap and GC flags; node and
# bare alternate in short rounds), then GetLogs follow throughput and the node's RSS under a slow
# reader, in one run (see bench/README.md). Build first: mvn -B -q install -DskipTests
#   SECONDS_PER_PHASE=5 bench/rpc-bench/bench-rpc.sh
# MAVEN_REPO=... selects a Maven repository (default ~/.m2/repository).
# BENCH_JAVA_OPTS passes -D options to RpcBench: rpcbench.fastLines=N (GetLogs burst, 300000),
# rpcbench.logsOnly / rpcbench.unaryOnly=true, rpcbench.warmupSeconds=N (unary warm-up per RPC,
# server and caller count; default SECONDS_PER_PHASE), rpcbench.statusFirst=true (GetStatus
# measured before GetHealth). BARE_DIRECT=true serves the bare server's calls on its transport
# threads (grpc-java's directExecutor), as the node serves GetHealth and, mostly, GetStatus.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${SECONDS_PER_PHASE:-5}"
repo_args=()
if [[ -n "${MAVEN_REPO:-}" ]]; then repo_args=("-Dmaven.repo.local=$MAVEN_REPO"); fi
mvn -B -q "${repo_args[@]}" -f "$here/pom.xml" package -DskipTests
archive=$(ls "$root"/distribution/assembly/target/hanzo-node-*.tar.gz | head -1)
work="$(mktemp -d)"
node_pid=""
bare_pid=""
cleanup() {
  # SIGTERM, then wait for the JVM to finish its shutdown
  if [[ -n "$node_pid" ]]; then kill -TERM "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  if [[ -n "$bare_pid" ]]; then exec 7>&- 2>/dev/null || true; kill -TERM "$bare_pid" 2>/dev/null || true; wait "$bare_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
tar xzf "$archive" -C "$work"
home=$(ls -d "$work"/hanzo-node-*/)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
http=$(free_port)
# bin/hanzo-node execs the JVM, so $! is the node's own pid (for /proc/<pid>/status)
"$home/bin/hanzo-node" --data-dir "$work/data" --grpc-addr "127.0.0.1:$port" --http-addr "127.0.0.1:$http" \
  --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false > "$work/node.log" 2>&1 &
node_pid=$!
# up to 5 minutes (READY took over 60 s at load 30): measuring a node still starting would time
# its start-up, not its RPCs
for _ in $(seq 1 3000); do
  [[ -s "$work/data/admin.key" ]] && grep -q "READY" "$work/node.log" && break
  kill -0 "$node_pid" 2>/dev/null || break # the node exited
  sleep 0.1
done
if ! grep -q READY "$work/node.log"; then
  echo "the node did not report READY (it exited, or 5 minutes passed); its log:" >&2
  tail -20 "$work/node.log" >&2
  exit 1
fi
echo "node: $(grep -m1 READY "$work/node.log")"
cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
# the bare server: its own JVM with the node's heap and GC flags (bin/setenv's HANZO_JAVA_OPTS),
# serving until its standard input (fd 7 here) closes
node_opts=$(HANZO_JAVA_OPTS="${HANZO_JAVA_OPTS:-}" bash -c '. "$1/bin/setenv" >/dev/null; echo "$HANZO_JAVA_OPTS"' _ "$home")
mkfifo "$work/bare.in"
java $node_opts -Drpcbench.bareDirect="${BARE_DIRECT:-false}" -cp "$cp" ai.hanzo.node.bench.rpc.BareServer "127.0.0.1:$port" "$work/data/admin.key" \
  < "$work/bare.in" > "$work/bare.out" 2>&1 &
bare_pid=$!
exec 7> "$work/bare.in"
for _ in $(seq 1 300); do grep -q '^port ' "$work/bare.out" && break; sleep 0.1; done
bare_port=$(sed -n 's/^port //p' "$work/bare.out")
echo "bare server: pid $bare_pid, port $bare_port, JVM flags: $node_opts"
java -Xmx512m ${BENCH_JAVA_OPTS:-} -Drpcbench.bare="127.0.0.1:$bare_port" -cp "$cp" \
  ai.hanzo.node.bench.rpc.RpcBench "127.0.0.1:$port" "$work/data/admin.key" "$seconds" "$node_pid"
