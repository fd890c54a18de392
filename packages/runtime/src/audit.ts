// The audit log: one JSON object per line for every capability decision (allowed or denied),
// every limit hit and every lifecycle event of a run. The schema is AUDIT_RECORD_SCHEMA below
// (also documented in docs/audit-log.md); records are plain data so they can cross the worker
// boundary and be written by any sink.
import fs from 'node:fs';

export const AUDIT_SCHEMA_VERSION = 1 as const;

export type Capability =
  | 'filesystem' | 'environment' | 'random' | 'time' | 'network' | 'process' | 'args' | 'stdio' | 'threads' | 'import'
  | 'memory';

export type LimitName =
  | 'fuel' | 'total-time' | 'idle-time' | 'cpu-time' | 'cpu-usage' | 'memory' | 'open-files'
  | 'read-bytes' | 'write-bytes' | 'read-rate' | 'write-rate' | 'file-size' | 'threads' | 'audit-records';

/**
 * Where each limit is set: the `limits` setting of the policy language (docs/policy-language.md),
 * or, for the two that are not policy limits, what sets them instead. Named in the one-line reason
 * of a run a limit ended, so the reader knows what to raise.
 */
export const LIMIT_SOURCES: Readonly<Record<LimitName, string>> = {
  fuel: 'the policy\'s `limits { fuel }`',
  'total-time': 'the policy\'s `limits { time total }`',
  'idle-time': 'the policy\'s `limits { time idle }`',
  'cpu-time': 'the policy\'s `limits { cpu time }`',
  'cpu-usage': 'the policy\'s `limits { cpu usage }`',
  memory: 'the policy\'s `limits { memory max }`',
  'open-files': 'the policy\'s `limits { io open-files }`',
  'read-bytes': 'the policy\'s `limits { io total-read }`',
  'write-bytes': 'the policy\'s `limits { io total-write }`',
  'read-rate': 'the policy\'s `limits { io read }`',
  'write-rate': 'the policy\'s `limits { io write }`',
  'file-size': 'the `max-file-size` of the policy\'s filesystem grant',
  threads: 'the policy\'s `limits { cpu threads }`',
  'audit-records': 'the run\'s audit record bound (`wsbc run --audit-max-records`, RunOptions.auditMaxRecords)',
};

export type LifecycleEvent = 'start' | 'instantiated' | 'exit' | 'terminated' | 'refused';

interface RecordBase {
  /** Schema version. */
  v: typeof AUDIT_SCHEMA_VERSION;
  /** 0-based sequence number within the run. */
  seq: number;
  /** Milliseconds since the run started; null when the run uses a deterministic clock. */
  t: number | null;
}

export interface DecisionRecord extends RecordBase {
  type: 'decision';
  capability: Capability;
  /** The WASI function (or host import `module.name`) that asked. */
  op: string;
  outcome: 'allowed' | 'denied';
  /** WASI errno name returned to the guest when denied. */
  errno?: string;
  /** Why it was denied. */
  reason?: string;
  /** Operation details: guest path, fd, rights, variable name, host, port... */
  detail?: Record<string, string | number | boolean | null>;
}

export interface LimitRecord extends RecordBase {
  type: 'limit';
  limit: LimitName;
  /** terminated: the run ended; refused: the call failed; throttled: the guest was slowed down. */
  action: 'terminated' | 'refused' | 'throttled';
  /** The configured limit (unit depends on the limit). */
  max: number | null;
  /** The value that hit it. */
  value: number | null;
  op?: string;
}

export interface LifecycleRecord extends RecordBase {
  type: 'lifecycle';
  event: LifecycleEvent;
  /** For exit/terminated: the process status the run ends with. */
  status?: number;
  reason?: string;
  detail?: Record<string, string | number | boolean | null>;
}

export type AuditRecord = DecisionRecord | LimitRecord | LifecycleRecord;

