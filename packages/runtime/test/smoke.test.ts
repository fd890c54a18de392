import { describe, expect, it } from 'vitest';
import { PRELUDE, manifest, runCaptured, wat } from './helpers.js';

describe('run', () => {
  it('runs a hello-world command and passes its exit code through', async () => {
    const bytes = await wat(`(module ${PRELUDE}
      (data (i32.const 100) "hello\\n")
      (func (export "_start") (call $print (i32.const 100) (i32.const 6)) (call $proc_exit (i32.const 7))))`);
    const { result, stdout } = await runCaptured(bytes, manifest());
    expect(stdout).toBe('hello\n');
    expect(result.status).toBe(7);
    expect(result.termination).toBe('exit');
  });
});
