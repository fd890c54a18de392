// normalize(): turns a ManifestInput (from the policy compiler or an embedder) into the one
// canonical Manifest with that meaning. Two inputs that mean the same thing give byte-identical
// canonical JSON, and so the same hash. The steps:
//   1. shape check of the raw input (unknown fields, objects and arrays where expected), so
//      that typos are reported instead of silently dropped by the merge;
//   2. the input is laid over its preset (minimal when absent) with mergeManifestInputs();
//   3. every field is type- and range-checked and brought to normal form: defaults filled,
//      host paths absolute and cleaned, preopens merged per guest path, lists sorted and
//      de-duplicated, port ranges merged, host names lower-cased, modes derived from their lists;
//   4. the result is built in the fixed key order of canonical JSON.
// Problems are diagnostics with the JSON pointer of the input value in `data.path`; this
// function never throws on bad input.
import os from 'node:os';
import path from 'node:path';
import type { Result } from '@wsbc/diagnostics';
import type { ManifestInput, PresetName } from './input.js';
import { MANIFEST_VERSION } from './types.js';
import type {
  AuditSettings,
  CustomCapability,
  EnvironmentCapability,
  FilesystemCapability,
  HostGrant,
  HostImportGrant,
  Limits,
  Manifest,
  NetworkCapability,
  PortRange,
  Preopen,
  ProcessCapability,
  RandomCapability,
  TimeCapability,
} from './types.js';
import { mergeManifestInputs } from './merge.js';
import { PRESETS, PRESET_NAMES, isPresetName } from './presets.js';
import { Problems, compareStrings, displayPath, pointerJoin } from './problems.js';
import { checkInputShape } from './input-shape.js';

export interface NormalizeOptions {
  /** Directory relative host paths are resolved against (the policy file's directory). */
  baseDir: string;
  /** Host directory that a `$TMPDIR` path prefix names; os.tmpdir() when absent. */
  tmpDir?: string;
}

/** Bounds shared by normalize() and the JSON Schema. */
export const LIMITS = {
  maxPort: 65_535,
  maxPages: 65_536,
  maxU32: 4_294_967_295,
  maxSafe: Number.MAX_SAFE_INTEGER,
  /**
   * Most nested guest calls a stack guard can be asked for: beyond it every engine overflows its
   * own stack first, so the guard would never fire. The instrumenter takes the same bound.
   */
  maxStackDepth: 1_000_000,
} as const;

type Obj = Record<string, unknown>;

export function normalize(input: ManifestInput, options: NormalizeOptions): Result<Manifest> {
  return normalizeInto(new Problems(), input, options);
}

/** normalize(), reporting into the caller's problems (validateManifest() lists only so many). */
export function normalizeInto(problems: Problems, input: ManifestInput, options: NormalizeOptions): Result<Manifest> {
  checkInputShape(input, problems);
  if (problems.hasErrors) return { ok: false, diagnostics: problems.list };

  const presetName: PresetName = input.preset ?? 'minimal';
  if (!isPresetName(presetName)) {
    const suggestion = problems.suggest(String(presetName), PRESET_NAMES);
    problems.error(
      'manifest/unknown-preset',
      '/preset',
      `unknown preset "${String(presetName)}"`,
      suggestion ? `did you mean "${suggestion}"? Presets: ${PRESET_NAMES.join(', ')}` : `presets: ${PRESET_NAMES.join(', ')}`,
    );
    return { ok: false, diagnostics: problems.list };
  }
  // INVARIANT: PRESETS.minimal gives every field, so after these merges every area and limit
  // exists; a value that came from a preset is valid, so every problem found below points into
  // the caller's input.
  let merged = PRESETS.minimal;
  if (presetName !== 'minimal') merged = mergeManifestInputs(merged, PRESETS[presetName]);
  merged = mergeManifestInputs(merged, input);

  const version = (input as { version?: unknown }).version;
  if (version !== undefined && version !== MANIFEST_VERSION) {
    problems.error(
      'manifest/unsupported-version',
      '/version',
      `manifest format version ${JSON.stringify(version)} is not supported (this wsbc reads version ${MANIFEST_VERSION})`,
    );
  }

  const n = new Normalizer(problems, options);
  const custom = n.custom(merged.custom as unknown[]);
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    name: n.string('/name', merged.name ?? ''),
    network: n.network(merged.network as Obj),
    filesystem: n.filesystem(merged.filesystem as Obj),
    environment: n.environment(merged.environment as Obj),
    process: n.process(merged.process as Obj),
    time: n.time(merged.time as Obj),
    random: n.random(merged.random as Obj),
    imports: n.imports(merged.imports as unknown[], custom),
    custom,
    limits: n.limits(merged.limits as Obj),
    audit: n.audit(merged.audit as Obj),
  };
  if (problems.hasErrors) return { ok: false, diagnostics: problems.list };
  return { ok: true, value: manifest, diagnostics: problems.list };
}

