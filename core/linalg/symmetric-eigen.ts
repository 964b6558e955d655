/**
 * Eigen-decomposition of a small dense symmetric matrix (float64): Householder reduction to
 * tridiagonal form, then the implicit QL algorithm with Wilkinson-style shifts (the classic
 * tred2/tql2 pair of EISPACK, after Martin, Reinsch & Wilkinson). O(n³), about 9n³ flops with
 * eigenvectors.
 *
 * Storage: the orthogonal factor is kept transposed (`basis[j * n + k]` = component k of basis
 * vector j), so every inner loop — both in the reduction and in the QL rotations — walks memory
 * sequentially. On return, eigenvector i is the contiguous row i of `vectors`.
 */
export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n × n, row i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

/**
 * `matrix` is n × n row-major and symmetric; it is not modified. `checkpoint`, when given, is
 * awaited every few rows so a long decomposition can yield to the event loop and be aborted.
 */
export async function symmetricEigen(
  matrix: Float64Array,
  n: number,
  checkpoint?: () => Promise<void>,
): Promise<SymmetricEigen> {
  const basis = Float64Array.from(matrix.subarray(0, n * n)); // symmetric: transposed == itself
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(n);
  if (n === 0) return { values: diagonal, vectors: basis };
  await tridiagonalize(basis, n, diagonal, offDiagonal, checkpoint);
  await diagonalize(basis, n, diagonal, offDiagonal, checkpoint);

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => diagonal[j] - diagonal[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((source, target) => {
    values[target] = diagonal[source];
    vectors.set(basis.subarray(source * n, source * n + n), target * n);
  });
  return { values, vectors };
}

/** Householder reduction; `t` (transposed basis) starts as the matrix and ends as Qᵀ. */
async function tridiagonalize(
  t: Float64Array, n: number, d: Float64Array, e: Float64Array, checkpoint?: () => Promise<void>,
): Promise<void> {
  // Element (row r, column c) of the working matrix V lives at t[c * n + r].
  for (let j = 0; j < n; j++) d[j] = t[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    if (checkpoint && (i & 15) === 0) await checkpoint();
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = t[j * n + (i - 1)];
        t[j * n + i] = 0;
        t[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const column = j * n;
        f = d[j];
        t[i * n + j] = f;
        g = e[j] + t[column + j] * f;
        for (let k = j + 1; k < i; k++) {
          g += t[column + k] * d[k];
          e[k] += t[column + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const column = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k < i; k++) t[column + k] -= f * e[k] + g * d[k];
        d[j] = t[column + (i - 1)];
        t[column + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    if (checkpoint && (i & 15) === 0) await checkpoint();
    t[i * n + (n - 1)] = t[i * n + i];
    t[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = t[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const column = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += t[next + k] * t[column + k];
        for (let k = 0; k <= i; k++) t[column + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) t[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = t[j * n + (n - 1)];
    t[j * n + (n - 1)] = 0;
  }
  t[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e), rotating the rows of `t`. */
async function diagonalize(
  t: Float64Array, n: number, d: Float64Array, e: Float64Array, checkpoint?: () => Promise<void>,
): Promise<void> {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let shiftSum = 0;
  let norm = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    if (checkpoint && (l & 15) === 0) await checkpoint();
    norm = Math.max(norm, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * norm) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error('symmetricEigen: the QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        shiftSum += h;

        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const rowI = i * n;
          const rowNext = rowI + n;
          for (let k = 0; k < n; k++) {
            const hk = t[rowNext + k];
            const ik = t[rowI + k];
            t[rowNext + k] = s * ik + c * hk;
            t[rowI + k] = c * ik - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * norm);
    }
    d[l] += shiftSum;
    e[l] = 0;
  }
}
