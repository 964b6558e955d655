/**
 * The vertical pass of a box filter in JavaScript: resample.ts's, and the plain backend's
 * boxRowsBytes. The WebAssembly kernels' boxRowsBytes (assembly/kernels.ts) adds the same terms
 * in the same order.
 */

/**
 * `sums` = Σᵢ weights[i] · (the `sums.length` samples of `source` from first + i·stride), for
 * `count` rows: one target line's vertical pass of a box filter. Four source rows per sweep over
 * the sums (a quarter of their loads and stores), and a first sweep of five, which writes the
 * sums rather than adding to cleared ones, when that leaves whole sweeps of four (a 3.5–4×
 * reduction's usual five rows in one sweep, not a sweep of four and one of one); every sum adds
 * its rows in the same order as one row at a time.
 */
export function addRows(
  sums: Float64Array,
  source: Uint8Array | Uint16Array | Float32Array,
  first: number,
  stride: number,
  weights: Float64Array,
  count: number,
): void {
  const span = sums.length;
  let i = 0;
  if (count >= 5 && count % 4 === 1) {
    const w0 = weights[0];
    const w1 = weights[1];
    const w2 = weights[2];
    const w3 = weights[3];
    const w4 = weights[4];
    const s0 = first;
    const s1 = s0 + stride;
    const s2 = s1 + stride;
    const s3 = s2 + stride;
    const s4 = s3 + stride;
    for (let j = 0; j < span; j++) {
      let sum = 0;
      sum += w0 * source[s0 + j];
      sum += w1 * source[s1 + j];
      sum += w2 * source[s2 + j];
      sum += w3 * source[s3 + j];
      sum += w4 * source[s4 + j];
      sums[j] = sum;
    }
    i = 5;
  } else {
    sums.fill(0);
  }
  for (; i + 4 <= count; i += 4) {
    const w0 = weights[i];
    const w1 = weights[i + 1];
    const w2 = weights[i + 2];
    const w3 = weights[i + 3];
    const s0 = first + i * stride;
    const s1 = s0 + stride;
    const s2 = s1 + stride;
    const s3 = s2 + stride;
    for (let j = 0; j < span; j++) {
      let sum = sums[j];
      sum += w0 * source[s0 + j];
      sum += w1 * source[s1 + j];
      sum += w2 * source[s2 + j];
      sum += w3 * source[s3 + j];
      sums[j] = sum;
    }
  }
  for (; i < count; i++) {
    const weight = weights[i];
    const row = first + i * stride;
    for (let j = 0; j < span; j++) sums[j] += weight * source[row + j];
  }
}
