// Entry point of a `wsbc check` pool worker (see pool.ts): receives jobs one message at a time and
// answers each with its outcome. The manifest and options arrive once, in workerData.
import { parentPort, workerData } from 'node:worker_threads';
import type { Manifest } from '@wsbc/manifest';
import { runCheckJob, type CheckJob, type CheckJobOptions } from './job.js';

export interface WorkerInit {
  manifest: Manifest;
  options: CheckJobOptions;
}

export type WorkerRequest = { id: number; job: CheckJob };

const { manifest, options } = workerData as WorkerInit;
const port = parentPort;
if (port) {
  port.on('message', (request: WorkerRequest) => {
    port.postMessage({ id: request.id, outcome: runCheckJob(request.job, manifest, options) });
  });
}
