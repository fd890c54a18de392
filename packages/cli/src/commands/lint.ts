// `wsbc lint [options] files...`: runs the policy linter's rules on .wsp files (a directory stands
// for the .wsp files below it) and reports the findings. Levels come from each rule's default, the
// nearest `.wsbc-lint.json` (or --config), and --rule flags; findings silenced inline are not
// counted but are kept in JSON (`suppressed`) and SARIF (results with an in-source suppression and
// its justification) for audits.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Diagnostic, Severity } from '@wsbc/diagnostics';
import {
  allRules,
  findLintConfig,
  lintPolicySource,
  parseLintConfig,
  parseRuleFlag,
  resolveRuleSettings,
  type LintConfig,
  type LintLevel,
  type SuppressedFinding,
} from '@wsbc/policy-dsl/lint';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { expandPolicyDirectories, ioErrorReason, readInput, readStdin } from '../input.js';
import { writeChunks } from '../output.js';
import { renderDiagnostics, RENDER_FORMATS, type RenderFormat, type RenderOptions } from '../render/index.js';
import { jsonDiagnostics, jsonReport } from '../render/json.js';
import { jsonDocument, JsonSequence } from '../render/json-stream.js';
import { sarifLog } from '../render/sarif.js';
import { displayFile } from '../render/summary.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const FAIL_LEVELS = ['error', 'warning', 'info'] as const;
const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

