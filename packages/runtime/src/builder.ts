// Level 2: a builder for embedders without a policy file. Each method adds to a ManifestInput;
// build() normalizes it with @wsbc/manifest's normalize(), so a builder and a policy with the
// same meaning give the same manifest (and hash). Starts from the `minimal` preset.
import type { Diagnostic } from '@wsbc/diagnostics';
import { normalize, type Manifest, type ManifestInput, type PresetName } from '@wsbc/manifest';
import { run, type RunOptions, type RunResult } from './run.js';

export class SandboxBuildError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join('; '));
  }
}

interface DirOptions {
  create?: boolean;
  delete?: boolean;
  maxFileSize?: number | null;
}

export class SandboxBuilder {
  private input: ManifestInput = {};
  private baseDir = process.cwd();

  constructor(preset: PresetName = 'minimal') {
    this.input.preset = preset;
  }

  named(name: string): this {
    this.input.name = name;
    return this;
  }

  /** Resolve relative host paths against `dir` (default: the current directory). */
  relativeTo(dir: string): this {
    this.baseDir = dir;
    return this;
  }

  private preopen(hostPath: string, guestPath: string | undefined, grant: { read?: boolean; write?: boolean } & DirOptions): this {
    const preopens = (this.input.filesystem ??= {}).preopens ??= [];
    preopens.push({ hostPath, ...(guestPath !== undefined ? { guestPath } : {}), ...grant });
    return this;
  }

  allowRead(hostPath: string, guestPath?: string): this {
    return this.preopen(hostPath, guestPath, { read: true });
  }

  allowWrite(hostPath: string, guestPath?: string, options: DirOptions = {}): this {
    return this.preopen(hostPath, guestPath, { write: true, ...options });
  }

  allowReadWrite(hostPath: string, guestPath?: string, options: DirOptions = {}): this {
    return this.preopen(hostPath, guestPath, { read: true, write: true, ...options });
  }

  /** Makes these environment variables visible (allowlist). */
  env(...names: string[]): this {
    const current = this.input.environment?.mode === 'allow' ? this.input.environment.names ?? [] : [];
    this.input.environment = { mode: 'allow', names: [...current, ...names] };
    return this;
  }

  envAll(): this {
    this.input.environment = { mode: 'full', names: [] };
    return this;
  }

  random(mode: 'none' | 'pseudo' | 'secure', seed: number | null = null): this {
    this.input.random = { mode, seed: mode === 'pseudo' ? seed : null };
    return this;
  }

  /** Replayable clocks starting at `startMs`, advancing `stepNs` per read. */
  deterministicTime(startMs = 0, stepNs = 1000): this {
    this.input.time = { ...this.input.time, deterministic: { startMs, stepNs } };
    return this;
  }

  fuel(instructions: number | null): this {
    (this.input.limits ??= {}).fuel = instructions;
    return this;
  }

  memory(maxPages: number, options: { reservedPages?: number; maxGrowthPages?: number } = {}): this {
    (this.input.limits ??= {}).memory = { ...this.input.limits.memory, maxPages, ...options };
    return this;
  }

  timeLimits(limits: { totalMs?: number; idleMs?: number }): this {
    (this.input.limits ??= {}).time = {
      ...this.input.limits.time,
      ...(limits.totalMs !== undefined ? { maxTotalMs: limits.totalMs } : {}),
      ...(limits.idleMs !== undefined ? { maxIdleMs: limits.idleMs } : {}),
    };
    return this;
  }

  cpu(limits: { timeMs?: number; usagePercent?: number }): this {
    (this.input.limits ??= {}).cpu = {
      ...this.input.limits.cpu,
      ...(limits.timeMs !== undefined ? { maxExecutionMs: limits.timeMs } : {}),
      ...(limits.usagePercent !== undefined ? { usagePercent: limits.usagePercent } : {}),
    };
    return this;
  }

  io(limits: ManifestInput['limits'] extends infer L ? L extends { io?: infer I } ? I : never : never): this {
    (this.input.limits ??= {}).io = { ...this.input.limits.io, ...limits };
    return this;
  }

  /** Allows an extra host import (`module`, `name` or `*`), optionally behind a custom capability. */
  allowImport(module: string, name: string, requires: string | null = null): this {
    (this.input.imports ??= []).push({ module, name, requires });
    return this;
  }

  custom(name: string, value: boolean | number | string | string[]): this {
    const list = (this.input.custom ??= []);
    if (typeof value === 'boolean') list.push({ name, type: 'boolean', value });
    else if (typeof value === 'number') list.push({ name, type: 'number', value, min: null, max: null });
    else if (typeof value === 'string') list.push({ name, type: 'string', value });
    else list.push({ name, type: 'string-list', value });
    return this;
  }

  /** Escape hatch: lay an arbitrary ManifestInput fragment over what was built so far. */
  with(fragment: ManifestInput): this {
    this.input = { ...this.input, ...fragment };
    return this;
  }

  /** The normalized manifest; throws SandboxBuildError with diagnostics when the input is invalid. */
  build(): Manifest {
    const result = normalize(this.input, { baseDir: this.baseDir });
    if (!result.ok) throw new SandboxBuildError(result.diagnostics);
    return result.value;
  }

  /** Builds and runs in one go. */
  run(module: string | Uint8Array, options: Omit<RunOptions, 'policy'> = {}): Promise<RunResult> {
    return run(module, { ...options, policy: this.build() });
  }
}

export function sandbox(preset: PresetName = 'minimal'): SandboxBuilder {
  return new SandboxBuilder(preset);
}
