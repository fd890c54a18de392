// A writable directory that is `/`, one that holds the policy or a file it extends (or one above
// it), or the working directory the module runs from (or one above it) lets the module overwrite
// far more than its output: its own policy (and so its next run's rights), the project's sources
// and build scripts, or the whole host.
import { relative, isAbsolute } from 'node:path';
import { defineRule } from '../types.js';

/** Whether `dir` is `target` or one of its ancestors. */
function containsOrIs(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export default defineRule({
  id: 'writable-cwd-or-root',
  category: 'security',
  defaultLevel: 'error',
  description:
    'Reports a writable directory that is the file system root, contains the policy file or a file it extends, or contains the working directory the module runs from.',
  messages: {
    root: 'the whole host file system ("/") is writable',
    policyDir: 'writable directory "{{dir}}" contains the policy file "{{policy}}", so the module could rewrite its own policy',
    workingDir: 'writable directory "{{dir}}" is or contains the working directory "{{cwd}}"',
  },
  check(context) {
    for (const preopen of context.manifest.filesystem.preopens) {
      if (!preopen.write) continue;
      const { span, related } = context.locate.find((l) => l.dirGrants(preopen).findLast((g) => g.access.value !== 'read')?.hostPath);
      const help = 'grant a dedicated output directory instead, such as `write "./out" as "/out"`';
      const policyFile = context.policyFiles.find((f) => containsOrIs(preopen.hostPath, f));
      if (preopen.hostPath === '/') context.report({ messageId: 'root', span, related, help });
      else if (policyFile !== undefined) context.report({ messageId: 'policyDir', data: { dir: preopen.hostPath, policy: policyFile }, span, related, help });
      else if (containsOrIs(preopen.hostPath, context.cwd)) {
        context.report({ messageId: 'workingDir', data: { dir: preopen.hostPath, cwd: context.cwd }, span, related, help });
      }
    }
  },
});
