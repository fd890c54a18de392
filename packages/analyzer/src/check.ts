// checkModule: decides, without running anything, whether a module may run under a manifest.
// Every import is classified (classify.ts) and compared with what the manifest grants
// (capabilities.ts); memories, tables, threads, the start function and reserved names are checked
// beside. Findings are Diagnostics with a stable `check/*` code, the import's byte offset, and
// machine-readable data { module, name, capability }. The module is allowed when no finding is an
// error.
import type { ByteSpan, Diagnostic, Severity } from '@wsbc/diagnostics';
import type { CustomCapability, HostImportGrant, Manifest } from '@wsbc/manifest';
import { ALL_CAPABILITIES, describeCapability, isGranted, type Capability } from './capabilities.js';
import { classifyImport, RESERVED_IMPORT_MODULES } from './classify.js';
import type { ImportFact, MemoryFact, ModuleFacts, TableFact } from './module-facts.js';
/** The export wasi-threads calls in a new thread (the runtime's THREAD_START_EXPORT). */
const THREAD_START_EXPORT = 'wasi_thread_start';
const THREAD_START_SIGNATURE: WasiSignature = { params: ['i32', 'i32'], results: [] };
import { readModuleFacts, unreadableModuleDiagnostic } from './read-module.js';
import { walkModule } from '@wsbc/wasm/reader';
import { formatSignature, sameSignature, type WasiSignature } from './wasi-table.js';
import { escapeWsp, visibleText } from './visible-text.js';

/** Prefix of the exports the instrumenter adds; an input module exporting one could spoof them. */
export const RESERVED_EXPORT_PREFIX = '__wsbc_';

/**
 * Prefix of the custom sections wsbc writes (`wsbc.instrumented`, `wsbc.vetted`). `wsbc build`
 * refuses input that already has one, so `check` says so early.
 */
export const RESERVED_SECTION_PREFIX = 'wsbc.';

const ARTIFACT_HINT = 'this looks like output of `wsbc instrument` or `wsbc build`: check the original module, or use `wsbc verify` on a vetted artifact';

export interface CheckOptions {
  /** File name put in every finding's span (default `module.wasm`). */
  file?: string;
  /**
   * Also decode every instruction with @wsbc/wasm's structural walk (Wasm 3.0 rules), so that a
   * malformed function body is reported too. Off by default: the rules never need instructions,
   * and the walk costs about as much as WebAssembly.validate.
   */
  walkCode?: boolean;
}

export interface CheckSummary {
  file: string;
  imports: number;
  wasiImports: number;
  hostImports: number;
  /** Every capability the module's imports need, whether granted or not, in a fixed order. */
  capabilities: Capability[];
  memories: number;
  tables: number;
  errors: number;
  warnings: number;
  infos: number;
}

export interface CheckResult {
  /** True when no finding is an error. */
  allowed: boolean;
  /** Findings in byte-offset order (module-level findings without a position last). */
  findings: Diagnostic[];
  summary: CheckSummary;
}

export function checkModule(bytes: Uint8Array, manifest: Manifest, options: CheckOptions = {}): CheckResult {
  const file = options.file ?? 'module.wasm';
  let read = readModuleFacts(bytes);
  if (read.ok && options.walkCode) {
    const walked = walkModule(bytes, { wasm3: true });
    if (!walked.ok) {
      const where = walked.error.functionIndex === undefined ? '' : ` (in function ${walked.error.functionIndex})`;
      read = { ok: false, message: `${walked.error.message}${where}`, offset: walked.error.offset, code: walked.error.code, componentBinary: false };
    }
  }
  if (!read.ok) {
    const finding = unreadableModuleDiagnostic(read, file);
    return { allowed: false, findings: [finding], summary: emptySummary(file, [finding]) };
  }
  return checkFacts(read.facts, manifest, file);
}

