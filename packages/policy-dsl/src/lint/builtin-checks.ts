// Diagnostics the linter itself produces about suppression comments and configuration, next to
// the rules' own. They have levels like rules (so a team may, say, turn unused-suppression off),
// except invalid-config, which always stops the run: a configuration that cannot be read would
// otherwise silently lint with the wrong levels.
import type { LintLevel } from './types.js';

export interface BuiltinCheck {
  id: string;
  defaultLevel: LintLevel;
  summary: string;
  /** Whether a config file or --rule may change its level. */
  configurable: boolean;
}

export const BUILTIN_CHECKS = {
  'suppression-missing-reason': {
    id: 'suppression-missing-reason',
    defaultLevel: 'error',
    summary: 'A wsbc-lint-disable comment has no reason after its rule list; it suppresses nothing.',
    configurable: true,
  },
  'unused-suppression': {
    id: 'unused-suppression',
    defaultLevel: 'warning',
    summary: 'A wsbc-lint-disable comment names a rule that reports nothing where it applies.',
    configurable: true,
  },
  'invalid-suppression': {
    id: 'invalid-suppression',
    defaultLevel: 'error',
    summary: 'A wsbc-lint comment is malformed or names a rule that does not exist.',
    configurable: true,
  },
  'invalid-config': {
    id: 'invalid-config',
    defaultLevel: 'error',
    summary: 'The lint configuration file (or a rule configuration given through the API) is malformed or names an unknown rule, level or option; `wsbc lint --rule` mistakes are usage errors instead.',
    configurable: false,
  },
} as const satisfies Record<string, BuiltinCheck>;

export type BuiltinCheckId = keyof typeof BUILTIN_CHECKS;

/**
 * A rule or check id as written by a user: findings print `lint/<id>` as their code, so the
 * prefix is accepted wherever an id is (suppressions, `--rule`, the config file) and dropped here.
 */
export function bareRuleId(written: string): string {
  return written.startsWith('lint/') ? written.slice('lint/'.length) : written;
}

export function isBuiltinCheckId(id: string): id is BuiltinCheckId {
  return Object.prototype.hasOwnProperty.call(BUILTIN_CHECKS, id);
}
