#!/usr/bin/env node
// The `wsbc` executable: wires the real process streams into the dispatcher and turns an
// unexpected exception (a bug) into a one-line message and ExitCode.Internal.
import { main } from './cli.js';
import { ExitCode } from './exit-codes.js';

// stdout closed early (`wsbc ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

try {
  const code = await main({
    argv: process.argv.slice(2),
    cwd: process.cwd(),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  process.exitCode = code;
} catch (error) {
  const detail = error instanceof Error ? error.message : String(error);
  process.stderr.write(`wsbc: internal error: ${detail}\n`);
  if (process.env.WSBC_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
  process.stderr.write('This is a bug in wsbc; please report it with the command line you ran.\n');
  process.exitCode = ExitCode.Internal;
}
