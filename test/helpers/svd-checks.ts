/** Float64 checks of a TruncatedSvd against its matrix, written independently of the engine. */
import type { Matrix, TruncatedSvd } from '../../core/index.js';

/** max |XᵀX − I| over the columns of a row-major matrix. */
export function orthonormalityError(m: Matrix): number {
  const { rows, cols, data } = m;
  const gram = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let i = 0; i < cols; i++) {
      const value = data[row + i];
      for (let j = i; j < cols; j++) gram[i * cols + j] += value * data[row + j];
    }
  }
  let worst = 0;
  for (let i = 0; i < cols; i++) for (let j = i; j < cols; j++) worst = Math.max(worst, Math.abs(gram[i * cols + j] - (i === j ? 1 : 0)));
  return worst;
}

/**
 * ‖A − A_k‖²_F of the actual reconstruction A_k = Σ_{i<k} σ_i u_i v_iᵀ, for every k = 0…rank, in
 * float64 without forming A_k: ‖A‖² − 2Σσ_i u_iᵀAv_i + Σ_{i,j} σ_iσ_j (u_iᵀu_j)(v_iᵀv_j).
 */
export function actualSquaredErrors(a: Matrix, svd: TruncatedSvd): Float64Array {
  const { rows, cols, data } = a;
  const r = svd.rank;
  const u = svd.u.data;
  const v = svd.v.data;
  let normSquared = 0;
  for (let i = 0; i < data.length; i++) normSquared += data[i] * data[i];
  // AV: rows × r
  const av = new Float64Array(rows * r);
  const vT = new Float64Array(r * cols);
  for (let c = 0; c < cols; c++) for (let i = 0; i < r; i++) vT[i * cols + c] = v[c * r + i];
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    for (let i = 0; i < r; i++) av[row * r + i] = dot(data, offset, vT, i * cols, cols);
  }
  const cross = new Float64Array(r); // u_iᵀ A v_i
  for (let row = 0; row < rows; row++) for (let i = 0; i < r; i++) cross[i] += u[row * r + i] * av[row * r + i];
  const gramOf = (m: Float32Array, n: number) => {
    const g = new Float64Array(r * r);
    for (let row = 0; row < n; row++) {
      const o = row * r;
      for (let i = 0; i < r; i++) for (let j = 0; j <= i; j++) g[i * r + j] += m[o + i] * m[o + j];
    }
    for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) g[j * r + i] = g[i * r + j];
    return g;
  };
  const gu = gramOf(u, rows);
  const gv = gramOf(v, cols);
  const errors = new Float64Array(r + 1);
  errors[0] = normSquared;
  let quadratic = 0;
  let linear = 0;
  for (let k = 1; k <= r; k++) {
    const i = k - 1;
    linear += svd.sigma[i] * cross[i];
    quadratic += svd.sigma[i] * svd.sigma[i] * gu[i * r + i] * gv[i * r + i];
    for (let j = 0; j < i; j++) quadratic += 2 * svd.sigma[i] * svd.sigma[j] * gu[i * r + j] * gv[i * r + j];
    errors[k] = normSquared - 2 * linear + quadratic;
  }
  return errors;
}

/** ‖A − A_k‖²_F by forming A_k pixel by pixel (float64). */
export function directSquaredError(a: Matrix, svd: TruncatedSvd, k: number): number {
  return directSquaredErrors(a, svd, [k])[0];
}

/**
 * ‖A − A_k‖²_F for each k of `ranks` by forming A_k pixel by pixel (float64), in one pass: each
 * pixel's sum over the components runs once to the largest k and is read off at every smaller one.
 */
export function directSquaredErrors(a: Matrix, svd: TruncatedSvd, ranks: readonly number[]): number[] {
  const { rows, cols, data } = a;
  const r = svd.rank;
  const v = svd.v.data;
  for (const k of ranks) if (!Number.isInteger(k) || k < 0 || k > r) throw new RangeError(`k = ${k} is not 0…${r}`);
  const ends = [...new Set(ranks)].sort((x, y) => x - y);
  const top = ends[ends.length - 1];
  const totals = new Float64Array(ends.length);
  const weights = new Float64Array(top);
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < top; i++) weights[i] = svd.sigma[i] * svd.u.data[row * r + i];
    for (let c = 0; c < cols; c++) {
      const pixel = data[row * cols + c];
      let value = 0;
      let from = 0;
      for (let e = 0; e < ends.length; e++) {
        value += dot(v, c * r + from, weights, from, ends[e] - from);
        from = ends[e];
        const diff = pixel - value;
        totals[e] += diff * diff;
      }
    }
  }
  return ranks.map((k) => totals[ends.indexOf(k)]);
}

/** Σ x[xAt + i]·y[yAt + i] for i < n in float64, four running sums (so the adds do not wait on each other). */
function dot(x: ArrayLike<number>, xAt: number, y: ArrayLike<number>, yAt: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[xAt + i] * y[yAt + i];
    s1 += x[xAt + i + 1] * y[yAt + i + 1];
    s2 += x[xAt + i + 2] * y[yAt + i + 2];
    s3 += x[xAt + i + 3] * y[yAt + i + 3];
  }
  for (; i < n; i++) s0 += x[xAt + i] * y[yAt + i];
  return s0 + s1 + (s2 + s3);
}

/** Optimal ‖A − A_k‖²_F for k = 0…n from exact singular values and ‖A‖²_F. */
export function optimalSquaredErrors(normSquared: number, sigma: readonly number[], n: number): Float64Array {
  const errors = new Float64Array(n + 1);
  errors[0] = normSquared;
  // Sum the tail from the smallest up, so the small residuals are accurate.
  let tail = normSquared;
  for (let i = 0; i < sigma.length; i++) tail -= sigma[i] * sigma[i];
  const tails = new Float64Array(sigma.length + 1);
  tails[sigma.length] = Math.max(0, tail);
  for (let i = sigma.length - 1; i >= 0; i--) tails[i] = tails[i + 1] + sigma[i] * sigma[i];
  for (let k = 1; k <= n; k++) errors[k] = tails[k];
  return errors;
}
