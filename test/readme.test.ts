// The README is a contract with users: these tests keep it true. Every command the CLI dispatches
// is listed with every long flag its --help names, the example policy compiles, the exit-code
// tables agree with the code, and the quick-start commands are the ones .ci/run executes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, ExitCode } from '@wsbc/cli';
import { compilePolicySource } from '@wsbc/policy-dsl';
import { RunStatus } from '@wsbc/runtime';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('lists every command with every long flag of its --help', async () => {
    const missing: string[] = [];
    for (const [name, entry] of Object.entries(commands)) {
      if (!readme.includes(`\`wsbc ${name}`)) missing.push(`command ${name}`);
      const usage = (await entry.load()).default.usage;
      for (const flag of new Set(usage.match(/--[a-z][a-z-]*/g) ?? [])) {
        if (flag === '--help') continue;
        const row = readme.split('\n').find((line) => line.startsWith(`| \`wsbc ${name}`)) ?? '';
        if (!row.includes(flag)) missing.push(`${name} ${flag}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('shows an example policy that compiles without diagnostics', () => {
    const start = readme.indexOf('# Image thumbnailer plugin');
    const source = readme.slice(start, readme.indexOf('```', start));
    const result = compilePolicySource(source, { file: 'README.md', baseDir: '/srv/thumbnailer' });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('documents every exit code of the CLI and every sandbox status of run', () => {
    const documented = (code: number) => new RegExp(`^\\| ${code} \\|`, 'm').test(readme);
    for (const code of Object.values(ExitCode)) expect(documented(code), `exit code ${code}`).toBe(true);
    for (const status of Object.values(RunStatus)) {
      if (typeof status === 'number' && status !== 0) expect(documented(status), `run status ${status}`).toBe(true);
    }
  });

  it('gives the quick-start test command that CI runs', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const testCommand = 'npx -y pnpm@10 test';
    expect(readme).toContain(`npx -y pnpm@10 install && ${testCommand}`);
    expect(ci).toContain(testCommand);
    expect(readme).toContain('npx -y pnpm@10 install && npx -y pnpm@10 demo');
  });
});
