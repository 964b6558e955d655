import { describe, expect, it } from 'vitest';
import {
  SvdInputError,
  createKernels,
  progressiveTruncatedSvd,
  relaxedSimdAvailable,
  simdAvailable,
  squaredErrorAtRank,
  svdWorkspace,
  truncatedSvd,
  type KernelBackend,
  type KernelKind,
  type Matrix,
  type SvdInput,
  type SvdOptions,
  type TruncatedSvd,
} from '../../core/index.js';
import { loadReferenceMatrix, randomMatrix, referenceCase } from '../helpers/samples.js';
import { orthonormalityError, directSquaredError, directSquaredErrors } from '../helpers/svd-checks.js';
import { SKIP_REMEASURE_RESIDUAL, rayleighQuotientOf, refineComponents, remeasureNeeded } from '../../core/svd/refine.js';
import { stageWork } from '../../core/svd/progressive.js';
import { inputStatistics } from '../../core/svd/truncated-svd.js';
import { SeededRandom } from '../../core/linalg/random.js';

function lowRankMatrix(rows: number, cols: number, rank: number): Matrix {
  const left = randomMatrix(rows, rank, 11).data;
  const right = randomMatrix(rank, cols, 12).data;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let i = 0; i < rank; i++) sum += left[r * rank + i] * right[i * cols + c] * (i + 1);
      data[r * cols + c] = sum;
    }
  return { rows, cols, data };
}

