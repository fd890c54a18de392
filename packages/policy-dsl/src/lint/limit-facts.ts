// Where a pair of limits that contradict each other is stated, for the limit rules: the finding
// goes on the first of the two that the linted file states (else on the `extends` clause), and
// related notes point at every statement of the two, in this file or an extended one.
import type { RelatedInformation, TextSpan } from '@wsbc/diagnostics';
import type { LimitCategory } from '../ast.js';
import type { PolicyLocator } from './locate.js';

export interface LimitRef {
  category: LimitCategory;
  name: string;
  /** How a note names it: "the CPU time limit". */
  label: string;
}

export function locateLimitPair(locate: PolicyLocator, first: LimitRef, second: LimitRef): { span: TextSpan; related: RelatedInformation[] } {
  const a = locate.find((l) => l.limitSetting(first.category, first.name));
  const b = locate.find((l) => l.limitSetting(second.category, second.name));
  const span = !a.inherited ? a.span : !b.inherited ? b.span : locate.inheritedSpan();
  const related: RelatedInformation[] = [];
  for (const [at, ref] of [[a, first], [b, second]] as const) {
    if (!at.node || at.span === span) continue;
    related.push({ message: `${ref.label} is set here${at.inherited ? ' (in an extended policy)' : ''}`, span: at.node.span });
  }
  return { span, related };
}
