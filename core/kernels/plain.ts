/** The plain TypeScript backend: float64 accumulators, no WebAssembly (see kernel-backend.ts). */
import type { DenseKernels, KernelBackend } from './kernel-backend.js';
import { addRows } from './box-rows.js';

export class PlainDenseKernels implements DenseKernels {
  #arena = new Float64Array(0);

  allocate(count: number): Float64Array {
    this.#arena = new Float64Array(count);
    return this.#arena;
  }

  dot(x: number, y: number, n: number): number {
    const v = this.#arena;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += v[x + i] * v[y + i];
    return sum;
  }

  axpy(alpha: number, x: number, y: number, n: number): void {
    const v = this.#arena;
    for (let i = 0; i < n; i++) v[y + i] += alpha * v[x + i];
  }

  dotAxpy(t: number, d: number, e: number, n: number, f: number): number {
    const v = this.#arena;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const value = v[t + i];
      sum += value * v[d + i];
      v[e + i] += f * value;
    }
    return sum;
  }

  rank2Update(t: number, e: number, d: number, n: number, f: number, g: number): void {
    const v = this.#arena;
    for (let i = 0; i < n; i++) v[t + i] -= f * v[e + i] + g * v[d + i];
  }

  rotate(x: number, y: number, n: number, c: number, s: number): void {
    const v = this.#arena;
    for (let i = 0; i < n; i++) {
      const xv = v[x + i];
      const yv = v[y + i];
      v[x + i] = c * xv - s * yv;
      v[y + i] = s * xv + c * yv;
    }
  }
}

export class PlainKernels implements KernelBackend {
  readonly kind = 'plain' as const;
  readonly dense: DenseKernels = new PlainDenseKernels();
  #heap = new Float32Array(0);
  #rowAccumulator = new Float64Array(0);
  #blockAccumulator = new Float64Array(0);

  holds: unknown = null;

  /** Nothing to do: allocate() makes a new array. */
  reserve(): void {}

  /** Nothing to do: allocate() makes a new array. */
  expand(): void {}

  allocate(floats: number, maxThinColumns: number): Float32Array {
    this.holds = null;
    this.#heap = new Float32Array(floats);
    this.#rowAccumulator = new Float64Array(maxThinColumns);
    return this.#heap;
  }

  gemmNN(
    a: number,
    lda: number,
    m: number,
    k: number,
    x: number,
    ldx: number,
    n: number,
    out: number,
    ldo: number,
    alpha: number,
    accumulate: boolean,
  ): void {
    this.#productNN(this.#heap, 0, a, lda, m, k, x, ldx, n, out, ldo, alpha, accumulate);
  }

  gemmNNBytes(
    a: number,
    lda: number,
    m: number,
    k: number,
    x: number,
    ldx: number,
    n: number,
    out: number,
    ldo: number,
    alpha: number,
    accumulate: boolean,
    shift: number,
  ): void {
    this.#productNN(this.#bytes(), shift, a, lda, m, k, x, ldx, n, out, ldo, alpha, accumulate);
  }

  /** The workspace's bytes, for the Bytes products' A. */
  #bytes(): Uint8Array {
    return new Uint8Array(this.#heap.buffer, this.#heap.byteOffset, this.#heap.byteLength);
  }

