// What the run-time benchmarks share (workloads.mjs, a process per variant; ab.mjs, one process):
// the instrument() option sets compared, by name, and the workloads' inputs.
export const VARIANTS = {
  instrumented: {},
  'no-branch-hints': { branchHints: false },
  'global-counter': { counter: 'global' },
  'block-checks': { checks: 'block' },
  'block-checks-no-hints': { checks: 'block', branchHints: false },
  'instrumented+stack': { stackDepth: 50_000 },
};

/** flite's input text and arguments (the text file is /io/text.txt in a preopened /io). */
export const FLITE_TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(12);
export const FLITE_ARGS = ['flite', '-f', '/io/text.txt', '-o', '/io/out.wav'];

/** The sql.js query mix: inserts, an index, joins, aggregates and a sort; returns the results as JSON. */
export function sqlQueryMix(SQL) {
  const db = new SQL.Database();
  db.run('CREATE TABLE t(a INTEGER, b TEXT, c REAL)');
  db.run('BEGIN');
  const st = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
  for (let i = 0; i < 20000; i++) st.run([i, `name${(i * 7919) % 1000}`, (i * 31) % 977]);
  st.free();
  db.run('COMMIT');
  db.run('CREATE INDEX ib ON t(b)');
  const out = db.exec(`SELECT b, count(*), sum(c), avg(a) FROM t GROUP BY b ORDER BY sum(c) DESC LIMIT 20;
    SELECT count(*) FROM t x JOIN t y ON x.b = y.b WHERE x.a < 2000 AND y.a < 2000;
    SELECT a FROM t ORDER BY c * a % 1013, a LIMIT 10`);
  db.close();
  return JSON.stringify(out);
}
