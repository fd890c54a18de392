// Reports are written in chunks (render/json-stream.ts, writeChunks in output.ts): a report on a
// million findings is longer than the longest string V8 can make, and building it as one string
// failed with "RangeError: Invalid string length". These tests check that the chunks joined are
// the document JSON.stringify would have made, that no chunk holds more than one finding, that
// writing waits for a slow stream and stops at a closed one, and that a million findings render
// in every format.
import { Writable } from 'node:stream';
import type { Diagnostic } from '@wsbc/diagnostics';
import { describe, expect, test } from 'vitest';
import { writeChunks } from '../src/output.js';
import { renderDiagnostics, RENDER_FORMATS, type RenderOptions } from '../src/render/index.js';
import { jsonReport } from '../src/render/json.js';
import { jsonDocument, JsonSequence } from '../src/render/json-stream.js';
import { sarifLog } from '../src/render/sarif.js';
import { jsonSafe } from '../src/render/summary.js';
import { cwd, hostile, renderText, samples, sources } from './render-samples.js';

const options: RenderOptions = { sources, color: false, toolVersion: '0.1.0', cwd };

/** The value with every JsonSequence read into the array of its mapped elements, as one JSON.stringify would see it. */
function materialize(value: unknown): unknown {
  if (value instanceof JsonSequence) return [...value.items].map((item, index) => value.toJson(item, index));
  if (Array.isArray(value)) return value.map(materialize);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, materialize(item)]));
  }
  return value;
}

const streamed = (value: unknown) => [...jsonDocument(value)].join('');
const stringified = (value: unknown) => `${JSON.stringify(materialize(value), jsonSafe, 2)}\n`;

const file = `${cwd}/src/ünïcödé 文件.wsp`;
const textSpan = { file, line: 3, column: 5, endLine: 4, endColumn: 1, startOffset: 40, endOffset: 61 };

/** Findings with every part a report shows, and data with the values JSON.stringify treats specially. */
const varied: Diagnostic[] = [
  ...samples,
  hostile,
  {
    code: 'example/unicode',
    severity: 'warning',
    message: 'name "naïve 🚀" has a line separator \u2028 and a lone surrogate \ud800, "quotes" and \\ backslashes',
    span: textSpan,
    help: 'two lines:\nthe second one\tindented',
    related: [
      { message: 'first use', span: { file: '/outside/cwd/other.wsp', line: 1, column: 1, endLine: 1, endColumn: 9, startOffset: 0, endOffset: 8 } },
      { message: 'in the module', span: { file: `${cwd}/m.wasm`, byteOffset: 0 } },
      { message: 'no place' },
    ],
    data: {
      small: 5n,
      huge: -(2n ** 70n),
      missing: undefined,
      list: [1, undefined, () => 1, Symbol('s'), null, 2n],
      notFinite: [NaN, Infinity, -Infinity, -0],
      when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      custom: { toJSON: () => ({ replaced: true }) },
      nested: { deeper: { deepest: ['a', { b: 'ç' }] }, empty: {}, emptyList: [] },
      '10': 'an index-like key (sorted first, as JSON.stringify does)',
      'key "with" quotes\n': 'odd key',
      ...JSON.parse('{"__proto__": "own property named __proto__"}'),
    },
  },
  { code: 'example/bytes', severity: 'info', message: 'no byte length', span: { file: '<stdin>', byteOffset: 0xffff }, related: [] },
  { code: 'example/data-only', severity: 'error', message: 'path and file in data', data: { file: `${cwd}/manifest.json`, path: '/limits/memory' } },
];

