/**
 * Float64 refinement of the dominant components. The energy identity
 * ‖A − A_k‖²_F = ‖A‖²_F − Σ_{i≤k} σ_i² subtracts σ₁² — for a photo 95–99 % of ‖A‖² (σ₁ carries
 * the mean brightness) — from ‖A‖², so an error of 1e-7 in σ₁ (float32 products) is an error of
 * 1e-3 in the residual at rank 256. For the few components whose σ² holds at least 1e-4 of the
 * energy, u and v are re-orthonormalized in float64 (and rounded once to float32) and σ is
 * re-measured as the Rayleigh quotient uᵀAv in float64, which makes the identity hold for the
 * float32 factors actually returned.
 *
 * A first look (coarse-start.ts) skips the re-measure, a float64 pass over A that took 14 of a
 * 12 MP channel's ~120 ms, where the residual the float32 σ leave is at least
 * SKIP_REMEASURE_RESIDUAL of ‖A‖² (remeasureNeeded). Its float32 σ put the identity within about
 * 5e-8 / (the residual's share of ‖A‖²) of the residual formed pixel by pixel: on the samples at
 * rank 32, the 1 MP crop (share 9.5e-4) 5.7e-5, the 12 MP photo (3.2e-3) 1.3e-5, 0.0002 dB of
 * PSNR; so below 1e-4 down to the threshold. The higher ranks that follow re-measure as usual.
 */
import type { Matrix, TruncatedSvd } from '../types.js';

/** The least share of ‖A‖² left as residual at which a first look keeps its float32 σ (see above). */
export const SKIP_REMEASURE_RESIDUAL = 6e-4;

/** Whether the leading `count` σ (float32 products) leave less than SKIP_REMEASURE_RESIDUAL of `energy` (‖A‖²): re-measure them. */
export function remeasureNeeded(sigma: ArrayLike<number>, count: number, energy: number): boolean {
  let kept = 0;
  for (let i = 0; i < count; i++) kept += sigma[i] * sigma[i];
  return energy - kept < SKIP_REMEASURE_RESIDUAL * energy;
}

/** At most this many components (the kernels' batched Rayleigh quotients take four at once). */
export const MAX_REFINED = 4;
const ENERGY_SHARE = 1e-4;

/** uᵢᵀ A vᵢ in float64 for each pair of float64 vectors uᵢ (rows) and vᵢ (cols), at most MAX_REFINED pairs. */
export type RayleighQuotients = (pairs: readonly { u: Float64Array; v: Float64Array }[]) => number[];

/** RayleighQuotients over a float32 matrix in plain TypeScript. */
export function rayleighQuotientOf(a: Matrix): RayleighQuotients {
  return (pairs) =>
    pairs.map(({ u, v }) => {
      const { rows, cols, data } = a;
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const row = r * cols;
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += data[row + c] * v[c];
        total += u[r] * sum;
      }
      return total;
    });
}

/**
 * `input` with unit columns in U and V, and its leading components refined (see above); with
 * `rayleigh` null, only the unit columns. U's and V's data are modified in place and returned (the
 * callers' own, fresh arrays): for the patch model's luma plane of a 12 MP photo U is ~49 MB, and
 * a copy per step doubled the SVD worker's peak.
 */
export function refineComponents(input: TruncatedSvd, rayleigh: RayleighQuotients | null): TruncatedSvd {
  const svd = { ...input, u: normalizeColumns(input.u), v: normalizeColumns(input.v) };
  if (!rayleigh) return svd;
  const { rank, sigma, u, v } = svd;
  let count = 0;
  while (
    count < Math.min(rank, MAX_REFINED) &&
    sigma[count] ** 2 >= ENERGY_SHARE * svd.frobeniusNormSquared &&
    (count + 1 >= rank || sigma[count] >= 1.001 * sigma[count + 1])
  ) {
    count++;
  }
  if (count === 0) return svd;
  const refinedU = orthonormalizeLeading(u, count);
  const refinedV = orthonormalizeLeading(v, count);
  const newSigma = Float64Array.from(sigma);
  const pairs = Array.from({ length: count }, (_, i) => ({ u: column(refinedU, i), v: column(refinedV, i) }));
  const quotients = rayleigh(pairs);
  for (let i = 0; i < count; i++) {
    const { u: uColumn, v: vColumn } = pairs[i];
    const quotient = quotients[i];
    // The float32 vectors are unit only to ~1e-7, and for the mean-like first component the
    // rounding errors of its nearly equal entries add up instead of cancelling. The σ that
    // makes ‖A − σuvᵀ‖² = ‖A‖² − σ² hold exactly for the stored u, v solves
    // σ²(‖u‖²‖v‖² + 1) = 2σ·uᵀAv.
    const sigmaForIdentity = (2 * quotient) / (dot(uColumn, uColumn) * dot(vColumn, vColumn) + 1);
    // A sign flip cannot happen for a converged dominant pair; keep σ > 0 regardless.
    if (sigmaForIdentity > 0) newSigma[i] = sigmaForIdentity;
  }
  return { ...svd, sigma: newSigma, u: refinedU, v: refinedV };
}

function column(m: Matrix, index: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = m.data[r * m.cols + index];
  return out;
}

/** m with its first `count` columns orthonormalized in place (modified Gram–Schmidt, float64, twice). */
function orthonormalizeLeading(m: Matrix, count: number): Matrix {
  const columns: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    const x = column(m, i);
    for (let pass = 0; pass < 2; pass++) {
      for (const previous of columns) subtractProjection(x, previous);
      divide(x, Math.sqrt(dot(x, x)));
    }
    setColumn(m, i, x);
    // What is stored is float32: orthogonalize the next columns against exactly that.
    columns.push(column(m, i));
  }
  return m;
}

// The loops over a column are functions of their own, so that V8 optimizes them as a whole after
// a few calls: inside orthonormalizeLeading, called once per decomposition, they ran in
// on-stack-replaced code that V8 threw away at every exit from an inner loop.

/** Column `index` of m ← x. */
function setColumn(m: Matrix, index: number, x: Float64Array): void {
  for (let r = 0; r < m.rows; r++) m.data[r * m.cols + index] = x[r];
}

function dot(x: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let r = 0; r < x.length; r++) sum += x[r] * y[r];
  return sum;
}

/** x −= (previousᵀx) · previous. */
function subtractProjection(x: Float64Array, previous: Float64Array): void {
  const projection = dot(previous, x);
  for (let r = 0; r < x.length; r++) x[r] -= projection * previous[r];
}

function divide(x: Float64Array, divisor: number): void {
  for (let r = 0; r < x.length; r++) x[r] /= divisor;
}

/** m with each column scaled to unit length (norms in float64), in place. */
function normalizeColumns(m: Matrix): Matrix {
  const { rows, cols, data } = m;
  const squares = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) squares[c] += data[row + c] * data[row + c];
  }
  const scale = squares.map((square) => (square > 0 ? 1 / Math.sqrt(square) : 0));
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) data[row + c] *= scale[c];
  }
  return { rows, cols, data };
}
