// Stage 3: concrete syntax tree -> typed AST (ast.ts). The lowering gives each statement its
// meaning by its leading words, using the vocabulary in schema.ts. A word that is not valid in its
// position is reported with the closest valid word ("did you mean `filesystem`?"). A statement
// with a shape error is reported once (its first error) and left out of the AST: a hole, so that
// the checker never sees half-built nodes and never repeats the lowering's complaint.
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import type * as A from './ast.js';
import { isTokenTerm, type CstFile, type CstRange, type CstStatement, type CstTerm } from './cst.js';
import type { Token } from './lexer.js';
import { parseDiagnostic, policyDiagnostic } from './diagnostics.js';
import { describeToken } from './parser.js';
import {
  AUDIT_MODES,
  BLOCK_NAMES,
  CLOCK_OPTIONS,
  DIR_ACCESS,
  DIR_OPTIONS,
  ENV_MODES,
  FS_ALLOW,
  FS_STATEMENTS,
  HOST_OPTIONS,
  LIMIT_CATEGORIES,
  LIMIT_SETTINGS,
  NETWORK_MODES,
  NETWORK_RULES,
  PROCESS_MODES,
  RANDOM_MODES,
  TIME_MODES,
} from './schema.js';
import { didYouMean } from './suggest.js';
import { describeDimension } from './units.js';

export function joinSpans(a: TextSpan, b: TextSpan): TextSpan {
  return { file: a.file, line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn, startOffset: a.startOffset, endOffset: b.endOffset };
}

function describeTerm(term: CstTerm): string {
  if (isTokenTerm(term)) return describeToken(term);
  if (term.kind === 'range') return 'a range';
  return 'a list';
}

/** Reads the terms of one statement left to right. After the first error every read yields null. */
class TermReader {
  private i = 0;
  failed = false;

  constructor(
    private readonly stmt: CstStatement,
    private readonly diagnostics: Diagnostic[],
    /** The words consumed so far, for messages: "expected a string after `allow host`". */
    private context: string,
  ) {}

  atEnd(): boolean {
    return this.failed || this.i >= this.stmt.terms.length;
  }

  peekTerm(): CstTerm | undefined {
    return this.failed ? undefined : this.stmt.terms[this.i];
  }

  /** Records a diagnostic for the statement and stops reading it. */
  refuse(d: Diagnostic): null {
    return this.fail(d);
  }

  /** The next term's word, if it is a bare word. */
  peekWord(): string | undefined {
    const t = this.stmt.terms[this.i];
    return t && t.kind === 'ident' ? t.text : undefined;
  }

  private lastSpan(): TextSpan {
    const prev = this.stmt.terms[this.i - 1];
    return prev ? prev.span : this.stmt.span;
  }

  private fail(d: Diagnostic): null {
    if (!this.failed) this.diagnostics.push(d);
    this.failed = true;
    return null;
  }

  missing(what: string, help?: string): null {
    return this.fail(parseDiagnostic('parse/missing-token', `expected ${what} after \`${this.context}\``, this.lastSpan(), { help }));
  }

  unexpected(term: CstTerm, what: string, help?: string): null {
    // A term the lexer or parser already reported (a bad number, a hole) is not reported again.
    if (isTokenTerm(term) && term.invalid) {
      this.failed = true;
      return null;
    }
    const equalsHelp = term.kind === 'equals' ? 'no `=` here: write the value right after the setting name' : undefined;
    return this.fail(parseDiagnostic('parse/unexpected-token', `expected ${what}, found ${describeTerm(term)}`, term.span, { help: help ?? equalsHelp }));
  }

  private take(): CstTerm | undefined {
    if (this.failed) return undefined;
    const t = this.stmt.terms[this.i];
    if (t) this.i++;
    return t;
  }

  private note(word: string): void {
    this.context = `${this.context} ${word}`;
  }