describe('streamed reports', () => {
  test('the JSON report is the document JSON.stringify makes, byte for byte', () => {
    for (const diagnostics of [varied, [], [varied[0]!], samples]) {
      const report = jsonReport(diagnostics, options);
      const expected = stringified(report);
      expect(streamed(report)).toBe(expected);
      expect(renderText('json', diagnostics, options)).toBe(expected);
    }
  });

  test('the SARIF log is the document JSON.stringify makes, byte for byte, suppressions included', () => {
    for (const diagnostics of [varied, [], [hostile]]) {
      const log = sarifLog(diagnostics, options);
      expect(renderText('sarif', diagnostics, options)).toBe(stringified(log));
    }
    const suppressed = sarifLog(varied, options, (index) => (index % 3 === 0 ? `reason ${index} "quoted"` : undefined));
    expect(streamed(suppressed)).toBe(stringified(suppressed));
    expect(JSON.parse(streamed(suppressed)).runs[0].results[3].suppressions).toEqual([{ kind: 'inSource', justification: 'reason 3 "quoted"' }]);
  });

  test('a skeleton with sections of its own (check, lint) streams like JSON.stringify', () => {
    const report = {
      ...jsonReport(varied, options),
      check: { policy: 'p.wsp', skipped: undefined, modules: new JsonSequence(['a.wasm', 'b.wasm'], (f, i) => ({ file: f, index: i, bytes: 10n })) },
      lists: [new JsonSequence([]), new JsonSequence([1, undefined]), 3, undefined],
      empty: new JsonSequence([]),
      'odd "key"\u2028': { inner: new JsonSequence([{ a: [1, { b: 2 }] }]) },
    };
    expect(streamed(report)).toBe(stringified(report));
  });

  test('each chunk holds at most one finding, and the pretty renderer gives one chunk per finding', () => {
    const many = Array.from({ length: 500 }, (_, i) => varied[i % varied.length]!);
    for (const format of ['json', 'sarif'] as const) {
      const chunks = [...renderDiagnostics(format, many, options)];
      const marker = format === 'json' ? '"code": ' : '"ruleId": ';
      expect(chunks.map((c) => c.split(marker).length - 1).every((n) => n <= 1)).toBe(true);
      expect(chunks.join('').split(marker).length - 1).toBe(many.length);
    }
    const pretty = [...renderDiagnostics('pretty', many, options)];
    expect(pretty).toHaveLength(many.length + 1);
    expect(pretty.join('')).toBe(renderText('pretty', many, options));
  });

  test('nothing is rendered before it is asked for', () => {
    let made = 0;
    const counted = new Proxy(varied, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) made++;
        return Reflect.get(target, key, receiver);
      },
    });
    for (const format of RENDER_FORMATS) {
      made = 0;
      const chunks = renderDiagnostics(format, counted, options)[Symbol.iterator]();
      chunks.next();
      chunks.next();
      chunks.next();
      // The summary and the SARIF rules table read every finding's severity or code, once; the
      // rendering itself reads only as far as it has written.
      expect(made).toBeLessThanOrEqual(varied.length + 3);
    }
  });
});

describe('writeChunks', () => {
  test('writes the chunks in order, a batch at a time', async () => {
    const writes: string[] = [];
    const chunks = Array.from({ length: 20_000 }, (_, i) => `chunk ${i}\n`);
    await writeChunks({ write: (chunk) => writes.push(String(chunk)) }, chunks);
    expect(writes.join('')).toBe(chunks.join(''));
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.length).toBeLessThan(10);
  });

  test('waits for a slow stream to drain instead of buffering the whole report', async () => {
    let received = 0;
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      decodeStrings: false,
      write(chunk: string, _encoding, done) {
        received += chunk.length;
        setImmediate(done);
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: string) => {
      const ok = write(chunk);
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    const line = `${'x'.repeat(99)}\n`;
    await writeChunks(slow, (function* () {
      for (let i = 0; i < 20_000; i++) yield line;
    })());
    expect(received).toBe(2_000_000);
    expect(maxBuffered).toBeLessThan(2 * 64 * 1024 + line.length);
  });

  test('stops making the report once the stream is closed (EPIPE) and does not hang', async () => {
    const closed = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const errors: string[] = [];
    closed.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? ''));
    let made = 0;
    await writeChunks(closed, (function* () {
      for (let i = 0; i < 1_000_000; i++) {
        made++;
        yield `${'y'.repeat(1023)}\n`;
      }
    })());
    expect(errors).toEqual(['EPIPE']);
    expect(made).toBeLessThan(1000);
  });
});

