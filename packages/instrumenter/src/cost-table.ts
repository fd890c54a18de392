// The cost table: how much fuel each instruction costs. It is data, apart from how fuel is charged
// (the metering pass), so users can tune prices without touching the mechanism.
//
// Every instruction of the one opcode table (@wsbc/wasm OPCODES) has a price; by default 1, except
// the purely structural `end` and `else` (0), which mark where a block or arm stops rather than do
// work. Instructions whose work grows with an operand (the table's `sizedOperand` flag: bulk
// memory and table operations, memory.grow, table.grow, GC array constructors and copies) pay
// their price plus `perUnit` times that operand (bytes, elements or pages; `perPage` for
// memory.grow). `check` is what the injected charging code itself costs, added to every metered
// block that carries a charge.
//
// JSON form (all fields optional):
//   { "default": 1, "check": 1, "perUnit": 1, "perPage": 1024, "ops": { "i64.div_s": 4, "call": 2 } }
import type { Diagnostic, Result } from '@wsbc/diagnostics';
import { OPCODES, opByName, type OpInfo } from '@wsbc/wasm';

export interface CostTable {
  /** Price of an instruction with no entry in `ops`. */
  default: number;
  /** Price of the injected charging code of one metered block. */
  check: number;
  /** Price per byte/element of a sized operand (memory.fill length, table.copy count, ...). */
  perUnit: number;
  /** Price per 64 KiB page added by memory.grow. */
  perPage: number;
  /** Per-instruction prices by text-format name. */
  ops: Readonly<Record<string, number>>;
}

/** Largest single price: keeps a block's summed cost far from i64 overflow and from float error. */
export const MAX_PRICE = 1_000_000;

export const DEFAULT_COST_TABLE: CostTable = Object.freeze({
  default: 1,
  check: 1,
  perUnit: 1,
  perPage: 1024,
  ops: Object.freeze({ end: 0, else: 0 }),
});

/** Dense price array indexed by OpInfo.id, computed once per table. */
export function compileCostTable(table: CostTable): Uint32Array {
  const prices = new Uint32Array(OPCODES.length);
  for (const op of OPCODES) prices[op.id] = table.ops[op.name] ?? table.default;
  return prices;
}

export function priceOf(table: CostTable, op: OpInfo): number {
  return table.ops[op.name] ?? table.default;
}

/**
 * What is wrong with a cost table given as an object (the API's `costTable`): every field
 * present, each a price, `ops` naming known instructions. Unlike parseCostTable, nothing is
 * filled in: the object is the whole table. Empty when it is a table.
 */
export function costTableProblems(table: unknown): string[] {
  if (typeof table !== 'object' || table === null || Array.isArray(table)) return ['the cost table must be an object'];
  const t = table as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['default', 'check', 'perUnit', 'perPage'] as const) {
    if (!isPrice(t[key])) problems.push(`cost table "${key}" must be an integer from 0 to ${MAX_PRICE}, got ${String(t[key])}`);
  }
  const ops = t['ops'];
  if (typeof ops !== 'object' || ops === null || Array.isArray(ops)) problems.push('cost table "ops" must map instruction names to prices (an object; {} for none)');
  else {
    for (const [name, price] of Object.entries(ops as Record<string, unknown>)) {
      if (!opByName(name)) problems.push(`cost table "ops" names an unknown instruction "${name}"`);
      else if (!isPrice(price)) problems.push(`cost table price of "${name}" must be an integer from 0 to ${MAX_PRICE}, got ${String(price)}`);
    }
  }
  return problems;
}

function isPrice(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_PRICE;
}

/**
 * Reads a cost table from parsed JSON, filling absent fields from the default table. Unknown
 * instruction names and out-of-range prices are errors (a typo must not silently price at default).
 */
export function parseCostTable(json: unknown, file = '<cost-table>'): Result<CostTable> {
  const diagnostics: Diagnostic[] = [];
  const fail = (message: string, help?: string): void => {
    diagnostics.push({ code: 'instrument/invalid-cost-table', severity: 'error', message, span: { file, byteOffset: 0 }, ...(help ? { help } : {}) });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail('a cost table must be a JSON object');
    return { ok: false, diagnostics };
  }
  const obj = json as Record<string, unknown>;
  const known = new Set(['default', 'check', 'perUnit', 'perPage', 'ops']);
  for (const key of Object.keys(obj)) if (!known.has(key)) fail(`unknown cost table field "${key}"`, 'fields are default, check, perUnit, perPage and ops');
  const scalar = (key: 'default' | 'check' | 'perUnit' | 'perPage'): number => {
    const v = obj[key];
    if (v === undefined) return DEFAULT_COST_TABLE[key];
    if (!isPrice(v)) fail(`"${key}" must be an integer from 0 to ${MAX_PRICE}`);
    return isPrice(v) ? v : DEFAULT_COST_TABLE[key];
  };
  const table: CostTable = { default: scalar('default'), check: scalar('check'), perUnit: scalar('perUnit'), perPage: scalar('perPage'), ops: { ...DEFAULT_COST_TABLE.ops } };
  const ops = obj['ops'];
  if (ops !== undefined) {
    if (typeof ops !== 'object' || ops === null || Array.isArray(ops)) fail('"ops" must map instruction names to prices');
    else {
      const merged: Record<string, number> = { ...DEFAULT_COST_TABLE.ops };
      for (const [name, price] of Object.entries(ops as Record<string, unknown>)) {
        if (!opByName(name)) fail(`unknown instruction "${name}" in "ops"`, 'use text-format names such as "i32.add" or "memory.fill"');
        else if (!isPrice(price)) fail(`price of "${name}" must be an integer from 0 to ${MAX_PRICE}`);
        else merged[name] = price;
      }
      table.ops = merged;
    }
  }
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, value: table, diagnostics };
}
