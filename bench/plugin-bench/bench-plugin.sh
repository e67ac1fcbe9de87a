#!/usr/bin/env bash
# Plugin hot-install benchmark: see bench/README.md ("Plugins"). Needs the built archive
# (distribution/assembly/target) and the runc example (examples/runtime-runc/target), as root.
#   RUNS=5 bench/plugin-bench/bench-plugin.sh
#   POLL=1000 RUNS=5 bench/plugin-bench/bench-plugin.sh    # with another deploy/ poll interval
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-5}
archive=$(ls "$root"/distribution/assembly/target/hanzo-node-*.tar.gz | head -1)
jar=$(ls "$root"/examples/runtime-runc/target/hanzo-node-example-runtime-runc-*.jar | grep -v sources | head -1)
harness=$root/bundles/p2p/src/test/js
grpcdir=$root/bench/startup
bash "$root/examples/runtime-runc/src/test/sh/install-runc.sh"
(cd "$harness" && [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null)
(cd "$grpcdir" && [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null)
work=$(mktemp -d /tmp/hanzo-plugin-bench.XXXXXX)
# a failed run keeps the unpacked node (its log is bench-node.out) for a look
trap 'rc=$?; rm -f "$harness/bench-plugin.mjs"; if [ $rc -eq 0 ]; then rm -rf "$work"; else echo "kept $work" >&2; fi' EXIT
tar xzf "$archive" -C "$work" --strip-components=1
# POLL=1000 measures File Install's earlier deploy/ poll side by side with the shipped one (250 ms)
if [ -n "${POLL:-}" ]; then
  sed -i "s/^felix.fileinstall.poll .*/felix.fileinstall.poll = $POLL/" "$work/etc/org.apache.felix.fileinstall-deploy.cfg"
fi
echo "deploy/ poll: $(grep '^felix.fileinstall.poll' "$work/etc/org.apache.felix.fileinstall-deploy.cfg")"
cp "$jar" "$work/runtime-runc.jar" && jar=$work/runtime-runc.jar
# ES modules resolve packages next to the script: run it from the harness directory
cp "$root/bench/plugin-bench/bench-plugin.mjs" "$harness/"
echo "load before: $(uptime)"
(cd "$harness" && node --import ./polyfill.mjs bench-plugin.mjs "$work" "$jar" "$root/proto/src/main/proto" "$grpcdir" "$runs")
echo "load after: $(uptime)"
