/**
 * The top eigenpairs of AᵀA for one channel A (m × n), computed independently of the SVD (for
 * Learn mode, which sets them beside σᵢ² and vᵢ):
 *
 *  - n ≤ DENSE_GRAM_LIMIT: the n × n Gram matrix AᵀA, exact (integer samples, float64 sums), and
 *    its full symmetric eigen-decomposition (linalg/symmetric-eigen.ts: Householder + QL).
 *  - above: block Lanczos on products with AᵀA (gram-operator.ts: the centred rows' CᵀC in
 *    float32 plus the rank-one term m·μμᵀ in float64), blocks of eight, full reorthogonalization
 *    in float64 and Rayleigh–Ritz on the projected matrix XᵀCᵀCX + m·(Xᵀμ)(Xᵀμ)ᵀ, until the
 *    wanted Ritz pairs' residuals reach the float32 products' noise floor; the same Krylov space
 *    gives CᵀC's top pairs (the rows' PCA) on request. A 12 MP photo's Gram matrix (4272²) would
 *    cost ~10¹¹ flops dense; this costs a dozen passes over A.
 *
 * Neither path looks at singular values: squaring σ would prove nothing.
 */
import { SvdInputError, type SvdInput } from '../types.js';
import type { KernelBackend } from '../kernels/index.js';
import { symmetricEigen, type SymmetricEigen } from '../linalg/symmetric-eigen.js';
import { SeededRandom } from '../linalg/random.js';
import { WorkTracker } from '../svd/work.js';
import { GRAM_BLOCK, GramOperator, type SymmetricOperator } from './gram-operator.js';

/** Widest Gram matrix decomposed densely (9n³ flops with eigenvectors: ~1 s at 512 here). */
export const DENSE_GRAM_LIMIT = 512;

export interface GramEigen {
  method: 'dense' | 'lanczos';
  /** The top eigenvalues of AᵀA, descending. */
  values: Float64Array;
  /** values.length × n: row i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
  /** ‖AᵀA wᵢ − λᵢ wᵢ‖ / λᵢ for each pair (dense: against the exact Gram matrix; Lanczos: against the operator). */
  residuals: Float64Array;
  /** Dense: n; Lanczos: the Krylov space's dimension. */
  dimension: number;
  /** Lanczos: products with the Gram matrix (eight vectors each); dense: 0. */
  products: number;
  /**
   * Lanczos with options.centred: the top eigenpairs of CᵀC for the centred rows C = A − 𝟙μᵀ
   * (the rows' PCA: rowPca takes them), from the same Krylov space; otherwise null.
   */
  centred: EigenPairs | null;
}

