#!/bin/sh
# CLI start-up: `wsbc compile` of a small policy and `wsbc check` of esbuild.wasm (14 MB), under its
# `.wsp` policy and under the same policy compiled to a manifest `.json`, against `node -e 0`, side
# by side in one hyperfine run (target: at most 2x). Prints hyperfine's report,
# then the ratios of mean and median wall time and of mean user CPU (steadier on a loaded machine).
# With `bundled`, the same commands also run from an esbuild bundle of dist/ (code-split per command,
# made in the temporary directory), to show what loading fewer files would give; only the `.wsp`
# commands, since the bundle does not carry the manifest validator (generated/*.cjs, loaded on demand).
#
#   npx tsc -b packages/cli && sh packages/cli/bench/startup.sh [runs] [bundled]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
runs=${1:-40}
bundled=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$root/packages/cli/dist/bin.js"
module="$root/node_modules/esbuild-wasm/esbuild.wasm"
printf 'policy "small" extends minimal {\n  env allow ["LANG"]\n  random pseudo\n}\n' > "$work/small.wsp"
# The policy `wsbc infer` writes for the module, so the check allows it (exit 0).
node "$bin" infer "$module" -o "$work/esbuild.wsp"
node "$bin" compile "$work/esbuild.wsp" -o "$work/esbuild.json"
set -- 'node -e 0' "node $bin compile $work/small.wsp" "node $bin check $module --policy $work/esbuild.wsp" "node $bin check $module --policy $work/esbuild.json"
if [ "$bundled" = bundled ]; then
  node "$root/node_modules/esbuild-wasm/bin/esbuild" "$root/packages/cli/dist/bin.js" "$root/packages/cli/dist/check/worker.js" \
    --bundle --splitting --format=esm --platform=node --external:typescript --outdir="$work/bundle" --log-level=error
  set -- "$@" "node $work/bundle/bin.js compile $work/small.wsp" "node $work/bundle/bin.js check $module --policy $work/esbuild.wsp"
fi
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/startup.json" "$@"
node -e '
const { results } = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
const [base, ...rest] = results;
const ms = (s) => (s * 1000).toFixed(1);
for (const r of rest) {
  const name = (r.command.includes("/bundle/") ? "bundled " : "") + (r.command.includes(" compile ") ? "wsbc compile" : r.command.endsWith(".json") ? "wsbc check (manifest .json)" : "wsbc check");
  console.log(`${name}: wall mean ${ms(r.mean)} ms (${(r.mean / base.mean).toFixed(2)}x), median ${ms(r.median)} ms (${(r.median / base.median).toFixed(2)}x), user ${ms(r.user)} ms (${(r.user / base.user).toFixed(2)}x); node -e 0: mean ${ms(base.mean)}, median ${ms(base.median)}, user ${ms(base.user)} ms`);
}' "$work/startup.json"
