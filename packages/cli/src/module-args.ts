// Turning `wsbc check` arguments into the list of modules to check, the way a shell would but
// independent of the shell: quoted glob patterns (`'dist/**/*.wasm'`) are expanded here, because
// CI systems, Windows shells and `xargs` pass them through unexpanded; a directory argument means
// every `*.wasm` file below it.
//
// Glob syntax (POSIX shell patterns plus `**`):
//   `*`      any run of characters within one path segment
//   `?`      one character within a segment
//   `[...]`  one character from a set: `[abc]`, ranges `[a-z]`, negation `[!abc]` or `[^abc]`;
//            a `]` right after the opening (or after `!`/`^`) is literal; an unclosed `[` is literal
//   `**`     as a whole segment: zero or more directories
//   `\x`     the character x, literally
// As in shells, a wildcard never matches a leading `.` of a name (hidden files and directories
// need an explicit `.` in the pattern), and `/` is only ever matched by `/`.
//
// The walk never follows symbolic links to directories (a link cycle cannot make it loop), and
// reads one directory at a time. Order is deterministic: each argument's matches are sorted by
// path (code-unit order, not locale), arguments keep their command-line order, and a module named
// twice is checked once, where it first appears.
import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '@wsbc/diagnostics';

export interface ModuleTarget {
  /** The name shown in findings and output: the argument, or the path it expanded to. */
  file: string;
  /** Absolute path to read, or `-` for stdin. */
  path: string;
}

export interface ExpandedModules {
  targets: ModuleTarget[];
  /** An argument that names nothing: a missing file, a pattern or directory without modules. */
  problems: Diagnostic[];
}