const command: Command = {
  name: 'lint',
  summary: 'Check .wsp policies for risky or unintended grants and limits',
  usage: `Usage: wsbc lint [options] <policy.wsp | directory | ->...

Runs the lint rules (docs/lint-rules.md) on each policy: grants broader than a sandbox usually
needs, limits that contradict each other, settings that probably do not say what was meant.
A directory stands for every .wsp file below it (dot-directories and node_modules skipped).
Levels come from each rule's default, then the nearest .wsbc-lint.json above each policy (or
--config), then --rule flags. Silence a finding in the policy with a reason:
  # wsbc-lint-disable-next-line <rule>: <why this is acceptable>

Options:
      --format <fmt>       pretty (default), json, sarif
      --fail-level <lvl>   exit 1 when a finding is at or above: error (default), warning, info
      --config <file>      use this configuration instead of searching for .wsbc-lint.json
      --rule <id=level>    set a rule's level for this run (repeatable); level is error,
                           warning, info or off
      --list-rules         list the rules with their category and level, and exit
  -h, --help               show this help

Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 unreadable or
invalid policy, invalid configuration, or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      format: { type: 'string', default: 'pretty' },
      'fail-level': { type: 'string', default: 'error' },
      config: { type: 'string' },
      rule: { type: 'string', multiple: true },
      'list-rules': { type: 'boolean' },
    });
    if (!parsed.ok) return usageError(ctx, 'lint', parsed.message);
    const { values, positionals } = parsed.args;
    const choiceError = checkChoice('format', values.format, RENDER_FORMATS) ?? checkChoice('fail-level', values['fail-level'], FAIL_LEVELS);
    if (choiceError) return usageError(ctx, 'lint', choiceError);
    const format = values.format as RenderFormat;
    const failLevel = values['fail-level'] as Severity;

    const overrides: Record<string, LintLevel> = {};
    for (const flag of values.rule ?? []) {
      const rule = parseRuleFlag(flag, allRules);
      if (!rule.ok) return usageError(ctx, 'lint', rule.message);
      overrides[rule.id] = rule.level;
    }

    const renderOptions = (sources: ReadonlyMap<string, string>): RenderOptions => ({
      sources,
      color: useColor(ctx.stdout, ctx.env),
      toolVersion: WSBC_VERSION,
      cwd: ctx.cwd,
    });

    // Configuration: one explicit file, or the nearest one above each policy (read once each).
    const configs = new Map<string, { config?: LintConfig; diagnostics: Diagnostic[]; reported: boolean }>();
    const sources = new Map<string, string>();
    const loadConfig = (path: string): { config?: LintConfig; diagnostics: Diagnostic[]; reported: boolean } => {
      let entry = configs.get(path);
      if (!entry) {
        let text: string;
        try {
          text = readFileSync(path, 'utf8');
        } catch (error) {
          const reason = ioErrorReason(error);
          entry = { diagnostics: [{ code: 'input/unreadable', severity: 'error', message: `cannot read lint configuration ${path}: ${reason}` }], reported: false };
          configs.set(path, entry);
          return entry;
        }
        sources.set(path, text);
        entry = { ...parseLintConfig(text, path, allRules), reported: false };
        configs.set(path, entry);
      }
      return entry;
    };
    const explicitConfig = values.config === undefined ? undefined : resolve(ctx.cwd, values.config);

    if (values['list-rules']) {
      const config = explicitConfig ? loadConfig(explicitConfig) : undefined;
      if (config && !config.config) return finish(ctx, format, config.diagnostics, [], renderOptions(sources), failLevel, true);
      ctx.stdout.write(listRules(format, config?.config, overrides));
      return ExitCode.Ok;
    }
    if (positionals.length === 0) return usageError(ctx, 'lint', 'expected at least one policy file (or - for stdin)');
    if (positionals.filter((p) => p === '-').length > 1) return usageError(ctx, 'lint', 'stdin (-) can be given once');

    const diagnostics: Diagnostic[] = [];
    const suppressed: SuppressedFinding[] = [];
    const expanded = expandPolicyDirectories(positionals, ctx.cwd);
    for (const problem of expanded.problems) diagnostics.push(problem);
    let badInput = expanded.problems.length > 0;
    for (const input of expanded.inputs) {
      const file = input === '-' ? '<stdin>' : resolve(ctx.cwd, input);
      const baseDir = input === '-' ? ctx.cwd : dirname(file);
      const configPath = explicitConfig ?? findLintConfig(baseDir);
      const config = configPath ? loadConfig(configPath) : undefined;
      if (config && !config.config) {
        // A configuration that cannot be read would lint with the wrong levels: report it once, lint nothing under it.
        if (!config.reported) for (const d of config.diagnostics) diagnostics.push(d);
        config.reported = true;
        badInput = true;
        continue;
      }
      let text: string;
      if (input === '-') text = (await readStdin(ctx.stdin)).toString('utf8');
      else {
        const read = await readInput(input, ctx);
        if (!read.ok) {
          diagnostics.push(read.diagnostic);
          badInput = true;
          continue;
        }
        text = read.value.toString('utf8');
      }
      const result = lintPolicySource(text, { file, baseDir, cwd: ctx.cwd, overrides, ...(config?.config ? { config: config.config } : {}) });
      for (const [name, source] of result.sources) sources.set(name, source);
      sources.set(file, text);
      if (!result.ok) badInput = true;
      // One at a time: a flood of findings (one per repeated line) is too many to spread into push().
      for (const d of result.diagnostics) diagnostics.push(d);
      for (const s of result.suppressed) suppressed.push(s);
    }
    return finish(ctx, format, diagnostics, suppressed, renderOptions(sources), failLevel, badInput);
  },
};

/** Writes the report and turns it into the exit code. */
async function finish(
  ctx: CommandContext,
  format: RenderFormat,
  diagnostics: Diagnostic[],
  suppressed: SuppressedFinding[],
  options: RenderOptions,
  failLevel: Severity,
  badInput: boolean,
): Promise<number> {
  await writeChunks(ctx.stdout, renderReport(format, diagnostics, suppressed, options));
  if (badInput) return ExitCode.BadInput;
  return diagnostics.some((d) => RANK[d.severity] >= RANK[failLevel]) ? ExitCode.Findings : ExitCode.Ok;
}

function* renderReport(format: RenderFormat, diagnostics: Diagnostic[], suppressed: SuppressedFinding[], options: RenderOptions): Generator<string, void, undefined> {
  if (format === 'pretty') {
    yield* renderDiagnostics('pretty', diagnostics, options);
    const n = suppressed.length;
    if (n > 0) yield `${n} finding${n === 1 ? '' : 's'} suppressed inline (--format json lists them with their reasons)\n`;
  } else if (format === 'json') {
    // The shared JSON report, plus the suppressed findings, each with its reason and directive.
    const toJson = jsonDiagnostics(options);
    const suppressedJson = new JsonSequence(suppressed, ({ diagnostic, reason, directive }) => {
      const span = { file: displayFile(directive.file, options.cwd), line: directive.line, column: directive.column, endLine: directive.endLine, endColumn: directive.endColumn };
      return { ...toJson(diagnostic), reason, directive: span };
    });
    yield* jsonDocument({ ...jsonReport(diagnostics, options), suppressed: suppressedJson });
  } else {
    // SARIF: suppressed findings are results with an in-source suppression, so code scanning shows
    // them as dismissed with the justification instead of dropping them.
    const all = [...diagnostics, ...suppressed.map((s) => s.diagnostic)];
    yield* jsonDocument(sarifLog(all, options, (index) => (index < diagnostics.length ? undefined : suppressed[index - diagnostics.length]!.reason)));
  }
}

function listRules(format: RenderFormat, config: LintConfig | undefined, overrides: Record<string, LintLevel>): string {
  const settings = resolveRuleSettings(allRules, config, overrides);
  const rows = allRules.map((r) => ({ id: r.id, category: r.category, defaultLevel: r.defaultLevel, level: settings.get(r.id)!.level, description: r.description }));
  if (format !== 'pretty') return `${JSON.stringify({ rules: rows }, null, 2)}\n`;
  const idWidth = Math.max(...rows.map((r) => r.id.length));
  const catWidth = Math.max(...rows.map((r) => r.category.length));
  const lines = rows.map((r) => `${r.id.padEnd(idWidth)}  ${r.category.padEnd(catWidth)}  ${r.level.padEnd(7)}  ${r.description}`);
  return `${['rule'.padEnd(idWidth), 'category'.padEnd(catWidth), 'level  '].join('  ')}  description\n${lines.join('\n')}\n`;
}

export default command;
