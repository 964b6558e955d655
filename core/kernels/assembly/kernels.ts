// AssemblyScript source of the WebAssembly SIMD128 kernels (compiled by scripts/build-kernels.mjs).
//
// Layout: every matrix is row-major float32 (the big matrix of the *Bytes kernels: unsigned bytes)
// addressed by a byte pointer and a leading dimension (elements between consecutive rows). The right-hand operand of each product is "tall and thin":
// its column count n must be a multiple of 8, because the micro-kernels work on 8 columns (two
// f32x4 lanes) at a time; the engine pads its blocks accordingly.
//
// The trick that makes these fast without FMA: the thin operand is copied ("packed") into a
// contiguous panel of PANEL_DEPTH rows × 8 columns per column group, so the inner loop reads it
// sequentially from L1/L2, while the big matrix is read in place (or, as bytes, from a float32
// copy of the block in use), a few rows (or columns) at a time, and each of its values is splatted and multiplied into 8 accumulators held in registers.

const PANEL_DEPTH: i32 = 256;

// RELAXED is a compile-time constant (asc --use RELAXED=0|1): the relaxed-SIMD build fuses each
// multiply-add into one f32x4.relaxed_madd (an FMA instruction where the CPU has one; V8 falls
// back to a multiply and an add where it has not), the SIMD128 build keeps the two operations.
// (Small enough that the optimizer inlines it at -O3.)
function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// The big operand A of gemmNN, gemmTN and gemvF32F64x4 may instead hold unsigned bytes less an
// integer shift (the *Bytes kernels: an 8-bit image in a quarter of the memory). In gemmNNBytes
// and gemmTNBytes each block of A a micro-kernel is about to read is converted to float32 first,
// into `scratch` (4 · PANEL_DEPTH floats that stay in L1), so the conversion is paid once per
// block rather than once per column group; gemvBytesF64x4 converts each value as it reads it. The
// values are integers, exact in float32, and the sums run in the same order, so the products
// equal those on a float32 copy of A − shift bit for bit. The shared bodies are generic over A's
// element type T (f32 or u8), compiled once for each.

/** dst[r · depth + p] = src[r · stride + p] − shift for r < rows, p < depth: bytes to floats. */
function widenRows(src: usize, stride: usize, rows: i32, depth: i32, shift: f32, dst: usize): void {
  const offset = f32x4.splat(shift);
  for (let r = 0; r < rows; r++) {
    const from = src + <usize>r * stride;
    const to = dst + ((<usize>r * <usize>depth) << 2);
    let p = 0;
    for (; p + 16 <= depth; p += 16) {
      const bytes = v128.load(from + <usize>p);
      const low = i16x8.extend_low_i8x16_u(bytes);
      const high = i16x8.extend_high_i8x16_u(bytes);
      const at = to + ((<usize>p) << 2);
      v128.store(at, f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(low)), offset));
      v128.store(at, f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(low)), offset), 16);
      v128.store(at, f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(high)), offset), 32);
      v128.store(at, f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(high)), offset), 48);
    }
    for (; p < depth; p++) store<f32>(to + ((<usize>p) << 2), <f32>(<i32>load<u8>(from + <usize>p)) - shift);
  }
}

/** dst[p · 4 + c] = src[p · stride + c] − shift for p < depth, c < 4: four columns of bytes to floats. */
function widenColumns4(src: usize, stride: usize, depth: i32, shift: f32, dst: usize): void {
  const offset = f32x4.splat(shift);
  let from = src;
  for (let p = 0; p < depth; p++) {
    const widened = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(from)));
    v128.store(dst + ((<usize>p) << 4), f32x4.sub(f32x4.convert_i32x4_s(widened), offset));
    from += stride;
  }
}

/** dst[p] = src[p · stride] − shift for p < depth: one column of bytes to floats. */
function widenColumn(src: usize, stride: usize, depth: i32, shift: f32, dst: usize): void {
  let from = src;
  for (let p = 0; p < depth; p++) {
    store<f32>(dst + ((<usize>p) << 2), <f32>(<i32>load<u8>(from)) - shift);
    from += stride;
  }
}

export function heapBase(): usize {
  return __heap_base;
}

export function panelDepth(): i32 {
  return PANEL_DEPTH;
}

