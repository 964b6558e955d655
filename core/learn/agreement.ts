/**
 * How well the SVD's σᵢ², vᵢ agree with the eigenpairs of AᵀA computed on their own
 * (gram-eigen.ts): the relative difference of each eigenvalue, the angle between vᵢ and the
 * eigenvector (or, where σ's are too close to tell their vectors apart, the largest principal
 * angle between the subspaces of the cluster), and the residual ‖AᵀA vᵢ − σᵢ² vᵢ‖ / σᵢ².
 */
import type { Matrix } from '../types.js';
import { symmetricEigen } from '../linalg/symmetric-eigen.js';
import type { GramEigen } from './gram-eigen.js';

/** Neighbours whose σᵢ² differ by less than this fraction form one cluster (their vectors are compared as a subspace). */
export const CLUSTER_GAP = 1e-2;

export interface EigenAgreement {
  /** |λᵢ − σᵢ²| / σᵢ², i < count. */
  relativeDifference: Float64Array;
  /** Radians: between vᵢ and wᵢ, or the cluster's largest principal angle for every i in a cluster. */
  angles: Float64Array;
  /** [first, end) index ranges of clusters with more than one member. */
  clusters: [number, number][];
  /** ‖AᵀA vᵢ − σᵢ² vᵢ‖ / σᵢ² (the SVD's own pair against AᵀA). */
  residuals: Float64Array;
}

/** The first `count` columns of V (cols × rank, row-major float32) as count float64 rows of length cols. */
export function singularVectorRows(v: Matrix, count: number): Float64Array {
  const rank = v.cols;
  const rows = new Float64Array(count * v.rows);
  for (let j = 0; j < v.rows; j++) for (let i = 0; i < count; i++) rows[i * v.rows + j] = v.data[j * rank + i];
  return rows;
}

/**
 * `vRows`: the first count right singular vectors as rows (singularVectorRows); `images`: AᵀA
 * times each of them (GramOperator.apply), same layout.
 */
export async function eigenAgreement(
  sigma: Float64Array,
  vRows: Float64Array,
  images: Float64Array,
  eigen: GramEigen,
  count: number,
): Promise<EigenAgreement> {
  const n = vRows.length / Math.max(1, count);
  const relativeDifference = new Float64Array(count);
  const residuals = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const s2 = sigma[i] * sigma[i];
    relativeDifference[i] = Math.abs(eigen.values[i] - s2) / s2;
    let squares = 0;
    for (let j = 0; j < n; j++) squares += (images[i * n + j] - s2 * vRows[i * n + j]) ** 2;
    residuals[i] = Math.sqrt(squares) / s2;
  }
  const clusters: [number, number][] = [];
  const angles = new Float64Array(count);
  for (let first = 0; first < count;) {
    let end = first + 1;
    while (end < count && sigma[end - 1] ** 2 - sigma[end] ** 2 < CLUSTER_GAP * sigma[end - 1] ** 2) end++;
    const angle = await largestPrincipalAngle(vRows, eigen.vectors, first, end, n);
    angles.fill(angle, first, end);
    if (end - first > 1) clusters.push([first, end]);
    first = end;
  }
  return { relativeDifference, angles, clusters, residuals };
}

/**
 * The largest principal angle between span(x rows first … end − 1) and span(y rows, same), both
 * orthonormal: the smallest singular value of XᵀY is its cosine. One pair: the angle between two
 * lines, from its sine for accuracy near zero.
 */
async function largestPrincipalAngle(x: Float64Array, y: Float64Array, first: number, end: number, n: number): Promise<number> {
  const size = end - first;
  if (size === 1) {
    let product = 0;
    for (let j = 0; j < n; j++) product += x[first * n + j] * y[first * n + j];
    let perpendicular = 0;
    for (let j = 0; j < n; j++) perpendicular += (y[first * n + j] - product * x[first * n + j]) ** 2;
    return Math.atan2(Math.sqrt(perpendicular), Math.abs(product));
  }
  const cross = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < size; k++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += x[(first + i) * n + j] * y[(first + k) * n + j];
      cross[i * size + k] = sum;
    }
  }
  // (XᵀY)ᵀ(XᵀY): its smallest eigenvalue is the smallest cosine, squared.
  const normal = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < size; k++) {
      let sum = 0;
      for (let j = 0; j < size; j++) sum += cross[j * size + i] * cross[j * size + k];
      normal[i * size + k] = sum;
    }
  }
  const { values } = await symmetricEigen(normal, size);
  const cosine = Math.sqrt(Math.max(0, Math.min(1, values[size - 1])));
  return Math.acos(cosine);
}
