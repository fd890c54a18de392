// Maps the meaning of a policy (the normalized manifest) back to the text of the linted file.
// Rules decide on the manifest, because that is what the runtime enforces once presets and
// `extends` are resolved; they point at the AST node that says it. When the linted file does not
// say it (it comes from a preset or an extended file), the finding points at the `extends` clause,
// and failing that at the policy header: the place a reviewer must look to change it. The files
// of the extends chain get locators too, so such a finding can say where the setting really is.
import { tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { RelatedInformation, TextSpan } from '@wsbc/diagnostics';
import type { Preopen } from '@wsbc/manifest';
import { cleanHost } from './network-facts.js';
import type { AllowHost, Block, BlockKind, CustomDecl, DirGrant, ImportAllow, LimitCategory, LimitEntry, LimitSetting, PolicyDecl, PolicyFile, StringLit } from '../ast.js';

export type BlockOf<K extends BlockKind> = Extract<Block, { kind: K }>;

/** Where a finding about some setting goes, from `PolicyLocator.find`. */
export interface Located<T> {
  /** The node that states the setting, in the linted file or (when `inherited`) an extended one. */
  node?: T;
  /** The node's span, or the `extends` clause (policy header) when the setting is inherited. */
  span: TextSpan;
  /** True when the linted file does not state the setting itself. */
  inherited: boolean;
  /** For an inherited setting found in an extended file: where that file states it. */
  related: RelatedInformation[];
}

export interface PolicyLocator {
  readonly ast: PolicyFile;
  readonly policy: PolicyDecl | null;
  /** Directory relative host paths are resolved against (the policy file's directory). */
  readonly baseDir: string;
  /** Every top-level block of a kind, in source order. */
  blocks<K extends BlockKind>(kind: K): Array<BlockOf<K>>;
  /** The block of a kind that decides (the last one; the checker reports duplicates). */
  block<K extends BlockKind>(kind: K): BlockOf<K> | undefined;
  /** The last `limits` line of a category. */
  limitEntry(category: LimitCategory): LimitEntry | undefined;
  /**
   * The setting that decides a limit: the last one with this name (null for the positional value,
   * as in `fuel 50M`) across every `limits` block.
   */
  limitSetting(category: LimitCategory, name: string | null): LimitSetting | undefined;
  /** Every `allow host` rule whose host, lower-cased, is `host`. */
  hostRules(host: string): AllowHost[];
  /** The directory grants that produce a preopen (matched by guest path). */
  dirGrants(preopen: Preopen): DirGrant[];
  /** The last `env` list item spelling this name. */
  envName(name: string): StringLit | undefined;
  /** The last `process allow` list item spelling this command. */
  processCommand(command: string): StringLit | undefined;
  /** The last `custom` declaration of this name. */
  customDecl(name: string): CustomDecl | undefined;
  /** The last `allow "<module>" "*"` of this module. */
  wildcardImport(module: string): ImportAllow | undefined;
  /** Absolute host directory a grant names, as the compiler resolves it. */
  resolveHostPath(path: string): string;
  /** Where to point at something the linted file does not state itself. */
  inheritedSpan(): TextSpan;
  /** `node.span` when the file states it, else `inheritedSpan()`. */
  spanOf(node: { span: TextSpan } | undefined | null): TextSpan;
  /**
   * Finds the node that states a setting: `pick` runs on this file's locator, then on those of the
   * extended files, nearest first (the nearest statement is the one the merge keeps).
   */
  find<T extends { span: TextSpan }>(pick: (file: PolicyLocator) => T | null | undefined): Located<T>;
}

/**
 * `tmpDir` is what `$TMPDIR` names, as given to the compiler (os.tmpdir() by default, as in
 * normalize()); `bases` are the locators of the extended files, nearest first.
 */
export function createLocator(ast: PolicyFile, baseDir: string, tmpDir: string = tmpdir(), bases: readonly PolicyLocator[] = []): PolicyLocator {
  const policy = ast.policy;
  const blocks = policy?.blocks ?? [];
  const limitEntries = blocks.flatMap((b) => (b.kind === 'Limits' ? b.entries : []));

  const resolveHostPath = (path: string): string => {
    if (path === '$TMPDIR' || path.startsWith('$TMPDIR/')) return resolve(tmpDir + path.slice('$TMPDIR'.length));
    return isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
  };

  const inheritedSpan = (): TextSpan => {
    if (policy?.extends) return policy.extends.span;
    if (policy) return policy.name ? { ...policy.keyword.span, endLine: policy.name.span.endLine, endColumn: policy.name.span.endColumn, endOffset: policy.name.span.endOffset } : policy.keyword.span;
    return { file: ast.file, line: 1, column: 1, endLine: 1, endColumn: 1, startOffset: 0, endOffset: 0 };
  };

  // Indexes built on first use, so that rules stay linear in the size of the policy.
  let hostIndex: Map<string, AllowHost[]> | undefined;
  let grantIndex: Map<string, DirGrant[]> | undefined;
  const addTo = <T>(map: Map<string, T[]>, key: string, value: T): void => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };

  // One finding per list item is common (every secret-looking name, every shell), and looking each
  // one up by a scan of the list made 20,000 of them take half a minute: the last node of each
  // value is indexed on first use instead.
  const lastOf = <T>(build: (add: (key: string, node: T) => void) => void): ((key: string) => T | undefined) => {
    let index: Map<string, T> | undefined;
    return (key) => {
      if (!index) {
        const built = new Map<string, T>();
        build((k, node) => built.set(k, node));
        index = built;
      }
      return index.get(key);
    };
  };
  const envName = lastOf<StringLit>((add) => {
    for (const block of locator.blocks('Env')) for (const item of block.names ?? []) add(item.value, item);
  });
  const processCommand = lastOf<StringLit>((add) => {
    for (const block of locator.blocks('Process')) for (const item of block.commands ?? []) add(item.value, item);
  });
  const customDecl = lastOf<CustomDecl>((add) => {
    for (const decl of locator.blocks('Custom')) add(decl.name.value, decl);
  });
  const wildcardImport = lastOf<ImportAllow>((add) => {
    for (const block of locator.blocks('Imports')) for (const entry of block.entries) if (entry.name.value === '*') add(entry.module.value, entry);
  });

  const locator: PolicyLocator = {
    ast,
    policy,
    baseDir,
    blocks<K extends BlockKind>(kind: K) {
      return blocks.filter((b): b is BlockOf<K> => b.kind === kind);
    },
    block<K extends BlockKind>(kind: K) {
      return locator.blocks(kind).at(-1);
    },
    limitEntry(category) {
      return limitEntries.filter((e) => e.category.value === category).at(-1);
    },
    limitSetting(category, name) {
      let found: LimitSetting | undefined;
      for (const entry of limitEntries) {
        if (entry.category.value !== category) continue;
        for (const setting of entry.settings) {
          if ((setting.name?.value ?? null) === name) found = setting;
        }
      }
      return found;
    },
    hostRules(host) {
      if (!hostIndex) {
        hostIndex = new Map();
        for (const block of locator.blocks('Network')) {
          for (const rule of block.rules) if (rule.kind === 'AllowHost') addTo(hostIndex, cleanHost(rule.host.value), rule);
        }
      }
      return hostIndex.get(cleanHost(host)) ?? [];
    },
    dirGrants(preopen) {
      if (!grantIndex) {
        // Keyed by the guest path each grant produces: its `as` path, or its resolved host path.
        grantIndex = new Map();
        for (const block of locator.blocks('Filesystem')) {
          for (const entry of block.entries) {
            if (entry.kind !== 'DirGrant') continue;
            addTo(grantIndex, entry.guestPath ? cleanGuestPath(entry.guestPath.value) : resolveHostPath(entry.hostPath.value), entry);
          }
        }
      }
      return grantIndex.get(preopen.guestPath) ?? [];
    },
    envName,
    processCommand,
    customDecl,
    wildcardImport,
    resolveHostPath,
    inheritedSpan,
    spanOf(node) {
      return node ? node.span : inheritedSpan();
    },
    find(pick) {
      const own = pick(locator);
      if (own) return { node: own, span: own.span, inherited: false, related: [] };
      for (const base of bases) {
        const node = pick(base);
        if (node) return { node, span: inheritedSpan(), inherited: true, related: [{ message: 'inherited from here, in an extended policy', span: node.span }] };
      }
      return { span: inheritedSpan(), inherited: true, related: [] };
    },
  };
  return locator;
}

/** A guest path as the manifest keeps it: absolute, no `.`/`..`/empty segments, no trailing slash. */
function cleanGuestPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