  /** A keyword from `allowed`; an unknown word gets `code` with the closest suggestion. */
  keyword<T extends string>(allowed: readonly T[], what: string, code: 'policy/unknown-keyword' | 'policy/unknown-limit' = 'policy/unknown-keyword'): A.Keyword<T> | null {
    if (this.failed) return null;
    const t = this.stmt.terms[this.i];
    if (!t) return this.missing(what, `expected one of: ${allowed.map((a) => `\`${a}\``).join(', ')}`);
    if (t.kind !== 'ident' || t.invalid) return this.unexpected(t, what, `expected one of: ${allowed.map((a) => `\`${a}\``).join(', ')}`);
    const word = t.text;
    if (!(allowed as readonly string[]).includes(word)) {
      return this.fail(policyDiagnostic(code, `unknown ${what} \`${word}\``, t.span, { help: didYouMean(word, allowed) }));
    }
    this.i++;
    this.note(word);
    return { kind: 'Keyword', value: word as T, span: t.span };
  }

  /** The next word if it is one of `allowed`, consumed; otherwise nothing is consumed. */
  optionalKeyword<T extends string>(allowed: readonly T[]): A.Keyword<T> | null {
    const w = this.peekWord();
    if (this.failed || w === undefined || !(allowed as readonly string[]).includes(w)) return null;
    const t = this.stmt.terms[this.i]!;
    this.i++;
    this.note(w);
    return { kind: 'Keyword', value: w as T, span: t.span };
  }

  string(what: string): A.StringLit | null {
    if (this.failed) return null;
    const t = this.stmt.terms[this.i];
    if (!t) return this.missing(what);
    if (t.kind !== 'string') {
      return this.unexpected(t, what, t.kind === 'ident' ? `quote it: "${t.text}"` : undefined);
    }
    this.i++;
    return stringLit(t);
  }

  /** A plain number (no unit). */
  number(what: string): A.NumberLit | null {
    if (this.failed) return null;
    const t = this.stmt.terms[this.i];
    if (!t) return this.missing(what);
    if (t.kind !== 'number') return this.unexpected(t, what);
    if (t.invalid) return this.unexpected(t, what);
    if (t.unit !== undefined) {
      return this.fail(policyDiagnostic('policy/wrong-unit', `${what} is a plain number, without a unit`, t.span, { help: `write \`${t.numberText}\`` }));
    }
    this.i++;
    return numberLit(t);
  }

  /** A quantity; the lexer has joined its unit, attached (`64MiB`) or spaced (`16 pages`). */
  quantity(dimension: A.Dimension, what: string): A.Quantity | null {
    if (this.failed) return null;
    const t = this.stmt.terms[this.i];
    if (!t) return this.missing(what);
    if (t.kind !== 'number' || t.invalid) return this.unexpected(t, what);
    this.i++;
    const token = t;
    const numberText = token.numberText ?? token.text;
    const amount = Number(numberText.replace(/_/g, ''));
    if (token.unit !== undefined) {
      // INVARIANT: the unit is the last characters of the token, which lies on one line.
      const unitStart = token.span.endOffset - token.unit.length;
      const unitSpan: TextSpan = { ...token.span, column: token.span.endColumn - token.unit.length, startOffset: unitStart };
      return { kind: 'Quantity', amount, unit: token.unit, unitSpan, dimension, raw: token.text, span: token.span };
    }
    return { kind: 'Quantity', amount, unit: null, unitSpan: null, dimension, raw: numberText, span: token.span };
  }

  /** A `[...]` list of strings. */
  stringList(what: string): A.StringListLit | null {
    if (this.failed) return null;
    const t = this.stmt.terms[this.i];
    if (!t) return this.missing(what, 'write a list like `["A", "B"]`');
    if (t.kind !== 'list') {
      const example = t.kind === 'string' ? `[${t.text}]` : t.kind === 'ident' ? `["${t.text}"]` : undefined;
      return this.unexpected(t, what, example ? `write a list: ${example}` : 'write a list like `["A", "B"]`');
    }
    const items: A.StringLit[] = [];
    for (const item of t.items) {
      const term = item.term;
      if (term.kind !== 'string') return this.unexpected(term, 'a string in the list');
      items.push(stringLit(term));
    }
    this.i++;
    return { kind: 'StringList', items, span: t.span };
  }

  /** `443`, `8000..8080`, or a list of those. */
  ports(): A.PortRange[] | null {
    if (this.failed) return null;
    const t = this.stmt.terms[this.i];
    if (!t) return this.missing('a port, a port range or a list of them', 'e.g. `443`, `8000..8080` or `[80, 443]`');
    const out: A.PortRange[] = [];
    const one = (term: CstTerm): boolean => {
      if (term.kind === 'number' && !term.invalid && term.unit === undefined) {
        const n = numberLit(term);
        out.push({ kind: 'PortRange', from: n, to: n, span: n.span });
        return true;
      }
      if (term.kind === 'range') {
        const from = rangeEnd(term.from);
        const to = term.to ? rangeEnd(term.to) : null;
        if (from && to) {
          out.push({ kind: 'PortRange', from, to, span: term.span });
          return true;
        }
        if (!term.to) {
          this.failed = true; // the parser reported the missing end
          return false;
        }
        this.unexpected(term, 'a port range of two numbers, like `8000..8080`');
        return false;
      }
      if (term.kind === 'number' && term.unit !== undefined && !term.invalid) {
        this.fail(policyDiagnostic('policy/wrong-unit', 'a port is a plain number, without a unit', term.span, { help: `write \`${term.numberText}\`` }));
        return false;
      }
      this.unexpected(term, 'a port or a port range', 'e.g. `443` or `8000..8080`');
      return false;
    };
    if (t.kind === 'list') {
      for (const item of t.items) if (!one(item.term)) return null;
      if (t.items.length === 0) return this.fail(parseDiagnostic('parse/missing-token', 'expected at least one port in the list', t.span));
    } else if (!one(t)) return null;
    this.i++;
    return out;
  }

  /** `min..max` of two numbers. */
  numberRange(what: string): A.NumberRange | null {
    if (this.failed) return null;
    const t = this.stmt.terms[this.i];
    if (!t) return this.missing(what, 'e.g. `in 1..100`');
    if (t.kind !== 'range') return this.unexpected(t, what, 'e.g. `in 1..100`');
    if (!t.to) {
      this.failed = true;
      return null;
    }
    const min = rangeEnd(t.from);
    const max = rangeEnd(t.to);
    if (!min || !max) return this.unexpected(t, 'a range of two plain numbers, like `1..100`');
    this.i++;
    return { kind: 'NumberRange', min, max, span: t.span };
  }

  /** A raw term, consumed (for values whose type the caller decides). */
  term(what: string): CstTerm | null {
    const t = this.take();
    if (t) return t;
    return this.failed ? null : this.missing(what);
  }

  /** Reports anything left in the statement. */
  end(): boolean {
    if (this.failed) return false;
    const t = this.stmt.terms[this.i];
    if (t) {
      this.unexpected(t, 'the end of the statement');
      return false;
    }
    return true;
  }

  /** Reports a block where none belongs. */
  noBlock(): boolean {
    if (this.failed) return false;
    if (this.stmt.block) {
      this.fail(parseDiagnostic('parse/unexpected-token', `\`${this.context}\` takes no \`{ ... }\` block`, this.stmt.block.span));
      return false;
    }
    return true;
  }
}