// panel[group][p][0..7] = alpha · X[p0 + p][8·group .. 8·group + 7]
function packPanel(x: usize, ldx: i32, p0: i32, depth: i32, n: i32, alpha: f32, panel: usize): void {
  const scale = f32x4.splat(alpha);
  const rowStride = (<usize>ldx) << 2;
  for (let c = 0; c < n; c += 8) {
    let dst = panel + ((<usize>(c >> 3) * <usize>depth) << 5);
    let src = x + ((<usize>p0 * <usize>ldx + <usize>c) << 2);
    for (let p = 0; p < depth; p++) {
      v128.store(dst, f32x4.mul(v128.load(src), scale));
      v128.store(dst, f32x4.mul(v128.load(src, 16), scale), 16);
      dst += 32;
      src += rowStride;
    }
  }
}

/**
 * out[m × n] = (accumulate ? out : 0) + alpha · A[m × k] · X[k × n].
 * `panel` is scratch of PANEL_DEPTH · n floats. n % 8 == 0.
 */
export function gemmNN(
  a: usize,
  lda: i32,
  m: i32,
  k: i32,
  x: usize,
  ldx: i32,
  n: i32,
  out: usize,
  ldo: i32,
  alpha: f32,
  accumulate: i32,
  panel: usize,
): void {
  productNN<f32>(a, lda, m, k, x, ldx, n, out, ldo, alpha, accumulate, panel, 0, 0);
}

/**
 * gemmNN with A of unsigned bytes, each less `shift` (an integer): `a` is a byte address and lda
 * counts bytes. `scratch`: 4 · PANEL_DEPTH floats.
 */
export function gemmNNBytes(
  a: usize,
  lda: i32,
  m: i32,
  k: i32,
  x: usize,
  ldx: i32,
  n: i32,
  out: usize,
  ldo: i32,
  alpha: f32,
  accumulate: i32,
  panel: usize,
  shift: f32,
  scratch: usize,
): void {
  productNN<u8>(a, lda, m, k, x, ldx, n, out, ldo, alpha, accumulate, panel, shift, scratch);
}

