// Text from outside the generator (the module's file name) that is printed inside a comment of
// the generated files. A line terminator (\n, \r, U+2028, U+2029) would end a `//` comment and
// turn the rest of the name into code that runs when the loader is imported; other control and
// bidirectional-formatting characters would make the comment display something it does not hold.
// Each of those becomes a \u escape; `*/` is left to the block-comment printer, which escapes it.
const unsafe = /[\0-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function commentText(text: string): string {
  return text.replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
