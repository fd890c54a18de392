import { describe, expect, test } from 'vitest';
import { DEFAULT_MANIFEST, PRESETS, mergeManifestInputs, normalize, type ManifestInput } from '@wsbc/manifest';

describe('mergeManifestInputs', () => {
  test('a capability area in the override replaces the base area whole', () => {
    const base: ManifestInput = { network: { loopback: true, ports: [{ from: 80, to: 80 }] }, environment: { names: ['A'] } };
    const merged = mergeManifestInputs(base, { network: { hosts: [{ host: 'x.test' }] } });
    expect(merged.network).toEqual({ hosts: [{ host: 'x.test' }] });
    expect(merged.environment).toEqual({ names: ['A'] });
  });

  test.each(['network', 'filesystem', 'environment', 'process', 'time', 'random'] as const)('area %s is replaced, not merged', (area) => {
    const base = PRESETS.minimal;
    const override = { [area]: {} } as ManifestInput;
    expect(mergeManifestInputs(base, override)[area]).toEqual({});
  });

  test('limits merge per field', () => {
    const merged = mergeManifestInputs(PRESETS.minimal, { limits: { memory: { maxPages: 32 } } });
    expect(merged.limits?.memory).toEqual({ ...PRESETS.minimal.limits!.memory, maxPages: 32 });
    expect(merged.limits?.cpu).toEqual(PRESETS.minimal.limits!.cpu);
    expect(merged.limits?.fuel).toBe(10_000_000);
  });

  test('an explicit null limit overrides, an undefined one does not', () => {
    const base: ManifestInput = { limits: { fuel: 5, io: { maxReadBytes: 10 } } };
    expect(mergeManifestInputs(base, { limits: { fuel: null, io: { maxReadBytes: undefined } } }).limits).toEqual({ fuel: null, io: { maxReadBytes: 10 } });
  });

  test('imports are a union, the override winning for one (module, name)', () => {
    const merged = mergeManifestInputs(
      { imports: [{ module: 'env', name: 'log' }, { module: 'env', name: 'now', requires: 'clock' }] },
      { imports: [{ module: 'env', name: 'now' }, { module: 'host', name: 'get' }] },
    );
    expect(merged.imports).toEqual([{ module: 'env', name: 'log' }, { module: 'env', name: 'now' }, { module: 'host', name: 'get' }]);
  });

  test('custom capabilities merge by name, the override winning', () => {
    const merged = mergeManifestInputs(
      { custom: [{ name: 'a', type: 'boolean', value: false }, { name: 'b', type: 'string', value: 'x' }] },
      { custom: [{ name: 'a', type: 'boolean', value: true }] },
    );
    expect(merged.custom).toEqual([{ name: 'b', type: 'string', value: 'x' }, { name: 'a', type: 'boolean', value: true }]);
  });

  test('duplicates within one side survive the merge so normalize reports them', () => {
    const merged = mergeManifestInputs({}, { custom: [{ name: 'a', type: 'boolean', value: true }, { name: 'a', type: 'boolean', value: false }] });
    expect(merged.custom).toHaveLength(2);
  });

  test('audit merges per field; name and preset come from the override when given', () => {
    expect(mergeManifestInputs({ name: 'base', preset: 'development', audit: { decisions: 'denied' } }, { audit: {} })).toEqual({
      name: 'base',
      preset: 'development',
      audit: { decisions: 'denied' },
    });
    expect(mergeManifestInputs({ name: 'base', preset: 'development' }, { name: 'child', preset: 'minimal' })).toEqual({ name: 'child', preset: 'minimal' });
  });

  test('does not modify either input', () => {
    const base: ManifestInput = { limits: { memory: { maxPages: 5 } }, imports: [{ module: 'a', name: 'b' }] };
    const override: ManifestInput = { limits: { memory: { maxTables: 2 } }, imports: [{ module: 'a', name: 'c' }] };
    const copies = structuredClone([base, override]);
    mergeManifestInputs(base, override);
    expect([base, override]).toEqual(copies);
  });

  test('extending development and narrowing the network keeps its filesystem', () => {
    const result = normalize({ preset: 'development', network: { mode: 'none' } }, { baseDir: '/p', tmpDir: '/t' });
    expect(result.ok && result.value.network.mode).toBe('none');
    expect(result.ok && result.value.filesystem.preopens.map((p) => p.hostPath)).toEqual(['/p', '/t']);
  });
});

describe('PRESETS', () => {
  const options = { baseDir: '/work/policy', tmpDir: '/tmp/wsbc' };

  test('minimal is the table of defaults, most restrictive', () => {
    const result = normalize({ preset: 'minimal' }, options);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const m = result.value;
    expect(m.network).toEqual({ mode: 'none', loopback: false, hosts: [], ports: [] });
    expect(m.filesystem.preopens).toEqual([]);
    expect(m.environment).toEqual({ mode: 'none', names: [] });
    expect(m.process).toEqual({ mode: 'none', commands: [] });
    expect(m.random.mode).toBe('pseudo');
    expect(m.time.mode).toBe('read-only');
  });

  test('development: loopback, base dir readable, temp dir writable with 10 MiB cap, PATH TEMP TMP, secure random', () => {
    const result = normalize({ preset: 'development' }, options);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const m = result.value;
    expect(m.network).toEqual({ mode: 'restricted', loopback: true, hosts: [], ports: [] });
    expect(m.filesystem.preopens).toEqual([
      { hostPath: '/tmp/wsbc', guestPath: '/tmp/wsbc', read: false, write: true, create: true, delete: false, maxFileSize: 10 * 1024 * 1024 },
      { hostPath: '/work/policy', guestPath: '/work/policy', read: true, write: false, create: false, delete: false, maxFileSize: null },
    ]);
    expect(m.environment).toEqual({ mode: 'allow', names: ['PATH', 'TEMP', 'TMP'] });
    expect(m.random).toEqual({ mode: 'secure', seed: null });
    expect(m.process.mode).toBe('none');
    expect(m.limits).toEqual(DEFAULT_MANIFEST.limits);
  });

  test('presets cannot be modified by a caller', () => {
    expect(() => {
      (PRESETS.minimal.limits!.memory as { maxPages: number }).maxPages = 1;
    }).toThrow(TypeError);
    const result = normalize({}, options);
    expect(result.ok && result.value.limits.memory.maxPages).toBe(160);
  });
});
