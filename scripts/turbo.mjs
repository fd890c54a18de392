// Runs turbo with the Node and V8 versions in its environment (turbo.json's globalEnv hashes
// WSBC_NODE_VERSION into every task), so a build made under another Node is never taken from
// turbo's cache: the builds write V8 code caches that only the V8 that made them accepts.
// Usage: node scripts/turbo.mjs <turbo arguments>   (the root package.json scripts use it)
import { spawnSync } from 'node:child_process';

const result = spawnSync('turbo', process.argv.slice(2), {
  stdio: 'inherit',
  env: { ...process.env, WSBC_NODE_VERSION: `${process.version} v8 ${process.versions.v8}` },
});
if (result.error) {
  process.stderr.write(`scripts/turbo.mjs: cannot run turbo: ${result.error.message} (run it through pnpm, which puts node_modules/.bin on PATH)\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
