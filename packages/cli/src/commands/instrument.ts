// `wsbc instrument in.wasm -o out.wasm [--policy p] [--fuel N|--no-fuel] [--cost-table f.json]
// [--stack-depth N]`: the instrumenter alone, without the check and seal of `wsbc build`. Useful to
// inspect what metering does to a module, or to feed another runtime that speaks the wsbc ABI.
import type { Diagnostic } from '@wsbc/diagnostics';
import { instrumentAsync, parseCostTable, MAX_STACK_DEPTH, type CostTable, type InstrumentOptions } from '@wsbc/instrumenter';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicy, readInput } from '../input.js';
import { clobberedInput, clobberMessage, writeChunks, writeError, writeOutput } from '../output.js';
import { renderDiagnostics, type RenderFormat } from '../render/index.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const formats = ['pretty', 'json', 'sarif'] as const;

const command: Command = {
  name: 'instrument',
  summary: 'Add fuel metering, memory-growth and stack-depth guards to a module',
  usage: `Usage: wsbc instrument <in.wasm | -> -o <out.wasm> [--policy <p.wsp | manifest.json>]
                       [--fuel | --no-fuel] [--cost-table <costs.json>] [--stack-depth <N>]
                       [--counter local|global] [--checks loop|block] [--no-branch-hints]
                       [--jobs <n>] [--format pretty|json|sarif]

Rewrites a module so it cannot run past its fuel budget, grow memory past its limits or recurse
deeper than a limit. The budget itself is set at run time by the host (see docs/instrumenter.md);
the policy supplies the memory limits, the stack depth and whether fuel is metered at all.

Options:
  -o, --output <file>       where to write the instrumented module (required)
  -p, --policy <file>       take limits from this policy (.wsp) or manifest (.json); without it,
                            fuel is metered and memory growth is only charged, not limited
      --fuel                meter fuel (the default, unless the policy says fuel is unlimited)
      --no-fuel             do not meter fuel
      --cost-table <file>   instruction prices as JSON: {"default","check","perUnit","perPage","ops"}
      --stack-depth <N>     trap when calls nest deeper than N (1..${MAX_STACK_DEPTH}); 0 turns the
                            guard off even if the policy sets one
      --counter <where>     cache the fuel counter in a local in loop-heavy functions (local,
                            default) or update the global at every charge (global)
      --checks <where>      where charges test the counter: at function entries, loop headers
                            and returns (loop, default; a run stops at most 1,000 fuel units
                            past its budget) or at every metered block (block; slower, no overrun)
      --no-branch-hints     leave out the metadata.code.branch_hint section that marks each
                            counter test unlikely (engines that read it compile the out-of-fuel
                            path as cold code; others ignore it)
  -j, --jobs <n>            threads that rewrite a module with 2 MB of code or more, the main one
                            included (default: the cores the load average leaves idle, less one
                            for the engine's compiler; 1 to 9999, at most 16 used); the output is
                            the same for any count
      --format <fmt>        how to report diagnostics: pretty (default), json, sarif
  -h, --help                show this help

Exit codes: 0 instrumented, 1 the instrumenter refused the module (reserved names, memory above
the policy's limit), 2 unreadable or invalid module, bad policy or cost table, or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      output: { type: 'string', short: 'o' },
      policy: { type: 'string', short: 'p' },
      fuel: { type: 'boolean' },
      'no-fuel': { type: 'boolean' },
      'cost-table': { type: 'string' },
      'stack-depth': { type: 'string' },
      counter: { type: 'string', default: 'local' },
      checks: { type: 'string', default: 'loop' },
      'no-branch-hints': { type: 'boolean' },
      jobs: { type: 'string', short: 'j' },
      format: { type: 'string', default: 'pretty' },
    });
    if (!parsed.ok) return usageError(ctx, 'instrument', parsed.message);
    const { values, positionals } = parsed.args;
    const formatError = checkChoice('format', values.format, formats) ?? checkChoice('counter', values.counter, ['local', 'global'] as const) ?? checkChoice('checks', values.checks, ['loop', 'block'] as const);
    if (formatError) return usageError(ctx, 'instrument', formatError);
    if (positionals.length !== 1) return usageError(ctx, 'instrument', 'expected exactly one module file (or - for stdin)');
    if (values.output === undefined) return usageError(ctx, 'instrument', 'missing -o <out.wasm>');
    const clobbered = clobberedInput(values.output, [positionals[0], values.policy, values['cost-table']], ctx.cwd);
    if (clobbered !== undefined) return usageError(ctx, 'instrument', clobberMessage(values.output, clobbered));
    if (values.fuel && values['no-fuel']) return usageError(ctx, 'instrument', '--fuel and --no-fuel contradict each other');
    let stackDepth: number | null | undefined;
    if (values['stack-depth'] !== undefined) {
      const n = Number(values['stack-depth']);
      if (!/^\d+$/.test(values['stack-depth']) || n > MAX_STACK_DEPTH) {
        return usageError(ctx, 'instrument', `--stack-depth expects an integer from 0 to ${MAX_STACK_DEPTH}`);
      }
      stackDepth = n === 0 ? null : n;
    }
    let threads: number | undefined;
    if (values.jobs !== undefined) {
      if (!/^[1-9][0-9]{0,3}$/.test(values.jobs)) return usageError(ctx, 'instrument', `--jobs must be a whole number from 1 to 9999 (got "${values.jobs}")`);
      threads = Number(values.jobs);
    }
    const format = values.format as RenderFormat;
    const file = positionals[0]!;
    const out = format === 'pretty' ? ctx.stderr : ctx.stdout;
    const sources = new Map<string, string>();
    const report = async (diagnostics: Diagnostic[]): Promise<void> => {
      if (diagnostics.length === 0 && format === 'pretty') return;
      await writeChunks(out, renderDiagnostics(format, diagnostics, { sources, color: useColor(out, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    };

    const options: InstrumentOptions = {
      file,
      counter: values.counter as 'local' | 'global',
      checks: values.checks as 'loop' | 'block',
      branchHints: values['no-branch-hints'] !== true,
    };
    if (values.policy !== undefined) {
      const policy = await loadPolicy(values.policy, ctx);
      for (const [k, v] of policy.sources) sources.set(k, v);
      if (!policy.manifest || policy.diagnostics.some((d) => d.severity === 'error')) {
        await report(policy.diagnostics);
        return ExitCode.BadInput;
      }
      options.manifest = policy.manifest;
    }
    if (values.fuel) options.fuel = true;
    if (values['no-fuel']) options.fuel = false;
    if (stackDepth !== undefined) options.stackDepth = stackDepth;
    if (values['cost-table'] !== undefined) {
      const read = await readInput(values['cost-table'], ctx);
      if (!read.ok) {
        await report([read.diagnostic]);
        return ExitCode.BadInput;
      }
      let json: unknown;
      try {
        json = JSON.parse(read.value.toString('utf8'));
      } catch (e) {
        await report([{ code: 'instrument/invalid-cost-table', severity: 'error', message: `${values['cost-table']}: not JSON (${(e as Error).message})`, span: { file: values['cost-table'], byteOffset: 0 } }]);
        return ExitCode.BadInput;
      }
      const table = parseCostTable(json, values['cost-table']);
      if (!table.ok) {
        await report(table.diagnostics);
        return ExitCode.BadInput;
      }
      options.costTable = table.value as CostTable;
    }

    const input = await readInput(file, ctx);
    if (!input.ok) {
      await report([input.diagnostic]);
      return ExitCode.BadInput;
    }
    // Large modules are rewritten on several threads; the output is the same for any count.
    const result = await instrumentAsync(input.value, threads === undefined ? options : { ...options, threads });
    await report(result.diagnostics);
    if (!result.ok) {
      const badInput = result.diagnostics.some((d) => d.code === 'instrument/invalid-module' || d.code === 'instrument/invalid-options');
      return badInput ? ExitCode.BadInput : ExitCode.Findings;
    }
    const written = writeOutput(values.output, result.value.bytes, ctx.cwd);
    if (!written.ok) return writeError(ctx, 'instrument', written.message);
    if (format === 'pretty') {
      const { stats, record } = result.value;
      const guards = [record.fuel ? 'fuel' : null, record.memory ? `memory ≤ ${record.memory.maxPages} pages` : null, record.stackDepth !== null ? `stack depth ≤ ${record.stackDepth}` : null].filter(Boolean);
      const growth = ((stats.outputBytes / stats.inputBytes - 1) * 100).toFixed(1);
      ctx.stderr.write(`instrumented ${file} → ${values.output}: ${guards.join(', ') || 'no guards'}; ${plural(stats.functions, 'function')}, ${plural(stats.charges, 'metered block')}, ${stats.inputBytes} → ${stats.outputBytes} bytes (+${growth}%)\n`);
    }
    return ExitCode.Ok;
  },
};

export default command;

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
