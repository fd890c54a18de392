// A custom capability only takes effect through the host imports that `require` it; one that no
// import requires gates nothing, which usually means the `requires` was forgotten. (A `requires`
// naming an undeclared value is a compile error, so a misspelt name shows up there.)
import { defineRule } from '../types.js';

export default defineRule({
  id: 'unused-custom-capability',
  category: 'intent',
  defaultLevel: 'warning',
  description: 'Reports a custom capability that no host import requires, so it gates nothing.',
  messages: {
    unused: 'custom capability "{{name}}" is not required by any host import, so it gates nothing',
  },
  check(context) {
    const required = new Set(context.manifest.imports.map((i) => i.requires).filter((r): r is string => r !== null));
    const decls = context.locate.blocks('Custom');
    for (const custom of context.manifest.custom) {
      if (required.has(custom.name)) continue;
      const decl = decls.findLast((d) => d.name.value === custom.name);
      context.report({
        messageId: 'unused',
        data: { name: custom.name },
        span: context.locate.spanOf(decl?.name),
        help: `add \`requires "${custom.name}"\` to the host import it gates, or remove the declaration`,
      });
    }
  },
});
