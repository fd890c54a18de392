// Import names are any UTF-8 the module author chose, and they reach people twice: in finding
// messages and in the policy text `wsbc infer` writes. Both must show a reviewer exactly which
// name is meant, and the policy text must compile to that very name. So every character a reader
// cannot see, or that changes how the text around it is shown, is written as a `\u{hex}` escape
// (which the policy language reads back as the same character): controls (C0, DEL, C1, which
// include the line breaks that would end a comment), format characters (bidi controls,
// zero-width characters, the byte-order mark), line and paragraph separators, spaces other than
// U+0020, default-ignorable code points (Hangul fillers, variation selectors) and lone surrogates.

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]|(?!\u0020)\p{Zs}/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');
const WSP_SPECIAL = new RegExp(`[\\\\"]|${INVISIBLE.source}`, 'gu');
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r' };

const codePointEscape = (ch: string): string => `\\u{${ch.codePointAt(0)!.toString(16)}}`;

/** The text with every invisible character written as `\u{hex}`; for messages and `#` comments. */
export function visibleText(text: string): string {
  return INVISIBLE.test(text) ? text.replace(INVISIBLE_ALL, codePointEscape) : text;
}

/**
 * The body of a `.wsp` string literal that the policy lexer decodes back to `text`: quotes and
 * backslashes escaped, `\n` `\t` `\r` by name, every other invisible character as `\u{hex}`.
 */
export function escapeWsp(text: string): string {
  return text.replace(WSP_SPECIAL, (ch) => NAMED_ESCAPES[ch] ?? codePointEscape(ch));
}
