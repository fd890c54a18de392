// Every parse/ and policy/ code: a policy that triggers it, the exact span it points at, and
// its help where help exists. A meta-test checks that no registered code lacks a case here.
import { allCodes } from '@wsbc/diagnostics';
import { describe, expect, it } from 'vitest';
import { compileVirtual, inPolicy, marked, spanTuple } from './helpers.js';

interface Case {
  code: string;
  /** The file, with the expected span marked «...». */
  source: string;
  help?: RegExp;
  message?: RegExp;
  /** Other files of the virtual file system. */
  files?: Record<string, string>;
}

const cases: Case[] = [
  { code: 'parse/bidi-control-character', source: inPolicy('  env allow ["ADMIN«\u202E»"]'), help: /\\u\{202E\}/ },
  { code: 'parse/expected-policy', source: '«# nothing but a comment\n»', help: /policy "name"/ },
  { code: 'parse/invalid-escape', source: inPolicy('  env allow ["A«\\q»"]'), help: /valid escapes/ },
  { code: 'parse/invalid-number', source: inPolicy('  limits {\n    fuel «10MiB2»\n  }') },
  { code: 'parse/missing-token', source: inPolicy('  network {\n    «allow»\n  }'), message: /expected network grant after `network allow`/ },
  { code: 'parse/unclosed-delimiter', source: 'policy "t" «{»\n  network none\n', help: /add a `}`/ },
  { code: 'parse/unexpected-character', source: inPolicy('  network none«;»'), help: /end of the line/ },
  { code: 'parse/unexpected-token', source: inPolicy('  env allow «"A"»'), help: /\["A"\]/ },
  { code: 'parse/unmatched-delimiter', source: 'policy "t" {\n  network none\n}\n«}»\n' },
  { code: 'parse/unterminated-string', source: inPolicy('  process allow [«"git]»'), help: /closing `"`/ },
  {
    code: 'policy/conflicting-guest-path',
    source: inPolicy('  filesystem {\n    read "./a" as "/d"\n    read "./b" as «"/d"»\n  }'),
  },
  { code: 'policy/custom-value-out-of-range', source: inPolicy('  custom "n" = «200» in 1..100'), message: /outside its range 1..100/ },
  { code: 'policy/duplicate-block', source: inPolicy('  network none\n  «network» full'), help: /line 2/ },
  { code: 'policy/duplicate-entry', source: inPolicy('  limits {\n    memory max 1MiB\n    «memory» tables 1\n  }') },
  { code: 'policy/duplicate-item', source: inPolicy('  env allow ["A", «"A"»]') },
  { code: 'policy/empty-range', source: inPolicy('  network {\n    allow ports «9000..8000»\n  }'), help: /8000..9000/ },
  {
    code: 'policy/extends-cycle',
    source: 'policy "a" extends «"./b.wsp"» {}\n',
    files: { '/v/b.wsp': 'policy "b" extends "./a.wsp" {}\n' },
    message: /\/v\/a.wsp -> \/v\/b.wsp -> \/v\/a.wsp/,
  },
  { code: 'policy/extends-not-found', source: 'policy "t" extends «"./missing.wsp"» {}\n', help: /relative to the directory/ },
  { code: 'policy/flag-requires-write', source: inPolicy('  filesystem {\n    read "./a" «create»\n  }'), help: /`write`/ },
  { code: 'policy/invalid-custom-range', source: inPolicy('  custom "s" = "x" in «1..2»') },
  { code: 'policy/invalid-guest-path', source: inPolicy('  filesystem {\n    read "./a" as «"data"»\n  }'), help: /"\/data"/ },
  { code: 'policy/invalid-host', source: inPolicy('  network {\n    allow host «"https://x.example"»\n  }'), message: /scheme/ },
  { code: 'policy/invalid-name', source: inPolicy('  env allow [«""»]') },
  { code: 'policy/invalid-path', source: inPolicy('  filesystem {\n    read «""»\n  }'), help: /"\."/ },
  { code: 'policy/invalid-timestamp', source: inPolicy('  time read-only deterministic start «"yesterday"»') },
  { code: 'policy/missing-unit', source: inPolicy('  limits {\n    cpu time «2000»\n  }'), help: /2000ms/ },
  { code: 'policy/not-an-integer', source: inPolicy('  limits {\n    memory max «1.5 pages»\n  }') },
  { code: 'policy/not-page-multiple', source: inPolicy('  limits {\n    memory max «100KiB»\n  }'), help: /64KiB/ },
  { code: 'policy/port-out-of-range', source: inPolicy('  network {\n    allow ports «70000»\n  }'), message: /0..65535/ },
  {
    code: 'policy/requires-unknown-custom',
    source: inPolicy('  imports {\n    allow "h" "f" requires «"flag"»\n  }'),
    help: /custom "flag" = true/,
  },
  { code: 'policy/unknown-block', source: inPolicy('  «filesytem» {\n  }'), help: /^did you mean `filesystem`\?$/ },
  { code: 'policy/unknown-keyword', source: inPolicy('  random «psuedo»'), help: /did you mean `pseudo`/ },
  { code: 'policy/unknown-limit', source: inPolicy('  limits {\n    memory «maximum» 1MiB\n  }'), help: /did you mean `max`/ },
  { code: 'policy/unknown-preset', source: 'policy "t" extends «minimall» {}\n', help: /did you mean `minimal`/ },
  { code: 'policy/unknown-unit', source: inPolicy('  limits {\n    memory max 64«Mib»\n  }'), help: /did you mean `MiB`/ },
  { code: 'policy/value-out-of-range', source: inPolicy('  limits {\n    memory max «0 pages»\n  }'), message: /^`memory max` must be at least 1 page, found `0 pages`$/ },
  { code: 'policy/wrong-unit', source: inPolicy('  limits {\n    cpu time 2«MiB»\n  }'), message: /a size, but this setting is a duration/ },
];

describe('every diagnostic code points at its exact span', () => {
  for (const c of cases) {
    it(`${c.code}`, () => {
      const { text, at } = marked(c.source);
      const result = compileVirtual({ ...c.files, '/v/a.wsp': text }, '/v/a.wsp');
      const found = result.diagnostics.filter((d) => d.code === c.code);
      expect(found.map(spanTuple), JSON.stringify(result.diagnostics, null, 1)).toContainEqual(at);
      const d = found.find((x) => JSON.stringify(spanTuple(x)) === JSON.stringify(at))!;
      expect(d.span).toMatchObject({ file: expect.stringMatching(/\.wsp$/) });
      if (c.help) expect(d.help).toMatch(c.help);
      if (c.message) expect(d.message).toMatch(c.message);
      expect(result.ok).toBe(d.severity !== 'error' && result.diagnostics.every((x) => x.severity !== 'error'));
    });
  }

  it('covers every registered parse/ and policy/ code', () => {
    const registered = allCodes()
      .map((c) => c.code)
      .filter((c) => c.startsWith('parse/') || c.startsWith('policy/'));
    expect(cases.map((c) => c.code).sort()).toEqual(registered.sort());
  });
});
