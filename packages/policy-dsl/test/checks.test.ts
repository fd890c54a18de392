// The checker's value rules, including inputs that try to slip past them: odd hosts, negative and
// fractional numbers, huge values, units in the wrong place, `unlimited` where it is not allowed.
import { describe, expect, it } from 'vitest';
import { compileVirtual, inPolicy } from './helpers.js';

function codes(body: string): string[] {
  return compileVirtual({ '/v/p.wsp': inPolicy(body) }, '/v/p.wsp').diagnostics.map((d) => d.code);
}

describe('checks', () => {
  it.each([
    ['"api.example.com"', []],
    ['"*.example.com"', []],
    ['"::1"', []],
    ['"2001:db8::1"', []],
    ['"::::::"', ['policy/invalid-host']],
    ['"[::1]"', ['policy/invalid-host']],
    ['"192.168.0.1"', []],
    ['"256.1.1.1"', ['policy/invalid-host']],
    ['"x.example:443"', ['policy/invalid-host']],
    ['"https://x.example"', ['policy/invalid-host']],
    ['"x.example/path"', ['policy/invalid-host']],
    ['"a.*.example"', ['policy/invalid-host']],
    ['"*"', ['policy/invalid-host']],
    ['"bad host"', ['policy/invalid-host']],
    ['""', ['policy/invalid-host']],
    ['"-lead.example"', ['policy/invalid-host']],
    // A Cyrillic `а` that looks like a Latin `a`: hosts are ASCII (punycode for IDNs), so a look-alike is refused.
    ['"\u0430pi.example.com"', ['policy/invalid-host']],
    ['"xn--pi-7kc.example.com"', []],
    // The manifest's rule, applied by the policy too (before, these compiled and failed at normalize
    // as manifest/invalid-host, or passed): numeric last labels, look-alikes that lower-case to
    // ASCII, malformed IPv6, host:port in IPv4 form.
    ['"*.0.0.1"', ['policy/invalid-host']],
    ['"a.1"', ['policy/invalid-host']],
    ['"0x7f.1"', ['policy/invalid-host']],
    ['"\u212Aexample.com"', ['policy/invalid-host']],
    ['"1:2"', ['policy/invalid-host']],
    ['"10.0.0.1:8080"', ['policy/invalid-host']],
    ['"1:2:3:4:5:6:7::"', []],
    ['"::ffff:192.0.2.1"', []],
  ])('host %s', (host, expected) => {
    expect(codes(`  network {\n    allow host ${host}\n  }`)).toEqual(expected);
  });

  it.each([
    ['-1', ['policy/port-out-of-range']],
    ['65536', ['policy/port-out-of-range']],
    ['1.5', ['policy/not-an-integer']],
    ['443s', ['policy/wrong-unit']],
    ['0..65535', []],
    ['[80, 65535..0]', ['policy/empty-range']],
    ['[]', ['parse/missing-token']],
    ['"443"', ['parse/unexpected-token']],
  ])('ports %s', (ports, expected) => {
    expect(codes(`  network {\n    allow ports ${ports}\n  }`)).toEqual(expected);
  });

  it.each([
    ['memory max 65536 pages', []],
    ['memory max 65537 pages', ['policy/value-out-of-range']],
    ['memory max 4GiB', []],
    ['memory max 99999999999999999999GiB', ['policy/value-out-of-range']],
    ['memory max -1 pages', ['policy/value-out-of-range']],
    ['memory growth 0 pages', ['policy/value-out-of-range']],
    ['memory reserved 0 pages', []],
    ['cpu usage 101%', ['policy/value-out-of-range']],
    ['cpu usage 0%', ['policy/value-out-of-range']],
    ['cpu usage 50', ['policy/missing-unit']],
    ['cpu time unlimited', ['policy/value-out-of-range']],
    ['cpu time 1.0005s', ['policy/not-an-integer']],
    ['cpu threads 0', ['policy/value-out-of-range']],
    ['cpu threads 1.5', ['policy/not-an-integer']],
    ['io read 1MiB', ['policy/wrong-unit']],
    ['io total-read 1MiB/s', ['policy/wrong-unit']],
    ['io read 0B/s', ['policy/value-out-of-range']],
    ['fuel 0', ['policy/value-out-of-range']],
    ['fuel 10m', ['policy/wrong-unit']],
    ['fuel unlimted', ['policy/unknown-keyword']],
    ['fuel 1M 2M', ['parse/unexpected-token']],
    ['stack depth 0', ['policy/value-out-of-range']],
    // The instrumenter's guard goes to 1M (engines overflow before more): a policy asking for more
    // compiled and then failed every build.
    ['stack depth 1M', []],
    ['stack depth 2M', ['policy/value-out-of-range']],
    ['memory grow-failure explode', ['policy/unknown-keyword']],
    ['memory', ['parse/missing-token']],
    ['memory max', ['parse/missing-token']],
    ['memory max 1MiB max 2MiB', ['policy/duplicate-entry']],
    ['disk max 1GiB', ['policy/unknown-limit']],
    ['time total 10s idle 1h', []],
  ])('limits: %s', (line, expected) => {
    expect(codes(`  limits {\n    ${line}\n  }`)).toEqual(expected);
  });

  it('reserved above the maximum is reported by normalization, pointing at the setting', () => {
    const r = compileVirtual({ '/v/p.wsp': inPolicy('  limits {\n    memory max 16 pages reserved 32 pages\n  }') }, '/v/p.wsp');
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({ code: 'manifest/reserved-exceeds-max', span: { file: '/v/p.wsp', line: 3, column: 25, endLine: 3, endColumn: 42 } });
  });

  it('a normalization problem in an extended file points into that file', () => {
    const files = {
      '/v/p.wsp': 'policy "p" extends "./b.wsp" {\n  limits {\n    memory max 16 pages\n  }\n}\n',
      '/v/b.wsp': 'policy "b" {\n  limits {\n    memory reserved 32 pages\n  }\n}\n',
    };
    const r = compileVirtual(files, '/v/p.wsp');
    expect(r.diagnostics[0]).toMatchObject({ code: 'manifest/reserved-exceeds-max', span: { file: '/v/b.wsp', line: 3, column: 12 } });
  });

  it.each([
    ['env allow ["A=B"]', ['policy/invalid-name']],
    ['env deny [" "]', ['policy/invalid-name']],
    ['env allow []', []],
    ['env allow ["A", 1]', ['parse/unexpected-token']],
    ['process allow ["git", "git"]', ['policy/duplicate-item']],
    ['random pseudo seed 4294967296', ['policy/value-out-of-range']],
    ['random pseudo seed -1', ['policy/value-out-of-range']],
    ['random secure seed 1', ['parse/unexpected-token']],
    ['time read-only deterministic start "2024-02-30T00:00:00Z"', ['policy/invalid-timestamp']],
    ['time read-only deterministic start "1969-12-31T23:59:59Z"', ['policy/invalid-timestamp']],
    ['time read-only deterministic step 0ns', ['policy/value-out-of-range']],
    ['time read-only deterministic step 1', ['policy/missing-unit']],
    ['time read-only deterministic start 1 start 2', ['policy/duplicate-entry']],
    ['custom "x" = 1 in 1..1', []],
    ['custom "x" = 1.5 in 1..2', []],
    ['custom "x" = 3 in 1..2', ['policy/custom-value-out-of-range']],
    ['custom "x" = true in 1..2', ['policy/invalid-custom-range']],
    ['custom "x" 1', ['parse/unexpected-token']],
    ['custom "x" = 1MiB', ['parse/unexpected-token']],
    ['custom "" = 1', ['policy/invalid-name']],
    ['custom "x" = 1\n  custom "x" = 2', ['policy/duplicate-entry']],
    ['audit some', ['policy/unknown-keyword']],
    ['network none {\n  }', ['parse/unexpected-token']],
    ['limits', ['parse/missing-token']],
  ])('%s', (body, expected) => {
    expect(codes(`  ${body}`)).toEqual(expected);
  });

  it.each([
    ['read "./a" as "/a"\n    write "./a" as "/a"', []],
    ['read "./a" as "/d"\n    read "./b" as "/d"', ['policy/conflicting-guest-path']],
    ['read "./a" as "/a/../etc"', ['policy/invalid-guest-path']],
    ['read "./a" as "relative"', ['policy/invalid-guest-path']],
    ['read "./a" max-file-size 1MiB', ['policy/flag-requires-write']],
    ['read "./a" delete', ['policy/flag-requires-write']],
    ['allow create', ['policy/flag-requires-write']],
    ['read "./a"\n    max-file-size 1MiB', ['policy/flag-requires-write']],
    ['write "./a" as "/a" as "/b"', ['policy/duplicate-entry']],
    ['write "./a" create create', ['policy/duplicate-entry']],
    ['write "./a"\n    allow create\n    allow create', ['policy/duplicate-entry']],
    ['write "./a" max-file-size 1 pages', ['policy/wrong-unit']],
    ['execute "./a"', ['policy/unknown-keyword']],
    ['read ./a', ['parse/unexpected-character']],
    ['read "./a" as /a', ['parse/unexpected-character']],
    ['./a', ['parse/unexpected-character']],
  ])('filesystem: %s', (body, expected) => {
    expect(codes(`  filesystem {\n    ${body}\n  }`)).toEqual(expected);
  });

  it('an unknown word suggests nothing when nothing is close, and lists the valid words', () => {
    const r = compileVirtual({ '/v/p.wsp': inPolicy('  random quantum') }, '/v/p.wsp');
    expect(r.diagnostics[0]).toMatchObject({ code: 'policy/unknown-keyword', help: 'expected one of: `none`, `pseudo`, `secure`' });
  });
});
