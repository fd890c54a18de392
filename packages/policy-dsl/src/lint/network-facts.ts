// Facts about hosts and ports shared by the network rules: port-range arithmetic on the AST's
// ranges, host-pattern matching with the manifest's meaning (`*.example.com` matches subdomains
// only), and whether a host is loopback or private.
import { isIP } from 'node:net';
import { cleanHostName } from '@wsbc/manifest';
import type { AllowHost, PortRange as PortRangeNode } from '../ast.js';

export interface Range {
  from: number;
  to: number;
}

export const ALL_PORTS: Range = { from: 0, to: 65535 };

export function rangeOf(node: PortRangeNode): Range {
  return { from: node.from.value, to: node.to.value };
}

/** The ports an `allow host` rule grants; no `ports` clause means every port. */
export function hostRuleRanges(rule: AllowHost): Range[] {
  return rule.ports === null ? [ALL_PORTS] : rule.ports.map(rangeOf);
}

export function overlaps(a: Range, b: Range): boolean {
  return a.from <= b.to && b.from <= a.to;
}

/** Whether the union of `ranges` includes every port of `r`. */
export function covered(r: Range, ranges: readonly Range[]): boolean {
  let sorted = ranges;
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.from < ranges[i - 1]!.from) {
      sorted = [...ranges].sort((a, b) => a.from - b.from);
      break;
    }
  }
  let next = r.from;
  for (const s of sorted) {
    if (s.from > next) break;
    if (s.to >= next) next = s.to + 1;
    if (next > r.to) return true;
  }
  return next > r.to;
}

export function formatRange(r: Range): string {
  return r.from === r.to ? String(r.from) : `${r.from}..${r.to}`;
}

/** A host as the manifest keeps it: lower case, no IPv6 brackets, no trailing dot. */
export const cleanHost = cleanHostName;

/** Whether pattern-or-host `general` matches every host that `specific` matches. */
export function hostCovers(general: string, specific: string): boolean {
  const g = cleanHost(general);
  const s = cleanHost(specific);
  if (g === s) return true;
  // `*.example.com` matches `a.example.com` and `a.b.example.com`, and so also `*.b.example.com`.
  return g.startsWith('*.') && s.endsWith(g.slice(1)) && s.length > g.length - 1;
}

/** Loopback addresses and names, which `allow loopback` grants. */
export function isLoopbackHost(host: string): boolean {
  const h = cleanHost(host);
  const mapped = mappedIpv4(h);
  if (mapped) return isLoopbackHost(mapped);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return expandIpv6(h).every((g, i) => (i < 7 ? g === 0 : g === 1));
  return false;
}

/**
 * The hosts `allow loopback` grants, as the manifest defines it and the runtime matches it:
 * `localhost`, 127.0.0.0/8 and `::1` as written. Other names that resolve to loopback
 * (`a.localhost`, `::ffff:127.0.0.1`) need their own grant, so a rule for them is not redundant.
 */
export function isLoopbackGrantHost(host: string): boolean {
  const h = cleanHost(host);
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * Hosts that are not on the public internet: loopback, private and link-local IP ranges, and
 * names that only resolve inside a network (single-label names, `.local`, `.internal`, ...).
 */
export function isPrivateHost(host: string): boolean {
  const h = cleanHost(host);
  const mapped = mappedIpv4(h);
  if (mapped) return isPrivateHost(mapped);
  if (isLoopbackHost(h)) return true;
  if (isIP(h) === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(h) === 6) {
    const first = expandIpv6(h)[0]!;
    return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
  }
  const name = h.startsWith('*.') ? h.slice(2) : h;
  if (!name.includes('.')) return true;
  return ['.local', '.internal', '.lan', '.home.arpa', '.intranet', '.corp'].some((suffix) => name.endsWith(suffix));
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address, which connects to that IPv4 host: written
 * with a dotted tail (`::ffff:10.0.0.1`) or, equally valid, in hex (`::ffff:a00:1`).
 */
function mappedIpv4(h: string): string | undefined {
  if (isIP(h) !== 6) return undefined;
  if (!h.includes('.')) {
    const g = expandIpv6(h);
    if (!(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)) return undefined;
    return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
  }
  const v4 = h.slice(h.lastIndexOf(':') + 1);
  return isIP(v4) === 4 ? v4 : undefined;
}

function expandIpv6(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  if (tail === undefined) return h;
  const t = parse(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * A union of port ranges that grows one range at a time and answers whether it covers a range,
 * each in logarithmic time (plus moving the kept ranges on an insert): a rule checked against the
 * union of all the rules before it, rebuilt for each, was quadratic in a host's rules.
 */
export class PortUnion {
  /** Disjoint, sorted, and never adjacent (touching ranges are merged). */
  private readonly ranges: Range[] = [];

  add(r: Range): void {
    const list = this.ranges;
    // The first kept range that ends at or after r.from - 1 (it may touch or overlap r).
    const lo = this.firstEndingFrom(r.from - 1);
    let from = r.from;
    let to = r.to;
    let hi = lo;
    while (hi < list.length && list[hi]!.from <= to + 1) {
      from = Math.min(from, list[hi]!.from);
      to = Math.max(to, list[hi]!.to);
      hi++;
    }
    list.splice(lo, hi - lo, { from, to });
  }

  covers(r: Range): boolean {
    const at = this.ranges[this.firstEndingFrom(r.to)];
    return at !== undefined && at.from <= r.from;
  }

  private firstEndingFrom(port: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid]!.to < port) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