describe('truncatedSvd: shapes and special matrices', () => {
  it('1 × 1', async () => {
    const svd = await truncatedSvd({ rows: 1, cols: 1, data: Float32Array.of(-3) }, { rank: 5 });
    expect(svd.rank).toBe(1);
    expect(svd.sigma[0]).toBeCloseTo(3, 6);
    expect(svd.u.data[0] * svd.sigma[0] * svd.v.data[0]).toBeCloseTo(-3, 5);
    expect(svd.frobeniusNormSquared).toBe(9);
  });

  it.each([
    [1, 300],
    [300, 1],
  ])('%i × %i', async (rows, cols) => {
    const a = randomMatrix(rows, cols, 3);
    const svd = await truncatedSvd(a, { rank: 10 });
    expect(svd.rank).toBe(1);
    let norm = 0;
    for (const value of a.data) norm += value * value;
    expect(svd.sigma[0]).toBeCloseTo(Math.sqrt(norm), 4);
    expect(directSquaredError(a, svd, 1)).toBeLessThan(1e-8 * norm);
  });

  it('a constant matrix has rank 1 with σ = value · √(rows · cols)', async () => {
    const a = { rows: 400, cols: 300, data: new Float32Array(400 * 300).fill(7) };
    const svd = await truncatedSvd(a, { rank: 32 });
    expect(svd.rank).toBe(1);
    expect(svd.sigma[0] / (7 * Math.sqrt(400 * 300))).toBeCloseTo(1, 6);
  });

  it('an all-zero matrix has rank 0 and error 0', async () => {
    const svd = await truncatedSvd({ rows: 50, cols: 80, data: new Float32Array(4000) }, { rank: 8 });
    expect(svd.rank).toBe(0);
    expect(svd.sigma.length).toBe(0);
    expect(svd.u.rows).toBe(50);
    expect(svd.v.rows).toBe(80);
    expect(squaredErrorAtRank(svd, 8)).toBe(0);
  });

  it.each([
    ['randomized path', 900, 700, 5, 16],
    ['dense path', 120, 90, 7, 64],
    // The patch model's shape: thousands of rows of p² values, in several chunks of the kernels' tall path.
    ['dense path, tall, three chunks', 9000, 64, 20, 64],
  ])('a rank-deficient matrix returns its numerical rank (%s)', async (_path, rows, cols, trueRank, asked) => {
    const a = lowRankMatrix(rows, cols, trueRank);
    const svd = await truncatedSvd(a, { rank: asked });
    expect(svd.rank).toBe(trueRank);
    for (const value of svd.sigma) expect(value).toBeGreaterThan(0);
    expect(orthonormalityError(svd.u)).toBeLessThan(1e-4);
    expect(orthonormalityError(svd.v)).toBeLessThan(1e-4);
    expect(directSquaredError(a, svd, trueRank)).toBeLessThan(1e-9 * svd.frobeniusNormSquared);
  });

  it('huge values: the random start block is not mistaken for noise', async () => {
    const a = randomMatrix(200, 300, 8);
    for (let i = 0; i < a.data.length; i++) a.data[i] = (a.data[i] + 1) * 5e11;
    for (const kernels of ['relaxed', 'simd', 'plain'] as const) {
      const svd = await truncatedSvd(a, { rank: 8, kernels });
      expect(svd.rank).toBe(8);
      expect(svd.sigma[7]).toBeGreaterThan(0);
    }
  });

  it('a large offset does not hide directions above the rank cutoff', async () => {
    // 30000 + noise in 0…26: σ₁ is the offset, the rest of the spectrum is ~1e-4 of it.
    const noise = randomMatrix(200, 300, 9);
    const data = noise.data.map((value) => 30000 + Math.floor((value + 1) * 13.5));
    const a = { rows: 200, cols: 300, data };
    const randomized = await truncatedSvd(a, { rank: 8 });
    const exact = await truncatedSvd(a, { rank: 200 }); // dense path
    expect(randomized.rank).toBe(8);
    for (let i = 0; i < 4; i++) expect(Math.abs(randomized.sigma[i] - exact.sigma[i]) / exact.sigma[i]).toBeLessThan(0.05);
  });

  it('returns min(rank, rows, cols) components for a full-rank matrix', async () => {
    const svd = await truncatedSvd(randomMatrix(40, 25, 9), { rank: 100 });
    expect(svd.rank).toBe(25);
  });

  it('does not modify its input', async () => {
    const a = randomMatrix(500, 400, 5);
    const copy = Float32Array.from(a.data);
    await truncatedSvd(a, { rank: 20 });
    await truncatedSvd(a, { rank: 300 });
    expect(a.data).toEqual(copy);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('rejects %s in the input with a clear error', async (_name, bad) => {
    const a = randomMatrix(20, 30, 1);
    a.data[2 * 30 + 17] = bad;
    await expect(truncatedSvd(a, { rank: 4 })).rejects.toThrow(SvdInputError);
    await expect(truncatedSvd(a, { rank: 4 })).rejects.toThrow(/row 2, column 17/);
  });

  it.each([0, -1, 2.5, NaN])('rejects rank %s', async (rank) => {
    await expect(truncatedSvd(randomMatrix(10, 10), { rank })).rejects.toThrow(/rank must be a whole number ≥ 1/);
  });

  it.each([
    ['8-bit', 255, (n: number) => new Uint8Array(n)],
    ['16-bit', 65535, (n: number) => new Uint16Array(n)],
  ] as const)('integer samples (%s) decompose exactly as the same values in float32, Krylov and dense paths', async (_name, peak, make) => {
    for (const [rows, cols, rank] of [
      [300, 420, 24], // block Lanczos
      [40, 30, 10], // dense
    ]) {
      const samples = make(rows * cols);
      let state = 11;
      for (let i = 0; i < samples.length; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const r = Math.floor(i / cols);
        const c = i % cols;
        const smooth = 0.5 + 0.3 * Math.sin(r / 17 + c / 29) + 0.1 * Math.cos((r * c) / 900);
        samples[i] = Math.min(peak, Math.round(peak * smooth + (state >>> 28) * (peak / 255)));
      }
      const copy = samples.slice();
      const fromSamples = await truncatedSvd({ rows, cols, data: samples }, { rank, seed: 3 });
      const fromFloats = await truncatedSvd({ rows, cols, data: Float32Array.from(samples) }, { rank, seed: 3 });
      // Bit for bit: the products see the same float32 values either way (8-bit samples as bytes, widened as read).
      expect(fromSamples.sigma).toEqual(fromFloats.sigma);
      expect(fromSamples.u.data).toEqual(fromFloats.u.data);
      expect(fromSamples.v.data).toEqual(fromFloats.v.data);
      expect(fromSamples.frobeniusNormSquared).toBe(fromFloats.frobeniusNormSquared);
      expect(samples).toEqual(copy);
    }
  });

  it('rejects a matrix whose data does not match its shape', async () => {
    await expect(truncatedSvd({ rows: 3, cols: 3, data: new Float32Array(8) }, { rank: 1 })).rejects.toThrow(SvdInputError);
    await expect(truncatedSvd({ rows: 0, cols: 3, data: new Float32Array(0) }, { rank: 1 })).rejects.toThrow(/at least 1 × 1/);
    await expect(truncatedSvd({ rows: 3, cols: 3, data: new Uint8Array(8) }, { rank: 1 })).rejects.toThrow(/3 × 3 needs 9 values/);
    const wrongType = { rows: 2, cols: 2, data: new Int16Array(4) } as unknown as Parameters<typeof truncatedSvd>[0];
    await expect(truncatedSvd(wrongType, { rank: 1 })).rejects.toThrow(/Float32Array, Uint8Array or Uint16Array/);
  });
});

describe('inputStatistics', () => {
  /** ‖A‖²_F and the sum by definition, in float64 a sample at a time. */
  const direct = (data: ArrayLike<number>) => {
    let squares = 0;
    let sum = 0;
    for (let i = 0; i < data.length; i++) {
      squares += data[i] * data[i];
      sum += data[i];
    }
    return { frobeniusNormSquared: squares, sum };
  };

  it('of 8-bit samples (four to a word when aligned, else one at a time) is the float64 sums exactly', () => {
    // 40000 × 255 first (more than 2³¹ in squares: a chunk too long for 32-bit sums would wrap),
    // then pseudo-random bytes; several chunks and a partial one.
    const rows = 50;
    const cols = 1000;
    const buffer = new Uint8Array(rows * cols + 4);
    for (let i = 0; i < buffer.length; i++) buffer[i] = i < 40000 ? 255 : (i * 2654435761) >>> 24;
    const aligned = buffer.subarray(0, rows * cols);
    const unaligned = buffer.subarray(1, rows * cols + 1);
    const inputs: SvdInput[] = [aligned, unaligned, Uint16Array.from(aligned)].map((data) => ({ rows, cols, data }));
    inputs.push({ rows, cols, data: Float32Array.from(aligned) });
    for (const input of inputs) expect(inputStatistics(input)).toEqual(direct(input.data));
    const odd = new Uint8Array(3 * 5).fill(255);
    expect(inputStatistics({ rows: 3, cols: 5, data: odd })).toEqual(direct(odd));
  });

  it('of 8-bit samples on each backend is the same exact sums, in chunks copied into the workspace and one left over', async () => {
    // More than two of byteStatistics' chunks (2¹⁸ bytes), 255 at first, unaligned.
    const rows = 601;
    const cols = 1001;
    const buffer = Uint8Array.from({ length: rows * cols + 1 }, (_, i) => (i < 300_000 ? 255 : (i * 2654435761) >>> 24));
    const kinds: KernelKind[] = [
      'plain',
      ...((await simdAvailable()) ? ['simd' as const] : []),
      ...((await relaxedSimdAvailable()) ? ['relaxed' as const] : []),
    ];
    for (const kind of kinds) {
      const backend = await createKernels(kind);
      for (const data of [buffer.subarray(0, rows * cols), buffer.subarray(1)]) {
        expect(inputStatistics({ rows, cols, data }, backend), kind).toEqual(direct(data));
      }
      expect(inputStatistics({ rows: 1, cols: 1, data: new Uint8Array([200]) }, backend)).toEqual(direct([200]));
    }
  });
});

describe('svdWorkspace', () => {
  /** The backend's allocate() calls (floats, thin columns) during `run`. */
  const allocations = async (run: (kernels: KernelBackend) => Promise<unknown>) => {
    const inner = await createKernels('auto');
    const seen: [number, number][] = [];
    const kernels = new Proxy(inner, {
      get(target, key) {
        if (key === 'allocate')
          return (floats: number, thin: number, zeroFrom?: number) => {
            seen.push([floats, thin]);
            return target.allocate(floats, thin, zeroFrom);
          };
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await run(kernels);
    return seen;
  };

  it.each([
    { rows: 200, cols: 170, rank: 16, eightBit: true },
    { rows: 240, cols: 300, rank: 32, eightBit: true },
    { rows: 301, cols: 257, rank: 32, eightBit: false },
  ])('is what a block-Krylov run allocates, exactly (%o)', async ({ rows, cols, rank, eightBit }) => {
    const floats = randomMatrix(rows, cols, 3);
    const a = eightBit ? { rows, cols, data: Uint8Array.from(floats.data, (value) => Math.round(127 + 100 * value)) } : floats;
    const seen = await allocations((kernels) => truncatedSvd(a, { rank, seed: 2, kernels }));
    const need = svdWorkspace(rows, cols, rank, eightBit);
    expect(need).not.toBeNull();
    // The run's workspace last; before it, 8-bit samples' statistics on WebAssembly kernels take a smaller one (inputStatistics).
    expect(seen.at(-1)).toEqual([need!.floats, need!.thinColumns]);
    const wasm = (await createKernels('auto')).kind !== 'plain';
    expect(seen.length).toBe(eightBit && wasm ? 2 : 1);
    for (const [floats, thin] of seen.slice(0, -1)) expect(floats < need!.floats && thin <= need!.thinColumns).toBe(true);
    // The bytes of 8-bit samples take a quarter of the floats A would.
    if (eightBit) expect(svdWorkspace(rows, cols, rank, false)!.floats - need!.floats).toBe(rows * cols - Math.ceil((rows * cols) / 4));
  });

  it('of a later stage is what its extension allocates; null for a matrix that takes the dense path', async () => {
    const a = randomMatrix(300, 260, 4);
    const seen = await allocations((kernels) => progressiveTruncatedSvd(a, { stages: [16, 32], seed: 2, kernels }));
    expect(seen).toEqual(
      [16, 32].map((rank) => [svdWorkspace(300, 260, rank, false)!.floats, svdWorkspace(300, 260, rank, false)!.thinColumns]),
    );
    expect(svdWorkspace(40, 30, 32, true)).toBeNull();
  });
});

describe('truncatedSvd: reproducibility, kernels, progress and abort', () => {
  it('the same seed gives the same result; another seed the same spectrum', async () => {
    const a = await loadReferenceMatrix(referenceCase('mountain-crop-red'));
    const first = await truncatedSvd(a, { rank: 24, seed: 5 });
    const second = await truncatedSvd(a, { rank: 24, seed: 5 });
    expect(second.sigma).toEqual(first.sigma);
    expect(second.u.data).toEqual(first.u.data);
    expect(second.v.data).toEqual(first.v.data);
    const other = await truncatedSvd(a, { rank: 24, seed: 6 });
    expect(other.u.data).not.toEqual(first.u.data);
    for (let i = 0; i < 12; i++) expect(other.sigma[i] / first.sigma[i]).toBeCloseTo(1, 4);
  });

  it('SIMD and plain kernels agree: σ within 1e-4 relative for i ≤ rank/2, 1e-2 for i ≤ rank', async () => {
    // Measured: ≈ 1e-7 for the converged half, ≤ 1e-4 in the tail (the tail is where the
    // Krylov space is still converging, so rounding differences show most).
    const a = await loadReferenceMatrix(referenceCase('mountain-crop-red'));
    const simd = await truncatedSvd(a, { rank: 48, kernels: 'simd' });
    const plain = await truncatedSvd(a, { rank: 48, kernels: 'plain' });
    expect(plain.rank).toBe(simd.rank);
    for (let i = 0; i < simd.rank; i++) {
      const relative = Math.abs(simd.sigma[i] - plain.sigma[i]) / plain.sigma[i];
      expect(relative).toBeLessThan(i < simd.rank / 2 ? 1e-4 : 1e-2);
    }
    // The reconstructions agree too (signs of singular vectors are free, products are not).
    const k = 24;
    let difference = 0;
    let norm = 0;
    for (let r = 0; r < a.rows; r += 37)
      for (let c = 0; c < a.cols; c += 41) {
        let x = 0;
        let y = 0;
        for (let i = 0; i < k; i++) {
          x += simd.sigma[i] * simd.u.data[r * simd.rank + i] * simd.v.data[c * simd.rank + i];
          y += plain.sigma[i] * plain.u.data[r * plain.rank + i] * plain.v.data[c * plain.rank + i];
        }
        difference += (x - y) ** 2;
        norm += y * y;
      }
    expect(Math.sqrt(difference / norm)).toBeLessThan(1e-4);
  });

  it('reports progress from 0 to 1, never backwards', async () => {
    const fractions: number[] = [];
    await truncatedSvd(randomMatrix(800, 900, 2), { rank: 32, onProgress: (f) => fractions.push(f) });
    expect(fractions.length).toBeGreaterThan(3);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(fractions.at(-1)).toBe(1);
  });

  // Abort is bounded by work, not by the clock: the products run in chunks that each report
  // progress and then check the signal, so an abort from a progress callback stops the run
  // before another chunk completes, and the chunks are small (a small fraction of the run).
  it.each(['simd', 'plain'] as const)('abort stops a 12 MP channel within one chunk of work (%s)', async (kernels) => {
    const a = await loadReferenceMatrix(referenceCase('mountain-green'));
    const controller = new AbortController();
    const fractions: number[] = [];
    let abortedAt = 0;
    let reportsAfterAbort = 0;
    const run = truncatedSvd(a, {
      rank: 256,
      kernels,
      signal: controller.signal,
      onProgress: (fraction) => {
        if (controller.signal.aborted) {
          reportsAfterAbort++;
          return;
        }
        fractions.push(fraction);
        if (fraction > 0.05) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    console.log(`abort (${kernels}): rejected ${(performance.now() - abortedAt).toFixed(0)} ms after abort() (informational)`);
    expect(controller.signal.aborted).toBe(true);
    expect(reportsAfterAbort).toBe(0);
    // Each chunk is at most 2 % of the run (the engine sizes chunks by multiply-adds).
    let largestStep = fractions[0];
    for (let i = 1; i < fractions.length; i++) largestStep = Math.max(largestStep, fractions[i] - fractions[i - 1]);
    console.log(`abort (${kernels}): largest progress step ${(100 * largestStep).toFixed(2)} % of the run`);
    expect(largestStep).toBeLessThanOrEqual(0.02);
  });

  it('an abort from a timer on the same thread is seen mid-run (the engine yields to the event loop)', async () => {
    const a = randomMatrix(1500, 1500, 4);
    const controller = new AbortController();
    let lastFraction = 0;
    // The timer can only fire when the engine yields; it then stops the run before the end.
    setTimeout(() => controller.abort(), 0);
    await expect(
      truncatedSvd(a, { rank: 200, kernels: 'plain', signal: controller.signal, onProgress: (fraction) => (lastFraction = fraction) }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(lastFraction).toBeLessThan(0.5);
  });

  it('an already aborted signal rejects at once', async () => {
    await expect(truncatedSvd(randomMatrix(10, 10), { rank: 2, signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

/** The multiply-adds of the big products (the four gemm kernels) that `run` asks of a backend. */
async function countedProducts(run: (kernels: KernelBackend) => Promise<unknown>, float64Passes = { count: 0 }): Promise<number> {
  const inner = await createKernels('auto');
  let multiplyAdds = 0;
  const kernels: KernelBackend = {
    kind: inner.kind,
    dense: inner.dense,
    get holds() {
      return inner.holds;
    },
    set holds(value) {
      inner.holds = value;
    },
    allocate: (floats, thin, zeroFrom) => inner.allocate(floats, thin, zeroFrom),
    reserve: (floats, thin) => inner.reserve(floats, thin),
    expand: (floats, thin) => inner.expand(floats, thin),
    gemmNN: (...args) => {
      multiplyAdds += args[2] * args[3] * args[6];
      inner.gemmNN(...args);
    },
    gemmTN: (...args) => {
      multiplyAdds += args[2] * args[3] * args[6];
      inner.gemmTN(...args);
    },
    gemmNNBytes: (...args) => {
      multiplyAdds += args[2] * args[3] * args[6];
      inner.gemmNNBytes(...args);
    },
    gemmTNBytes: (...args) => {
      multiplyAdds += args[2] * args[3] * args[6];
      inner.gemmTNBytes(...args);
    },
    doubles: (at, count) => inner.doubles(at, count),
    gemv64x4: (...args) => {
      float64Passes.count++;
      inner.gemv64x4(...args);
    },
    gemv64x4Bytes: (...args) => {
      float64Passes.count++;
      inner.gemv64x4Bytes(...args);
    },
    gram64: (...args) => inner.gram64(...args),
    boxRowsBytes: (...args) => inner.boxRowsBytes(...args),
    squaresAndSumBytes: (...args) => inner.squaresAndSumBytes(...args),
  };
  await run(kernels);
  return multiplyAdds;
}

describe('progressiveTruncatedSvd', () => {
  it('delivers complete results at increasing ranks, each accurate', async () => {
    const a = await loadReferenceMatrix(referenceCase('paintbrushes-green'));
    const reference = referenceCase('paintbrushes-green');
    const ranks: number[] = [];
    const fractions: number[] = [];
    const final = await progressiveTruncatedSvd(a, {
      stages: [16, 64, 128],
      onProgress: (f) => fractions.push(f),
      onStage: (result, stage) => {
        ranks.push(result.rank);
        expect(stage).toBe(ranks.length - 1);
        for (let i = 0; i < result.rank / 2; i++) {
          expect(Math.abs(result.sigma[i] - reference.sigma[i]) / reference.sigma[i]).toBeLessThan(0.01);
        }
      },
    });
    expect(ranks).toEqual([16, 64, 128]);
    expect(final.rank).toBe(128);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(fractions.at(-1)).toBe(1);
  });

  it('each stage extends the Krylov space of the one before: the same result as a direct run from the same start, bit for bit', async () => {
    const a = await loadReferenceMatrix(referenceCase('paintbrushes-green'));
    const stages: TruncatedSvd[] = [];
    await progressiveTruncatedSvd(a, { stages: [16, 64, 128], seed: 5, onStage: (result) => stages.push(result) });
    for (const [index, rank] of [16, 64, 128].entries()) {
      const direct = await truncatedSvd(a, { rank, seed: 5 });
      expect(stages[index].sigma).toEqual(direct.sigma);
      expect(stages[index].u.data).toEqual(direct.u.data);
      expect(stages[index].v.data).toEqual(direct.v.data);
      // The space travels between stages only: results carry none unless asked.
      expect(stages[index].krylov).toBeUndefined();
    }
  });

  it('reaching rank 256 through 32 and 128 costs at most 1.15× the products of a direct rank-256 run (counted)', async () => {
    const reference = referenceCase('mountain-crop-red');
    const a = await loadReferenceMatrix(reference);
    const direct = await countedProducts((kernels) => truncatedSvd(a, { rank: 256, kernels }));
    let stageResults = 0;
    const progressive = await countedProducts((kernels) =>
      progressiveTruncatedSvd(a, { stages: [32, 128, 256], kernels, onStage: (result) => (stageResults += result.rank) }),
    );
    expect(stageResults).toBe(32 + 128 + 256);
    // Measured 1.045× on this crop: the earlier stages add their back-transforms, no pass over A is repeated.
    expect(progressive / direct).toBeLessThan(1.15);
    expect(progressive / direct).toBeGreaterThan(1);
  });

  it('a kept Krylov space continues in a later call (a higher rank on request)', async () => {
    const a = await loadReferenceMatrix(referenceCase('paintbrushes-green'));
    const kernels = await createKernels('auto');
    const first = await truncatedSvd(a, { rank: 64, seed: 9, keepKrylov: true, kernels });
    expect(first.krylov?.steps).toBe(9);
    // Another matrix on the same backend in between: the extension must not find its copy of A in place.
    await truncatedSvd(await loadReferenceMatrix(referenceCase('mountain-crop-red')), { rank: 16, kernels });
    const later = await truncatedSvd(a, { rank: 128, krylov: first.krylov, kernels });
    const direct = await truncatedSvd(a, { rank: 128, seed: 9 });
    expect(later.sigma).toEqual(direct.sigma);
    // Another matrix's space is refused with a clear message.
    await expect(truncatedSvd(randomMatrix(300, 200), { rank: 8, krylov: first.krylov })).rejects.toThrow(/does not belong/);
  });

  it('clips stages to the short side and drops repeats', async () => {
    const ranks: number[] = [];
    await progressiveTruncatedSvd(randomMatrix(60, 40), { stages: [8, 32, 128, 256], onStage: (r) => ranks.push(r.rank) });
    expect(ranks).toEqual([8, 32, 40]);
  });
});

describe('truncatedSvd: coarseStart (a first look)', () => {
  it('at rank 32 on a photo: one step of 32 columns from the shrunk photo, a third of the products', async () => {
    const reference = referenceCase('paintbrushes-green');
    const a = await loadReferenceMatrix(reference);
    let coarse: TruncatedSvd | null = null;
    const coarseProducts = await countedProducts(async (kernels) => {
      coarse = await truncatedSvd(a, { rank: 32, coarseStart: true, keepKrylov: true, kernels });
    });
    const usualProducts = await countedProducts((kernels) => truncatedSvd(a, { rank: 32, kernels }));
    // The one step (2 × 32 column passes) and the shrunk photo's own run (16 × 6 steps over a
    // sixteenth of the samples), 76 passes' worth against the usual 192, plus the thin products of
    // reorthogonalization and back-transforms both have: measured 0.42.
    expect(coarseProducts / usualProducts).toBeLessThan(0.45);
    expect(coarseProducts / usualProducts).toBeGreaterThan(76 / 192);
    const result = coarse as TruncatedSvd | null;
    expect(result?.rank).toBe(32);
    // Its space, when asked: the one step of 32 columns.
    expect([result?.krylov?.blockSize, result?.krylov?.steps]).toEqual([32, 1]);
    for (let i = 0; i < 16; i++) expect(Math.abs(result!.sigma[i] - reference.sigma[i]) / reference.sigma[i]).toBeLessThan(0.01);
  });

  it('re-measures no σ (no float64 pass over A, refine.ts): its columns unit, its spectrum as close to the pixels as a usual run', async () => {
    const a = await loadReferenceMatrix(referenceCase('mountain-crop-red'));
    const bytes = { rows: a.rows, cols: a.cols, data: Uint8Array.from(a.data) };
    const passes = { count: 0 };
    let first: TruncatedSvd | null = null;
    await countedProducts(async (kernels) => {
      first = await truncatedSvd(bytes, { rank: 32, coarseStart: true, kernels });
    }, passes);
    expect(passes.count).toBe(0);
    // The counter sees a usual run's float64 pass.
    await countedProducts((kernels) => truncatedSvd(bytes, { rank: 32, kernels }), passes);
    expect(passes.count).toBe(1);
    const svd = first as unknown as TruncatedSvd;
    for (const m of [svd.u, svd.v])
      for (let c = 0; c < m.cols; c++) {
        let norm = 0;
        for (let r = 0; r < m.rows; r++) norm += m.data[r * m.cols + c] ** 2;
        expect(Math.abs(Math.sqrt(norm) - 1)).toBeLessThan(1e-6);
      }
    // ‖A‖² − Σσ² against the residual formed pixel by pixel: 5.7e-5 at worst (rank 32), where a
    // run that re-measures σ₁…σ₄ in float64 holds it to about 1e-6; 1e-4 is engine-accuracy's bound.
    const ranks = [1, 8, 16, 24, 32];
    const direct = directSquaredErrors(a, svd, ranks);
    ranks.forEach((k, i) => expect(Math.abs(squaredErrorAtRank(svd, k) - direct[i]) / direct[i]).toBeLessThanOrEqual(1e-4));
  });

  it('re-measures σ where its residual is under 6e-4 of ‖A‖² (a smooth picture): one float64 pass, the spectrum within 1e-5 of the pixels', async () => {
    // 600 × 800 samples: a smooth low-rank picture and ±1 of noise, so that rank 32 leaves ~1e-5 of ‖A‖².
    const random = new SeededRandom(9);
    const rows = 600;
    const cols = 800;
    const data = new Uint8Array(rows * cols);
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++)
        data[y * cols + x] = Math.round(
          128 + 40 * Math.sin(x / 50) * Math.cos(y / 70) + 20 * Math.sin((x + y) / 90) + random.nextNormal() * 0.7,
        );
    const a = { rows, cols, data };
    const passes = { count: 0 };
    let svd: TruncatedSvd | null = null;
    await countedProducts(async (kernels) => {
      svd = await truncatedSvd(a, { rank: 32, coarseStart: true, kernels });
    }, passes);
    const result = svd as unknown as TruncatedSvd;
    const residual = squaredErrorAtRank(result, 32) / result.frobeniusNormSquared;
    expect(residual).toBeLessThan(SKIP_REMEASURE_RESIDUAL);
    expect(remeasureNeeded(result.sigma, 32, result.frobeniusNormSquared)).toBe(true);
    expect(passes.count).toBe(1);
    const floats = { rows, cols, data: Float32Array.from(data) };
    const ranks = [1, 16, 32];
    const direct = directSquaredErrors(floats, result, ranks);
    ranks.forEach((k, i) => expect(Math.abs(squaredErrorAtRank(result, k) - direct[i]) / direct[i]).toBeLessThanOrEqual(1e-5));
  });

  it('is ignored where it does not apply: the same result as without, bit for bit', async () => {
    const photo = await loadReferenceMatrix(referenceCase('paintbrushes-green'));
    const kept = await truncatedSvd(photo, { rank: 16, seed: 4, keepKrylov: true });
    const cases: [Matrix, SvdOptions][] = [
      // A short side below 512.
      [randomMatrix(300, 200), { rank: 16, seed: 2 }],
      // A rank above 32.
      [photo, { rank: 48, seed: 3 }],
      // A space to extend, or a piece of a split decomposition.
      [photo, { rank: 32, krylov: kept.krylov }],
      [photo, { rank: 32, seed: 4, krylovSteps: 3 }],
    ];
    for (const [a, options] of cases) {
      const without = await truncatedSvd(a, options);
      const withCoarse = await truncatedSvd(a, { ...options, coarseStart: true });
      expect(withCoarse.sigma).toEqual(without.sigma);
      expect(withCoarse.u.data).toEqual(without.u.data);
      expect(withCoarse.krylov?.q).toEqual(without.krylov?.q);
    }
  });

  it('in progressive stages: the first stage starts coarse and the others extend its space in blocks of 32 (bit for bit as direct runs)', async () => {
    const a = await loadReferenceMatrix(referenceCase('paintbrushes-green'));
    const stages: TruncatedSvd[] = [];
    const fractions: number[] = [];
    await progressiveTruncatedSvd(a, {
      stages: [32, 64, 128],
      seed: 5,
      coarseStart: true,
      onStage: (result) => stages.push(result),
      onProgress: (fraction) => fractions.push(fraction),
    });
    const first = await truncatedSvd(a, { rank: 32, seed: 5, coarseStart: true, keepKrylov: true });
    const direct = [
      first,
      await truncatedSvd(a, { rank: 64, krylov: first.krylov }),
      await truncatedSvd(a, { rank: 128, krylov: first.krylov }),
    ];
    for (const [index, result] of direct.entries()) {
      expect(stages[index].sigma).toEqual(result.sigma);
      expect(stages[index].v.data).toEqual(result.v.data);
    }
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(fractions.at(-1)).toBe(1);
    // Each stage's share of the progress: the one step, then 5 and 8 steps of 32 in all (lanczosPlan).
    expect(stageWork(a.rows, a.cols, [32, 64, 128], undefined, true)).toEqual([
      2 * 32 * a.rows * a.cols,
      2 * 32 * 4 * a.rows * a.cols,
      2 * 32 * 3 * a.rows * a.cols,
    ]);
  });
});

describe('refineComponents', () => {
  it('scales and refines the factors it is given in place: no copy of U (the patch model’s luma U is ~49 MB)', () => {
    const a = lowRankMatrix(60, 8, 3);
    const u = randomMatrix(60, 3, 21);
    const v = randomMatrix(8, 3, 22);
    const input: TruncatedSvd = { rank: 3, sigma: Float64Array.of(30, 20, 10), u, v, frobeniusNormSquared: 1e6 };
    const refined = refineComponents(input, rayleighQuotientOf(a));
    expect(refined.u.data).toBe(u.data);
    expect(refined.v.data).toBe(v.data);
    for (const m of [refined.u, refined.v])
      for (let c = 0; c < m.cols; c++) {
        let norm = 0;
        for (let r = 0; r < m.rows; r++) norm += m.data[r * m.cols + c] ** 2;
        expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
      }
  });
});

describe('truncatedSvd: where U and V are written', () => {
  it.each([
    ['the dense path (wide)', 12, 40, 6],
    ['the tall dense path (the patch model’s block matrices)', 300, 16, 8],
    ['the block-Krylov path', 260, 200, 8],
  ])(
    '%s writes U and V into arrays from `allocate`, shared ones included, with the same values as its own',
    async (_path, rows, cols, rank) => {
      const a = lowRankMatrix(rows, cols, 12);
      const made: Float32Array[] = [];
      const allocate = (length: number) => {
        const array = new Float32Array(new SharedArrayBuffer(4 * length));
        made.push(array);
        return array;
      };
      const kernels = await createKernels('simd');
      const own = await truncatedSvd(a, { rank, kernels });
      const shared = await truncatedSvd(a, { rank, kernels, allocate });
      expect(made).toContain(shared.u.data);
      expect(made).toContain(shared.v.data);
      expect(shared.u.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(shared.v.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(shared.sigma)).toEqual(Array.from(own.sigma));
      expect(Array.from(shared.u.data)).toEqual(Array.from(own.u.data));
      expect(Array.from(shared.v.data)).toEqual(Array.from(own.v.data));
    },
  );
});
