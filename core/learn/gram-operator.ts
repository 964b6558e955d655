/**
 * Products with AᵀA for one channel A (m × n), without forming AᵀA: y = Aᵀ(A x), eight vectors
 * at a time, on the kernels' float32 products (core/kernels). As in the engine, the products run
 * on C = A − μ (μ the mean rounded to an integer, so C is exact in float32) and the rank-one
 * term μ𝟙𝟙ᵀ is added in float64 (A x = C x + μ𝟙(𝟙ᵀx)), which keeps a photo's mean brightness out
 * of the float32 sums. Vectors are float64, each a contiguous row of n values. An operator owns
 * its kernels' workspace until something else allocates it (then apply() refuses, rather than
 * multiply by whatever is there now).
 */
import type { KernelBackend } from '../kernels/index.js';
import type { SvdInput } from '../types.js';

/** Columns per product: the kernels' micro-kernels take eight. */
export const GRAM_BLOCK = 8;

export class GramOperator {
  readonly rows: number;
  readonly cols: number;
  /** The integer shift μ (the mean of A, rounded). */
  readonly shift: number;
  /** ‖A‖²_F, summed in float64 from the samples. */
  readonly frobeniusNormSquared: number;
  readonly #kernels: KernelBackend;
  readonly #ws: Float32Array;
  /** Workspace offsets (floats): C at 0, then X (n × 8), W (m × 8), Z (n × 8). */
  readonly #x: number;
  readonly #w: number;
  readonly #z: number;
  /** Products applied so far (each is one pass over A and one over Aᵀ, eight vectors). */
  products = 0;

  constructor(a: SvdInput, kernels: KernelBackend) {
    const { rows, cols, data } = a;
    this.rows = rows;
    this.cols = cols;
    this.#kernels = kernels;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      sum += value;
      squares += value * value;
    }
    this.shift = Math.round(sum / Math.max(1, data.length));
    this.frobeniusNormSquared = squares;
    const matrixFloats = rows * cols;
    this.#x = matrixFloats;
    this.#w = this.#x + cols * GRAM_BLOCK;
    this.#z = this.#w + rows * GRAM_BLOCK;
    this.#ws = kernels.allocate(this.#z + cols * GRAM_BLOCK, GRAM_BLOCK);
    kernels.holds = this;
    const ws = this.#ws;
    const shift = this.shift;
    for (let i = 0; i < matrixFloats; i++) ws[i] = data[i] - shift;
  }

  /**
   * out[j] = AᵀA · vectors[j] for j < count; vectors and out hold count rows of n float64 values
   * (out may be a fresh array). Also returns ‖A · vectors[j]‖² for each j (float64).
   */
  apply(vectors: Float64Array, count: number, out: Float64Array = new Float64Array(count * this.cols)): Float64Array {
    const { rows, cols } = this;
    for (let first = 0; first < count; first += GRAM_BLOCK) {
      const width = Math.min(GRAM_BLOCK, count - first);
      const w = this.#timesBlock(vectors, first, width);
      // Z = Cᵀ W, then Aᵀ W = Z + μ𝟙(𝟙ᵀW).
      const ws = this.#ws;
      this.#kernels.gemmTN(0, cols, rows, cols, this.#w, GRAM_BLOCK, GRAM_BLOCK, this.#z, GRAM_BLOCK, false);
      for (let c = 0; c < width; c++) {
        let columnSum = 0;
        for (let r = 0; r < rows; r++) columnSum += w[r * GRAM_BLOCK + c];
        const term = this.shift * columnSum;
        const target = (first + c) * cols;
        for (let j = 0; j < cols; j++) out[target + j] = ws[this.#z + j * GRAM_BLOCK + c] + term;
      }
      this.products++;
    }
    return out;
  }

  /** ‖A · vectors[j]‖² for j < count (vectors: count rows of n float64 values). */
  normsOfProducts(vectors: Float64Array, count: number): Float64Array {
    const norms = new Float64Array(count);
    for (let first = 0; first < count; first += GRAM_BLOCK) {
      const width = Math.min(GRAM_BLOCK, count - first);
      const w = this.#timesBlock(vectors, first, width);
      for (let c = 0; c < width; c++) {
        let squares = 0;
        for (let r = 0; r < this.rows; r++) squares += w[r * GRAM_BLOCK + c] ** 2;
        norms[first + c] = squares;
      }
    }
    return norms;
  }

  /** W = A · X for rows first … first + width − 1 of `vectors` (padded with zeros to eight): the float64 copy of W, m × 8. */
  #timesBlock(vectors: Float64Array, first: number, width: number): Float64Array {
    if (this.#kernels.holds !== this) throw new Error("GramOperator: its kernels' workspace has been allocated for other work since");
    const { rows, cols, shift } = this;
    const ws = this.#ws;
    ws.fill(0, this.#x, this.#x + cols * GRAM_BLOCK);
    const sums = new Float64Array(GRAM_BLOCK);
    for (let c = 0; c < width; c++) {
      const source = (first + c) * cols;
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        const value = vectors[source + j];
        ws[this.#x + j * GRAM_BLOCK + c] = value;
        sum += value;
      }
      sums[c] = sum;
    }
    this.#kernels.gemmNN(0, cols, rows, cols, this.#x, GRAM_BLOCK, GRAM_BLOCK, this.#w, GRAM_BLOCK, 1, false);
    const w = new Float64Array(rows * GRAM_BLOCK);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < GRAM_BLOCK; c++) {
        const at = r * GRAM_BLOCK + c;
        const value = ws[this.#w + at] + shift * sums[c];
        w[at] = value;
        ws[this.#w + at] = value;
      }
    }
    return w;
  }
}