  /** gemmNN with A's values read from `values` (the workspace's floats or bytes), each less `shift`. */
  #productNN(
    values: Float32Array | Uint8Array,
    shift: number,
    a: number,
    lda: number,
    m: number,
    k: number,
    x: number,
    ldx: number,
    n: number,
    out: number,
    ldo: number,
    alpha: number,
    accumulate: boolean,
  ): void {
    const heap = this.#heap;
    const row = this.#rowAccumulator;
    for (let i = 0; i < m; i++) {
      row.fill(0, 0, n);
      const aRow = a + i * lda;
      for (let p = 0; p < k; p++) {
        const s = values[aRow + p] - shift;
        if (s === 0) continue;
        const xRow = x + p * ldx;
        for (let c = 0; c < n; c++) row[c] += s * heap[xRow + c];
      }
      const oRow = out + i * ldo;
      if (accumulate) for (let c = 0; c < n; c++) heap[oRow + c] += alpha * row[c];
      else for (let c = 0; c < n; c++) heap[oRow + c] = alpha * row[c];
    }
  }

  doubles(at: number, count: number): Float64Array {
    return new Float64Array(this.#heap.buffer, this.#heap.byteOffset + 4 * at, count);
  }

  boxRowsBytes(sums: number, bytes: number, stride: number, weights: number, count: number, span: number): void {
    addRows(this.doubles(sums, span), this.#bytes(), bytes, stride, this.doubles(weights, count), count);
  }

  squaresAndSumBytes(totals: number, bytes: number, count: number): void {
    const data = this.#bytes();
    let squares = 0;
    let sum = 0;
    for (let i = bytes; i < bytes + count; i++) {
      const value = data[i];
      squares += value * value;
      sum += value;
    }
    const sums = this.doubles(totals, 2);
    sums[0] += squares;
    sums[1] += sum;
  }

  gemv64x4(a: number, lda: number, rows: number, cols: number, x: number, y: number): void {
    this.#product64x4(this.#heap, 0, a, lda, rows, cols, x, y);
  }

  gemv64x4Bytes(a: number, lda: number, rows: number, cols: number, x: number, y: number, shift: number): void {
    this.#product64x4(this.#bytes(), shift, a, lda, rows, cols, x, y);
  }

  /** gemv64x4 with A's values read from `values` (the workspace's floats or bytes), each less `shift`. */
  #product64x4(
    values: Float32Array | Uint8Array,
    shift: number,
    a: number,
    lda: number,
    rows: number,
    cols: number,
    x: number,
    y: number,
  ): void {
    const xs = this.doubles(x, 4 * cols);
    const ys = this.doubles(y, 4 * rows);
    for (let r = 0; r < rows; r++) {
      const row = a + r * lda;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let c = 0; c < cols; c++) {
        const value = values[row + c] - shift;
        s0 += value * xs[4 * c];
        s1 += value * xs[4 * c + 1];
        s2 += value * xs[4 * c + 2];
        s3 += value * xs[4 * c + 3];
      }
      ys.set([s0, s1, s2, s3], 4 * r);
    }
  }

  gram64(x: number, ldx: number, rows: number, n: number, out: number): void {
    const heap = this.#heap;
    const gram = this.doubles(out, n * n);
    gram.fill(0);
    for (let r = 0; r < rows; r++) {
      const row = x + r * ldx;
      for (let j = 0; j < n; j++) {
        const value = heap[row + j];
        if (value === 0) continue;
        const target = j * n;
        for (let c = 0; c < n; c++) gram[target + c] += value * heap[row + c];
      }
    }
  }

  gemmTN(
    a: number,
    lda: number,
    m: number,
    k: number,
    y: number,
    ldy: number,
    n: number,
    out: number,
    ldo: number,
    accumulate: boolean,
  ): void {
    this.#productTN(this.#heap, 0, a, lda, m, k, y, ldy, n, out, ldo, accumulate);
  }

  gemmTNBytes(
    a: number,
    lda: number,
    m: number,
    k: number,
    y: number,
    ldy: number,
    n: number,
    out: number,
    ldo: number,
    accumulate: boolean,
    shift: number,
  ): void {
    this.#productTN(this.#bytes(), shift, a, lda, m, k, y, ldy, n, out, ldo, accumulate);
  }

  /** gemmTN with A's values read from `values` (the workspace's floats or bytes), each less `shift`. */
  #productTN(
    values: Float32Array | Uint8Array,
    shift: number,
    a: number,
    lda: number,
    m: number,
    k: number,
    y: number,
    ldy: number,
    n: number,
    out: number,
    ldo: number,
    accumulate: boolean,
  ): void {
    const heap = this.#heap;
    if (this.#blockAccumulator.length < k * n) this.#blockAccumulator = new Float64Array(k * n);
    const block = this.#blockAccumulator;
    block.fill(0, 0, k * n);
    // Row p of A scatters A[p, j] · Y[p, :] into row j of the result: both rows are read
    // sequentially, and the float64 block keeps the long sums accurate.
    for (let p = 0; p < m; p++) {
      const aRow = a + p * lda;
      const yRow = y + p * ldy;
      for (let j = 0; j < k; j++) {
        const s = values[aRow + j] - shift;
        if (s === 0) continue;
        const bRow = j * n;
        for (let c = 0; c < n; c++) block[bRow + c] += s * heap[yRow + c];
      }
    }
    for (let j = 0; j < k; j++) {
      const oRow = out + j * ldo;
      const bRow = j * n;
      if (accumulate) for (let c = 0; c < n; c++) heap[oRow + c] += block[bRow + c];
      else for (let c = 0; c < n; c++) heap[oRow + c] = block[bRow + c];
    }
  }
}