function stringLit(t: Token): A.StringLit {
  return { kind: 'String', value: t.value ?? '', span: t.span };
}

function numberLit(t: Token): A.NumberLit {
  const raw = t.numberText ?? t.text;
  return { kind: 'Number', value: Number(raw.replace(/_/g, '')), raw, span: t.span };
}

function rangeEnd(token: CstRange['from']): A.NumberLit | null {
  if (token.kind !== 'number' || token.invalid || token.unit !== undefined) return null;
  return numberLit(token);
}

const kw = <T extends string>(value: T, span: TextSpan): A.Keyword<T> => ({ kind: 'Keyword', value, span });

// ---------------------------------------------------------------- lowering

export function lowerFile(cst: CstFile, file: string): { ast: A.PolicyFile; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const comments: A.Comment[] = cst.comments.map((c) => ({ kind: 'Comment', text: c.text.slice(1), span: c.span }));
  let policy: A.PolicyDecl | null = null;
  let sawPolicy = false;
  for (const stmt of cst.statements) {
    const first = stmt.terms[0];
    // Every term of the line was a reported error, or the line starts with one.
    if (!first || (isTokenTerm(first) && first.invalid)) continue;
    const word = first.kind === 'ident' ? first.text : undefined;
    if (word === 'policy') {
      if (sawPolicy) {
        diagnostics.push(parseDiagnostic('parse/unexpected-token', 'a file holds one policy; this is a second `policy` declaration', first.span, { help: 'move it to its own file and use `extends` to share settings' }));
        continue;
      }
      sawPolicy = true;
      policy = lowerPolicy(stmt, diagnostics);
    } else if (word !== undefined && (BLOCK_NAMES as readonly string[]).includes(word)) {
      diagnostics.push(parseDiagnostic('parse/unexpected-token', `\`${word}\` must be inside the \`policy { ... }\` block`, first.span));
    } else {
      diagnostics.push(parseDiagnostic('parse/unexpected-token', `expected \`policy\`, found ${describeTerm(first)}`, first.span, { help: word !== undefined ? didYouMean(word, ['policy']) : 'a file starts with `policy "name" { ... }`' }));
    }
  }
  if (!sawPolicy && !diagnostics.some((d) => d.code.startsWith('parse/'))) {
    diagnostics.push(parseDiagnostic('parse/expected-policy', 'the file has no `policy` declaration', cst.span, { help: 'write `policy "name" extends minimal { ... }`' }));
  }
  const ast: A.PolicyFile = { kind: 'PolicyFile', file, policy, comments, span: cst.span };
  return { ast, diagnostics };
}

