import { describe, expect, test } from 'vitest';
import { expectGolden } from './render-golden.js';
import { cwd, renderText, samples, sources } from './render-samples.js';

const options = { sources, color: true, toolVersion: '0.1.0', cwd };

describe('json renderer', () => {
  test('matches the expected report', () => {
    expectGolden(renderText('json', samples, options), 'report.json');
  });

  test('is one JSON document with every diagnostic, docs links and a summary', () => {
    const report = JSON.parse(renderText('json', samples, options));
    expect(Object.keys(report)).toEqual(['version', 'tool', 'diagnostics', 'summary']);
    expect(report.diagnostics).toHaveLength(samples.length);
    expect(report.summary).toEqual({ errors: 5, warnings: 1, infos: 1 });
    expect(report.diagnostics[0].docs).toBe('https://github.com/wsbc/wsbc/blob/main/docs/diagnostics.md#manifest-unknown-value');
    expect(report.diagnostics[0].span.file).toBe('policies/plugin.wsp');
    expect(report.diagnostics[4].span).toEqual({ file: 'build/module.wasm', byteOffset: 6699, byteLength: 12 });
  });

  test('no diagnostics still give a valid report', () => {
    expect(JSON.parse(renderText('json', [], options))).toEqual({
      version: 1,
      tool: { name: 'wsbc', version: '0.1.0' },
      diagnostics: [],
      summary: { errors: 0, warnings: 0, infos: 0 },
    });
  });

  test('ignores the colour option', () => {
    expect(renderText('json', samples, options)).toBe(renderText('json', samples, { ...options, color: false }));
  });

  test('bigint data does not break the report', () => {
    const d = { code: 'example/big', severity: 'error' as const, message: 'm', data: { small: 5n, huge: 2n ** 64n } };
    const report = JSON.parse(renderText('json', [d], options));
    expect(report.diagnostics[0].data).toEqual({ small: 5, huge: '18446744073709551616' });
    const sarif = JSON.parse(renderText('sarif', [d], options));
    expect(sarif.runs[0].results[0].properties.data).toEqual({ small: 5, huge: '18446744073709551616' });
  });
});
