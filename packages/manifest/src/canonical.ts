// Canonical serialization and hash of a normalized manifest. The key order is fixed here (the
// order of types.ts), whatever order the object's keys were created in, so a manifest read
// back from JSON serializes to the same bytes it was read from.
import { createRequire } from 'node:module';
import type { CustomCapability, Manifest } from './types.js';

// node:crypto is loaded on the first hash, not with the package: loading it costs about 2 ms, and
// most commands that import the manifest never hash (CLI start-up is a benchmark target).
// require() keeps manifestHash synchronous.
let cryptoModule: typeof import('node:crypto') | undefined;
function nodeCrypto(): typeof import('node:crypto') {
  cryptoModule ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return cryptoModule;
}

/** Fixed key order, 2-space indent, trailing newline. Lists keep their (normalized) order. */
export function canonicalManifestJson(m: Manifest): string {
  return `${JSON.stringify(orderManifest(m), null, 2)}\n`;
}

/** `sha256:<hex>` of the canonical JSON bytes (UTF-8). */
export function manifestHash(m: Manifest): string {
  return `sha256:${nodeCrypto().createHash('sha256').update(canonicalManifestJson(m), 'utf8').digest('hex')}`;
}

/** A copy of `m` whose keys are in canonical order at every level. */
export function orderManifest(m: Manifest): Manifest {
  return {
    version: m.version,
    name: m.name,
    network: {
      mode: m.network.mode,
      loopback: m.network.loopback,
      hosts: m.network.hosts.map((h) => ({ host: h.host, ports: h.ports.map((p) => ({ from: p.from, to: p.to })), secure: h.secure })),
      ports: m.network.ports.map((p) => ({ from: p.from, to: p.to })),
    },
    filesystem: {
      preopens: m.filesystem.preopens.map((p) => ({
        hostPath: p.hostPath,
        guestPath: p.guestPath,
        read: p.read,
        write: p.write,
        create: p.create,
        delete: p.delete,
        maxFileSize: p.maxFileSize,
      })),
    },
    environment: { mode: m.environment.mode, names: [...m.environment.names] },
    process: { mode: m.process.mode, commands: [...m.process.commands] },
    time: {
      mode: m.time.mode,
      deterministic: m.time.deterministic === null ? null : { startMs: m.time.deterministic.startMs, stepNs: m.time.deterministic.stepNs },
    },
    random: { mode: m.random.mode, seed: m.random.seed },
    imports: m.imports.map((i) => ({ module: i.module, name: i.name, requires: i.requires })),
    custom: m.custom.map(orderCustom),
    limits: {
      memory: {
        maxPages: m.limits.memory.maxPages,
        reservedPages: m.limits.memory.reservedPages,
        maxGrowthPages: m.limits.memory.maxGrowthPages,
        maxTables: m.limits.memory.maxTables,
        maxTableElements: m.limits.memory.maxTableElements,
        trapOnGrowFailure: m.limits.memory.trapOnGrowFailure,
      },
      cpu: {
        maxExecutionMs: m.limits.cpu.maxExecutionMs,
        usagePercent: m.limits.cpu.usagePercent,
        maxThreads: m.limits.cpu.maxThreads,
      },
      io: {
        maxOpenFiles: m.limits.io.maxOpenFiles,
        readBytesPerSecond: m.limits.io.readBytesPerSecond,
        writeBytesPerSecond: m.limits.io.writeBytesPerSecond,
        maxReadBytes: m.limits.io.maxReadBytes,
        maxWriteBytes: m.limits.io.maxWriteBytes,
      },
      time: { maxTotalMs: m.limits.time.maxTotalMs, maxIdleMs: m.limits.time.maxIdleMs },
      fuel: m.limits.fuel,
      stack: { maxDepth: m.limits.stack.maxDepth },
    },
    audit: { decisions: m.audit.decisions },
  };
}

function orderCustom(c: CustomCapability): CustomCapability {
  switch (c.type) {
    case 'boolean':
      return { name: c.name, type: c.type, value: c.value };
    case 'number':
      return { name: c.name, type: c.type, value: c.value, min: c.min, max: c.max };
    case 'string':
      return { name: c.name, type: c.type, value: c.value };
    case 'string-list':
      return { name: c.name, type: c.type, value: [...c.value] };
  }
}
