import { describe, expect, it } from 'vitest';
import { MANIFEST_VERSION } from '@wsbc/manifest';

describe('workspace', () => {
  it('resolves sibling packages through their exports', () => {
    expect(MANIFEST_VERSION).toBe(1);
  });
});
