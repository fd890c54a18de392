#!/usr/bin/env node
// The README's first command (`pnpm demo`, after `turbo run build`): the main job of wsbc on the
// bundled examples, end to end, printing what was allowed and what was denied.
//
//   1. compile a policy;  2. check a module against it;  3. build the vetted artifact;
//   4. verify it;  5. run it (the allowed file is read);  6. a module that reaches for
//   /etc/passwd is refused at check and, forced to run, denied by the runtime on every path;
//   7. a tampered artifact is refused before it starts.
//
// Every step states what it expects; if any step misbehaves (a refusal that does not happen, a
// leak, a wrong exit code) the demo says so and exits 1. CLI steps spawn the built `wsbc` binary
// so the commands shown are the ones a user types; the runs use the programmatic API (the `wsbc`
// package's run()) so the audit log can be shown record by record.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const api = await import(pathToFileURL(join(root, 'packages/wsbc/dist/index.js')).href).catch((error) => {
  console.error(`demo: the packages are not built (${error.message}); run \`pnpm demo\`, which builds first.`);
  process.exit(1);
});

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = (t) => paint('1', t);
const green = (t) => paint('32', t);
const red = (t) => paint('31', t);
const dim = (t) => paint('2', t);

// Scratch files go under .cache/ (git-ignored) so the commands shown have short relative paths.
mkdirSync(join(root, '.cache'), { recursive: true });
const work = mkdtempSync(join(root, '.cache', 'demo-'));
const rel = (p) => relative(root, p) || '.';
const failures = [];
const allowed = [];
const denied = [];

function step(title) {
  console.log(`\n${bold(title)}`);
}

function expect(ok, what) {
  console.log(`  ${ok ? green('as expected') : red('UNEXPECTED')}: ${what}`);
  if (!ok) failures.push(what);
}

function wsbc(args, expectedCode, what) {
  console.log(dim(`  $ wsbc ${args.join(' ')}`));
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const output = `${result.stdout}${result.stderr}`.trimEnd();
  if (output) console.log(output.split('\n').map((l) => `    ${l}`).join('\n'));
  expect(result.status === expectedCode, `${what} (exit ${result.status}, expected ${expectedCode})`);
  return result;
}

function collector() {
  const chunks = [];
  return { sink: { write: (c) => chunks.push(Buffer.from(c)) }, text: () => Buffer.concat(chunks).toString('utf8') };
}

function auditLines(records) {
  for (const r of records) {
    if (r.type !== 'decision' || r.capability === 'environment') continue;
    const line = `${r.capability} ${r.op} ${JSON.stringify(r.detail ?? {})}${r.reason ? ` (${r.reason})` : ''}`;
    console.log(`    audit: ${r.outcome === 'denied' ? red('DENIED ') : green('allowed')} ${line}`);
    (r.outcome === 'denied' ? denied : allowed).push(line);
  }
}

try {
  const reader = 'examples/read-allowed-file';
  const artifact = join(work, 'read-allowed-file.vetted.wasm');

  step('1. Compile the policy: what may this module do?');
  console.log(readFileSync(join(root, reader, 'policy.wsp'), 'utf8').replace(/^/gm, '    | ').trimEnd());
  wsbc(['compile', `${reader}/policy.wsp`, '--hash'], 0, 'the policy compiles to a normalized manifest');

  step('2. Check the module against it, before anything runs');
  wsbc(['check', `${reader}/read-allowed-file.wasm`, '--policy', `${reader}/policy.wsp`], 0, 'the file reader is allowed');

  step('3. Build the vetted artifact (check + instrument + sealed manifest)');
  wsbc(['build', `${reader}/read-allowed-file.wasm`, '--policy', `${reader}/policy.wsp`, '-o', rel(artifact)], 0, 'the artifact is built');

  step('4. Verify the artifact');
  wsbc(['verify', rel(artifact), '--original', `${reader}/read-allowed-file.wasm`], 0, 'the artifact verifies');

  step('5. Run it: the guest reads the file its policy allows');
  {
    const out = collector();
    const err = collector();
    const records = [];
    console.log(dim(`  > await run("${rel(artifact)}")   // under its embedded manifest`));
    const result = await api.run(artifact, { stdout: out.sink, stderr: err.sink, audit: { write: (r) => void records.push(r) } });
    console.log(out.text().trimEnd().replace(/^/gm, '    guest stdout: '));
    auditLines(records);
    expect(result.status === 0, `the guest exits 0 (status ${result.status}, fuel used ${result.fuelUsed})`);
    expect(out.text().includes('Hello from a file the policy allows.'), 'the guest printed the allowed file');
  }

  const passwd = 'examples/etc-passwd';
  step('6. A module that reaches for /etc/passwd');
  wsbc(['check', `${passwd}/etc-passwd.wasm`, '--policy', `${passwd}/policy.wsp`], 1, 'the check refuses it: its policy grants no files');
  wsbc(['build', `${passwd}/etc-passwd.wasm`, '--policy', `${passwd}/policy.wsp`, '-o', rel(join(work, 'passwd.wasm'))], 1, 'so does build: no artifact');
  {
    console.log(dim(`  > await run("${passwd}/etc-passwd.wasm", { policy: "${passwd}/forced.wsp", instrument: true })   // forced past the check`));
    const out = collector();
    const records = [];
    const result = await api.run(join(root, passwd, 'etc-passwd.wasm'), {
      policy: join(root, passwd, 'forced.wsp'),
      instrument: true,
      stdout: out.sink,
      stderr: collector().sink,
      audit: { write: (r) => void records.push(r) },
    });
    console.log(out.text().trimEnd().replace(/^/gm, '    guest stdout: '));
    auditLines(records);
    expect(!out.text().includes('LEAKED'), 'nothing from /etc/passwd reached the guest');
    expect(records.filter((r) => r.type === 'decision' && r.outcome === 'denied' && r.capability === 'filesystem').length === 2, 'the runtime denied both attempts that reached it, and audited them');
    expect(result.status === 0, `the guest ran to its end (status ${result.status})`);
  }

  step('7. A tampered artifact is refused before it starts');
  {
    const bytes = readFileSync(artifact);
    bytes[Math.floor(bytes.length / 3)] ^= 0x01;
    const tampered = join(work, 'tampered.wasm');
    writeFileSync(tampered, bytes);
    wsbc(['verify', rel(tampered)], 1, 'verify notices the change');
    const err = collector();
    const result = await api.run(tampered, { stdout: collector().sink, stderr: err.sink });
    console.log(err.text().trimEnd().replace(/^/gm, '    '));
    expect(result.termination === 'refused', `run refuses it (status ${result.status})`);
    if (result.termination === 'refused') denied.push(`run of ${rel(tampered)} (${result.diagnostics[0]?.code})`);
  }
} catch (error) {
  failures.push(`the demo crashed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

step('Summary');
console.log(`  allowed (${allowed.length}):`);
for (const line of allowed) console.log(`    ${green('+')} ${line}`);
console.log(`  denied (${denied.length}):`);
for (const line of denied) console.log(`    ${red('-')} ${line}`);
if (failures.length > 0) {
  console.log(red(`\n${failures.length} step(s) misbehaved:`));
  for (const f of failures) console.log(red(`  - ${f}`));
  process.exit(1);
}
console.log(green('\nEvery step behaved as expected.'));
