// `wsbc check module.wasm... --policy policy.wsp|manifest.json`: the analyzer's front door and a
// CI gate. Checks each module against the policy without running it and reports findings
// (pretty, JSON report, or SARIF); the exit code says whether every module is allowed at the
// chosen fail level. Many modules (globs, directories) are checked by a worker pool
// (../check/pool.ts) with a progress bar on a terminal and a summary table in pretty mode.
import type { Diagnostic, Severity } from '@wsbc/diagnostics';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { checkBytes, runCheckJob, type CheckJob, type ModuleOutcome } from '../check/job.js';
import { printableName } from '../check/printable.js';
import type { Verdict } from '../check/table.js';
import { loadPolicy, readInput } from '../input.js';
import { expandModuleArguments } from '../module-args.js';
import { writeChunks } from '../output.js';
import type { DiagnosticRenderer, RenderFormat, RenderOptions } from '../render/index.js';
import { loadRenderer } from '../render/load.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const formats = ['pretty', 'json', 'sarif'] as const;
const failLevels = ['error', 'warning', 'info'] as const;
const rank: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Codes that mean the input is not a module wsbc can read (exit 2), rather than a refusal (exit 1). */
const BAD_INPUT_CODES = new Set(['check/malformed-module', 'check/component-binary', 'input/unreadable']);

