// `wsbc run module.wasm --policy policy.wsp|manifest.json [--audit file] [--env NAME=VALUE]...
// [--instrument] [--dir host::guest]... -- args`: runs a module in the sandbox. The policy is
// compiled here (the runtime takes manifests only); the `wsbc` package's run() decides how the
// module may run (vetted artifact verified, plain module instrumented on the fly or refused) and
// @wsbc/runtime enforces it. The exit status is the guest's exit code or a RunStatus.
import { readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import type { Diagnostic } from '@wsbc/diagnostics';
import type { Manifest, Preopen } from '@wsbc/manifest';
import { RunStatus, terminationLine, type RunResult } from '@wsbc/runtime';
import { run } from 'wsbc';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { loadPolicy } from '../input.js';
import { clobberedInput, writeChunks } from '../output.js';
import { renderDiagnostics } from '../render/index.js';
import { useColor } from '../terminal.js';
import { WSBC_VERSION } from '../version.js';

const command: Command = {
  name: 'run',
  summary: 'Run a module in the sandbox under a policy',
  usage: `Usage: wsbc run <module.wasm> [--policy policy.wsp|manifest.json] [--audit file] [--audit-max-records n]
                [--env NAME=VALUE]... [--dir HOST[::GUEST]]... [--listen HOST:PORT]...
                [--instrument | --allow-unvetted] [--trust key.pem]... [-- args...]

Runs a WebAssembly command module (WASI preview1) in a worker thread with wsbc's own WASI,
enforcing the policy on every call. A vetted artifact (wsbc build) is verified and runs under
its embedded manifest (--policy, if given, must match it but for the preopens' host
directories). A plain module is refused unless --instrument (instrument on the fly under the
policy) or --allow-unvetted is given.

Options:
  -p, --policy <file>      .wsp policy or compiled manifest .json (required for plain modules)
      --audit <file>       write the audit log (JSON lines) to <file>
      --audit-max-records <n>
                           end the run (status 138) once the guest's calls have produced n audit
                           records (default 1000000; 0: no bound)
  -e, --env NAME=VALUE     set a variable for the guest (repeatable); the policy decides which
                           names the guest sees, host variables included
      --dir HOST[::GUEST]  map the policy's preopen GUEST to host directory HOST instead, or add
                           HOST read-only at GUEST (default HOST) if the policy has no such preopen
      --listen HOST:PORT   listen on HOST:PORT and give the guest the socket to sock_accept on
                           (after the preopened directories); the policy must allow it
      --instrument         instrument a plain module on the fly (fuel, memory and stack guards)
      --allow-unvetted     run a plain module as is (no guards beyond the per-call WASI policy)
      --trust <key.pem>    require a signature by this Ed25519 public key (repeatable)
  -h, --help               show this help

Everything after -- is passed to the guest as its arguments.

Exit status: the guest's exit code, or 124 total time limit, 125 run refused (bad input, policy
error, module refused), 134 trap, 135 fuel exhausted, 136 idle time limit, 137 memory limit,
138 I/O quota exceeded, 139 CPU time limit; 129, 130, 143 ended by SIGHUP, SIGINT or SIGTERM
(wsbc then dies of that signal), 141 stdout closed or unwritable. A guest may exit with one of
these codes itself; the one-line reason on stderr (and the audit log) tells the two apart.
`,
  async run(ctx) {
    const dash = ctx.argv.indexOf('--');
    const own = dash === -1 ? ctx.argv : ctx.argv.slice(0, dash);
    const guestArgs = dash === -1 ? [] : ctx.argv.slice(dash + 1);
    const parsed = parseCommandArgs(own, {
      policy: { type: 'string', short: 'p' },
      audit: { type: 'string' },
      'audit-max-records': { type: 'string' },
      env: { type: 'string', short: 'e', multiple: true },
      dir: { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      instrument: { type: 'boolean' },
      'allow-unvetted': { type: 'boolean' },
      trust: { type: 'string', multiple: true },
    });
    if (!parsed.ok) return refusedUsage(ctx, parsed.message);
    const { values, positionals } = parsed.args;
    if (positionals.length !== 1) {
      return refusedUsage(ctx, positionals.length === 0 ? 'expected a module to run' : `unexpected arguments: ${positionals.slice(1).join(' ')} (put guest arguments after --)`);
    }
    // Two answers to one question (what to do with a plain module): refusing beats guessing which wins.
    if (values.instrument && values['allow-unvetted']) return refusedUsage(ctx, '--instrument and --allow-unvetted are alternatives: instrument the module on the fly, or run it as is');
    let auditMaxRecords: number | null | undefined;
    if (values['audit-max-records'] !== undefined) {
      const text = values['audit-max-records'];
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return refusedUsage(ctx, `--audit-max-records takes a whole number of records (got "${text}")`);
      auditMaxRecords = Number(text) === 0 ? null : Number(text);
    }
    const modulePath = positionals[0]!;
    // The audit log is opened for writing before the run: naming an input would truncate it.
    const clobbered = values.audit === undefined ? undefined : clobberedInput(values.audit, [modulePath, values.policy, ...(values.trust ?? [])], ctx.cwd);
    if (clobbered !== undefined) return refusedUsage(ctx, `the audit log ${values.audit} would overwrite the input ${clobbered}; choose another --audit`);

    const envOverrides: Record<string, string> = {};
    for (const pair of values.env ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        const value = eq === -1 ? ctx.env[pair] : undefined;
        if (value === undefined) {
          return refusedUsage(ctx, eq === 0 ? `--env expects NAME=VALUE (got "${pair}")` : `--env ${pair}: ${pair} is not set here, so there is no value to pass (give one with --env ${pair}=VALUE)`);
        }
        envOverrides[pair] = value;
      } else envOverrides[pair.slice(0, eq)] = pair.slice(eq + 1);
    }

    let policy: Manifest | undefined;
    if (values.policy !== undefined) {
      const loaded = await loadPolicy(values.policy, ctx);
      if (!loaded.manifest || loaded.diagnostics.some((d) => d.severity === 'error')) {
        // The one-line reason first and the diagnostics after it, as for every other refusal.
        const unreadable = loaded.diagnostics.some((d) => d.code === 'input/unreadable');
        ctx.stderr.write(terminationLine({ refused: true, reason: unreadable ? `cannot read the policy ${values.policy}` : `the policy ${values.policy} has errors`, status: RunStatus.Refused, limit: null }));
        await report(ctx, loaded.diagnostics, loaded.sources);
        return RunStatus.Refused;
      }
      policy = loaded.manifest;
    }
    if (values.dir !== undefined && values.dir.length > 0) {
      if (!policy) return refusedUsage(ctx, '--dir needs --policy');
      const mapped = applyDirs(policy, values.dir, ctx.cwd);
      if (typeof mapped === 'string') return refusedUsage(ctx, mapped);
      policy = mapped;
    }

    const listen: Array<{ host: string; port: number }> = [];
    for (const spec of values.listen ?? []) {
      const colon = spec.lastIndexOf(':');
      const portText = spec.slice(colon + 1);
      const port = Number(portText);
      const host = spec.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      // Digits only: Number() would also read "" as port 0 (any free port), " 80", "1e3" and "0x50".
      if (colon <= 0 || host === '' || !/^\d{1,5}$/.test(portText) || port > 65535) return refusedUsage(ctx, `--listen expects HOST:PORT with a port from 0 to 65535 (got "${spec}")`);
      listen.push({ host, port });
    }

    const trust: string[] = [];
    for (const file of values.trust ?? []) {
      try {
        trust.push(readFileSync(resolve(ctx.cwd, file), 'utf8'));
      } catch {
        return refusedUsage(ctx, `cannot read trusted key ${file}`);
      }
    }

    // Ctrl-C, `kill` or a stdout that cannot be written end the run through its signal: the
    // runtime stops the guest and writes the audit log's final record, as for any termination.
    const controller = new AbortController();
    const stopListening = ctx.interrupts?.on((interrupt) => controller.abort({ status: interrupt.status, reason: interrupt.reason }));
    let result: RunResult;
    try {
      result = await run(modulePath, {
        cwd: ctx.cwd,
        ...(policy ? { policy } : {}),
        args: guestArgs,
        env: ctx.env,
        envOverrides,
        stdin: ctx.stdin,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        ...(values.audit !== undefined ? { audit: { file: resolve(ctx.cwd, values.audit) } } : {}),
        ...(auditMaxRecords !== undefined ? { auditMaxRecords } : {}),
        ...(values.instrument ? { instrument: true } : {}),
        ...(values['allow-unvetted'] ? { allowUnvetted: true } : {}),
        ...(trust.length > 0 ? { trust } : {}),
        ...(listen.length > 0 ? { listen, onListen: (bound) => ctx.stderr.write(`wsbc: listening on ${bound.map((b) => hostPort(b.host, b.port)).join(', ')}\n`) } : {}),
        signal: controller.signal,
        // The one-line reason is written below, in one format for refusals and terminations alike.
        reportTermination: false,
      });
    } finally {
      stopListening?.();
    }
    if (result.termination !== 'exit') {
      const refused = result.termination === 'refused' || result.diagnostics.some((d) => d.severity === 'error');
      ctx.stderr.write(terminationLine({ refused, reason: result.reason ?? result.termination, status: result.status, limit: result.limit }));
      // Diagnostics add codes and help.
      if (refused) await report(ctx, result.diagnostics, new Map());
    }
    return result.status;
  },
};

function refusedUsage(ctx: CommandContext, message: string): number {
  ctx.stderr.write(`wsbc run: ${message}\nRun \`wsbc run --help\` for usage.\n`);
  return RunStatus.Refused;
}

async function report(ctx: CommandContext, diagnostics: Diagnostic[], sources: Map<string, string>): Promise<void> {
  if (diagnostics.length === 0) return;
  await writeChunks(ctx.stderr, renderDiagnostics('pretty', diagnostics, { sources, color: useColor(ctx.stderr, ctx.env), toolVersion: WSBC_VERSION, cwd: ctx.cwd }));
}

/**
 * --dir HOST[::GUEST]: remaps the preopen at GUEST to HOST (keeping its grants), or adds HOST
 * read-only at GUEST. Returns the new manifest or a usage message.
 */
export function applyDirs(manifest: Manifest, dirs: string[], cwd: string): Manifest | string {
  const preopens: Preopen[] = manifest.filesystem.preopens.map((p) => ({ ...p }));
  const given = new Set<string>();
  for (const spec of dirs) {
    // The last `::` separates GUEST, so that a host path may hold `::` itself (`a::b::/g`).
    const sep = spec.lastIndexOf('::');
    const hostRaw = sep === -1 ? spec : spec.slice(0, sep);
    const guestRaw = sep === -1 ? undefined : spec.slice(sep + 2);
    if (!hostRaw) return `--dir expects HOST or HOST::GUEST (got "${spec}")`;
    const hostPath = resolve(cwd, hostRaw);
    const guestGiven = guestRaw === undefined || guestRaw === '' ? hostPath : guestRaw;
    if (!guestGiven.startsWith('/')) return `--dir guest path must be absolute (got "${guestGiven}")`;
    // A trailing slash names the same directory (`/data/` is `/data`); `.` and `..` are refused
    // rather than resolved, as the policy language does, since they usually mean a typo.
    const guestPath = guestGiven.length > 1 ? guestGiven.replace(/\/+$/, '') || '/' : guestGiven;
    if (posix.normalize(guestPath) !== guestPath) return `--dir guest path must be clean: no ".", ".." or "//" (got "${guestGiven}"; did you mean "${posix.normalize(guestPath).replace(/(.)\/+$/, '$1')}"?)`;
    if (given.has(guestPath)) return `--dir gives the guest path ${guestPath} twice`;
    given.add(guestPath);
    const existing = preopens.find((p) => p.guestPath === guestPath);
    if (existing) existing.hostPath = hostPath;
    else preopens.push({ hostPath, guestPath, read: true, write: false, create: false, delete: false, maxFileSize: null });
  }
  preopens.sort((a, b) => (a.guestPath < b.guestPath ? -1 : a.guestPath > b.guestPath ? 1 : 0));
  return { ...manifest, filesystem: { preopens } };
}

/** `host:port`, with an IPv6 host in brackets (`[::1]:8080`) so that the port stays readable. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export default command;