function lowerPolicy(stmt: CstStatement, diagnostics: Diagnostic[]): A.PolicyDecl | null {
  const r = new TermReader(stmt, diagnostics, 'policy');
  const keyword = r.keyword(['policy'] as const, 'declaration');
  if (!keyword) return null;
  let name: A.StringLit | null = null;
  let ext: A.ExtendsClause | null = null;
  const next = stmt.terms[1];
  if (next && next.kind === 'string') name = r.string('a policy name');
  if (!r.atEnd()) {
    const ek = r.keyword(['extends'] as const, 'word');
    const target = r.term('a preset name (`minimal`, `development`) or a file path in quotes');
    if (ek && target) {
      if (target.kind === 'ident' && !target.invalid) {
        ext = { kind: 'Extends', keyword: ek, target: { kind: 'PresetRef', name: target.text, span: target.span }, span: joinSpans(ek.span, target.span) };
      } else if (target.kind === 'string') {
        ext = { kind: 'Extends', keyword: ek, target: { kind: 'FileRef', path: stringLit(target), span: target.span }, span: joinSpans(ek.span, target.span) };
      } else {
        r.unexpected(target, 'a preset name or a file path in quotes', 'e.g. `extends minimal` or `extends "./base.wsp"`');
      }
    }
    r.end();
  }
  if (!stmt.block) {
    diagnostics.push(parseDiagnostic('parse/missing-token', 'expected `{` to open the policy body', stmt.span, { help: 'write `policy "name" { ... }`, with the `{` on the same line' }));
    return null;
  }
  const blocks: A.Block[] = [];
  for (const s of stmt.block.statements) {
    const b = lowerBlock(s, diagnostics);
    if (b) blocks.push(b);
  }
  return { kind: 'Policy', keyword, name, extends: ext, blocks, span: stmt.span };
}

