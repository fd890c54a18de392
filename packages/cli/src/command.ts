// The contract between the dispatcher (cli.ts) and one command file in ./commands.
// A command parses its own arguments, calls the libraries, renders, and returns an exit code;
// it never calls process.exit and never writes to process.stdout directly, so it can be tested
// in process with captured streams.

export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
  /** Set when the stream is a terminal (controls colour and progress output). */
  isTTY?: boolean;
}

export interface CommandContext {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream;
  stdout: OutputStream;
  stderr: OutputStream;
}

export interface Command {
  name: string;
  /** One line for `wsbc --help`. */
  summary: string;
  /** Full usage text for `wsbc <name> --help`. */
  usage: string;
  run(ctx: CommandContext): Promise<number>;
}
