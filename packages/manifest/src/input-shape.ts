// The structure of a ManifestInput: which objects may hold which fields, and which fields are
// lists. Checked before an input is merged over its preset, because merging copies only the
// fields it knows: a typo like `filesytem` or `limits.memory.maxPage` would otherwise vanish
// without a word and leave the preset's value in force.
import type { ManifestInput } from './input.js';
import { Problems, displayPath, pointerJoin } from './problems.js';

type Shape = 'leaf' | { fields: Record<string, Shape>; nullable?: boolean } | { items: Shape };

const portRange: Shape = { fields: { from: 'leaf', to: 'leaf' } };
const fields = (shape: Record<string, Shape>): Shape => ({ fields: shape });
const list = (items: Shape): Shape => ({ items });

const limitGroup = (...names: string[]): Shape => fields(Object.fromEntries(names.map((n) => [n, 'leaf' as Shape])));

export const INPUT_SHAPE: Shape = fields({
  // Accepted so that a normalized Manifest can be normalized again (it must not change).
  version: 'leaf',
  name: 'leaf',
  preset: 'leaf',
  network: fields({
    mode: 'leaf',
    loopback: 'leaf',
    hosts: list(fields({ host: 'leaf', ports: list(portRange), secure: 'leaf' })),
    ports: list(portRange),
  }),
  filesystem: fields({
    preopens: list(
      fields({ hostPath: 'leaf', guestPath: 'leaf', read: 'leaf', write: 'leaf', create: 'leaf', delete: 'leaf', maxFileSize: 'leaf' }),
    ),
  }),
  environment: fields({ mode: 'leaf', names: list('leaf') }),
  process: fields({ mode: 'leaf', commands: list('leaf') }),
  time: fields({ mode: 'leaf', deterministic: { fields: { startMs: 'leaf', stepNs: 'leaf' }, nullable: true } }),
  random: fields({ mode: 'leaf', seed: 'leaf' }),
  imports: list(fields({ module: 'leaf', name: 'leaf', requires: 'leaf' })),
  custom: list(fields({ name: 'leaf', type: 'leaf', value: 'leaf', min: 'leaf', max: 'leaf' })),
  limits: fields({
    memory: limitGroup('maxPages', 'reservedPages', 'maxGrowthPages', 'maxTables', 'maxTableElements', 'trapOnGrowFailure'),
    cpu: limitGroup('maxExecutionMs', 'usagePercent', 'maxThreads'),
    io: limitGroup('maxOpenFiles', 'readBytesPerSecond', 'writeBytesPerSecond', 'maxReadBytes', 'maxWriteBytes'),
    time: limitGroup('maxTotalMs', 'maxIdleMs'),
    fuel: 'leaf',
    stack: limitGroup('maxDepth'),
  }),
  audit: fields({ decisions: 'leaf' }),
});

export function checkInputShape(input: ManifestInput, problems: Problems): void {
  check(input, INPUT_SHAPE, '', problems);
}

function check(value: unknown, shape: Shape, pointer: string, problems: Problems): void {
  if (shape === 'leaf' || value === undefined) return;
  if ('items' in shape) {
    if (!Array.isArray(value)) {
      problems.error('manifest/invalid-type', pointer, `${displayPath(pointer)} must be a list (got ${kind(value)})`);
      return;
    }
    value.forEach((item, index) => check(item, shape.items, pointerJoin(pointer, index), problems));
    return;
  }
  if (value === null && shape.nullable) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.error('manifest/invalid-type', pointer, `${displayPath(pointer)} must be an object (got ${kind(value)})`);
    return;
  }
  const known = Object.keys(shape.fields);
  for (const [key, inner] of Object.entries(value)) {
    const at = pointerJoin(pointer, key);
    const fieldShape = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
    if (fieldShape === undefined) {
      const suggestion = problems.suggest(key, known);
      problems.error(
        'manifest/unknown-field',
        at,
        `unknown field "${key}" in ${displayPath(pointer)}`,
        suggestion ? `did you mean "${suggestion}"?` : `known fields: ${known.join(', ')}`,
      );
      continue;
    }
    check(inner, fieldShape, at, problems);
  }
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}
