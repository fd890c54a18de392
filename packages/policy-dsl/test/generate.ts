// Generators of valid policies: a fast-check arbitrary for property tests (random content and
// random layout: spacing, comments, blank lines) and a seeded large-policy generator for the
// benchmark and the fuzz script.
import fc from 'fast-check';

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,7}$/);
const port = fc.integer({ min: 0, max: 65535 });

/** A string literal for `value`, escaping what must be escaped. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

const text = fc.string({ maxLength: 12 }).filter((s) => !/[\u0000-\u0008\u000b-\u001f\u007f\r]/.test(s) && !/[\ud800-\udfff]/.test(s));
const host = fc.oneof(
  fc.tuple(fc.array(word.map((w) => w.replace(/_/g, '-').replace(/-$/, 'x')), { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'example', 'internal')).map(([labels, tld]) => [...labels, tld].join('.')),
  fc.tuple(word.map((w) => w.replace(/_/g, 'x')), fc.constant('example.com')).map(([w, d]) => `*.${w}.${d}`),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
);
const portSpec = fc.oneof(
  port.map(String),
  fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}..${Math.max(a, b)}`),
);
const ports = fc.oneof(portSpec, fc.array(portSpec, { minLength: 1, maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`));
const list = <T>(arb: fc.Arbitrary<T>, show: (t: T) => string) => fc.array(arb, { maxLength: 4 }).map((xs) => `[${xs.map(show).join(', ')}]`);

const sizeUnit = fc.constantFrom('B', 'KiB', 'MiB', 'KB', 'MB');
const size = fc.tuple(fc.integer({ min: 0, max: 4096 }), sizeUnit).map(([n, u]) => `${n}${u}`);
const pages = fc.oneof(
  // At least 16 pages: the preset reserves 16, and reserved may not exceed the maximum.
  fc.integer({ min: 16, max: 4096 }).map((n) => `${n} pages`),
  fc.integer({ min: 16, max: 512 }).map((n) => `${n * 64}KiB`),
  fc.integer({ min: 1, max: 64 }).map((n) => `${n}MiB`),
);
const duration = fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('ms', 's', 'm', 'h')).map(([n, u]) => `${n}${u}`);
const count = fc.oneof(fc.integer({ min: 1, max: 100_000 }).map(String), fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('K', 'M')).map(([n, u]) => `${n}${u}`));

const network = fc.oneof(
  fc.constantFrom('network none', 'network full'),
  fc
    .array(
      fc.oneof(
        fc.constant('allow loopback'),
        fc.tuple(host, fc.option(ports), fc.boolean()).map(([h, p, s]) => `allow host ${quote(h)}${p !== null ? ` ports ${p}` : ''}${s ? ' secure' : ''}`),
        ports.map((p) => `allow ports ${p}`),
      ),
      { maxLength: 5 },
    )
    .map((rules) => ({ head: 'network', body: rules })),
);

const dirGrant = fc
  .tuple(fc.constantFrom('read', 'write', 'read-write'), word, fc.option(word), fc.option(fc.oneof(size, fc.constant('unlimited'))), fc.boolean(), fc.boolean())
  .map(([access, dir, guest, max, create, del]) => {
    const writable = access !== 'read';
    return [`${access} ${quote(`./${dir}`)}`, `as ${quote(`/${guest ?? dir}`)}`, writable && max ? `max-file-size ${max}` : '', writable && create ? 'create' : '', writable && del ? 'delete' : '']
      .filter(Boolean)
      .join(' ');
  });
const filesystem = fc
  .tuple(fc.uniqueArray(dirGrant, { maxLength: 4, selector: (s) => /as "([^"]*)"/.exec(s)![1] }), fc.boolean(), fc.boolean(), fc.option(size))
  .map(([dirs, create, del, max]) => {
    const writable = dirs.some((d) => !d.startsWith('read '));
    const extra = writable ? [create ? 'allow create' : '', del ? 'allow delete' : '', max ? `max-file-size ${max}` : ''].filter(Boolean) : [];
    return { head: 'filesystem', body: [...dirs, ...extra] };
  });

const limitLines = fc
  .record(
    {
      memory: fc.tuple(pages, fc.option(fc.integer({ min: 1, max: 64 })), fc.option(fc.integer({ min: 0, max: 8 })), fc.option(fc.constantFrom('trap', 'fail'))),
      cpu: fc.tuple(duration, fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 16 })),
      io: fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.oneof(size.map((s) => `${s === '0B' ? '1B' : s.replace(/^0/, '1')}/s`), fc.constant('unlimited')), fc.oneof(size, fc.constant('unlimited'))),
      time: fc.tuple(duration, duration),
      fuel: fc.oneof(count, fc.constant('unlimited')),
      stack: fc.oneof(count.filter((c) => !c.endsWith('M')), fc.constant('unlimited')),
    },
    { requiredKeys: [] },
  )
  .map((r) => {
    const lines: string[] = [];
    if (r.memory) {
      const [max, growth, tables, gf] = r.memory;
      lines.push(['memory', `max ${max}`, growth !== null ? `growth ${growth} pages` : '', tables !== null ? `tables ${tables}` : '', gf ? `grow-failure ${gf}` : ''].filter(Boolean).join(' '));
    }
    if (r.cpu) lines.push(`cpu time ${r.cpu[0]} usage ${r.cpu[1]}% threads ${r.cpu[2]}`);
    if (r.io) lines.push(`io open-files ${r.io[0]} read ${r.io[1]} total-write ${r.io[2]}`);
    if (r.time) lines.push(`time total ${r.time[0]} idle ${r.time[1]}`);
    if (r.fuel) lines.push(`fuel ${r.fuel}`);
    if (r.stack) lines.push(`stack depth ${r.stack}`);
    return { head: 'limits', body: lines };
  });

const customValue = fc.oneof(
  fc.boolean().map(String),
  fc.integer({ min: -1000, max: 1000 }).map((n) => ({ n })),
  text.map(quote),
  list(text, quote),
);

type Block = string | { head: string; body: string[] };

const blocks = fc
  .record(
    {
      network,
      filesystem,
      env: fc.oneof(fc.constantFrom('env none', 'env full'), fc.tuple(fc.constantFrom('allow', 'deny'), list(envName, quote)).map(([m, l]) => `env ${m} ${l}`)),
      process: fc.oneof(fc.constantFrom('process none', 'process full'), list(word, quote).map((l) => `process allow ${l}`)),
      time: fc.tuple(fc.constantFrom('read-only', 'full'), fc.option(fc.tuple(fc.nat(2_000_000_000), fc.integer({ min: 1, max: 1000 })))).map(([m, d]) => `time ${m}${d ? ` deterministic start ${d[0]} step ${d[1]}us` : ''}`),
      random: fc.oneof(fc.constantFrom('random none', 'random pseudo', 'random secure'), fc.nat(4_294_967_295).map((s) => `random pseudo seed ${s}`)),
      limits: limitLines,
      audit: fc.constantFrom('audit all', 'audit denied', 'audit none'),
    },
    { requiredKeys: [] },
  )
  .chain((r) =>
    fc
      .tuple(
        fc.uniqueArray(fc.tuple(word, customValue), { maxLength: 4, selector: ([n]) => n }),
        fc.uniqueArray(fc.tuple(word, fc.oneof(word, fc.constant('*'))), { maxLength: 4, selector: ([m, n]) => `${m} ${n}` }),
      )
      .map(([customs, imports]) => {
        const out: Block[] = Object.values(r) as Block[];
        for (const [name, v] of customs) {
          out.push(typeof v === 'object' ? `custom ${quote(name)} = ${v.n} in ${Math.min(v.n, -1000)}..${Math.max(v.n, 1000)}` : `custom ${quote(name)} = ${v}`);
        }
        const declared = customs.map(([n]) => n);
        if (imports.length > 0) {
          out.push({ head: 'imports', body: imports.map(([m, n], i) => `allow ${quote(m)} ${quote(n)}${declared.length > 0 && i % 2 === 0 ? ` requires ${quote(declared[i % declared.length]!)}` : ''}`) });
        }
        return out;
      }),
  )
  .chain((bs) => fc.shuffledSubarray(bs, { minLength: bs.length, maxLength: bs.length }));

/** Random layout: how to join terms, and where comments and blank lines go. */
const layout = fc.record({
  spaces: fc.constantFrom(' ', '  ', '\t', ' \t '),
  comments: fc.boolean(),
  blankLines: fc.boolean(),
  indent: fc.constantFrom('  ', '    ', '\t', ''),
  crlf: fc.boolean(),
});

