// @wsbc/analyzer/check: checkModule and what its callers need, without inferPolicy and
// inspectModule. `wsbc check` and its worker pool import this subpath so their start-up loads
// only the checker and the module reader; the package index re-exports the same bindings.
export { checkModule, checkFacts, hostImportVerdict, RESERVED_EXPORT_PREFIX, RESERVED_SECTION_PREFIX, type CheckOptions, type CheckResult, type CheckSummary } from './check.js';
export type * from './module-facts.js';
