// The registry of stable diagnostic codes. A code never changes meaning once published;
// SARIF output uses it as the ruleId and the docs link below as helpUri.
//
// Codes are grouped per domain in ./codes/<domain>.ts (one file per owning package), so that
// adding a code touches one table. Lint rules carry their own metadata in their rule file and are
// registered at load time through registerCodes(), so adding a rule touches one folder.
import type { Severity } from './diagnostic.js';
import { parseCodes } from './codes/parse.js';
import { policyCodes } from './codes/policy.js';
import { manifestCodes } from './codes/manifest.js';
import { wasmCodes } from './codes/wasm.js';
import { checkCodes } from './codes/check.js';
import { instrumentCodes } from './codes/instrument.js';
import { runCodes } from './codes/run.js';
import { inputCodes } from './codes/input.js';

export interface CodeInfo {
  /** Default severity. */
  severity: Severity;
  /** One-line summary of what the code means (SARIF rule shortDescription). */
  summary: string;
}

export type CodeTable = Record<string, CodeInfo>;

export const DOCS_BASE = 'https://github.com/wsbc/wsbc/blob/main/docs/diagnostics.md';

const staticTables: CodeTable[] = [
  parseCodes,
  policyCodes,
  manifestCodes,
  wasmCodes,
  checkCodes,
  instrumentCodes,
  runCodes,
  inputCodes,
];
const dynamic: CodeTable = {};

/** Registers codes defined outside this package (lint rules). Re-registering the same code is a bug. */
export function registerCodes(table: CodeTable): void {
  for (const [code, info] of Object.entries(table)) {
    if (lookup(code) !== undefined && dynamic[code] !== info) {
      throw new Error(`diagnostic code registered twice: ${code}`);
    }
    dynamic[code] = info;
  }
}

function lookup(code: string): CodeInfo | undefined {
  for (const table of staticTables) {
    const info = table[code];
    if (info) return info;
  }
  return dynamic[code];
}

export function describeCode(code: string): (CodeInfo & { code: string; docs: string }) | undefined {
  const info = lookup(code);
  if (!info) return undefined;
  return { code, ...info, docs: docsLink(code) };
}

export function docsLink(code: string): string {
  return `${DOCS_BASE}#${code.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
}

export function allCodes(): Array<CodeInfo & { code: string; docs: string }> {
  const out = new Map<string, CodeInfo>();
  for (const table of [...staticTables, dynamic]) for (const [c, i] of Object.entries(table)) out.set(c, i);
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([code, info]) => ({ code, ...info, docs: docsLink(code) }));
}
