/**
 * Products with AᵀA for one channel A (m × n), without forming AᵀA: y = Aᵀ(A x), eight vectors
 * at a time, on the kernels' float32 products (core/kernels). The products run on
 * C = A − 𝟙sᵀ, s each column's mean rounded to an integer (so C is exact in float32 and holds
 * none of the photo's mean brightness), and the rank-one term goes back in float64:
 * A x = C x + 𝟙(sᵀx) and Aᵀw = Cᵀw + s(𝟙ᵀw). The same copy of C gives the products with the
 * centred matrix B = A − 𝟙μᵀ (μ the mean row) that PCA needs: B = C + 𝟙dᵀ with d = s − μ
 * (centred()). Vectors are float64, each a contiguous row of n values. An operator owns its
 * kernels' workspace until something else allocates it (then apply() refuses, rather than
 * multiply by whatever is there now).
 */
import type { KernelBackend } from '../kernels/index.js';
import type { SvdInput } from '../types.js';

/** Columns per product: the kernels' micro-kernels take eight. */
export const GRAM_BLOCK = 8;

/** A symmetric n × n matrix known only by its products: what the Lanczos iteration needs. */
export interface SymmetricOperator {
  readonly cols: number;
  /** Products applied so far (eight vectors each). */
  readonly products: number;
  /** out[j] = M · vectors[j] for j < count (count rows of n float64 values). */
  apply(vectors: Float64Array, count: number, out?: Float64Array): Float64Array;
}

export class GramOperator implements SymmetricOperator {
  readonly rows: number;
  readonly cols: number;
  /** The samples this operator was made from. */
  readonly samples: SvdInput;
  /** The mean row μ (n values, float64). */
  readonly meanRow: Float64Array;
  /** ‖A − 𝟙μᵀ‖²_F: the rows' total variance times m. */
  readonly centredNormSquared: number;
  /** The integer column shifts s. */
  readonly #shifts: Float64Array;
  /** s − μ: the centred matrix's rank-one term. */
  readonly #centring: Float64Array;
  readonly #kernels: KernelBackend;
  readonly #ws: Float32Array;
  /** Workspace offsets (floats): C at 0, then X (n × 8), W (m × 8), Z (n × 8). */
  readonly #x: number;
  readonly #w: number;
  readonly #z: number;
  /** Products applied so far (each is one pass over A and one over Aᵀ, eight vectors), of either matrix. */
  products = 0;

  /** The kernel workspace an operator for an m × n channel takes (floats): for KernelBackend.reserve(). */
  static workspaceFloats(rows: number, cols: number): number {
    return rows * cols + GRAM_BLOCK * (2 * cols + rows);
  }

  /** `candidate` when it was made from `a` and still holds `kernels`' workspace, else a new operator for `a`. */
  static reuse(candidate: GramOperator | null | undefined, a: SvdInput, kernels: KernelBackend): GramOperator {
    return candidate && candidate.samples === a && kernels.holds === candidate ? candidate : new GramOperator(a, kernels);
  }

  constructor(a: SvdInput, kernels: KernelBackend) {
    const { rows, cols, data } = a;
    this.rows = rows;
    this.cols = cols;
    this.samples = a;
    this.#kernels = kernels;
    const sums = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const at = r * cols;
      for (let c = 0; c < cols; c++) sums[c] += data[at + c];
    }
    this.meanRow = sums.map((sum) => sum / Math.max(1, rows));
    this.#shifts = this.meanRow.map(Math.round);
    this.#centring = this.#shifts.map((shift, c) => shift - this.meanRow[c]);
    const matrixFloats = rows * cols;
    this.#x = matrixFloats;
    this.#w = this.#x + cols * GRAM_BLOCK;
    this.#z = this.#w + rows * GRAM_BLOCK;
    // C is written below: only the thin blocks need clearing.
    this.#ws = kernels.allocate(GramOperator.workspaceFloats(rows, cols), GRAM_BLOCK, matrixFloats);
    kernels.holds = this;
    const ws = this.#ws;
    const shifts = this.#shifts;
    // ‖B‖²_F = ‖C‖²_F − m‖d‖² (the columns of C sum to −m·d): C's squares are small integers,
    // summed as the copy is made, and |d| ≤ ½ — no cancellation against ‖A‖²_F.
    let shiftedSquares = 0;
    for (let r = 0; r < rows; r++) {
      const at = r * cols;
      for (let c = 0; c < cols; c++) {
        const value = data[at + c] - shifts[c];
        ws[at + c] = value;
        shiftedSquares += value * value;
      }
    }
    let centringSquares = 0;
    for (const value of this.#centring) centringSquares += value * value;
    this.centredNormSquared = Math.max(0, shiftedSquares - rows * centringSquares);
  }

