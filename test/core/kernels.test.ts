/**
 * The product kernels of every backend (relaxed SIMD, SIMD128, plain) against a float64
 * reference, their byte-matrix variants against the float32 ones, the relaxed build against
 * SIMD128, and which backend 'auto' picks.
 * Tolerance: float32 accumulation of k terms; we allow 2e-5 of the row/column norm products,
 * far above what either kernel shows (≈ 1e-7…1e-6) and far below any real indexing mistake.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bestKernelKind, createKernels, relaxedSimdAvailable, simdAvailable, type KernelBackend } from '../../core/index.js';
import { randomMatrix } from '../helpers/samples.js';
import { addRows } from '../../core/kernels/box-rows.js';

function referenceNN(a: Float32Array, m: number, k: number, x: Float32Array, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let c = 0; c < n; c++) out[i * n + c] += a[i * k + p] * x[p * n + c];
  return out;
}

function referenceTN(a: Float32Array, m: number, k: number, y: Float32Array, n: number): Float64Array {
  const out = new Float64Array(k * n);
  for (let p = 0; p < m; p++) for (let j = 0; j < k; j++) for (let c = 0; c < n; c++) out[j * n + c] += a[p * k + j] * y[p * n + c];
  return out;
}

function maxRelative(actual: Float32Array, expected: Float64Array, scale: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

// Sizes that exercise the 4-row/4-column micro-kernels, their remainders and the panel depth (256).
const shapes = [
  { m: 1, k: 1, n: 8 },
  { m: 7, k: 5, n: 16 },
  { m: 33, k: 300, n: 24 },
  { m: 258, k: 517, n: 64 },
];

describe.each(['relaxed', 'simd', 'plain'] as const)('%s kernels', (kind) => {
  async function backend(): Promise<KernelBackend> {
    return createKernels(kind);
  }

  it.each(shapes)('gemmNN and gemmTN match float64 products for %o', async ({ m, k, n }) => {
    const kernels = await backend();
    const a = randomMatrix(m, k, 1).data;
    const x = randomMatrix(k, n, 2).data;
    const y = randomMatrix(m, n, 3).data;
    // layout: A | X | Y | out(m×n) | out(k×n), with leading dimensions equal to widths
    const offA = 0,
      offX = m * k,
      offY = offX + k * n,
      offNN = offY + m * n,
      offTN = offNN + m * n;
    const ws = kernels.allocate(offTN + k * n, n);
    ws.set(a, offA);
    ws.set(x, offX);
    ws.set(y, offY);
    kernels.gemmNN(offA, k, m, k, offX, n, n, offNN, n, 1, false);
    kernels.gemmTN(offA, k, m, k, offY, n, n, offTN, n, false);
    expect(maxRelative(ws.subarray(offNN, offNN + m * n), referenceNN(a, m, k, x, n), Math.max(1, Math.sqrt(k)))).toBeLessThan(2e-5);
    expect(maxRelative(ws.subarray(offTN, offTN + k * n), referenceTN(a, m, k, y, n), Math.max(1, Math.sqrt(m)))).toBeLessThan(2e-5);

    // alpha = -1 with accumulation: out ← out − A·X brings it back to zero.
    kernels.gemmNN(offA, k, m, k, offX, n, n, offNN, n, -1, true);
    for (let i = 0; i < m * n; i++) expect(Math.abs(ws[offNN + i])).toBeLessThan(1e-4 * Math.sqrt(k));
    // accumulate in gemmTN doubles the result.
    const once = Float32Array.from(ws.subarray(offTN, offTN + k * n));
    kernels.gemmTN(offA, k, m, k, offY, n, n, offTN, n, true);
    for (let i = 0; i < k * n; i++) expect(ws[offTN + i]).toBeCloseTo(2 * once[i], 3);
  });

  it.each([2, 6, 32, 33])('gram64 is XᵀX in float64 (n = %i), gemv64x4 is A·[x₁ … x₄] in float64', async (n) => {
    const kernels = await backend();
    const rows = 301,
      ld = n + 3;
    const x = randomMatrix(rows, ld, 6).data;
    const even = n - (n % 2);
    const offX = 0,
      offGram = rows * ld + ((rows * ld) & 1),
      offVectors = offGram + 2 * even * even,
      offResult = offVectors + 2 * 4 * n;
    const ws = kernels.allocate(offResult + 2 * 4 * rows, n + 8);
    ws.set(x, offX);
    kernels.gram64(offX + 1, ld, rows, even, offGram);
    const gram = kernels.doubles(offGram, even * even);
    for (let j = 0; j < even; j++)
      for (let c = 0; c < even; c++) {
        let expected = 0;
        for (let r = 0; r < rows; r++) expected += x[r * ld + 1 + j] * x[r * ld + 1 + c];
        expect(Math.abs(gram[j * even + c] - expected)).toBeLessThan(1e-12 * rows);
      }
    // Four vectors side by side (an odd n exercises the kernel's last column).
    const vectors = kernels.doubles(offVectors, 4 * n);
    const entry = (c: number, j: number) => Math.cos(c + 0.7 * j) * 10 ** j;
    for (let c = 0; c < n; c++) for (let j = 0; j < 4; j++) vectors[4 * c + j] = entry(c, j);
    kernels.gemv64x4(offX + 1, ld, rows, n, offVectors, offResult);
    const result = kernels.doubles(offResult, 4 * rows);
    for (let r = 0; r < rows; r += 17)
      for (let j = 0; j < 4; j++) {
        let expected = 0;
        for (let c = 0; c < n; c++) expected += x[r * ld + 1 + c] * entry(c, j);
        expect(Math.abs(result[4 * r + j] - expected)).toBeLessThan(1e-12 * n * 10 ** j);
      }
  });

  it('allocate keeps the values below zeroFrom (and their label) and clears the rest', async () => {
    const kernels = await backend();
    const label = new Float32Array(1);
    kernels.allocate(100, 8).fill(7);
    kernels.holds = label;
    const grown = kernels.allocate(5000, 8, 40);
    // Only the WebAssembly backends keep memory; plain starts afresh and drops the label.
    if (kind === 'plain') expect(kernels.holds).toBeNull();
    else {
      expect(kernels.holds).toBe(label);
      expect(Array.from(grown.subarray(0, 40))).toEqual(new Array(40).fill(7));
    }
    expect(grown.subarray(40).every((value) => value === 0)).toBe(true);
    kernels.allocate(100, 8);
    expect(kernels.holds).toBeNull();
  });

  it('reserve grows the workspace ahead: the values stay for an allocate that keeps them, the label goes', async () => {
    const kernels = await backend();
    kernels.allocate(100, 8).fill(3);
    kernels.holds = new Float32Array(1);
    kernels.reserve(3_000_000, 8);
    if (kind !== 'plain') expect(kernels.holds).toBeNull();
    const large = kernels.allocate(3_000_000, 8, 100);
    expect(large.length).toBe(3_000_000);
    expect(large.subarray(100).every((value) => value === 0)).toBe(true);
    if (kind !== 'plain') expect(Array.from(large.subarray(0, 100))).toEqual(new Array(100).fill(3));
    // Reserving what is there already changes nothing.
    const label = new Float32Array(1);
    kernels.holds = label;
    kernels.reserve(1000, 8);
    expect(kernels.holds).toBe(label);
  });

  it('boxRowsBytes equals addRows (the JavaScript vertical pass) bit for bit in float64, for 1 to 11 rows and spans off multiples of 4', async () => {
    const kernels = await backend();
    for (const count of [1, 2, 3, 4, 5, 6, 8, 9, 11])
      for (const span of [1, 3, 4, 7, 30, 99]) {
        const stride = span + 3;
        const source = Uint8Array.from({ length: count * stride }, (_, i) => (i * 7919 + count) % 256);
        // Weights with full mantissas: a sum in another order, or fused, would differ in its last bits.
        const weights = Float64Array.from({ length: count }, (_, i) => Math.sqrt(i + 2) / (count + 1));
        const expected = new Float64Array(span).fill(123);
        addRows(expected, source, 0, stride, weights, count);
        const offWeights = 2 * span;
        const offBytes = offWeights + 2 * count;
        const workspace = kernels.allocate(offBytes + Math.ceil(source.length / 4), 8);
        new Uint8Array(workspace.buffer, workspace.byteOffset + 4 * offBytes, source.length).set(source);
        kernels.doubles(offWeights, count).set(weights);
        kernels.doubles(0, span).fill(123);
        kernels.boxRowsBytes(0, 4 * offBytes, stride, offWeights, count, span);
        expect(Array.from(kernels.doubles(0, span)), `${count} rows of ${span}`).toEqual(Array.from(expected));
      }
  });

  it('squaresAndSumBytes adds the exact sums of squares and of the bytes to its totals, past what a 32-bit lane holds', async () => {
    const kernels = await backend();
    // 300 000 bytes of 255 first: their squares pass 2³¹ well within one kernel call (a run of
    // vectors too long for 32-bit lanes would wrap), then pseudo-random bytes; odd lengths and offsets leave tails.
    const source = Uint8Array.from({ length: 400_003 }, (_, i) => (i < 300_000 ? 255 : (i * 2654435761) >>> 24));
    const workspace = kernels.allocate(4 + Math.ceil((source.length + 3) / 4), 8);
    for (const [offset, count] of [
      [0, 0],
      [1, 1],
      [3, 15],
      [16, 16],
      [5, 17],
      [16, 300_000],
      [3, 400_003],
    ]) {
      new Uint8Array(workspace.buffer, workspace.byteOffset + 16 + offset, count).set(source.subarray(0, count));
      kernels.doubles(0, 2).set([7, 11]);
      kernels.squaresAndSumBytes(0, 16 + offset, count);
      let squares = 7;
      let sum = 11;
      for (let i = 0; i < count; i++) {
        squares += source[i] * source[i];
        sum += source[i];
      }
      expect(Array.from(kernels.doubles(0, 2)), `${count} bytes at ${offset}`).toEqual([squares, sum]);
    }
  });

  it('expand grows the memory ahead without a later reserve or allocate of that size growing it: views stay valid, values stay', async () => {
    const kernels = await backend();
    kernels.allocate(100, 8).fill(3);
    kernels.expand(3_500_000, 8);
    const kept = kernels.allocate(100, 8, 100);
    if (kind !== 'plain') expect(Array.from(kept)).toEqual(new Array(100).fill(3));
    const label = new Float32Array(1);
    kernels.holds = label;
    // Within the expanded memory: reserve maps pages, allocate grows nothing, so `kept` is still a
    // view of the workspace (a grown WebAssembly memory would have detached it: length 0).
    kernels.reserve(2_000_000, 8);
    expect(kernels.holds).toBe(label);
    const large = kernels.allocate(3_000_000, 8, 100);
    expect(kept.length).toBe(100);
    expect(large.length).toBe(3_000_000);
    expect(large.subarray(100).every((value) => value === 0)).toBe(true);
    large[5] = 9;
    if (kind !== 'plain') expect(kept[5]).toBe(9);
    // A workspace allocated in the expanded memory keeps its values through a reserve() of more.
    // (A value with no zero byte: reserve() maps a page by writing a zero byte.)
    const value = Math.fround(1.1);
    large.fill(value, 100);
    kernels.reserve(3_400_000, 8);
    expect(kept.length).toBe(100);
    expect(large.subarray(100).every((v) => v === value)).toBe(true);
    // Past the expansion, reserve grows as before: the label goes, the values stay.
    kernels.reserve(5_000_000, 8);
    if (kind !== 'plain') {
      expect(kernels.holds).toBeNull();
      expect(kept.length).toBe(0);
    }
    const larger = kernels.allocate(5_000_000, 8, 100);
    expect(larger[5]).toBe(kind === 'plain' ? 0 : 9);
    expect(larger.subarray(100).every((value) => value === 0)).toBe(true);
  });

  it.each([...shapes, { m: 5, k: 3, n: 8 }, { m: 301, k: 259, n: 16 }])(
    'gemmNNBytes, gemmTNBytes and gemv64x4Bytes equal gemmNN, gemmTN and gemv64x4 on float32 A − shift, bit for bit, for %o',
    async ({ m, k, n }) => {
      const kernels = await backend();
      // A's bytes are a sub-block (lda > k) starting at an odd byte, as a row chunk of the engine's A may.
      const lda = k + 5;
      const shift = 117;
      const bytes = new Uint8Array(m * lda);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
      const x = randomMatrix(k, n, 2).data;
      const y = randomMatrix(m, n, 3).data;
      // layout (floats): A − shift (m × lda) | A's bytes | X | Y | four outputs | gemv: X4, two Y4 (doubles)
      const offA = 0;
      const offBytes = m * lda;
      const offX = offBytes + Math.ceil((m * lda + 3) / 4);
      const offY = offX + k * n;
      const [offNN, offNNBytes] = [offY + m * n, offY + 2 * m * n];
      const [offTN, offTNBytes] = [offY + 3 * m * n, offY + 3 * m * n + k * n];
      let offVectors = offTNBytes + k * n;
      offVectors += offVectors & 1;
      const [offRows, offRowsBytes] = [offVectors + 8 * k, offVectors + 8 * k + 8 * m];
      const ws = kernels.allocate(offRowsBytes + 8 * m, n);
      for (let i = 0; i < bytes.length; i++) ws[offA + i] = bytes[i] - shift;
      const byteAt = 4 * offBytes + 3;
      new Uint8Array(ws.buffer, ws.byteOffset).set(bytes, byteAt);
      ws.set(x, offX);
      ws.set(y, offY);
      const vectors = kernels.doubles(offVectors, 4 * k);
      for (let i = 0; i < 4 * k; i++) vectors[i] = Math.cos(i) * 10 ** (i % 4);

      kernels.gemmNN(offA + 1, lda, m, k, offX, n, n, offNN, n, -0.5, false);
      kernels.gemmNNBytes(byteAt + 1, lda, m, k, offX, n, n, offNNBytes, n, -0.5, false, shift);
      kernels.gemmTN(offA + 1, lda, m, k, offY, n, n, offTN, n, false);
      kernels.gemmTNBytes(byteAt + 1, lda, m, k, offY, n, n, offTNBytes, n, false, shift);
      kernels.gemv64x4(offA + 1, lda, m, k, offVectors, offRows);
      kernels.gemv64x4Bytes(byteAt + 1, lda, m, k, offVectors, offRowsBytes, shift);
      expect(ws.slice(offNNBytes, offNNBytes + m * n)).toEqual(ws.slice(offNN, offNN + m * n));
      expect(ws.slice(offTNBytes, offTNBytes + k * n)).toEqual(ws.slice(offTN, offTN + k * n));
      expect(kernels.doubles(offRowsBytes, 4 * m)).toEqual(kernels.doubles(offRows, 4 * m));
      // Accumulating: the same again.
      kernels.gemmNN(offA + 1, lda, m, k, offX, n, n, offNN, n, 1, true);
      kernels.gemmNNBytes(byteAt + 1, lda, m, k, offX, n, n, offNNBytes, n, 1, true, shift);
      kernels.gemmTN(offA + 1, lda, m, k, offY, n, n, offTN, n, true);
      kernels.gemmTNBytes(byteAt + 1, lda, m, k, offY, n, n, offTNBytes, n, true, shift);
      expect(ws.slice(offNNBytes, offNNBytes + m * n)).toEqual(ws.slice(offNN, offNN + m * n));
      expect(ws.slice(offTNBytes, offTNBytes + k * n)).toEqual(ws.slice(offTN, offTN + k * n));
      // And right: against the float64 reference of the shifted values.
      const shifted = new Float32Array(m * k);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) shifted[i * k + p] = bytes[i * lda + 1 + p] - shift;
      const scale = 255 * Math.max(1, Math.sqrt(Math.max(m, k)));
      expect(
        maxRelative(
          ws.subarray(offTNBytes, offTNBytes + k * n),
          referenceTN(shifted, m, k, y, n).map((v) => 2 * v),
          scale,
        ),
      ).toBeLessThan(2e-5);
      expect(
        maxRelative(
          ws.subarray(offNNBytes, offNNBytes + m * n),
          referenceNN(shifted, m, k, x, n).map((v) => 0.5 * v),
          scale,
        ),
      ).toBeLessThan(2e-5);
    },
  );

  it('reads operands through leading dimensions (sub-blocks of wider matrices)', async () => {
    const kernels = await backend();
    const m = 10,
      k = 6,
      n = 8,
      lda = 9,
      ldx = 24,
      ldo = 16;
    const offA = 0,
      offX = m * lda,
      offOut = offX + k * ldx;
    const ws = kernels.allocate(offOut + m * ldo, n);
    const a = randomMatrix(m, lda, 4).data;
    const x = randomMatrix(k, ldx, 5).data;
    ws.set(a, offA);
    ws.set(x, offX);
    ws.fill(123, offOut, offOut + m * ldo);
    kernels.gemmNN(offA + 2, lda, m, k, offX + 8, ldx, n, offOut + 4, ldo, 1, false);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < n; c++) {
        let expected = 0;
        for (let p = 0; p < k; p++) expected += a[i * lda + 2 + p] * x[p * ldx + 8 + c];
        expect(ws[offOut + i * ldo + 4 + c]).toBeCloseTo(expected, 4);
      }
      // untouched outside the block
      expect(ws[offOut + i * ldo + 3]).toBe(123);
      expect(ws[offOut + i * ldo + 12]).toBe(123);
    }
  });
});

describe('kernel selection', () => {
  it('with relaxed SIMD on (as the command line and these tests have it) the auto backend is the relaxed build', async () => {
    expect(await simdAvailable()).toBe(true);
    expect(await relaxedSimdAvailable()).toBe(true);
    expect(await bestKernelKind()).toBe('relaxed');
    expect((await createKernels('auto')).kind).toBe('relaxed');
    expect((await createKernels('simd')).kind).toBe('simd');
    expect((await createKernels('plain')).kind).toBe('plain');
  });

  it('without the flag Node 20 refuses the relaxed build and accepts the SIMD128 one (so auto falls back)', () => {
    const generated = readFileSync(new URL('../../core/kernels/generated/kernels-wasm.ts', import.meta.url), 'utf8');
    const base64 = (name: string) => new RegExp(`${name} =\\s*'([^']+)'`).exec(generated)![1];
    const script = `
      const check = (b64) => WebAssembly.validate(Buffer.from(b64, 'base64'));
      console.log(JSON.stringify([check(process.argv[1]), check(process.argv[2])]));`;
    const [simd, relaxed] = JSON.parse(
      execFileSync(process.execPath, ['-e', script, base64('kernelsWasmBase64'), base64('relaxedKernelsWasmBase64')], { encoding: 'utf8' }),
    ) as boolean[];
    expect(simd).toBe(true);
    // Later Node versions ship relaxed SIMD on by default; Node 20 (this project's) does not.
    if (process.versions.node.startsWith('20.')) expect(relaxed).toBe(false);
  });

  it('the relaxed and SIMD128 builds agree to float32 rounding on an engine-sized product', async () => {
    const [relaxed, simd] = await Promise.all([createKernels('relaxed'), createKernels('simd')]);
    const m = 600;
    const k = 900;
    const n = 32;
    const a = randomMatrix(m, k, 5).data;
    const x = randomMatrix(k, n, 6).data;
    const results = [relaxed, simd].map((kernels) => {
      const ws = kernels.allocate(m * k + k * n + m * n + k * n, n);
      ws.set(a, 0);
      ws.set(x, m * k);
      kernels.gemmNN(0, k, m, k, m * k, n, n, m * k + k * n, n, 1, false);
      kernels.gemmTN(0, k, m, k, m * k + k * n, n, n, m * k + k * n + m * n, n, false);
      return ws.slice(m * k + k * n);
    });
    let worst = 0;
    for (let i = 0; i < results[0].length; i++) worst = Math.max(worst, Math.abs(results[0][i] - results[1][i]));
    // Products of unit-scale entries summed over ≤ 900 terms: float32 rounding is ~1e-5 of √k.
    expect(worst / Math.sqrt(Math.max(m, k))).toBeLessThan(2e-5);
    // Not bit-identical everywhere: the fused build rounds once per multiply-add.
    expect(results[0].some((value, i) => value !== results[1][i])).toBe(true);
  });
});

describe.each(['relaxed', 'simd', 'plain'] as const)('symmetricEigen on %s dense kernels', (kind) => {
  it.each([1, 2, 7, 96])('n = %i: A·x = λ·x, orthonormal vectors, descending values', async (n) => {
    const { symmetricEigen } = await import('../../core/linalg/symmetric-eigen.js');
    const kernels = await createKernels(kind);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const value = Math.sin(i * 7 + j * 3) + (i === j ? 2 : 0);
        a[i * n + j] = value;
        a[j * n + i] = value;
      }
    const copy = Float64Array.from(a);
    const { values, vectors } = await symmetricEigen(a, n, undefined, kernels.dense);
    expect(a).toEqual(copy);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(trace, 10);
    for (let i = 0; i < n; i++) {
      if (i > 0) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
      for (let r = 0; r < n; r++) {
        let sum = 0;
        for (let c = 0; c < n; c++) sum += a[r * n + c] * vectors[i * n + c];
        expect(Math.abs(sum - values[i] * vectors[i * n + r])).toBeLessThan(1e-12);
      }
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < n; c++) dot += vectors[i * n + c] * vectors[j * n + c];
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });
});
