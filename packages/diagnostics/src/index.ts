export type { Severity, TextSpan, ByteSpan, Span, RelatedInformation, Diagnostic, Result } from './diagnostic.js';
export { isTextSpan } from './diagnostic.js';
export type { CodeInfo, CodeTable } from './registry.js';
export { registerCodes, describeCode, docsLink, allCodes, DOCS_BASE } from './registry.js';
