// The wasi-threads entry point, named once for the code that reads module shapes (host side)
// and the code that starts threads (the worker, which bundles only its own modules).

/** The export wasi-threads calls in a new thread: `wasi_thread_start(tid: i32, start_arg: i32)`. */
export const THREAD_START_EXPORT = 'wasi_thread_start';
/** Its type, as ModuleShape.threadStartType writes it. */
export const THREAD_START_TYPE = '(i32, i32) -> ()';
