/**
 * The learn worker's helper: the eigenpairs of AᵀA with their agreement against the SVD, and the
 * rows' PCA — Learn mode's costliest numbers — run here on the other core while the learn worker
 * computes the quick views and Eckart–Young. One Lanczos run gives both (core/learn: gramEigen
 * with `centred`: CᵀC's pairs come from the same Krylov space), so a PCA after it only projects
 * the rows (one asked for first, or on a photo narrow enough for the dense path, runs its own).
 * The learn worker starts it with itself (so its code and WebAssembly are ready when the samples
 * come) and terminates it with itself. It holds one channel's samples at a time (setSamples,
 * keyed by image and channel), one Gram operator (one float32 copy of a channel in its kernel
 * workspace) and the eigensolver's pairs of the last few channels: its calls run one at a time,
 * in arrival order.
 */
import * as Comlink from 'comlink';
import {
  GRAM_BLOCK,
  GramOperator,
  createKernels,
  eigenAgreement,
  gramEigen,
  rowPca,
  type EigenAgreement,
  type GramEigen,
  type KernelBackend,
  type SampleMatrix,
} from '../../../../core/index.js';

export interface PcaResult {
  /** σᵢ² / ‖C‖²_F of the centred rows C. */
  ratios: Float64Array;
  /** ‖C‖²_F. */
  total: number;
  /** Row r's coordinates on PC1 and PC2 at 2r, 2r + 1. */
  scores: Float32Array;
}

/** The eigensolver's pairs (without their vectors) and their agreement with one set of singular values and vectors. */
export interface EigenResult {
  eigen: Omit<GramEigen, 'vectors' | 'centred'>;
  agreement: EigenAgreement;
}

// Compiled now, while the learn worker waits for the image.
const kernels = createKernels('auto');
let held: { key: string; a: SampleMatrix } | null = null;
/** The last Gram operator made (GramOperator.reuse makes another for other samples, or when other work took the workspace). */
let operator: GramOperator | null = null;
/** The eigensolver's pairs of the last few channels, by samples key. */
const pairsByKey = new Map<string, GramEigen>();
const PAIRS_KEPT = 3;

let last: Promise<unknown> = Promise.resolve();

/** Runs `work` after the calls before it (they share the kernel workspace). */
function serial<T>(work: () => Promise<T>): Promise<T> {
  const run = last.then(work);
  last = run.catch(() => {});
  return run;
}

function samples(key: string): SampleMatrix {
  if (held?.key !== key) throw new Error('The learn helper holds other samples');
  return held.a;
}

/** The Gram operator for samples `a` (a call's own, even if others are held by now). */
function gram(a: SampleMatrix, backend: KernelBackend): GramOperator {
  operator = GramOperator.reuse(operator, a, backend);
  return operator;
}

const api = {
  /**
   * The size of the channels to come (sent with the image, before any channel is wanted): the
   * kernel workspace for their Gram operator is mapped now, while this worker waits.
   */
  prepare(rows: number, cols: number): Promise<void> {
    return serial(async () => (await kernels).reserve(GramOperator.workspaceFloats(rows, cols), GRAM_BLOCK));
  },

  /** The samples the next calls work on (one channel of one image; `key` names them). */
  setSamples(key: string, rows: number, cols: number, data: Uint8Array | Uint16Array): void {
    held = { key, a: { rows, cols, data } };
  },

  /**
   * The top `count` eigenpairs of AᵀA (and `centred` of the centred rows' CᵀC, kept for pca())
   * — computed once for the held samples — set beside σᵢ² and vᵢ: `sigma` (count values) and
   * `vRows` (count rows of n values, float64).
   */
  eigen(
    key: string,
    count: number,
    centred: number,
    sigma: Float64Array,
    vRows: Float64Array,
    onProgress?: (fraction: number) => void,
  ): Promise<EigenResult> {
    return serial(async () => {
      const a = samples(key);
      const backend = await kernels;
      let pairs = pairsByKey.get(key);
      if (!pairs || pairs.values.length < count) {
        pairs = await gramEigen(a, count, { kernels: backend, operator: gram(a, backend), centred, onProgress });
        pairsByKey.delete(key);
        pairsByKey.set(key, pairs);
        for (const old of pairsByKey.keys()) if (pairsByKey.size > PAIRS_KEPT) pairsByKey.delete(old);
      }
      // The dense path used the workspace for the Gram matrix: gram() puts A back.
      const images = gram(a, backend).apply(vRows, count);
      const agreement = await eigenAgreement(sigma, vRows, images, pairs, count);
      const { method, values, residuals, dimension, products } = pairs;
      return { eigen: { method, values, residuals, dimension, products }, agreement };
    });
  },

  /** The rows' PCA: from the eigensolver's run when it found CᵀC's pairs, else its own. */
  pca(key: string, rank: number, onProgress?: (fraction: number) => void): Promise<PcaResult> {
    return serial(async () => {
      const a = samples(key);
      const backend = await kernels;
      const { ratios, total, scores } = await rowPca(a, rank, {
        kernels: backend,
        operator: gram(a, backend),
        pairs: pairsByKey.get(key)?.centred,
        onProgress,
      });
      return Comlink.transfer({ ratios, total, scores }, [scores.buffer]);
    });
  },
};

export type LearnHelperApi = typeof api;
Comlink.expose(api);
