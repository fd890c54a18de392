// What a directory tree on the host holds, as lines that two runs can compare: shared by the
// differential tests (native-parity.test.ts, fs-differential.test.ts), which compare the tree a
// program leaves natively with the one it leaves under wsbc.
import { createHash } from 'node:crypto';
import fs from 'node:fs';

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A host name as text: UTF-8 as it is, any other byte as \xNN. */
export function showName(name: Buffer): string {
  try {
    return utf8.decode(name);
  } catch {
    return [...name].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  }
}

/**
 * The trees `tops` (paths below `root`), one line per entry in byte order: `d path`,
 * `l path -> target`, `f path size=N nlink=N sha256=<12 hex>`. No modes (they follow the umask),
 * times or inode numbers.
 */
export function listTree(root: string, tops: string[]): string[] {
  const lines: string[] = [];
  const walk = (dir: Buffer, shown: string): void => {
    lines.push(`d ${shown}`);
    const names = (fs.readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare);
    for (const name of names) {
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      const s = `${shown}/${showName(name)}`;
      const st = fs.lstatSync(p);
      if (st.isDirectory()) walk(p, s);
      else if (st.isSymbolicLink()) lines.push(`l ${s} -> ${showName(fs.readlinkSync(p, { encoding: 'buffer' }))}`);
      else if (st.isFile()) {
        const sha = createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 12);
        lines.push(`f ${s} size=${st.size} nlink=${st.nlink} sha256=${sha}`);
      } else lines.push(`? ${s}`);
    }
  };
  for (const top of tops) walk(Buffer.from(`${root}/${top}`), top);
  return lines;
}
