// Argument parsing shared by every command: node:util parseArgs in strict mode, with usage
// errors turned into a value (never a stack trace) so commands can exit with ExitCode.BadInput.
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode } from './exit-codes.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export type ParsedArgs<O extends OptionSpec> = ReturnType<typeof nodeParseArgs<{ options: O; allowPositionals: true; strict: true }>>;

export type ArgsResult<O extends OptionSpec> = { ok: true; args: ParsedArgs<O> } | { ok: false; message: string };

/** Common flags every command accepts. */
export const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

export function parseCommandArgs<O extends OptionSpec>(argv: string[], options: O): ArgsResult<O> {
  try {
    const args = nodeParseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { ok: true, args };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: message.replace(/^TypeError \[[A-Z_]+\]: /, '') };
  }
}

/** Checks a value against a fixed set (e.g. --format), returning a usage error message or undefined. */
export function checkChoice(flag: string, value: string | undefined, choices: readonly string[]): string | undefined {
  if (value === undefined || choices.includes(value)) return undefined;
  return `--${flag} must be one of ${choices.join(', ')} (got "${value}")`;
}

/** Reports a usage error for `wsbc <command>` and returns ExitCode.BadInput (2). */
export function usageError(ctx: { stderr: { write(s: string): unknown } }, command: string, message: string): number {
  ctx.stderr.write(`wsbc ${command}: ${message}\nRun \`wsbc ${command} --help\` for usage.\n`);
  return ExitCode.BadInput;
}
