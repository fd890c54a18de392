// A shell or a script interpreter in the process allowlist runs any command it is given, so
// allowing one is full process access under a reassuring name.
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
      if (!spellings(command).some((name) => shells.has(name))) continue;
      const at = context.locate.find((l) => l.processCommand(command));
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

/**
 * The names a command may be listed under: its last path segment (a Windows path too, which
 * node:path on POSIX would not split), lower case, with and without a Windows `.exe` suffix and a
 * version number (`python3.11`, `bash5`), since each of those runs the same interpreter.
 */
function spellings(command: string): string[] {
  const name = (command.split(/[\\/]/).pop() ?? command).toLowerCase();
  const bare = name.endsWith('.exe') ? name.slice(0, -'.exe'.length) : name;
  return [name, bare, bare.replace(/-?[0-9][0-9.]*$/, '')];
}
