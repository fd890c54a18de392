// The package graph is one-way (CONVENTIONS 1): every package lists its workspace dependencies in
// package.json, those form a DAG that respects the layer order below, no source file imports a
// workspace package it does not declare, and nothing reaches into another package's src/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');

interface Pkg {
  dir: string;
  name: string;
  deps: string[];
  devDeps: string[];
}

const packages: Pkg[] = readdirSync(packagesDir)
  .filter((d) => statSync(join(packagesDir, d)).isDirectory())
  .map((d) => {
    const pj = JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8'));
    const ws = (o: Record<string, string> | undefined) => Object.keys(o ?? {}).filter((n) => n.startsWith('@wsbc/'));
    return { dir: d, name: pj.name, deps: ws(pj.dependencies), devDeps: ws(pj.devDependencies) };
  });
const byName = new Map(packages.map((p) => [p.name, p]));
/** The subpaths each package publishes in its `exports` map (only those may be imported). */
const exportedSubpaths = new Map(
  packages.map((p) => {
    const pj = JSON.parse(readFileSync(join(packagesDir, p.dir, 'package.json'), 'utf8'));
    return [p.name, new Set(Object.keys(pj.exports ?? {}))] as const;
  }),
);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) out.push(full);
  }
  return out;
}

const importPattern = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importPattern)].map((m) => m[1]!);
}

describe('package graph', () => {
  it('has no cycles among workspace dependencies', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, chain: string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new Error(`cycle: ${[...chain, name].join(' -> ')}`);
      state.set(name, 'visiting');
      for (const dep of byName.get(name)?.deps ?? []) visit(dep, [...chain, name]);
      state.set(name, 'done');
    };
    for (const p of packages) expect(() => visit(p.name, [])).not.toThrow();
  });

  it('keeps the bottom layer free of upward dependencies', () => {
    const bottom = ['@wsbc/diagnostics', '@wsbc/manifest', '@wsbc/wasm'];
    const allowed = new Set(bottom);
    for (const name of bottom) {
      const pkg = byName.get(name);
      if (!pkg) continue;
      for (const dep of pkg.deps) expect(allowed.has(dep), `${name} depends on ${dep}`).toBe(true);
    }
    expect(byName.get('@wsbc/diagnostics')?.deps ?? []).toEqual([]);
  });

  it('never lets a library depend on the CLI or a test-only package at run time', () => {
    for (const p of packages) {
      expect(p.deps, `${p.name} depends on the CLI`).not.toContain('@wsbc/cli');
      expect(p.deps, `${p.name} depends on testkit at run time`).not.toContain('@wsbc/testkit');
    }
  });

  it('declares every workspace package a source file imports, and imports only what it exports', () => {
    const problems: string[] = [];
    for (const p of packages) {
      const pkgRoot = join(packagesDir, p.dir);
      const declared = new Set([...p.deps, ...p.devDeps, p.name]);
      for (const file of sourceFiles(pkgRoot)) {
        const isTest = /(\.test\.|\/test\/|\/bench\/|\/fuzz\/|\/scripts\/)/.test(file);
        for (const spec of importsOf(file)) {
          if (spec.startsWith('@wsbc/')) {
            const target = spec.split('/').slice(0, 2).join('/');
            const subpath = `.${spec.slice(target.length)}`;
            if (subpath !== '.' && !exportedSubpaths.get(target)?.has(subpath)) {
              problems.push(`${relative(root, file)} imports ${spec}, which ${target} does not export`);
            }
            if (!declared.has(target)) problems.push(`${relative(root, file)} imports undeclared ${target}`);
            if (!isTest && !byName.get(p.name)?.deps.includes(target) && target !== p.name) {
              problems.push(`${relative(root, file)} imports ${target}, which is only a devDependency`);
            }
          } else if (spec.startsWith('.')) {
            const resolved = join(file, '..', spec);
            if (!resolved.startsWith(pkgRoot + '/') && resolved.includes(`${packagesDir}/`)) {
              problems.push(`${relative(root, file)} reaches into another package: ${spec}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
