/**
 * Eigen-decomposition of a small dense symmetric matrix (float64): Householder reduction to
 * tridiagonal form, then the implicit QL algorithm with shifts (the classic tred2/tql2 pair of
 * EISPACK, after Martin, Reinsch & Wilkinson). O(n³), about 9n³ flops with eigenvectors.
 *
 * Storage: the orthogonal factor is kept transposed (`basis[j·n + k]` = component k of basis
 * vector j), so every inner loop — in the reduction and in the QL rotations — walks memory
 * sequentially, and runs as a DenseKernels call (WebAssembly f64x2, or plain TypeScript). On
 * return, eigenvector i is a contiguous row of the basis.
 */
import { PlainDenseKernels, type DenseKernels } from '../kernels/index.js';

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n × n, row i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

/** Where the problem lives in a DenseKernels arena: n × n matrix (overwritten), and two n-vectors. */
export interface EigenRegion {
  arena: Float64Array;
  matrix: number;
  diagonal: number;
  offDiagonal: number;
}

/**
 * In place: on return, arena[diagonal + i] holds the eigenvalues (unsorted) and row i of the
 * matrix region the eigenvector of eigenvalue i. Returns the indices by descending eigenvalue.
 * `checkpoint`, when given, is awaited every few rows so a long decomposition can yield and abort.
 */
export async function symmetricEigenInPlace(
  dense: DenseKernels,
  region: EigenRegion,
  n: number,
  checkpoint?: () => Promise<void>,
): Promise<number[]> {
  if (n > 0) {
    await tridiagonalize(dense, region, n, checkpoint);
    await diagonalize(dense, region, n, checkpoint);
  }
  const { arena, diagonal } = region;
  return Array.from({ length: n }, (_, i) => i).sort((i, j) => arena[diagonal + j] - arena[diagonal + i]);
}

/** Convenience form: `matrix` (n × n, row-major, symmetric) is not modified. */
export async function symmetricEigen(
  matrix: Float64Array,
  n: number,
  checkpoint?: () => Promise<void>,
  dense: DenseKernels = new PlainDenseKernels(),
): Promise<SymmetricEigen> {
  const arena = dense.allocate(n * n + 2 * n);
  arena.set(matrix.subarray(0, n * n));
  const region = { arena, matrix: 0, diagonal: n * n, offDiagonal: n * n + n };
  const order = await symmetricEigenInPlace(dense, region, n, checkpoint);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((source, target) => {
    values[target] = arena[region.diagonal + source];
    vectors.set(arena.subarray(source * n, source * n + n), target * n);
  });
  return { values, vectors };
}

/** Householder reduction; the matrix region (symmetric, so its transpose) ends as Qᵀ. */
async function tridiagonalize(dense: DenseKernels, region: EigenRegion, n: number, checkpoint?: () => Promise<void>): Promise<void> {
  const { arena: v, matrix: t, diagonal: d, offDiagonal: e } = region;
  // Element (row r, column c) of the working matrix V lives at v[t + c·n + r].
  for (let j = 0; j < n; j++) v[d + j] = v[t + j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    if (checkpoint && (i & 15) === 0) await checkpoint();
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(v[d + k]);
    if (scale === 0) {
      v[e + i] = v[d + i - 1];
      for (let j = 0; j < i; j++) {
        v[d + j] = v[t + j * n + (i - 1)];
        v[t + j * n + i] = 0;
        v[t + i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        v[d + k] /= scale;
        h += v[d + k] * v[d + k];
      }
      let f = v[d + i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      v[e + i] = scale * g;
      h -= f * g;
      v[d + i - 1] = f - g;
      v.fill(0, e, e + i);
      for (let j = 0; j < i; j++) {
        const column = t + j * n;
        f = v[d + j];
        v[t + i * n + j] = f;
        // g = e[j] + V[j][j]·f + Σ_{k>j} V[k][j]·d[k], and e[k] += V[k][j]·f for k > j
        g = v[e + j] + v[column + j] * f + dense.dotAxpy(column + j + 1, d + j + 1, e + j + 1, i - j - 1, f);
        v[e + j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        v[e + j] /= h;
        f += v[e + j] * v[d + j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) v[e + j] -= hh * v[d + j];
      for (let j = 0; j < i; j++) {
        const column = t + j * n;
        dense.rank2Update(column + j, e + j, d + j, i - j, v[d + j], v[e + j]);
        v[d + j] = v[column + (i - 1)];
        v[column + i] = 0;
      }
    }
    v[d + i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    if (checkpoint && (i & 15) === 0) await checkpoint();
    v[t + i * n + (n - 1)] = v[t + i * n + i];
    v[t + i * n + i] = 1;
    const h = v[d + i + 1];
    const next = t + (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) v[d + k] = v[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const column = t + j * n;
        dense.axpy(-dense.dot(next, column, i + 1), d, column, i + 1);
      }
    }
    v.fill(0, next, next + i + 1);
  }
  for (let j = 0; j < n; j++) {
    v[d + j] = v[t + j * n + (n - 1)];
    v[t + j * n + (n - 1)] = 0;
  }
  v[t + (n - 1) * n + (n - 1)] = 1;
  v[e] = 0;
}

/** Implicit QL on the tridiagonal (d, e), rotating the rows of the basis. */
async function diagonalize(dense: DenseKernels, region: EigenRegion, n: number, checkpoint?: () => Promise<void>): Promise<void> {
  const { arena: v, matrix: t, diagonal: d, offDiagonal: e } = region;
  for (let i = 1; i < n; i++) v[e + i - 1] = v[e + i];
  v[e + n - 1] = 0;
  let shiftSum = 0;
  let norm = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    if (checkpoint && (l & 15) === 0) await checkpoint();
    norm = Math.max(norm, Math.abs(v[d + l]) + Math.abs(v[e + l]));
    let m = l;
    while (m < n - 1 && Math.abs(v[e + m]) > eps * norm) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error('symmetricEigen: the QL iteration did not converge');
        let g = v[d + l];
        let p = (v[d + l + 1] - g) / (2 * v[e + l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        v[d + l] = v[e + l] / (p + r);
        v[d + l + 1] = v[e + l] * (p + r);
        const dl1 = v[d + l + 1];
        let h = g - v[d + l];
        for (let i = l + 2; i < n; i++) v[d + i] -= h;
        shiftSum += h;

        p = v[d + m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = v[e + l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * v[e + i];
          h = c * p;
          r = Math.hypot(p, v[e + i]);
          v[e + i + 1] = s * r;
          s = v[e + i] / r;
          c = p / r;
          p = c * v[d + i] - s * g;
          v[d + i + 1] = h + s * (c * g + s * v[d + i]);
          dense.rotate(t + i * n, t + (i + 1) * n, n, c, s);
        }
        p = (-s * s2 * c3 * el1 * v[e + l]) / dl1;
        v[e + l] = s * p;
        v[d + l] = c * p;
      } while (Math.abs(v[e + l]) > eps * norm);
    }
    v[d + l] += shiftSum;
    v[e + l] = 0;
  }
}
