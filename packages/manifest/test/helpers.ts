// Shared by the normalize tests: fixed base and temporary directories, so paths in expectations
// do not depend on the machine, and a normalize() that fails the test on any error.
import { normalize, type Manifest, type ManifestInput } from '@wsbc/manifest';

export const options = { baseDir: '/home/user/project', tmpDir: '/var/tmp' };

export function ok(input: ManifestInput): Manifest {
  const result = normalize(input, options);
  if (!result.ok) throw new Error(result.diagnostics.map((d) => `${d.code} ${String(d.data?.path)}: ${d.message}`).join('\n'));
  return result.value;
}
