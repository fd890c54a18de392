// `wsbc verify artifact.wasm [--trust pub.pem] [--original m.wasm] [--policy p.wsp]`: explains
// what a vetted artifact carries and whether it may run: one line per check, then the findings.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Diagnostic } from '@wsbc/diagnostics';
import { describeGrants, loadTrustedKey, verifyArtifact, type VerifyCheck, type VerifyReport } from '@wsbc/artifact';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicy, readInput } from '../input.js';
import { writeChunks } from '../output.js';
import { renderDiagnostics, type RenderFormat } from '../render/index.js';
import { jsonReport } from '../render/json.js';
import { jsonDocument } from '../render/json-stream.js';
import { cleanLine } from '../render/pretty.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const formats = ['pretty', 'json', 'sarif'] as const;

const marks: Record<VerifyCheck['status'], string> = { pass: 'ok  ', fail: 'FAIL', warn: 'note', skip: '--  ' };

const command: Command = {
  name: 'verify',
  summary: 'Explain and verify a vetted artifact (seal, code hash, manifest, signatures)',
  usage: `Usage: wsbc verify <artifact.wasm> [--trust pub.pem]... [--original module.wasm] [--policy policy.wsp]
                   [--format pretty|json|sarif]

Reads the wsbc.vetted section of an artifact built by \`wsbc build\` and checks it: the section is
present once and well-formed, its seal matches, the code is the code that was vetted, the embedded
manifest is valid and canonical, and every signature verifies. Prints one line per check, then
what the embedded manifest grants, area by area.

Options:
      --trust <key.pem>     require a valid signature by this Ed25519 key (repeatable; a public
                            key, or a private key whose public half is trusted)
      --original <file>     the module given to \`wsbc build\`: its sha256 must match
      --policy <file>       the policy (.wsp or manifest .json) the artifact must have been built under
      --format <fmt>        pretty (default), json (the shared report plus a \`verify\` object with
                            every check), sarif (the failures only)
  -h, --help                show this help

Exit codes: 0 verified, 1 verification failed, 2 unreadable input, bad key or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      trust: { type: 'string', multiple: true },
      original: { type: 'string' },
      policy: { type: 'string' },
      format: { type: 'string', default: 'pretty' },
    });
    if (!parsed.ok) return usageError(ctx, 'verify', parsed.message);
    const { values, positionals } = parsed.args;
    const formatError = checkChoice('format', values.format, formats);
    if (formatError) return usageError(ctx, 'verify', formatError);
    if (positionals.length !== 1) return usageError(ctx, 'verify', 'expected exactly one artifact file');
    const format = values.format as RenderFormat;
    const file = positionals[0]!;

    const inputProblems: Diagnostic[] = [];
    let sources = new Map<string, string>();
    const artifact = await readInput(file, ctx);
    if (!artifact.ok) inputProblems.push(artifact.diagnostic);
    const trustedKeys: Uint8Array[] = [];
    for (const keyFile of values.trust ?? []) {
      const read = await readInput(keyFile, ctx);
      if (!read.ok) {
        inputProblems.push(read.diagnostic);
        continue;
      }
      const key = loadTrustedKey(read.value);
      if (key.ok) trustedKeys.push(key.key);
      else inputProblems.push({ code: 'artifact/bad-key', severity: 'error', message: `${keyFile}: ${key.message}` });
    }
    let original: Uint8Array | undefined;
    if (values.original !== undefined) {
      const read = await readInput(values.original, ctx);
      if (read.ok) original = read.value;
      else inputProblems.push(read.diagnostic);
    }
    let expectedManifest;
    if (values.policy !== undefined) {
      const policy = await loadPolicy(values.policy, ctx);
      sources = policy.sources;
      if (policy.manifest && !policy.diagnostics.some((d) => d.severity === 'error')) expectedManifest = policy.manifest;
      else for (const d of policy.diagnostics) inputProblems.push(d);
    }
    const render = (diagnostics: Diagnostic[], out = format === 'pretty' ? ctx.stderr : ctx.stdout) =>
      writeChunks(out, renderDiagnostics(format, diagnostics, { sources, color: useColor(out, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    if (inputProblems.length > 0 || !artifact.ok) {
      await render(inputProblems);
      return ExitCode.BadInput;
    }

    const report = verifyArtifact(artifact.value, { file, trustedKeys, original, expectedManifest, toolVersion: WSBC_VERSION });
    if (format === 'json') {
      // The shared JSON report (version, tool, diagnostics, summary) plus a `verify` object.
      const shared = jsonReport(report.diagnostics, { sources, color: false, toolVersion: WSBC_VERSION, cwd: ctx.cwd });
      await writeChunks(ctx.stdout, jsonDocument({ ...shared, verify: verifyReport(file, report) }));
    } else if (format === 'sarif') {
      await render(report.diagnostics);
    } else {
      ctx.stdout.write(prettyReport(file, report));
      if (report.diagnostics.length > 0) await render(report.diagnostics);
    }
    return report.ok ? ExitCode.Ok : ExitCode.Findings;
  },
};

function prettyReport(file: string, report: VerifyReport): string {
  const lines = [`${file}:`];
  // Check messages and grants quote the artifact's own manifest (names, paths, hosts), which a
  // forger writes: one line each, escapes shown, so they cannot print or hide a line of the report.
  for (const check of report.checks) lines.push(`  ${marks[check.status]}  ${check.id.padEnd(10)} ${cleanLine(check.message)}`);
  // What the module may do, from the embedded manifest (only when that manifest is valid).
  const manifest = report.artifact?.manifest;
  if (manifest) {
    lines.push(`  grants of the embedded manifest${manifest.name ? ` "${cleanLine(manifest.name)}"` : ''}:`);
    for (const grant of describeGrants(manifest)) lines.push(`        ${grant.area.padEnd(11)} ${cleanLine(grant.text)}`);
  }
  lines.push(report.ok ? `verified: ${file} may run under its embedded manifest` : `NOT verified: ${file} must not run`);
  return `${lines.join('\n')}\n`;
}

function verifyReport(file: string, report: VerifyReport) {
  const { manifest, ...artifact } = report.artifact ?? { manifest: undefined };
  return {
    file,
    ok: report.ok,
    vetted: report.vetted,
    ...(report.artifact ? { artifact: { ...artifact, manifestName: manifest?.name, ...(manifest ? { grants: describeGrants(manifest) } : {}) } } : {}),
    checks: report.checks,
  };
}

export default command;