function lowerBlock(stmt: CstStatement, diagnostics: Diagnostic[]): A.Block | null {
  const first = stmt.terms[0];
  if (!first) return null;
  if (first.kind !== 'ident') {
    if (!(isTokenTerm(first) && first.invalid)) {
      diagnostics.push(parseDiagnostic('parse/unexpected-token', `expected a block name, found ${describeTerm(first)}`, first.span, { help: `blocks: ${BLOCK_NAMES.join(', ')}` }));
    }
    return null;
  }
  const word = first.text;
  if (first.invalid) return null;
  if (!(BLOCK_NAMES as readonly string[]).includes(word)) {
    diagnostics.push(policyDiagnostic('policy/unknown-block', `unknown block \`${word}\``, first.span, { help: didYouMean(word, BLOCK_NAMES) }));
    return null;
  }
  const r = new TermReader(stmt, diagnostics, word);
  const keyword = r.keyword([word], 'block');
  if (!keyword) return null;
  switch (word) {
    case 'network':
      return lowerNetwork(stmt, r, kw('network', keyword.span), diagnostics);
    case 'filesystem':
      return lowerFilesystem(stmt, r, kw('filesystem', keyword.span), diagnostics);
    case 'env': {
      const mode = r.keyword(ENV_MODES, 'env mode');
      const names = mode && (mode.value === 'allow' || mode.value === 'deny') ? r.stringList('a list of variable names') : null;
      if (!mode || !r.end() || !r.noBlock()) return null;
      return { kind: 'Env', keyword: kw('env', keyword.span), mode, names: names ? names.items : null, span: stmt.span };
    }
    case 'process': {
      const mode = r.keyword(PROCESS_MODES, 'process mode');
      const commands = mode && mode.value === 'allow' ? r.stringList('a list of command names') : null;
      if (!mode || !r.end() || !r.noBlock()) return null;
      return { kind: 'Process', keyword: kw('process', keyword.span), mode, commands: commands ? commands.items : null, span: stmt.span };
    }
    case 'time':
      return lowerTime(stmt, r, kw('time', keyword.span));
    case 'random': {
      const mode = r.keyword(RANDOM_MODES, 'random mode');
      let seed: A.NumberLit | null = null;
      if (mode && mode.value === 'pseudo' && r.optionalKeyword(['seed'] as const)) seed = r.number('a seed');
      if (!mode || !r.end() || !r.noBlock()) return null;
      return { kind: 'Random', keyword: kw('random', keyword.span), mode, seed, span: stmt.span };
    }
    case 'imports':
      return lowerImports(stmt, r, kw('imports', keyword.span), diagnostics);
    case 'custom':
      return lowerCustom(stmt, r, kw('custom', keyword.span));
    case 'limits':
      return lowerLimits(stmt, r, kw('limits', keyword.span), diagnostics);
    case 'audit': {
      const decisions = r.keyword(AUDIT_MODES, 'audit level');
      if (!decisions || !r.end() || !r.noBlock()) return null;
      return { kind: 'Audit', keyword: kw('audit', keyword.span), decisions, span: stmt.span };
    }
  }
  return null;
}

/** The block of a block statement (`network { ... }`); reports a missing one. */
function requireBlock(stmt: CstStatement, r: TermReader, diagnostics: Diagnostic[], example: string): CstStatement[] | null {
  if (!r.end()) return null;
  if (!stmt.block) {
    diagnostics.push(parseDiagnostic('parse/missing-token', 'expected a `{ ... }` block', stmt.span, { help: `${example}; the \`{\` goes on the same line` }));
    return null;
  }
  return stmt.block.statements;
}

