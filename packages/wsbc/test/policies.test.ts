// The example policies compile (they are the README's first impression).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicySpec } from '../src/policy.js';

const examples = join(import.meta.dirname, '../../../examples');

describe('example policies', () => {
  for (const policy of ['read-allowed-file/policy.wsp', 'etc-passwd/policy.wsp', 'etc-passwd/forced.wsp', 'plugin-host-function/policy.wsp', 'plugin-host-function/metrics-off.wsp']) {
    it(`compiles ${policy} without findings`, () => {
      const loaded = loadPolicySpec({ policy: join(examples, policy) });
      expect(loaded.diagnostics).toEqual([]);
      expect(loaded.manifest).toBeDefined();
    });
  }
});
