// Allowlisting a variable whose name says it holds a credential hands that credential to the
// module; sometimes intended (a plugin that calls an API), often a copy-paste from a CI setup.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'env-allows-secret',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports allowed environment variables whose names suggest credentials (tokens, passwords, keys, cloud credentials).',
  messages: {
    secret: 'environment variable "{{name}}" looks like a credential and is visible to the module',
  },
  options: {
    patterns: {
      type: 'string-list',
      default: ['*TOKEN*', '*SECRET*', '*PASSWORD*', '*PASSWD*', '*API_KEY*', '*PRIVATE_KEY*', '*ACCESS_KEY*', '*CREDENTIAL*', 'AWS_*', 'AZURE_*', 'GOOGLE_APPLICATION_CREDENTIALS', 'NPM_AUTH*', 'DATABASE_URL'],
      description: 'Name patterns (case-insensitive, `*` matches any run of characters) of variables that hold credentials.',
    },
  },
  check(context) {
    const env = context.manifest.environment;
    if (env.mode !== 'allow') return;
    const patterns = (context.options.patterns as string[]).map(globToRegExp);
    for (const name of env.names) {
      if (!patterns.some((p) => p.test(name))) continue;
      const at = context.locate.find((l) => l.envName(name));
      context.report({
        messageId: 'secret',
        data: { name },
        span: at.span,
        related: at.related,
        help: 'pass the module only what it needs (a scoped token through a custom capability or a host import), or suppress with the reason',
      });
    }
  },
});

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'i');
}
