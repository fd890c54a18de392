// `wsbc fmt [--check|--write] files...`: the canonical layout of .wsp policies (see
// docs/policy-language.md, "Canonical layout"). Prints to stdout by default, lists the files that
// would change with --check (a CI gate), rewrites them with --write. A file with syntax errors is
// never rewritten: its diagnostics are printed and the exit code says bad input.
import type { Diagnostic } from '@wsbc/diagnostics';
import { formatPolicy } from '@wsbc/policy-dsl';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { expandPolicyDirectories, readInput } from '../input.js';
import { writeChunks, writeOutput } from '../output.js';
import { renderDiagnostics } from '../render/index.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const command: Command = {
  name: 'fmt',
  summary: 'Print .wsp policies in canonical layout, or check or rewrite them',
  usage: `Usage: wsbc fmt [--check | --write] <policy.wsp | directory | ->...

Formats policies in the canonical layout: one statement per line, two-space indentation, single
spaces between terms, every comment kept. Formatting is idempotent and never changes what a policy
compiles to.

Options:
      --check   print the names of files that are not formatted; exit 1 if there are any
      --write   rewrite files that are not formatted, in place, and print their names
  -h, --help    show this help

Without --check or --write the formatted text of every file goes to stdout. A directory stands
for every .wsp file below it (dot-directories and node_modules skipped). \`-\` reads stdin
(named <stdin>; not with --write).

Exit codes: 0 formatted (or, with --check, nothing to change), 1 --check found files to change,
2 a file is unreadable or has syntax errors (it is left untouched), or a usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, { check: { type: 'boolean' }, write: { type: 'boolean' } });
    if (!parsed.ok) return usageError(ctx, 'fmt', parsed.message);
    const { values, positionals } = parsed.args;
    if (values.check && values.write) return usageError(ctx, 'fmt', '--check and --write cannot be combined');
    if (positionals.length === 0) return usageError(ctx, 'fmt', 'expected at least one policy file (or - for stdin)');
    if (values.write && positionals.includes('-')) return usageError(ctx, 'fmt', '--write cannot rewrite stdin; use `wsbc fmt -` to print the formatted text');
    if (positionals.filter((p) => p === '-').length > 1) return usageError(ctx, 'fmt', 'stdin (-) can be given once');

    const expanded = expandPolicyDirectories(positionals, ctx.cwd);
    let badInput = expanded.problems.length > 0;
    let changed = false;
    const diagnostics: Diagnostic[] = [...expanded.problems];
    const sources = new Map<string, string>();
    for (const file of expanded.inputs) {
      const read = await readInput(file, ctx);
      if (!read.ok) {
        diagnostics.push(read.diagnostic);
        badInput = true;
        continue;
      }
      const name = file === '-' ? '<stdin>' : file;
      const text = read.value.toString('utf8');
      sources.set(name, text);
      const result = formatPolicy(text, name);
      if (!result.ok) {
        for (const d of result.diagnostics) diagnostics.push(d);
        badInput = true;
        continue;
      }
      if (values.check) {
        if (result.value !== text) {
          changed = true;
          ctx.stdout.write(`${name}\n`);
        }
      } else if (values.write) {
        if (result.value !== text) {
          const written = writeOutput(file, result.value, ctx.cwd);
          if (!written.ok) {
            ctx.stderr.write(`wsbc fmt: ${written.message}\n`);
            badInput = true;
            continue;
          }
          ctx.stdout.write(`${name}\n`);
        }
      } else {
        ctx.stdout.write(result.value);
      }
    }
    if (diagnostics.length > 0) {
      await writeChunks(ctx.stderr, renderDiagnostics('pretty', diagnostics, { sources, color: useColor(ctx.stderr, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    }
    if (badInput) return ExitCode.BadInput;
    return changed ? ExitCode.Findings : ExitCode.Ok;
  },
};

export default command;
