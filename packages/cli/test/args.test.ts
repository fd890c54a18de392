// parseCommandArgs: node's parseArgs semantics, at any length of command line.
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs, type OptionSpec } from '../src/args.js';

const options = {
  env: { type: 'string', short: 'e', multiple: true },
  policy: { type: 'string', short: 'p' },
  format: { type: 'string', default: 'pretty' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', default: false },
} satisfies OptionSpec;

const node = (argv: string[]) => parseArgs({ args: argv, options, allowPositionals: true, strict: true });

describe('scale', () => {
  it('reads a long command line as node parseArgs does', () => {
    const argv: string[] = [];
    for (let i = 0; i < 3000; i++) {
      argv.push('-e', `A${i}=${i}`, `file${i}`, i % 7 === 0 ? '-q' : `--env=B${i}`);
      if (i % 500 === 0) argv.push('--policy', `p${i}.wsp`, '-', '--verbose');
    }
    argv.push('--', '--format', '-e', 'tail');
    const ours = parseCommandArgs(argv, options);
    expect(ours.ok).toBe(true);
    const theirs = node(argv);
    expect(ours.ok && { ...ours.args.values }).toEqual({ ...theirs.values });
    expect(ours.ok && ours.args.positionals).toEqual(theirs.positionals);
    expect(ours.ok && ours.args.values.format).toBe('pretty');
  });

  it('reports the first bad argument of a long command line as node parseArgs does', () => {
    const argv: string[] = [];
    for (let i = 0; i < 2000; i++) argv.push('-e', `A${i}=1`);
    argv.push('--bogus', 'x', '-e');
    const ours = parseCommandArgs(argv, options);
    expect(ours.ok).toBe(false);
    expect(() => node(argv)).toThrow(!ours.ok ? ours.message : 'unreachable');
  });

  // Before, node's parseArgs took every argument off the front of the list: 400,000 arguments
  // took close to a minute.
  it('reads 200,000 repeated options and 100,000 positionals in linear time', { timeout: 30_000 }, () => {
    const argv: string[] = [];
    for (let i = 0; i < 200_000; i++) argv.push('-e', `A${i}=1`);
    for (let i = 0; i < 100_000; i++) argv.push(`module${i}.wasm`);
    const parsed = parseCommandArgs(argv, options);
    expect(parsed.ok && parsed.args.values.env).toHaveLength(200_000);
    expect(parsed.ok && parsed.args.positionals).toHaveLength(100_000);
    expect(parsed.ok && parsed.args.positionals.at(-1)).toBe('module99999.wasm');
  });
});