/**
 * A stream that keeps nothing: it counts bytes, and occurrences of a marker, also one split
 * between two writes (the writer's batches do not end at findings), and keeps the first and last
 * few hundred characters. A Node Writable, so writeChunks waits for it to drain as for stdout.
 */
function countingSink(marker: string) {
  const counts = { bytes: 0, markers: 0, head: '', tail: '', peakHeap: 0 };
  // The end of what came before, too short to hold a whole marker: one is never counted twice.
  let carry = '';
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      counts.bytes += Buffer.byteLength(chunk);
      counts.peakHeap = Math.max(counts.peakHeap, process.memoryUsage().heapUsed);
      const text = carry + chunk;
      for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) counts.markers++;
      carry = text.slice(-(marker.length - 1));
      if (counts.head.length < 200) counts.head += chunk.slice(0, 200);
      counts.tail = (counts.tail + chunk.slice(-400)).slice(-400);
      done();
    },
  });
  return { sink, counts };
}

describe('a million findings', () => {
  // Cheap to make (three objects, shared) and long to write: every report is over V8's longest
  // string (2^29 - 24 characters), which failed as "RangeError: Invalid string length" when a
  // report was built as one string. Pretty output shows least per finding, so its findings carry
  // a longer message.
  const file = `${cwd}/policies/plugin.wsp`;
  const line = '  imports { allow "env" "function_with_a_long_name" "and_another_one" "and_a_third_one_too" }';
  const flood = new Map([[file, `policy "p" {\n${line}\n}\n`]]);
  const span = { file, line: 2, column: 3, endLine: 2, endColumn: line.length + 1, startOffset: 15, endOffset: 15 + line.length };
  const count = 1_000_000;
  const findings = (message: string) => {
    const kinds: Diagnostic[] = [
      { code: 'example/flood-error', severity: 'error', message, span, help: 'allow the import in the policy' },
      { code: 'example/flood-warning', severity: 'warning', message, span: { file: `${cwd}/build/module.wasm`, byteOffset: 123456, byteLength: 7 }, related: [{ message: 'declared here', span }] },
      { code: 'example/flood-note', severity: 'info', message, span, related: [{ message: 'declared here', span }] },
    ];
    return Array.from({ length: count }, (_, i) => kinds[i % 3]!);
  };
  const message = 'import env.function_with_a_long_name is not allowed';
  const cases = {
    json: { diagnostics: findings(message), marker: '"code": "example/flood-' },
    sarif: { diagnostics: findings(message), marker: '"ruleId": "example/flood-' },
    pretty: { diagnostics: findings(`${message}${' by the policy, which grants only what it names'.repeat(7)}`), marker: '[example/flood-' },
  };

  test.each(RENDER_FORMATS)('render as %s, streamed to a stream that keeps nothing', { timeout: 180_000 }, async (format) => {
    const { diagnostics, marker } = cases[format];
    const { sink, counts } = countingSink(marker);
    const started = performance.now();
    await writeChunks(sink, renderDiagnostics(format, diagnostics, { ...options, sources: flood }));
    const seconds = (performance.now() - started) / 1000;
    console.log(`${format}: ${count} findings, ${(counts.bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(1)} s, peak heap ${(counts.peakHeap / 2 ** 20).toFixed(0)} MiB`);
    expect(counts.markers).toBe(count);
    expect(counts.bytes).toBeGreaterThan(2 ** 29);
    // Never the whole report in memory (it alone is 600 MiB to 1 GiB), only a batch or so.
    expect(counts.peakHeap).toBeLessThan(300 * 2 ** 20);
    const ending = {
      json: '\n  ],\n  "summary": {\n    "errors": 333334,\n    "warnings": 333333,\n    "infos": 333333\n  }\n}\n',
      sarif: '\n        }\n      ]\n    }\n  ]\n}\n',
      pretty: '\n\n333334 errors, 333333 warnings, 333333 notes\n',
    }[format];
    expect(counts.tail.endsWith(ending)).toBe(true);
    const beginning = { json: '{\n  "version": 1,\n  "tool": {', sarif: '{\n  "$schema": ', pretty: 'error[example/flood-error]: ' }[format];
    expect(counts.head.startsWith(beginning)).toBe(true);
  });
});
