import { packageTestConfig } from './vitest.shared.js';

// Workspace-level tests (package graph, docs, examples) live in ./test.
const config = packageTestConfig(import.meta.dirname);
config.test!.include = ['test/**/*.test.ts'];
export default config;
