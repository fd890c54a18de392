// The summary table `wsbc check` prints after several modules in pretty mode: one row per module
// (in output order) and a totals line, so a CI log shows at a glance which modules failed.
import type { ModuleOutcome } from './job.js';
import { printableName } from './printable.js';

export type Verdict = 'allowed' | 'refused' | 'malformed' | 'unreadable';

export interface SummaryRow {
  outcome: ModuleOutcome;
  verdict: Verdict;
}

/** `13.3 MiB`, `812 B`: sizes the way people read them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

const paints: Record<Verdict, string> = { allowed: '32', refused: '31', malformed: '31', unreadable: '31' };

export function renderSummaryTable(rows: readonly SummaryRow[], options: { color: boolean; wallMs: number }): string {
  const header = ['module', 'verdict', 'errors', 'warnings', 'size', 'time'];
  const cells = rows.map(({ outcome, verdict }) => [
    printableName(outcome.file),
    verdict,
    String(outcome.problems.filter((d) => d.severity === 'error').length),
    String(outcome.problems.filter((d) => d.severity === 'warning').length),
    formatBytes(outcome.bytes),
    formatMs(outcome.ms),
  ]);
  // A loop, not Math.max(...column): spread into a call, 120,000 modules overflowed the stack.
  const widths = header.map((h) => h.length);
  for (const row of cells) row.forEach((cell, c) => (widths[c] = Math.max(widths[c]!, cell.length)));
  // Text columns are left-aligned, numbers right-aligned.
  const align = (text: string, c: number) => (c < 2 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!));
  const line = (row: string[], paintVerdict?: Verdict) =>
    row
      .map((cell, c) => {
        const padded = align(cell, c);
        return c === 1 && paintVerdict && options.color ? `\u001b[${paints[paintVerdict]}m${padded}\u001b[0m` : padded;
      })
      .join('  ')
      .trimEnd();
  const counts = new Map<Verdict, number>();
  for (const r of rows) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
  const totals = (['allowed', 'refused', 'malformed', 'unreadable'] as const).filter((v) => counts.has(v)).map((v) => `${counts.get(v)} ${v}`);
  return [
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r, i) => line(cells[i]!, r.verdict)),
    '',
    `${rows.length} modules: ${totals.join(', ')} (${formatMs(options.wallMs)})`,
    '',
  ].join('\n');
}
