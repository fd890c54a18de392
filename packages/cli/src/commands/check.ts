// `wsbc check module.wasm... --policy policy.wsp|manifest.json`: the analyzer's front door and a
// CI gate. Checks each module against the policy without running it and reports findings
// (pretty, JSON report, or SARIF); the exit code says whether every module is allowed at the
// chosen fail level.
import type { Diagnostic, Severity } from '@wsbc/diagnostics';
import { checkModule, type CheckResult } from '@wsbc/analyzer';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicy, readInput } from '../input.js';
import { renderDiagnostics, type RenderFormat } from '../render/index.js';
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
  usage: `Usage: wsbc check <module.wasm>... --policy <policy.wsp | manifest.json> [--format pretty|json|sarif] [--fail-level error|warning|info] [--walk-code]

Reads each module without running it and checks every import, memory, table and thread it
declares against the policy: WASI functions against the capabilities they need, other imports
against the policy's \`imports\` list, memories against the memory limit, tables against the
table limits, thread spawning against the thread limit.

Options:
  -p, --policy <file>      the policy: a .wsp source or a compiled manifest .json (required)
      --format <fmt>       pretty (default), json (a report per module), sarif (SARIF 2.1.0)
      --fail-level <lvl>   lowest severity that fails the check: error (default), warning, info
      --walk-code          also decode every instruction, so a malformed function body is
                           reported too (costs about as much as validation)
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
    });
    if (!parsed.ok) return usageError(ctx, 'check', parsed.message);
    const { values, positionals } = parsed.args;
    const choiceError = checkChoice('format', values.format, formats) ?? checkChoice('fail-level', values['fail-level'], failLevels);
    if (choiceError) return usageError(ctx, 'check', choiceError);
    if (values.policy === undefined) return usageError(ctx, 'check', 'missing --policy <policy.wsp | manifest.json>');
    if (positionals.length === 0) return usageError(ctx, 'check', 'expected at least one module');
    const format = values.format as RenderFormat;
    const failLevel = values['fail-level'] as Severity;

    const policy = await loadPolicy(values.policy, ctx);
    const policyErrors = policy.diagnostics.filter((d) => d.severity === 'error');
    if (!policy.manifest || policyErrors.length > 0) {
      const out = format === 'pretty' ? ctx.stderr : ctx.stdout;
      out.write(renderDiagnostics(format, policy.diagnostics, { sources: policy.sources, color: useColor(out, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
      return ExitCode.BadInput;
    }
    // Policy warnings (for example a manifest that is valid but not normalized) do not stop the
    // check; people at a terminal still see them.
    if (policy.diagnostics.length > 0 && format === 'pretty') {
      ctx.stderr.write(renderDiagnostics('pretty', policy.diagnostics, { sources: policy.sources, color: useColor(ctx.stderr, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    }

    const reports: Array<{ file: string; result: CheckResult | undefined; problems: Diagnostic[] }> = [];
    for (const file of positionals) {
      const read = await readInput(file, ctx);
      if (!read.ok) {
        reports.push({ file, result: undefined, problems: [read.diagnostic] });
        continue;
      }
      const result = checkModule(read.value, policy.manifest, { file, walkCode: values['walk-code'] === true });
      reports.push({ file, result, problems: result.findings });
    }

    const all = reports.flatMap((r) => r.problems);
    const badInput = all.some((d) => BAD_INPUT_CODES.has(d.code));
    const failing = (r: (typeof reports)[number]) => r.problems.some((d) => rank[d.severity] >= rank[failLevel]);

    if (format === 'json') {
      // The shared JSON report (version, tool, diagnostics, summary) plus a `check` object with the
      // per-module verdicts, so generic consumers and check-aware ones read the same document.
      const shared = JSON.parse(renderDiagnostics('json', all, { sources: policy.sources, color: false, toolVersion: WSBC_VERSION, cwd: ctx.cwd })) as Record<string, unknown>;
      const report = {
        ...shared,
        check: {
          policy: values.policy,
          failLevel,
          passed: !badInput && !reports.some(failing),
          modules: reports.map((r) => ({
            file: r.file,
            allowed: r.result?.allowed ?? false,
            passed: !failing(r),
            summary: r.result?.summary ?? null,
          })),
        },
      };
      ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else if (format === 'sarif') {
      ctx.stdout.write(renderDiagnostics('sarif', all, { sources: policy.sources, color: false, toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    } else {
      const color = useColor(ctx.stdout, ctx.env);
      for (const r of reports) {
        if (r.problems.length > 0) ctx.stdout.write(renderDiagnostics('pretty', r.problems, { sources: policy.sources, color, toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
        ctx.stdout.write(`${verdictLine(r.file, r.result, r.problems, failing(r), color)}\n`);
      }
    }

    if (badInput) return ExitCode.BadInput;
    return reports.some(failing) ? ExitCode.Findings : ExitCode.Ok;
  },
};

function verdictLine(file: string, result: CheckResult | undefined, problems: Diagnostic[], failed: boolean, color: boolean): string {
  const count = (severity: Severity, noun: string) => {
    const n = problems.filter((d) => d.severity === severity).length;
    return n === 0 ? undefined : `${n} ${noun}${n === 1 ? '' : 's'}`;
  };
  const counts = [count('error', 'error'), count('warning', 'warning'), count('info', 'note')].filter(Boolean).join(', ');
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  if (!result) return `${paint('31', 'unreadable')} ${file}`;
  if (problems.some((d) => BAD_INPUT_CODES.has(d.code))) return `${paint('31', 'malformed')} ${file}`;
  const imports = `${result.summary.imports} import${result.summary.imports === 1 ? '' : 's'}`;
  const verdict = failed ? paint('31;1', 'refused') : paint('32;1', 'allowed');
  // Clock reads are granted by every policy, so they are not worth a mention.
  const needs = result.summary.capabilities.filter((c) => c !== 'time.read');
  const needsText = needs.length > 0 ? `; needs ${needs.join(', ')}` : '';
  return `${verdict} ${file} (${imports}${needsText}${counts ? `; ${counts}` : ''})`;
}

export default command;
