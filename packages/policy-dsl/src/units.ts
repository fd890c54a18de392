// Units of the policy language and the conversion of a Quantity to the base unit of its slot.
// Units are case-sensitive (`M` is a million, `m` a minute; `MiB` is 2^20 bytes, `MB` 10^6).
// Conversion is exact: the amount as written is split into an integer mantissa and a decimal
// exponent and multiplied in BigInt, so `1.5MiB` is 1572864 bytes and `0.7s` exactly 700 ms, and a
// result that is not a whole base unit is reported instead of being rounded silently.
import type { Dimension, Quantity } from './ast.js';
import { closestMatch } from './suggest.js';

/** Multiplier of each unit to its dimension's base unit. */
const BYTE_UNITS: Record<string, bigint> = {
  B: 1n,
  KiB: 1024n,
  MiB: 1024n ** 2n,
  GiB: 1024n ** 3n,
  TiB: 1024n ** 4n,
  KB: 1000n,
  MB: 1000n ** 2n,
  GB: 1000n ** 3n,
  TB: 1000n ** 4n,
};
const PAGE_BYTES = 65536n;
const PAGE_UNITS: Record<string, bigint> = { page: 1n, pages: 1n };
const DURATION_MS_UNITS: Record<string, bigint> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n };
const DURATION_NS_UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n };
const COUNT_UNITS: Record<string, bigint> = { K: 1000n, M: 1_000_000n, G: 1_000_000_000n };
const RATE_UNITS: Record<string, bigint> = Object.fromEntries(Object.entries(BYTE_UNITS).map(([u, f]) => [`${u}/s`, f]));

/** Units a slot of each dimension accepts, in the order shown in help texts. */
export function unitsFor(dimension: Dimension): string[] {
  switch (dimension) {
    case 'bytes':
      return Object.keys(BYTE_UNITS);
    case 'pages':
      return [...Object.keys(PAGE_UNITS), ...Object.keys(BYTE_UNITS)];
    case 'duration':
      return Object.keys(DURATION_MS_UNITS);
    case 'duration-ns':
      return Object.keys(DURATION_NS_UNITS);
    case 'percent':
      return ['%'];
    case 'rate':
      return Object.keys(RATE_UNITS);
    case 'count':
      return Object.keys(COUNT_UNITS);
  }
}

const ALL_UNITS: ReadonlySet<string> = new Set([
  ...Object.keys(BYTE_UNITS),
  ...Object.keys(PAGE_UNITS),
  ...Object.keys(DURATION_MS_UNITS),
  ...Object.keys(DURATION_NS_UNITS),
  ...Object.keys(COUNT_UNITS),
  ...Object.keys(RATE_UNITS),
  '%',
]);

/** Whether `word` is a unit of any dimension (so `16 pages` or `64 MiB` may be written with a space). */
export function isUnit(word: string): boolean {
  return ALL_UNITS.has(word);
}

export function describeDimension(dimension: Dimension): string {
  switch (dimension) {
    case 'bytes':
      return 'a size';
    case 'pages':
      return 'a memory size (pages or bytes)';
    case 'duration':
    case 'duration-ns':
      return 'a duration';
    case 'percent':
      return 'a percentage';
    case 'rate':
      return 'a rate (bytes per second)';
    case 'count':
      return 'a count';
  }
}

function dimensionOfUnit(unit: string): string {
  if (unit in RATE_UNITS) return 'a rate';
  if (unit in BYTE_UNITS) return 'a size';
  if (unit in PAGE_UNITS) return 'a number of pages';
  if (unit in DURATION_MS_UNITS || unit in DURATION_NS_UNITS) return 'a duration';
  if (unit in COUNT_UNITS) return 'a count multiplier';
  return 'a percentage';
}

export type QuantityProblem =
  | { code: 'policy/unknown-unit' | 'policy/wrong-unit' | 'policy/missing-unit'; message: string; help: string; onUnit: boolean }
  | { code: 'policy/not-an-integer' | 'policy/not-page-multiple' | 'policy/value-out-of-range'; message: string; help: string; onUnit: false };

export type QuantityValue = { ok: true; value: number } | { ok: false; problem: QuantityProblem };

/** Splits a decimal literal (`-1_000.25`) into mantissa and number of decimal places. */
function decimal(raw: string): { mantissa: bigint; scale: number } | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(raw.replace(/_/g, ''));
  if (!m) return undefined;
  const frac = m[3] ?? '';
  return { mantissa: BigInt(`${m[1]}${m[2]}${frac}`), scale: frac.length };
}

