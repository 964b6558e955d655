/**
 * The kernel backends' interface: the products of a big matrix with tall, thin blocks, where the
 * engine spends its time. Every backend works on one float32 workspace; operands are element
 * offsets into it. All matrices are row-major with a leading dimension (elements between rows).
 * The thin operand's column count must be a multiple of 8 (the SIMD micro-kernels use 8 columns).
 *
 *   gemmNN: out[m × n] = (accumulate ? out : 0) + alpha · A[m × k] · X[k × n]
 *   gemmTN: out[k × n] = (accumulate ? out : 0) + A[m × k]ᵀ · Y[m × n]
 *
 * The big matrix A may instead hold unsigned bytes (an 8-bit image's samples: a quarter of the
 * memory) less an integer shift: gemmNNBytes, gemmTNBytes and gemv64x4Bytes read A's bytes from
 * the workspace's bytes (`a` is a byte offset, from the workspace's start, and lda is in bytes) and
 * compute what gemmNN, gemmTN and gemv64x4 compute on a float32 copy of A − shift, exactly (the
 * shifted bytes are integers, exact in float32, and the sums run in the same order).
 *
 * Backends: 'relaxed' and 'simd' (simd.ts) run the AssemblyScript WebAssembly kernels
 * (core/kernels/assembly), built with relaxed SIMD's fused multiply-add and with SIMD128 alone;
 * 'plain' (plain.ts) is TypeScript with float64 accumulators, for platforms without WebAssembly
 * SIMD. They agree to float32 rounding of the sums (the tests bound the difference). index.ts
 * picks the first that runs here, in that order.
 */
export type KernelKind = 'relaxed' | 'simd' | 'plain';

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
   * `zeroFrom`: only the values from this offset on need be zero (the caller writes those below
   * before reading them), which saves clearing a reused workspace's big matrix.
   */
  allocate(floats: number, maxThinColumns: number, zeroFrom?: number): Float32Array;
  /**
   * Grows the workspace to take `floats` values (as allocate() would) and has the operating
   * system map the pages it needs that no workspace has used yet (new memory, or memory expand()
   * grew) now, so that a later allocate() of that size and its first writes do not wait for them:
   * for an idle moment before large work. The values stay (an
   * allocate() with zeroFrom keeps them), but views from earlier calls become invalid and the
   * label is reset when the memory grows. A backend whose workspace is an ordinary array does
   * nothing.
   */
  reserve(floats: number, maxThinColumns: number): void;
  /**
   * Grows the memory to take a workspace of `floats` values, as reserve() would, but maps none of
   * its pages (address space only, no memory in use): for a thread as it starts, so that its later
   * workspaces fit without growing. Growing the memory while the thread's code is warm costs more
   * than the views it invalidates: Chromium's V8 has been seen to throw away a thread's optimised
   * code at such a grow (its ArrayBufferDetaching protector). A later reserve() maps the pages it
   * needs. The values stay; views from earlier calls become invalid and the label is reset when
   * the memory grows. A backend whose workspace is an ordinary array does nothing.
   */
  expand(floats: number, maxThinColumns: number): void;
  /**
   * What the workspace's first values hold, as labelled by the caller after allocate() (block
   * Lanczos: the matrix whose copy, shifted floats or its bytes, is at offset 0); allocate() that may
   * lose them resets it.
   */
  holds: unknown;
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
    accumulate: boolean,
  ): void;
  /** gemmNN with A of unsigned bytes less `shift`, at byte offset `a` (see above). */
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
  ): void;
  /** gemmTN with A of unsigned bytes less `shift`, at byte offset `a` (see above). */
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
  ): void;
  /**
   * Float64 view of `count` doubles at workspace offset `at` (in floats; even), for gemv64x4.
   * Invalidated by allocate().
   */
  doubles(at: number, count: number): Float64Array;
  /**
   * Y[r, j] = Σ_c A[r, c]·X[c, j] for j < 4, in float64, in one pass over A: A float32 (rows ×
   * cols, ld lda); X (cols × 4) and Y (rows × 4) row-major doubles at float offsets.
   */
  gemv64x4(a: number, lda: number, rows: number, cols: number, x: number, y: number): void;
  /** gemv64x4 with A of unsigned bytes less `shift`, at byte offset `a` (see above). */
  gemv64x4Bytes(a: number, lda: number, rows: number, cols: number, x: number, y: number, shift: number): void;
  /** Gram matrix XᵀX (n × n doubles at float offset `out`, even) of X (rows × n, float32), accumulated in float64. n even. */
  gram64(x: number, ldx: number, rows: number, n: number, out: number): void;
  /**
   * One target line's vertical pass of a box filter over 8-bit rows: sums[j] = Σᵢ weights[i] ·
   * bytes[i·stride + j] for j < span, i < count; the sums and weights float64 at float offsets
   * (even), the count rows of unsigned bytes at byte offset `bytes` (from the workspace's start).
   * Equal bit for bit to box-rows.ts's addRows on the same values (the terms in its order).
   */
  boxRowsBytes(sums: number, bytes: number, stride: number, weights: number, count: number, span: number): void;
  /**
   * An 8-bit matrix's statistics: totals[0] += Σ b², totals[1] += Σ b over the `count` unsigned
   * bytes b at byte offset `bytes` (from the workspace's start), exact; the two float64 totals at
   * float offset `totals` (even).
   */
  squaresAndSumBytes(totals: number, bytes: number, count: number): void;
}
