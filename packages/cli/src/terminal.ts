// Decisions about how to talk to the terminal: colour follows NO_COLOR / FORCE_COLOR and
// whether the stream is a TTY (https://no-color.org).
import type { OutputStream } from './command.js';

export function useColor(stream: OutputStream, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
