// `wsbc compile policy.wsp [-o manifest.json]`: the policy compiler's front door. Prints the
// normalized manifest (canonical JSON, so equal meanings give equal bytes) or the diagnostics.
import { canonicalManifestJson, manifestHash } from '@wsbc/manifest';
import { checkChoice, parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicy } from '../input.js';
import { clobberedInput, clobberMessage, writeChunks, writeError, writeOutput } from '../output.js';
import type { RenderFormat } from '../render/index.js';
import { loadRenderer } from '../render/load.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const formats = ['pretty', 'json', 'sarif'] as const;

const command: Command = {
  name: 'compile',
  summary: 'Compile a .wsp policy to its normalized manifest (JSON)',
  usage: `Usage: wsbc compile <policy.wsp | -> [-o manifest.json] [--format pretty|json|sarif] [--hash]

Compiles a policy to its normalized capability manifest. With the default pretty format the
manifest goes to stdout (or to -o) and diagnostics to stderr. With --format json or sarif, stdout
carries the diagnostics report, so write the manifest with -o.

Options:
  -o, --output <file>   write the manifest to <file> instead of stdout
      --format <fmt>    how to report diagnostics: pretty (default), json, sarif
      --hash            print only the manifest's sha256 hash
  -h, --help            show this help

Exit codes: 0 compiled (warnings allowed), 1 policy has errors, 2 unreadable input or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      output: { type: 'string', short: 'o' },
      format: { type: 'string', default: 'pretty' },
      hash: { type: 'boolean' },
    });
    if (!parsed.ok) return usageError(ctx, 'compile', parsed.message);
    const { values, positionals } = parsed.args;
    const formatError = checkChoice('format', values.format, formats);
    if (formatError) return usageError(ctx, 'compile', formatError);
    if (positionals.length !== 1) return usageError(ctx, 'compile', 'expected exactly one policy file (or - for stdin)');
    const format = values.format as RenderFormat;
    const clobbered = values.output === undefined ? undefined : clobberedInput(values.output, positionals, ctx.cwd);
    if (clobbered !== undefined) return usageError(ctx, 'compile', clobberMessage(values.output!, clobbered));

    const policy = await loadPolicy(positionals[0]!, ctx);
    const hasErrors = policy.diagnostics.some((d) => d.severity === 'error');
    if (policy.diagnostics.length > 0 || format !== 'pretty') {
      const out = format === 'pretty' ? ctx.stderr : ctx.stdout;
      // Loaded only when there is something to render: a clean compile loads no renderer (start-up time).
      const renderer = await loadRenderer(format);
      await writeChunks(
        out,
        renderer.render(policy.diagnostics, {
          sources: policy.sources,
          color: useColor(out, ctx.env),
          toolVersion: WSBC_VERSION,
          cwd: ctx.cwd,
        }),
      );
    }
    if (!policy.manifest || hasErrors) {
      const unreadable = policy.diagnostics.some((d) => d.code === 'input/unreadable');
      return unreadable ? ExitCode.BadInput : ExitCode.Findings;
    }
    const text = values.hash ? `${manifestHash(policy.manifest)}\n` : canonicalManifestJson(policy.manifest);
    if (values.output !== undefined) {
      const written = writeOutput(values.output, text, ctx.cwd);
      if (!written.ok) return writeError(ctx, 'compile', written.message);
    } else if (format === 'pretty') ctx.stdout.write(text);
    return ExitCode.Ok;
  },
};

export default command;
