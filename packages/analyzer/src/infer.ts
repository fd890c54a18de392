// inferPolicy: the least-privilege `.wsp` policy a module needs, derived from the same reading as
// checkModule. The policy extends `minimal` and adds only what the imports, memories, tables and
// threads of the module require, each grant preceded by a `#` comment naming the imports that need
// it. Placeholders the analyzer cannot know (which directory, which variables, which hosts) are
// the narrowest legal value and are marked for review.
//
// Guarantee (tested in packages/cli/test/infer.test.ts and packages/wsbc/test/attack-sweep.test.ts,
// where the policy compiler is available): the text compiles, every grant names exactly the
// import it is for (names are escaped, comments too: a name cannot add a line to the policy), and
// checkModule of the module against the compiled manifest reports no error, except for findings
// the inferred policy does not fix (`unfixable` below: reserved or component-model imports,
// unknown WASI names, signature mismatches, imported tables, globals and tags, memory64, a name
// imported as two kinds, empty names no grant can name, and a function named `*`, which only the
// wildcard grant admits), which are listed as comments.
import type { Diagnostic } from '@wsbc/diagnostics';
import { PRESETS } from '@wsbc/manifest';
import type { Capability } from './capabilities.js';
import { importKindConflicts, importLabel } from './check.js';
import { classifyImport } from './classify.js';
import type { ImportFact, ModuleFacts } from './module-facts.js';
import { readModuleFacts, unreadableModuleDiagnostic } from './read-module.js';
import { sameSignature } from './wasi-table.js';
import { escapeWsp, visibleText } from './visible-text.js';

export interface InferOptions {
  /** File name for the header comment and for diagnostics (default `module.wasm`). */
  file?: string;
  /** Policy name (default: the file's base name without extension). */
  name?: string;
}

export type InferResult =
  | {
      ok: true;
      /** The policy text, ending in a newline. */
      policy: string;
      /** Problems no policy can fix; the module will not pass `check` whatever is granted. */
      unfixable: Diagnostic[];
    }
  | { ok: false; diagnostics: Diagnostic[] };

const minimalLimits = PRESETS.minimal.limits!;
const MINIMAL_MAX_PAGES = minimalLimits.memory!.maxPages!;
const MINIMAL_MAX_TABLES = minimalLimits.memory!.maxTables!;

export function inferPolicy(bytes: Uint8Array, options: InferOptions = {}): InferResult {
  const file = options.file ?? 'module.wasm';
  const read = readModuleFacts(bytes);
  if (!read.ok) return { ok: false, diagnostics: [unreadableModuleDiagnostic(read, file)] };
  const name = options.name ?? baseName(file);
  return inferFromFacts(read.facts, file, name);
}

