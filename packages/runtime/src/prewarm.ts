// `@wsbc/runtime/prewarm`: prewarm() alone, for callers that want a sandbox worker booting before
// they load the rest of the runtime (the CLI's `wsbc run` does). The worker it starts is the one
// the process's first run() takes.
export { prewarm } from './worker-pool.js';
