// `wsbc infer module.wasm [-o policy.wsp]`: writes the least-privilege policy a module needs, with
// a comment on every grant naming the imports that need it. What no policy can grant (reserved or
// component-model imports, unknown WASI names, memory64) is listed as comments and reported.
import { inferPolicy } from '@wsbc/analyzer';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { readInput } from '../input.js';
import { clobberedInput, clobberMessage, writeChunks, writeError, writeOutput } from '../output.js';
import { renderDiagnostics } from '../render/index.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const command: Command = {
  name: 'infer',
  summary: 'Write the least-privilege policy a module needs',
  usage: `Usage: wsbc infer <module.wasm> [-o policy.wsp] [--name <policy name>]

Reads the module without running it and prints the narrowest .wsp policy under which
\`wsbc check\` allows it: it extends \`minimal\` and adds only what the module's imports, memories,
tables and threads need, each grant with a comment naming the imports that need it. Directory
paths, hosts and commands are placeholders: review them before use. Environment variables are
never granted: a module that reads them gets a comment; list the names it may see yourself.

Options:
  -o, --output <file>   write the policy to <file> instead of stdout
      --name <name>     policy name (default: the module's file name without .wasm)
  -h, --help            show this help

Exit codes: 0 policy written, 1 policy written but the module needs something no policy can
grant (see the comments at its top), 2 unreadable or malformed module, or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      output: { type: 'string', short: 'o' },
      name: { type: 'string' },
    });
    if (!parsed.ok) return usageError(ctx, 'infer', parsed.message);
    const { values, positionals } = parsed.args;
    if (positionals.length !== 1) return usageError(ctx, 'infer', 'expected exactly one module');
    const file = positionals[0]!;
    const clobbered = values.output === undefined ? undefined : clobberedInput(values.output, [file], ctx.cwd);
    if (clobbered !== undefined) return usageError(ctx, 'infer', clobberMessage(values.output!, clobbered));
    const render = (diagnostics: Parameters<typeof renderDiagnostics>[1]) =>
      writeChunks(ctx.stderr, renderDiagnostics('pretty', diagnostics, { sources: new Map(), color: useColor(ctx.stderr, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));

    const read = await readInput(file, ctx);
    if (!read.ok) {
      await render([read.diagnostic]);
      return ExitCode.BadInput;
    }
    // From stdin the file name says nothing: the policy is named "module" unless --name says.
    const name = values.name ?? (file === '-' ? 'module' : undefined);
    const result = inferPolicy(read.value, { file, ...(name !== undefined ? { name } : {}) });
    if (!result.ok) {
      await render(result.diagnostics);
      return ExitCode.BadInput;
    }
    if (values.output !== undefined) {
      const written = writeOutput(values.output, result.policy, ctx.cwd);
      if (!written.ok) return writeError(ctx, 'infer', written.message);
    } else ctx.stdout.write(result.policy);
    if (result.unfixable.length > 0) {
      await render(result.unfixable);
      return ExitCode.Findings;
    }
    return ExitCode.Ok;
  },
};

export default command;
