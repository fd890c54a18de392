// Stage 4: meaning checks on the AST, one file at a time: units and their conversion, value
// ranges, port ranges, duplicate blocks and entries, names (hosts, paths, variables, imports) and
// custom values against their own ranges. The checker sees only the AST (never text or tokens),
// and returns diagnostics; it changes nothing. Checks that need the whole extends chain (an import
// that requires a custom value declared in a base policy) run in the compiler after merging.
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { hostProblem as manifestHostProblem } from '@wsbc/manifest';
import type * as A from './ast.js';
import { policyDiagnostic } from './diagnostics.js';
import { LIMIT_SETTINGS, PORT_MAX, PRESET_NAMES, SEED_MAX, type QuantitySetting } from './schema.js';
import { didYouMean } from './suggest.js';
import { baseUnitName, quantityValue } from './units.js';

export function checkPolicy(file: A.PolicyFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const policy = file.policy;
  if (!policy) return out;
  if (policy.extends && policy.extends.target.kind === 'PresetRef') {
    const name = policy.extends.target.name;
    if (!(PRESET_NAMES as readonly string[]).includes(name)) {
      out.push(
        policyDiagnostic('policy/unknown-preset', `unknown preset \`${name}\``, policy.extends.target.span, {
          help: `${didYouMean(name, PRESET_NAMES)} (to extend a file, quote its path: \`extends "./${name}.wsp"\`)`,
        }),
      );
    }
  }
  if (policy.extends && policy.extends.target.kind === 'FileRef' && policy.extends.target.path.value.trim() === '') {
    out.push(policyDiagnostic('policy/invalid-path', 'empty path after `extends`', policy.extends.target.span));
  }
  const firstOfKind = new Map<string, A.Block>();
  const customs = new Map<string, A.CustomDecl>();
  for (const block of policy.blocks) {
    if (block.kind !== 'Custom') {
      const first = firstOfKind.get(block.kind);
      if (first) {
        out.push(
          policyDiagnostic('policy/duplicate-block', `\`${block.keyword.value}\` is given twice`, block.keyword.span, {
            help: `merge it into the first \`${block.keyword.value}\` (line ${first.span.line})`,
            related: [{ message: 'first given here', span: first.keyword.span }],
          }),
        );
      } else firstOfKind.set(block.kind, block);
    }
    switch (block.kind) {
      case 'Network':
        checkNetwork(block, out);
        break;
      case 'Filesystem':
        checkFilesystem(block, out);
        break;
      case 'Env':
        checkNames(block.names ?? [], 'environment variable', out, (v) => (v.includes('=') ? 'a variable name cannot contain `=`' : undefined));
        break;
      case 'Process':
        checkNames(block.commands ?? [], 'command', out, () => undefined);
        break;
      case 'Time':
        checkTime(block, out);
        break;
      case 'Random':
        if (block.seed) checkInteger(block.seed, 0, SEED_MAX, 'a seed', out);
        break;
      case 'Imports':
        checkImports(block, out);
        break;
      case 'Custom': {
        const first = customs.get(block.name.value);
        if (first) {
          out.push(
            policyDiagnostic('policy/duplicate-entry', `custom value "${block.name.value}" is declared twice`, block.name.span, {
              related: [{ message: 'first declared here', span: first.name.span }],
            }),
          );
        } else customs.set(block.name.value, block);
        checkCustom(block, out);
        break;
      }
      case 'Limits':
        checkLimits(block, out);
        break;
      case 'Audit':
        break;
    }
  }
  return out;
}

function checkInteger(n: A.NumberLit, min: number, max: number, what: string, out: Diagnostic[], code: 'policy/value-out-of-range' | 'policy/port-out-of-range' = 'policy/value-out-of-range'): boolean {
  if (!Number.isInteger(n.value)) {
    out.push(policyDiagnostic('policy/not-an-integer', `${what} must be a whole number, found \`${n.raw}\``, n.span));
    return false;
  }
  if (n.value < min || n.value > max) {
    out.push(policyDiagnostic(code, `${what} must be in ${min}..${max}, found ${n.raw}`, n.span));
    return false;
  }
  return true;
}

