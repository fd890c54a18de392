// Turns offsets in a text into TextSpans (1-based lines and columns, end column exclusive, as
// SARIF and editors expect). Used for findings the linter computes from raw text: suppression
// comments and configuration files.
import type { TextSpan } from '@wsbc/diagnostics';

/** Offsets at which each line starts; built once per text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly file: string, readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 1-based line containing `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? this.text.length;
  }

  /** Offset just past the last character of a 1-based line (before its newline). */
  lineEnd(line: number): number {
    const next = this.starts[line];
    if (next === undefined) return this.text.length;
    return this.text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
  }

  span(startOffset: number, endOffset: number): TextSpan {
    const line = this.lineOf(startOffset);
    const endLine = this.lineOf(endOffset);
    return {
      file: this.file,
      line,
      column: startOffset - this.lineStart(line) + 1,
      endLine,
      endColumn: endOffset - this.lineStart(endLine) + 1,
      startOffset,
      endOffset,
    };
  }
}
