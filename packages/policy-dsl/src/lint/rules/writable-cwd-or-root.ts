// A writable directory that is `/`, the directory holding the policy (or one above it), or the
// working directory the module runs from (or one above it) lets the module overwrite far more than
// its output: its own policy, the project's sources and build scripts, or the whole host.
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
    'Reports a writable directory that is the file system root, contains the policy file, or contains the working directory the module runs from.',
  messages: {
    root: 'the whole host file system ("/") is writable',
    policyDir: 'writable directory "{{dir}}" contains this policy file, so the module could rewrite its own policy',
    workingDir: 'writable directory "{{dir}}" is or contains the working directory "{{cwd}}"',
  },
  check(context) {
    const policyDir = context.locate.baseDir;
    for (const preopen of context.manifest.filesystem.preopens) {
      if (!preopen.write) continue;
      const grant = context.locate.dirGrants(preopen).findLast((g) => g.access.value !== 'read');
      const span = context.locate.spanOf(grant?.hostPath);
      const help = 'grant a dedicated output directory instead, such as `write "./out" as "/out"`';
      if (preopen.hostPath === '/') context.report({ messageId: 'root', span, help });
      else if (containsOrIs(preopen.hostPath, policyDir)) context.report({ messageId: 'policyDir', data: { dir: preopen.hostPath }, span, help });
      else if (containsOrIs(preopen.hostPath, context.cwd)) {
        context.report({ messageId: 'workingDir', data: { dir: preopen.hostPath, cwd: context.cwd }, span, help });
      }
    }
  },
});
