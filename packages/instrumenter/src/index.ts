// Public API of @wsbc/instrumenter: the reserved host interface (abi), the cost table and the
// instrument pass.
export * from './abi.js';
export { DEFAULT_COST_TABLE, MAX_PRICE, parseCostTable, type CostTable } from './cost-table.js';
export {
  instrument,
  instrumentAsync,
  MAX_STACK_DEPTH,
  MAX_THREADS,
  PARALLEL_MIN_CODE_BYTES,
  type InstrumentAsyncOptions,
  type InstrumentOptions,
  type InstrumentOutput,
  type InstrumentStats,
  type MemoryGuard,
} from './instrument.js';
