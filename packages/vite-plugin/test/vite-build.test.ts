// A real Vite build of a tiny app that imports an example module: the allowed module is emitted
// as a vetted artifact that verifies, the JS imports its URL; a refused module stops the build
// with readable findings; the raw `?url` form cannot sneak past the vetting.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, build as viteBuild } from 'vite';
import { describe, expect, it } from 'vitest';
import { verifyArtifact } from 'wsbc';
import { wsbcVet, type WsbcVetOptions } from '../src/index.js';

const examples = join(import.meta.dirname, '../../../examples');

function app(entry: string): string {
  const root = mkdtempSync(join(tmpdir(), 'wsbc-vite-'));
  cpSync(join(examples, 'plugin-host-function'), root, { recursive: true });
  cpSync(join(examples, 'etc-passwd/etc-passwd.wasm'), join(root, 'etc-passwd.wasm'));
  cpSync(join(examples, 'etc-passwd/policy.wsp'), join(root, 'no-files.wsp'));
  writeFileSync(join(root, 'main.js'), entry);
  return root;
}

async function bundle(root: string, options: Partial<WsbcVetOptions> = {}) {
  return viteBuild({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [wsbcVet({ policy: 'policy.wsp', ...options })],
    build: { outDir: 'dist', lib: { entry: join(root, 'main.js'), formats: ['es'], fileName: 'main' }, assetsInlineLimit: 0 },
  });
}

describe('wsbcVet in a real vite build', () => {
  it('emits the vetted artifact and hands its URL and manifest hash to the importing code', async () => {
    const root = app(`import url, { manifestHash } from './plugin-host-function.wasm';\nexport { url, manifestHash };\n`);
    await bundle(root);
    const assets = readdirSync(join(root, 'dist'), { recursive: true }).map(String);
    const artifactName = assets.find((f) => f.endsWith('.vetted.wasm'));
    expect(artifactName).toBeDefined();
    const report = verifyArtifact(readFileSync(join(root, 'dist', artifactName!)), { original: readFileSync(join(root, 'plugin-host-function.wasm')) });
    expect(report.ok).toBe(true);
    expect(report.artifact?.manifest?.name).toBe('metrics-plugin');
    expect(assets.some((f) => /\.m?js$/.test(f)), assets.join(', ')).toBe(true);
    const js = readFileSync(join(root, 'dist', assets.find((f) => /\.(m?js)$/.test(f))!), 'utf8');
    expect(js).toContain(artifactName!.split('/').pop());
    expect(js).toContain(report.artifact!.manifestHash!);
  });

  it('stops the build with the findings when the policy refuses the module', async () => {
    const root = app(`import url from './etc-passwd.wasm';\nexport default url;\n`);
    const failure = await bundle(root, { policy: 'no-files.wsp' }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toContain('wsbc: etc-passwd.wasm refused at the check stage under no-files.wsp');
    expect(failure!.message).toMatch(/etc-passwd\.wasm \(byte \d+\): error\[check\/[a-z-]+\]: .*path_open/);
  });

  it('uses a per-module policy when one matches', async () => {
    const root = app(`import url from './etc-passwd.wasm';\nexport default url;\n`);
    writeFileSync(join(root, 'data.wsp'), 'policy "data" extends minimal {\n  filesystem {\n    read "." as "/data"\n  }\n}\n');
    await expect(bundle(root, { policy: 'no-files.wsp', policies: [{ test: /etc-passwd\.wasm$/, policy: 'data.wsp' }] })).resolves.toBeDefined();
  });

  it('refuses ?url imports, which would ship the unvetted module, unless the file is excluded', async () => {
    const root = app(`import url from './plugin-host-function.wasm?url';\nexport default url;\n`);
    await expect(bundle(root)).rejects.toThrow(/would load the module without vetting it/);
    await expect(bundle(root, { exclude: /plugin-host-function\.wasm$/ })).resolves.toBeDefined();
    const assets = readdirSync(join(root, 'dist'), { recursive: true }).map(String);
    expect(assets.some((f) => f.endsWith('.vetted.wasm'))).toBe(false);
  });

  it('vets in the dev server too, serving the artifact inline and refusing what the policy refuses', async () => {
    const root = app(`export { default as url, manifestHash } from './plugin-host-function.wasm';\nexport { default as passwd } from './etc-passwd.wasm';\n`);
    writeFileSync(join(root, 'ok.js'), `export { default as url, manifestHash } from './plugin-host-function.wasm';\n`);
    const server = await createServer({ root, configFile: false, logLevel: 'silent', plugins: [wsbcVet({ policy: 'policy.wsp' })], server: { middlewareMode: true, ws: false } });
    try {
      const ok = (await server.ssrLoadModule('/ok.js')) as { url: string; manifestHash: string };
      expect(ok.url.startsWith('data:application/wasm;base64,')).toBe(true);
      const served = Buffer.from(ok.url.slice('data:application/wasm;base64,'.length), 'base64');
      expect(verifyArtifact(served).artifact?.manifestHash).toBe(ok.manifestHash);
      await expect(server.ssrLoadModule('/main.js')).rejects.toThrow(/etc-passwd\.wasm refused at the check stage/);
    } finally {
      await server.close();
    }
  });
  it('a file name holding line terminators stays inside the comment of the generated module', async () => {
    const root = app('');
    for (const name of ['a\nglobalThis.injected = 1;//.wasm', 'b\u2028globalThis.injected = 2;//.wasm']) {
      cpSync(join(root, 'plugin-host-function.wasm'), join(root, name));
      const plugin = wsbcVet({ policy: 'policy.wsp' });
      plugin.configResolved({ command: 'serve', root });
      const context = { emitFile: () => '', error: (m: string): never => { throw new Error(m); }, warn: () => undefined, addWatchFile: () => undefined };
      const code = (await plugin.load.call(context, join(root, name)))!;
      expect(code.split(/\r\n|[\n\r\u2028\u2029]/).filter((line) => line.includes('injected'))).toEqual([expect.stringMatching(/^\/\/ /)]);
      const loaded = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as { default: string };
      expect(loaded.default.startsWith('data:application/wasm;base64,')).toBe(true);
      expect((globalThis as { injected?: number }).injected).toBeUndefined();
    }
  });
});
