// Types for `.wasm` imports vetted by @wsbc/vite-plugin. Add to tsconfig "types":
// ["@wsbc/vite-plugin/client"], or reference it with /// <reference types="@wsbc/vite-plugin/client" />.
declare module '*.wasm' {
  /** URL of the vetted artifact (instrumented module with its wsbc.vetted section). */
  const url: string;
  export default url;
  /** Hash of the manifest the module was vetted under (`sha256:<hex>`). */
  export const manifestHash: string;
}
