#!/bin/sh
# Rebuilds the C conformance programs with Debian's clang and wasi-libc. The .wasm outputs are
# committed, so tests never need a compiler; run this after editing a .c file.
set -eu
cd "$(dirname "$0")"
mkdir -p wasm
for src in c/*.c; do
  name=$(basename "$src" .c)
  clang --target=wasm32-wasi --sysroot=/usr -Os -Wl,--strip-all "$src" -o "wasm/$name.wasm"
done
echo "built $(ls wasm | wc -l) modules into $(pwd)/wasm"
