// The rule tester must fail when a table is wrong, or every rule table would pass vacuously.
import { describe, expect, it } from 'vitest';
import { testRule, type RuleTestTable } from './rule-tester.js';
import noFullNetwork from './rules/no-full-network.js';

/** Runs a table through a stand-in framework and returns each case's outcome. */
async function outcomes(table: RuleTestTable): Promise<Array<{ name: string; error?: string }>> {
  const cases: Array<{ name: string; body: () => void | Promise<void> }> = [];
  testRule(noFullNetwork, table, { describe: (_name, body) => body(), it: (name, body) => cases.push({ name, body }) });
  const out: Array<{ name: string; error?: string }> = [];
  for (const c of cases) {
    try {
      await c.body();
      out.push({ name: c.name });
    } catch (error) {
      out.push({ name: c.name, error: (error as Error).message });
    }
  }
  return out;
}

const FULL = 'policy "a" {\n  network full\n}\n';
const right = { messageId: 'full', line: 2, column: 11, endLine: 2, endColumn: 15 };
const inherited = {
  policy: 'policy "a" extends "./b.wsp" {\n}\n',
  files: { 'b.wsp': FULL },
  errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 29 }],
};

const ALL_PORTS = 'policy "a" {\n  network {\n    allow ports 0..65535\n  }\n}\n';
const allPorts = [
  { policy: ALL_PORTS, errors: [{ messageId: 'allPorts', line: 3, column: 5, endLine: 3, endColumn: 25 }] },
  { policy: 'policy "a" extends "./b.wsp" {\n}\n', files: { 'b.wsp': ALL_PORTS }, errors: [{ messageId: 'allPortsInherited', line: 1, column: 12, endLine: 1, endColumn: 29 }] },
];

describe('testRule', () => {
  it('passes a correct table', async () => {
    const results = await outcomes({ valid: ['policy "a" {\n}\n'], invalid: [{ policy: FULL, errors: [right] }, inherited, ...allPorts] });
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results).toHaveLength(6);
  });

  it.each([
    ['a wrong end column', { ...right, endColumn: 16 }],
    ['a wrong line', { ...right, line: 3 }],
    ['a wrong message id', { ...right, messageId: 'inherited' }],
    ['a wrong message text', { ...right, message: 'something else' }],
  ])('fails an invalid case with %s', async (_name, expected) => {
    const results = await outcomes({ valid: ['policy "a" {\n}\n'], invalid: [{ policy: FULL, errors: [expected] }, inherited] });
    expect(results.find((r) => r.name.startsWith('invalid: policy'))?.error).toMatch(/^findings differ/);
  });

  it('fails an invalid case that expects fewer findings than reported', async () => {
    const results = await outcomes({ valid: ['policy "a" {\n}\n'], invalid: [{ policy: FULL, errors: [] }, inherited] });
    expect(results.find((r) => r.name.startsWith('invalid: policy'))?.error).toMatch(/^findings differ/);
  });

  it('fails a valid case that reports', async () => {
    const results = await outcomes({ valid: [FULL], invalid: [{ policy: FULL, errors: [right] }, inherited] });
    expect(results[0]?.error).toMatch(/^expected no finding/);
  });

  it('fails a case whose policy does not compile', async () => {
    const results = await outcomes({ valid: ['policy "a" {\n  netwrk full\n}\n'], invalid: [] });
    expect(results[0]?.error).toMatch(/^the test policy does not compile/);
  });

  it('fails a table that leaves a message untested or has no valid case', async () => {
    const results = await outcomes({ valid: [], invalid: [{ policy: FULL, errors: [right] }] });
    expect(results.at(-1)?.error).toMatch(/^messages without an invalid case/);
    expect(results.at(-1)?.error).toContain("'inherited'");
  });
});
