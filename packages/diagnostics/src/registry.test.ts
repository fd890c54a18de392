import { describe, expect, it } from 'vitest';
import { allCodes, describeCode, docsLink, registerCodes } from './registry.js';

describe('diagnostic code registry', () => {
  it('names every code as <domain>/<kebab-case-name>', () => {
    const bad = allCodes().filter(({ code }) => !/^[a-z]+\/[a-z0-9]+(-[a-z0-9]+)*$/.test(code));
    expect(bad.map((c) => c.code)).toEqual([]);
  });

  it('gives every code a summary sentence and a severity', () => {
    for (const info of allCodes()) {
      expect(info.summary.length, info.code).toBeGreaterThan(10);
      expect(['error', 'warning', 'info']).toContain(info.severity);
    }
  });

  it('keeps each domain in its own table (a code appears once across all tables)', () => {
    const codes = allCodes().map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('describes a registered code with its docs link and returns undefined for an unknown one', () => {
    const info = describeCode('input/unreadable');
    expect(info?.severity).toBe('error');
    expect(info?.docs).toBe(docsLink('input/unreadable'));
    expect(info?.docs).toMatch(/#input-unreadable$/);
    expect(describeCode('nope/never-registered')).toBeUndefined();
  });

  it('accepts dynamically registered codes once and refuses a conflicting re-registration', () => {
    const table = { 'testdomain/registered-once': { severity: 'warning' as const, summary: 'A code registered by a test.' } };
    registerCodes(table);
    registerCodes(table);
    expect(describeCode('testdomain/registered-once')?.severity).toBe('warning');
    expect(() => registerCodes({ 'testdomain/registered-once': { severity: 'error', summary: 'A different meaning.' } })).toThrow(
      /registered twice/,
    );
    expect(() => registerCodes({ 'input/unreadable': { severity: 'error', summary: 'Shadowing a static code.' } })).toThrow(
      /registered twice/,
    );
  });
});
