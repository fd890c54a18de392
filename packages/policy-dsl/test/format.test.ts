// The formatter's canonical layout, comment keeping, and refusal of text with syntax errors.
import { formatPolicy } from '@wsbc/policy-dsl';
import { lintPolicySource } from '@wsbc/policy-dsl/lint';
import { describe, expect, it } from 'vitest';

function fmt(text: string): string {
  const r = formatPolicy(text, 'p.wsp');
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
}

describe('formatPolicy', () => {
  it('indents by two spaces, single-spaces terms, expands one-line blocks', () => {
    expect(fmt('policy   "p"\textends minimal {\n network\tnone\n\t\timports { allow "env"   "log" }\n}')).toBe(
      'policy "p" extends minimal {\n  network none\n  imports {\n    allow "env" "log"\n  }\n}\n',
    );
  });

  it('keeps own-line, end-of-line, block-opening and closing comments', () => {
    const text = '# header\npolicy "p" { # opens\n  # about network\n  network none # why\n  limits {\n    fuel 1M\n    # last words\n  } # after\n  # before close\n}\n# footer\n';
    expect(fmt(text)).toBe(text);
  });

  it('keeps one blank line between statements, drops blank lines at block starts and ends', () => {
    expect(fmt('\n\npolicy "p" {\n\n\n  network none\n\n\n\n  env none\n\n}\n\n\n')).toBe('policy "p" {\n  network none\n\n  env none\n}\n');
  });

  it('prints empty blocks as {}', () => {
    expect(fmt('policy "p" {\n  network {\n  }\n}')).toBe('policy "p" {\n  network {}\n}\n');
  });

  it('lays lists out on one line, or one item per line when they hold comments or are too long', () => {
    expect(fmt('policy {\n  env allow [ "A" ,"B",\n "C" ]\n}')).toBe('policy {\n  env allow ["A", "B", "C"]\n}\n');
    expect(fmt('policy {\n  env allow ["A", # first\n  "B"]\n}')).toBe('policy {\n  env allow [\n    "A", # first\n    "B",\n  ]\n}\n');
    const names = Array.from({ length: 12 }, (_, i) => `"VARIABLE_${i}"`);
    const out = fmt(`policy {\n  env allow [${names.join(', ')}]\n}`);
    expect(out.split('\n')).toHaveLength(names.length + 5);
    expect(out).toContain('    "VARIABLE_11",\n  ]\n');
  });

  it('attaches units to their numbers, except pages, which take a space', () => {
    expect(fmt('policy {\n  limits {\n    memory max 64 MiB growth 16pages reserved 1 page\n    io read 1\tMiB/s\n    fuel 10 M\n  }\n}')).toBe(
      'policy {\n  limits {\n    memory max 64MiB growth 16 pages reserved 1 page\n    io read 1MiB/s\n    fuel 10M\n  }\n}\n',
    );
  });

  it('is idempotent on a unit after a stray carriage return (a fuzz finding)', () => {
    const once = fmt('policy {\n  limits {\n    memory growth 1\rGiB\n  }\n}\n');
    expect(once).toBe('policy {\n  limits {\n    memory growth 1GiB\n  }\n}\n');
    expect(fmt(once)).toBe(once);
  });

  it('is idempotent on a spaced unit before `..` (a fuzz finding)', () => {
    const once = fmt('policy {\n  limits {\n    memory max 27 \t pages ..\t growth\n  }\n}\n');
    expect(once).toBe('policy {\n  limits {\n    memory max 27 pages..growth\n  }\n}\n');
    expect(fmt(once)).toBe(once);
  });

  it('keeps a comment after a one-line block on the line of the statement it followed', () => {
    expect(fmt('policy {\n  imports { allow "h" "*" } # ours\n}\n')).toBe('policy {\n  imports {\n    allow "h" "*" # ours\n  }\n}\n');
    expect(fmt('policy { network { allow loopback } } # nested\n')).toBe('policy {\n  network {\n    allow loopback # nested\n  }\n}\n');
    expect(fmt('policy {\n  network {\n    allow loopback } # same line\n}\n')).toBe('policy {\n  network {\n    allow loopback # same line\n  }\n}\n');
    expect(fmt('policy {\n  network {} # empty\n}\n')).toBe('policy {\n  network {} # empty\n}\n');
    expect(fmt('policy {\n  network {\n    allow loopback\n  } # after\n}\n')).toBe('policy {\n  network {\n    allow loopback\n  } # after\n}\n');
  });

  it('leaves what inline lint suppressions silence unchanged', () => {
    const lintText = (text: string) => {
      const r = lintPolicySource(text, { file: '/p/policy.wsp', cwd: '/srv', readFile: () => undefined });
      return { findings: r.diagnostics.map((d) => d.code), suppressed: r.suppressed.map((x) => x.diagnostic.code) };
    };
    const names = Array.from({ length: 8 }, (_, i) => `"VARIABLE_NUMBER_${i}"`).join(', ');
    for (const text of [
      'policy {\n  imports { allow "h" "*" } # wsbc-lint-disable-line wildcard-host-import: our own host module\n}\n',
      `policy {\n  env allow [${names}, "GITHUB_TOKEN"] # wsbc-lint-disable-line env-allows-secret: calls the API\n}\n`,
      'policy {\n  # wsbc-lint-disable-next-line env-allows-secret: calls the API\n  env allow [\n    "LANG",\n    "GITHUB_TOKEN"\n  ]\n}\n',
    ]) {
      const before = lintText(text);
      expect(before.suppressed, text).not.toEqual([]);
      expect(lintText(fmt(text)), text).toEqual(before);
    }
  });

  it('normalizes CRLF to LF and keeps ranges tight', () => {
    expect(fmt('policy {\r\n  network {\r\n    allow ports [ 1 .. 2 ]\r\n  }\r\n}\r\n')).toBe('policy {\n  network {\n    allow ports [1..2]\n  }\n}\n');
  });

  it('formats text whose meaning has errors (an unknown block) but not text with syntax errors', () => {
    expect(fmt('policy {\n  netwrok none\n}')).toBe('policy {\n  netwrok none\n}\n');
    const bad = formatPolicy('policy {\n  env allow ["A\n}\n', 'p.wsp');
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.map((d) => d.code)).toContain('parse/unterminated-string');
    expect(formatPolicy('policy {\n', 'p.wsp').ok).toBe(false);
  });

  it('formats an empty file to an empty file', () => {
    expect(fmt('')).toBe('');
    expect(fmt('\n\n')).toBe('');
  });
});
