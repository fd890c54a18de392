// The typed abstract syntax tree of a `.wsp` policy, produced by lowering the concrete syntax
// tree (see lower.ts). Every node carries the TextSpan of the source it came from, so checker,
// linter and CLI can point at the exact text. Where parsing failed the lowering leaves a hole
// (a `null` field or a missing entry) instead of guessing, and the rest of the file is still
// checked.
//
// Values are kept as written (a Quantity keeps its amount and unit); `quantityBase()` in units.ts
// converts one to the base unit of its slot (bytes, pages, milliseconds, ...). The shape of this
// module is a contract with the linter: add fields, never change the meaning of existing ones.
import type { TextSpan } from '@wsbc/diagnostics';

export interface NodeBase {
  kind: string;
  span: TextSpan;
}

// ---------------------------------------------------------------- leaves

/** A bare word with a fixed meaning in its position (`none`, `read-only`, `unlimited`, `max`, ...). */
export interface Keyword<T extends string = string> extends NodeBase {
  kind: 'Keyword';
  value: T;
}

export interface StringLit extends NodeBase {
  kind: 'String';
  /** The decoded value (escapes resolved). */
  value: string;
}

export interface NumberLit extends NodeBase {
  kind: 'Number';
  /** The numeric value; may be negative or fractional where the grammar allows it. */
  value: number;
  /** The text as written. */
  raw: string;
}

export interface BoolLit extends NodeBase {
  kind: 'Bool';
  value: boolean;
}

/** What a quantity slot measures; the base unit of each is given in units.ts. */
export type Dimension =
  | 'bytes' // base: bytes
  | 'pages' // base: 64 KiB pages; also accepts byte units that are a whole number of pages
  | 'duration' // base: milliseconds
  | 'duration-ns' // base: nanoseconds (clock step)
  | 'percent' // base: percent, requires `%`
  | 'rate' // base: bytes per second, requires `<byte unit>/s`
  | 'count'; // base: a plain count; accepts K, M, G multipliers

/** A number with an optional unit, e.g. `64MiB`, `16 pages`, `1MiB/s`, `50%`, `10M`, `250ms`. */
export interface Quantity extends NodeBase {
  kind: 'Quantity';
  /** The number as written, before the unit is applied. */
  amount: number;
  /** The unit as written (`MiB`, `pages`, `MiB/s`, `%`), or null when absent. */
  unit: string | null;
  unitSpan: TextSpan | null;
  /** The dimension the slot this quantity appears in expects. */
  dimension: Dimension;
  /** The text as written, unit included. */
  raw: string;
}

/** A comment, `#` to the end of the line. `text` excludes the `#`. */
export interface Comment extends NodeBase {
  kind: 'Comment';
  text: string;
}

// ---------------------------------------------------------------- file and header

export interface PolicyFile extends NodeBase {
  kind: 'PolicyFile';
  /** The file name used in every span of this tree. */
  file: string;
  /** Null when the file has no parsable `policy` declaration. */
  policy: PolicyDecl | null;
  /** Every comment of the file, in source order (the linter reads suppressions from these). */
  comments: Comment[];
}

export interface PolicyDecl extends NodeBase {
  kind: 'Policy';
  /** The `policy` keyword. */
  keyword: Keyword<'policy'>;
  /** `policy "name"`; null for an anonymous policy. */
  name: StringLit | null;
  extends: ExtendsClause | null;
  /** Top-level blocks in source order. Unknown or malformed blocks are left out (holes). */
  blocks: Block[];
}

export interface ExtendsClause extends NodeBase {
  kind: 'Extends';
  keyword: Keyword<'extends'>;
  target: PresetRef | FileRef;
}

/** `extends minimal`: the name as written; the checker reports unknown presets. */
export interface PresetRef extends NodeBase {
  kind: 'PresetRef';
  name: string;
}

/** `extends "./base.wsp"`: a path relative to the directory of the extending file. */
export interface FileRef extends NodeBase {
  kind: 'FileRef';
  path: StringLit;
}

export type Block =
  | NetworkBlock
  | FilesystemBlock
  | EnvBlock
  | ProcessBlock
  | TimeBlock
  | RandomBlock
  | ImportsBlock
  | CustomDecl
  | LimitsBlock
  | AuditBlock;

export type BlockKind = Block['kind'];

// ---------------------------------------------------------------- network

