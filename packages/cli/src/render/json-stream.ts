// JSON documents written a piece at a time. A report with a million diagnostics is longer than
// the longest string V8 can make (2^29 - 24 characters): JSON.stringify of the whole report
// throws "Invalid string length". So the reports are built as a small skeleton of plain objects
// in which each long list is a JsonSequence, and jsonDocument() writes the skeleton around the
// sequences' elements, one element per chunk, each element made only when it is written.
//
// INVARIANT: joined, the chunks are exactly `${JSON.stringify(value, jsonSafe, 2)}\n` with every
// sequence read as the array of its mapped elements (test/render-stream.test.ts compares them).
// Two facts make that hold: JSON.stringify writes a literal newline only as indentation (a newline
// in a string is escaped as \n), so an element stringified on its own is put at its depth by
// indenting every line after its first; and a skeleton object is written key by key in the order
// JSON.stringify takes (Object.keys), leaving out the keys whose value it would leave out.
import { jsonSafe } from './summary.js';

const GAP = '  ';

/**
 * A list written element by element: `toJson` runs on each item as it is written, never on all
 * at once. Its results are plain JSON values (with jsonSafe's bigints), not sequences.
 */
export class JsonSequence<T = unknown> {
  constructor(
    readonly items: Iterable<T>,
    readonly toJson: (item: T, index: number) => unknown = (item) => item,
  ) {}
}

/**
 * The chunks of `${JSON.stringify(value, jsonSafe, 2)}\n`, for a value whose long lists are
 * JsonSequences. Plain objects and arrays that hold a sequence are the skeleton: jsonSafe and
 * toJSON are not applied to them (they are the renderers' own, never bigints); everything else,
 * each sequence element included, goes through JSON.stringify with jsonSafe.
 */
export function* jsonDocument(value: unknown): Generator<string, void, undefined> {
  yield* valueChunks(value, '');
  yield '\n';
}

function* valueChunks(value: unknown, indent: string): Generator<string, void, undefined> {
  if (value instanceof JsonSequence) {
    yield* sequenceChunks(value, indent);
  } else if (holdsSequence(value)) {
    yield* skeletonChunks(value as object, indent);
  } else {
    // Only undefined, functions and symbols stringify to nothing: skeletonChunks leaves them out
    // of objects, and in arrays they are null, as JSON.stringify writes them.
    yield indented(JSON.stringify(value, jsonSafe, 2) ?? 'null', indent);
  }
}

function* sequenceChunks(sequence: JsonSequence, indent: string): Generator<string, void, undefined> {
  const inner = indent + GAP;
  let index = 0;
  for (const item of sequence.items) {
    const element = JSON.stringify(sequence.toJson(item, index), jsonSafe, 2) ?? 'null';
    yield `${index === 0 ? '[' : ','}\n${inner}${indented(element, inner)}`;
    index++;
  }
  yield index === 0 ? '[]' : `\n${indent}]`;
}

function* skeletonChunks(value: object, indent: string): Generator<string, void, undefined> {
  const inner = indent + GAP;
  const isArray = Array.isArray(value);
  const entries: Array<[key: string, item: unknown]> = [];
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    // Left out of objects, as JSON.stringify does; arrays write null in their place.
    if (!isArray && (item === undefined || typeof item === 'function' || typeof item === 'symbol')) continue;
    entries.push([key, item]);
  }
  if (entries.length === 0) {
    yield isArray ? '[]' : '{}';
    return;
  }
  for (const [i, [key, item]] of entries.entries()) {
    const opening = i === 0 ? (isArray ? '[' : '{') : ',';
    yield `${opening}\n${inner}${isArray ? '' : `${JSON.stringify(key)}: `}`;
    yield* valueChunks(item, inner);
  }
  yield `\n${indent}${isArray ? ']' : '}'}`;
}

/** Whether `value` is, or holds somewhere in its plain objects and arrays, a JsonSequence. */
function holdsSequence(value: unknown): boolean {
  if (value instanceof JsonSequence) return true;
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const item of Object.values(value)) if (holdsSequence(item)) return true;
  return false;
}

/** JSON.stringify output for a value at `indent`: every line after the first is indented by it. */
function indented(json: string, indent: string): string {
  return indent === '' || !json.includes('\n') ? json : json.replace(/\n/g, `\n${indent}`);
}
