// `*.com` (or `*.co.uk`, `*.github.io`) matches every host under a suffix where anyone can get a
// name, an attacker's server included: a module could send whatever it reads to a host of its
// author's choosing. That is close to full network access on the granted ports.
import { cleanHost, isPrivateHost } from '../network-facts.js';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'broad-host-wildcard',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports a host wildcard over a public suffix (`*.com`, `*.co.uk`, `*.github.io`), which matches hosts anyone can register, an attacker\'s included.',
  messages: {
    publicSuffix: 'host pattern "{{host}}" matches every host under "{{suffix}}", where anyone can register a name',
    inherited: 'host pattern "{{host}}" (inherited) matches every host under "{{suffix}}", where anyone can register a name',
  },
  options: {
    suffixes: {
      type: 'string-list',
      default: [
        'amazonaws.com', 'appspot.com', 'azurewebsites.net', 'blogspot.com', 'cloudfront.net', 'co.in', 'co.jp', 'co.nz', 'co.uk', 'co.za',
        'com.au', 'com.br', 'com.cn', 'firebaseapp.com', 'github.io', 'gitlab.io', 'herokuapp.com', 'netlify.app', 'org.uk', 'pages.dev',
        's3.amazonaws.com', 'vercel.app', 'web.app', 'workers.dev',
      ],
      description: 'Public suffixes of more than one label (top-level domains are always public) under which anyone can get a name.',
    },
  },
  check(context) {
    const suffixes = new Set((context.options.suffixes as string[]).map((s) => cleanHost(s)));
    for (const grant of context.manifest.network.hosts) {
      if (!grant.host.startsWith('*.')) continue;
      const suffix = grant.host.slice(2);
      // Judged by a name under the suffix: isPrivateHost takes a lone `com` for an intranet name.
      if (isPrivateHost(`x.${suffix}`)) continue;
      if (suffix.includes('.') && !suffixes.has(suffix)) continue;
      const at = context.locate.find((l) => l.hostRules(grant.host).at(-1)?.host);
      context.report({
        messageId: at.inherited ? 'inherited' : 'publicSuffix',
        data: { host: grant.host, suffix },
        span: at.span,
        related: at.related,
        help: `name the hosts the module talks to: \`allow host "api.example.${suffix}" ports 443 secure\``,
      });
    }
  },
});
