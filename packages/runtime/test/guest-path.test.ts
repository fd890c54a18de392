// splitGuestPath is a hand-written scanner (it runs for nearly every path call); this checks it
// against the plain definition it replaced (split on `/`, drop empty and leading `.` components,
// give up on `..` and on a `.` after a name, which the component walk resolves) for arbitrary
// paths: same components, same errors, and a cache key that is exactly the parent's components
// joined.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Errno } from '@wsbc/runtime';
import { splitGuestPath } from '../src/wasi/fs-sandbox.js';

function reference(path: string): { parent: string[]; name: string; mustBeDirectory: boolean } | null | number {
  if (path.length === 0) return Errno.NOENT;
  if (path.includes('\0')) return Errno.INVAL;
  if (path.startsWith('/')) return Errno.NOTCAPABLE;
  const components: string[] = [];
  for (const component of path.split('/')) {
    if (component === '') continue;
    // `x/.` names the directory x (which must exist), not an entry called x: the walk's case.
    if (component === '.') {
      if (components.length > 0) return null;
      continue;
    }
    if (component === '..') return null;
    if (Buffer.byteLength(component) > 255) return Errno.NAMETOOLONG;
    components.push(component);
  }
  const name = components.pop() ?? '.';
  return { parent: components, name, mustBeDirectory: path.endsWith('/') };
}

function actual(path: string): { parent: string[]; name: string; mustBeDirectory: boolean; parentKey?: string } | null | number {
  try {
    return splitGuestPath(path);
  } catch (error) {
    return (error as { errno: number }).errno;
  }
}

const pieces = ['a', 'bc', '.', '..', '/', '//', 'é', '\0', '...', '.a', 'x'.repeat(90), 'é'.repeat(128), '€'.repeat(86)];

describe('splitGuestPath', () => {
  it('agrees with the split-based definition on arbitrary paths', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
      const path = parts.join('');
      const want = reference(path);
      const got = actual(path);
      if (want === null || typeof want === 'number') {
        expect(got).toBe(want);
        return;
      }
      expect(got).toMatchObject(want);
      const key = (got as { parentKey?: string }).parentKey;
      if (key !== undefined) expect(key).toBe(want.parent.join('/'));
    }), { numRuns: 5000 });
  });

  it('keys clean parents by a prefix of the path', () => {
    expect(splitGuestPath('tree/d3/f5')).toMatchObject({ parent: ['tree', 'd3'], name: 'f5', parentKey: 'tree/d3' });
    expect(splitGuestPath('tree/d3/')).toMatchObject({ parent: ['tree'], name: 'd3', mustBeDirectory: true, parentKey: 'tree' });
    expect(splitGuestPath('tree//d3/f5')?.parentKey).toBeUndefined();
    expect(splitGuestPath('./tree/f5')?.parentKey).toBeUndefined();
    expect(splitGuestPath('./tree/f5/')).toMatchObject({ parent: ['tree'], name: 'f5', mustBeDirectory: true });
    expect(splitGuestPath('tree/./f5')).toBeNull();
    expect(splitGuestPath('tree/f5/.')).toBeNull();
    expect(splitGuestPath('tree/../f5')).toBeNull();
  });
});