export interface GramEigenOptions {
  kernels: KernelBackend;
  /** The Lanczos path's products: an operator made for A on `kernels` (used while it holds the workspace; else one is made). */
  operator?: GramOperator;
  /** Decompose the Gram matrix densely up to this width (default DENSE_GRAM_LIMIT). */
  denseLimit?: number;
  /** Lanczos path: also this many eigenpairs of the centred rows' CᵀC (see GramEigen.centred). */
  centred?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * The Lanczos path runs on the centred rows' CᵀC (products without the photo's mean brightness,
 * which float32 sums would blur) and finds AᵀA = CᵀC + m·μμᵀ's pairs from the same Krylov space
 * (lanczosEigen's rank-one update): the products are still products with AᵀA, the rank-one term
 * added in float64.
 */
export async function gramEigen(a: SvdInput, count: number, options: GramEigenOptions): Promise<GramEigen> {
  const n = a.cols;
  const wanted = Math.max(1, Math.min(count, n));
  const work = new WorkTracker(options.signal, options.onProgress);
  if (n <= (options.denseLimit ?? DENSE_GRAM_LIMIT)) return denseGramEigen(a, wanted, options.kernels, work);
  const operator = GramOperator.reuse(options.operator, a, options.kernels);
  // The Krylov space reaches at most n rounded down to blocks; a block more than the pairs wanted.
  const most = n - (n % GRAM_BLOCK) - GRAM_BLOCK;
  const centred = Math.max(0, Math.min(options.centred ?? 0, most));
  const eigen = await lanczosEigen(operator.centred(), centred, options.seed ?? 7, work, {
    vector: operator.meanRow,
    weight: operator.rows,
    count: Math.min(wanted, most),
  });
  const pairs = eigen.updated!;
  if (!(pairs.values[0] > 0)) throw new SvdInputError('AᵀA has no positive eigenvalue: the channel is all zero');
  return {
    method: 'lanczos',
    ...pairs,
    dimension: eigen.dimension,
    products: eigen.products,
    centred: centred > 0 ? { values: eigen.values, vectors: eigen.vectors, residuals: eigen.residuals } : null,
  };
}

async function denseGramEigen(a: SvdInput, count: number, kernels: KernelBackend, work: WorkTracker): Promise<GramEigen> {
  const { rows, cols, data } = a;
  // gram64 takes an even width: a zero column pads an odd one.
  const width = cols + (cols & 1);
  const gramAt = (rows * width + 1) & ~1;
  const ws = kernels.allocate(gramAt + 2 * width * width, 8);
  kernels.holds = null;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) ws[r * width + c] = data[r * cols + c];
  kernels.gram64(0, width, rows, width, gramAt);
  const padded = kernels.doubles(gramAt, width * width);
  const gram = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) gram.set(padded.subarray(i * width, i * width + cols), i * cols);
  work.plan(1);
  const eigen = await symmetricEigen(gram, cols, work.checkpoint, kernels.dense);
  const values = eigen.values.slice(0, count);
  const vectors = eigen.vectors.slice(0, count * cols);
  const residuals = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let squares = 0;
    for (let r = 0; r < cols; r++) {
      let sum = -values[i] * vectors[i * cols + r];
      for (let c = 0; c < cols; c++) sum += gram[r * cols + c] * vectors[i * cols + c];
      squares += sum * sum;
    }
    residuals[i] = Math.sqrt(squares) / Math.abs(values[i]);
  }
  work.finish();
  return { method: 'dense', values, vectors, residuals, dimension: cols, products: 0, centred: null };
}

/** Ritz pairs are accepted once ‖AᵀA y − θ y‖ ≤ this × θ₁ (float32 products: ~1e-7 relative noise per sum). */
const RESIDUAL_FLOOR = 2e-6;

/** M + w·uuᵀ beside an operator M: lanczosEigen finds the top `count` eigenpairs of both. */
export interface RankOneUpdate {
  vector: Float64Array;
  weight: number;
  count: number;
}

export interface EigenPairs {
  values: Float64Array;
  /** values.length rows of n values: the unit eigenvectors. */
  vectors: Float64Array;
  /** ‖M y − θ y‖ / θ for each pair. */
  residuals: Float64Array;
}

export interface LanczosEigen extends EigenPairs {
  dimension: number;
  products: number;
  /** The pairs of M + w·uuᵀ, when an update was given. */
  updated: EigenPairs | null;
}

/**
 * The top `count` eigenpairs of a positive semidefinite operator M by block Lanczos (above): AᵀA
 * (gramEigen), the centred rows' CᵀC for PCA (pca.ts). With `update` (u, w), also the top
 * eigenpairs of M + w·uuᵀ from the same products: u is in the first block, so the Krylov spaces
 * of M and M + w·uuᵀ are one space, and M + w·uuᵀ's projection and images are M's plus the
 * rank-one term (float64). gramEigen runs it on CᵀC with AᵀA = CᵀC + m·μμᵀ. Needs
 * n ≥ count + GRAM_BLOCK (and update.count + GRAM_BLOCK).
 */
