// The contract between the dispatcher (cli.ts) and one command file in ./commands.
// A command parses its own arguments, calls the libraries, renders, and returns an exit code;
// it never calls process.exit and never writes to process.stdout directly, so it can be tested
// in process with captured streams.

export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
  /** Set when the stream is a terminal (controls colour and progress output). */
  isTTY?: boolean;
  // What a Node stream (process.stdout) adds, for writing long output as fast as it is taken
  // (writeChunks in output.ts); a stream without them is written to at once.
  /** Set when the stream's buffer is full, until it emits 'drain'. */
  writableNeedDrain?: boolean;
  /** Set once the stream failed or was closed: nothing written to it arrives any more. */
  destroyed?: boolean;
  once?(event: 'drain' | 'close', listener: () => void): unknown;
  off?(event: 'drain' | 'close', listener: () => void): unknown;
}

export interface CommandContext {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /**
   * How the process is being ended from outside while a command runs: a signal (Ctrl-C, `kill`,
   * a closed terminal) or a stdout that can no longer be written (`wsbc run ... | head -1`). The
   * executable provides it (bin.ts); in-process callers may leave it out. A listener runs
   * synchronously and starts the command's own ending (`wsbc run` aborts its run, whose final
   * audit record the runtime writes); the process then ends as the command returns, or after a
   * grace of 2 s, or at once on a second signal.
   */
  interrupts?: Interrupts;
}

export interface Interrupt {
  /** The signal that ends the process, or null for an unwritable stdout. */
  signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | null;
  /** The errno code of the failed stdout write (EPIPE, ENOSPC, ...), for an unwritable stdout. */
  stdoutError: string | null;
  /** The process's exit status: 128 + the signal's number, or 141 (as SIGPIPE) for stdout. */
  status: number;
  /** Why, in words: `interrupted by SIGINT`, `stdout was closed (EPIPE)`. */
  reason: string;
}

export interface Interrupts {
  /** Calls `listener` if the process is interrupted; returns the function that unsubscribes. */
  on(listener: (interrupt: Interrupt) => void): () => void;
}

export interface Command {
  name: string;
  /** One line for `wsbc --help`. */
  summary: string;
  /** Full usage text for `wsbc <name> --help`. */
  usage: string;
  run(ctx: CommandContext): Promise<number>;
}
