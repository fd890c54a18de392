// Types of mutate.mjs, for the robustness test.
export type MutationKind = 'flip' | 'truncate' | 'inflate' | 'shuffle';

/** mulberry32: small, fast, and reproducible from a 32-bit seed. */
export declare function seededRandom(seed: number): () => number;
/** A mutated copy of `input` (one of `kind`, or one chosen by `random`). */
export declare function mutate(input: Uint8Array, random: () => number, kind?: MutationKind): Uint8Array<ArrayBuffer>;