/** The rules, on an already-read module (used by checkModule and by tests of single rules). */
export function checkFacts(facts: ModuleFacts, manifest: Manifest, file: string): CheckResult {
  const findings: Diagnostic[] = [];
  const needed = new Set<Capability>();
  let wasiImports = 0;
  let hostImports = 0;

  const span = (offset: number, length?: number): ByteSpan =>
    length === undefined ? { file, byteOffset: offset } : { file, byteOffset: offset, byteLength: length };
  const add = (code: string, severity: Severity, message: string, at: ByteSpan | undefined, data: Record<string, unknown>, help?: string) => {
    findings.push({ code, severity, message, ...(at ? { span: at } : {}), data, ...(help ? { help } : {}) });
  };

  const grants = indexGrants(manifest.imports);
  const conflicts = importKindConflicts(facts.imports);

  for (const imp of facts.imports) {
    const where = span(imp.offset, imp.length);
    const label = importLabel(imp);
    const cls = classifyImport(imp.module, imp.name);
    const conflict = conflicts.get(imp);
    if (conflict) {
      add(
        'check/host-import-not-allowed',
        'error',
        `import ${label} is imported again as a ${imp.desc.kind}, after a ${conflict.desc.kind} import of the same name (byte ${conflict.offset}); a host gives one value per name, so no runtime can link both`,
        where,
        { module: imp.module, name: imp.name, capability: null, kind: imp.desc.kind, otherKind: conflict.desc.kind, otherOffset: conflict.offset },
        'import each name as one kind only',
      );
    }
    switch (cls.kind) {
      case 'reserved':
        add(
          'check/reserved-import',
          'error',
          `import ${label} uses the module name \`${visibleText(imp.module)}\`, which wsbc reserves for its own instrumentation`,
          where,
          { module: imp.module, name: imp.name, capability: null },
          `only the instrumenter may add these imports; a module that already has them could impersonate the fuel and memory guards (${ARTIFACT_HINT})`,
        );
        break;
      case 'component-model':
        add(
          'check/component-model-import',
          'error',
          `import ${label} is a component-model interface, which the WASI preview1 runtime does not provide`,
          where,
          { module: imp.module, name: imp.name, capability: null },
          'build the module for WASI preview1 (wasm32-wasip1) instead of preview2 / the component model',
        );
        break;
      case 'unknown-wasi':
        add(
          'check/unknown-import',
          'error',
          `import ${label} is not a function of \`${visibleText(imp.module)}\``,
          where,
          { module: imp.module, name: imp.name, capability: null },
          cls.suggestion ? `did you mean \`${cls.suggestion}\`?` : undefined,
        );
        break;
      case 'wasi':
      case 'wasix': {
        wasiImports++;
        if (cls.kind === 'wasi') checkWasiSignature(imp, cls.signatures, where, add);
        if (cls.kind === 'wasix') {
          // The runtime treats a WASIX module like any host module: it links the import only if
          // it is a function, the policy lists it and the embedder registers a host function for it.
          const listed = imp.desc.kind === 'func' && verdictOf(grants.get(imp.module), imp.name, manifest).allowed;
          add(
            'check/nonstandard-wasi-import',
            listed ? 'warning' : 'error',
            listed
              ? `import ${label} is a WASIX extension; the policy lists it, so the embedder must provide it as a host function`
              : `import ${label} is a WASIX extension, which the wsbc runtime does not implement`,
            where,
            { module: imp.module, name: imp.name, capability: cls.needs[0] ?? null },
            listed
              ? 'the wsbc runtime implements WASI preview1 only'
              : `build for WASI preview1, or provide it from the host and add \`imports { allow "${escapeWsp(imp.module)}" "${escapeWsp(imp.name)}" }\``,
          );
        } else if (cls.family === 'wasmedge') {
          // The runtime answers every wasi_snapshot_preview1 import itself and has no WasmEdge
          // sockets, so no policy can make this import link.
          add(
            'check/nonstandard-wasi-import',
            'error',
            `import ${label} is a WasmEdge socket extension, which the wsbc runtime does not implement`,
            where,
            { module: imp.module, name: imp.name, capability: cls.needs[0] ?? null },
            'WASI preview1 has no way to open sockets; build without the WasmEdge socket extension or use a pre-opened socket (sock_accept)',
          );
        }
        for (const capability of cls.needs) {
          needed.add(capability);
          if (capability === 'threads') {
            if (!isGranted('threads', manifest)) {
              add(
                'check/thread-spawn-not-allowed',
                'error',
                `import ${label} spawns threads, but the policy allows ${manifest.limits.cpu.maxThreads} thread`,
                where,
                { module: imp.module, name: imp.name, capability, maxThreads: manifest.limits.cpu.maxThreads },
                'raise the thread limit (`limits { cpu threads 4 }`) to let the module spawn threads',
              );
            }
          } else if (capability === 'environment' && !isGranted(capability, manifest)) {
            // Not an error: under `env none` the runtime answers with an empty environment, which
            // every program handles (Rust's std imports environ_* even in hello world).
            add(
              'check/environment-not-granted',
              'warning',
              `import ${label} reads environment variables, but the policy grants none; the module will see an empty environment`,
              where,
              { module: imp.module, name: imp.name, capability },
              'grant the variables the module needs (`env allow ["LANG"]`) if it depends on them',
            );
          } else if (!isGranted(capability, manifest)) {
            add(
              'check/import-not-allowed',
              'error',
              `import ${label} needs ${describeCapability(capability)}, which the policy does not grant`,
              where,
              { module: imp.module, name: imp.name, capability },
              `${capability === 'filesystem.any' ? 'a readable or writable directory' : `granting \`${describeCapability(capability)}\``} would allow this${grantHint(capability)}`,
            );
          }
        }
        break;
      }
      case 'host': {
        hostImports++;
        // The runtime creates an imported memory itself (sized by the memory limits, checked
        // below); it is not a host capability and needs no `imports` grant.
        if (imp.desc.kind === 'memory') break;
        if (imp.desc.kind !== 'func') {
          // Embedders provide host functions only: the runtime refuses to link any other extern,
          // so no `imports` grant can make this one run.
          add(
            'check/host-import-not-allowed',
            'error',
            `host import ${label} is a ${imp.desc.kind}, and the wsbc runtime links only host functions (and an imported memory it creates itself)`,
            where,
            { module: imp.module, name: imp.name, capability: null, kind: imp.desc.kind },
            `define the ${imp.desc.kind} in the module instead of importing it`,
          );
          break;
        }
        const verdict = verdictOf(grants.get(imp.module), imp.name, manifest);
        if (verdict.allowed) break;
        if (imp.module === '') {
          // The policy language and the manifest refuse an empty module name, so no grant names it.
          add(
            'check/host-import-not-allowed',
            'error',
            `host import ${label} has an empty module name, which no policy can grant (a grant names a non-empty module)`,
            where,
            { module: imp.module, name: imp.name, capability: null, kind: imp.desc.kind },
          );
          break;
        }
        const resembles = cls.resembles ? ` (the module name resembles \`${cls.resembles}\`, but it is not WASI)` : '';
        if (verdict.missingCustom) {
          add(
            'check/host-import-not-allowed',
            'error',
            `host import ${label} requires the custom capability \`${verdict.missingCustom}\`, which the policy does not grant${resembles}`,
            where,
            { module: imp.module, name: imp.name, capability: null, requires: verdict.missingCustom },
            `set \`custom "${verdict.missingCustom}" = true\` in the policy to allow this import`,
          );
        } else {
          add(
            'check/host-import-not-allowed',
            'error',
            `host import ${label} (${imp.desc.kind}) is not listed in the policy's imports${resembles}`,
            where,
            { module: imp.module, name: imp.name, capability: null, kind: imp.desc.kind },
            // A grant of the name `*` is the wildcard, and an empty name cannot be written.
            imp.name === '*' || imp.name === ''
              ? `only the wildcard grant \`imports { allow "${escapeWsp(imp.module)}" "*" }\` admits ${imp.name === '' ? 'a function with an empty name' : 'a function named \`*\`'}, and it admits every function of \`${visibleText(imp.module)}\``
              : `add \`imports { allow "${escapeWsp(imp.module)}" "${escapeWsp(imp.name)}" }\` to the policy if the host provides it`,
          );
        }
        break;
      }
    }
  }

  checkMemories(facts.memories, manifest, span, add);
  checkTables(facts.tables, manifest, span, add);
  checkThreadStart(facts, manifest, span, add);

  for (const exp of facts.exports) {
    if (exp.name.startsWith(RESERVED_EXPORT_PREFIX)) {
      add(
        'check/reserved-import',
        'error',
        `export \`${visibleText(exp.name)}\` uses the prefix \`${RESERVED_EXPORT_PREFIX}\`, which wsbc reserves for its instrumentation`,
        span(exp.offset),
        { module: null, name: exp.name, capability: null, export: true },
        `the runtime reads these names to learn fuel and guard status (${ARTIFACT_HINT})`,
      );
    }
  }

  for (const section of facts.sections) {
    if (section.custom && section.name.startsWith(RESERVED_SECTION_PREFIX)) {
      add(
        'check/reserved-section',
        'warning',
        `custom section \`${visibleText(section.name)}\` uses the prefix \`${RESERVED_SECTION_PREFIX}\`, which wsbc reserves for its own records`,
        span(section.offset, section.size),
        { module: null, name: section.name, capability: null, section: section.name },
        ARTIFACT_HINT,
      );
    }
  }

  if (facts.start) {
    add(
      'check/start-function',
      'info',
      `the module runs function ${facts.start.functionIndex} as its start function during instantiation`,
      span(facts.start.offset),
      { module: null, name: null, capability: null, functionIndex: facts.start.functionIndex },
      'the start function runs before any export is called, under the same fuel and limits',
    );
  }

  findings.sort((a, b) => offsetOf(a) - offsetOf(b));
  const capabilities = [...needed].sort(compareCapabilities);
  return {
    allowed: !findings.some((f) => f.severity === 'error'),
    findings,
    summary: {
      ...emptySummary(file, findings),
      imports: facts.imports.length,
      wasiImports,
      hostImports,
      capabilities,
      memories: facts.memories.length,
      tables: facts.tables.length,
    },
  };
}

type Add = (code: string, severity: Severity, message: string, at: ByteSpan | undefined, data: Record<string, unknown>, help?: string) => void;

function checkWasiSignature(imp: ImportFact, signatures: readonly WasiSignature[], where: ByteSpan, add: Add): void {
  const expected = signatures.map(formatSignature).join(' or ');
  if (imp.desc.kind !== 'func') {
    add(
      'check/wasi-signature-mismatch',
      'error',
      `import ${importLabel(imp)} is imported as a ${imp.desc.kind}, but WASI defines it as a function ${expected}`,
      where,
      { module: imp.module, name: imp.name, capability: null, expected, actual: imp.desc.kind },
    );
    return;
  }
  const actual = imp.desc.type;
  if (actual && signatures.some((s) => sameSignature(s, actual))) return;
  const actualText = actual ? formatSignature(actual) : `type index ${imp.desc.typeIndex} (not a function type)`;
  add(
    'check/wasi-signature-mismatch',
    'error',
    `import ${importLabel(imp)} has type ${actualText}, but WASI defines ${expected}`,
    where,
    { module: imp.module, name: imp.name, capability: null, expected, actual: actualText },
    'the runtime cannot link this import; rebuild the module against a matching WASI SDK',
  );
}

function checkMemories(memories: MemoryFact[], manifest: Manifest, span: (o: number) => ByteSpan, add: Add): void {
  const { maxPages } = manifest.limits.memory;
  const threads = manifest.limits.cpu.maxThreads;
  for (const memory of memories) {
    const what = memory.import ? `imported memory ${importLabel(memory.import)}` : `memory ${memory.index}`;
    const data = {
      module: memory.import?.module ?? null,
      name: memory.import?.name ?? null,
      capability: null,
      memoryIndex: memory.index,
      min: memory.min,
      max: memory.max,
      shared: memory.shared,
      memory64: memory.memory64,
      maxPages,
    };
    if (memory.memory64) {
      add('check/memory64', 'error', `${what} is a 64-bit memory (memory64), which the wsbc runtime does not support`, span(memory.offset), data, 'build for wasm32 (32-bit memory)');
    }
    if (memory.min > maxPages) {
      add(
        'check/memory-too-large',
        'error',
        `${what} starts at ${memory.min} pages (${formatBytes(memory.min * 65536)}), more than the policy's maximum of ${maxPages} pages (${formatBytes(maxPages * 65536)})`,
        span(memory.offset),
        data,
        `raise the memory limit to at least ${memory.min} pages (\`limits { memory max ${memory.min} pages }\`)`,
      );
    }
    if (memory.shared && threads <= 1) {
      add(
        'check/shared-memory-without-threads',
        'warning',
        `${what} is shared, but the policy allows ${threads} thread; the module will run single-threaded`,
        span(memory.offset),
        { ...data, maxThreads: threads },
        'raise the thread limit (`limits { cpu threads 4 }`) if the module needs threads',
      );
    }
  }
}

/**
 * wasi-threads starts a thread as a new instance on the same memory, calling its
 * `wasi_thread_start(tid: i32, start_arg: i32)`: a module that may spawn (threads granted) but
 * whose memory is not an imported shared one, or that lacks the export, gets every spawn refused.
 */
function checkThreadStart(facts: ModuleFacts, manifest: Manifest, span: (o: number) => ByteSpan, add: Add): void {
  if (!isGranted('threads', manifest)) return;
  const spawn = facts.imports.find((imp) => imp.module === 'wasi' && imp.name === 'thread-spawn' && imp.desc.kind === 'func');
  if (!spawn) return;
  const sharedImport = facts.memories.some((m) => m.import !== undefined && m.shared);
  const start = facts.exports.find((e) => e.name === THREAD_START_EXPORT);
  const startOk = start?.kind === 'func' && start.type !== undefined && sameSignature(THREAD_START_SIGNATURE, start.type);
  const missing = [
    ...(sharedImport ? [] : ['an imported shared memory']),
    ...(startOk ? [] : [start ? `\`${THREAD_START_EXPORT}\` of type (i32, i32) -> ()` : `the export \`${THREAD_START_EXPORT}\``]),
  ];
  if (missing.length === 0) return;
  add(
    'check/threads-unusable',
    'warning',
    `import \`wasi\` \`thread-spawn\` can start no thread: the module lacks ${missing.join(' and ')}, so the runtime refuses every spawn`,
    span(spawn.offset),
    { module: 'wasi', name: 'thread-spawn', capability: 'threads', sharedMemoryImport: sharedImport, threadStart: startOk },
    'build the module for wasi-threads (for example `--target=wasm32-wasi-threads`, which imports its memory shared and exports wasi_thread_start)',
  );
}

function checkTables(tables: TableFact[], manifest: Manifest, span: (o: number) => ByteSpan, add: Add): void {
  const { maxTables, maxTableElements } = manifest.limits.memory;
  tables.forEach((table, position) => {
    const what = table.import ? `imported table ${importLabel(table.import)}` : `table ${table.index}`;
    const data = { module: table.import?.module ?? null, name: table.import?.name ?? null, capability: null, tableIndex: table.index, min: table.min, max: table.max, maxTables, maxTableElements };
    if (position === maxTables) {
      add(
        'check/too-many-tables',
        'error',
        `the module has ${tables.length} tables (imported and defined), more than the policy's maximum of ${maxTables}; ${what} is the first one over`,
        span(table.offset),
        { ...data, tables: tables.length },
        `raise the table limit (\`limits { memory tables ${tables.length} }\`)`,
      );
    }
    if (maxTableElements !== null && table.min > maxTableElements) {
      add(
        'check/table-too-large',
        'error',
        `${what} starts with ${table.min} elements, more than the policy's maximum of ${maxTableElements}`,
        span(table.offset),
        data,
        `raise the table element limit to at least ${table.min} (\`limits { memory table-elements ${table.min} }\`)`,
      );
    }
  });
}

/**
 * Whether the grants of manifest.imports admit the import, and if not because of a custom
 * capability, which. When both an exact grant and a `*` grant match, every `requires` among them
 * must hold: `allow "m" "*"` beside `allow "m" "f" requires "x"` means f needs x, and the `*`
 * grant must not waive it; nor may an exact grant waive the `*` grant's requirement, which the
 * runtime applies to names that sort after `*` (it links by the first grant in the manifest's
 * sorted order).
 */
export function hostImportVerdict(manifest: Manifest, module: string, name: string): { allowed: boolean; missingCustom?: string } {
  return verdictOf(indexGrants(manifest.imports.filter((g) => g.module === module)).get(module), name, manifest);
}

/** One module's grants, by exact name and its `*` grants, each with its position in the manifest. */
interface ModuleGrants {
  byName: Map<string, Array<[position: number, grant: HostImportGrant]>>;
  wildcard: Array<[position: number, grant: HostImportGrant]>;
}

/** The verdict from the grants of the import's module (checkFacts indexes them once per check). */
function verdictOf(grants: ModuleGrants | undefined, name: string, manifest: Manifest): { allowed: boolean; missingCustom?: string } {
  // In manifest order, so that the first unmet requirement is the one a scan of the list finds.
  const matching = grants ? [...(grants.byName.get(name) ?? []), ...grants.wildcard].sort((a, b) => a[0] - b[0]) : [];
  if (matching.length === 0) return { allowed: false };
  for (const [, grant] of matching) {
    if (grant.requires !== null && !customGranted(manifest.custom, grant.requires)) return { allowed: false, missingCustom: grant.requires };
  }
  return { allowed: true };
}

/**
 * The policy's grants by module and name. Scanning every grant for every import made a check
 * quadratic: the inferred policy of a module with 100,000 host imports has 100,000 grants.
 */
function indexGrants(imports: readonly HostImportGrant[]): Map<string, ModuleGrants> {
  const index = new Map<string, ModuleGrants>();
  imports.forEach((grant, position) => {
    let grants = index.get(grant.module);
    if (!grants) index.set(grant.module, (grants = { byName: new Map(), wildcard: [] }));
    const entry: [number, HostImportGrant] = [position, grant];
    if (grant.name === '*') grants.wildcard.push(entry);
    else {
      const list = grants.byName.get(grant.name);
      if (list) list.push(entry);
      else grants.byName.set(grant.name, [entry]);
    }
  });
  return index;
}

/**
 * Host (and WASIX) imports that repeat an earlier import's module and name as another kind (a
 * function, then a memory), each mapped to that earlier import. A host answers a name with one
 * value, which cannot be both, so the runtime fails to link such a module. The same name
 * imported twice as functions (of any types) is fine: one host function serves both.
 */
export function importKindConflicts(imports: readonly ImportFact[]): Map<ImportFact, ImportFact> {
  const first = new Map<string, ImportFact>();
  const conflicts = new Map<ImportFact, ImportFact>();
  for (const imp of imports) {
    // A JSON pair: names are any UTF-8, so joining them with a separator could make two keys one.
    const key = JSON.stringify([imp.module, imp.name]);
    const earlier = first.get(key);
    if (!earlier) first.set(key, imp);
    else if (earlier.desc.kind !== imp.desc.kind) {
      // WASI names have one kind (a function), and a different one is a signature finding already.
      const kind = classifyImport(imp.module, imp.name).kind;
      if (kind === 'host' || kind === 'wasix') conflicts.set(imp, earlier);
    }
  }
  return conflicts;
}

/** `` `module` `name` `` for messages, invisible characters shown as escapes (visible-text.ts). */
export function importLabel(imp: { module: string; name: string }): string {
  return `\`${visibleText(imp.module)}\` \`${visibleText(imp.name)}\``;
}

/** A custom capability is granted when it exists and its value is truthy (true, nonzero, non-empty). */
function customGranted(custom: CustomCapability[], name: string): boolean {
  const capability = custom.find((c) => c.name === name);
  if (!capability) return false;
  switch (capability.type) {
    case 'boolean':
      return capability.value;
    case 'number':
      return capability.value !== 0;
    case 'string':
      return capability.value !== '';
    case 'string-list':
      return capability.value.length > 0;
  }
}

function grantHint(capability: Capability): string {
  switch (capability) {
    case 'filesystem.any':
    case 'filesystem.read':
      return ' (`filesystem { read "./data" as "/data" }`)';
    case 'filesystem.write':
      return ' (`filesystem { write "./out" as "/out" }`)';
    case 'filesystem.create':
      return ' (`filesystem { write "./out" as "/out" create }`)';
    case 'filesystem.delete':
      return ' (`filesystem { write "./out" as "/out" delete }`)';
    case 'environment':
      return ' (`env allow ["NAME"]`)';
    case 'time.set':
      return ' (`time full`)';
    case 'random':
      return ' (`random pseudo`)';
    case 'network':
      return ' (`network { allow loopback }`)';
    case 'process':
      return ' (`process allow ["command"]`)';
    case 'time.read':
    case 'threads':
      return '';
  }
}

function compareCapabilities(a: Capability, b: Capability): number {
  // ALL_CAPABILITIES lists the capabilities in the order findings and summaries present them.
  return ALL_CAPABILITIES.indexOf(a) - ALL_CAPABILITIES.indexOf(b);
}

function offsetOf(d: Diagnostic): number {
  const s = d.span as ByteSpan | undefined;
  return s?.byteOffset ?? Number.MAX_SAFE_INTEGER;
}

function emptySummary(file: string, findings: Diagnostic[]): CheckSummary {
  return {
    file,
    imports: 0,
    wasiImports: 0,
    hostImports: 0,
    capabilities: [],
    memories: 0,
    tables: 0,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'info').length,
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30 && bytes % (1 << 30) === 0) return `${bytes / (1 << 30)} GiB`;
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} bytes`;
}

export { RESERVED_IMPORT_MODULES };