interface IntRange {
  min: number;
  max: number;
}

class Normalizer {
  private readonly tmpDir: string;

  constructor(
    private readonly problems: Problems,
    private readonly options: NormalizeOptions,
  ) {
    this.tmpDir = options.tmpDir ?? os.tmpdir();
  }

  // ------------------------------------------------------------ scalars

  string(pointer: string, value: unknown): string {
    if (typeof value === 'string') return value;
    this.typeError(pointer, 'a string', value);
    return '';
  }

  boolean(pointer: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.typeError(pointer, 'true or false', value);
    return fallback;
  }

  integer(pointer: string, value: unknown, range: IntRange): number {
    if (typeof value !== 'number') {
      this.typeError(pointer, `an integer from ${range.min} to ${range.max}`, value);
      return range.min;
    }
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      this.problems.error(
        'manifest/out-of-range',
        pointer,
        `${displayPath(pointer)} must be an integer from ${range.min} to ${range.max} (got ${String(value)})`,
        undefined,
        { min: range.min, max: range.max, value },
      );
      return range.min;
    }
    // -0 and 0 mean the same; keep one spelling.
    return value === 0 ? 0 : value;
  }

  nullableInteger(pointer: string, value: unknown, range: IntRange): number | null {
    if (value === null) return null;
    return this.integer(pointer, value, range);
  }

  choice<T extends string>(pointer: string, value: unknown, choices: readonly T[]): T {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    if (typeof value !== 'string') {
      this.typeError(pointer, `one of ${choices.map((c) => `"${c}"`).join(', ')}`, value);
    } else {
      const suggestion = this.problems.suggest(value, choices);
      this.problems.error(
        'manifest/unknown-value',
        pointer,
        `${displayPath(pointer)} must be one of ${choices.map((c) => `"${c}"`).join(', ')} (got "${value}")`,
        suggestion ? `did you mean "${suggestion}"?` : undefined,
      );
    }
    return choices[0]!;
  }

  private typeError(pointer: string, expected: string, value: unknown): void {
    this.problems.error('manifest/invalid-type', pointer, `${displayPath(pointer)} must be ${expected} (got ${describe(value)})`);
  }

  private array(pointer: string, value: unknown): unknown[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    this.typeError(pointer, 'a list', value);
    return [];
  }

  private object(pointer: string, value: unknown): Obj | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Obj;
    this.typeError(pointer, 'an object', value);
    return undefined;
  }

  private nameString(pointer: string, value: unknown, what: string, invalid: RegExp): string {
    const text = this.string(pointer, value);
    if (typeof value === 'string' && (text === '' || invalid.test(text))) {
      this.problems.error('manifest/invalid-name', pointer, `${displayPath(pointer)} is not a valid ${what} (got ${JSON.stringify(text)})`);
    }
    return text;
  }

  // ------------------------------------------------------------ network

  network(area: Obj): NetworkCapability {
    const base = '/network';
    const modeGiven = area.mode !== undefined;
    const mode = modeGiven ? this.choice(`${base}/mode`, area.mode, ['none', 'restricted', 'full'] as const) : undefined;
    const loopback = this.boolean(`${base}/loopback`, area.loopback, false);
    const ports = this.portRanges(`${base}/ports`, area.ports);
    const hosts = this.hosts(`${base}/hosts`, area.hosts);
    const granted = loopback || hosts.length > 0 || ports.length > 0;

    if (mode === 'full') {
      if (hosts.length > 0 || ports.length > 0) this.ignoredGrant(base, 'network', 'full', 'hosts and ports');
      return { mode: 'full', loopback: true, hosts: [], ports: [] };
    }
    if (mode === 'none') {
      if (granted) this.ignoredGrant(base, 'network', 'none', 'loopback, hosts and ports');
      return { mode: 'none', loopback: false, hosts: [], ports: [] };
    }
    // `restricted` with nothing granted allows nothing: that is mode none, spelled one way.
    if (!granted) return { mode: 'none', loopback: false, hosts: [], ports: [] };
    return { mode: 'restricted', loopback, hosts, ports };
  }

  private ignoredGrant(pointer: string, area: string, mode: string, lists: string): void {
    this.problems.warning(
      'manifest/ignored-grant',
      pointer,
      `${area} mode is "${mode}", so its ${lists} are ignored`,
      mode === 'none' ? `remove the mode to grant only what the lists name` : `remove the lists, or drop "${mode}" to grant only what they name`,
    );
  }

  portRanges(pointer: string, value: unknown): PortRange[] {
    const ranges: PortRange[] = [];
    this.array(pointer, value).forEach((item, index) => {
      const at = pointerJoin(pointer, index);
      const range = this.object(at, item);
      if (!range) return;
      const port = { min: 0, max: LIMITS.maxPort };
      const from = this.integer(`${at}/from`, range.from, port);
      const to = range.to === undefined ? from : this.integer(`${at}/to`, range.to, port);
      if (from > to) {
        this.problems.error(
          'manifest/port-range-reversed',
          at,
          `port range ${from}..${to} starts after it ends`,
          `write ${to}..${from}`,
          { from, to },
        );
        return;
      }
      ranges.push({ from, to });
    });
    return mergePortRanges(ranges);
  }

  private hosts(pointer: string, value: unknown): HostGrant[] {
    // Grants for the same (host, secure) pair merge: their port sets unite.
    const byKey = new Map<string, HostGrant>();
    this.array(pointer, value).forEach((item, index) => {
      const at = pointerJoin(pointer, index);
      const grant = this.object(at, item);
      if (!grant) return;
      const host = this.hostName(`${at}/host`, grant.host);
      let ports = this.portRanges(`${at}/ports`, grant.ports);
      // 0..65535 is every port, which a host grant spells as the empty list.
      if (ports.length === 1 && ports[0]!.from === 0 && ports[0]!.to === LIMITS.maxPort) ports = [];
      const secure = this.boolean(`${at}/secure`, grant.secure, false);
      const key = `${host}\u0000${secure}`;
      const previous = byKey.get(key);
      if (!previous) {
        byKey.set(key, { host, ports, secure });
      } else {
        // An empty port list means every port, which absorbs any other list.
        const everyPort = previous.ports.length === 0 || ports.length === 0;
        previous.ports = everyPort ? [] : mergePortRanges([...previous.ports, ...ports]);
        const [only] = previous.ports;
        if (previous.ports.length === 1 && only!.from === 0 && only!.to === LIMITS.maxPort) previous.ports = [];
      }
    });
    return [...byKey.values()].sort((a, b) => compareStrings(a.host, b.host) || Number(a.secure) - Number(b.secure));
  }

  private hostName(pointer: string, value: unknown): string {
    const raw = this.string(pointer, value);
    if (typeof value !== 'string') return raw;
    const cleaned = cleanHostName(raw);
    const problem = hostProblem(raw);
    if (problem) {
      this.problems.error('manifest/invalid-host', pointer, `${JSON.stringify(raw)} is not a valid host: ${problem.message}`, problem.help);
    }
    return cleaned;
  }

  // ------------------------------------------------------------ filesystem

  filesystem(area: Obj): FilesystemCapability {
    const pointer = '/filesystem/preopens';
    interface Entry extends Preopen {
      at: string;
      createAt?: string;
      deleteAt?: string;
      maxFileSizeGiven: boolean;
    }
    const byGuest = new Map<string, Entry>();
    this.array(pointer, area.preopens).forEach((item, index) => {
      const at = pointerJoin(pointer, index);
      const entry = this.object(at, item);
      if (!entry) return;
      const hostPath = this.hostPath(`${at}/hostPath`, entry.hostPath);
      const guestPath = entry.guestPath === undefined ? hostPath : this.guestPath(`${at}/guestPath`, entry.guestPath);
      const read = this.boolean(`${at}/read`, entry.read, false);
      const write = this.boolean(`${at}/write`, entry.write, false);
      const create = this.boolean(`${at}/create`, entry.create, false);
      const remove = this.boolean(`${at}/delete`, entry.delete, false);
      const maxFileSizeGiven = entry.maxFileSize !== undefined && entry.maxFileSize !== null;
      const maxFileSize =
        entry.maxFileSize === undefined ? null : this.nullableInteger(`${at}/maxFileSize`, entry.maxFileSize, { min: 0, max: LIMITS.maxSafe });

      const previous = byGuest.get(guestPath);
      if (!previous) {
        const created: Entry = { hostPath, guestPath, read, write, create, delete: remove, maxFileSize, at, maxFileSizeGiven };
        if (create) created.createAt = `${at}/create`;
        if (remove) created.deleteAt = `${at}/delete`;
        byGuest.set(guestPath, created);
        return;
      }
      if (previous.hostPath !== hostPath) {
        this.problems.error(
          'manifest/preopen-conflict',
          `${at}/hostPath`,
          `guest path ${guestPath} is mapped to two host directories: ${previous.hostPath} and ${hostPath}`,
          'give one of them a different guest path',
          { guestPath, hostPaths: [previous.hostPath, hostPath], other: previous.at },
        );
        return;
      }
      // One directory granted twice (read in one entry, write in another) is one preopen with
      // the union of the rights; of several file size caps the tightest applies.
      previous.read ||= read;
      previous.write ||= write;
      if (create && !previous.create) previous.createAt = `${at}/create`;
      if (remove && !previous.delete) previous.deleteAt = `${at}/delete`;
      previous.create ||= create;
      previous.delete ||= remove;
      if (maxFileSizeGiven) {
        previous.maxFileSize = previous.maxFileSizeGiven ? Math.min(previous.maxFileSize ?? Infinity, maxFileSize!) : maxFileSize;
        previous.maxFileSizeGiven = true;
      }
    });

    const preopens: Preopen[] = [];
    for (const entry of byGuest.values()) {
      if (!entry.read && !entry.write) {
        this.problems.error(
          'manifest/preopen-without-access',
          entry.at,
          `directory ${entry.hostPath} is granted with neither read nor write access`,
          'grant read, write or both',
        );
      }
      if (entry.create && !entry.write) {
        this.problems.error(
          'manifest/create-without-write',
          entry.createAt ?? entry.at,
          `directory ${entry.hostPath} allows create but is not writable`,
          'grant write as well: write is never implied by create',
        );
      }
      if (entry.delete && !entry.write) {
        this.problems.error(
          'manifest/delete-without-write',
          entry.deleteAt ?? entry.at,
          `directory ${entry.hostPath} allows delete but is not writable`,
          'grant write as well: write is never implied by delete',
        );
      }
      preopens.push({
        hostPath: entry.hostPath,
        guestPath: entry.guestPath,
        read: entry.read,
        write: entry.write,
        create: entry.create,
        delete: entry.delete,
        // A size cap limits writes; on a directory that cannot be written it means nothing.
        maxFileSize: entry.write ? entry.maxFileSize : null,
      });
    }
    preopens.sort((a, b) => compareStrings(a.guestPath, b.guestPath));
    return { preopens };
  }

  private hostPath(pointer: string, value: unknown): string {
    const raw = this.string(pointer, value);
    if (typeof value !== 'string') return raw;
    if (raw === '') {
      this.problems.error('manifest/unclean-path', pointer, `${displayPath(pointer)} is empty`, 'use "." for the base directory');
      return raw;
    }
    if (raw.includes('\0')) return this.nulInPath(pointer, raw);
    let expanded = raw;
    if (raw === '$TMPDIR' || raw.startsWith('$TMPDIR/')) expanded = this.tmpDir + raw.slice('$TMPDIR'.length);
    return path.resolve(this.options.baseDir, expanded);
  }

  private guestPath(pointer: string, value: unknown): string {
    const raw = this.string(pointer, value);
    if (typeof value !== 'string') return raw;
    if (!raw.startsWith('/')) {
      this.problems.error(
        'manifest/invalid-guest-path',
        pointer,
        `guest path ${JSON.stringify(raw)} is not absolute`,
        `write "/${raw.replace(/^\.?\/*/, '')}"`,
      );
      return raw;
    }
    if (raw.includes('\0')) return this.nulInPath(pointer, raw);
    // posix.resolve cleans `.`, `..`, doubled and trailing slashes; `..` cannot climb above `/`.
    return path.posix.resolve('/', raw);
  }

  /**
   * No file system path holds a NUL, and code that reads C strings stops at it: `/a\0/../etc` would
   * be cleaned to `/etc` here but read as `/a` there, and `/data\0x` is `/data` to a guest, a
   * second preopen of one guest path that escapes the preopen-conflict check.
   */
  private nulInPath(pointer: string, raw: string): string {
    this.problems.error('manifest/unclean-path', pointer, `${displayPath(pointer)} contains a NUL character (got ${JSON.stringify(raw)})`);
    return raw;
  }

  // ------------------------------------------------------------ environment, process

  environment(area: Obj): EnvironmentCapability {
    const pointer = '/environment';
    const names = this.nameList(`${pointer}/names`, area.names, 'environment variable name', /[=\u0000]/);
    const mode = area.mode === undefined ? (names.length > 0 ? 'allow' : 'none') : this.choice(`${pointer}/mode`, area.mode, ['none', 'allow', 'deny', 'full'] as const);
    if (mode === 'none' || mode === 'full') {
      if (names.length > 0) this.ignoredGrant(pointer, 'environment', mode, 'names');
      return { mode, names: [] };
    }
    // Allowing no names is `none`; denying no names is `full`: one spelling per meaning.
    if (names.length === 0) return { mode: mode === 'allow' ? 'none' : 'full', names: [] };
    return { mode, names };
  }

  process(area: Obj): ProcessCapability {
    const pointer = '/process';
    const commands = this.nameList(`${pointer}/commands`, area.commands, 'command name', /\u0000/);
    const mode = area.mode === undefined ? (commands.length > 0 ? 'allow' : 'none') : this.choice(`${pointer}/mode`, area.mode, ['none', 'allow', 'full'] as const);
    if (mode === 'none' || mode === 'full') {
      if (commands.length > 0) this.ignoredGrant(pointer, 'process', mode, 'commands');
      return { mode, commands: [] };
    }
    if (commands.length === 0) return { mode: 'none', commands: [] };
    return { mode, commands };
  }

  private nameList(pointer: string, value: unknown, what: string, invalid: RegExp): string[] {
    const names = this.array(pointer, value).map((item, index) => this.nameString(pointerJoin(pointer, index), item, what, invalid));
    return [...new Set(names)].sort(compareStrings);
  }

  // ------------------------------------------------------------ time, random

  time(area: Obj): TimeCapability {
    const pointer = '/time';
    const mode = area.mode === undefined ? 'read-only' : this.choice(`${pointer}/mode`, area.mode, ['read-only', 'full'] as const);
    let deterministic: TimeCapability['deterministic'] = null;
    if (area.deterministic !== undefined && area.deterministic !== null) {
      const at = `${pointer}/deterministic`;
      const clock = this.object(at, area.deterministic);
      if (clock) {
        deterministic = {
          startMs: this.integer(`${at}/startMs`, clock.startMs, { min: 0, max: LIMITS.maxSafe }),
          stepNs: this.integer(`${at}/stepNs`, clock.stepNs, { min: 0, max: LIMITS.maxSafe }),
        };
      }
    }
    return { mode, deterministic };
  }

  random(area: Obj): RandomCapability {
    const pointer = '/random';
    const mode = area.mode === undefined ? 'pseudo' : this.choice(`${pointer}/mode`, area.mode, ['none', 'pseudo', 'secure'] as const);
    const seed = area.seed === undefined ? null : this.nullableInteger(`${pointer}/seed`, area.seed, { min: 0, max: LIMITS.maxU32 });
    if (seed !== null && mode !== 'pseudo') {
      this.problems.error(
        'manifest/seed-without-pseudo',
        `${pointer}/seed`,
        `a random seed is given but random mode is "${mode}"`,
        'a seed only applies to mode "pseudo"; remove the seed or change the mode',
      );
    }
    return { mode, seed: mode === 'pseudo' ? seed : null };
  }

  // ------------------------------------------------------------ imports, custom

  imports(value: unknown[], custom: CustomCapability[]): HostImportGrant[] {
    const pointer = '/imports';
    const declared = new Set(custom.map((c) => c.name));
    const byKey = new Map<string, HostImportGrant & { at: string }>();
    this.array(pointer, value).forEach((item, index) => {
      const at = pointerJoin(pointer, index);
      const grant = this.object(at, item);
      if (!grant) return;
      const module = this.nameString(`${at}/module`, grant.module, 'import module name', /^$/);
      const name = this.nameString(`${at}/name`, grant.name, 'import name', /^$/);
      const requires = grant.requires === undefined || grant.requires === null ? null : this.string(`${at}/requires`, grant.requires);
      if (requires !== null && !declared.has(requires)) {
        const suggestion = this.problems.suggest(requires, [...declared]);
        this.problems.error(
          'manifest/unknown-requirement',
          `${at}/requires`,
          `import ${module}.${name} requires custom capability "${requires}", which is not declared`,
          suggestion ? `did you mean "${suggestion}"?` : 'declare it in custom',
        );
      }
      // Import names are any UTF-8, NUL included, so joining them with a separator could make
      // two grants one key; a JSON pair cannot.
      const key = JSON.stringify([module, name]);
      const previous = byKey.get(key);
      if (!previous) {
        byKey.set(key, { module, name, requires, at });
      } else if (previous.requires !== requires) {
        this.problems.error(
          'manifest/conflicting-import',
          at,
          `import ${module}.${name} is granted twice, requiring ${describeRequirement(previous.requires)} and ${describeRequirement(requires)}`,
          'keep one grant',
          { other: previous.at },
        );
      }
    });
    return [...byKey.values()]
      .map(({ module, name, requires }) => ({ module, name, requires }))
      .sort((a, b) => compareStrings(a.module, b.module) || compareStrings(a.name, b.name));
  }

  custom(value: unknown[]): CustomCapability[] {
    const pointer = '/custom';
    const byName = new Map<string, { capability: CustomCapability; at: string }>();
    this.array(pointer, value).forEach((item, index) => {
      const at = pointerJoin(pointer, index);
      const entry = this.object(at, item);
      if (!entry) return;
      const capability = this.customCapability(at, entry);
      if (!capability) return;
      const previous = byName.get(capability.name);
      if (previous) {
        this.problems.error(
          'manifest/duplicate-custom',
          `${at}/name`,
          `custom capability "${capability.name}" is declared twice`,
          'keep one declaration',
          { other: previous.at },
        );
        return;
      }
      byName.set(capability.name, { capability, at });
    });
    return [...byName.values()].map((e) => e.capability).sort((a, b) => compareStrings(a.name, b.name));
  }

  private customCapability(at: string, entry: Obj): CustomCapability | undefined {
    const name = this.nameString(`${at}/name`, entry.name, 'custom capability name', /[\u0000-\u001f]/);
    const type = this.choice(`${at}/type`, entry.type, ['boolean', 'number', 'string', 'string-list'] as const);
    if (type !== 'number') {
      for (const bound of ['min', 'max'] as const) {
        if (entry[bound] !== undefined) {
          this.problems.error('manifest/unknown-field', `${at}/${bound}`, `${bound} applies only to number custom capabilities, not ${type}`);
        }
      }
    }
    switch (type) {
      case 'boolean':
        if (typeof entry.value !== 'boolean') this.typeError(`${at}/value`, 'true or false', entry.value);
        return { name, type, value: entry.value === true };
      case 'string':
        return { name, type, value: this.string(`${at}/value`, entry.value) };
      case 'string-list': {
        // Order is kept: a custom list is the host's data (a search path, say), not a set.
        const values = Array.isArray(entry.value)
          ? entry.value.map((v, i) => this.string(pointerJoin(`${at}/value`, i), v))
          : (this.typeError(`${at}/value`, 'a list of strings', entry.value), []);
        return { name, type, value: values };
      }
      case 'number': {
        const value = this.finite(`${at}/value`, entry.value);
        const min = entry.min === undefined || entry.min === null ? null : this.finite(`${at}/min`, entry.min);
        const max = entry.max === undefined || entry.max === null ? null : this.finite(`${at}/max`, entry.max);
        if (min !== null && max !== null && min > max) {
          this.problems.error(
            'manifest/custom-bounds-reversed',
            `${at}/min`,
            `custom capability "${name}" has minimum ${min} above its maximum ${max}`,
          );
        } else if ((min !== null && value < min) || (max !== null && value > max)) {
          this.problems.error(
            'manifest/custom-out-of-range',
            `${at}/value`,
            `custom capability "${name}" has value ${value} outside its range ${min ?? '-inf'}..${max ?? 'inf'}`,
            undefined,
            { min, max, value },
          );
        }
        return { name, type, value, min, max };
      }
    }
  }

  private finite(pointer: string, value: unknown): number {
    if (typeof value === 'number' && Number.isFinite(value)) return value === 0 ? 0 : value;
    this.typeError(pointer, 'a finite number', value);
    return 0;
  }

  // ------------------------------------------------------------ limits, audit

  limits(limits: Obj): Limits {
    const l = (group: string) => (limits[group] ?? {}) as Obj;
    const memory = l('memory');
    const cpu = l('cpu');
    const io = l('io');
    const time = l('time');
    const stack = l('stack');
    const pages = { min: 1, max: LIMITS.maxPages };
    const u32 = { min: 0, max: LIMITS.maxU32 };
    const positive = { min: 1, max: LIMITS.maxSafe };
    const natural = { min: 0, max: LIMITS.maxSafe };

    const before = this.problems.count;
    const maxPages = this.integer('/limits/memory/maxPages', memory.maxPages, pages);
    const reservedPages = this.integer('/limits/memory/reservedPages', memory.reservedPages, { min: 0, max: LIMITS.maxPages });
    // Compare the two only when both are valid, or one bad value would report twice.
    if (this.problems.count === before && reservedPages > maxPages) {
      this.problems.error(
        'manifest/reserved-exceeds-max',
        '/limits/memory/reservedPages',
        `reserved memory (${reservedPages} pages) exceeds the memory maximum (${maxPages} pages)`,
        'lower the reserved pages or raise the maximum',
      );
    }
    return {
      memory: {
        maxPages,
        reservedPages,
        maxGrowthPages: this.integer('/limits/memory/maxGrowthPages', memory.maxGrowthPages, pages),
        maxTables: this.integer('/limits/memory/maxTables', memory.maxTables, u32),
        maxTableElements: this.nullableInteger('/limits/memory/maxTableElements', memory.maxTableElements, u32),
        trapOnGrowFailure: this.boolean('/limits/memory/trapOnGrowFailure', memory.trapOnGrowFailure, false),
      },
      cpu: {
        maxExecutionMs: this.integer('/limits/cpu/maxExecutionMs', cpu.maxExecutionMs, positive),
        usagePercent: this.integer('/limits/cpu/usagePercent', cpu.usagePercent, { min: 1, max: 100 }),
        maxThreads: this.integer('/limits/cpu/maxThreads', cpu.maxThreads, { min: 1, max: LIMITS.maxU32 }),
      },
      io: {
        maxOpenFiles: this.integer('/limits/io/maxOpenFiles', io.maxOpenFiles, u32),
        readBytesPerSecond: this.nullableInteger('/limits/io/readBytesPerSecond', io.readBytesPerSecond, positive),
        writeBytesPerSecond: this.nullableInteger('/limits/io/writeBytesPerSecond', io.writeBytesPerSecond, positive),
        maxReadBytes: this.nullableInteger('/limits/io/maxReadBytes', io.maxReadBytes, natural),
        maxWriteBytes: this.nullableInteger('/limits/io/maxWriteBytes', io.maxWriteBytes, natural),
      },
      time: {
        maxTotalMs: this.integer('/limits/time/maxTotalMs', time.maxTotalMs, positive),
        maxIdleMs: this.integer('/limits/time/maxIdleMs', time.maxIdleMs, natural),
      },
      fuel: this.nullableInteger('/limits/fuel', limits.fuel, positive),
      stack: {
        maxDepth: this.nullableInteger('/limits/stack/maxDepth', stack.maxDepth, { min: 1, max: LIMITS.maxStackDepth }),
      },
    };
  }

  audit(audit: Obj): AuditSettings {
    return { decisions: this.choice('/audit/decisions', audit.decisions, ['all', 'denied', 'none'] as const) };
  }
}

