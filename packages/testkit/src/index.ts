export * from './spec-runner.js';
export * from './spec-corpus.js';
export * from './real-modules.js';
export * from './wat.js';
export * from './bulk-module.js';
