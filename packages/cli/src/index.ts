// Programmatic entry to the CLI (used by tests and by embedders that want `wsbc` behaviour in process).
export { main, commands } from './cli.js';
export type { Command, CommandContext, Interrupt, Interrupts, OutputStream } from './command.js';
export { ExitCode } from './exit-codes.js';
export { WSBC_VERSION } from './version.js';
