// A writable directory with no maximum file size, in a policy with no total write limit, lets a
// module fill the host's disk: nothing bounds what it may write.
import { defineRule } from '../types.js';

export default defineRule({
  id: 'unbounded-disk-write',
  category: 'security',
  defaultLevel: 'warning',
  description: 'Reports a writable directory with no maximum file size when no total write limit is set, so the module can fill the disk.',
  messages: {
    unbounded: 'nothing bounds what the module may write to "{{dir}}": no maximum file size and no total write limit',
  },
  check(context) {
    if (context.manifest.limits.io.maxWriteBytes !== null) return;
    for (const preopen of context.manifest.filesystem.preopens) {
      if (!preopen.write || preopen.maxFileSize !== null) continue;
      const at = context.locate.find((l) => l.dirGrants(preopen).findLast((g) => g.access.value !== 'read')?.hostPath);
      context.report({
        messageId: 'unbounded',
        data: { dir: preopen.guestPath },
        span: at.span,
        related: at.related,
        help: 'add `max-file-size 10MiB` to the grant, or `io total-write 100MiB` to the limits',
      });
    }
  },
});
