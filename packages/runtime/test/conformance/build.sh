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
# The native-parity programs (native/, compared with their native build by native-parity.test.ts).
for src in native/*.c; do
  name=$(basename "$src" .c)
  clang --target=wasm32-wasi --sysroot=/usr -Os -Wl,--strip-all "$src" -o "wasm/native-$name.wasm"
done
# wasi-threads: Debian's wasi-libc has no threads build, so threads.c goes without libc, with its
# own wasi_thread_start, on a shared imported memory.
clang --target=wasm32-wasi -O2 -matomics -mbulk-memory -ftls-model=local-exec -nostdlib \
  -Wl,--import-memory,--shared-memory,--max-memory=1048576 -Wl,--export=_start -Wl,--no-entry \
  threads/threads-start.s threads/threads.c -o wasm/threads.wasm
echo "built $(ls wasm | wc -l) modules into $(pwd)/wasm"