function checkPorts(ports: A.PortRange[], out: Diagnostic[]): void {
  for (const p of ports) {
    const okFrom = checkInteger(p.from, 0, PORT_MAX, 'a port', out, 'policy/port-out-of-range');
    const okTo = p.to === p.from || checkInteger(p.to, 0, PORT_MAX, 'a port', out, 'policy/port-out-of-range');
    if (okFrom && okTo && p.from.value > p.to.value) {
      out.push(
        policyDiagnostic('policy/empty-range', `port range ${p.from.raw}..${p.to.raw} is empty: its start is after its end`, p.span, {
          help: `write \`${p.to.raw}..${p.from.raw}\``,
        }),
      );
    }
  }
}

/**
 * Why a host written in a policy is not one a grant may name. First what people write by mistake
 * (a URL, a path, a port), with words for it; then the manifest's one rule for hosts (names,
 * `*.suffix`, IPv4, IPv6), so that a policy refuses exactly what the manifest would.
 */
export function hostProblem(host: string): string | undefined {
  if (host.length === 0) return 'the host is empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) return 'a host has no scheme; write the host name alone';
  if (host.includes('/')) return 'a host has no path; write the host name alone';
  if (/\s/.test(host)) return 'a host cannot contain spaces';
  if (/^[^:]*:\d+$/.test(host)) return 'write the port with `ports`, not in the host';
  // A policy writes IPv6 addresses bare (`"::1"`): brackets belong to URLs, where a port follows.
  if (host.startsWith('[')) return 'write an IPv6 address without brackets';
  return manifestHostProblem(host)?.message;
}

function checkNetwork(block: A.NetworkBlock, out: Diagnostic[]): void {
  for (const rule of block.rules) {
    if (rule.kind === 'AllowPorts') checkPorts(rule.ports, out);
    if (rule.kind === 'AllowHost') {
      const problem = hostProblem(rule.host.value);
      if (problem) out.push(policyDiagnostic('policy/invalid-host', `invalid host "${rule.host.value}": ${problem}`, rule.host.span));
      if (rule.ports) checkPorts(rule.ports, out);
    }
  }
}

function isAbsoluteGuest(p: string): boolean {
  return p.startsWith('/');
}

function checkMaxFileSize(value: A.Quantity | A.Keyword, out: Diagnostic[]): void {
  if (value.kind === 'Quantity') checkQuantity(value, { min: 0, max: Number.MAX_SAFE_INTEGER }, 'max-file-size', out);
}

function checkFilesystem(block: A.FilesystemBlock, out: Diagnostic[]): void {
  const byGuest = new Map<string, A.DirGrant>();
  const writable = block.entries.some((e) => e.kind === 'DirGrant' && e.access.value !== 'read');
  const seenAllow = new Map<string, A.FsAllow>();
  let seenMax: A.FsMaxFileSize | null = null;
  for (const e of block.entries) {
    if (e.kind === 'FsAllow') {
      const first = seenAllow.get(e.what.value);
      if (first) out.push(policyDiagnostic('policy/duplicate-entry', `\`allow ${e.what.value}\` is given twice`, e.span, { related: [{ message: 'first given here', span: first.span }] }));
      else seenAllow.set(e.what.value, e);
      if (!writable) out.push(policyDiagnostic('policy/flag-requires-write', `\`allow ${e.what.value}\` has no effect: no directory in this block is writable`, e.span, { help: 'grant `write "<dir>"` or remove this line' }));
      continue;
    }
    if (e.kind === 'FsMaxFileSize') {
      if (seenMax) out.push(policyDiagnostic('policy/duplicate-entry', '`max-file-size` is given twice', e.span, { related: [{ message: 'first given here', span: seenMax.span }] }));
      else seenMax = e;
      if (!writable) out.push(policyDiagnostic('policy/flag-requires-write', '`max-file-size` has no effect: no directory in this block is writable', e.span));
      checkMaxFileSize(e.value, out);
      continue;
    }
    if (e.hostPath.value.trim() === '') out.push(policyDiagnostic('policy/invalid-path', 'empty directory path', e.hostPath.span, { help: 'use "." for the policy file\'s directory' }));
    if (e.guestPath) {
      const g = e.guestPath.value;
      if (!isAbsoluteGuest(g)) {
        out.push(policyDiagnostic('policy/invalid-guest-path', `guest path "${g}" is not absolute`, e.guestPath.span, { help: `write "/${g.replace(/^\.?\/*/, '')}"` }));
      } else if (g.split('/').includes('..')) {
        out.push(policyDiagnostic('policy/invalid-guest-path', `guest path "${g}" contains \`..\``, e.guestPath.span));
      }
    }
    if (e.access.value === 'read') {
      for (const flag of [e.create, e.delete]) {
        if (flag) out.push(policyDiagnostic('policy/flag-requires-write', `\`${flag.value}\` needs a writable directory`, flag.span, { help: `use \`write\` or \`read-write\` instead of \`read\`` }));
      }
      if (e.maxFileSize) out.push(policyDiagnostic('policy/flag-requires-write', '`max-file-size` needs a writable directory', e.maxFileSize.span, { help: `use \`write\` or \`read-write\` instead of \`read\`` }));
    }
    if (e.maxFileSize) checkMaxFileSize(e.maxFileSize, out);
    // Two grants for the same guest path must name the same host directory (they then merge).
    const guest = e.guestPath?.value ?? e.hostPath.value;
    const other = byGuest.get(guest);
    if (other && other.hostPath.value !== e.hostPath.value) {
      out.push(
        policyDiagnostic('policy/conflicting-guest-path', `guest path "${guest}" is already mapped to "${other.hostPath.value}"`, (e.guestPath ?? e.hostPath).span, {
          related: [{ message: 'first mapped here', span: (other.guestPath ?? other.hostPath).span }],
        }),
      );
    } else if (!other) byGuest.set(guest, e);
  }
}

