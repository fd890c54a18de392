import { describe, expect, test } from 'vitest';
import { expectGolden } from './render-golden.js';
import { cwd, hostile, renderText, samples, sources } from './render-samples.js';

const options = { sources, color: false, toolVersion: '0.1.0', cwd };

describe('pretty renderer', () => {
  test('matches the expected output for every kind of span', () => {
    expectGolden(renderText('pretty', samples, options), 'pretty.txt');
  });

  test('with colour, matches the expected ANSI output', () => {
    expectGolden(renderText('pretty', samples.slice(0, 2), { ...options, color: true }), 'pretty-color.txt');
  });

  test('without colour, output has no escape sequences at all', () => {
    expect(renderText('pretty', samples, options)).not.toContain('\u001b');
  });

  test('renders a caret under the exact columns of a span', () => {
    const out = renderText('pretty', [samples[1]!], options);
    const lines = out.split('\n');
    const source = lines.findIndex((l) => l.startsWith('5 |'));
    expect(lines[source]).toBe('5 |     cpu     usage 500%');
    expect(lines[source + 1]).toBe('  |                   ^^^^');
  });

  test('aligns the caret after a tab', () => {
    const out = renderText('pretty', [samples[0]!], options).split('\n');
    const source = out.findIndex((l) => l.startsWith('4 |'));
    const caret = out[source + 1]!.indexOf('^');
    expect(out[source]!.slice(caret, caret + 2)).toBe('MB');
  });

  test('byte-offset spans render as file @ 0xoffset', () => {
    expect(renderText('pretty', [samples[4]!], options)).toContain(' --> build/module.wasm @ 0x1a2b\n');
  });

  test('a source the caller did not provide renders without a frame', () => {
    const out = renderText('pretty', [samples[0]!], { ...options, sources: new Map() });
    expect(out).toBe(
      'error[manifest/unknown-value]: unknown unit `MB`\n --> policies/plugin.wsp:4:16\n  = help: did you mean `MiB`? Units of memory: pages, KiB, MiB, GiB\n\n1 error\n',
    );
  });

  test('a span beyond the end of a changed source renders without a frame', () => {
    const stale = { ...samples[0]!, span: { ...(samples[0]!.span as object), line: 99, endLine: 99 } } as (typeof samples)[0];
    expect(renderText('pretty', [stale], options)).not.toContain(' | ');
  });

  test('no diagnostics render as nothing', () => {
    expect(renderText('pretty', [], options)).toBe('');
  });

  test('control characters from files and messages are escaped, never sent to the terminal', () => {
    for (const color of [false, true]) {
      const out = renderText('pretty', [hostile], { ...options, color });
      const withoutOwnColours = out.replace(/\u001b\[[0-9;]*m/g, '');
      expect(withoutOwnColours).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(out).toContain('\\x1b[2J');
      expect(out).toContain('\\x07');
      expect(out).toContain('\\x9b');
    }
    expectGolden(renderText('pretty', [hostile], options), 'pretty-hostile.txt');
  });

  test('a message, note or file name quoting a newline or a bidi control stays on its one line', () => {
    const forged = '\n\n1 error, 0 warnings: all clear\u202e';
    const d = {
      code: 'example/invalid-name',
      severity: 'error' as const,
      message: `host import \`env\` \`x${forged}\` is not listed`,
      span: { file: `m${forged}.wasm`, byteOffset: 17 },
      related: [{ message: `named here${forged}`, span: { file: 'm.wasm', byteOffset: 3 } }],
    };
    const out = renderText('pretty', [d], options);
    expect(out.split('\n').filter((line) => line.includes('all clear'))).toHaveLength(3);
    expect(out).not.toContain('\u202e');
    expect(out).toContain('x\\n\\n1 error, 0 warnings: all clear\\u{202e}` is not listed');
  });

  test('a very long line shows a window around the span', () => {
    const line = `${'{"a": 1, '.repeat(400)}"bad": true}`;
    const column = line.indexOf('"bad"') + 1;
    const d = {
      code: 'example/long-line',
      severity: 'error' as const,
      message: 'unknown field',
      span: { file: 'min.json', line: 1, column, endLine: 1, endColumn: column + 5, startOffset: column - 1, endOffset: column + 4 },
    };
    const lines = renderText('pretty', [d], { ...options, sources: new Map([['min.json', line]]) }).split('\n');
    const source = lines.find((l) => l.startsWith('1 |'))!;
    const caret = lines[lines.indexOf(source) + 1]!;
    expect(source.length).toBeLessThan(140);
    expect(source.startsWith('1 | ...')).toBe(true);
    expect(source.slice(caret.indexOf('^'), caret.lastIndexOf('^') + 1)).toBe('"bad"');
  });

  test('a span over many lines shows its first and last two lines around a gap', () => {
    const d = { ...samples[2]!, related: undefined, span: { ...(samples[2]!.span as object), line: 2, column: 1, endLine: 10, endColumn: 2 } } as (typeof samples)[0];
    const frame = renderText('pretty', [d], options).split('\n').filter((l) => /^\s*(\d+ \||\.\.\.)/.test(l));
    expect(frame.map((l) => l.trim().split(' ')[0])).toEqual(['2', '3', '...', '9', '10']);
  });
});

describe('scale', () => {
  test('many findings on one long line (a minified manifest) render in one pass over the line', { timeout: 60_000 }, () => {
    // 20,000 bad names on the one line of a 400 KB manifest: laying the line out again for each
    // finding took minutes.
    const names = Array.from({ length: 20_000 }, (_, i) => `"bad\tname=${i}"`);
    const line = `{"environment":{"names":[${names.join(',')}]}}`;
    let at = line.indexOf('[') + 1;
    const diagnostics = names.map((name) => {
      const column = at + 1;
      at += name.length + 1;
      return {
        code: 'manifest/invalid-name',
        severity: 'error' as const,
        message: 'not a valid name',
        span: { file: 'min.json', line: 1, column, endLine: 1, endColumn: column + name.length, startOffset: column - 1, endOffset: column - 1 + name.length },
      };
    });
    const out = renderText('pretty', diagnostics, { ...options, sources: new Map([['min.json', line]]) }).split('\n');
    expect(out.at(-2)).toBe('20000 errors');
    // The last finding's frame still underlines exactly its name, tab expanded.
    const source = out.findLastIndex((l) => l.startsWith('1 |'));
    const caret = out[source + 1]!;
    expect(out[source]!.slice(caret.indexOf('^'), caret.lastIndexOf('^') + 1)).toBe('"bad    name=19999"');
  });

  test('a long line with tabs, escapes and surrogate pairs is underlined at the same columns as a short one', () => {
    const head = '\t\u0007\u{1f600}x\t';
    const render = (pad: string) => {
      const text = `${pad}${head}"bad"${pad}`;
      const column = text.indexOf('"bad"') + 1;
      const d = {
        code: 'example/long-line',
        severity: 'error' as const,
        message: 'bad',
        span: { file: 'f', line: 1, column, endLine: 1, endColumn: column + 5, startOffset: column - 1, endOffset: column + 4 },
      };
      const lines = renderText('pretty', [d], { ...options, sources: new Map([['f', text]]) }).split('\n');
      const source = lines.findIndex((l) => l.startsWith('1 |'));
      const caret = lines[source + 1]!;
      return lines[source]!.slice(caret.indexOf('^'), caret.lastIndexOf('^') + 1);
    };
    expect(render('')).toBe('"bad"');
    expect(render('a'.repeat(300))).toBe('"bad"');
  });
});
