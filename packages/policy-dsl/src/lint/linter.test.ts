import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { describe, expect, it } from 'vitest';
import { lintPolicySource, type LintSourceOptions } from './lint-source.js';
import { defineRule } from './types.js';

const FILE = '/policies/team/policy.wsp';

function lint(text: string, options: Partial<LintSourceOptions> = {}) {
  return lintPolicySource(text, { file: FILE, cwd: '/srv/run', readFile: () => undefined, ...options });
}

/** code@line:column for compact expectations. */
function brief(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${(d.span as TextSpan).line}:${(d.span as TextSpan).column} ${d.severity}`);
}

const RISKY = 'policy "a" {\n  network full\n  env full\n}\n';

describe('lintPolicySource', () => {
  it('reports every enabled rule at its default level, sorted by position, with data naming the rule', () => {
    const result = lint(RISKY);
    expect(result.ok).toBe(true);
    expect(brief(result.diagnostics)).toEqual(['lint/no-full-network@2:11 warning', 'lint/env-full@3:7 warning']);
    expect(result.diagnostics[0]).toMatchObject({ data: { rule: 'no-full-network', category: 'security', messageId: 'full' }, help: expect.stringContaining('allow host') });
  });

  it('applies configuration levels, then per-run overrides', () => {
    const config = { rules: { 'no-full-network': { level: 'error' as const }, 'env-full': { level: 'off' as const } } };
    expect(brief(lint(RISKY, { config }).diagnostics)).toEqual(['lint/no-full-network@2:11 error']);
    expect(brief(lint(RISKY, { config, overrides: { 'no-full-network': 'info', 'env-full': 'warning' } }).diagnostics)).toEqual([
      'lint/no-full-network@2:11 info',
      'lint/env-full@3:7 warning',
    ]);
  });

  it('does not lint a policy that does not compile, and returns the compiler diagnostics', () => {
    const result = lint('policy "a" {\n  network full\n  netwrk none\n}\n');
    expect(result.ok).toBe(false);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((d) => !d.code.startsWith('lint/'))).toBe(true);
  });

  it('lints the meaning of the extends chain through the given readFile', () => {
    const files: Record<string, string> = { '/policies/base.wsp': 'policy "base" {\n  process full\n}\n' };
    const result = lint('policy "a" extends "../base.wsp" {\n}\n', { readFile: (p) => files[p] });
    expect(brief(result.diagnostics)).toEqual(['lint/no-full-process@1:12 error']);
    expect(result.sources.has('/policies/base.wsp') || [...result.sources.keys()].some((k) => k.endsWith('base.wsp'))).toBe(true);
  });

  it('names the rule and the file when a rule throws (a bug in the rule)', () => {
    const broken = defineRule({
      id: 'broken',
      category: 'intent',
      defaultLevel: 'warning',
      description: 'Always throws.',
      messages: { m: 'x' },
      check() {
        throw new Error('boom');
      },
    });
    expect(() => lint(RISKY, { rules: [broken] })).toThrow(`lint rule "broken" failed on ${FILE}: boom`);
  });

  it('fills message placeholders and refuses unknown message ids (bugs in a rule)', () => {
    const reporter = (messageId: string, data?: Record<string, string>) =>
      defineRule({
        id: 'reporter',
        category: 'intent',
        defaultLevel: 'warning',
        description: 'Reports once.',
        messages: { hello: 'hello {{who}}' },
        check(ctx) {
          ctx.report({ messageId: messageId as 'hello', span: ctx.locate.inheritedSpan(), ...(data ? { data } : {}) });
        },
      });
    expect(lint(RISKY, { rules: [reporter('hello', { who: 'world' })] }).diagnostics[0]?.message).toBe('hello world');
    expect(() => lint(RISKY, { rules: [reporter('bye', { who: 'x' })] })).toThrow('unknown message id "bye"');
    expect(() => lint(RISKY, { rules: [reporter('hello')] })).toThrow('needs data "who"');
  });
});

describe('inline suppression', () => {
  it('silences the next policy line with a reason, and keeps the finding and reason apart', () => {
    const text = 'policy "a" {\n  # wsbc-lint-disable-next-line no-full-network: isolated VM with egress filtering\n  network full\n  env full\n}\n';
    const result = lint(text);
    expect(brief(result.diagnostics)).toEqual(['lint/env-full@4:7 warning']);
    expect(result.suppressed).toHaveLength(1);
    expect(result.suppressed[0]).toMatchObject({ reason: 'isolated VM with egress filtering', diagnostic: { code: 'lint/no-full-network' }, directive: { line: 2, column: 3 } });
  });

  it('skips blank and comment-only lines, so directives can be stacked', () => {
    const text =
      'policy "a" {\n  # wsbc-lint-disable-next-line no-full-network: reason one\n\n  # wsbc-lint-disable-next-line lint/env-full: reason two\n  # an ordinary comment\n  network full\n}\n';
    const result = lint(text.replace('network full', 'network full  # wsbc-lint-disable-line env-full: same line'));
    expect(brief(result.diagnostics)).toEqual(['lint/unused-suppression@4:33 warning', 'lint/unused-suppression@6:42 warning']);
    const both = lint('policy "a" {\n  # wsbc-lint-disable-next-line no-full-network: one\n\n  # wsbc-lint-disable-next-line env-full: two\n  network full\n  env full\n}\n');
    expect(brief(both.diagnostics)).toEqual(['lint/unused-suppression@4:33 warning', 'lint/env-full@6:7 warning']);
  });

  it('silences a trailing comment on the same line, several rules at once, and a whole file', () => {
    expect(lint('policy "a" {\n  network full  # wsbc-lint-disable-line no-full-network: isolated\n}\n').diagnostics).toEqual([]);
    const several = lint('# wsbc-lint-disable-file no-full-network, env-full: sandbox for a trusted internal tool\npolicy "a" {\n  network full\n  env full\n}\n');
    expect(several.diagnostics).toEqual([]);
    expect(several.suppressed.map((s) => s.diagnostic.code)).toEqual(['lint/no-full-network', 'lint/env-full']);
  });

  it('does not suppress without a reason, and reports the directive', () => {
    for (const directive of ['# wsbc-lint-disable-next-line no-full-network', '# wsbc-lint-disable-next-line no-full-network:', '# wsbc-lint-disable-next-line no-full-network:    ']) {
      const result = lint(`policy "a" {\n  ${directive}\n  network full\n}\n`);
      expect(brief(result.diagnostics), directive).toEqual(['lint/suppression-missing-reason@2:3 error', 'lint/no-full-network@3:11 warning']);
      expect(result.suppressed).toEqual([]);
    }
  });

  it('only matches the rules it names', () => {
    const result = lint('policy "a" {\n  # wsbc-lint-disable-next-line env-full: not this one\n  network full\n}\n');
    expect(brief(result.diagnostics)).toEqual(['lint/unused-suppression@2:33 warning', 'lint/no-full-network@3:11 warning']);
    expect(result.diagnostics[0]?.message).toBe('"env-full" reports nothing on line 3, so its suppression is not needed');
  });

  it('reports unknown rules and directives with a suggestion, and still applies the known rules', () => {
    const result = lint('policy "a" {\n  # wsbc-lint-disable-next-line no-full-netwrk, env-full: typo\n  env full\n  # wsbc-lint-disable-nextline env-full: typo\n}\n');
    expect(brief(result.diagnostics)).toEqual(['lint/invalid-suppression@2:33 error', 'lint/invalid-suppression@4:5 error']);
    expect(result.diagnostics.map((d) => d.help)).toEqual(['did you mean "no-full-network"?', 'did you mean "wsbc-lint-disable-next-line"?']);
    expect(result.suppressed.map((s) => s.diagnostic.code)).toEqual(['lint/env-full']);
  });

  it('requires a rule list: there is no blanket suppression', () => {
    const result = lint('policy "a" {\n  # wsbc-lint-disable-next-line: everything\n  network full\n}\n');
    expect(brief(result.diagnostics)).toEqual(['lint/invalid-suppression@2:3 error', 'lint/no-full-network@3:11 warning']);
  });

  it('refuses to suppress the linter\'s own diagnostics inline', () => {
    const result = lint('policy "a" {\n  # wsbc-lint-disable-next-line unused-suppression: sneaky\n  network full\n}\n');
    expect(brief(result.diagnostics)).toEqual(['lint/invalid-suppression@2:33 error', 'lint/no-full-network@3:11 warning']);
  });

  it('is not fooled by a directive inside a string', () => {
    const result = lint('policy "a" {\n  network {\n    allow host "x.example.com" # wsbc-lint-disable-line insecure-public-host: ok\n  }\n}\n'.replace('"x.example.com" #', '"x.example.com" secure #'));
    expect(result.diagnostics.some((d) => d.code === 'lint/unused-suppression')).toBe(true);
    const inString = lint('policy "# wsbc-lint-disable-file no-full-network: in a string" {\n  network full\n}\n');
    expect(brief(inString.diagnostics)).toEqual(['lint/no-full-network@2:11 warning']);
  });

  it('does not judge suppressions of rules that are off in this run, and lets unused-suppression be configured', () => {
    const text = 'policy "a" {\n  # wsbc-lint-disable-next-line no-audit: not needed\n  network none\n}\n';
    expect(lint(text, { overrides: { 'no-audit': 'off' } }).diagnostics).toEqual([]);
    expect(brief(lint(text, { overrides: { 'unused-suppression': 'error' } }).diagnostics)).toEqual(['lint/unused-suppression@2:33 error']);
    expect(lint(text, { config: { rules: { 'unused-suppression': { level: 'off' } } } }).diagnostics).toEqual([]);
  });

  it('reports a next-line directive at the end of the file as unused', () => {
    const result = lint('policy "a" {\n  network none\n}\n# wsbc-lint-disable-next-line no-full-network: nothing follows\n');
    expect(result.diagnostics[0]?.message).toBe('no policy line follows this directive, so its suppression of "no-full-network" applies to nothing');
  });

  it('does not let an extended file silence what its children inherit', () => {
    const files: Record<string, string> = {
      '/policies/team/base.wsp': 'policy "base" {\n  # wsbc-lint-disable-next-line no-full-network: the base is never deployed alone\n  network full\n}\n',
    };
    const result = lint('policy "a" extends "./base.wsp" {\n}\n', { readFile: (p) => files[p] });
    expect(brief(result.diagnostics)).toEqual(['lint/no-full-network@1:12 warning']);
    expect(result.diagnostics[0]?.message).toContain('(inherited)');
  });

  it('applies a directive on the first or last line of a list written over lines to the whole statement', () => {
    const list = '  env allow [\n    "LANG",\n    "GITHUB_TOKEN",\n  ]';
    const above = lint(`policy "a" {\n  # wsbc-lint-disable-next-line env-allows-secret: the plugin calls the GitHub API\n${list}\n}\n`);
    expect(above.diagnostics).toEqual([]);
    expect(above.suppressed.map((s) => s.diagnostic.code)).toEqual(['lint/env-allows-secret']);
    const after = lint(`policy "a" {\n${list} # wsbc-lint-disable-line env-allows-secret: the plugin calls the GitHub API\n}\n`);
    expect(after.diagnostics).toEqual([]);
    // On an item's own line, a directive stays with that item.
    const onItem = lint('policy "a" {\n  env allow [\n    "NPM_TOKEN", # wsbc-lint-disable-line env-allows-secret: publishes\n    "GITHUB_TOKEN",\n  ]\n}\n');
    expect(brief(onItem.diagnostics)).toEqual(['lint/env-allows-secret@4:5 warning']);
  });

  it('reads directives in files with CRLF line endings', () => {
    const result = lint('policy "a" {\r\n  # wsbc-lint-disable-next-line no-full-network: isolated\r\n  network full\r\n}\r\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.suppressed[0]?.reason).toBe('isolated');
  });

  it('points an inherited finding at the extends clause, with a note where the extended file states it', () => {
    const files: Record<string, string> = {
      '/policies/shared/base.wsp': 'policy "base" extends "./root.wsp" {\n}\n',
      '/policies/shared/root.wsp': 'policy "root" {\n  env none\n  network full\n}\n',
    };
    const result = lint('policy "a" extends "../shared/base.wsp" {\n}\n', { readFile: (p) => files[p] });
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'lint/no-full-network',
      span: { file: FILE, line: 1, column: 12 },
      related: [{ message: 'inherited from here, in an extended policy', span: { file: '/policies/shared/root.wsp', line: 3, column: 11, endColumn: 15 } }],
    });
  });

  it('puts a contradiction between limits on the setting the linted file states, noting the inherited one', () => {
    const files: Record<string, string> = { '/policies/team/base.wsp': 'policy "base" {\n  limits {\n    memory growth 100 pages\n  }\n}\n' };
    const result = lint('policy "a" extends "./base.wsp" {\n  limits {\n    memory max 1MiB\n  }\n}\n', { readFile: (p) => files[p] });
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'lint/growth-above-max-memory',
      span: { file: FILE, line: 3, column: 12 },
      related: [{ message: 'the growth limit is set here (in an extended policy)', span: { file: '/policies/team/base.wsp', line: 3, column: 12 } }],
    });
  });
});
