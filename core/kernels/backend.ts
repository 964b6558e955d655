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

export interface KernelBackend {
  readonly kind: KernelKind;
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
}

export class PlainKernels implements KernelBackend {
  readonly kind = 'plain' as const;
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
}

const PAGE_BYTES = 65536;

export class SimdKernels implements KernelBackend {
  readonly kind = 'simd' as const;
  readonly #exports: KernelExports;
  #base = 0; // byte address of workspace element 0
  #panel = 0; // byte address of the packing scratch

  constructor(instance: WebAssembly.Instance) {
    this.#exports = instance.exports as unknown as KernelExports;
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
    view.fill(0);
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
  return new SimdKernels(await WebAssembly.instantiate(module, {}));
}
