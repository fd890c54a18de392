// Collects the diagnostics of one manifest operation (normalize, validate). Every diagnostic
// carries the JSON Pointer (RFC 6901) of the value it is about in `data.path`, so callers that
// know where the value came from (the policy compiler, the JSON loader) can attach a span.
import type { Diagnostic } from '@wsbc/diagnostics';

// Edit distance costs the product of the two lengths, and some words and candidate lists come
// from the input (an unknown requirement against the declared custom capabilities, once per
// import): a hostile manifest would take minutes to report. One run spends at most this many
// character pairs on suggestions (tens of milliseconds); past it, problems come without one.
const SUGGESTION_BUDGET = 1_000_000;

export class Problems {
  readonly list: Diagnostic[] = [];
  /** Problems found once `list` was full: counted, not kept. */
  unlisted = 0;
  private errors = 0;
  private suggestionPairsLeft = SUGGESTION_BUDGET;

  constructor(
    /** Most diagnostics kept in `list`; the rest are only counted in `unlisted`. */
    private readonly maxListed = Infinity,
    /** Codes neither kept nor counted, for a caller that reports the same findings another way. */
    private readonly ignored: readonly string[] = [],
  ) {}

  error(code: string, pointer: string, message: string, help?: string, data?: Record<string, unknown>): void {
    this.add('error', code, pointer, message, help, data);
  }

  warning(code: string, pointer: string, message: string, help?: string, data?: Record<string, unknown>): void {
    this.add('warning', code, pointer, message, help, data);
  }

  /** closestName() within this run's budget for suggestions. */
  suggest(word: string, candidates: readonly string[]): string | undefined {
    let pairs = 0;
    for (const candidate of candidates) pairs += word.length * candidate.length;
    if (pairs > this.suggestionPairsLeft) return undefined;
    this.suggestionPairsLeft -= pairs;
    return closestName(word, candidates);
  }

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  /** Problems found so far, listed or not. */
  get count(): number {
    return this.list.length + this.unlisted;
  }

  private add(
    severity: Diagnostic['severity'],
    code: string,
    pointer: string,
    message: string,
    help: string | undefined,
    data: Record<string, unknown> | undefined,
  ): void {
    if (this.ignored.includes(code)) return;
    if (severity === 'error') this.errors++;
    if (this.list.length >= this.maxListed) {
      this.unlisted++;
      return;
    }
    const diagnostic: Diagnostic = { code, severity, message, data: { path: pointer, ...data } };
    if (help !== undefined) diagnostic.help = help;
    this.list.push(diagnostic);
  }
}

/** Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires. */
export function pointerJoin(pointer: string, token: string | number): string {
  if (typeof token === 'number' || (!token.includes('~') && !token.includes('/'))) return `${pointer}/${token}`;
  return `${pointer}/${token.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** `/network/ports/0/from` -> `network.ports[0].from`, the form people read in messages. */
export function displayPath(pointer: string): string {
  if (pointer === '') return 'the manifest';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9][0-9]*)$/.test(token)) out += `[${token}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(token)) out += out === '' ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
  }
  return out;
}

/** The closest candidate within a small edit distance, for "did you mean" help. */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Code-unit order: locale-independent, so sorting gives the same bytes on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
