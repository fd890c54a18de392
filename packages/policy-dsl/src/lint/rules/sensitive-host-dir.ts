// Some host directories hold what a sandbox exists to protect: credentials (~/.ssh, ~/.aws,
// /etc), other users' files (/home), and kernel and device interfaces (/proc, /sys, /dev, the
// Docker socket under /run). Granting one of them, a directory that contains one, or one inside
// one (`/etc/ssh`, `/home/alice`, `/proc/self`) hands that to the module, even read-only.
import { isAbsolute, join, relative } from 'node:path';
import { defineRule } from '../types.js';

/** Whether `dir` is `target` or one of its ancestors. */
function containsOrIs(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export default defineRule({
  id: 'sensitive-host-dir',
  category: 'security',
  defaultLevel: 'error',
  description:
    'Reports a granted directory that is or contains a sensitive host location: credentials (/etc, ~/.ssh, ~/.aws, ...), home directories, or kernel and device interfaces.',
  messages: {
    sensitive: 'granted directory "{{dir}}" is a sensitive host location',
    containsSensitive: 'granted directory "{{dir}}" contains the sensitive host location "{{target}}"',
    insideSensitive: 'granted directory "{{dir}}" is inside the sensitive host location "{{target}}"',
  },
  options: {
    paths: {
      type: 'string-list',
      default: ['/boot', '/dev', '/etc', '/home', '/proc', '/root', '/run', '/sys', '/Users', '/var/lib/docker', '/var/run', '~/.aws', '~/.azure', '~/.config', '~/.docker', '~/.gnupg', '~/.kube', '~/.netrc', '~/.npmrc', '~/.ssh'],
      description: 'Sensitive host paths (absolute, or `~/` for the home directory of the user the sandbox runs as).',
    },
  },
  check(context) {
    const targets = (context.options.paths as string[]).map((p) => (p.startsWith('~/') ? join(context.homeDir, p.slice(2)) : p));
    // The user's own home directory usually lies inside a listed location (`/home`, `/Users`,
    // `/root`) that is listed for the *other* users' homes; inside it only the `~/` paths count.
    const insideTarget = (dir: string, target: string): boolean =>
      containsOrIs(target, dir) && !(containsOrIs(target, context.homeDir) && containsOrIs(context.homeDir, dir));
    for (const preopen of context.manifest.filesystem.preopens) {
      // A writable `/` is already reported by writable-cwd-or-root.
      if (preopen.write && preopen.hostPath === '/') continue;
      const target = targets.find((t) => containsOrIs(preopen.hostPath, t)) ?? targets.find((t) => insideTarget(preopen.hostPath, t));
      if (target === undefined) continue;
      const at = context.locate.find((l) => l.dirGrants(preopen).at(-1)?.hostPath);
      context.report({
        messageId: preopen.hostPath === target ? 'sensitive' : containsOrIs(preopen.hostPath, target) ? 'containsSensitive' : 'insideSensitive',
        data: { dir: preopen.hostPath, target },
        span: at.span,
        related: at.related,
        help: 'grant only the directory the module needs (a project subdirectory or a dedicated data directory)',
      });
    }
  },
});