/**
 * `network none`, `network full`, or `network { ... }` (restricted to the rules listed).
 * `mode` is null for the block form.
 */
export interface NetworkBlock extends NodeBase {
  kind: 'Network';
  keyword: Keyword<'network'>;
  mode: Keyword<'none' | 'full'> | null;
  rules: NetworkRule[];
}

export type NetworkRule = AllowLoopback | AllowHost | AllowPorts;

/** `allow loopback` */
export interface AllowLoopback extends NodeBase {
  kind: 'AllowLoopback';
}

/** `allow host "api.example.com" [ports 443 | ports [443, 8000..8080]] [secure]` */
export interface AllowHost extends NodeBase {
  kind: 'AllowHost';
  host: StringLit;
  /** Null when no `ports` clause: every port. */
  ports: PortRange[] | null;
  /** The `secure` flag, or null when absent. */
  secure: Keyword<'secure'> | null;
}

/** `allow ports 8080` or `allow ports [8000..8080, 9000]`: these ports on any host. */
export interface AllowPorts extends NodeBase {
  kind: 'AllowPorts';
  ports: PortRange[];
}

/** A single port (`443`: from and to are the same node) or an inclusive range (`8000..8080`). */
export interface PortRange extends NodeBase {
  kind: 'PortRange';
  from: NumberLit;
  to: NumberLit;
}

// ---------------------------------------------------------------- filesystem

export interface FilesystemBlock extends NodeBase {
  kind: 'Filesystem';
  keyword: Keyword<'filesystem'>;
  entries: FilesystemEntry[];
}

export type FilesystemEntry = DirGrant | FsAllow | FsMaxFileSize;

/**
 * `read "./assets" as "/assets"`, `write "./out" as "/out" max-file-size 10MiB create delete`,
 * `read-write "./data"`.
 */
export interface DirGrant extends NodeBase {
  kind: 'DirGrant';
  access: Keyword<'read' | 'write' | 'read-write'>;
  /** Host directory, relative to the policy file's directory unless absolute; `$TMPDIR` = host temp dir. */
  hostPath: StringLit;
  /** `as "/guest"`; null: the guest path defaults to the host path. */
  guestPath: StringLit | null;
  /** `max-file-size 10MiB` or `max-file-size unlimited`; null: the block default. */
  maxFileSize: Quantity | Keyword<'unlimited'> | null;
  create: Keyword<'create'> | null;
  delete: Keyword<'delete'> | null;
}

/** `allow create` / `allow delete`: applies to every writable directory of the block. */
export interface FsAllow extends NodeBase {
  kind: 'FsAllow';
  what: Keyword<'create' | 'delete'>;
}

/** `max-file-size 10MiB` on its own line: the default for every writable directory of the block. */
export interface FsMaxFileSize extends NodeBase {
  kind: 'FsMaxFileSize';
  value: Quantity | Keyword<'unlimited'>;
}

// ---------------------------------------------------------------- env, process

/** `env none`, `env full`, `env allow ["LANG", "TZ"]`, `env deny ["AWS_SECRET_ACCESS_KEY"]`. */
export interface EnvBlock extends NodeBase {
  kind: 'Env';
  keyword: Keyword<'env'>;
  mode: Keyword<'none' | 'full' | 'allow' | 'deny'>;
  /** The list for allow/deny; null otherwise. */
  names: StringLit[] | null;
}

/** `process none`, `process full`, `process allow ["git", "make"]`. */
export interface ProcessBlock extends NodeBase {
  kind: 'Process';
  keyword: Keyword<'process'>;
  mode: Keyword<'none' | 'full' | 'allow'>;
  commands: StringLit[] | null;
}

// ---------------------------------------------------------------- time, random

/** `time read-only`, `time full`, optionally `deterministic [start <when>] [step <duration>]`. */
export interface TimeBlock extends NodeBase {
  kind: 'Time';
  keyword: Keyword<'time'>;
  mode: Keyword<'read-only' | 'full'>;
  deterministic: DeterministicClause | null;
}

export interface DeterministicClause extends NodeBase {
  kind: 'Deterministic';
  keyword: Keyword<'deterministic'>;
  /** An RFC 3339 timestamp string or milliseconds since the Unix epoch; null: the epoch. */
  start: StringLit | NumberLit | null;
  /** How far each clock read advances; null: 1ms. */
  step: Quantity | null;
}

