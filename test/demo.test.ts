// The README's first command runs scripts/demo.mjs on the built packages; it must keep working
// and keep failing loudly when a step misbehaves. Runs after `turbo run test` built everything
// (the root `test` script); without a build it skips with a message.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const built = ['packages/cli/dist/bin.js', 'packages/wsbc/dist/index.js'].every((f) => existsSync(join(root, f)));
if (!built) console.warn('demo test skipped: packages are not built (packages/*/dist); run `pnpm build` first');

describe.skipIf(!built)('scripts/demo.mjs', () => {
  it('runs the main job end to end and reports what was allowed and denied', () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts/demo.mjs')], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toContain('guest stdout: Hello from a file the policy allows.');
    expect(result.stdout).toMatch(/audit: DENIED {2}filesystem path_open \{"path":"\/data\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"\}/);
    expect(result.stdout).toContain('Every step behaved as expected.');
    expect(result.stdout).not.toContain('UNEXPECTED');
  });
});
