#!/bin/sh
# Runs the compute benchmarks one after the other (see README.md). Build first: mvn -q package.
set -e
cd "$(dirname "$0")"
FLAGS="-Xmx512m -Dchronicle.analytics.disable=true -Djna.tmpdir=/tmp/compute-bench-jna \
 --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
 --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
CP="target/classes:$(cat target/classpath.txt)"
for b in ${BENCHES:-deploy idle recovery}; do
  java $FLAGS -cp "$CP" ai.hanzo.node.bench.compute.ComputeBench "$b"
done
