/** Chooses a kernel backend: WebAssembly SIMD128 where it validates, plain TypeScript otherwise. */
import type { KernelBackend, KernelKind } from './kernel-backend.js';
import { PlainKernels } from './plain.js';
import { SimdKernels, simdKernelModule } from './simd.js';

export type { DenseKernels, KernelBackend, KernelKind } from './kernel-backend.js';
export { PlainDenseKernels, PlainKernels } from './plain.js';

/** Whether the WebAssembly SIMD kernels can run here. */
export async function simdAvailable(): Promise<boolean> {
  return (await simdKernelModule()) !== null;
}

/**
 * A fresh backend. Each call gets its own WebAssembly instance and memory, so concurrent
 * decompositions on one thread never share a workspace.
 */
export async function createKernels(kind: KernelKind | 'auto' = 'auto'): Promise<KernelBackend> {
  if (kind === 'plain') return new PlainKernels();
  const module = await simdKernelModule();
  if (module === null) {
    if (kind === 'simd') throw new Error('WebAssembly SIMD128 is not supported on this platform');
    return new PlainKernels();
  }
  const [products, dense] = await Promise.all([WebAssembly.instantiate(module, {}), WebAssembly.instantiate(module, {})]);
  return new SimdKernels(products, dense);
}
