// Write access without create only lets a module change files that already exist. For a
// directory whose name says it receives output (out, dist, build, tmp, ...) that is rarely what
// the author meant, and the module fails at run time on its first new file.
import { basename } from 'node:path';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'write-without-create',
  category: 'intent',
  defaultLevel: 'warning',
  description: 'Reports an output-like writable directory (out, dist, build, tmp, ...) where files may not be created.',
  messages: {
    noCreate: 'directory "{{dir}}" looks like an output directory but files cannot be created in it (write does not imply create)',
  },
  options: {
    names: {
      type: 'string-list',
      default: ['artifacts', 'build', 'cache', 'dist', 'logs', 'out', 'output', 'outputs', 'reports', 'results', 'target', 'temp', 'tmp'],
      description: 'Directory names (last path segment, host or guest) that mark an output directory.',
    },
  },
  check(context) {
    const names = new Set((context.options.names as string[]).map((n) => n.toLowerCase()));
    for (const preopen of context.manifest.filesystem.preopens) {
      if (!preopen.write || preopen.create) continue;
      const at = context.locate.find((l) => l.dirGrants(preopen).findLast((g) => g.access.value !== 'read')?.hostPath);
      const outputLike =
        at.node?.value.startsWith('$TMPDIR') === true ||
        names.has(basename(preopen.hostPath).toLowerCase()) ||
        names.has(basename(preopen.guestPath).toLowerCase());
      if (!outputLike) continue;
      context.report({
        messageId: 'noCreate',
        data: { dir: preopen.guestPath },
        span: at.span,
        related: at.related,
        help: 'add `create` to the grant (`write "./out" as "/out" create`), or `allow create` in the filesystem block',
      });
    }
  },
});
