#!/usr/bin/env node
// The `wsbc` executable: wires the real process streams into the dispatcher and turns an
// unexpected exception (a bug) into a one-line message and ExitCode.Internal.
import { main } from './cli.js';
import type { Interrupt, Interrupts } from './command.js';
import { ExitCode } from './exit-codes.js';

// Ending the process from outside: a command that has something to finish first (`wsbc run`
// ends its run, and the runtime writes the audit log's final record) subscribes; the process then
// dies of the signal once the command returns, as it would have without a handler. The handlers
// are installed when the first listener subscribes (every other command keeps the default action
// of each signal) and stay: a signal that arrives as the listener unsubscribes still ends the
// process, where removing them could drop it. A second signal, or a command that does not return
// within ENDING_GRACE_MS, ends it at once.
const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type HandledSignal = keyof typeof SIGNAL_NUMBERS;
const ENDING_GRACE_MS = 2000;
const listeners = new Set<(interrupt: Interrupt) => void>();
let pendingSignal: HandledSignal | undefined;

function notify(interrupt: Interrupt): void {
  for (const listener of [...listeners]) {
    try {
      listener(interrupt);
    } catch {
      // The process is ending; one listener's failure must not keep the others from running.
    }
  }
  listeners.clear();
}

/**
 * Dies of the signal, as without a handler: a shell running a loop of `wsbc run` stops at Ctrl-C
 * (it would carry on after a child that exits normally), and `$?` is 128 + the signal number.
 */
function dieOf(signal: HandledSignal): void {
  for (const name of Object.keys(SIGNAL_NUMBERS) as HandledSignal[]) process.removeAllListeners(name);
  process.kill(process.pid, signal);
  // The signal is delivered at once; this only guards against a platform where it is not.
  setTimeout(() => process.exit(128 + SIGNAL_NUMBERS[signal]), 1000).unref();
}

function onSignal(signal: HandledSignal): void {
  if (pendingSignal !== undefined) return dieOf(signal);
  pendingSignal = signal;
  notify({ signal, stdoutError: null, status: 128 + SIGNAL_NUMBERS[signal], reason: `interrupted by ${signal}` });
  setTimeout(() => dieOf(signal), ENDING_GRACE_MS).unref();
}

let handling = false;
const interrupts: Interrupts = {
  on(listener) {
    if (!handling) for (const name of Object.keys(SIGNAL_NUMBERS) as HandledSignal[]) process.on(name, onSignal);
    handling = true;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
};

// stdout closed early (`wsbc ... | head`) is not an error worth a stack trace. The command ends
// as a native program does by SIGPIPE (141): a run in progress after its audit log gets its final
// record, any other command at once (exiting 0 there would claim a verdict for a report nobody
// read in full, and `set -o pipefail` scripts would take it for success). Any other write error
// (ENOSPC for `> /dev/full`) must not pass for success with the output lost. Later errors of the
// same stream change nothing.
let stdoutFailed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (stdoutFailed) return;
  stdoutFailed = true;
  const code = error.code ?? 'EIO';
  if (listeners.size > 0) {
    notify({ signal: null, stdoutError: code, status: 141, reason: code === 'EPIPE' ? 'stdout was closed (EPIPE)' : `cannot write to stdout (${code})` });
    setTimeout(() => process.exit(141), ENDING_GRACE_MS).unref();
    return;
  }
  if (code === 'EPIPE') process.exit(ExitCode.StdoutClosed);
  process.stderr.write(`wsbc: cannot write to stdout: ${code}\n`);
  process.exit(ExitCode.BadInput);
});

try {
  const code = await main({
    argv: process.argv.slice(2),
    cwd: process.cwd(),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    interrupts,
  });
  process.exitCode = code;
  // Interrupted: the command has finished what it had to (the run's final audit record), and the
  // process now dies of the signal it got.
  if (pendingSignal !== undefined) dieOf(pendingSignal);
} catch (error) {
  const detail = error instanceof Error ? error.message : String(error);
  process.stderr.write(`wsbc: internal error: ${detail}\n`);
  if (process.env.WSBC_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
  process.stderr.write('This is a bug in wsbc; please report it with the command line you ran.\n');
  process.exitCode = ExitCode.Internal;
}
