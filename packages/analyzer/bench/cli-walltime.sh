#!/bin/sh
# CLI wall time of `wsbc check` on esbuild.wasm against `node -e 0` (hyperfine, one run).
# The policy is what `wsbc infer` writes for the module, so the check allows it (exit 0).
#
#   npx tsc -b packages/cli && sh packages/analyzer/bench/cli-walltime.sh [runs]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
runs=${1:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
module="$root/node_modules/esbuild-wasm/esbuild.wasm"
bin="$root/packages/cli/dist/bin.js"
node "$bin" infer "$module" -o "$work/esbuild.wsp"
node "$bin" compile "$work/esbuild.wsp" -o "$work/esbuild.json"
hyperfine -N --warmup 5 --runs "$runs" \
  'node -e 0' \
  "node $bin check $module --policy $work/esbuild.wsp" \
  "node $bin check $module --policy $work/esbuild.json"
