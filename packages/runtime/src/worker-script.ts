// Where the worker's code lives. From the built package it is ./worker.js next to this file.
// When the runtime is loaded from its TypeScript sources (tests and the `@wsbc/source`
// condition), Node 20 cannot start a worker from .ts, so the worker's module graph (relative
// imports only, by design: it imports no other package at run time) is transpiled once into a
// content-addressed directory under the OS temp dir.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let cached: Promise<URL> | undefined;

export function workerScriptUrl(): Promise<URL> {
  cached ??= locate();
  return cached;
}

async function locate(): Promise<URL> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./worker.js', import.meta.url);
  return transpileWorker(path.dirname(here));
}

async function transpileWorker(srcDir: string): Promise<URL> {
  const files = new Map<string, string>();
  const pending = ['worker.ts'];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    if (files.has(rel)) continue;
    const text = fs.readFileSync(path.join(srcDir, rel), 'utf8');
    files.set(rel, text);
    // Value imports only: `import type` disappears in the output.
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.{1,2}\/[^']+)\.js'/gm)) {
      pending.push(path.normalize(path.join(path.dirname(rel), `${match[1]}.ts`)));
    }
  }
  const hash = crypto.createHash('sha256');
  for (const [rel, text] of [...files.entries()].sort()) hash.update(rel).update('\0').update(text).update('\0');
  const dir = path.join(os.tmpdir(), `wsbc-runtime-worker-${hash.digest('hex').slice(0, 16)}`);
  const entry = path.join(dir, 'worker.js');
  if (!fs.existsSync(entry)) {
    const ts = (await import('typescript')).default;
    const staging = `${dir}.${process.pid}.${Date.now()}`;
    for (const [rel, text] of files) {
      const out = ts.transpileModule(text, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: rel,
      }).outputText;
      const target = path.join(staging, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, out);
    }
    fs.writeFileSync(path.join(staging, 'package.json'), '{"type":"module"}\n');
    try {
      fs.renameSync(staging, dir);
    } catch {
      // Another process finished first; its copy is identical.
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  return pathToFileURL(entry);
}
