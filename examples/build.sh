#!/usr/bin/env sh
# Rebuilds the example modules from their C sources. The built .wasm files are committed, so
# running the examples needs no C compiler; this script is for changing them.
# Needs clang with the wasm32 target, lld and wasi-libc (Debian: clang lld wasi-libc).
set -eu
cd "$(dirname "$0")"
CC="${CC:-clang}"
SYSROOT="${WASI_SYSROOT:-/usr}"
for example in read-allowed-file etc-passwd plugin-host-function; do
  "$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -Os -Wall -Wl,--strip-all \
    "$example/main.c" -o "$example/$example.wasm"
  echo "built $example/$example.wasm ($(wc -c < "$example/$example.wasm") bytes)"
done
