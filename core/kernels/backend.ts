/**
 * Kernel backends: the products of a big matrix with tall, thin blocks, where the engine spends
 * its time. Both backends work on one float32 workspace; operands are element offsets into it.
 * All matrices are row-major with a leading dimension (elements between rows). The thin
 * operand's column count must be a multiple of 8 (the SIMD micro-kernels use 8 columns).
 *
 *   gemmNN: out[m × n] = (accumulate ? out : 0) + alpha · A[m × k] · X[k × n]
 *   gemmTN: out[k × n] = (accumulate ? out : 0) + A[m × k]ᵀ · Y[m × n]
 *
 * 'simd' runs the AssemblyScript WebAssembly SIMD128 kernels (core/kernels/assembly); 'plain'
 * is TypeScript with float64 accumulators. They agree to float32 rounding of the sums (the
 * tests bound the difference); the plain one is for platforms without WebAssembly SIMD.
 */
export type KernelKind = 'simd' | 'plain';

/**
 * Float64 vector operations for the small dense problems, on one float64 arena; operands are
 * element offsets into it.
 */
export interface DenseKernels {
  /** A zeroed arena of `count` float64 values; views from an earlier call become invalid. */
  allocate(count: number): Float64Array;
  /** Σ x[i]·y[i] */
  dot(x: number, y: number, n: number): number;
  /** y[i] += alpha·x[i] */
  axpy(alpha: number, x: number, y: number, n: number): void;
  /** returns Σ t[i]·d[i], and e[i] += f·t[i] */
  dotAxpy(t: number, d: number, e: number, n: number, f: number): number;
  /** t[i] −= f·e[i] + g·d[i] */
  rank2Update(t: number, e: number, d: number, n: number, f: number, g: number): void;
  /** (x, y) ← (c·x − s·y, s·x + c·y) */
  rotate(x: number, y: number, n: number, c: number, s: number): void;
}