/** `random none`, `random pseudo [seed 42]`, `random secure`. */
export interface RandomBlock extends NodeBase {
  kind: 'Random';
  keyword: Keyword<'random'>;
  mode: Keyword<'none' | 'pseudo' | 'secure'>;
  seed: NumberLit | null;
}

// ---------------------------------------------------------------- imports, custom

export interface ImportsBlock extends NodeBase {
  kind: 'Imports';
  keyword: Keyword<'imports'>;
  entries: ImportAllow[];
}

/** `allow "env" "log"`, `allow "my_host" "*" requires "plugin-config"`. */
export interface ImportAllow extends NodeBase {
  kind: 'ImportAllow';
  module: StringLit;
  name: StringLit;
  requires: StringLit | null;
}

/** `custom "name" = <value> [in <min>..<max>]` */
export interface CustomDecl extends NodeBase {
  kind: 'Custom';
  keyword: Keyword<'custom'>;
  name: StringLit;
  value: BoolLit | NumberLit | StringLit | StringListLit;
  /** Only for numbers. */
  range: NumberRange | null;
}

export interface StringListLit extends NodeBase {
  kind: 'StringList';
  items: StringLit[];
}

export interface NumberRange extends NodeBase {
  kind: 'NumberRange';
  min: NumberLit;
  max: NumberLit;
}

// ---------------------------------------------------------------- limits, audit

export interface LimitsBlock extends NodeBase {
  kind: 'Limits';
  keyword: Keyword<'limits'>;
  entries: LimitEntry[];
}

export type LimitCategory = 'memory' | 'cpu' | 'io' | 'time' | 'fuel' | 'stack';

/**
 * One line of a limits block: a category and its settings, e.g.
 * `memory max 64MiB growth 16 pages tables 1` or `fuel 50M`.
 */
export interface LimitEntry extends NodeBase {
  kind: 'LimitEntry';
  category: Keyword<LimitCategory>;
  settings: LimitSetting[];
}

/**
 * `max 64MiB`, `read unlimited`, `grow-failure trap`. `name` is null for a category's positional
 * value (`fuel 50M`: the budget). Setting names per category are listed in schema.ts.
 */
export interface LimitSetting extends NodeBase {
  kind: 'LimitSetting';
  name: Keyword | null;
  value: Quantity | Keyword;
}

/** `audit all`, `audit denied`, `audit none`: which capability decisions are logged. */
export interface AuditBlock extends NodeBase {
  kind: 'Audit';
  keyword: Keyword<'audit'>;
  decisions: Keyword<'all' | 'denied' | 'none'>;
}

// ---------------------------------------------------------------- traversal

export type AstNode =
  | PolicyFile
  | PolicyDecl
  | ExtendsClause
  | PresetRef
  | FileRef
  | Block
  | NetworkRule
  | PortRange
  | FilesystemEntry
  | DeterministicClause
  | ImportAllow
  | StringListLit
  | NumberRange
  | LimitEntry
  | LimitSetting
  | Keyword
  | StringLit
  | NumberLit
  | BoolLit
  | Quantity
  | Comment;

function isNode(value: unknown): value is AstNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { span?: unknown }).span === 'object'
  );
}

/**
 * The direct children of a node, in source order. Derived from the node's fields so that a field
 * added later is visited without touching this function. `PortRange` of a single port has the same
 * node as `from` and `to`; it is returned once.
 */
export function childNodes(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const seen = new Set<AstNode>();
  const add = (value: unknown): void => {
    if (isNode(value)) {
      if (!seen.has(value)) {
        seen.add(value);
        out.push(value);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) add(item);
    }
  };
  for (const [key, value] of Object.entries(node)) {
    if (key === 'span' || key === 'unitSpan') continue;
    add(value);
  }
  out.sort((a, b) => a.span.startOffset - b.span.startOffset);
  return out;
}

/**
 * Visits `root` and every node below it, depth first in source order. Return `false` from
 * `enter` to skip a node's children.
 */
export function visitAst(
  root: AstNode,
  enter: (node: AstNode, parent: AstNode | null) => void | boolean,
  leave?: (node: AstNode, parent: AstNode | null) => void,
): void {
  const walk = (node: AstNode, parent: AstNode | null): void => {
    if (enter(node, parent) === false) return;
    for (const child of childNodes(node)) walk(child, node);
    leave?.(node, parent);
  };
  walk(root, null);
}
