import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ajvDraft04 from 'ajv-draft-04';
import { describe, expect, test } from 'vitest';
import { expectGolden } from './render-golden.js';
import { cwd, hostile, renderText, samples, sources } from './render-samples.js';

// The SARIF 2.1.0 JSON Schema as Microsoft's SARIF SDK ships it (draft-04, hence ajv-draft-04;
// one of its patterns is not valid as a unicode regular expression, hence unicodeRegExp: false).
const require = createRequire(import.meta.url);
const schemaFile = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const sarifSchema = JSON.parse(readFileSync(schemaFile, 'utf8'));
const validateSarif = new ajvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false }).compile(sarifSchema);

const options = { sources, color: false, toolVersion: '0.1.0', cwd };

function sarif(diagnostics = samples) {
  return JSON.parse(renderText('sarif', diagnostics, options));
}

describe('sarif renderer', () => {
  test('matches the expected log', () => {
    expectGolden(renderText('sarif', samples, options), 'report.sarif');
  });

  test('validates against the official SARIF 2.1.0 schema', () => {
    for (const diagnostics of [samples, [], [hostile]]) {
      const log = sarif(diagnostics);
      expect(validateSarif(log), JSON.stringify(validateSarif.errors, null, 2)).toBe(true);
    }
  });

  test('the schema check can fail: a log with a bad level is rejected', () => {
    const log = sarif();
    log.runs[0].results[0].level = 'fatal';
    expect(validateSarif(log)).toBe(false);
  });

  test('ruleId is the code; rules carry the registry summary and docs link, once per code', () => {
    const log = sarif([samples[1]!, samples[1]!, samples[5]!]);
    const run = log.runs[0];
    expect(run.tool.driver.rules).toEqual([
      {
        id: 'manifest/out-of-range',
        shortDescription: { text: 'A number is outside the range its field allows (port above 65535, zero pages, percent above 100, ...).' },
        helpUri: 'https://github.com/wsbc/wsbc/blob/main/docs/diagnostics.md#manifest-out-of-range',
        defaultConfiguration: { level: 'error' },
      },
      expect.objectContaining({ id: 'manifest/schema-violation' }),
    ]);
    expect(run.results.map((r: { ruleId: string; ruleIndex: number }) => [r.ruleId, r.ruleIndex])).toEqual([
      ['manifest/out-of-range', 0],
      ['manifest/out-of-range', 0],
      ['manifest/schema-violation', 1],
    ]);
  });

  test('text spans become line/column regions relative to %SRCROOT%', () => {
    const [result] = sarif([samples[1]!]).runs[0].results;
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'policies/plugin.wsp', uriBaseId: '%SRCROOT%' },
      region: { startLine: 5, startColumn: 19, endLine: 5, endColumn: 23 },
    });
  });

  test('byte spans become byteOffset/byteLength regions', () => {
    const [result] = sarif([samples[4]!]).runs[0].results;
    expect(result.locations[0].physicalLocation.region).toEqual({ byteOffset: 0x1a2b, byteLength: 12 });
  });

  test('files outside cwd become absolute file URIs; levels map info to note', () => {
    const log = sarif();
    expect(log.runs[0].originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///work/project/' } });
    expect(log.runs[0].results[5].locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'file:///elsewhere/manifest.json' });
    expect(log.runs[0].results.map((r: { level: string }) => r.level)).toEqual(['error', 'error', 'warning', 'note', 'error', 'error', 'error']);
  });

  test('codes unknown to the registry still get a rule', () => {
    const rule = sarif([samples[6]!]).runs[0].tool.driver.rules[0];
    expect(rule).toEqual({
      id: 'plugin/unregistered-code',
      shortDescription: { text: 'plugin/unregistered-code' },
      helpUri: 'https://github.com/wsbc/wsbc/blob/main/docs/diagnostics.md#plugin-unregistered-code',
      defaultConfiguration: { level: 'error' },
    });
  });
});