function checkNames(items: A.StringLit[], what: string, out: Diagnostic[], extra: (v: string) => string | undefined): void {
  const seen = new Map<string, A.StringLit>();
  for (const item of items) {
    if (item.value.trim() === '') {
      out.push(policyDiagnostic('policy/invalid-name', `empty ${what} name`, item.span));
      continue;
    }
    const problem = extra(item.value);
    if (problem) out.push(policyDiagnostic('policy/invalid-name', `invalid ${what} name "${item.value}": ${problem}`, item.span));
    const first = seen.get(item.value);
    if (first) out.push(policyDiagnostic('policy/duplicate-item', `"${item.value}" is listed twice`, item.span, { related: [{ message: 'first listed here', span: first.span }] }));
    else seen.set(item.value, item);
  }
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined. */
export function parseTimestamp(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // Date.parse rolls 2024-02-30 over to March 1st; a policy that says an impossible date is wrong.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const ms = Date.parse(text.toUpperCase());
  return Number.isNaN(ms) ? undefined : ms;
}

function checkTime(block: A.TimeBlock, out: Diagnostic[]): void {
  const d = block.deterministic;
  if (!d) return;
  if (d.start?.kind === 'String') {
    const ms = parseTimestamp(d.start.value);
    if (ms === undefined || ms < 0) {
      out.push(policyDiagnostic('policy/invalid-timestamp', `"${d.start.value}" is not an RFC 3339 timestamp at or after 1970`, d.start.span, { help: 'e.g. "2024-01-01T00:00:00Z"' }));
    }
  } else if (d.start?.kind === 'Number') {
    checkInteger(d.start, 0, Number.MAX_SAFE_INTEGER, 'a start time in milliseconds', out);
  }
  if (d.step) checkQuantity(d.step, { min: 1, max: Number.MAX_SAFE_INTEGER }, 'step', out);
}

function checkImports(block: A.ImportsBlock, out: Diagnostic[]): void {
  const seen = new Map<string, A.ImportAllow>();
  for (const e of block.entries) {
    for (const [s, what] of [
      [e.module, 'import module'],
      [e.name, 'import name'],
      [e.requires, 'custom value name'],
    ] as const) {
      if (s && s.value === '') out.push(policyDiagnostic('policy/invalid-name', `empty ${what}`, s.span));
    }
    const key = JSON.stringify([e.module.value, e.name.value]);
    const first = seen.get(key);
    if (first) {
      out.push(
        policyDiagnostic('policy/duplicate-entry', `import "${e.module.value}" "${e.name.value}" is allowed twice`, e.span, {
          related: [{ message: 'first allowed here', span: first.span }],
        }),
      );
    } else seen.set(key, e);
  }
}

function checkCustom(block: A.CustomDecl, out: Diagnostic[]): void {
  if (block.name.value.trim() === '') out.push(policyDiagnostic('policy/invalid-name', 'empty custom value name', block.name.span));
  const v = block.value;
  if (v.kind === 'StringList') {
    // A custom list is data: an empty string is a value, but a repeated one is likely a slip.
    const seen = new Map<string, A.StringLit>();
    for (const item of v.items) {
      const first = seen.get(item.value);
      if (first) out.push(policyDiagnostic('policy/duplicate-item', `"${item.value}" is listed twice`, item.span, { related: [{ message: 'first listed here', span: first.span }] }));
      else seen.set(item.value, item);
    }
  }
  if (v.kind === 'Number' && !Number.isFinite(v.value)) out.push(policyDiagnostic('policy/value-out-of-range', `\`${v.raw}\` is too large`, v.span));
  if (!block.range) return;
  if (v.kind !== 'Number') {
    out.push(policyDiagnostic('policy/invalid-custom-range', `only numeric custom values take a range; "${block.name.value}" is a ${v.kind === 'Bool' ? 'boolean' : v.kind === 'String' ? 'string' : 'string list'}`, block.range.span));
    return;
  }
  const { min, max } = block.range;
  if (min.value > max.value) {
    out.push(policyDiagnostic('policy/empty-range', `range ${min.raw}..${max.raw} is empty: its start is after its end`, block.range.span, { help: `write \`${max.raw}..${min.raw}\`` }));
    return;
  }
  if (v.value < min.value || v.value > max.value) {
    out.push(
      policyDiagnostic('policy/custom-value-out-of-range', `custom value "${block.name.value}" is ${v.raw}, outside its range ${min.raw}..${max.raw}`, v.span, {
        related: [{ message: 'range given here', span: block.range.span }],
      }),
    );
  }
}

function checkQuantity(q: A.Quantity, range: { min: number; max: number }, what: string, out: Diagnostic[]): number | undefined {
  const r = quantityValue(q);
  if (!r.ok) {
    const span: TextSpan = r.problem.onUnit && q.unitSpan ? q.unitSpan : q.span;
    out.push(policyDiagnostic(r.problem.code, r.problem.message, span, { help: r.problem.help }));
    return undefined;
  }
  if (r.value < range.min || r.value > range.max) {
    const bound = r.value < range.min ? `at least ${amountOf(range.min, q.dimension)}` : `at most ${amountOf(range.max, q.dimension)}`;
    // Show the value in base units only when it was written in another unit (`64KiB` = 1 page).
    const written = amountOf(r.value, q.dimension);
    const converted = q.unit !== null && q.dimension !== 'percent' && written !== q.raw && !(q.dimension === 'pages' && /^pages?$/.test(q.unit));
    out.push(policyDiagnostic('policy/value-out-of-range', `\`${what}\` must be ${bound}, found \`${q.raw}\`${converted ? ` (${written})` : ''}`, q.span));
    return undefined;
  }
  return r.value;
}

/** `1 page`, `2 pages`, `1 byte per second`, `50 percent`. */
function amountOf(n: number, dimension: A.Dimension): string {
  const unit = baseUnitName(dimension);
  if (dimension === 'count') return String(n);
  return `${n} ${n === 1 ? unit.replace(/^(\w+?)s\b/, '$1') : unit}`;
}

function checkLimits(block: A.LimitsBlock, out: Diagnostic[]): void {
  const seen = new Map<string, A.LimitEntry>();
  for (const entry of block.entries) {
    const first = seen.get(entry.category.value);
    if (first) {
      out.push(
        policyDiagnostic('policy/duplicate-entry', `\`${entry.category.value}\` limits are given twice`, entry.category.span, {
          help: 'put every setting of a category on one line',
          related: [{ message: 'first given here', span: first.category.span }],
        }),
      );
    } else seen.set(entry.category.value, entry);
    const names = new Map<string, A.LimitSetting>();
    for (const setting of entry.settings) {
      const key = setting.name?.value ?? '';
      const prev = names.get(key);
      if (prev && setting.name) {
        out.push(policyDiagnostic('policy/duplicate-entry', `\`${entry.category.value} ${key}\` is given twice`, setting.name.span, { related: [{ message: 'first given here', span: prev.span }] }));
      } else names.set(key, setting);
      const spec = LIMIT_SETTINGS[entry.category.value][key];
      if (spec && spec.type === 'quantity' && setting.value.kind === 'Quantity') {
        checkQuantity(setting.value, spec satisfies QuantitySetting, key === '' ? entry.category.value : `${entry.category.value} ${key}`, out);
      }
    }
  }
}
