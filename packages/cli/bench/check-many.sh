#!/bin/sh
# Wall time of `wsbc check` on many modules: the worker pool (--jobs = cores) against checking in
# sequence (--jobs 1), side by side in one hyperfine run, each a fresh process as in CI. (The
# default --jobs also looks at the load average; this script fixes it to measure the pool itself.)
# Modules: esbuild-wasm, sql.js and @swc/wasm from the npm corpus, each copied `copies` times
# (hard links) into a temporary tree; with and without --walk-code (the instruction walk is where
# parallelism can pay; the default check reads only the module's header sections).
#
#   npx tsc -b packages/cli && sh packages/cli/bench/check-many.sh [copies] [runs]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
copies=${1:-4}
runs=${2:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$root/packages/cli/dist/bin.js"
i=0
while [ "$i" -lt "$copies" ]; do
  mkdir -p "$work/dist/$i"
  for module in esbuild-wasm/esbuild.wasm sql.js/dist/sql-wasm.wasm @swc/wasm/wasm_bg.wasm; do
    ln "$root/node_modules/$module" "$work/dist/$i/" 2>/dev/null || cp "$root/node_modules/$module" "$work/dist/$i/"
  done
  i=$((i + 1))
done
printf 'policy "bench" extends minimal {\n}\n' > "$work/p.wsp"
cores=$(node -p 'require("node:os").availableParallelism()')
cd "$work"
# Exit code 1 (some modules need grants the policy does not give) is expected: -i.
hyperfine -N -i --warmup 1 --runs "$runs" \
  "node $bin check dist/**/*.wasm --policy p.wsp --format json --jobs 1" \
  "node $bin check dist/**/*.wasm --policy p.wsp --format json --jobs $cores" \
  "node $bin check dist/**/*.wasm --policy p.wsp --format json --walk-code --jobs 1" \
  "node $bin check dist/**/*.wasm --policy p.wsp --format json --walk-code --jobs $cores"
