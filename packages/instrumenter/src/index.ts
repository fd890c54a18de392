// Public API of @wsbc/instrumenter: the reserved host interface (abi) and the instrument pass.
export * from './abi.js';
