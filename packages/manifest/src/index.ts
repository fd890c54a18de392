// Public API of @wsbc/manifest: the manifest types (the contract between compiler, analyzer,
// instrumenter and runtime), presets, merging, normalization, canonical JSON and hash, and
// validation of manifest JSON against the published schema; and, for load speed, loading
// CommonJS files through V8's code cache (used by the bundles of the other packages).
export * from './types.js';
export type { ManifestInput, PreopenInput, PresetName } from './input.js';
export { PRESETS, PRESET_NAMES, isPresetName } from './presets.js';
export { mergeManifestInputs } from './merge.js';
export { normalize, mergePortRanges, cleanHostName, hostProblem, LIMITS } from './normalize.js';
export type { NormalizeOptions } from './normalize.js';
export { canonicalManifestJson, manifestHash, orderManifest } from './canonical.js';
export { DEFAULT_MANIFEST } from './default-manifest.js';
export { validateManifest, loadManifest } from './validate.js';
export { parseJsonSource } from './json-source.js';
export type { JsonSource, JsonSourceResult } from './json-source.js';
export { CODE_CACHE_SUFFIX, codeCacheFor, codeCacheFileContents, loadCommonJsWithCodeCache, runCommonJs } from './code-cache.js';
export type { CodeCacheUse } from './code-cache.js';