function render(name: string | null, ext: string | null, bs: Block[], l: { spaces: string; comments: boolean; blankLines: boolean; indent: string; crlf: boolean }): string {
  // Vary the spacing between terms, outside strings (lines with escapes are left alone).
  const sp = (line: string): string => (line.includes('\\') ? line : line.replace(/ (?=(?:[^"]*"[^"]*")*[^"]*$)/g, l.spaces));
  const lines: string[] = [];
  if (l.comments) lines.push('# generated policy', '');
  lines.push(`policy${name !== null ? ` ${quote(name)}` : ''}${ext ? ` extends ${ext}` : ''} {`);
  bs.forEach((b, i) => {
    if (l.blankLines && i % 2 === 1) lines.push('');
    if (l.comments && i % 3 === 0) lines.push(`${l.indent}# block ${i}`);
    if (typeof b === 'string') lines.push(l.indent + sp(b) + (l.comments && i % 2 === 0 ? ' # trailing' : ''));
    else {
      lines.push(`${l.indent}${b.head} {${l.comments ? ' # open' : ''}`);
      for (const line of b.body) lines.push(l.indent + l.indent + sp(line));
      if (l.comments) lines.push(`${l.indent}${l.indent}# closing`);
      lines.push(`${l.indent}}`);
    }
  });
  lines.push('}');
  return lines.join(l.crlf ? '\r\n' : '\n') + (l.crlf ? '\r\n' : '\n');
}

/** A valid policy (compiles without errors) in a random layout. */
export const arbPolicy: fc.Arbitrary<string> = fc
  .tuple(fc.option(text), fc.option(fc.constantFrom('minimal', 'development')), blocks, layout)
  .map(([name, ext, bs, l]) => render(name, ext, bs, l));

/** A deterministic policy of about `lines` lines exercising every block, for benchmarks. */
export function largePolicy(lines: number): string {
  const out = ['# generated benchmark policy', 'policy "large" extends minimal {', '  network {', '    allow loopback'];
  const per = Math.max(1, Math.floor((lines - 40) / 4));
  for (let i = 0; i < per; i++) out.push(`    allow host "h${i}.example.com" ports [${i % 60000}..${(i % 60000) + 10}, 443] secure`);
  out.push('  }', '  filesystem {');
  for (let i = 0; i < per; i++) out.push(`    ${i % 2 ? 'read' : 'write'} "./d${i}" as "/d${i}"${i % 2 ? '' : ' max-file-size 10MiB create'}`);
  out.push('    allow delete', '  }', '  imports {');
  for (let i = 0; i < per; i++) out.push(`    allow "host" "f${i}"${i % 3 === 0 ? ' requires "c0"' : ''}`);
  out.push('  }');
  for (let i = 0; i < per; i++) out.push(`  custom "c${i}" = ${i % 100} in 0..100 # note ${i}`);
  out.push(
    '  env allow ["LANG", "TZ"]',
    '  process none',
    '  time read-only deterministic start "2024-01-01T00:00:00Z" step 1ms',
    '  random pseudo seed 7',
    '  limits {',
    '    memory max 64MiB reserved 16 pages growth 16 pages tables 1',
    '    cpu time 2s usage 50% threads 1',
    '    io open-files 16 read 1MiB/s write 1MiB/s total-read 10MiB total-write 5MiB',
    '    time total 30s idle 5s',
    '    fuel 50M',
    '  }',
    '  audit denied',
    '}',
  );
  return `${out.join('\n')}\n`;
}
