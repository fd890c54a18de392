// The wsbc version, embedded in vetted artifacts and SARIF output. Kept in sync with
// package.json by a test (packages/cli/test/version.test.ts).
export const WSBC_VERSION = '0.1.0';
