// Stage 5: checked AST -> ManifestInput -> normalized Manifest. `policyToInput` is a plain
// function of one checked AST. `compilePolicySource` runs every stage on a file and on the chain
// of files it extends: each file is compiled on its own, then the chain is laid base-first with
// mergeManifestInputs (capability areas replace whole, limits merge per field, imports and custom
// values merge by key; see docs/policy-language.md), and the result goes through normalize().
// Relative host paths of an extended file are made absolute against that file's own directory
// before merging, so a base policy means the same wherever it is extended from.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { mergeManifestInputs, normalize, type Manifest, type ManifestInput, type PreopenInput, type PresetName } from '@wsbc/manifest';
import type * as A from './ast.js';
import { checkPolicy, parseTimestamp } from './checker.js';
import { hasErrors, policyDiagnostic } from './diagnostics.js';
import { parsePolicy, sortDiagnostics } from './parse.js';
import { LIMIT_SETTINGS, PRESET_NAMES } from './schema.js';
import { quantityBase } from './units.js';

export interface CompileResult {
  ok: boolean;
  manifest?: Manifest;
  diagnostics: Diagnostic[];
  /** Every file text read, keyed by the file name used in spans (for code frames). */
  sources: Map<string, string>;
  /** The AST of the compiled file (not of the files it extends). */
  ast?: A.PolicyFile;
}

export interface CompileSourceOptions {
  /** The name used in spans and to resolve `extends "./x.wsp"` (relative to its directory). */
  file: string;
  /** Directory that relative host paths and extends paths are resolved against; defaults to the file's directory. */
  baseDir?: string;
  /** Host directory a `$TMPDIR` path names; os.tmpdir() when absent. */
  tmpDir?: string;
  /** Reads an extended file; undefined when it cannot be read. Defaults to the file system. */
  readFile?: (path: string) => string | undefined;
}

/** A deterministic clock advances 1 ms per read unless `step` says otherwise. */
const DEFAULT_STEP_NS = 1_000_000;

/**
 * A policy file's text, or undefined when it cannot be read. Only a regular file is read: a
 * policy under review may say `extends "/dev/stdin"` (the compiler would wait forever), a FIFO
 * (opening it blocks until a writer comes) or `"/dev/zero"` (reading never ends). The open does
 * not block, and the type is taken from the descriptor, so nothing can be swapped in between.
 */