export async function lanczosEigen(
  operator: SymmetricOperator,
  count: number,
  seed: number,
  work: WorkTracker,
  update?: RankOneUpdate,
): Promise<LanczosEigen> {
  const n = operator.cols;
  const b = GRAM_BLOCK;
  const productsBefore = operator.products;
  const most = Math.max(count, update?.count ?? 0);
  const limit = Math.min(n - (n % b), Math.max(4 * most, most + 8 * b));
  const basis = new Float64Array(limit * n);
  const images = new Float64Array(limit * n);
  const projected = new Float64Array(limit * limit);
  // Xᵀ(M X) unsymmetrized (float32 products make it slightly unsymmetric) and (M X)ᵀ(M X):
  // with them, a Ritz pair's residual norm costs O(size²), not a pass over n.
  const cross = new Float64Array(limit * limit);
  const imageGram = new Float64Array(limit * limit);
  // uᵀxᵢ and uᵀ(M xᵢ), for the update's projection and residuals.
  const along = new Float64Array(limit);
  const imageAlong = new Float64Array(limit);
  const random = new SeededRandom(seed);
  work.plan(limit / b);
  // The first block: Gaussian (with u first, given an update), orthonormalized.
  for (let i = 0; i < b * n; i++) basis[i] = random.nextNormal();
  if (update) basis.set(update.vector);
  orthonormalizeBlock(basis, 0, b, n, random);
  let size = 0;
  for (;;) {
    await work.checkpoint();
    operator.apply(basis.subarray(size * n, (size + b) * n), b, images.subarray(size * n, (size + b) * n));
    // The projected matrix's new columns (and rows): X_i · (M X_j); and the images' Gram matrix
    // (each basis and image row read once against the new block's eight).
    const products = new Float64Array(b);
    for (let i = 0; i < size + b; i++) {
      dots8(basis, i * n, images, size * n, n, products);
      for (let k = 0; k < b; k++) {
        const j = size + k;
        if (i > j) continue;
        projected[i * limit + j] = products[k];
        projected[j * limit + i] = products[k];
        cross[i * limit + j] = products[k];
      }
      dots8(images, i * n, basis, size * n, n, products);
      for (let k = 0; k < b; k++) if (i <= size + k) cross[(size + k) * limit + i] = products[k];
      dots8(images, i * n, images, size * n, n, products);
      for (let k = 0; k < b; k++) {
        const j = size + k;
        if (i > j) continue;
        imageGram[i * limit + j] = products[k];
        imageGram[j * limit + i] = products[k];
      }
    }
    if (update) {
      dots8(update.vector, 0, basis, size * n, n, products);
      along.set(products, size);
      dots8(update.vector, 0, images, size * n, n, products);
      imageAlong.set(products, size);
    }
    size += b;
    work.advance(1);
    if (size >= Math.min(limit, most + b)) {
      const own = count > 0 ? await ritzValues(projected, limit, size, cross, imageGram, count) : null;
      const updated = update
        ? await ritzValues(projected, limit, size, cross, imageGram, update.count, { update, along, imageAlong })
        : null;
      const converged = (own?.converged ?? true) && (updated?.converged ?? true);
      if (converged || size + b > limit) {
        const pairs = own
          ? ritzPairs(own.eigen, size, basis, images, n, count)
          : { values: new Float64Array(0), vectors: new Float64Array(0), residuals: new Float64Array(0) };
        const updatedPairs = updated && update ? ritzPairs(updated.eigen, size, basis, images, n, update.count, { update, along }) : null;
        work.finish();
        return { ...pairs, dimension: size, products: operator.products - productsBefore, updated: updatedPairs };
      }
    }
    // Next block: M times the last block, orthogonalized against the whole basis (classical
    // Gram–Schmidt, twice: each basis row read twice per pass, not once per vector).
    basis.set(images.subarray((size - b) * n, size * n), size * n);
    const coefficients = new Float64Array(size * b);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < size; i++) dots8(basis, i * n, basis, size * n, n, coefficients.subarray(i * b, (i + 1) * b));
      for (let i = 0; i < size; i++) {
        for (let k = 0; k < b; k++) coefficients[i * b + k] = -coefficients[i * b + k];
        axpy8(coefficients.subarray(i * b, (i + 1) * b), basis, i * n, basis, size * n, n);
      }
    }
    orthonormalizeBlock(basis, size, b, n, random, size);
  }
}

interface UpdateTerms {
  update: RankOneUpdate;
  /** uᵀxᵢ. */
  along: Float64Array;
  /** uᵀ(M xᵢ). */
  imageAlong?: Float64Array;
}