const command: Command = {
  name: 'check',
  summary: 'Check modules against a policy without running them',
  usage: `Usage: wsbc check <module.wasm | dir | 'glob'>... --policy <policy.wsp | manifest.json> [--format pretty|json|sarif] [--fail-level error|warning|info] [--walk-code] [--jobs <n>] [--no-progress]

Reads each module without running it and checks every import, memory, table and thread it
declares against the policy: WASI functions against the capabilities they need, other imports
against the policy's \`imports\` list, memories against the memory limit, tables against the
table limits, thread spawning against the thread limit.

Modules: a file, \`-\` (stdin), a directory (every *.wasm below it), or a quoted glob pattern
that wsbc expands itself: \`*\` and \`?\` within a name, \`[a-z]\` sets, \`**\` for any depth
(\`wsbc check 'dist/**/*.wasm'\`). Each pattern's or directory's matches are sorted by path;
arguments keep their order; a module named twice is checked once. Several modules are checked
in parallel, and results are printed in that order whichever finishes first.

Options:
  -p, --policy <file>      the policy: a .wsp source or a compiled manifest .json (required)
      --format <fmt>       pretty (default), json (a report per module), sarif (SARIF 2.1.0)
      --fail-level <lvl>   lowest severity that fails the check: error (default), warning, info
      --walk-code          also decode every instruction, so a malformed function body is
                           reported too (costs about as much as validation)
  -j, --jobs <n>           threads to check with, the main one included (default: the
                           cores not already busy by the load average; 1 checks in sequence)
      --no-progress        no progress bar (shown on stderr only when it is a terminal)
  -h, --help               show this help

Exit codes: 0 every module allowed, 1 a finding at or above the fail level, 2 unreadable or
malformed module, bad policy, or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      policy: { type: 'string', short: 'p' },
      format: { type: 'string', default: 'pretty' },
      'fail-level': { type: 'string', default: 'error' },
      'walk-code': { type: 'boolean' },
      jobs: { type: 'string', short: 'j' },
      'no-progress': { type: 'boolean' },
    });
    if (!parsed.ok) return usageError(ctx, 'check', parsed.message);
    const { values, positionals } = parsed.args;
    const choiceError = checkChoice('format', values.format, formats) ?? checkChoice('fail-level', values['fail-level'], failLevels);
    if (choiceError) return usageError(ctx, 'check', choiceError);
    if (values.policy === undefined) return usageError(ctx, 'check', 'missing --policy <policy.wsp | manifest.json>');
    if (positionals.length === 0) return usageError(ctx, 'check', 'expected at least one module');
    let threads = idleCores();
    if (values.jobs !== undefined) {
      if (!/^[1-9][0-9]{0,3}$/.test(values.jobs)) return usageError(ctx, 'check', `--jobs must be a whole number from 1 to 9999 (got "${values.jobs}")`);
      threads = Number(values.jobs);
    }
    const format = values.format as RenderFormat;
    const failLevel = values['fail-level'] as Severity;

    // Only the renderer this run needs is loaded, and in pretty mode only once there is something
    // to render: a clean check prints verdict lines alone (start-up time). JSON and SARIF always
    // render a report.
    let renderer: DiagnosticRenderer | undefined = format === 'pretty' ? undefined : await loadRenderer(format);
    const ensureRenderer = async () => {
      renderer ??= await loadRenderer(format);
    };
    const renderDiagnostics = (diagnostics: readonly Diagnostic[], options: RenderOptions) => {
      // INVARIANT: every path that can render awaits ensureRenderer() first.
      if (!renderer) throw new Error('check: a diagnostic was rendered before its renderer was loaded');
      return renderer.render(diagnostics, options);
    };
    const policy = await loadPolicy(values.policy, ctx);
    if (!policy.manifest || policy.diagnostics.length > 0) await ensureRenderer();
    const policyErrors = policy.diagnostics.filter((d) => d.severity === 'error');
    if (!policy.manifest || policyErrors.length > 0) {
      const out = format === 'pretty' ? ctx.stderr : ctx.stdout;
      await writeChunks(out, renderDiagnostics(policy.diagnostics, { sources: policy.sources, color: useColor(out, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
      return ExitCode.BadInput;
    }
    // Policy warnings (for example a manifest that is valid but not normalized) do not stop the
    // check; people at a terminal still see them.
    if (policy.diagnostics.length > 0 && format === 'pretty') {
      await writeChunks(ctx.stderr, renderDiagnostics(policy.diagnostics, { sources: policy.sources, color: useColor(ctx.stderr, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    }

    const expanded = expandModuleArguments(positionals, ctx.cwd);
    const targets = expanded.targets;
    if (expanded.problems.length > 0) await ensureRenderer();
    const jobOptions = { walkCode: values['walk-code'] === true };
    const color = useColor(ctx.stdout, ctx.env);
    const renderOptions = { sources: policy.sources, color, toolVersion: WSBC_VERSION, cwd: ctx.cwd };
    const failingProblems = (problems: readonly Diagnostic[]) => problems.some((d) => rank[d.severity] >= rank[failLevel]);
    // The progress bar and the summary table are loaded only for several modules (start-up time).
    const several = targets.length > 1;
    const bar =
      several && values['no-progress'] !== true && ctx.env.TERM !== 'dumb'
        ? (await import('../check/progress.js')).createProgressBar(ctx.stderr, {
            total: targets.length,
            columns: (ctx.stderr as { columns?: number }).columns,
            now: () => performance.now(),
          })
        : { tick: () => undefined, clear: () => undefined };

    // Pretty output streams in argument order: a module's block is written as soon as it and every
    // module before it are done, whichever thread finished first. Outcomes arrive while earlier
    // blocks may still be waiting for stdout, so the writes queue up on `printing`.
    const outcomes: Array<ModuleOutcome | undefined> = new Array(targets.length);
    let written = 0;
    const printReady = async () => {
      while (written < targets.length && outcomes[written]) {
        const outcome = outcomes[written]!;
        written++;
        bar.clear();
        if (outcome.problems.length > 0) await writeChunks(ctx.stdout, renderDiagnostics(outcome.problems, renderOptions));
        ctx.stdout.write(`${verdictLine(outcome, failingProblems(outcome.problems), color)}\n`);
      }
    };
    let printing = Promise.resolve();
    const onOutcome = (index: number, outcome: ModuleOutcome) => {
      outcomes[index] = outcome;
      bar.tick(outcome.file);
      if (format !== 'pretty') return;
      printing = printing.then(printReady);
      // A failure (a bug) is thrown where `printing` is awaited, not reported as unhandled before.
      printing.catch(() => undefined);
    };
    // For outcomes settled on this thread: load the renderer first when the module has findings.
    const settle = async (index: number, outcome: ModuleOutcome) => {
      if (outcome.problems.length > 0) await ensureRenderer();
      onOutcome(index, outcome);
    };

    if (format === 'pretty' && expanded.problems.length > 0) await writeChunks(ctx.stdout, renderDiagnostics(expanded.problems, renderOptions));
    const startedAt = performance.now();
    // Stdin can only be read here, on the main thread; files go to the pool when there are several.
    const fileJobs: CheckJob[] = [];
    const fileIndexes: number[] = [];
    for (const [index, target] of targets.entries()) {
      if (target.path === '-') {
        const read = await readInput('-', ctx);
        await settle(index, read.ok ? checkBytes(target.file, read.value, policy.manifest, jobOptions) : { file: target.file, result: undefined, problems: [read.diagnostic], bytes: 0, ms: 0 });
      } else {
        fileJobs.push(target);
        fileIndexes.push(index);
      }
    }
    if (fileJobs.length === 1) {
      await settle(fileIndexes[0]!, runCheckJob(fileJobs[0]!, policy.manifest, jobOptions));
    } else if (fileJobs.length > 1) {
      // The pool reports outcomes synchronously, so several modules load the renderer up front.
      await ensureRenderer();
      const { checkModulesInPool } = await import('../check/pool.js');
      try {
        await checkModulesInPool(fileJobs, policy.manifest, { ...jobOptions, threads, onOutcome: (i, outcome) => onOutcome(fileIndexes[i]!, outcome) });
      } finally {
        bar.clear();
      }
    }
    await printing;
    bar.clear();
    const wallMs = performance.now() - startedAt;
    // INVARIANT: every target was settled above, by the pool, the single-file path or stdin.
    const reports = outcomes as ModuleOutcome[];

    const all = [...expanded.problems, ...reports.flatMap((r) => r.problems)];
    const badInput = all.some((d) => BAD_INPUT_CODES.has(d.code));
    const failing = (r: ModuleOutcome) => failingProblems(r.problems);

    if (format === 'json') {
      // The shared JSON report (version, tool, diagnostics, summary) plus a `check` object with the
      // per-module verdicts, so generic consumers and check-aware ones read the same document.
      const [{ jsonReport }, { jsonDocument, JsonSequence }] = await Promise.all([import('../render/json.js'), import('../render/json-stream.js')]);
      const report = {
        ...jsonReport(all, { ...renderOptions, color: false }),
        check: {
          policy: values.policy,
          failLevel,
          passed: !badInput && !reports.some(failing),
          modules: new JsonSequence(reports, (r) => ({
            file: r.file,
            allowed: r.result?.allowed ?? false,
            passed: !failing(r),
            verdict: verdictOf(r, failing(r)),
            bytes: r.bytes,
            summary: r.result?.summary ?? null,
          })),
        },
      };
      await writeChunks(ctx.stdout, jsonDocument(report));
    } else if (format === 'sarif') {
      await writeChunks(ctx.stdout, renderDiagnostics(all, { ...renderOptions, color: false }));
    } else if (several) {
      const { renderSummaryTable } = await import('../check/table.js');
      ctx.stdout.write(renderSummaryTable(reports.map((r) => ({ outcome: r, verdict: verdictOf(r, failing(r)) })), { color, wallMs }));
    }

    if (badInput) return ExitCode.BadInput;
    return reports.some(failing) ? ExitCode.Findings : ExitCode.Ok;
  },
};

/**
 * The default thread count: the cores not already busy, as `make -l` does. On a CI runner or a
 * shared machine that is already saturated, workers only add their start-up cost (each loads the
 * analyzer and warms its own JIT), so an over-loaded machine checks on the main thread alone.
 * The load average counts this process, hence the + 1. (loadavg() is [0, 0, 0] on Windows.)
 */
function idleCores(): number {
  const cores = availableParallelism();
  return Math.max(1, Math.min(cores, cores - Math.floor(loadavg()[0]!) + 1));
}

function verdictOf(outcome: ModuleOutcome, failed: boolean): Verdict {
  if (!outcome.result) return 'unreadable';
  if (outcome.problems.some((d) => BAD_INPUT_CODES.has(d.code))) return 'malformed';
  return failed ? 'refused' : 'allowed';
}

function verdictLine(outcome: ModuleOutcome, failed: boolean, color: boolean): string {
  const { result, problems } = outcome;
  const file = printableName(outcome.file);
  const count = (severity: Severity, noun: string) => {
    const n = problems.filter((d) => d.severity === severity).length;
    return n === 0 ? undefined : `${n} ${noun}${n === 1 ? '' : 's'}`;
  };
  const counts = [count('error', 'error'), count('warning', 'warning'), count('info', 'note')].filter(Boolean).join(', ');
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const verdict = verdictOf(outcome, failed);
  if (!result || verdict === 'malformed') return `${paint('31', verdict)} ${file}`;
  const imports = `${result.summary.imports} import${result.summary.imports === 1 ? '' : 's'}`;
  const shown = verdict === 'refused' ? paint('31;1', 'refused') : paint('32;1', 'allowed');
  // Clock reads are granted by every policy, so they are not worth a mention.
  const needs = result.summary.capabilities.filter((c) => c !== 'time.read');
  const needsText = needs.length > 0 ? `; needs ${needs.join(', ')}` : '';
  return `${shown} ${file} (${imports}${needsText}${counts ? `; ${counts}` : ''})`;
}

export default command;
