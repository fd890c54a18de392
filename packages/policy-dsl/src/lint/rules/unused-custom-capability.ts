// A boolean custom capability is a feature flag: it takes effect only through the host imports
// that `require` it, so one that no import requires gates nothing, which usually means the
// `requires` was forgotten. (A `requires` naming an undeclared value is a compile error, so a
// misspelt name shows up there.) Numbers, strings and lists are configuration that host functions
// read, so they are not judged here.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'unused-custom-capability',
  category: 'intent',
  defaultLevel: 'warning',
  description: 'Reports a boolean custom capability (a feature flag) that no host import requires, so it gates nothing.',
  messages: {
    unused: 'custom flag "{{name}}" is not required by any host import, so it gates nothing',
  },
  check(context) {
    const required = new Set(context.manifest.imports.map((i) => i.requires).filter((r): r is string => r !== null));
    for (const custom of context.manifest.custom) {
      if (custom.type !== 'boolean' || required.has(custom.name)) continue;
      const at = context.locate.find((l) => l.customDecl(custom.name)?.name);
      context.report({
        messageId: 'unused',
        data: { name: custom.name },
        span: at.span,
        related: at.related,
        help: `add \`requires "${custom.name}"\` to the host import it gates, or remove the declaration`,
      });
    }
  },
});