/** Draft of a record: what a producer fills in; the log adds v, seq and t. */
export type AuditDraft =
  | Omit<DecisionRecord, 'v' | 'seq' | 't'>
  | Omit<LimitRecord, 'v' | 'seq' | 't'>
  | Omit<LifecycleRecord, 'v' | 'seq' | 't'>;

/** Where audit records go. */
export type AuditOption =
  | 'off'
  | { file: string }
  | { callback: (record: AuditRecord) => void }
  | AuditSink;

/** Custom sinks (level 3): receive every record in order; close() is awaited at the end of the run. */
export interface AuditSink {
  write(record: AuditRecord): void;
  close?(): void | Promise<void>;
}

/** Resolves an AuditOption to a sink, or undefined when auditing is off. */
export function openAuditSink(option: AuditOption | undefined): AuditSink | undefined {
  if (option === undefined || option === 'off') return undefined;
  if ('write' in option) return option;
  if ('callback' in option) {
    const callback = option.callback;
    return { write: (record) => callback(record) };
  }
  // Opened synchronously so that a bad path is reported before the guest starts.
  const fd = fs.openSync(option.file, 'w');
  return {
    write: (record) => {
      fs.writeSync(fd, `${JSON.stringify(record)}\n`);
    },
    close: () => fs.closeSync(fd),
  };
}

/** Numbers records and stamps them; shared by the worker side and the host side of a run. */
export class AuditStamper {
  private seq = 0;
  constructor(private readonly startedAt: number, private readonly timestamps: boolean) {}

  stamp(draft: AuditDraft, now: number): AuditRecord {
    const t = this.timestamps ? Math.round((now - this.startedAt) * 1000) / 1000 : null;
    return { v: AUDIT_SCHEMA_VERSION, seq: this.seq++, t, ...draft } as AuditRecord;
  }

  get count(): number {
    return this.seq;
  }

  /** Continues numbering after records produced elsewhere (the worker). */
  advanceTo(seq: number): void {
    if (seq > this.seq) this.seq = seq;
  }
}

const detailSchema = {
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
} as const;

const base = {
  v: { const: AUDIT_SCHEMA_VERSION },
  seq: { type: 'integer', minimum: 0 },
  t: { type: ['number', 'null'], minimum: 0 },
} as const;

/** JSON Schema (draft 2020-12) of one audit log line. */
export const AUDIT_RECORD_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://wsbc.dev/schema/audit-record.v1.json',
  title: 'wsbc audit record',
  oneOf: [
    {
      type: 'object',
      required: ['v', 'seq', 't', 'type', 'capability', 'op', 'outcome'],
      additionalProperties: false,
      properties: {
        ...base,
        type: { const: 'decision' },
        capability: {
          enum: ['filesystem', 'environment', 'random', 'time', 'network', 'process', 'args', 'stdio', 'threads', 'import', 'memory'],
        },
        op: { type: 'string', minLength: 1 },
        outcome: { enum: ['allowed', 'denied'] },
        errno: { type: 'string' },
        reason: { type: 'string' },
        detail: detailSchema,
      },
    },
    {
      type: 'object',
      required: ['v', 'seq', 't', 'type', 'limit', 'action', 'max', 'value'],
      additionalProperties: false,
      properties: {
        ...base,
        type: { const: 'limit' },
        limit: {
          enum: ['fuel', 'total-time', 'idle-time', 'cpu-time', 'cpu-usage', 'memory', 'open-files', 'read-bytes',
            'write-bytes', 'read-rate', 'write-rate', 'file-size', 'threads', 'audit-records'],
        },
        action: { enum: ['terminated', 'refused', 'throttled'] },
        max: { type: ['number', 'null'] },
        value: { type: ['number', 'null'] },
        op: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['v', 'seq', 't', 'type', 'event'],
      additionalProperties: false,
      properties: {
        ...base,
        type: { const: 'lifecycle' },
        event: { enum: ['start', 'instantiated', 'exit', 'terminated', 'refused'] },
        status: { type: 'integer', minimum: 0, maximum: 255 },
        reason: { type: 'string' },
        detail: detailSchema,
      },
    },
  ],
} as const;
