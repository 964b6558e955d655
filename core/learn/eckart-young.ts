/**
 * Eckart–Young on the photo itself: the rank-k truncation's error measured on the pixels (the
 * channel minus its float reconstruction, summed in float64) beside √(Σ_{i>k} σᵢ²) =
 * √(‖A‖²_F − Σ_{i≤k} σᵢ²) from the spectrum, and the error of another rank-k approximation of the
 * same size — A projected on k random orthonormal directions, A Q Qᵀ — which the theorem says can
 * only be larger.
 */
import type { SvdInput, TruncatedSvd } from '../types.js';
import type { KernelBackend } from '../kernels/index.js';
import { reconstructBands } from '../image/reconstruct.js';
import { SeededRandom } from '../linalg/random.js';
import { GramOperator } from './gram-operator.js';

export interface EckartYoung {
  k: number;
  /** ‖A‖_F. */
  norm: number;
  /** ‖A − A_k‖_F, from the pixels. */
  measured: number;
  /** √(‖A‖²_F − Σ_{i≤k} σᵢ²), from the spectrum. */
  fromSpectrum: number;
  /** ‖A − A Q Qᵀ‖_F for Q with k random orthonormal columns. */
  random: number;
}

export async function eckartYoung(
  a: SvdInput,
  svd: TruncatedSvd,
  k: number,
  kernels: KernelBackend,
  options: { seed?: number; gram?: () => GramOperator } = {},
): Promise<EckartYoung> {
  const kk = Math.max(0, Math.min(k, svd.rank));
  const { cols, data } = a;
  let normSquared = 0;
  for (let i = 0; i < data.length; i++) normSquared += data[i] * data[i];
  let errorSquared = kk === 0 ? normSquared : 0;
  // The reconstruction a band of rows at a time (no full-size copy of A_k), before the random
  // projection: the Gram operator that one makes stays in the workspace for the caller's next use.
  await reconstructBands(svd, kk, kernels, (first, count, band, stride) => {
    for (let r = 0; r < count; r++) {
      const at = (first + r) * cols;
      for (let c = 0; c < cols; c++) errorSquared += (data[at + c] - band[r * stride + c]) ** 2;
    }
  });
  let kept = 0;
  for (let i = 0; i < kk; i++) kept += svd.sigma[i] ** 2;
  return {
    k: kk,
    norm: Math.sqrt(normSquared),
    measured: Math.sqrt(errorSquared),
    fromSpectrum: Math.sqrt(Math.max(0, normSquared - kept)),
    random: Math.sqrt(Math.max(0, normSquared - randomProjectionEnergy(a, kk, kernels, options.seed ?? 11, options.gram?.()))),
  };
}

/**
 * ‖A Q‖²_F for Q (cols × k) with random orthonormal columns: the energy A Q Qᵀ keeps. `operator`:
 * a GramOperator already made for A on `kernels` and still holding its workspace (else one is made).
 */
export function randomProjectionEnergy(a: SvdInput, k: number, kernels: KernelBackend, seed: number, operator?: GramOperator): number {
  if (k === 0) return 0;
  const n = a.cols;
  const random = new SeededRandom(seed);
  const q = new Float64Array(k * n);
  for (let i = 0; i < q.length; i++) q[i] = random.nextNormal();
  // Modified Gram–Schmidt, twice: k orthonormal rows (Gaussian rows are independent almost surely).
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let product = 0;
        for (let c = 0; c < n; c++) product += q[i * n + c] * q[j * n + c];
        for (let c = 0; c < n; c++) q[j * n + c] -= product * q[i * n + c];
      }
    }
    let norm = 0;
    for (let c = 0; c < n; c++) norm += q[j * n + c] ** 2;
    norm = Math.sqrt(norm);
    for (let c = 0; c < n; c++) q[j * n + c] /= norm;
  }
  const norms = GramOperator.reuse(operator, a, kernels).normsOfProducts(q, k);
  return norms.reduce((sum, value) => sum + value, 0);
}
