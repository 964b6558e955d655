/**
 * The learn worker's helper: the rows' PCA (core/learn: rowPca) and Eckart–Young (eckartYoung),
 * two of Learn mode's costliest numbers, run here on the other core while the learn worker
 * computes the eigenpairs of AᵀA and the quick views. The learn worker starts it with itself (so
 * its code and WebAssembly are ready when the samples come) and terminates it with itself. It
 * holds one channel's samples at a time (setSamples, keyed by image and channel) and one Gram
 * operator for them (one float32 copy of the channel in its kernel workspace), which PCA's
 * products with the centred rows and Eckart–Young's random projection both use: its calls run one
 * at a time, in arrival order.
 */
import * as Comlink from 'comlink';
import {
  GramOperator,
  createKernels,
  eckartYoung,
  rowPca,
  type EckartYoung,
  type KernelBackend,
  type SampleMatrix,
  type TruncatedSvd,
} from '../../../../core/index.js';

export interface PcaResult {
  /** σᵢ² / ‖C‖²_F of the centred rows C. */
  ratios: Float64Array;
  /** ‖C‖²_F. */
  total: number;
  /** Row r's coordinates on PC1 and PC2 at 2r, 2r + 1. */
  scores: Float32Array;
}

// Compiled now, while the learn worker waits for the image.
const kernels = createKernels('auto');
let held: { key: string; a: SampleMatrix } | null = null;
/** The Gram operator for the held samples (made again if other work took the workspace). */
let operator: GramOperator | null = null;

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

/** The Gram operator for the held samples `a`. */
function gram(a: SampleMatrix, backend: KernelBackend): GramOperator {
  if (!operator || backend.holds !== operator) operator = new GramOperator(a, backend);
  return operator;
}

const api = {
  /** The samples the next calls work on (one channel of one image; `key` names them). */
  setSamples(key: string, rows: number, cols: number, data: Uint8Array | Uint16Array): void {
    held = { key, a: { rows, cols, data } };
    operator = null;
  },

  pca(key: string, rank: number, onProgress?: (fraction: number) => void): Promise<PcaResult> {
    return serial(async () => {
      const a = samples(key);
      const backend = await kernels;
      const { ratios, total, scores } = await rowPca(a, rank, { kernels: backend, operator: gram(a, backend), onProgress });
      return Comlink.transfer({ ratios, total, scores }, [scores.buffer]);
    });
  },

  /** `svd`: the channel's factors, at least k components. */
  eckartYoung(key: string, svd: TruncatedSvd, k: number): Promise<EckartYoung> {
    return serial(async () => {
      const a = samples(key);
      const backend = await kernels;
      return eckartYoung(a, svd, k, backend, { gram: () => gram(a, backend) });
    });
  },
};

export type LearnHelperApi = typeof api;
Comlink.expose(api);