function productNN<T>(
  a: usize,
  lda: i32,
  m: i32,
  k: i32,
  x: usize,
  ldx: i32,
  n: i32,
  out: usize,
  ldo: i32,
  alpha: f32,
  accumulate: i32,
  panel: usize,
  shift: f32,
  scratch: usize,
): void {
  const zero = f32x4.splat(0);
  const bytes = sizeof<T>() == 1;
  for (let p0 = 0; p0 < k; p0 += PANEL_DEPTH) {
    const depth = min(PANEL_DEPTH, k - p0);
    // Float32 A is read in place; byte A block by block, from its float32 copy in scratch.
    const rowA: usize = bytes ? (<usize>depth) << 2 : (<usize>lda) << 2;
    packPanel(x, ldx, p0, depth, n, alpha, panel);
    const load = accumulate != 0 || p0 > 0;
    let i = 0;
    // Four rows of A at a time: 4 rows × 8 columns = 8 accumulators.
    for (; i + 4 <= m; i += 4) {
      let a0 = a + ((<usize>i * <usize>lda + <usize>p0) << 2);
      if (bytes) {
        widenRows(a + <usize>i * <usize>lda + <usize>p0, <usize>lda, 4, depth, shift, scratch);
        a0 = scratch;
      }
      const a1 = a0 + rowA;
      const a2 = a1 + rowA;
      const a3 = a2 + rowA;
      for (let c = 0; c < n; c += 8) {
        const o0 = out + ((<usize>i * <usize>ldo + <usize>c) << 2);
        const o1 = o0 + ((<usize>ldo) << 2);
        const o2 = o1 + ((<usize>ldo) << 2);
        const o3 = o2 + ((<usize>ldo) << 2);
        let c00 = zero,
          c01 = zero,
          c10 = zero,
          c11 = zero;
        let c20 = zero,
          c21 = zero,
          c30 = zero,
          c31 = zero;
        if (load) {
          c00 = v128.load(o0);
          c01 = v128.load(o0, 16);
          c10 = v128.load(o1);
          c11 = v128.load(o1, 16);
          c20 = v128.load(o2);
          c21 = v128.load(o2, 16);
          c30 = v128.load(o3);
          c31 = v128.load(o3, 16);
        }
        let pp = panel + ((<usize>(c >> 3) * <usize>depth) << 5);
        let q: usize = 0;
        const end = (<usize>depth) << 2;
        for (; q < end; q += 4) {
          const x0 = v128.load(pp);
          const x1 = v128.load(pp, 16);
          const s0 = v128.load32_splat(a0 + q);
          c00 = madd(s0, x0, c00);
          c01 = madd(s0, x1, c01);
          const s1 = v128.load32_splat(a1 + q);
          c10 = madd(s1, x0, c10);
          c11 = madd(s1, x1, c11);
          const s2 = v128.load32_splat(a2 + q);
          c20 = madd(s2, x0, c20);
          c21 = madd(s2, x1, c21);
          const s3 = v128.load32_splat(a3 + q);
          c30 = madd(s3, x0, c30);
          c31 = madd(s3, x1, c31);
          pp += 32;
        }
        v128.store(o0, c00);
        v128.store(o0, c01, 16);
        v128.store(o1, c10);
        v128.store(o1, c11, 16);
        v128.store(o2, c20);
        v128.store(o2, c21, 16);
        v128.store(o3, c30);
        v128.store(o3, c31, 16);
      }
    }
    for (; i < m; i++) {
      let a0 = a + ((<usize>i * <usize>lda + <usize>p0) << 2);
      if (bytes) {
        widenRows(a + <usize>i * <usize>lda + <usize>p0, <usize>lda, 1, depth, shift, scratch);
        a0 = scratch;
      }
      for (let c = 0; c < n; c += 8) {
        const o0 = out + ((<usize>i * <usize>ldo + <usize>c) << 2);
        let c00 = zero,
          c01 = zero;
        if (load) {
          c00 = v128.load(o0);
          c01 = v128.load(o0, 16);
        }
        let pp = panel + ((<usize>(c >> 3) * <usize>depth) << 5);
        const end = (<usize>depth) << 2;
        for (let q: usize = 0; q < end; q += 4) {
          const s0 = v128.load32_splat(a0 + q);
          c00 = madd(s0, v128.load(pp), c00);
          c01 = madd(s0, v128.load(pp, 16), c01);
          pp += 32;
        }
        v128.store(o0, c00);
        v128.store(o0, c01, 16);
      }
    }
  }
}

/**
 * out[k × n] = (accumulate ? out : 0) + A[m × k]ᵀ · Y[m × n], reading A in place (no transpose).
 * `panel` is scratch of PANEL_DEPTH · n floats. n % 8 == 0.
 */
export function gemmTN(
  a: usize,
  lda: i32,
  m: i32,
  k: i32,
  y: usize,
  ldy: i32,
  n: i32,
  out: usize,
  ldo: i32,
  accumulate: i32,
  panel: usize,
): void {
  productTN<f32>(a, lda, m, k, y, ldy, n, out, ldo, accumulate, panel, 0, 0);
}

/**
 * gemmTN with A of unsigned bytes, each less `shift` (an integer): `a` is a byte address and lda
 * counts bytes. `scratch`: 4 · PANEL_DEPTH floats.
 */
export function gemmTNBytes(
  a: usize,
  lda: i32,
  m: i32,
  k: i32,
  y: usize,
  ldy: i32,
  n: i32,
  out: usize,
  ldo: i32,
  accumulate: i32,
  panel: usize,
  shift: f32,
  scratch: usize,
): void {
  productTN<u8>(a, lda, m, k, y, ldy, n, out, ldo, accumulate, panel, shift, scratch);
}