export function inferFromFacts(facts: ModuleFacts, file: string, name: string): InferResult {
  // Sets and keyed maps, not lists scanned per import: a module may have 100,000 imports.
  const byCapability = new Map<Capability, Set<string>>();
  const hostImports = new Map<string, ImportFact>();
  const unfixable: Diagnostic[] = [];
  const note = (imp: ImportFact, code: string, message: string) =>
    unfixable.push({ code, severity: 'error', message, span: { file, byteOffset: imp.offset, byteLength: imp.length }, data: { module: imp.module, name: imp.name } });
  const conflicts = importKindConflicts(facts.imports);

  for (const imp of facts.imports) {
    const cls = classifyImport(imp.module, imp.name);
    const label = importLabel(imp);
    const conflict = conflicts.get(imp);
    if (conflict) note(imp, 'check/host-import-not-allowed', `${label}: imported again as a ${imp.desc.kind} after a ${conflict.desc.kind} of the same name, which no runtime can link`);
    const addHostImport = () => {
      // A grant names a non-empty module, so no policy can grant an empty one; and only the
      // wildcard grant, which admits every function of the module, admits a function named `*`
      // or with an empty name.
      if (imp.module === '') {
        note(imp, 'check/host-import-not-allowed', `${label}: an empty module name cannot be granted`);
      } else if (imp.name === '*' || imp.name === '') {
        note(imp, 'check/host-import-not-allowed', `${label}: only the wildcard \`allow "${escapeWsp(imp.module)}" "*"\` grants ${imp.name === '' ? 'a function with an empty name' : 'a function named \`*\`'}, and it grants every function of the module; add it by hand if that is meant`);
      } else {
        const key = JSON.stringify([imp.module, imp.name]);
        if (!hostImports.has(key)) hostImports.set(key, imp);
      }
    };
    switch (cls.kind) {
      case 'wasi':
      case 'wasix':
        if (cls.kind === 'wasi' && cls.family === 'wasmedge') {
          note(imp, 'check/nonstandard-wasi-import', `${label}: WasmEdge socket extensions are not implemented by the wsbc runtime`);
          break;
        }
        if (cls.kind === 'wasi') {
          const type = imp.desc.kind === 'func' ? imp.desc.type : undefined;
          if (!type || !cls.signatures.some((s) => sameSignature(s, type))) {
            note(imp, 'check/wasi-signature-mismatch', `${label}: its type is not the one WASI defines, so the runtime cannot link it`);
          }
        }
        for (const capability of cls.needs) {
          const users = byCapability.get(capability);
          if (users) users.add(imp.name);
          else byCapability.set(capability, new Set([imp.name]));
        }
        // A WASIX import links only as a host function the embedder provides.
        if (cls.kind === 'wasix') {
          if (imp.desc.kind === 'func') addHostImport();
          else note(imp, 'check/nonstandard-wasi-import', `${label}: a WASIX ${imp.desc.kind}, which the runtime cannot link`);
        }
        break;
      case 'host':
        // Imported memories are created by the runtime and need no grant; other externs than
        // functions the runtime never links (see check.ts).
        if (imp.desc.kind === 'func') addHostImport();
        else if (imp.desc.kind !== 'memory') {
          note(imp, 'check/host-import-not-allowed', `${label}: the runtime links host functions only, not a ${imp.desc.kind}`);
        }
        break;
      case 'reserved':
        note(imp, 'check/reserved-import', `${label}: the module name is reserved for wsbc's instrumentation`);
        break;
      case 'component-model':
        note(imp, 'check/component-model-import', `${label}: component-model imports are not supported`);
        break;
      case 'unknown-wasi':
        note(imp, 'check/unknown-import', `${label}: not a WASI function`);
        break;
    }
  }
  for (const memory of facts.memories) {
    if (memory.memory64) {
      unfixable.push({
        code: 'check/memory64',
        severity: 'error',
        message: `${memory.import ? `imported memory ${importLabel(memory.import)}` : `memory ${memory.index}`} is a 64-bit memory, which the wsbc runtime does not support`,
        span: { file, byteOffset: memory.offset },
        data: { module: memory.import?.module ?? null, name: memory.import?.name ?? null, memoryIndex: memory.index },
      });
    }
  }

  const lines: string[] = [];
  const emit = (indent: number, text: string) => lines.push(`${'  '.repeat(indent)}${text}`);
  const why = (indent: number, capability: Capability, what: string) => {
    const users = byCapability.get(capability);
    if (users?.size) emit(indent, `# ${what}: ${[...users].map(visibleText).join(', ')}`);
  };

  // Every comment goes through visibleText: a line break in a name would end the comment and
  // make the rest of the name policy text, and a bidi control is refused by the policy lexer.
  lines.push(`# Least-privilege policy for ${visibleText(file)}, inferred by \`wsbc infer\` from its imports,`);
  lines.push('# memories and tables. Review each grant; paths, names and hosts are placeholders to narrow.');
  for (const problem of unfixable) lines.push(`# cannot be granted (${problem.code}): ${visibleText(problem.message)}`);
  lines.push(`policy "${escapeWsp(name)}" extends minimal {`);

  const fsAny = byCapability.has('filesystem.any');
  const fsRead = byCapability.has('filesystem.read');
  const fsWrite = byCapability.has('filesystem.write');
  const fsCreate = byCapability.has('filesystem.create');
  const fsDelete = byCapability.has('filesystem.delete');
  if (fsAny || fsRead || fsWrite || fsCreate || fsDelete) {
    const writes = fsWrite || fsCreate || fsDelete;
    const reads = fsRead || (fsAny && !writes);
    const access = reads && writes ? 'read-write' : writes ? 'write' : 'read';
    emit(1, 'filesystem {');
    why(2, 'filesystem.any', 'open files and discover preopened directories');
    why(2, 'filesystem.read', 'read files and directories');
    why(2, 'filesystem.write', 'write to files');
    emit(2, `${access} "./data" as "/data"`);
    if (fsCreate) {
      why(2, 'filesystem.create', 'create files, directories and links');
      emit(2, 'allow create');
    }
    if (fsDelete) {
      why(2, 'filesystem.delete', 'remove files and directories');
      emit(2, 'allow delete');
    }
    emit(1, '}');
  }
  if (byCapability.has('environment')) {
    // No grant: without one the module sees an empty environment (a warning, not an error), and
    // which variables it needs cannot be known from its imports.
    why(1, 'environment', 'read environment variables; none are visible until you list them, e.g. env allow ["LANG"]');
  }
  if (byCapability.has('time.set')) {
    why(1, 'time.set', 'set file timestamps');
    emit(1, 'time full');
  }
  if (byCapability.has('random')) {
    why(1, 'random', 'random bytes (use `random secure` if the module needs cryptographic randomness)');
    emit(1, 'random pseudo');
  }
  if (byCapability.has('network')) {
    why(1, 'network', 'use sockets (loopback only; add the hosts the module talks to)');
    emit(1, 'network {');
    emit(2, 'allow loopback');
    emit(1, '}');
  }
  if (byCapability.has('process')) {
    // An empty allow list means `process none`, so the narrowest grant names one placeholder
    // command, like the placeholder directory of the filesystem grant.
    why(1, 'process', 'process control; replace the placeholder with the commands the module may run');
    emit(1, 'process allow ["command"]');
  }
  if (hostImports.size > 0) {
    emit(1, '# host imports the embedder must provide');
    emit(1, 'imports {');
    for (const imp of hostImports.values()) {
      emit(2, `allow "${escapeWsp(imp.module)}" "${escapeWsp(imp.name)}"`);
    }
    emit(1, '}');
  }

  // Growth beyond the limit is not a grant the module needs to start, but a reviewer should know
  // the policy will cap it (a refused memory.grow returns -1).
  for (const memory of facts.memories) {
    if (memory.memory64) continue;
    const cap = Math.max(MINIMAL_MAX_PAGES, memory.min);
    if (memory.max === null || memory.max > cap) {
      const reach = memory.max === null ? 'declares no maximum' : `may grow to ${memory.max} pages`;
      emit(1, `# memory ${memory.index} starts at ${memory.min} pages and ${reach}; this policy caps it at ${cap} pages`);
    }
  }

  // One line per limits category: the policy language refuses a category given twice.
  const limitLines: string[] = [];
  const memoryWhy: string[] = [];
  const memorySettings: string[] = [];
  // A loop, not Math.max(...sizes): spreading hundreds of thousands of memories overflows the stack.
  let pagesNeeded = 0;
  for (const memory of facts.memories) if (!memory.memory64 && memory.min > pagesNeeded) pagesNeeded = memory.min;
  if (pagesNeeded > MINIMAL_MAX_PAGES) {
    memoryWhy.push(`the module's memory starts at ${pagesNeeded} pages`);
    memorySettings.push(`max ${pagesNeeded} pages`);
  }
  if (facts.tables.length > MINIMAL_MAX_TABLES) {
    memoryWhy.push(`it has ${facts.tables.length} tables`);
    memorySettings.push(`tables ${facts.tables.length}`);
  }
  if (memorySettings.length > 0) {
    limitLines.push(`# ${memoryWhy.join('; ')}`);
    limitLines.push(`memory ${memorySettings.join('  ')}`);
  }
  const threadUsers = byCapability.get('threads');
  if (threadUsers?.size) {
    limitLines.push(`# spawn threads: ${[...threadUsers].map(visibleText).join(', ')}`);
    limitLines.push('cpu threads 2');
  }
  if (limitLines.length > 0) {
    emit(1, 'limits {');
    for (const line of limitLines) emit(2, line);
    emit(1, '}');
  }
  lines.push('}');
  return { ok: true, policy: `${lines.join('\n')}\n`, unfixable };
}

function baseName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.wasm$/i, '') || 'module';
}