function rawAmount(q: Quantity): string {
  // `raw` is `<number><unit>` or `<number> <unit>`; the number part never contains letters.
  const m = /^-?[\d_]+(?:\.[\d_]+)?/.exec(q.raw);
  return m ? m[0] : String(q.amount);
}

/** The quantity in the base unit of its dimension, or the reason it has none. */
export function quantityValue(q: Quantity): QuantityValue {
  const fail = (problem: QuantityProblem): QuantityValue => ({ ok: false, problem });
  const accepted = unitsFor(q.dimension);
  const what = describeDimension(q.dimension);
  let factor: bigint;
  let divisor = 1n;
  if (q.unit === null) {
    if (q.dimension !== 'count') {
      const exampleUnit: Record<Dimension, string> = { bytes: 'MiB', pages: ' pages', duration: 'ms', 'duration-ns': 'ns', percent: '%', rate: 'MiB/s', count: '' };
      return fail({
        code: 'policy/missing-unit',
        message: `\`${q.raw}\` needs a unit: this setting is ${what}`,
        help: `write it with a unit, e.g. \`${q.amount}${exampleUnit[q.dimension]}\`; units: ${accepted.join(', ')}`,
        onUnit: false,
      });
    }
    factor = 1n;
  } else if (accepted.includes(q.unit)) {
    const u = q.unit;
    switch (q.dimension) {
      case 'bytes':
        factor = BYTE_UNITS[u]!;
        break;
      case 'pages':
        if (u in PAGE_UNITS) factor = 1n;
        else {
          factor = BYTE_UNITS[u]!;
          divisor = PAGE_BYTES;
        }
        break;
      case 'duration':
        factor = DURATION_MS_UNITS[u]!;
        break;
      case 'duration-ns':
        factor = DURATION_NS_UNITS[u]!;
        break;
      case 'percent':
        factor = 1n;
        break;
      case 'rate':
        factor = RATE_UNITS[u]!;
        break;
      case 'count':
        factor = COUNT_UNITS[u]!;
        break;
    }
  } else if (isUnit(q.unit)) {
    return fail({
      code: 'policy/wrong-unit',
      message: `\`${q.unit}\` is ${dimensionOfUnit(q.unit)}, but this setting is ${what}`,
      help: q.dimension === 'count' ? 'write a plain number, optionally with K, M or G (thousand, million, billion)' : `use one of: ${accepted.join(', ')}`,
      onUnit: true,
    });
  } else {
    const guess = closestMatch(q.unit, accepted) ?? closestMatch(q.unit, [...ALL_UNITS]);
    return fail({
      code: 'policy/unknown-unit',
      message: `unknown unit \`${q.unit}\``,
      help: guess !== undefined ? `did you mean \`${guess}\`? (units are case-sensitive)` : `${what} takes one of: ${accepted.join(', ')}`,
      onUnit: true,
    });
  }
  const dec = decimal(rawAmount(q));
  if (!dec) {
    return fail({ code: 'policy/not-an-integer', message: `\`${q.raw}\` is not a number`, help: 'write digits, e.g. `10MiB`', onUnit: false });
  }
  const denominator = divisor * 10n ** BigInt(dec.scale);
  const numerator = dec.mantissa * factor;
  if (numerator % denominator !== 0n) {
    if (divisor === PAGE_BYTES && dec.scale === 0) {
      return fail({
        code: 'policy/not-page-multiple',
        message: `\`${q.raw}\` is not a whole number of 64 KiB pages`,
        help: 'memory is counted in 64 KiB pages; use a multiple of 64KiB, or write `N pages`',
        onUnit: false,
      });
    }
    return fail({
      code: 'policy/not-an-integer',
      message: `\`${q.raw}\` is not a whole number of ${baseUnitName(q.dimension)}`,
      help: 'use a smaller unit or a whole number',
      onUnit: false,
    });
  }
  const value = numerator / denominator;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    return fail({ code: 'policy/value-out-of-range', message: `\`${q.raw}\` is too large`, help: `the largest value is ${Number.MAX_SAFE_INTEGER} ${baseUnitName(q.dimension)}`, onUnit: false });
  }
  return { ok: true, value: Number(value) };
}

export function baseUnitName(dimension: Dimension): string {
  switch (dimension) {
    case 'bytes':
      return 'bytes';
    case 'pages':
      return 'pages';
    case 'duration':
      return 'milliseconds';
    case 'duration-ns':
      return 'nanoseconds';
    case 'percent':
      return 'percent';
    case 'rate':
      return 'bytes per second';
    case 'count':
      return 'units';
  }
}

/** The base value of a quantity the checker has accepted; undefined when it is invalid. */
export function quantityBase(q: Quantity): number | undefined {
  const r = quantityValue(q);
  return r.ok ? r.value : undefined;
}
