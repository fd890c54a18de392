// A shell or a script interpreter in the process allowlist runs any command it is given, so
// allowing one is full process access under a reassuring name.
import { basename } from 'node:path';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'process-allows-shell',
  category: 'security',
  defaultLevel: 'error',
  description: 'Reports a shell or script interpreter (sh, bash, python, node, ...) in the process allowlist: it can run any other program.',
  messages: {
    shell: '"{{command}}" can run any other program, so allowing it amounts to full process access',
  },
  options: {
    commands: {
      type: 'string-list',
      default: ['ash', 'bash', 'busybox', 'cmd', 'cmd.exe', 'csh', 'dash', 'deno', 'env', 'fish', 'ksh', 'node', 'perl', 'php', 'powershell', 'pwsh', 'python', 'python3', 'ruby', 'sh', 'sudo', 'tcsh', 'xargs', 'zsh'],
      description: 'Command names (last path segment) that can run arbitrary programs.',
    },
  },
  check(context) {
    const shells = new Set((context.options.commands as string[]).map((c) => c.toLowerCase()));
    for (const command of context.manifest.process.commands) {
      if (!shells.has(basename(command).toLowerCase())) continue;
      const at = context.locate.find((l) =>
        l
          .blocks('Process')
          .flatMap((b) => b.commands ?? [])
          .findLast((c) => c.value === command),
      );
      context.report({
        messageId: 'shell',
        data: { command },
        span: at.span,
        related: at.related,
        help: 'allow the specific programs the module runs instead of something that can run anything',
      });
    }
  },
});