function lowerNetwork(stmt: CstStatement, r: TermReader, keyword: A.Keyword<'network'>, diagnostics: Diagnostic[]): A.NetworkBlock | null {
  if (stmt.terms.length > 1) {
    const mode = r.keyword(NETWORK_MODES, 'network mode');
    if (!mode || !r.end() || !r.noBlock()) return null;
    return { kind: 'Network', keyword, mode, rules: [], span: stmt.span };
  }
  const body = requireBlock(stmt, r, diagnostics, 'write `network none`, `network full`, or `network { allow host "example.com" ports 443 }`');
  if (!body) return null;
  const rules: A.NetworkRule[] = [];
  for (const s of body) {
    if (s.terms.length === 0) continue;
    const rr = new TermReader(s, diagnostics, 'network');
    if (!rr.keyword(['allow'] as const, 'network rule')) continue;
    const what = rr.keyword(NETWORK_RULES, 'network grant');
    if (!what) continue;
    if (what.value === 'loopback') {
      if (rr.end() && rr.noBlock()) rules.push({ kind: 'AllowLoopback', span: s.span });
    } else if (what.value === 'ports') {
      const ports = rr.ports();
      if (ports && rr.end() && rr.noBlock()) rules.push({ kind: 'AllowPorts', ports, span: s.span });
    } else {
      const host = rr.string('a host name in quotes');
      let ports: A.PortRange[] | null = null;
      let secure: A.Keyword<'secure'> | null = null;
      let seenPorts: A.Keyword | null = null;
      while (host && !rr.atEnd()) {
        const opt = rr.keyword(HOST_OPTIONS, 'host option');
        if (!opt) break;
        if ((opt.value === 'ports' && seenPorts) || (opt.value === 'secure' && secure)) {
          diagnostics.push(policyDiagnostic('policy/duplicate-entry', `\`${opt.value}\` is given twice for this host`, opt.span, { help: 'list every port in one `ports [...]`' }));
          rr.failed = true;
          break;
        }
        if (opt.value === 'secure') secure = kw('secure', opt.span);
        else {
          seenPorts = opt;
          ports = rr.ports();
        }
      }
      if (host && !rr.failed && rr.noBlock()) rules.push({ kind: 'AllowHost', host, ports, secure, span: s.span });
    }
  }
  return { kind: 'Network', keyword, mode: null, rules, span: stmt.span };
}

function lowerFilesystem(stmt: CstStatement, r: TermReader, keyword: A.Keyword<'filesystem'>, diagnostics: Diagnostic[]): A.FilesystemBlock | null {
  const body = requireBlock(stmt, r, diagnostics, 'write `filesystem { read "./data" as "/data" }`');
  if (!body) return null;
  const entries: A.FilesystemEntry[] = [];
  for (const s of body) {
    if (s.terms.length === 0) continue;
    const rr = new TermReader(s, diagnostics, 'filesystem');
    const head = rr.keyword(FS_STATEMENTS, 'filesystem statement');
    if (!head) continue;
    if (head.value === 'allow') {
      const what = rr.keyword(FS_ALLOW, 'filesystem permission');
      if (what && rr.end() && rr.noBlock()) entries.push({ kind: 'FsAllow', what, span: s.span });
      continue;
    }
    if (head.value === 'max-file-size') {
      const value = rr.optionalKeyword(['unlimited'] as const) ?? rr.quantity('bytes', 'a size');
      if (value && rr.end() && rr.noBlock()) entries.push({ kind: 'FsMaxFileSize', value, span: s.span });
      continue;
    }
    const access = kw(head.value as (typeof DIR_ACCESS)[number], head.span);
    const hostPath = rr.string('a directory path in quotes');
    const dir: A.DirGrant = { kind: 'DirGrant', access, hostPath: hostPath!, guestPath: null, maxFileSize: null, create: null, delete: null, span: s.span };
    while (hostPath && !rr.atEnd()) {
      const opt = rr.keyword(DIR_OPTIONS, 'directory option');
      if (!opt) break;
      const field = opt.value === 'as' ? 'guestPath' : opt.value === 'max-file-size' ? 'maxFileSize' : opt.value;
      if (dir[field] !== null) {
        diagnostics.push(policyDiagnostic('policy/duplicate-entry', `\`${opt.value}\` is given twice for this directory`, opt.span));
        rr.failed = true;
        break;
      }
      if (opt.value === 'as') dir.guestPath = rr.string('a guest path in quotes');
      else if (opt.value === 'max-file-size') dir.maxFileSize = rr.optionalKeyword(['unlimited'] as const) ?? rr.quantity('bytes', 'a size');
      else if (opt.value === 'create') dir.create = kw('create', opt.span);
      else dir.delete = kw('delete', opt.span);
    }
    if (hostPath && !rr.failed && rr.noBlock()) entries.push(dir);
  }
  return { kind: 'Filesystem', keyword, entries, span: stmt.span };
}

