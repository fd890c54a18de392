// Argument parsing shared by every command: node:util parseArgs in strict mode, with usage
// errors turned into a value (never a stack trace) so commands can exit with ExitCode.BadInput.
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode } from './exit-codes.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export type ParsedArgs<O extends OptionSpec> = ReturnType<typeof nodeParseArgs<{ options: O; allowPositionals: true; strict: true }>>;

export type ArgsResult<O extends OptionSpec> = { ok: true; args: ParsedArgs<O> } | { ok: false; message: string };

/** Common flags every command accepts. */
export const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

/** Arguments node's parseArgs reads in one call; past this, a command line is read in slices. */
const SLICE = 1024;

export function parseCommandArgs<O extends OptionSpec>(argv: string[], options: O): ArgsResult<O> {
  try {
    if (argv.length <= SLICE) return { ok: true, args: nodeParseArgs({ args: argv, options, allowPositionals: true, strict: true }) };
    return { ok: true, args: parseInSlices(argv, options) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: message.replace(/^TypeError \[[A-Z_]+\]: /, '') };
  }
}

/**
 * node's parseArgs takes each argument off the front of a copy of the list (Array#shift, which
 * moves the rest of a long list), so its time grows with the square of the argument count: 50,000
 * `--env` flags took 3 s, 200,000 took 50 s. A long command line is read in slices of about SLICE
 * arguments, each by parseArgs itself (same meanings, same error messages), cut only where no
 * option can take the next argument as its value; everything from `--` on is one last slice.
 * Repeated options add up as in one call (a `multiple` list grows, a single value is the last
 * given), and defaults are filled in once at the end.
 */
function parseInSlices<O extends OptionSpec>(argv: string[], options: O): ParsedArgs<O> {
  const withoutDefaults: OptionSpec = {};
  const shortBoolean = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    const { default: _default, ...rest } = spec;
    withoutDefaults[name] = rest;
    if (spec.type === 'boolean' && spec.short !== undefined) shortBoolean.add(spec.short);
  }
  // After one of these no option can be waiting for a value, so a slice may end there.
  const endsUnit = (arg: string): boolean =>
    !arg.startsWith('-') ||
    arg === '-' ||
    (arg.startsWith('--') && arg.includes('=')) ||
    (arg.startsWith('--') && options[arg.slice(2)]?.type === 'boolean') ||
    (arg.length === 2 && shortBoolean.has(arg[1]!));
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  const absorb = (args: string[]): void => {
    const parsed = nodeParseArgs({ args, options: withoutDefaults, allowPositionals: true, strict: true });
    for (const [name, value] of Object.entries(parsed.values)) {
      if (options[name]?.multiple && Array.isArray(value)) {
        const list = (values[name] ??= []) as unknown[];
        for (const item of value) list.push(item);
      } else values[name] = value;
    }
    for (const positional of parsed.positionals) positionals.push(positional);
  };
  let start = 0;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (i + 1 - start >= SLICE && endsUnit(argv[i]!)) {
      absorb(argv.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < argv.length) absorb(argv.slice(start));
  for (const [name, spec] of Object.entries(options)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
  }
  return { values, positionals } as unknown as ParsedArgs<O>;
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