function readFromDisk(p: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(p, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Resolves a host path of an extended file against its directory, keeping `$TMPDIR` paths symbolic. */
function absoluteHostPath(hostPath: string, dir: string): string {
  if (hostPath === '$TMPDIR' || hostPath.startsWith('$TMPDIR/')) return hostPath;
  return path.resolve(dir, hostPath);
}

/**
 * The ManifestInput one checked policy file states, without its extends chain. Call only on an
 * AST the checker accepted (every quantity converts). Relative host paths are resolved against
 * `hostPathDir` when it is given, else left relative for normalize().
 */
export function policyToInput(file: A.PolicyFile, hostPathDir?: string): ManifestInput {
  const input: ManifestInput = {};
  const policy = file.policy;
  if (!policy) return input;
  if (policy.name) input.name = policy.name.value;
  const target = policy.extends?.target;
  if (target?.kind === 'PresetRef' && (PRESET_NAMES as readonly string[]).includes(target.name)) input.preset = target.name as PresetName;
  for (const block of policy.blocks) {
    switch (block.kind) {
      case 'Network':
        if (block.mode) input.network = { mode: block.mode.value, loopback: block.mode.value === 'full', hosts: [], ports: [] };
        else {
          const hosts: NonNullable<NonNullable<ManifestInput['network']>['hosts']> = [];
          const ports: Array<{ from: number; to: number }> = [];
          let loopback = false;
          for (const rule of block.rules) {
            if (rule.kind === 'AllowLoopback') loopback = true;
            else if (rule.kind === 'AllowPorts') for (const p of rule.ports) ports.push(portRange(p));
            else hosts.push({ host: rule.host.value, ports: rule.ports ? rule.ports.map(portRange) : [], secure: rule.secure !== null });
          }
          input.network = { mode: 'restricted', loopback, hosts, ports };
        }
        break;
      case 'Filesystem':
        input.filesystem = { preopens: filesystemPreopens(block, hostPathDir) };
        break;
      case 'Env':
        input.environment = { mode: block.mode.value, names: (block.names ?? []).map((n) => n.value) };
        break;
      case 'Process':
        input.process = { mode: block.mode.value, commands: (block.commands ?? []).map((n) => n.value) };
        break;
      case 'Time': {
        let deterministic: { startMs: number; stepNs: number } | null = null;
        const d = block.deterministic;
        if (d) {
          const startMs = d.start === null ? 0 : d.start.kind === 'Number' ? d.start.value : (parseTimestamp(d.start.value) ?? 0);
          const stepNs = d.step === null ? DEFAULT_STEP_NS : (quantityBase(d.step) ?? DEFAULT_STEP_NS);
          deterministic = { startMs, stepNs };
        }
        input.time = { mode: block.mode.value, deterministic };
        break;
      }
      case 'Random':
        input.random = { mode: block.mode.value, seed: block.seed ? block.seed.value : null };
        break;
      case 'Imports':
        input.imports = [
          ...(input.imports ?? []),
          ...block.entries.map((e) => ({ module: e.module.value, name: e.name.value, requires: e.requires ? e.requires.value : null })),
        ];
        break;
      case 'Custom':
        (input.custom ??= []).push(customCapability(block));
        break;
      case 'Limits':
        input.limits = limitsInput(block, input.limits ?? {});
        break;
      case 'Audit':
        input.audit = { decisions: block.decisions.value };
        break;
    }
  }
  return input;
}

function portRange(p: A.PortRange): { from: number; to: number } {
  return { from: p.from.value, to: p.to.value };
}

function byteValue(v: A.Quantity | A.Keyword): number | null {
  return v.kind === 'Keyword' ? null : (quantityBase(v) ?? null);
}

function filesystemPreopens(block: A.FilesystemBlock, hostPathDir: string | undefined): PreopenInput[] {
  let allowCreate = false;
  let allowDelete = false;
  let defaultMax: number | null | undefined;
  for (const e of block.entries) {
    if (e.kind === 'FsAllow') {
      if (e.what.value === 'create') allowCreate = true;
      else allowDelete = true;
    } else if (e.kind === 'FsMaxFileSize') defaultMax = byteValue(e.value);
  }
  const out: PreopenInput[] = [];
  for (const e of block.entries) {
    if (e.kind !== 'DirGrant') continue;
    const write = e.access.value !== 'read';
    const preopen: PreopenInput = {
      hostPath: hostPathDir === undefined ? e.hostPath.value : absoluteHostPath(e.hostPath.value, hostPathDir),
      read: e.access.value !== 'write',
      write,
      create: write && (e.create !== null || allowCreate),
      delete: write && (e.delete !== null || allowDelete),
    };
    if (e.guestPath) preopen.guestPath = e.guestPath.value;
    const max = e.maxFileSize ? byteValue(e.maxFileSize) : write ? defaultMax : undefined;
    if (max !== undefined) preopen.maxFileSize = max;
    out.push(preopen);
  }
  return out;
}

function customCapability(block: A.CustomDecl): NonNullable<ManifestInput['custom']>[number] {
  const name = block.name.value;
  const v = block.value;
  switch (v.kind) {
    case 'Bool':
      return { name, type: 'boolean', value: v.value };
    case 'Number':
      return { name, type: 'number', value: v.value, min: block.range ? block.range.min.value : null, max: block.range ? block.range.max.value : null };
    case 'String':
      return { name, type: 'string', value: v.value };
    case 'StringList':
      return { name, type: 'string-list', value: v.items.map((i) => i.value) };
  }
}

function limitsInput(block: A.LimitsBlock, limits: NonNullable<ManifestInput['limits']>): NonNullable<ManifestInput['limits']> {
  for (const entry of block.entries) {
    for (const setting of entry.settings) {
      const spec = LIMIT_SETTINGS[entry.category.value][setting.name?.value ?? ''];
      if (!spec) continue;
      let value: unknown;
      if (spec.type === 'choice') value = setting.value.kind === 'Keyword' ? spec.values[setting.value.value] : undefined;
      else value = setting.value.kind === 'Keyword' ? null : quantityBase(setting.value);
      if (value === undefined) continue;
      if (spec.target[0] === 'fuel') limits.fuel = value as number | null;
      else {
        const [group, field] = spec.target;
        const section = ((limits as Record<string, Record<string, unknown> | undefined>)[group] ??= {});
        section[field] = value;
      }
    }
  }
  return limits;
}

// ---------------------------------------------------------------- whole-file compilation

interface Unit {
  input?: ManifestInput;
  ast: A.PolicyFile;
}

interface ChainLink {
  /** Absolute path, the identity of a file in the chain. */
  absolute: string;
  /** The name used in spans. */
  display: string;
  /** The `extends` clause that led to the next file. */
  extendsSpan?: TextSpan;
}

class ChainCompiler {
  readonly diagnostics: Diagnostic[] = [];
  readonly sources = new Map<string, string>();
  /** Every import grant of the chain, for the `requires` check after merging. */
  readonly imports: A.ImportAllow[] = [];
  /** The ASTs of the chain, the compiled file first, then each file it extends. */
  readonly chain: A.PolicyFile[] = [];

  constructor(private readonly readFile: (p: string) => string | undefined) {}

  compile(text: string, link: ChainLink, chain: ChainLink[], hostPathDir: string | undefined, readDir: string): Unit {
    this.sources.set(link.display, text);
    const { ast, diagnostics } = parsePolicy(text, link.display);
    this.chain.push(ast);
    // The checker runs even after syntax errors: the lowering left holes, not half-built nodes.
    const checked = checkPolicy(ast);
    // One file's diagnostics in source order. No `push(...xs)`: a hostile file can yield more
    // diagnostics than a call may take arguments.
    for (const d of sortDiagnostics([...diagnostics, ...checked])) this.diagnostics.push(d);
    const ok = !hasErrors(diagnostics) && !hasErrors(checked);
    for (const block of ast.policy?.blocks ?? []) if (block.kind === 'Imports') for (const e of block.entries) this.imports.push(e);

    let base: ManifestInput | undefined = {};
    const target = ast.policy?.extends?.target;
    if (target?.kind === 'FileRef' && target.path.value.trim() !== '') {
      const ref = target.path.value;
      const absolute = path.resolve(readDir, ref);
      const display = path.isAbsolute(ref) ? ref : path.normalize(path.join(path.dirname(link.display), ref));
      const here: ChainLink = { ...link, extendsSpan: target.span };
      const loopStart = chain.findIndex((l) => l.absolute === absolute);
      if (loopStart !== -1 || absolute === link.absolute) {
        const cycle = [...chain.slice(loopStart === -1 ? chain.length : loopStart), here];
        const names = [...cycle.map((l) => l.display), cycle[0]!.display];
        this.diagnostics.push(
          policyDiagnostic('policy/extends-cycle', `policies extend each other in a cycle: ${names.join(' -> ')}`, target.span, {
            help: 'move the shared settings into a base policy that extends none of them',
            related: cycle.slice(0, -1).map((l) => ({ message: `${l.display} extends the next file here`, span: l.extendsSpan! })),
          }),
        );
        base = undefined;
      } else {
        let baseText: string | undefined;
        try {
          baseText = this.readFile(absolute);
        } catch {
          // A caller's reader that throws is treated like a missing file, never as a crash.
          baseText = undefined;
        }
        if (baseText === undefined) {
          this.diagnostics.push(policyDiagnostic('policy/extends-not-found', `cannot read "${ref}" (looked for ${absolute})`, target.path.span, { help: 'paths in `extends` are relative to the directory of the file that names them' }));
          base = undefined;
        } else {
          const dir = path.dirname(absolute);
          const unit = this.compile(baseText, { absolute, display }, [...chain, here], dir, dir);
          base = unit.input;
        }
      }
    }
    if (!ok || base === undefined) return { ast };
    return { ast, input: mergeManifestInputs(base, policyToInput(ast, hostPathDir)) };
  }
}

/** Compiles `.wsp` source (and every file it extends) to a normalized manifest. */
export function compilePolicySource(text: string, options: CompileSourceOptions): CompileResult {
  const readDir = options.baseDir ?? path.dirname(path.resolve(options.file));
  const compiler = new ChainCompiler(options.readFile ?? readFromDisk);
  const top: ChainLink = { absolute: path.resolve(readDir, path.basename(options.file)), display: options.file };
  const unit = compiler.compile(text, top, [], undefined, readDir);
  const diagnostics = compiler.diagnostics;
  const result: CompileResult = { ok: false, diagnostics, sources: compiler.sources, ast: unit.ast };
  if (!unit.input || hasErrors(diagnostics)) return result;

  const declared = new Set((unit.input.custom ?? []).map((c) => c.name));
  const merged = new Set((unit.input.imports ?? []).map((i) => JSON.stringify([i.module, i.name, i.requires ?? null])));
  for (const grant of compiler.imports) {
    const req = grant.requires;
    // Only grants that survived the merge count (an override may have replaced a base's grant).
    if (!req || declared.has(req.value) || !merged.has(JSON.stringify([grant.module.value, grant.name.value, req.value]))) continue;
    diagnostics.push(
      policyDiagnostic('policy/requires-unknown-custom', `import "${grant.module.value}" "${grant.name.value}" requires custom value "${req.value}", which is not declared`, req.span, {
        help: `declare it: custom "${req.value}" = true`,
      }),
    );
  }
  if (hasErrors(diagnostics)) return result;

  const normalized = normalize(unit.input, { baseDir: readDir, ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}) });
  // normalize() points into the manifest input by JSON pointer (`data.path`); map that back to
  // the statement of the policy chain that set the value, so renderers show the right line.
  for (const d of normalized.diagnostics) {
    const pointer = typeof d.data?.path === 'string' ? d.data.path : '';
    const span = d.span ? undefined : spanForPointer(pointer, unit.input, compiler.chain);
    diagnostics.push(span ? { ...d, span } : d);
  }
  if (!normalized.ok) return result;
  return { ...result, ok: !hasErrors(diagnostics), manifest: normalized.value };
}

