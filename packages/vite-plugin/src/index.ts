// @wsbc/vite-plugin: vets every `.wasm` a bundle imports against a wsbc policy at build time.
// An import the policy refuses stops the build with the findings, in the same words as
// `wsbc check`; an allowed one is instrumented and sealed (wsbc build) and the vetted artifact is
// emitted as an asset, so what ships is exactly what was vetted. The importing code receives the
// artifact's URL and the manifest hash it was vetted under.
//
// Only plain imports (`import url from './m.wasm'`) are vetted. Vite's own `?init`, `?url` and
// `?raw` forms would load the unvetted original, so the plugin refuses them for files it covers;
// exclude a file (option `exclude`) to hand it back to Vite deliberately.
import { readFile } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { build, manifestHash, type SigningKeyInput } from 'wsbc';
import { formatFindings } from './format-findings.js';

export interface WsbcVetOptions {
  /** The policy every covered module is vetted under: a `.wsp` file or a manifest `.json`. */
  policy: string;
  /** Per-module policies: the first pattern matching the module path wins over `policy`. */
  policies?: Array<{ test: RegExp; policy: string }>;
  /** Modules to vet (default: every `.wasm`). Tested against the absolute path. */
  include?: RegExp;
  /** Modules to leave to Vite (not vetted). */
  exclude?: RegExp;
  /** Sign every artifact with these Ed25519 private keys (PEM text). */
  sign?: SigningKeyInput | SigningKeyInput[];
  /** Fail the build on warnings too (default: errors only). */
  failOnWarnings?: boolean;
}

/** The subset of Vite/Rollup plugin context this plugin uses (kept local so Vite stays optional). */
interface PluginContext {
  emitFile(file: { type: 'asset'; name: string; source: Uint8Array }): string;
  error(message: string): never;
  warn(message: string): void;
  addWatchFile(id: string): void;
}

export interface WsbcVetPlugin {
  name: string;
  enforce: 'pre';
  configResolved(config: { command: 'build' | 'serve'; root: string }): void;
  load(this: PluginContext, id: string): Promise<string | null>;
}

const RAW_QUERIES = /[?&](init|url|raw)\b/;

export function wsbcVet(options: WsbcVetOptions): WsbcVetPlugin {
  let command: 'build' | 'serve' = 'build';
  let root = process.cwd();
  const include = options.include ?? /\.wasm$/;
  return {
    name: 'wsbc-vet',
    enforce: 'pre',
    configResolved(config) {
      command = config.command;
      root = config.root;
    },
    async load(id) {
      // Virtual modules (\0-prefixed ids) belong to other plugins.
      if (id.startsWith('\0')) return null;
      const queryAt = id.indexOf('?');
      const path = queryAt === -1 ? id : id.slice(0, queryAt);
      const query = queryAt === -1 ? '' : id.slice(queryAt + 1);
      if (!include.test(path) || options.exclude?.test(path)) return null;
      const shown = relative(root, path) || path;
      if (RAW_QUERIES.test(`?${query}`)) {
        this.error(`wsbc: ${shown}?${query} would load the module without vetting it; import it as \`import url from '${basename(path)}'\` or exclude it from the wsbc plugin`);
      }
      const policy = options.policies?.find((p) => p.test.test(path))?.policy ?? options.policy;
      this.addWatchFile(path);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path));
      } catch (error) {
        this.error(`wsbc: cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const result = await build(bytes, { policy, cwd: root, file: shown, ...(options.sign !== undefined ? { sign: options.sign } : {}) });
      if (!result.ok) {
        this.error(`wsbc: ${shown} refused at the ${result.stage} stage under ${policy}:\n${formatFindings(result.diagnostics, result.sources)}`);
      }
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
      if (warnings.length > 0) {
        const text = `wsbc: ${shown} has warnings under ${policy}:\n${formatFindings(warnings, result.sources)}`;
        if (options.failOnWarnings) this.error(text);
        this.warn(text);
      }
      const hash = manifestHash(result.manifest);
      const url =
        command === 'build'
          ? `import.meta.ROLLUP_FILE_URL_${this.emitFile({ type: 'asset', name: basename(path).replace(/\.wasm$/, '.vetted.wasm'), source: result.artifact })}`
          : JSON.stringify(`data:application/wasm;base64,${Buffer.from(result.artifact).toString('base64')}`);
      return [
        `// ${oneLine(shown)}, vetted by wsbc under ${oneLine(policy)}`,
        `export const manifestHash = ${JSON.stringify(hash)};`,
        `const url = ${url};`,
        'export default url;',
        '',
      ].join('\n');
    },
  };
}

/**
 * Text for a `//` comment of the generated module. File names may hold line terminators (and JS
 * also ends a line at U+2028 and U+2029): raw, the rest of a name would become code in the bundle.
 */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export { formatFindings } from './format-findings.js';