export interface KernelBackend {
  readonly kind: KernelKind;
  readonly dense: DenseKernels;
  /**
   * Provides a zeroed workspace of `floats` float32 values; the thin operands of later calls
   * have at most `maxThinColumns` columns. Views from an earlier call become invalid.
   */
  allocate(floats: number, maxThinColumns: number): Float32Array;
  gemmNN(
    a: number, lda: number, m: number, k: number,
    x: number, ldx: number, n: number,
    out: number, ldo: number, alpha: number, accumulate: boolean,
  ): void;
  gemmTN(
    a: number, lda: number, m: number, k: number,
    y: number, ldy: number, n: number,
    out: number, ldo: number, accumulate: boolean,
  ): void;
  /**
   * Float64 view of `count` doubles at workspace offset `at` (in floats; even), for gemv64.
   * Invalidated by allocate().
   */
  doubles(at: number, count: number): Float64Array;
  /** y[r] = Σ_c A[r, c]·x[c] in float64: A float32 (rows × cols, ld lda); x, y doubles at float offsets. */
  gemv64(a: number, lda: number, rows: number, cols: number, x: number, y: number): void;
  /** Gram matrix XᵀX (n × n doubles at float offset `out`, even) of X (rows × n, float32), accumulated in float64. n even. */
  gram64(x: number, ldx: number, rows: number, n: number, out: number): void;
}

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

  allocate(floats: number, maxThinColumns: number): Float32Array {
    this.#heap = new Float32Array(floats);
    this.#rowAccumulator = new Float64Array(maxThinColumns);
    return this.#heap;
  }

  gemmNN(
    a: number, lda: number, m: number, k: number,
    x: number, ldx: number, n: number,
    out: number, ldo: number, alpha: number, accumulate: boolean,
  ): void {
    const heap = this.#heap;
    const row = this.#rowAccumulator;
    for (let i = 0; i < m; i++) {
      row.fill(0, 0, n);
      const aRow = a + i * lda;
      for (let p = 0; p < k; p++) {
        const s = heap[aRow + p];
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

  gemv64(a: number, lda: number, rows: number, cols: number, x: number, y: number): void {
    const heap = this.#heap;
    const xs = this.doubles(x, cols);
    const ys = this.doubles(y, rows);
    for (let r = 0; r < rows; r++) {
      const row = a + r * lda;
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += heap[row + c] * xs[c];
      ys[r] = sum;
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
    a: number, lda: number, m: number, k: number,
    y: number, ldy: number, n: number,
    out: number, ldo: number, accumulate: boolean,
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
        const s = heap[aRow + j];
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

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  panelDepth(): number;
  gemmNN(
    a: number, lda: number, m: number, k: number, x: number, ldx: number, n: number,
    out: number, ldo: number, alpha: number, accumulate: number, panel: number,
  ): void;
  gemmTN(
    a: number, lda: number, m: number, k: number, y: number, ldy: number, n: number,
    out: number, ldo: number, accumulate: number, panel: number,
  ): void;
  dot64(x: number, y: number, n: number): number;
  axpy64(alpha: number, x: number, y: number, n: number): void;
  dotAxpy64(t: number, d: number, e: number, n: number, f: number): number;
  rank2Update64(t: number, e: number, d: number, n: number, f: number, g: number): void;
  rotate64(x: number, y: number, n: number, c: number, s: number): void;
  gemvF32F64(a: number, lda: number, rows: number, cols: number, x: number, y: number): void;
  gramF64(x: number, ldx: number, rows: number, n: number, out: number): void;
}

/** The float64 kernels on their own WebAssembly instance, so their arena never moves the float32 workspace. */
class SimdDenseKernels implements DenseKernels {
  readonly #exports: KernelExports;
  #base = 0;

  constructor(instance: WebAssembly.Instance) {
    this.#exports = instance.exports as unknown as KernelExports;
  }

  allocate(count: number): Float64Array {
    const memory = this.#exports.memory;
    const base = (this.#exports.heapBase() + 63) & ~63;
    const bytesNeeded = base + 8 * count;
    const have = memory.buffer.byteLength;
    if (bytesNeeded > have) memory.grow(Math.ceil((bytesNeeded - have) / PAGE_BYTES));
    this.#base = base;
    const view = new Float64Array(memory.buffer, base, count);
    view.fill(0);
    return view;
  }

  dot(x: number, y: number, n: number): number {
    return this.#exports.dot64(this.#base + 8 * x, this.#base + 8 * y, n);
  }

  axpy(alpha: number, x: number, y: number, n: number): void {
    this.#exports.axpy64(alpha, this.#base + 8 * x, this.#base + 8 * y, n);
  }

  dotAxpy(t: number, d: number, e: number, n: number, f: number): number {
    const b = this.#base;
    return this.#exports.dotAxpy64(b + 8 * t, b + 8 * d, b + 8 * e, n, f);
  }

  rank2Update(t: number, e: number, d: number, n: number, f: number, g: number): void {
    const b = this.#base;
    this.#exports.rank2Update64(b + 8 * t, b + 8 * e, b + 8 * d, n, f, g);
  }

  rotate(x: number, y: number, n: number, c: number, s: number): void {
    this.#exports.rotate64(this.#base + 8 * x, this.#base + 8 * y, n, c, s);
  }
}

const PAGE_BYTES = 65536;

export class SimdKernels implements KernelBackend {
  readonly kind = 'simd' as const;
  readonly dense: DenseKernels;
  readonly #exports: KernelExports;
  #base = 0; // byte address of workspace element 0
  #panel = 0; // byte address of the packing scratch
  #used = false; // fresh WebAssembly memory is zeroed; reused memory must be cleared

  constructor(instance: WebAssembly.Instance, denseInstance: WebAssembly.Instance) {
    this.#exports = instance.exports as unknown as KernelExports;
    this.dense = new SimdDenseKernels(denseInstance);
  }

  allocate(floats: number, maxThinColumns: number): Float32Array {
    const memory = this.#exports.memory;
    const base = (this.#exports.heapBase() + 63) & ~63;
    const panelFloats = this.#exports.panelDepth() * Math.max(8, maxThinColumns);
    const bytesNeeded = base + 4 * floats + 64 + 4 * panelFloats;
    if (bytesNeeded > 4 * 1024 ** 3 - PAGE_BYTES) {
      throw new RangeError(`The SIMD workspace would need ${(bytesNeeded / 2 ** 30).toFixed(1)} GiB, above WebAssembly's 4 GiB`);
    }
    const have = memory.buffer.byteLength;
    if (bytesNeeded > have) memory.grow(Math.ceil((bytesNeeded - have) / PAGE_BYTES));
    this.#base = base;
    this.#panel = (base + 4 * floats + 63) & ~63;
    const view = new Float32Array(memory.buffer, base, floats);
    if (this.#used) view.fill(0);
    this.#used = true;
    return view;
  }

  gemmNN(
    a: number, lda: number, m: number, k: number,
    x: number, ldx: number, n: number,
    out: number, ldo: number, alpha: number, accumulate: boolean,
  ): void {
    if (m === 0 || n === 0) return;
    const b = this.#base;
    this.#exports.gemmNN(b + 4 * a, lda, m, k, b + 4 * x, ldx, n, b + 4 * out, ldo, alpha, accumulate ? 1 : 0, this.#panel);
    if (k === 0 && !accumulate) zeroRows(this.#exports.memory, b + 4 * out, m, n, ldo);
  }

  gemmTN(
    a: number, lda: number, m: number, k: number,
    y: number, ldy: number, n: number,
    out: number, ldo: number, accumulate: boolean,
  ): void {
    if (k === 0 || n === 0) return;
    const b = this.#base;
    this.#exports.gemmTN(b + 4 * a, lda, m, k, b + 4 * y, ldy, n, b + 4 * out, ldo, accumulate ? 1 : 0, this.#panel);
    if (m === 0 && !accumulate) zeroRows(this.#exports.memory, b + 4 * out, k, n, ldo);
  }

  doubles(at: number, count: number): Float64Array {
    return new Float64Array(this.#exports.memory.buffer, this.#base + 4 * at, count);
  }

  gemv64(a: number, lda: number, rows: number, cols: number, x: number, y: number): void {
    const b = this.#base;
    this.#exports.gemvF32F64(b + 4 * a, lda, rows, cols, b + 4 * x, b + 4 * y);
  }

  gram64(x: number, ldx: number, rows: number, n: number, out: number): void {
    const b = this.#base;
    this.#exports.gramF64(b + 4 * x, ldx, rows, n, b + 4 * out);
  }
}

function zeroRows(memory: WebAssembly.Memory, address: number, rows: number, cols: number, ld: number): void {
  const view = new Float32Array(memory.buffer, address, (rows - 1) * ld + cols);
  for (let r = 0; r < rows; r++) view.fill(0, r * ld, r * ld + cols);
}

let compiledKernels: Promise<WebAssembly.Module | null> | null = null;

async function loadKernelModule(): Promise<WebAssembly.Module | null> {
  const { kernelsWasmBase64 } = await import('./generated/kernels-wasm.js');
  const binary = atob(kernelsWasmBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // validate() is false where WebAssembly SIMD128 is unsupported: the plain kernels take over.
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
  return WebAssembly.compile(bytes);
}

/** Whether the WebAssembly SIMD kernels can run here. */
export async function simdAvailable(): Promise<boolean> {
  compiledKernels ??= loadKernelModule();
  return (await compiledKernels) !== null;
}

/**
 * A fresh backend. Each call gets its own WebAssembly instance and memory, so concurrent
 * decompositions on one thread never share a workspace.
 */
export async function createKernels(kind: KernelKind | 'auto' = 'auto'): Promise<KernelBackend> {
  if (kind === 'plain') return new PlainKernels();
  compiledKernels ??= loadKernelModule();
  const module = await compiledKernels;
  if (module === null) {
    if (kind === 'simd') throw new Error('WebAssembly SIMD128 is not supported on this platform');
    return new PlainKernels();
  }
  const [products, dense] = await Promise.all([WebAssembly.instantiate(module, {}), WebAssembly.instantiate(module, {})]);
  return new SimdKernels(products, dense);
}
