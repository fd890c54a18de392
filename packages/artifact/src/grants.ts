// A manifest in a few human lines: what the module may do, for `wsbc verify` to show beside its
// checks. Every area is always listed, "none" included, so a reviewer reading an artifact's grants
// sees what is absent as plainly as what is present.
import type { Manifest, PortRange } from '@wsbc/manifest';

function bytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} B`;
}

function ms(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000} s` : `${n} ms`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function ports(ranges: PortRange[]): string {
  return ranges.length === 0 ? 'any port' : ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ');
}

/** One line per area: filesystem, network, environment, process, time, random, imports, custom, limits. */
export function describeGrants(m: Manifest): Array<{ area: string; text: string }> {
  const out: Array<{ area: string; text: string }> = [];
  const fs = m.filesystem.preopens.map((p) => {
    const access = [p.read && 'read', p.write && 'write', p.create && 'create', p.delete && 'delete'].filter(Boolean).join('+');
    const size = p.write && p.maxFileSize !== null ? `, files up to ${bytes(p.maxFileSize)}` : '';
    return `${p.guestPath} ${access} (host ${p.hostPath}${size})`;
  });
  out.push({ area: 'filesystem', text: fs.length ? fs.join('; ') : 'none' });

  const net = m.network;
  const netParts =
    net.mode === 'full'
      ? ['full (any host, any port)']
      : [
          ...(net.loopback ? ['loopback'] : []),
          ...net.hosts.map((h) => `${h.host} ${ports(h.ports)}${h.secure ? ' (TLS)' : ''}`),
          ...(net.ports.length ? [`any host on ${ports(net.ports)}`] : []),
        ];
  out.push({ area: 'network', text: netParts.length ? netParts.join('; ') : 'none' });

  const env = m.environment;
  out.push({ area: 'environment', text: env.mode === 'allow' ? `only ${env.names.join(', ')}` : env.mode === 'deny' ? `all but ${env.names.join(', ')}` : env.mode });
  out.push({ area: 'process', text: m.process.mode === 'allow' ? `only ${m.process.commands.join(', ')}` : m.process.mode });
  const clock = m.time.deterministic ? `, deterministic from ${new Date(m.time.deterministic.startMs).toISOString()} (+${m.time.deterministic.stepNs} ns per read)` : '';
  out.push({ area: 'time', text: `${m.time.mode}${clock}` });
  out.push({ area: 'random', text: m.random.mode === 'pseudo' ? `pseudo (${m.random.seed === null ? 'fresh seed per run' : `seed ${m.random.seed}`})` : m.random.mode });
  out.push({
    area: 'imports',
    text: m.imports.length ? m.imports.map((i) => `${i.module}.${i.name}${i.requires ? ` (requires ${i.requires})` : ''}`).join(', ') : 'WASI only',
  });
  out.push({ area: 'custom', text: m.custom.length ? m.custom.map((c) => `${c.name} = ${JSON.stringify(c.value)}`).join(', ') : 'none' });

  const l = m.limits;
  const limitParts = [
    `fuel ${l.fuel === null ? 'UNLIMITED' : count(l.fuel)}`,
    `memory ${l.memory.maxPages} pages (${bytes(l.memory.maxPages * 65536)}), +${l.memory.maxGrowthPages} per grow`,
    `cpu ${ms(l.cpu.maxExecutionMs)} at ${l.cpu.usagePercent}%`,
    `total ${ms(l.time.maxTotalMs)}, idle ${ms(l.time.maxIdleMs)}`,
    `io ${l.io.maxReadBytes === null ? 'unbounded' : bytes(l.io.maxReadBytes)} read / ${l.io.maxWriteBytes === null ? 'unbounded' : bytes(l.io.maxWriteBytes)} written`,
  ];
  out.push({ area: 'limits', text: limitParts.join('; ') });
  return out;
}
