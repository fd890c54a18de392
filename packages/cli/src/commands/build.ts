// `wsbc build module.wasm --policy p.wsp -o module.vetted.wasm [--sign key.pem]`: the CI step
// that turns a module into a vetted artifact. Refuses with the same findings and exit codes as
// `wsbc check`; otherwise instruments the module and seals the normalized manifest, the
// original's sha256 and the wsbc version into its wsbc.vetted section, optionally signed.
import { build, manifestHash, type BuildResult } from 'wsbc';
import { keyFingerprint, loadSigningKey, type SigningKey } from '@wsbc/artifact';
import type { Diagnostic } from '@wsbc/diagnostics';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicy, readInput } from '../input.js';
import { clobberedInput, clobberMessage, writeChunks, writeError, writeOutput } from '../output.js';
import { renderDiagnostics, type RenderFormat } from '../render/index.js';
import { jsonReport } from '../render/json.js';
import { jsonDocument } from '../render/json-stream.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const formats = ['pretty', 'json', 'sarif'] as const;

/** Findings that mean the input is not a module wsbc can read (exit 2, as in `wsbc check`). */
const BAD_INPUT_CODES = new Set(['check/malformed-module', 'check/component-binary', 'input/unreadable', 'instrument/invalid-module']);

const command: Command = {
  name: 'build',
  summary: 'Check, instrument and seal a module into a vetted artifact',
  usage: `Usage: wsbc build <module.wasm> --policy <policy.wsp | manifest.json> [-o module.vetted.wasm] [--sign key.pem]...
                  [--format pretty|json|sarif]

Checks the module against the policy (refusing it with the same findings and exit codes as
\`wsbc check\`), instruments it (fuel, memory growth, stack depth, as the policy's limits say) and
embeds a wsbc.vetted section sealing the normalized manifest, the sha256 of the original module,
the sha256 of the instrumented code and the wsbc version. \`wsbc run\` runs such artifacts and
\`wsbc verify\` explains them.

Options:
  -p, --policy <file>   the policy: a .wsp source or a compiled manifest .json (required)
  -o, --output <file>   where to write the artifact (default: <module>.vetted.wasm beside the input)
      --sign <key.pem>  sign the artifact with this Ed25519 private key (PKCS#8 PEM; repeatable).
                        Make one with: openssl genpkey -algorithm ed25519 -out key.pem
      --format <fmt>    how to report findings: pretty (default), json (the shared report plus a
                        \`build\` object), sarif
  -h, --help            show this help

Exit codes: 0 built, 1 the module was refused (check findings or instrumentation refused it),
2 unreadable or malformed module, bad policy, bad key, or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      policy: { type: 'string', short: 'p' },
      output: { type: 'string', short: 'o' },
      sign: { type: 'string', multiple: true },
      format: { type: 'string', default: 'pretty' },
    });
    if (!parsed.ok) return usageError(ctx, 'build', parsed.message);
    const { values, positionals } = parsed.args;
    const formatError = checkChoice('format', values.format, formats);
    if (formatError) return usageError(ctx, 'build', formatError);
    if (values.policy === undefined) return usageError(ctx, 'build', 'missing --policy <policy.wsp | manifest.json>');
    if (positionals.length !== 1 || positionals[0] === '-') return usageError(ctx, 'build', 'expected exactly one module file');
    const format = values.format as RenderFormat;
    const file = positionals[0]!;
    const output = values.output ?? (file.endsWith('.wasm') ? `${file.slice(0, -'.wasm'.length)}.vetted.wasm` : `${file}.vetted.wasm`);
    // The original is what --original verification and rebuilds need; never overwrite it (nor the policy or a key).
    const clobbered = clobberedInput(output, [file, values.policy, ...(values.sign ?? [])], ctx.cwd);
    if (clobbered !== undefined) return usageError(ctx, 'build', clobberMessage(output, clobbered));
    const out = ctx.stdout;
    const render = async (diagnostics: Diagnostic[], sources: ReadonlyMap<string, string>) => {
      if (diagnostics.length === 0 && format === 'pretty') return;
      await writeChunks(out, renderDiagnostics(format, diagnostics, { sources, color: useColor(out, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    };

    // Inputs first, so a typo in a key path is reported before any work.
    const problems: Diagnostic[] = [];
    const keys: SigningKey[] = [];
    for (const keyFile of values.sign ?? []) {
      const read = await readInput(keyFile, ctx);
      if (!read.ok) {
        problems.push(read.diagnostic);
        continue;
      }
      const key = loadSigningKey(read.value);
      if (key.ok) keys.push(key.key);
      else problems.push({ code: 'artifact/bad-key', severity: 'error', message: `${keyFile}: ${key.message}` });
    }
    const module = await readInput(file, ctx);
    if (!module.ok) problems.push(module.diagnostic);
    if (problems.length > 0 || !module.ok) {
      await render(problems, new Map());
      return ExitCode.BadInput;
    }
    const policy = await loadPolicy(values.policy, ctx);
    // A policy that does not compile is a refusal at the `policy` stage, reported like the
    // others (the JSON `build` object says so), not a bare list of diagnostics.
    const policyRefused = !policy.manifest || policy.diagnostics.some((d) => d.severity === 'error');
    const result: BuildResult =
      !policy.manifest || policyRefused
        ? { ok: false, stage: 'policy', diagnostics: policy.diagnostics, sources: policy.sources }
        : await build(module.value, { manifest: policy.manifest, sign: keys, file });
    const all = policyRefused ? result.diagnostics : [...policy.diagnostics, ...result.diagnostics];
    const badInput = !result.ok && (result.stage === 'policy' || result.stage === 'seal' || result.diagnostics.some((d) => BAD_INPUT_CODES.has(d.code)));
    if (result.ok) {
      const written = writeOutput(output, result.artifact, ctx.cwd);
      if (!written.ok) return writeError(ctx, 'build', written.message);
    }

    if (format === 'json') {
      // The shared JSON report (version, tool, diagnostics, summary) plus a `build` object, as
      // `wsbc check` adds its `check` object, so one consumer reads both.
      const shared = jsonReport(all, { sources: policy.sources, color: false, toolVersion: WSBC_VERSION, cwd: ctx.cwd });
      await writeChunks(ctx.stdout, jsonDocument({ ...shared, build: buildReport(file, output, values.policy, result, keys) }));
    } else {
      await render(all, policy.sources);
      if (format === 'pretty') ctx.stderr.write(`${verdictLine(file, output, result, keys, useColor(ctx.stderr, ctx.env))}\n`);
    }
    if (result.ok) return ExitCode.Ok;
    return badInput ? ExitCode.BadInput : ExitCode.Findings;
  },
};

function verdictLine(file: string, output: string, result: BuildResult, keys: SigningKey[], color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    return `${paint('31;1', 'refused')} ${file} at the ${result.stage} stage (${errors} error${errors === 1 ? '' : 's'}); no artifact written`;
  }
  const signed = keys.length ? `, signed by ${keys.map((k) => keyFingerprint(k.publicKey)).join(', ')}` : ', unsigned';
  const name = result.manifest.name ? `policy "${result.manifest.name}"` : 'anonymous policy';
  return `${paint('32;1', 'built')} ${output} from ${file} (${result.artifact.length} bytes, ${name} ${manifestHash(result.manifest)}${signed})`;
}

function buildReport(file: string, output: string, policy: string, result: BuildResult, keys: SigningKey[]) {
  return {
    module: file,
    policy,
    passed: result.ok,
    ...(result.ok
      ? {
          output,
          artifact: {
            bytes: result.artifact.length,
            manifestHash: manifestHash(result.manifest),
            signatures: keys.map((k) => keyFingerprint(k.publicKey)),
            instrumentation: result.instrumentation,
          },
        }
      : { stage: result.stage }),
  };
}

export default command;