function productTN<T>(
  a: usize,
  lda: i32,
  m: i32,
  k: i32,
  y: usize,
  ldy: i32,
  n: i32,
  out: usize,
  ldo: i32,
  accumulate: i32,
  panel: usize,
  shift: f32,
  scratch: usize,
): void {
  const zero = f32x4.splat(0);
  const bytes = sizeof<T>() == 1;
  // Float32 A is read in place; byte A four columns (or one) at a time, from its float32 copy in scratch.
  const rowA: usize = bytes ? 16 : (<usize>lda) << 2;
  const columnA: usize = bytes ? 4 : (<usize>lda) << 2;
  const rowO = (<usize>ldo) << 2;
  for (let p0 = 0; p0 < m; p0 += PANEL_DEPTH) {
    const depth = min(PANEL_DEPTH, m - p0);
    packPanel(y, ldy, p0, depth, n, 1.0, panel);
    const load = accumulate != 0 || p0 > 0;
    let j = 0;
    // Four columns of A at a time: one 16-byte load of A[p, j..j+3] per step, lanes splatted by
    // shuffles (a different execution port from the multiplies and adds).
    for (; j + 4 <= k; j += 4) {
      let aBase = a + ((<usize>p0 * <usize>lda + <usize>j) << 2);
      if (bytes) {
        widenColumns4(a + <usize>p0 * <usize>lda + <usize>j, <usize>lda, depth, shift, scratch);
        aBase = scratch;
      }
      for (let c = 0; c < n; c += 8) {
        const o0 = out + ((<usize>j * <usize>ldo + <usize>c) << 2);
        const o1 = o0 + rowO;
        const o2 = o1 + rowO;
        const o3 = o2 + rowO;
        let c00 = zero,
          c01 = zero,
          c10 = zero,
          c11 = zero;
        let c20 = zero,
          c21 = zero,
          c30 = zero,
          c31 = zero;
        if (load) {
          c00 = v128.load(o0);
          c01 = v128.load(o0, 16);
          c10 = v128.load(o1);
          c11 = v128.load(o1, 16);
          c20 = v128.load(o2);
          c21 = v128.load(o2, 16);
          c30 = v128.load(o3);
          c31 = v128.load(o3, 16);
        }
        let pp = panel + ((<usize>(c >> 3) * <usize>depth) << 5);
        let pa = aBase;
        for (let p = 0; p < depth; p++) {
          const av = v128.load(pa);
          const x0 = v128.load(pp);
          const x1 = v128.load(pp, 16);
          const s0 = v128.shuffle<f32>(av, av, 0, 0, 0, 0);
          c00 = madd(s0, x0, c00);
          c01 = madd(s0, x1, c01);
          const s1 = v128.shuffle<f32>(av, av, 1, 1, 1, 1);
          c10 = madd(s1, x0, c10);
          c11 = madd(s1, x1, c11);
          const s2 = v128.shuffle<f32>(av, av, 2, 2, 2, 2);
          c20 = madd(s2, x0, c20);
          c21 = madd(s2, x1, c21);
          const s3 = v128.shuffle<f32>(av, av, 3, 3, 3, 3);
          c30 = madd(s3, x0, c30);
          c31 = madd(s3, x1, c31);
          pa += rowA;
          pp += 32;
        }
        v128.store(o0, c00);
        v128.store(o0, c01, 16);
        v128.store(o1, c10);
        v128.store(o1, c11, 16);
        v128.store(o2, c20);
        v128.store(o2, c21, 16);
        v128.store(o3, c30);
        v128.store(o3, c31, 16);
      }
    }
    for (; j < k; j++) {
      let aBase = a + ((<usize>p0 * <usize>lda + <usize>j) << 2);
      if (bytes) {
        widenColumn(a + <usize>p0 * <usize>lda + <usize>j, <usize>lda, depth, shift, scratch);
        aBase = scratch;
      }
      for (let c = 0; c < n; c += 8) {
        const o0 = out + ((<usize>j * <usize>ldo + <usize>c) << 2);
        let c00 = zero,
          c01 = zero;
        if (load) {
          c00 = v128.load(o0);
          c01 = v128.load(o0, 16);
        }
        let pp = panel + ((<usize>(c >> 3) * <usize>depth) << 5);
        let pa = aBase;
        for (let p = 0; p < depth; p++) {
          const s0 = v128.load32_splat(pa);
          c00 = madd(s0, v128.load(pp), c00);
          c01 = madd(s0, v128.load(pp, 16), c01);
          pa += columnA;
          pp += 32;
        }
        v128.store(o0, c00);
        v128.store(o0, c01, 16);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Float64 vector kernels for the small dense problems (the eigenproblem of the projected matrix,
// its Gram matrix). Pointers are byte addresses of float64 arrays; two lanes per f64x2.

/** Σ x[i]·y[i] */
export function dot64(x: usize, y: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  const acc = f64x2.add(acc0, acc1);
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) sum += load<f64>(x + ((<usize>i) << 3)) * load<f64>(y + ((<usize>i) << 3));
  return sum;
}

/** y[i] += alpha·x[i] */
export function axpy64(alpha: f64, x: usize, y: usize, n: i32): void {
  const a = f64x2.splat(alpha);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = (<usize>i) << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(a, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/** returns Σ t[i]·d[i] and does e[i] += f·t[i] (the symmetric matrix–vector step of tridiagonalization) */
export function dotAxpy64(t: usize, d: usize, e: usize, n: i32, f: f64): f64 {
  const vf = f64x2.splat(f);
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = (<usize>i) << 3;
    const tv = v128.load(t + o);
    acc = f64x2.add(acc, f64x2.mul(tv, v128.load(d + o)));
    v128.store(e + o, f64x2.add(v128.load(e + o), f64x2.mul(vf, tv)));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const o = (<usize>i) << 3;
    const tv = load<f64>(t + o);
    sum += tv * load<f64>(d + o);
    store<f64>(e + o, load<f64>(e + o) + f * tv);
  }
  return sum;
}

/** t[i] -= f·e[i] + g·d[i] (the rank-two update of tridiagonalization) */
export function rank2Update64(t: usize, e: usize, d: usize, n: i32, f: f64, g: f64): void {
  const vf = f64x2.splat(f);
  const vg = f64x2.splat(g);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = (<usize>i) << 3;
    const update = f64x2.add(f64x2.mul(vf, v128.load(e + o)), f64x2.mul(vg, v128.load(d + o)));
    v128.store(t + o, f64x2.sub(v128.load(t + o), update));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 3;
    store<f64>(t + o, load<f64>(t + o) - (f * load<f64>(e + o) + g * load<f64>(d + o)));
  }
}

/** Plane rotation of two rows: (x, y) ← (c·x − s·y, s·x + c·y) */
export function rotate64(x: usize, y: usize, n: i32, c: f64, s: f64): void {
  const vc = f64x2.splat(c);
  const vs = f64x2.splat(s);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = (<usize>i) << 3;
    const xv = v128.load(x + o);
    const yv = v128.load(y + o);
    v128.store(x + o, f64x2.sub(f64x2.mul(vc, xv), f64x2.mul(vs, yv)));
    v128.store(y + o, f64x2.add(f64x2.mul(vs, xv), f64x2.mul(vc, yv)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 3;
    const xv = load<f64>(x + o);
    const yv = load<f64>(y + o);
    store<f64>(x + o, c * xv - s * yv);
    store<f64>(y + o, s * xv + c * yv);
  }
}

/**
 * Y[r, 0..3] = Σ_c A[r, c] · X[c, 0..3] with A float32 (row-major, ld lda) and X (cols × 4), Y
 * (rows × 4) float64, row-major: four float64 matrix–vector products in one pass over A, for
 * the Rayleigh quotients of the refined components, which float32 sums cannot resolve.
 */
export function gemvF32F64x4(a: usize, lda: i32, rows: i32, cols: i32, x: usize, y: usize): void {
  productF64x4<f32>(a, lda, rows, cols, x, y, 0);
}

/** gemvF32F64x4 with A of unsigned bytes, each less `shift` (an integer): `a` is a byte address and lda counts bytes. */
export function gemvBytesF64x4(a: usize, lda: i32, rows: i32, cols: i32, x: usize, y: usize, shift: f32): void {
  productF64x4<u8>(a, lda, rows, cols, x, y, shift);
}

/** Element `p` (a byte address) of A, as float32. */
function elementOf<T>(p: usize, shift: f32): f32 {
  if (sizeof<T>() == 1) return <f32>(<i32>load<u8>(p)) - shift;
  return load<f32>(p);
}

function productF64x4<T>(a: usize, lda: i32, rows: i32, cols: i32, x: usize, y: usize, shift: f32): void {
  const size = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const row = a + <usize>r * <usize>lda * size;
    let acc01 = f64x2.splat(0);
    let acc23 = f64x2.splat(0);
    let odd01 = f64x2.splat(0);
    let odd23 = f64x2.splat(0);
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const xc = x + ((<usize>c) << 5);
      const a0 = f64x2.splat(<f64>elementOf<T>(row + <usize>c * size, shift));
      const a1 = f64x2.splat(<f64>elementOf<T>(row + (<usize>c + 1) * size, shift));
      acc01 = f64x2.add(acc01, f64x2.mul(a0, v128.load(xc)));
      acc23 = f64x2.add(acc23, f64x2.mul(a0, v128.load(xc, 16)));
      odd01 = f64x2.add(odd01, f64x2.mul(a1, v128.load(xc, 32)));
      odd23 = f64x2.add(odd23, f64x2.mul(a1, v128.load(xc, 48)));
    }
    for (; c < cols; c++) {
      const xc = x + ((<usize>c) << 5);
      const a0 = f64x2.splat(<f64>elementOf<T>(row + <usize>c * size, shift));
      acc01 = f64x2.add(acc01, f64x2.mul(a0, v128.load(xc)));
      acc23 = f64x2.add(acc23, f64x2.mul(a0, v128.load(xc, 16)));
    }
    const out = y + ((<usize>r) << 5);
    v128.store(out, f64x2.add(acc01, odd01));
    v128.store(out, f64x2.add(acc23, odd23), 16);
  }
}

/**
 * G[j·n + c] = Σ_r X[r, j]·X[r, c] for j, c < n: the Gram matrix of a float32 block (rows × n,
 * ld ldx) accumulated in float64, so CholeskyQR can orthonormalize blocks whose condition
 * number is far beyond what a float32 Gram resolves. n % 2 == 0.
 */
export function gramF64(x: usize, ldx: i32, rows: i32, n: i32, out: usize): void {
  memory.fill(out, 0, (<usize>(n * n)) << 3);
  // Rows in chunks that stay in L1; for each pair (j, 4 columns c…c+3 with c ≥ j rounded down)
  // the chunk's products accumulate in registers. The lower triangle is mirrored at the end.
  const CHUNK = 64;
  const rowBytes = (<usize>ldx) << 2;
  for (let r0 = 0; r0 < rows; r0 += CHUNK) {
    const r1 = min(rows, r0 + CHUNK);
    for (let j = 0; j < n; j++) {
      const first = j & ~3;
      for (let c = first; c < n; c += 4) {
        let acc0 = f64x2.splat(0);
        let acc1 = f64x2.splat(0);
        let row = x + <usize>r0 * rowBytes;
        if (c + 4 <= n) {
          for (let r = r0; r < r1; r++) {
            const xj = f64x2.splat(<f64>load<f32>(row + ((<usize>j) << 2)));
            const values = v128.load(row + ((<usize>c) << 2));
            acc0 = f64x2.add(acc0, f64x2.mul(xj, f64x2.promote_low_f32x4(values)));
            acc1 = f64x2.add(acc1, f64x2.mul(xj, f64x2.promote_low_f32x4(v128.shuffle<f32>(values, values, 2, 3, 0, 1))));
            row += rowBytes;
          }
          const at = out + ((<usize>(j * n + c)) << 3);
          v128.store(at, f64x2.add(v128.load(at), acc0));
          v128.store(at, f64x2.add(v128.load(at, 16), acc1), 16);
        } else {
          // n % 4 == 2: the last two columns
          for (let r = r0; r < r1; r++) {
            const xj = f64x2.splat(<f64>load<f32>(row + ((<usize>j) << 2)));
            acc0 = f64x2.add(acc0, f64x2.mul(xj, f64x2.promote_low_f32x4(v128.load64_zero(row + ((<usize>c) << 2)))));
            row += rowBytes;
          }
          const at = out + ((<usize>(j * n + c)) << 3);
          v128.store(at, f64x2.add(v128.load(at), acc0));
        }
      }
    }
  }
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < (j & ~3); c++) store<f64>(out + ((<usize>(j * n + c)) << 3), load<f64>(out + ((<usize>(c * n + j)) << 3)));
  }
}

/** Four unsigned bytes at `p` widened to four u32 lanes. */
function fourBytes(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

/** Lanes 0 and 1 of four u32 lanes as two float64. */
function lowPair(v: v128): v128 {
  return f64x2.convert_low_i32x4_u(v);
}

/** Lanes 2 and 3 of four u32 lanes as two float64. */
function highPair(v: v128): v128 {
  return f64x2.convert_low_i32x4_u(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}

/**
 * sums[j] = Σᵢ weights[i] · bytes[i·stride + j] for j < span (float64 sums and weights, unsigned
 * bytes): one target line's vertical pass of a box filter over 8-bit rows. Each sum adds its
 * rows' terms in the order core/kernels/box-rows.ts's addRows does — a first sweep of five
 * that writes the sums when that leaves whole sweeps of four, else cleared sums, then sweeps of
 * four, then single rows — each a float64 multiply and then an add (never fused), so the sums
 * equal its bit for bit. Four sums at a time, two float64 lanes each.
 */
export function boxRowsBytes(sums: usize, bytes: usize, stride: i32, weights: usize, count: i32, span: i32): void {
  const s = <usize>stride;
  let i = 0;
  if (count >= 5 && count % 4 == 1) {
    const w0 = load<f64>(weights);
    const w1 = load<f64>(weights, 8);
    const w2 = load<f64>(weights, 16);
    const w3 = load<f64>(weights, 24);
    const w4 = load<f64>(weights, 32);
    const v0 = f64x2.splat(w0);
    const v1 = f64x2.splat(w1);
    const v2 = f64x2.splat(w2);
    const v3 = f64x2.splat(w3);
    const v4 = f64x2.splat(w4);
    let j = 0;
    for (; j + 4 <= span; j += 4) {
      const p = bytes + <usize>j;
      const a = fourBytes(p);
      const b = fourBytes(p + s);
      const c = fourBytes(p + 2 * s);
      const d = fourBytes(p + 3 * s);
      const e = fourBytes(p + 4 * s);
      let low = f64x2.mul(v0, lowPair(a));
      let high = f64x2.mul(v0, highPair(a));
      low = f64x2.add(low, f64x2.mul(v1, lowPair(b)));
      high = f64x2.add(high, f64x2.mul(v1, highPair(b)));
      low = f64x2.add(low, f64x2.mul(v2, lowPair(c)));
      high = f64x2.add(high, f64x2.mul(v2, highPair(c)));
      low = f64x2.add(low, f64x2.mul(v3, lowPair(d)));
      high = f64x2.add(high, f64x2.mul(v3, highPair(d)));
      low = f64x2.add(low, f64x2.mul(v4, lowPair(e)));
      high = f64x2.add(high, f64x2.mul(v4, highPair(e)));
      const o = sums + ((<usize>j) << 3);
      v128.store(o, low);
      v128.store(o, high, 16);
    }
    for (; j < span; j++) {
      const p = bytes + <usize>j;
      let sum: f64 = w0 * <f64>load<u8>(p);
      sum += w1 * <f64>load<u8>(p + s);
      sum += w2 * <f64>load<u8>(p + 2 * s);
      sum += w3 * <f64>load<u8>(p + 3 * s);
      sum += w4 * <f64>load<u8>(p + 4 * s);
      store<f64>(sums + ((<usize>j) << 3), sum);
    }
    i = 5;
  } else {
    memory.fill(sums, 0, (<usize>span) << 3);
  }
  for (; i + 4 <= count; i += 4) {
    const at = weights + ((<usize>i) << 3);
    const w0 = load<f64>(at);
    const w1 = load<f64>(at, 8);
    const w2 = load<f64>(at, 16);
    const w3 = load<f64>(at, 24);
    const v0 = f64x2.splat(w0);
    const v1 = f64x2.splat(w1);
    const v2 = f64x2.splat(w2);
    const v3 = f64x2.splat(w3);
    const first = bytes + <usize>i * s;
    let j = 0;
    for (; j + 4 <= span; j += 4) {
      const p = first + <usize>j;
      const a = fourBytes(p);
      const b = fourBytes(p + s);
      const c = fourBytes(p + 2 * s);
      const d = fourBytes(p + 3 * s);
      const o = sums + ((<usize>j) << 3);
      let low = v128.load(o);
      let high = v128.load(o, 16);
      low = f64x2.add(low, f64x2.mul(v0, lowPair(a)));
      high = f64x2.add(high, f64x2.mul(v0, highPair(a)));
      low = f64x2.add(low, f64x2.mul(v1, lowPair(b)));
      high = f64x2.add(high, f64x2.mul(v1, highPair(b)));
      low = f64x2.add(low, f64x2.mul(v2, lowPair(c)));
      high = f64x2.add(high, f64x2.mul(v2, highPair(c)));
      low = f64x2.add(low, f64x2.mul(v3, lowPair(d)));
      high = f64x2.add(high, f64x2.mul(v3, highPair(d)));
      v128.store(o, low);
      v128.store(o, high, 16);
    }
    for (; j < span; j++) {
      const p = first + <usize>j;
      const o = sums + ((<usize>j) << 3);
      let sum = load<f64>(o);
      sum += w0 * <f64>load<u8>(p);
      sum += w1 * <f64>load<u8>(p + s);
      sum += w2 * <f64>load<u8>(p + 2 * s);
      sum += w3 * <f64>load<u8>(p + 3 * s);
      store<f64>(o, sum);
    }
  }
  for (; i < count; i++) {
    const w = load<f64>(weights + ((<usize>i) << 3));
    const v = f64x2.splat(w);
    const row = bytes + <usize>i * s;
    let j = 0;
    for (; j + 4 <= span; j += 4) {
      const a = fourBytes(row + <usize>j);
      const o = sums + ((<usize>j) << 3);
      v128.store(o, f64x2.add(v128.load(o), f64x2.mul(v, lowPair(a))));
      v128.store(o, f64x2.add(v128.load(o, 16), f64x2.mul(v, highPair(a))), 16);
    }
    for (; j < span; j++) {
      const o = sums + ((<usize>j) << 3);
      store<f64>(o, load<f64>(o) + w * <f64>load<u8>(row + <usize>j));
    }
  }
}

/** Vectors of 16 bytes squaresAndSumBytes adds in 32-bit lanes: each adds at most 4 · 255² per lane, so 8192 stay below 2³¹. */
const STATISTICS_RUN = 8192;

/**
 * totals[0] += Σ bytes[i]², totals[1] += Σ bytes[i] for i < count (float64 totals, unsigned
 * bytes): an 8-bit matrix's statistics, exact. Sixteen bytes at a time, their squares and sums in
 * 32-bit integer lanes, moved into the float64 totals every STATISTICS_RUN vectors; the bytes
 * left over one at a time.
 */
export function squaresAndSumBytes(totals: usize, bytes: usize, count: i32): void {
  let squares: f64 = 0;
  let sum: f64 = 0;
  const vectors = count >>> 4;
  let v = 0;
  while (v < vectors) {
    const end = min(vectors, v + STATISTICS_RUN);
    let laneSquares = i32x4.splat(0);
    let laneSums = i32x4.splat(0);
    for (; v < end; v++) {
      const x = v128.load(bytes + ((<usize>v) << 4));
      const low = i16x8.extend_low_i8x16_u(x);
      const high = i16x8.extend_high_i8x16_u(x);
      laneSquares = i32x4.add(laneSquares, i32x4.add(i32x4.dot_i16x8_s(low, low), i32x4.dot_i16x8_s(high, high)));
      laneSums = i32x4.add(laneSums, i32x4.extadd_pairwise_i16x8_u(i16x8.add(low, high)));
    }
    squares +=
      <f64>i32x4.extract_lane(laneSquares, 0) +
      <f64>i32x4.extract_lane(laneSquares, 1) +
      <f64>i32x4.extract_lane(laneSquares, 2) +
      <f64>i32x4.extract_lane(laneSquares, 3);
    sum +=
      <f64>i32x4.extract_lane(laneSums, 0) +
      <f64>i32x4.extract_lane(laneSums, 1) +
      <f64>i32x4.extract_lane(laneSums, 2) +
      <f64>i32x4.extract_lane(laneSums, 3);
  }
  for (let i = vectors << 4; i < count; i++) {
    const value = <f64>load<u8>(bytes + <usize>i);
    squares += value * value;
    sum += value;
  }
  store<f64>(totals, load<f64>(totals) + squares);
  store<f64>(totals, load<f64>(totals, 8) + sum, 8);
}
