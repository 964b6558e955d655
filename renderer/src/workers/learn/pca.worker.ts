/**
 * The learn worker's helper for the rows' PCA (core/learn: rowPca). The centred SVD is the
 * costliest of Learn mode's numbers, so the learn worker hands it to this worker, which runs on
 * the other core while the learn worker computes the other views. It gets one channel's samples
 * (transferred) and returns the shares of variance and the rows' scores; it keeps nothing
 * between calls, and the learn worker terminates it when no PCA is waiting (its WebAssembly
 * memory, which cannot shrink, goes with it).
 */
import * as Comlink from 'comlink';
import { createKernels, rowPca, type KernelBackend } from '../../../../core/index.js';

export interface PcaResult {
  /** σᵢ² / ‖C‖²_F of the centred rows C. */
  ratios: Float64Array;
  /** ‖C‖²_F. */
  total: number;
  /** Row r's coordinates on PC1 and PC2 at 2r, 2r + 1. */
  scores: Float32Array;
}

let kernels: Promise<KernelBackend> | null = null;

const api = {
  async pca(
    rows: number,
    cols: number,
    samples: Uint8Array | Uint16Array,
    rank: number,
    onProgress?: (fraction: number) => void,
  ): Promise<PcaResult> {
    kernels ??= createKernels('auto');
    const { ratios, total, scores } = await rowPca({ rows, cols, data: samples }, rank, { kernels: await kernels, onProgress });
    return Comlink.transfer({ ratios, total, scores }, [scores.buffer]);
  },
};

export type PcaWorkerApi = typeof api;
Comlink.expose(api);