function lowerTime(stmt: CstStatement, r: TermReader, keyword: A.Keyword<'time'>): A.TimeBlock | null {
  const mode = r.keyword(TIME_MODES, 'time mode');
  let deterministic: A.DeterministicClause | null = null;
  const dk = mode ? r.optionalKeyword(['deterministic'] as const) : null;
  if (dk) {
    const clause: A.DeterministicClause = { kind: 'Deterministic', keyword: dk, start: null, step: null, span: dk.span };
    while (!r.atEnd()) {
      const opt = r.keyword(CLOCK_OPTIONS, 'clock option');
      if (!opt) break;
      if (clause[opt.value] !== null) {
        r.refuse(policyDiagnostic('policy/duplicate-entry', `\`${opt.value}\` is given twice for the clock`, opt.span));
        break;
      }
      if (opt.value === 'step') {
        clause.step = r.quantity('duration-ns', 'a duration');
        if (clause.step) clause.span = joinSpans(dk.span, clause.step.span);
      } else {
        const t = r.term('a start time: an RFC 3339 timestamp in quotes or milliseconds since the Unix epoch');
        if (t && t.kind === 'string') clause.start = stringLit(t);
        else if (t && t.kind === 'number' && !t.invalid && t.unit === undefined) clause.start = numberLit(t);
        else if (t) r.unexpected(t, 'a start time', 'e.g. `start "2024-01-01T00:00:00Z"`');
        if (clause.start) clause.span = joinSpans(dk.span, clause.start.span);
      }
    }
    deterministic = clause;
  }
  if (!mode || !r.end() || !r.noBlock()) return null;
  return { kind: 'Time', keyword, mode, deterministic, span: stmt.span };
}

function lowerImports(stmt: CstStatement, r: TermReader, keyword: A.Keyword<'imports'>, diagnostics: Diagnostic[]): A.ImportsBlock | null {
  const body = requireBlock(stmt, r, diagnostics, 'write `imports { allow "env" "log" }`');
  if (!body) return null;
  const entries: A.ImportAllow[] = [];
  for (const s of body) {
    if (s.terms.length === 0) continue;
    const rr = new TermReader(s, diagnostics, 'imports');
    if (!rr.keyword(['allow'] as const, 'imports statement')) continue;
    const module = rr.string('the import module in quotes');
    const name = rr.string('the import name in quotes (or "*" for every function of the module)');
    let requires: A.StringLit | null = null;
    if (rr.optionalKeyword(['requires'] as const)) requires = rr.string('a custom value name in quotes');
    if (module && name && rr.end() && rr.noBlock()) entries.push({ kind: 'ImportAllow', module, name, requires, span: s.span });
  }
  return { kind: 'Imports', keyword, entries, span: stmt.span };
}

