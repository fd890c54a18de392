// The dispatcher: maps `wsbc <command>` to one file in ./commands, loaded lazily so that
// starting the CLI costs one small module plus the command actually used (start-up time is a
// benchmark target: at most 2x `node -e 0`).
//
// To add a command: create commands/<name>.ts with a default-exported Command, and add one
// line to `commands` below.
import type { Command, CommandContext } from './command.js';
import { ExitCode } from './exit-codes.js';
import { WSBC_VERSION } from './version.js';

type Loader = () => Promise<{ default: Command }>;

export const commands: Record<string, { summary: string; load: Loader }> = {
  compile: { summary: 'Compile a .wsp policy to its normalized manifest (JSON)', load: () => import('./commands/compile.js') },
  lint: { summary: 'Check .wsp policies for risky or unintended grants and limits', load: () => import('./commands/lint.js') },
  fmt: { summary: 'Print .wsp policies in canonical layout, or check or rewrite them', load: () => import('./commands/fmt.js') },
  check: { summary: 'Check modules against a policy without running them', load: () => import('./commands/check.js') },
  infer: { summary: 'Write the least-privilege policy a module needs', load: () => import('./commands/infer.js') },
  inspect: { summary: 'Describe a module: imports, exports, memories, tables, features', load: () => import('./commands/inspect.js') },
  instrument: { summary: 'Add fuel metering, memory-growth and stack-depth guards to a module', load: () => import('./commands/instrument.js') },
  build: { summary: 'Check, instrument and seal a module into a vetted artifact', load: () => import('./commands/build.js') },
  verify: { summary: 'Explain and verify a vetted artifact (seal, code hash, manifest, signatures)', load: () => import('./commands/verify.js') },
  types: { summary: 'Generate TypeScript declarations and a typed loader for a module', load: () => import('./commands/types.js') },
  run: { summary: 'Run a module in the sandbox under a policy', load: () => import('./commands/run.js') },
};

function topLevelUsage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `wsbc ${WSBC_VERSION}: run untrusted WebAssembly safely`,
    '',
    'Usage: wsbc <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `wsbc <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export async function main(ctx: CommandContext): Promise<number> {
  const [name, ...rest] = ctx.argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? rest[0] : undefined;
    if (target !== undefined && commands[target]) {
      const command = (await commands[target].load()).default;
      ctx.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
      return ExitCode.Ok;
    }
    (name === undefined ? ctx.stderr : ctx.stdout).write(topLevelUsage());
    return name === undefined ? ExitCode.BadInput : ExitCode.Ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    ctx.stdout.write(`${WSBC_VERSION}\n`);
    return ExitCode.Ok;
  }
  const entry = commands[name];
  if (!entry) {
    const suggestion = closestCommand(name);
    ctx.stderr.write(`wsbc: unknown command "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}\n`);
    ctx.stderr.write('Run `wsbc --help` to list the commands.\n');
    return ExitCode.BadInput;
  }
  const help = rest.includes('--help') || rest.includes('-h');
  // `wsbc run`: the sandbox worker thread boots while the command's modules load, instead of
  // after them (docs/benchmarks.md, "Runtime"). The run takes this worker; a missing worker file
  // is reported by the run itself.
  if (name === 'run' && !help) void import('@wsbc/runtime/prewarm').then(({ prewarm }) => prewarm()).catch(() => undefined);
  const command = (await entry.load()).default;
  if (help) {
    ctx.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return ExitCode.Ok;
  }
  return command.run({ ...ctx, argv: rest });
}

function closestCommand(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of Object.keys(commands)) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
