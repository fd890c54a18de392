// The analyzer on the wasm spec test corpus (../shared/corpora/spec-testsuite, converted with
// wast2json through @wsbc/testkit): every module V8 accepts is read by check, inspect (a full
// instruction walk) and infer without a malformed finding; every other binary, valid or not, ends
// in a result, never an exception.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { convertSpecCorpus, specCorpusStatus } from '@wsbc/testkit';
import { DEFAULT_MANIFEST } from '@wsbc/manifest';
import { checkModule, inferPolicy, inspectModule } from '../src/index.js';

const status = specCorpusStatus();
if (!status.ok) console.log(status.reason);

describe.skipIf(!status.ok)('spec corpus', () => {
  test('reads every module V8 accepts, and never throws on the others', () => {
    const corpus = convertSpecCorpus();
    let valid = 0;
    let invalid = 0;
    const problems: string[] = [];
    for (const m of corpus.modules) {
      if (m.moduleType !== 'binary') continue;
      const bytes = new Uint8Array(readFileSync(m.path));
      const where = `${m.wast}:${m.line}`;
      const checked = checkModule(bytes, DEFAULT_MANIFEST, { file: where });
      const inspected = inspectModule(bytes, { file: where });
      const inferred = inferPolicy(bytes, { file: where });
      if (!WebAssembly.validate(bytes)) {
        invalid++;
        continue;
      }
      valid++;
      const malformed = checked.findings.find((f) => f.code === 'check/malformed-module');
      if (malformed) problems.push(`${where}: check: ${malformed.message}`);
      if (!inspected.ok) problems.push(`${where}: inspect: ${inspected.diagnostics[0]!.message}`);
      if (!inferred.ok) problems.push(`${where}: infer: ${inferred.diagnostics[0]!.message}`);
    }
    console.log(`analyzer on the spec corpus: ${valid} valid modules read, ${invalid} invalid or malformed binaries survived, ${problems.length} problems`);
    expect(valid).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  });
});