/**
 * The Rayleigh–Ritz values of M (or M + w·uuᵀ) on the basis X (size vectors), and whether the
 * top `count` have converged: ‖M y − θ y‖ ≤ RESIDUAL_FLOOR·θ₁ for y = X g, from
 * ‖M y − θ y‖² = gᵀ(images' Gram)g − 2θ gᵀ(cross)g + θ² (X orthonormal, g unit), plus, for the
 * update, with a = uᵀy and e = uᵀ(M y): 2w·a·e + w²a²‖u‖² − 2θw·a².
 */
async function ritzValues(
  projected: Float64Array,
  limit: number,
  size: number,
  cross: Float64Array,
  imageGram: Float64Array,
  count: number,
  terms?: UpdateTerms,
): Promise<{ eigen: SymmetricEigen; converged: boolean }> {
  const matrix = leading(projected, limit, size);
  let uu = 0;
  if (terms) {
    const { update, along } = terms;
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) matrix[i * size + j] += update.weight * along[i] * along[j];
    for (const value of update.vector) uu += value * value;
  }
  const eigen = await symmetricEigen(matrix, size);
  const floor = RESIDUAL_FLOOR * eigen.values[0];
  let converged = true;
  for (let k = 0; k < count && converged; k++) {
    const g = eigen.vectors.subarray(k * size, (k + 1) * size);
    const theta = eigen.values[k];
    let squared = theta * theta;
    for (let i = 0; i < size; i++) {
      let row = 0;
      for (let j = 0; j < size; j++) row += (imageGram[i * limit + j] - 2 * theta * cross[i * limit + j]) * g[j];
      squared += g[i] * row;
    }
    if (terms) {
      const { update, along, imageAlong } = terms;
      let a = 0;
      let e = 0;
      for (let i = 0; i < size; i++) {
        a += along[i] * g[i];
        e += imageAlong![i] * g[i];
      }
      const w = update.weight;
      squared += 2 * w * a * e + w * w * a * a * uu - 2 * theta * w * a * a;
    }
    converged = Math.sqrt(Math.max(0, squared)) <= floor;
  }
  return { eigen, converged };
}

/**
 * The top `count` Ritz pairs y = X g of M (or M + w·uuᵀ) from the projected matrix's eigenpairs,
 * with their residuals against the operator's images (M y = (M X) g, plus w·u(uᵀy) for the update).
 */
function ritzPairs(
  eigen: SymmetricEigen,
  size: number,
  basis: Float64Array,
  images: Float64Array,
  n: number,
  count: number,
  terms?: UpdateTerms,
): EigenPairs {
  const values = eigen.values.slice(0, count);
  const vectors = new Float64Array(count * n);
  const residuals = new Float64Array(count);
  // Y = Gᵀ X and its image Gᵀ (M X), eight pairs at a time (each basis row read once per eight).
  const b = GRAM_BLOCK;
  const block = new Float64Array(b * n);
  const image = new Float64Array(b * n);
  const weights = new Float64Array(b);
  for (let first = 0; first < count; first += b) {
    const width = Math.min(b, count - first);
    block.fill(0);
    image.fill(0);
    for (let i = 0; i < size; i++) {
      weights.fill(0);
      for (let k = 0; k < width; k++) weights[k] = eigen.vectors[(first + k) * size + i];
      axpy8(weights, basis, i * n, block, 0, n);
      axpy8(weights, images, i * n, image, 0, n);
    }
    for (let k = 0; k < width; k++) {
      vectors.set(block.subarray(k * n, (k + 1) * n), (first + k) * n);
      let term = 0;
      if (terms) {
        for (let i = 0; i < size; i++) term += terms.along[i] * eigen.vectors[(first + k) * size + i];
        term *= terms.update.weight;
      }
      const u = terms?.update.vector;
      let squares = 0;
      for (let j = 0; j < n; j++) squares += (image[k * n + j] + (u ? term * u[j] : 0) - values[first + k] * block[k * n + j]) ** 2;
      // A zero eigenvalue (a channel of lower rank than the pairs wanted): the residual itself.
      residuals[first + k] = Math.sqrt(squares) / (Math.abs(values[first + k]) || 1);
    }
  }
  return { values, vectors, residuals };
}

