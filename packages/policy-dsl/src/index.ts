// Public API of the `.wsp` policy language: parse (lexer -> CST -> AST), check, compile to a
// normalized manifest, format. The CLI and the linter use only these names.
export * from './ast.js';
export { parsePolicy } from './parse.js';
export { checkPolicy } from './checker.js';
export { compilePolicySource, compilePolicyFile, policyToInput } from './compile.js';
export type { CompileResult, CompileSourceOptions } from './compile.js';
export { formatPolicy } from './format.js';
export { quantityValue, quantityBase, unitsFor, isUnit } from './units.js';
export { LIMIT_SETTINGS, BLOCK_NAMES, PRESET_NAMES } from './schema.js';
export type { LimitSettingSpec, QuantitySetting, ChoiceSetting } from './schema.js';
export { closestMatch, didYouMean, editDistance } from './suggest.js';
export { parseCst } from './parser.js';
export type * from './cst.js';
// The linter is the `@wsbc/policy-dsl/lint` subpath: its ~30 modules are not loaded by commands
// that only compile policies (CLI start-up time is a benchmark target).
