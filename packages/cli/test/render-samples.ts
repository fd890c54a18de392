// Diagnostics that exercise every part of the renderers: text spans (one line, several lines,
// empty, with tabs), byte spans, no span, help, related notes, every severity, and hostile
// control characters in the source and message. Registered codes are manifest/ ones, so golden
// files do not change when another package rewords its summaries; example/ codes are unregistered.
import type { Diagnostic } from '@wsbc/diagnostics';
import { renderDiagnostics } from '../src/render/index.js';

export const cwd = '/work/project';

export const policyFile = '/work/project/policies/plugin.wsp';
export const policySource = [
  '# Image thumbnailer plugin',
  'policy "thumbnailer" extends minimal {',
  '  limits {',
  '\tmemory  max 64MB  growth 16 pages',
  '    cpu     usage 500%',
  '  }',
  '  network {',
  '    allow host "api.example.com" ports 70000',
  '  }',
  '}',
  '',
].join('\n');

function span(line: number, column: number, endLine: number, endColumn: number) {
  const lines = policySource.split('\n');
  const offset = (l: number, c: number) => lines.slice(0, l - 1).reduce((n, s) => n + s.length + 1, 0) + c - 1;
  return { file: policyFile, line, column, endLine, endColumn, startOffset: offset(line, column), endOffset: offset(endLine, endColumn) };
}

export const samples: Diagnostic[] = [
  {
    code: 'manifest/unknown-value',
    severity: 'error',
    message: 'unknown unit `MB`',
    span: span(4, 16, 4, 18),
    help: 'did you mean `MiB`? Units of memory: pages, KiB, MiB, GiB',
  },
  {
    code: 'manifest/out-of-range',
    severity: 'error',
    message: 'limits.cpu.usagePercent must be an integer from 1 to 100 (got 500)',
    span: span(5, 19, 5, 23),
    data: { path: '/limits/cpu/usagePercent', min: 1, max: 100, value: 500 },
  },
  {
    code: 'manifest/duplicate-key',
    severity: 'warning',
    message: 'network block spans several lines',
    span: span(7, 3, 9, 4),
    related: [{ message: 'policy starts here', span: span(2, 1, 2, 7) }, { message: 'a note without a place' }],
  },
  {
    code: 'example/empty-span',
    severity: 'info',
    message: 'insert a value here',
    span: span(8, 45, 8, 45),
  },
  {
    code: 'example/import-not-allowed',
    severity: 'error',
    message: 'import env.exec is not allowed by the policy',
    span: { file: '/work/project/build/module.wasm', byteOffset: 0x1a2b, byteLength: 12 },
    help: 'add `imports { allow "env" "exec" }` to the policy',
    data: { module: 'env', name: 'exec' },
  },
  {
    code: 'manifest/schema-violation',
    severity: 'error',
    message: 'limits.memory.maxPages must be at least 1',
    data: { path: '/limits/memory/maxPages', file: '/elsewhere/manifest.json' },
  },
  {
    // A code no registry table knows (for example from a third-party tool's diagnostics).
    code: 'plugin/unregistered-code',
    severity: 'error',
    message: 'cannot read missing.wsp: no such file',
  },
];

/** A source line and a message that try to send escape sequences to the terminal. */
export const hostileFile = 'hostile.wsp';
export const hostileSource = 'policy "x\u001b[2J\u001b]0;pwned\u0007" {}\n';
export const hostile: Diagnostic = {
  code: 'example/invalid-name',
  severity: 'error',
  message: 'bad name "x\u001b[2J"',
  span: { file: hostileFile, line: 1, column: 8, endLine: 1, endColumn: 25, startOffset: 7, endOffset: 24 },
  help: 'rename\u009b it',
};

export const sources = new Map([
  [policyFile, policySource],
  [hostileFile, hostileSource],
]);

/** A renderer's whole output as one string (its chunks joined), for tests of small outputs. */
export function renderText(...args: Parameters<typeof renderDiagnostics>): string {
  return [...renderDiagnostics(...args)].join('');
}
