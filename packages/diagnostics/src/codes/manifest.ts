// Diagnostic codes of the `manifest/` domain. Keep sorted; never reuse a retired code.
// Produced by @wsbc/manifest: loading and validating manifest JSON, and normalizing manifest
// inputs (from the policy compiler or an embedder's builder). `data.path` is always the JSON
// path (RFC 6901 pointer) of the offending value.
import type { CodeTable } from '../registry.js';

export const manifestCodes: CodeTable = {
  'manifest/conflicting-import': {
    severity: 'error',
    summary: 'The same host import is granted twice with different `requires` capabilities.',
  },
  'manifest/create-without-write': {
    severity: 'error',
    summary: 'A directory allows creating files but is not writable; write does not follow from create.',
  },
  'manifest/custom-bounds-reversed': {
    severity: 'error',
    summary: 'A numeric custom capability has a minimum greater than its maximum.',
  },
  'manifest/custom-out-of-range': {
    severity: 'error',
    summary: 'A numeric custom capability has a value outside its own minimum and maximum.',
  },
  'manifest/delete-without-write': {
    severity: 'error',
    summary: 'A directory allows deleting files but is not writable; write does not follow from delete.',
  },
  'manifest/duplicate-custom': {
    severity: 'error',
    summary: 'Two custom capabilities have the same name.',
  },
  'manifest/duplicate-key': {
    severity: 'error',
    summary: 'A JSON object has the same key twice; parsers disagree on which one wins, so it is refused.',
  },
  'manifest/ignored-grant': {
    severity: 'warning',
    summary: 'A grant list is ignored because the mode is `none` or `full`.',
  },
  'manifest/inconsistent-mode': {
    severity: 'error',
    summary: 'A capability mode disagrees with its lists (for example `restricted` network without any grant).',
  },
  'manifest/invalid-guest-path': {
    severity: 'error',
    summary: 'A guest path is not an absolute path.',
  },
  'manifest/invalid-host': {
    severity: 'error',
    summary: 'A network host is not a host name, an IP literal or a `*.suffix` pattern.',
  },
  'manifest/invalid-json': {
    severity: 'error',
    summary: 'The manifest file is not valid JSON.',
  },
  'manifest/invalid-name': {
    severity: 'error',
    summary: 'An environment variable name, command name, import name or custom capability name is empty or malformed.',
  },
  'manifest/invalid-type': {
    severity: 'error',
    summary: 'A manifest input field has the wrong type (for example a string where a number is expected).',
  },
  'manifest/not-normalized': {
    severity: 'warning',
    summary: 'The manifest is valid but not in normalized form (unsorted lists, unmerged ranges, uncleaned paths).',
  },
  'manifest/out-of-range': {
    severity: 'error',
    summary: 'A number is outside the range its field allows (port above 65535, zero pages, percent above 100, ...).',
  },
  'manifest/port-range-reversed': {
    severity: 'error',
    summary: 'A port range starts after it ends.',
  },
  'manifest/preopen-conflict': {
    severity: 'error',
    summary: 'One guest path is mapped to two different host directories.',
  },
  'manifest/preopen-without-access': {
    severity: 'error',
    summary: 'A directory is granted with neither read nor write access.',
  },
  'manifest/reserved-exceeds-max': {
    severity: 'error',
    summary: 'Reserved memory pages exceed the maximum memory pages.',
  },
  'manifest/schema-violation': {
    severity: 'error',
    summary: 'The manifest does not match the manifest JSON Schema.',
  },
  'manifest/seed-without-pseudo': {
    severity: 'error',
    summary: 'A random seed is given but the random mode is not `pseudo`.',
  },
  'manifest/too-many-problems': {
    severity: 'error',
    summary: 'A manifest has more problems than are listed for one document (100); the rest are counted, or past a limit not looked for.',
  },
  'manifest/unclean-path': {
    severity: 'error',
    summary: 'A path in a manifest is not absolute and cleaned (no `.`, `..`, doubled or trailing slashes).',
  },
  'manifest/unknown-field': {
    severity: 'error',
    summary: 'A manifest input has a field wsbc does not know (often a typo).',
  },
  'manifest/unknown-preset': {
    severity: 'error',
    summary: 'The preset named by a manifest input does not exist.',
  },
  'manifest/unknown-requirement': {
    severity: 'error',
    summary: 'A host import requires a custom capability that the manifest does not declare.',
  },
  'manifest/unknown-value': {
    severity: 'error',
    summary: 'A field has a value outside its allowed set (for example an unknown mode).',
  },
  'manifest/unsupported-version': {
    severity: 'error',
    summary: 'The manifest has a format version this wsbc does not read.',
  },
};