  /**
   * out[j] = AᵀA · vectors[j] for j < count; vectors and out hold count rows of n float64 values
   * (out may be a fresh array).
   */
  apply(vectors: Float64Array, count: number, out: Float64Array = new Float64Array(count * this.cols)): Float64Array {
    return this.#gram(this.#shifts, vectors, count, out);
  }

  /** BᵀB for the centred matrix B = A − 𝟙μᵀ (whose eigenpairs are the rows' principal components), on this operator's copy of A. */
  centred(): SymmetricOperator & { times(vectors: Float64Array, count: number): Float64Array } {
    const products = () => this.products;
    return {
      cols: this.cols,
      get products() {
        return products();
      },
      apply: (vectors, count, out = new Float64Array(count * this.cols)) => this.#gram(this.#centring, vectors, count, out),
      times: (vectors, count) => this.#times(this.#centring, vectors, count),
    };
  }

  /** ‖A · vectors[j]‖² for j < count (vectors: count rows of n float64 values). */
  normsOfProducts(vectors: Float64Array, count: number): Float64Array {
    const norms = new Float64Array(count);
    for (let first = 0; first < count; first += GRAM_BLOCK) {
      const width = Math.min(GRAM_BLOCK, count - first);
      const w = this.#timesBlock(this.#shifts, vectors, first, width);
      for (let c = 0; c < width; c++) {
        let squares = 0;
        for (let r = 0; r < this.rows; r++) squares += w[r * GRAM_BLOCK + c] ** 2;
        norms[first + c] = squares;
      }
    }
    return norms;
  }

  /** (C + 𝟙oᵀ)ᵀ(C + 𝟙oᵀ) · vectors[j]: AᵀA for o = s, BᵀB for o = s − μ. */
  #gram(offset: Float64Array, vectors: Float64Array, count: number, out: Float64Array): Float64Array {
    const { rows, cols } = this;
    for (let first = 0; first < count; first += GRAM_BLOCK) {
      const width = Math.min(GRAM_BLOCK, count - first);
      const w = this.#timesBlock(offset, vectors, first, width);
      // Z = Cᵀ W, then (C + 𝟙oᵀ)ᵀ W = Z + o(𝟙ᵀW).
      const ws = this.#ws;
      this.#kernels.gemmTN(0, cols, rows, cols, this.#w, GRAM_BLOCK, GRAM_BLOCK, this.#z, GRAM_BLOCK, false);
      for (let c = 0; c < width; c++) {
        let columnSum = 0;
        for (let r = 0; r < rows; r++) columnSum += w[r * GRAM_BLOCK + c];
        const target = (first + c) * cols;
        for (let j = 0; j < cols; j++) out[target + j] = ws[this.#z + j * GRAM_BLOCK + c] + offset[j] * columnSum;
      }
      this.products++;
    }
    return out;
  }

  /** (C + 𝟙oᵀ) · vectors[j] for j < count: count rows of m float64 values. */
  #times(offset: Float64Array, vectors: Float64Array, count: number): Float64Array {
    const rows = this.rows;
    const out = new Float64Array(count * rows);
    for (let first = 0; first < count; first += GRAM_BLOCK) {
      const width = Math.min(GRAM_BLOCK, count - first);
      const w = this.#timesBlock(offset, vectors, first, width);
      for (let c = 0; c < width; c++) for (let r = 0; r < rows; r++) out[(first + c) * rows + r] = w[r * GRAM_BLOCK + c];
    }
    return out;
  }

  /**
   * W = (C + 𝟙oᵀ) · X for rows first … first + width − 1 of `vectors` (padded with zeros to
   * eight): the float64 copy of W, m × 8 (also left in the workspace for Cᵀ W).
   */
  #timesBlock(offset: Float64Array, vectors: Float64Array, first: number, width: number): Float64Array {
    if (this.#kernels.holds !== this) throw new Error("GramOperator: its kernels' workspace has been allocated for other work since");
    const { rows, cols } = this;
    const ws = this.#ws;
    ws.fill(0, this.#x, this.#x + cols * GRAM_BLOCK);
    const terms = new Float64Array(GRAM_BLOCK);
    for (let c = 0; c < width; c++) {
      const source = (first + c) * cols;
      let term = 0;
      for (let j = 0; j < cols; j++) {
        const value = vectors[source + j];
        ws[this.#x + j * GRAM_BLOCK + c] = value;
        term += offset[j] * value;
      }
      terms[c] = term;
    }
    this.#kernels.gemmNN(0, cols, rows, cols, this.#x, GRAM_BLOCK, GRAM_BLOCK, this.#w, GRAM_BLOCK, 1, false);
    const w = new Float64Array(rows * GRAM_BLOCK);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < GRAM_BLOCK; c++) {
        const at = r * GRAM_BLOCK + c;
        const value = ws[this.#w + at] + terms[c];
        w[at] = value;
        ws[this.#w + at] = value;
      }
    }
    return w;
  }
}
