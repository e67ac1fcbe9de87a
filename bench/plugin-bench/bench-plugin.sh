#!/usr/bin/env bash
# Plugin hot-install benchmark: see bench/README.md ("Plugins"). Needs the built archive
# (distribution/assembly/target) and the runc example (examples/runtime-runc/target), as root.
#   RUNS=5 bench/plugin-bench/bench-plugin.sh
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
trap 'rm -rf "$work" "$harness/bench-plugin.mjs"' EXIT
tar xzf "$archive" -C "$work" --strip-components=1
cp "$jar" "$work/runtime-runc.jar" && jar=$work/runtime-runc.jar
# ES modules resolve packages next to the script: run it from the harness directory
cp "$root/bench/plugin-bench/bench-plugin.mjs" "$harness/"
echo "load before: $(uptime)"
(cd "$harness" && node --import ./polyfill.mjs bench-plugin.mjs "$work" "$jar" "$root/proto/src/main/proto" "$grpcdir" "$runs")
echo "load after: $(uptime)"
