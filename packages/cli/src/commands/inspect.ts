// `wsbc inspect module.wasm [--format pretty|json]`: what a module imports (and what each import
// needs from a policy), exports, memories, tables, globals, custom sections, section sizes and
// WebAssembly features: the summary a person asks for before trusting a module.
import { inspectModule, type ModuleInspection } from '@wsbc/analyzer';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { readInput } from '../input.js';
import { writeChunks } from '../output.js';
import { renderDiagnostics } from '../render/index.js';
import { cleanLine } from '../render/pretty.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const formats = ['pretty', 'json'] as const;

const command: Command = {
  name: 'inspect',
  summary: 'Describe a module: imports, exports, memories, tables, features, section sizes',
  usage: `Usage: wsbc inspect <module.wasm> [--format pretty|json]

Reads the module without running it and describes it: imports (with their type and the policy
capability each one needs), exports (with function types), memories, tables, globals, the start
function, custom sections, the size of every section, and the WebAssembly features its code uses.

Options:
      --format <fmt>   pretty (default) or json (an unreadable or malformed module gives the
                       JSON report of its diagnostics on stdout)
  -h, --help           show this help

Exit codes: 0 described, 2 unreadable or malformed module, or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, { format: { type: 'string', default: 'pretty' } });
    if (!parsed.ok) return usageError(ctx, 'inspect', parsed.message);
    const { values, positionals } = parsed.args;
    const formatError = checkChoice('format', values.format, formats);
    if (formatError) return usageError(ctx, 'inspect', formatError);
    if (positionals.length !== 1) return usageError(ctx, 'inspect', 'expected exactly one module');
    const file = positionals[0]!;
    // A pipeline that asked for JSON gets JSON on failure too: the shared report with the
    // diagnostics (as `wsbc check --format json` gives), on stdout where it reads the result.
    const render = (diagnostics: Parameters<typeof renderDiagnostics>[1]) =>
      values.format === 'json'
        ? writeChunks(ctx.stdout, renderDiagnostics('json', diagnostics, { sources: new Map(), color: false, toolVersion: WSBC_VERSION, cwd: ctx.cwd }))
        : writeChunks(ctx.stderr, renderDiagnostics('pretty', diagnostics, { sources: new Map(), color: useColor(ctx.stderr, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));

    const read = await readInput(file, ctx);
    if (!read.ok) {
      await render([read.diagnostic]);
      return ExitCode.BadInput;
    }
    const result = inspectModule(read.value, { file });
    if (!result.ok) {
      await render(result.diagnostics);
      return ExitCode.BadInput;
    }
    ctx.stdout.write(values.format === 'json' ? `${JSON.stringify(result.inspection, null, 2)}\n` : renderInspection(result.inspection));
    return ExitCode.Ok;
  },
};

function size(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function pages(n: number | null): string {
  return n === null ? 'unbounded' : `${n} pages (${size(n * 65536)})`;
}

/**
 * Appends rows as columns padded to the widest cell, two spaces apart. Appended one by one: a
 * module may have hundreds of thousands of exports or custom sections, too many to spread into
 * one push() call (that overflowed the call stack). Names come from the module and go through
 * cleanLine(), so an escape sequence, a line break or a bidi control in one cannot reach the
 * terminal or fake a line of the report.
 */
function table(out: string[], rows: string[][], indent = '  '): void {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  for (const row of rows) out.push(indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** What a policy must say for an import, in the words of the capability model. */
function policyNeed(imp: ModuleInspection['imports'][number]): string {
  if (imp.class === 'host') return 'host import (needs an `imports` grant)';
  if (imp.class !== 'wasi' && imp.class !== 'wasix') return imp.class;
  // Reading clocks is granted by every policy (`time read-only` is the least one can say).
  const needs = imp.needs.filter((n) => n !== 'time.read');
  if (needs.length > 0) return `needs ${needs.join(', ')}`;
  return imp.needs.length > 0 ? 'always allowed (reads clocks)' : 'always allowed';
}

export function renderInspection(i: ModuleInspection): string {
  const out: string[] = [];
  const importedFrom = (imp: { module: string; name: string } | null | undefined) => (imp ? `imported from ${cleanLine(imp.module)}.${cleanLine(imp.name)}` : '');
  out.push(`${cleanLine(i.file)}: ${size(i.byteLength)} (${i.byteLength} bytes)`);
  out.push(`functions: ${i.functions.imported} imported, ${i.functions.defined} defined; ${i.instructionCount} instructions`);
  out.push(`start function: ${i.start === null ? 'none' : i.start}`);
  out.push(`features: ${i.features.join(', ')}`);

  out.push('', `imports (${i.imports.length}):`);
  table(out, i.imports.map((imp) => [cleanLine(imp.module), cleanLine(imp.name), imp.type ?? imp.kind, policyNeed(imp)]));
  out.push('', `exports (${i.exports.length}):`);
  table(out, i.exports.map((e) => [cleanLine(e.name), e.kind, e.type ?? `${e.kind} ${e.index}`]));
  out.push('', `memories (${i.memories.length}):`);
  table(
    out,
    i.memories.map((m) => [
      String(m.index),
      `min ${pages(m.min)}`,
      `max ${pages(m.max)}`,
      [m.shared ? 'shared' : '', m.memory64 ? 'memory64' : '', importedFrom(m.import)].filter(Boolean).join(', '),
    ]),
  );
  out.push('', `tables (${i.tables.length}):`);
  table(out, i.tables.map((t) => [String(t.index), t.elementType, `min ${t.min}`, `max ${t.max ?? 'unbounded'}`, importedFrom(t.import)]));
  const mutable = i.globals.filter((g) => g.mutable).length;
  out.push('', `globals: ${i.globals.length} (${mutable} mutable)`);
  out.push('', `custom sections (${i.customSections.length}):`);
  table(out, i.customSections.map((c) => [cleanLine(c.name), size(c.size)]));
  out.push('', 'section sizes:');
  table(out, i.sections.filter((s) => !s.custom).map((s) => [s.name, size(s.size), `${((100 * s.size) / i.byteLength).toFixed(1)}%`]));
  return `${out.join('\n')}\n`;
}

export default command;