/** True when the argument contains an unescaped glob metacharacter (`*`, `?` or `[`). */
export function isGlobPattern(argument: string): boolean {
  for (let i = 0; i < argument.length; i++) {
    const c = argument[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

type Segment = { kind: 'globstar' } | { kind: 'literal'; text: string } | { kind: 'pattern'; regex: RegExp; dotExplicit: boolean };

/** Compiles one path segment of a pattern (no `/` inside). */
function compileSegment(segment: string): Segment {
  if (segment === '**') return { kind: 'globstar' };
  if (!isGlobPattern(segment)) return { kind: 'literal', text: segment.replace(/\\(.)/g, '$1') };
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) {
      source += escapeRegExp(segment[++i]!);
    } else if (c === '*') {
      // Consecutive stars inside a segment (`a**b`) mean the same as one.
      while (segment[i + 1] === '*') i++;
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else if (c === '[') {
      const set = parseBracket(segment, i);
      if (set) {
        source += set.source;
        i = set.end;
      } else {
        source += '\\[';
      }
    } else {
      source += escapeRegExp(c);
    }
  }
  return { kind: 'pattern', regex: new RegExp(`^${source}$`, 'u'), dotExplicit: segment.startsWith('.') || segment.startsWith('\\.') };
}

/** Parses `[...]` starting at `open`; undefined when it is not closed (then `[` is literal). */
function parseBracket(segment: string, open: number): { source: string; end: number } | undefined {
  let i = open + 1;
  let negate = false;
  if (segment[i] === '!' || segment[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < segment.length; i++) {
    let c = segment[i]!;
    if (c === ']' && !first) {
      // INVARIANT: a bracket expression never matches `/`, even negated.
      return { source: negate ? `[^/${body}]` : `[${body}]`, end: i };
    }
    first = false;
    if (c === '\\' && i + 1 < segment.length) c = segment[++i]!;
    if (segment[i + 1] === '-' && i + 2 < segment.length && segment[i + 2] !== ']') {
      let to = segment[i + 2]!;
      let skip = 2;
      if (to === '\\' && i + 3 < segment.length) {
        to = segment[i + 3]!;
        skip = 3;
      }
      // A reversed range (`[z-a]`) matches nothing in shells; keep it from being a RegExp error.
      if (to < c) body += '';
      else body += `${escapeClassChar(c)}-${escapeClassChar(to)}`;
      i += skip;
      continue;
    }
    body += escapeClassChar(c);
  }
  return undefined;
}

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function escapeClassChar(c: string): string {
  return c.replace(/[\\\]^[-]/g, '\\$&');
}

/** Pattern segments; a leading empty segment marks an absolute pattern, other empty ones (`a//b`, `a/`) are dropped. */
function splitPattern(pattern: string): string[] {
  return pattern.split('/').filter((s, i) => s !== '' || i === 0);
}

function segmentMatches(segment: Segment, name: string): boolean {
  if (segment.kind === 'literal') return segment.text === name;
  if (segment.kind === 'globstar') return !name.startsWith('.');
  if (name.startsWith('.') && !segment.dotExplicit) return false;
  // A reversed range compiles to `[]`, which matches nothing, as in shells.
  return segment.regex.test(name);
}

/**
 * Whether a `/`-separated relative path matches a pattern, with the same rules as the file
 * system walk (exported for tests and for callers that filter paths they already have).
 */
export function matchGlob(pattern: string, filePath: string): boolean {
  const segments = splitPattern(pattern).map(compileSegment);
  const names = filePath.split('/');
  const memo = new Map<number, boolean>();
  const match = (si: number, ni: number): boolean => {
    const key = si * (names.length + 1) + ni;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (si === segments.length) result = ni === names.length;
    else if (segments[si]!.kind === 'globstar') {
      result = match(si + 1, ni) || (ni < names.length && segmentMatches(segments[si]!, names[ni]!) && match(si, ni + 1));
    } else {
      result = ni < names.length && segmentMatches(segments[si]!, names[ni]!) && match(si + 1, ni + 1);
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** Code-unit order, so the order does not depend on the locale the CI machine runs in. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    // An unreadable directory below a pattern's base is skipped, as shells do.
    return [];
  }
}

function isFile(entry: Dirent, fullPath: string): boolean {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(fullPath).isFile();
  } catch {
    return false;
  }
}

/** Expands a glob pattern against the file system; paths are returned as `base/rest` with `/`. */
export function expandGlob(pattern: string, cwd: string): string[] {
  const raw = splitPattern(pattern.split(path.sep).join('/'));
  const absolute = raw[0] === '';
  const segments = raw.map(compileSegment);
  // The literal prefix is the directory the walk starts from.
  let start = absolute ? 1 : 0;
  const prefix: string[] = absolute ? [''] : [];
  while (start < segments.length - 1 && segments[start]!.kind === 'literal') {
    prefix.push((segments[start] as { text: string }).text);
    start++;
  }
  const shownBase = prefix.join('/') + (absolute && prefix.length === 1 ? '/' : '');
  const found = new Set<string>();
  const join = (base: string, name: string) => (base === '' ? name : base.endsWith('/') ? base + name : `${base}/${name}`);

  const walk = (dirShown: string, si: number): void => {
    const segment = segments[si]!;
    const last = si === segments.length - 1;
    const dirReal = path.resolve(cwd, dirShown === '' ? '.' : dirShown);
    if (segment.kind === 'globstar') {
      if (last) {
        // A trailing `**` names every file below the directory.
        collectFiles(dirShown, dirReal, () => true, found);
        return;
      }
      walk(dirShown, si + 1);
      for (const entry of readDir(dirReal)) {
        if (entry.isDirectory() && !entry.name.startsWith('.')) walk(join(dirShown, entry.name), si);
      }
      return;
    }
    if (segment.kind === 'literal') {
      const shown = join(dirShown, segment.text);
      const real = path.join(dirReal, segment.text);
      if (last) {
        if (statOrUndefined(real)?.isFile()) found.add(shown);
      } else if (lstatOrUndefined(real)?.isDirectory()) {
        walk(shown, si + 1);
      }
      return;
    }
    for (const entry of readDir(dirReal)) {
      if (!segmentMatches(segment, entry.name)) continue;
      const shown = join(dirShown, entry.name);
      if (last) {
        if (isFile(entry, path.join(dirReal, entry.name))) found.add(shown);
      } else if (entry.isDirectory()) {
        walk(shown, si + 1);
      }
    }
  };
  if (start < segments.length) walk(shownBase, start);
  return [...found].sort(comparePaths);
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function collectFiles(dirShown: string, dirReal: string, accept: (name: string) => boolean, into: Set<string>): void {
  for (const entry of readDir(dirReal)) {
    if (entry.name.startsWith('.')) continue;
    const shown = dirShown === '' ? entry.name : dirShown.endsWith('/') ? dirShown + entry.name : `${dirShown}/${entry.name}`;
    const real = path.join(dirReal, entry.name);
    if (entry.isDirectory()) collectFiles(shown, real, accept, into);
    else if (accept(entry.name) && isFile(entry, real)) into.add(shown);
  }
}

/** Every `*.wasm` file below a directory (hidden entries and directory symlinks skipped), sorted. */
export function findModulesInDirectory(dirShown: string, cwd: string): string[] {
  const found = new Set<string>();
  const base = dirShown.length > 1 ? dirShown.replace(/\/+$/, '') : dirShown;
  collectFiles(base, path.resolve(cwd, base), (name) => name.endsWith('.wasm'), found);
  return [...found].sort(comparePaths);
}

/**
 * Expands `wsbc check` module arguments: `-` (stdin) and plain files pass through unchanged (a
 * missing file is reported when it is read, as before), glob patterns and directories expand to
 * their sorted matches; an argument that expands to nothing is a problem (exit 2).
 */
export function expandModuleArguments(args: readonly string[], cwd: string): ExpandedModules {
  const targets: ModuleTarget[] = [];
  const problems: Diagnostic[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const absolute = file === '-' ? '-' : path.resolve(cwd, file);
    if (seen.has(absolute)) return;
    seen.add(absolute);
    targets.push({ file, path: absolute });
  };
  for (const arg of args) {
    if (arg === '-') {
      add(arg);
      continue;
    }
    const asFile = statOrUndefined(path.resolve(cwd, arg));
    if (asFile?.isDirectory()) {
      const found = findModulesInDirectory(arg, cwd);
      if (found.length === 0) problems.push(noMatch(`no .wasm files in directory ${arg}`));
      found.forEach(add);
    } else if (!asFile && isGlobPattern(arg)) {
      // A file whose name really contains `*` or `[` is taken literally when it exists.
      const found = expandGlob(arg, cwd);
      if (found.length === 0) problems.push(noMatch(`no files match ${arg}`));
      found.forEach(add);
    } else {
      add(arg);
    }
  }
  return { targets, problems };
}

function noMatch(message: string): Diagnostic {
  return { code: 'input/unreadable', severity: 'error', message, help: 'quote the pattern so wsbc expands it (`wsbc check \'dist/**/*.wasm\'`), and check the path' };
}
