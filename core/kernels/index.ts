/**
 * Chooses a kernel backend: WebAssembly relaxed SIMD (fused multiply-add) where it validates,
 * then SIMD128, then plain TypeScript.
 */
import type { KernelBackend, KernelKind } from './kernel-backend.js';
import { PlainKernels } from './plain.js';
import { SimdKernels, simdKernelModule } from './simd.js';

export type { DenseKernels, KernelBackend, KernelKind } from './kernel-backend.js';
export { PlainDenseKernels, PlainKernels } from './plain.js';

/** Whether the WebAssembly SIMD128 kernels can run here. */
export async function simdAvailable(): Promise<boolean> {
  return (await simdKernelModule('simd')) !== null;
}

/** Whether the relaxed-SIMD kernels can run here (Chromium and Electron: yes; Node 20: behind a V8 flag). */
export async function relaxedSimdAvailable(): Promise<boolean> {
  return (await simdKernelModule('relaxed')) !== null;
}

/** The backend createKernels('auto') gives on this thread. */
export async function bestKernelKind(): Promise<KernelKind> {
  if (await relaxedSimdAvailable()) return 'relaxed';
  if (await simdAvailable()) return 'simd';
  return 'plain';
}

/**
 * A fresh backend. Each call gets its own WebAssembly instance and memory, so concurrent
 * decompositions on one thread never share a workspace.
 */
export async function createKernels(kind: KernelKind | 'auto' = 'auto'): Promise<KernelBackend> {
  const chosen = kind === 'auto' ? await bestKernelKind() : kind;
  if (chosen === 'plain') return new PlainKernels();
  const module = await simdKernelModule(chosen);
  if (module === null) {
    throw new Error(
      chosen === 'relaxed'
        ? 'WebAssembly relaxed SIMD is not supported here (Node 20 needs --experimental-wasm-relaxed-simd)'
        : 'WebAssembly SIMD128 is not supported on this platform',
    );
  }
  const [products, dense] = await Promise.all([WebAssembly.instantiate(module, {}), WebAssembly.instantiate(module, {})]);
  return new SimdKernels(chosen, products, dense);
}