/** Sorts ranges and merges those that overlap or touch (80..80 and 81..90 become 80..90). */
export function mergePortRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const out: PortRange[] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last && range.from <= last.to + 1) last.to = Math.max(last.to, range.to);
    else out.push({ from: range.from, to: range.to });
  }
  return out;
}

/**
 * Lower-cases, strips one trailing dot (`example.com.` is the same host) and IPv6 brackets, and
 * writes an IPv6 address in its one canonical text form (RFC 5952), so that `0::1` and `::1`,
 * the same address, are the same grant and give the same hash.
 */
export function cleanHostName(raw: string): string {
  let host = raw.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.') && host.length > 1) host = host.slice(0, -1);
  return host.includes(':') && isIpv6(host) ? canonicalIpv6(host) : host;
}

/**
 * RFC 5952: no leading zeros in a group, the longest run of two or more zero groups (the first
 * of equals) as `::`, and a dotted IPv4 tail kept as written (`::ffff:192.0.2.1`).
 */
function canonicalIpv6(host: string): string {
  const lastColon = host.lastIndexOf(':');
  const tail = host.slice(lastColon + 1).includes('.') ? host.slice(lastColon + 1) : undefined;
  // The tail stands for two groups while the address is expanded.
  const text = tail === undefined ? host : `${host.slice(0, lastColon + 1)}0:0`;
  const groupsOf = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const [left, right] = text.split('::').map(groupsOf);
  const groups = right === undefined ? left! : [...left!, ...new Array<string>(8 - left!.length - right.length).fill('0'), ...right];
  const values = groups.map((group) => parseInt(group, 16).toString(16)).slice(0, tail === undefined ? 8 : 6);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j < values.length && values[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const join = (parts: string[]): string => parts.join(':');
  const withTail = (text: string): string => (tail === undefined ? text : text === '' || text.endsWith(':') ? `${text}${tail}` : `${text}:${tail}`);
  if (bestStart === -1) return withTail(join(values));
  return withTail(`${join(values.slice(0, bestStart))}::${join(values.slice(bestStart + bestLength))}`);
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_HOST = { message: 'it contains non-ASCII characters', help: 'write the name in its punycode (xn--) form' };
// WHATWG URL parsers (and inet_aton) read a name whose last label is a decimal or 0x number as
// an IPv4 address: `0x7f.1` is 127.0.0.1, and `*.0.0.1` would match IP literals such as 127.0.0.1.
const NUMERIC_LABEL = /^([0-9]+|0x[0-9a-f]*)$/;

/** RFC 4291 text form: eight hex groups, one `::` standing for one or more zero groups, an optional dotted IPv4 tail. */
function isIpv6(host: string): boolean {
  const halves = host.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  let count = groups.length;
  // Only the last group of the text may be the IPv4 tail (`1.2.3.4::` has none).
  if (halves[halves.length - 1]!.split(':').pop()!.includes('.')) {
    if (!IPV4.test(groups.pop()!)) return false;
    count++;
  }
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * Why `raw` (as written: any case, a trailing dot, IPv6 in brackets) is not a host a grant may
 * name, or undefined. The one rule for hosts: the policy compiler applies it too, after its own
 * checks for what people write by mistake (a scheme, a path, a port).
 */
export function hostProblem(raw: string): { message: string; help?: string } | undefined {
  // Non-ASCII is refused before lower-casing, which maps some non-ASCII letters to ASCII ones
  // (the Kelvin sign to `k`) and would let a name the rule refuses through as another name.
  return NON_ASCII.test(raw) ? NON_ASCII_HOST : hostNameProblem(cleanHostName(raw));
}

function hostNameProblem(host: string): { message: string; help?: string } | undefined {
  if (host === '') return { message: 'it is empty' };
  if (host === '*' || host === '*.') return { message: 'a bare wildcard matches every host', help: 'use network mode "full" to allow every host' };
  if (host.includes(':')) {
    // Only an IPv6 literal holds a colon: `10.0.0.1:8080` (a host and a port) is neither.
    return isIpv6(host) ? undefined : { message: 'it is neither a host name nor an IP address' };
  }
  if (/^[0-9.]+$/.test(host)) return IPV4.test(host) ? undefined : { message: 'it is not a valid IPv4 address' };
  if (NON_ASCII.test(host)) return NON_ASCII_HOST;
  const labels = host.split('.');
  const wildcard = labels[0] === '*';
  const rest = wildcard ? labels.slice(1) : labels;
  if (rest.some((label) => label.includes('*'))) {
    return { message: 'a wildcard may only be the first label', help: 'write "*.example.com" to match subdomains' };
  }
  if (host.length > 253) return { message: 'a host name is at most 253 characters' };
  const bad = rest.length === 0 ? '' : rest.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return { message: `${JSON.stringify(bad)} is not a valid label of a host name (letters, digits, \`-\` and \`_\`, 1 to 63, not starting or ending with \`-\`)` };
  }
  if (NUMERIC_LABEL.test(rest[rest.length - 1]!)) {
    return { message: 'its last label is a number, so it would be read as an IPv4 address', help: 'write an IPv4 address as four decimal numbers, one grant per address' };
  }
  return undefined;
}

function describeRequirement(requires: string | null): string {
  return requires === null ? 'nothing' : `"${requires}"`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