const AREA_BLOCKS: Record<string, A.BlockKind> = {
  network: 'Network',
  filesystem: 'Filesystem',
  environment: 'Env',
  process: 'Process',
  time: 'Time',
  random: 'Random',
  audit: 'Audit',
};

/**
 * The span of the statement that gave the value at a JSON pointer of the merged input: the first
 * file of the chain (the extending one wins a merge) that states it. Falls back to the compiled
 * policy's header.
 */
function spanForPointer(pointer: string, input: ManifestInput, chain: A.PolicyFile[]): TextSpan | undefined {
  const [area, second, third] = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const blocks = chain.flatMap((f) => f.policy?.blocks ?? []);
  const header = chain[0]?.policy ? (chain[0].policy.name?.span ?? chain[0].policy.keyword.span) : undefined;
  if (area === 'limits' && second !== undefined) {
    for (const block of blocks) {
      if (block.kind !== 'Limits') continue;
      for (const entry of block.entries) {
        for (const setting of entry.settings) {
          const spec = LIMIT_SETTINGS[entry.category.value][setting.name?.value ?? ''];
          const target = spec?.target;
          if (target && (second === 'fuel' ? target[0] === 'fuel' : target[0] === second && target[1] === third)) return setting.span;
        }
      }
    }
  }
  if (area === 'imports' && second !== undefined) {
    const grant = input.imports?.[Number(second)];
    for (const block of blocks) {
      if (block.kind !== 'Imports') continue;
      const found = block.entries.find((e) => grant && e.module.value === grant.module && e.name.value === grant.name);
      if (found) return found.span;
    }
  }
  if (area === 'custom' && second !== undefined) {
    const name = input.custom?.[Number(second)]?.name;
    const found = blocks.find((b): b is A.CustomDecl => b.kind === 'Custom' && b.name.value === name);
    if (found) return found.span;
  }
  const kind = area !== undefined ? AREA_BLOCKS[area] : undefined;
  const block = kind ? blocks.find((b) => b.kind === kind) : undefined;
  if (block?.kind === 'Filesystem' && second === 'preopens' && third !== undefined) {
    const dir = block.entries.filter((e): e is A.DirGrant => e.kind === 'DirGrant')[Number(third)];
    if (dir) return dir.span;
  }
  return block?.span ?? header;
}

/** Reads and compiles a policy file. An unreadable file is an `input/unreadable` diagnostic. */
export function compilePolicyFile(file: string, options: { tmpDir?: string } = {}): CompileResult {
  const text = readFromDisk(file);
  if (text === undefined) {
    return {
      ok: false,
      diagnostics: [{ code: 'input/unreadable', severity: 'error', message: `cannot read ${file}` }],
      sources: new Map(),
    };
  }
  return compilePolicySource(text, { file, ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}) });
}
