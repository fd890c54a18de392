#!/bin/sh
# Long differential run on random modules (binaryen -ttf): original vs instrumented under three
# option mixes. Usage: fuzz/differential.sh [seeds] [first-seed]   (from packages/instrumenter)
# A failure prints the seed; reproduce with WSBC_FUZZ_FROM=<seed> WSBC_FUZZ_SEEDS=1.
set -e
cd "$(dirname "$0")/.."
WSBC_FUZZ_SEEDS="${1:-500}" WSBC_FUZZ_FROM="${2:-1000}" exec npx vitest run test/differential.test.ts
