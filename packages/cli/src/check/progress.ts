// A one-line progress bar for long `wsbc check` runs, drawn on stderr and only on a terminal: in a
// pipe or a CI log it would be noise, and it never touches stdout, where reports go. Anything else
// written to the terminal goes through `clear()` first, so the bar never garbles output.
import type { OutputStream } from '../command.js';
import { printableName } from './printable.js';

/** Redraw at most this often (ms); the final state is always drawn. */
const REDRAW_INTERVAL = 50;

export interface ProgressBar {
  /** Records one finished module and redraws when due. */
  tick(label: string): void;
  /** Erases the bar (before other output to the terminal, and at the end). */
  clear(): void;
}

const silent: ProgressBar = { tick: () => undefined, clear: () => undefined };

export interface ProgressOptions {
  total: number;
  /** Terminal width in columns (default 80). */
  columns?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** A progress bar on `stream` when it is a terminal; otherwise one that draws nothing. */
export function createProgressBar(stream: OutputStream, options: ProgressOptions): ProgressBar {
  if (stream.isTTY !== true) return silent;
  const now = options.now ?? Date.now;
  const columns = Math.max(40, options.columns ?? 80);
  let done = 0;
  let drawn = false;
  let lastDraw = -Infinity;
  return {
    tick(rawLabel) {
      const label = printableName(rawLabel);
      done++;
      const t = now();
      if (done < options.total && t - lastDraw < REDRAW_INTERVAL) return;
      lastDraw = t;
      const counter = `${done}/${options.total}`;
      const barWidth = Math.min(30, columns - counter.length - 20);
      const filled = Math.round((done / options.total) * barWidth);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
      const room = columns - bar.length - counter.length - 4;
      const name = label.length > room ? `...${label.slice(label.length - room + 3)}` : label;
      stream.write(`\r\u001b[K${bar} ${counter} ${name}`);
      drawn = true;
    },
    clear() {
      if (!drawn) return;
      stream.write('\r\u001b[K');
      drawn = false;
      // Force a redraw on the next tick, so the bar comes back right after the interrupting output.
      lastDraw = -Infinity;
    },
  };
}
