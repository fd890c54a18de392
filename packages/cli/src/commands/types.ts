// `wsbc types module.wasm -o module.d.ts`: TypeScript declarations for a module's imports and
// exports, plus the typed loader they describe (module.js beside module.d.ts, unless --no-loader).
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { generateTypes } from '@wsbc/typegen';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { readInput } from '../input.js';
import { clobberedInput, clobberMessage, writeChunks, writeError, writeOutput } from '../output.js';
import { renderDiagnostics } from '../render/index.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const command: Command = {
  name: 'types',
  summary: 'Generate TypeScript declarations and a typed loader for a module',
  usage: `Usage: wsbc types <module.wasm> [-o module.d.ts] [--no-loader]

Prints TypeScript declarations for the module's exports (interface Exports), the imports it needs
(interface Imports) and a typed loader, instantiate(imports). With -o, also writes the loader as a
.js file beside the .d.ts (module.d.ts -> module.js) that reads the .wasm file by its path relative
to the output directory. i64 maps to bigint, funcref to Function | null, v128 to never.

Options:
  -o, --output <file.d.ts>  write the declarations (and the loader beside them) instead of stdout
      --no-loader           write only the declarations
  -h, --help                show this help

Exit codes: 0 generated, 2 unreadable or malformed module, or usage error.
`,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx.argv, {
      output: { type: 'string', short: 'o' },
      'no-loader': { type: 'boolean' },
    });
    if (!parsed.ok) return usageError(ctx, 'types', parsed.message);
    const { values, positionals } = parsed.args;
    if (positionals.length !== 1 || positionals[0] === '-') return usageError(ctx, 'types', 'expected exactly one module file');
    const output = values.output;
    if (output !== undefined && !output.endsWith('.d.ts')) return usageError(ctx, 'types', `the output must be a .d.ts file (got "${output}")`);
    const file = positionals[0]!;
    const loaderOutput = output === undefined || values['no-loader'] ? undefined : output.replace(/\.d\.ts$/, '.js');
    for (const target of [output, loaderOutput]) {
      const clobbered = target === undefined ? undefined : clobberedInput(target, [file], ctx.cwd);
      if (clobbered !== undefined) return usageError(ctx, 'types', clobberMessage(target!, clobbered));
    }

    const read = await readInput(file, ctx);
    const report = (diagnostics: Parameters<typeof renderDiagnostics>[1]) =>
      writeChunks(ctx.stderr, renderDiagnostics('pretty', diagnostics, { sources: new Map(), color: useColor(ctx.stderr, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
    if (!read.ok) {
      await report([read.diagnostic]);
      return ExitCode.BadInput;
    }
    const modulePath = resolve(ctx.cwd, file);
    const outputPath = output === undefined ? undefined : resolve(ctx.cwd, output);
    const wasmFileName = outputPath === undefined ? basename(modulePath) : relative(dirname(outputPath), modulePath).split(sep).join('/');
    const generated = generateTypes(read.value, { wasmFileName, file });
    if (!generated.ok) {
      await report(generated.diagnostics);
      return ExitCode.BadInput;
    }
    if (outputPath === undefined) {
      ctx.stdout.write(generated.value.declarations);
      return ExitCode.Ok;
    }
    const written = [output!];
    for (const [target, text] of [[output!, generated.value.declarations], ...(loaderOutput === undefined ? [] : [[loaderOutput, generated.value.loader]])] as const) {
      const result = writeOutput(target, text, ctx.cwd);
      if (!result.ok) return writeError(ctx, 'types', result.message);
    }
    if (loaderOutput !== undefined) written.push(relative(ctx.cwd, resolve(ctx.cwd, loaderOutput)) || loaderOutput);
    ctx.stderr.write(`wrote ${written.join(' and ')} (${generated.value.interface.exports.length} exports, ${generated.value.interface.imports.length} imports)\n`);
    return ExitCode.Ok;
  },
};

export default command;