/** The leading size × size block of a matrix stored with row stride `limit`. */
function leading(matrix: Float64Array, limit: number, size: number): Float64Array {
  const block = new Float64Array(size * size);
  for (let i = 0; i < size; i++) block.set(matrix.subarray(i * limit, i * limit + size), i * size);
  return block;
}

/** out[k] = Σ_t x[xAt + t] · rows[rowsAt + k·n + t] for the eight rows k < 8 (x read once). */
function dots8(x: Float64Array, xAt: number, rows: Float64Array, rowsAt: number, n: number, out: Float64Array): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  const r0 = rowsAt;
  for (let t = 0; t < n; t++) {
    const value = x[xAt + t];
    s0 += value * rows[r0 + t];
    s1 += value * rows[r0 + n + t];
    s2 += value * rows[r0 + 2 * n + t];
    s3 += value * rows[r0 + 3 * n + t];
    s4 += value * rows[r0 + 4 * n + t];
    s5 += value * rows[r0 + 5 * n + t];
    s6 += value * rows[r0 + 6 * n + t];
    s7 += value * rows[r0 + 7 * n + t];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
  out[4] = s4;
  out[5] = s5;
  out[6] = s6;
  out[7] = s7;
}

/** rows[rowsAt + k·n + t] += alphas[k] · x[xAt + t] for the eight rows k < 8 (x read once). */
function axpy8(alphas: Float64Array, x: Float64Array, xAt: number, rows: Float64Array, rowsAt: number, n: number): void {
  const [a0, a1, a2, a3, a4, a5, a6, a7] = alphas;
  const r0 = rowsAt;
  for (let t = 0; t < n; t++) {
    const value = x[xAt + t];
    rows[r0 + t] += a0 * value;
    rows[r0 + n + t] += a1 * value;
    rows[r0 + 2 * n + t] += a2 * value;
    rows[r0 + 3 * n + t] += a3 * value;
    rows[r0 + 4 * n + t] += a4 * value;
    rows[r0 + 5 * n + t] += a5 * value;
    rows[r0 + 6 * n + t] += a6 * value;
    rows[r0 + 7 * n + t] += a7 * value;
  }
}

function dot(x: Float64Array, xAt: number, y: Float64Array, yAt: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[xAt + i] * y[yAt + i];
  return sum;
}

function axpy(alpha: number, x: Float64Array, xAt: number, y: Float64Array, yAt: number, n: number): void {
  for (let i = 0; i < n; i++) y[yAt + i] += alpha * x[xAt + i];
}

/**
 * Rows first … first + count − 1 of `vectors` (n values each) made orthonormal by modified
 * Gram–Schmidt within the block, twice (the caller has made them orthogonal to the rows above
 * already); a row that collapses (it lay in the span already) is replaced by a random one, which
 * is orthogonalized against the `before` rows above the block too.
 */
function orthonormalizeBlock(vectors: Float64Array, first: number, count: number, n: number, random: SeededRandom, before = 0): void {
  for (let j = first; j < first + count; j++) {
    for (let attempt = 0; ; attempt++) {
      const start = Math.sqrt(dot(vectors, j * n, vectors, j * n, n));
      const from = attempt === 0 ? first : first - before;
      for (let pass = 0; pass < 2; pass++) {
        for (let i = from; i < j; i++) axpy(-dot(vectors, i * n, vectors, j * n, n), vectors, i * n, vectors, j * n, n);
      }
      const norm = Math.sqrt(dot(vectors, j * n, vectors, j * n, n));
      if (norm > 1e-10 * start && norm > 0) {
        for (let i = 0; i < n; i++) vectors[j * n + i] /= norm;
        break;
      }
      if (attempt > 4) throw new Error('gramEigen: could not extend the Krylov basis');
      for (let i = 0; i < n; i++) vectors[j * n + i] = random.nextNormal();
    }
  }
}
