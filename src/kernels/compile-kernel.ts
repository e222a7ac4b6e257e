/**
 * Compiles a kernel module from its committed base64 bytes (`src/kernels/*.wasm.ts`) once per process.
 * @param base64 the module's bytes, base64. @returns the module, or null where this runtime cannot compile it
 *   (no WebAssembly, no SIMD, no threads for a shared-memory import): the callers then use JavaScript loops.
 */
export function compileKernel(base64: string): WebAssembly.Module | null {
  let m = cache.get(base64);
  if (m === undefined) {
    try {
      m = new WebAssembly.Module(Buffer.from(base64, 'base64'));
    } catch {
      m = null;
    }
    cache.set(base64, m);
  }
  return m;
}

const cache = new Map<string, WebAssembly.Module | null>();
