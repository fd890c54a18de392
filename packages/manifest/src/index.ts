export * from './types.js';
export type { ManifestInput, PreopenInput, PresetName } from './input.js';
