// Seed inputs for the fuzzer: distinct real modules up to a size limit (mutating a 30 MB module per
// iteration would spend the budget on memcpy), plus V8-valid modules of the spec corpus when it is
// present, which cover SIMD, reference types, bulk memory and the other proposals.
import { readFileSync } from 'node:fs';
import { convertSpecCorpus, locateRealModules, specCorpusStatus } from '@wsbc/testkit';
import type { FuzzInput } from './mutate.js';

export function fuzzInputs(options: { maxRealSize: number; specModules: number }): FuzzInput[] {
  const real: FuzzInput[] = locateRealModules({ unique: true })
    .modules.filter((m) => m.size <= options.maxRealSize)
    .map((m) => ({ name: `${m.package}/${m.name}`, bytes: new Uint8Array(readFileSync(m.path)) }));
  const spec: FuzzInput[] = [];
  if (options.specModules > 0 && specCorpusStatus().ok) {
    const modules = convertSpecCorpus().modules.filter((m) => m.command === 'module');
    const step = Math.max(1, Math.floor(modules.length / options.specModules));
    for (let i = 0; i < modules.length && spec.length < options.specModules; i += step) {
      const bytes = new Uint8Array(readFileSync(modules[i]!.path));
      if (WebAssembly.validate(bytes)) spec.push({ name: `${modules[i]!.wast}:${modules[i]!.line}`, bytes });
    }
  }
  // Real modules are few: repeat them so they are picked about as often as all spec modules together.
  const repeat = Math.max(1, Math.round(spec.length / Math.max(1, real.length)));
  return [...Array.from({ length: repeat }, () => real).flat(), ...spec];
}
