// Public API of the `.wsp` policy language: parse, check, compile to a normalized manifest, format.
export * from './ast.js';
