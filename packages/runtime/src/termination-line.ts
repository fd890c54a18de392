// The one-line reason on stderr. Main thread only: the sandbox worker imports nothing but its own
// modules (scripts/bundle-worker.cjs), and this line needs the analyzer's visible-text rule.
import { visibleText } from '@wsbc/analyzer/visible-text';
import { LIMIT_SOURCES, type LimitName } from './audit.js';

/**
 * The one line a run that did not end in a guest exit writes to stderr (run() unless
 * `reportTermination: false`, and `wsbc run`): what ended it, its status, and for a limit, where
 * that limit is set. The reason can quote the module (an import's name) or a host function's
 * error: its invisible characters are written as `\u{hex}`, so a line break or a terminal escape
 * in it cannot print a line of its own (a forged `verified` line) or restyle the terminal.
 */
export function terminationLine(end: { refused: boolean; reason: string; status: number; limit: LimitName | null }): string {
  const where = end.limit === null ? '' : `; ${LIMIT_SOURCES[end.limit]} sets this limit`;
  return `wsbc: ${end.refused ? 'run refused' : 'guest terminated'}: ${visibleText(end.reason)} (status ${end.status})${where}\n`;
}
