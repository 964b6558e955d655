/**
 * Turns on WebAssembly relaxed SIMD for this process, so core's kernels pick their fused
 * multiply-add build (core detects it with WebAssembly.validate). Node 20 has relaxed SIMD behind
 * V8's --experimental-wasm-relaxed-simd; V8's flags are per process, and worker threads started
 * later share them. Must run before core compiles its kernels (it compiles them on first use).
 */
import v8 from 'node:v8';

export function enableRelaxedSimd(): void {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}
