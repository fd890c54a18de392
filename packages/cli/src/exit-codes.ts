// Exit codes of every wsbc command except `run` (whose statuses come from @wsbc/runtime's
// termination table, because a guest's own exit code passes through there).
// Documented in README.md ("Exit codes"); changing a value is a breaking change.

export const ExitCode = {
  /** The command did what was asked and found nothing at or above the fail level. */
  Ok: 0,
  /** Findings at or above the fail level (check refused, lint errors, fmt --check differences). */
  Findings: 1,
  /** Bad input: usage error, unreadable file, malformed policy, manifest or module. */
  BadInput: 2,
  /** A bug in wsbc. Please report it with the command line. */
  Internal: 3,
  /**
   * stdout was closed before the output was written (`wsbc lint --format json | head`): the
   * command stops, as SIGPIPE ends a native program (128 + 13), instead of claiming a status for
   * output nobody read. `wsbc run` uses the same status.
   */
  StdoutClosed: 141,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
