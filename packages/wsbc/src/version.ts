// The wsbc version recorded in vetted artifacts built through this package. Kept equal to
// package.json's version by test/version.test.ts.
export const WSBC_VERSION = '0.1.0';
