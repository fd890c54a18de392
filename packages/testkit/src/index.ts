export * from './spec-runner.js';
