// Diagnostic codes of the `parse/` domain: the `.wsp` lexer, parser and the shape checks of the
// lowering to the AST. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const parseCodes: CodeTable = {
  'parse/bidi-control-character': { severity: 'error', summary: 'A string or comment contains an invisible text-direction control character that can make the policy read differently than it compiles.' },
  'parse/expected-policy': { severity: 'error', summary: 'The file has no `policy` declaration.' },
  'parse/invalid-escape': { severity: 'error', summary: 'A string contains an escape sequence that does not exist.' },
  'parse/invalid-number': { severity: 'error', summary: 'A number is malformed or has characters glued to it.' },
  'parse/missing-token': { severity: 'error', summary: 'A statement ends before a required part (a value, a name, a block).' },
  'parse/unclosed-delimiter': { severity: 'error', summary: 'A `{` or `[` is never closed.' },
  'parse/unexpected-character': { severity: 'error', summary: 'A character that is not part of the language.' },
  'parse/unexpected-token': { severity: 'error', summary: 'A token that does not fit where it appears.' },
  'parse/unmatched-delimiter': { severity: 'error', summary: 'A `}` or `]` with no matching opening delimiter.' },
  'parse/unterminated-string': { severity: 'error', summary: 'A string is not closed before the end of its line.' },
};
