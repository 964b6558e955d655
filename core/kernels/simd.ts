/**
 * The WebAssembly backends (see kernel-backend.ts): the AssemblyScript kernels of
 * core/kernels/assembly, compiled at build time in two builds and embedded as base64
 * (generated/kernels-wasm.ts): 'relaxed' (relaxed SIMD: each multiply-add one fused
 * f32x4.relaxed_madd) and 'simd' (SIMD128: a multiply and an add). Same code otherwise.
 */
import type { DenseKernels, KernelBackend, KernelKind } from './kernel-backend.js';

/** The two WebAssembly builds. */
export type WasmKernelKind = Exclude<KernelKind, 'plain'>;

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  panelDepth(): number;
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
    accumulate: number,
    panel: number,
  ): void;
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
    accumulate: number,
    panel: number,
  ): void;
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
    accumulate: number,
    panel: number,
    shift: number,
    scratch: number,
  ): void;
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
    accumulate: number,
    panel: number,
    shift: number,
    scratch: number,
  ): void;
  gemvBytesF64x4(a: number, lda: number, rows: number, cols: number, x: number, y: number, shift: number): void;
  dot64(x: number, y: number, n: number): number;
  axpy64(alpha: number, x: number, y: number, n: number): void;
  dotAxpy64(t: number, d: number, e: number, n: number, f: number): number;
  rank2Update64(t: number, e: number, d: number, n: number, f: number, g: number): void;
  rotate64(x: number, y: number, n: number, c: number, s: number): void;
  gemvF32F64x4(a: number, lda: number, rows: number, cols: number, x: number, y: number): void;
  gramF64(x: number, ldx: number, rows: number, n: number, out: number): void;
  boxRowsBytes(sums: number, bytes: number, stride: number, weights: number, count: number, span: number): void;
  squaresAndSumBytes(totals: number, bytes: number, count: number): void;
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
  readonly kind: WasmKernelKind;
  readonly dense: DenseKernels;
  readonly #exports: KernelExports;
  #base = 0; // byte address of workspace element 0
  #panel = 0; // byte address of the packing scratch
  #scratch = 0; // byte address of the Bytes products' conversion scratch (4 · panelDepth floats)
  // Byte address below which workspaces (their panels and scratch included) have held values:
  // memory above it is as fresh WebAssembly memory is, zeroed; below it allocate() must clear.
  #writtenTo = 0;
  // Byte address from which expand() grew the memory and neither reserve() nor a workspace has used it since.
  #unmappedFrom: number | null = null;

  constructor(kind: WasmKernelKind, instance: WebAssembly.Instance, denseInstance: WebAssembly.Instance) {
    this.kind = kind;
    this.#exports = instance.exports as unknown as KernelExports;
    this.dense = new SimdDenseKernels(denseInstance);
  }

  holds: unknown = null;

  /** The bytes of memory a workspace of `floats` values needs (below 4 GiB, else a RangeError). */
  #bytesNeeded(floats: number, maxThinColumns: number): number {
    const base = (this.#exports.heapBase() + 63) & ~63;
    const panelFloats = this.#exports.panelDepth() * Math.max(8, maxThinColumns);
    const bytesNeeded = base + 4 * floats + 64 + 4 * panelFloats + 64 + 16 * this.#exports.panelDepth();
    if (bytesNeeded > 4 * 1024 ** 3 - PAGE_BYTES) {
      throw new RangeError(`The SIMD workspace would need ${(bytesNeeded / 2 ** 30).toFixed(1)} GiB, above WebAssembly's 4 GiB`);
    }
    return bytesNeeded;
  }

  reserve(floats: number, maxThinColumns: number): void {
    const memory = this.#exports.memory;
    const bytesNeeded = this.#bytesNeeded(floats, maxThinColumns);
    const have = memory.buffer.byteLength;
    // The pages to map start where the memory ends now, or where expand() left them unmapped
    // (past every workspace allocated since: writing to them loses no value).
    const from = Math.min(this.#unmappedFrom ?? have, have);
    // Growing detached the views a holder of the workspace keeps.
    if (this.#growTo(bytesNeeded)) this.holds = null;
    const end = memory.buffer.byteLength;
    const to = Math.min(end, Math.ceil(bytesNeeded / PAGE_BYTES) * PAGE_BYTES);
    // One write per 4 KiB page (zeros, which the new memory holds already) maps it.
    if (to > from) {
      const bytes = new Uint8Array(memory.buffer, from, to - from);
      for (let at = 0; at < bytes.length; at += 4096) bytes[at] = 0;
    }
    this.#unmappedFrom = Math.max(from, to) < end ? Math.max(from, to) : null;
  }

  expand(floats: number, maxThinColumns: number): void {
    const memory = this.#exports.memory;
    const bytesNeeded = this.#bytesNeeded(floats, maxThinColumns);
    const have = memory.buffer.byteLength;
    if (!this.#growTo(bytesNeeded)) return;
    this.holds = null;
    this.#unmappedFrom ??= have;
  }

  /** Grows the memory to at least `bytes`; whether it grew. */
  #growTo(bytes: number): boolean {
    const memory = this.#exports.memory;
    const have = memory.buffer.byteLength;
    if (bytes <= have) return false;
    memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    return true;
  }

  allocate(floats: number, maxThinColumns: number, zeroFrom = 0): Float32Array {
    const memory = this.#exports.memory;
    const base = (this.#exports.heapBase() + 63) & ~63;
    const bytesNeeded = this.#bytesNeeded(floats, maxThinColumns);
    this.#growTo(bytesNeeded);
    // The workspace's memory holds values from now on: reserve() maps only what lies beyond it.
    if (this.#unmappedFrom !== null)
      this.#unmappedFrom = bytesNeeded < memory.buffer.byteLength ? Math.max(this.#unmappedFrom, bytesNeeded) : null;
    this.#base = base;
    this.#panel = (base + 4 * floats + 63) & ~63;
    this.#scratch = (this.#panel + 4 * this.#exports.panelDepth() * Math.max(8, maxThinColumns) + 63) & ~63;
    const view = new Float32Array(memory.buffer, base, floats);
    // Only what earlier workspaces wrote needs clearing (above it the memory is still zero).
    const written = Math.min(floats, Math.ceil((this.#writtenTo - base) / 4));
    if (written > zeroFrom) view.fill(0, zeroFrom, written);
    this.#writtenTo = Math.max(this.#writtenTo, bytesNeeded);
    // The values below zeroFrom survive (memory only grows, at the same base): the label too.
    if (zeroFrom === 0) this.holds = null;
    return view;
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
    if (m === 0 || n === 0) return;
    const b = this.#base;
    this.#exports.gemmNN(b + 4 * a, lda, m, k, b + 4 * x, ldx, n, b + 4 * out, ldo, alpha, accumulate ? 1 : 0, this.#panel);
    if (k === 0 && !accumulate) zeroRows(this.#exports.memory, b + 4 * out, m, n, ldo);
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
    if (k === 0 || n === 0) return;
    const b = this.#base;
    this.#exports.gemmTN(b + 4 * a, lda, m, k, b + 4 * y, ldy, n, b + 4 * out, ldo, accumulate ? 1 : 0, this.#panel);
    if (m === 0 && !accumulate) zeroRows(this.#exports.memory, b + 4 * out, k, n, ldo);
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
    if (m === 0 || n === 0) return;
    const b = this.#base;
    this.#exports.gemmNNBytes(
      b + a,
      lda,
      m,
      k,
      b + 4 * x,
      ldx,
      n,
      b + 4 * out,
      ldo,
      alpha,
      accumulate ? 1 : 0,
      this.#panel,
      shift,
      this.#scratch,
    );
    if (k === 0 && !accumulate) zeroRows(this.#exports.memory, b + 4 * out, m, n, ldo);
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
    if (k === 0 || n === 0) return;
    const b = this.#base;
    this.#exports.gemmTNBytes(b + a, lda, m, k, b + 4 * y, ldy, n, b + 4 * out, ldo, accumulate ? 1 : 0, this.#panel, shift, this.#scratch);
    if (m === 0 && !accumulate) zeroRows(this.#exports.memory, b + 4 * out, k, n, ldo);
  }

  doubles(at: number, count: number): Float64Array {
    return new Float64Array(this.#exports.memory.buffer, this.#base + 4 * at, count);
  }

  boxRowsBytes(sums: number, bytes: number, stride: number, weights: number, count: number, span: number): void {
    const b = this.#base;
    this.#exports.boxRowsBytes(b + 4 * sums, b + bytes, stride, b + 4 * weights, count, span);
  }

  squaresAndSumBytes(totals: number, bytes: number, count: number): void {
    const b = this.#base;
    this.#exports.squaresAndSumBytes(b + 4 * totals, b + bytes, count);
  }

  gemv64x4(a: number, lda: number, rows: number, cols: number, x: number, y: number): void {
    const b = this.#base;
    this.#exports.gemvF32F64x4(b + 4 * a, lda, rows, cols, b + 4 * x, b + 4 * y);
  }

  gemv64x4Bytes(a: number, lda: number, rows: number, cols: number, x: number, y: number, shift: number): void {
    const b = this.#base;
    this.#exports.gemvBytesF64x4(b + a, lda, rows, cols, b + 4 * x, b + 4 * y, shift);
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

const compiledKernels = new Map<WasmKernelKind, Promise<WebAssembly.Module | null>>();

/**
 * One build of the kernels, compiled once per thread, or null where this platform cannot run it
 * (no WebAssembly SIMD128; or no relaxed SIMD: Node 20 runs it only with V8's
 * --experimental-wasm-relaxed-simd, which the command line turns on for itself).
 */
export function simdKernelModule(kind: WasmKernelKind = 'simd'): Promise<WebAssembly.Module | null> {
  let module = compiledKernels.get(kind);
  if (!module) {
    module = loadKernelModule(kind);
    compiledKernels.set(kind, module);
  }
  return module;
}

async function loadKernelModule(kind: WasmKernelKind): Promise<WebAssembly.Module | null> {
  const generated = await import('./generated/kernels-wasm.js');
  const binary = atob(kind === 'relaxed' ? generated.relaxedKernelsWasmBase64 : generated.kernelsWasmBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // validate() is false where the build's instructions are unsupported: the next backend takes over.
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
  return WebAssembly.compile(bytes);
}