function lowerCustom(stmt: CstStatement, r: TermReader, keyword: A.Keyword<'custom'>): A.CustomDecl | null {
  const name = r.string('the custom value name in quotes');
  const eq = name ? r.term('`=`') : null;
  if (eq && !(eq.kind === 'equals')) r.unexpected(eq, '`=`', 'write `custom "name" = value`');
  const t = r.failed ? null : r.term('a value: true, false, a number, a string or a list of strings');
  let value: A.CustomDecl['value'] | null = null;
  if (t) {
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) {
      value = { kind: 'Bool', value: t.text === 'true', span: t.span };
    } else if (t.kind === 'string') {
      value = stringLit(t);
    } else if (t.kind === 'number' && !t.invalid && t.unit === undefined) {
      value = numberLit(t);
    } else if (t.kind === 'list') {
      const items: A.StringLit[] = [];
      for (const item of t.items) {
        if (item.term.kind !== 'string') {
          r.unexpected(item.term, 'a string in the list', 'custom lists hold strings');
          break;
        }
        items.push(stringLit(item.term));
      }
      value = { kind: 'StringList', items, span: t.span };
    } else {
      r.unexpected(t, 'a value: true, false, a number, a string or a list of strings');
    }
  }
  let range: A.NumberRange | null = null;
  if (value && r.optionalKeyword(['in'] as const)) range = r.numberRange('a range');
  if (!name || !value || r.failed || !r.end() || !r.noBlock()) return null;
  return { kind: 'Custom', keyword, name, value, range, span: stmt.span };
}

function lowerLimits(stmt: CstStatement, r: TermReader, keyword: A.Keyword<'limits'>, diagnostics: Diagnostic[]): A.LimitsBlock | null {
  const body = requireBlock(stmt, r, diagnostics, 'write `limits { memory max 64MiB }`');
  if (!body) return null;
  const entries: A.LimitEntry[] = [];
  for (const s of body) {
    if (s.terms.length === 0) continue;
    const rr = new TermReader(s, diagnostics, 'limits');
    const category = rr.keyword(LIMIT_CATEGORIES, 'limit category', 'policy/unknown-limit');
    if (!category) continue;
    const specs = LIMIT_SETTINGS[category.value];
    const names = Object.keys(specs).filter((k) => k !== '');
    const settings: A.LimitSetting[] = [];
    if (specs[''] !== undefined) {
      // A positional category (`fuel 50M`) takes exactly one value.
      const value = lowerLimitValue(rr, specs['']!, category.value);
      if (value) settings.push({ kind: 'LimitSetting', name: null, value, span: value.span });
    } else {
      if (rr.atEnd()) rr.missing('a limit setting', `settings: ${names.map((n) => `\`${n}\``).join(', ')}`);
      while (!rr.atEnd()) {
        const name = rr.keyword(names, `${category.value} limit`, 'policy/unknown-limit');
        if (!name) break;
        const value = lowerLimitValue(rr, specs[name.value]!, `${category.value} ${name.value}`);
        if (value) settings.push({ kind: 'LimitSetting', name, value, span: joinSpans(name.span, value.span) });
      }
    }
    if (!rr.failed && rr.end() && rr.noBlock()) entries.push({ kind: 'LimitEntry', category, settings, span: s.span });
  }
  return { kind: 'Limits', keyword, entries, span: stmt.span };
}

function lowerLimitValue(r: TermReader, spec: (typeof LIMIT_SETTINGS)['memory'][string], what: string): A.Quantity | A.Keyword | null {
  if (spec.type === 'choice') return r.keyword(spec.choices, `value for \`${what}\``);
  if (spec.unlimited) {
    const u = r.optionalKeyword(['unlimited'] as const);
    if (u) return u;
  }
  if (r.atEnd()) return r.missing(`a value for \`${what}\``);
  const w = r.peekWord();
  if (w === 'unlimited') {
    return r.refuse(policyDiagnostic('policy/value-out-of-range', `\`${what}\` cannot be unlimited`, r.peekTerm()!.span, { help: `give ${describeDimension(spec.dimension)}` }));
  }
  if (w !== undefined && spec.unlimited) return r.keyword(['unlimited'] as const, `value for \`${what}\``);
  return r.quantity(spec.dimension, `a value for \`${what}\``);
}

