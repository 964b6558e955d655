/**
 * Writing `.svd` version 2 files (SPEC.md, "Version 2") from an image, its plane layout and its
 * planes' decompositions (the caller decomposes: core starts no threads). A target says what to
 * aim for:
 *   - { psnr }: the smallest file whose decoded, rounded pixels reach that PSNR over the colour
 *     channels. The global step is searched on the allocation's predicted error, then the file is
 *     decoded and measured, and the step corrected until the measured PSNR lies in
 *     [target, target + 0.1 dB] (or the decompositions run out: `reached` false);
 *   - { maxBytes }: the best file of at most that many bytes (the allocation counts bits exactly
 *     but for each segment's last byte; the written file is checked and the step raised if over);
 *   - { ranks }: that many components per plane, each plane's step from the truncation error it
 *     leaves (a share of it, as version 1 did with ρ = 0.035; here ρ = 0.25, which with the
 *     arithmetic coder gives smaller files at equal PSNR).
 */
import { alphaPlaneOf, colorChannelCount, peakValue, type PixelImage } from '../image/channels.js';
import { planeFactors } from './components.js';
import { createKernels, type KernelBackend } from '../kernels/index.js';
import { abortError } from '../svd/work.js';
import type { TruncatedSvd } from '../types.js';
import { allocate, storageOrder, type Allocation } from './allocate.js';
import { alphaShape, vectorShapes } from './decode-v2.js';
import { FactorModels, nextActivity, codeVector } from './factor-coding.js';
import { ALPHA_CODES, CHECKSUM_BYTES, MAGIC, crc32 } from './format.js';
import {
  ALPHA_SEGMENT_PLANE,
  CHROMA_CODES,
  FLAG_DEBLOCK,
  FORMAT_VERSION_2,
  MODEL_CODES,
  V2_FIXED_HEADER_BYTES,
  V2_PLANE_ENTRY_BYTES,
  V2_SEGMENT_ENTRY_BYTES,
  encodeMetadata,
  type SvdMetadata,
} from './format-v2.js';
import { decodedColorSquaredError, type PlaneScratch } from './pixels.js';
import { chromaSubsamplingError, type ImageLayout } from './planes.js';
import { RangeEncoder } from './range-coder.js';

export type SvdTarget = { psnr: number } | { maxBytes: number } | { ranks: number | readonly number[] };

export interface EncodeFileInput {
  /** The source pixels: the lossless alpha plane comes from them, and the PSNR is measured against them. */
  image: PixelImage;
  layout: ImageLayout;
  /** One decomposition per layout plane, of planeMatrices(image, layout). */
  svds: readonly TruncatedSvd[];
  /** planeSamples(image, layout), when the caller has them (else the half-resolution chroma planes are made again); read for half-resolution chroma only. */
  samples?: readonly Float32Array[];
  target: SvdTarget;
  /** Set the deblocking flag (patch model). */
  deblock?: boolean;
  metadata?: SvdMetadata;
  kernels?: KernelBackend;
  signal?: AbortSignal;
}

export interface EncodedSvdFile {
  bytes: Uint8Array;
  /** Components kept per plane. */
  ranks: number[];
  /** PSNR over the colour channels of the decoded, rounded pixels (null when identical). */
  psnr: number | null;
  /** The global quantization step used. */
  step: number;
  /** Whether the target was met (a PSNR above what the decompositions hold is not). */
  reached: boolean;
  /** The segments' coded bytes, and the ideal code length of the coder's own model for them (bytes). */
  coding: { codedBytes: number; idealBytes: number };
}

const RANK_TARGET_SHARE = 0.25;

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal.reason);
}
/** A PSNR target is met when the decoded file lies in [target, target + this]. */
export const PSNR_TOLERANCE_DB = 0.1;

export async function encodeSvdFile(input: EncodeFileInput): Promise<EncodedSvdFile> {
  const { image, layout, svds, target } = input;
  if (svds.length !== layout.planes.length)
    throw new RangeError(`The layout has ${layout.planes.length} planes; ${svds.length} decompositions were given`);
  layout.planes.forEach((plane, p) => {
    if (svds[p].u.rows !== plane.rows || svds[p].v.rows !== plane.cols) {
      throw new RangeError(
        `Plane ${p}'s decomposition is ${svds[p].u.rows} × ${svds[p].v.rows}; its matrix is ${plane.rows} × ${plane.cols}`,
      );
    }
  });
  const kernels = input.kernels ?? (await createKernels('auto'));
  const write = (allocation: Allocation) => writeFile(input, allocation);
  // Allocations are deterministic in the step: each step is allocated once.
  const allocations = new Map<number, Allocation>();
  const allocateAt = (step: number) => {
    let allocation = allocations.get(step);
    if (!allocation) {
      throwIfAborted(input.signal);
      allocation = allocate(layout, svds, step);
      allocations.set(step, allocation);
    }
    return allocation;
  };
  const peak = peakValue(image.bitDepth);
  const outputValues = image.width * image.height * colorChannelCount(image.channels);
  const psnrOfError = (squaredError: number) => (squaredError === 0 ? null : 10 * Math.log10((peak * peak * outputValues) / squaredError));
  // The decoded file's PSNR without writing it: the factors a reader computes from the stored
  // components (planeFactors, which the decoder uses too), multiplied out, rounded and compared.
  const scratch: PlaneScratch = { matrices: [], planes: [] };
  const measureAllocation = async (allocation: Allocation) => {
    const channels = allocation.planes.map((plane, p) => planeFactors(plane.components, layout.planes[p].rows, layout.planes[p].cols));
    return psnrOfError(
      await decodedColorSquaredError({ layout, channels, deblock: !!input.deblock && layout.model === 'patch' }, image, kernels, scratch),
    );
  };

  if ('ranks' in target) {
    const ranks = layout.planes.map((_, p) =>
      typeof target.ranks === 'number' ? target.ranks : (target.ranks[p] ?? target.ranks[0] ?? 0),
    );
    const steps = layout.planes.map((plane, p) => rankStep(svds[p], ranks[p], plane.rows + plane.cols));
    const allocation = allocate(layout, svds, 0, { ranks, steps });
    return {
      ...write(allocation),
      ranks: allocation.planes.map((plane) => plane.components.length),
      psnr: await measureAllocation(allocation),
      step: 0,
      reached: true,
    };
  }

  // Only half-resolution chroma loses anything before truncation (the planes are not made otherwise).
  const chromaHalved = layout.colorSpace === 'ycbcr' && layout.chroma === 'half';
  const floor = chromaHalved ? chromaSubsamplingError(image, layout, input.samples) : 0;
  /** The PSNR the allocation predicts: its error, the chroma subsampling's, and rounding to integers (1/12 per value). */
  const predictedPsnr = (allocation: Allocation) => {
    const mse = (allocation.weightedError + floor) / outputValues + 1 / 12;
    return 10 * Math.log10((peak * peak) / mse);
  };
  // Steps are searched around the one whose quantization noise alone (Δ²/12 per value) would be
  // the target's error, or a byte budget's share of the raw size.
  const guessFromMse = (mse: number) => Math.sqrt(12 * Math.max(mse, 1e-3));

  if ('psnr' in target) {
    const goal = target.psnr;
    const aim = goal + PSNR_TOLERANCE_DB / 2;
    const inWindow = (psnr: number) => psnr >= goal && psnr <= goal + PSNR_TOLERANCE_DB;
    const ranksOf = (allocation: Allocation) => allocation.planes.map((plane) => plane.components.length);
    const finish = (allocation: Allocation, step: number, psnr: number): EncodedSvdFile => ({
      ...write(allocation),
      ranks: ranksOf(allocation),
      psnr: Number.isFinite(psnr) ? psnr : null,
      step,
      reached: psnr >= goal,
    });
    // 1. Which components: the allocation at the step whose predicted PSNR is the window's middle,
    //    solved again once the first decoded file shows the prediction's bias.
    // Truncation adds to the quantization noise: the step that reaches a goal is a few times the guess.
    const guess = 3 * guessFromMse((peak * peak) / 10 ** (goal / 10));
    let step = solveStep((s) => predictedPsnr(allocateAt(s)), aim, guess, input.signal);
    let allocation = allocateAt(step);
    let measured = (await measureAllocation(allocation)) ?? Infinity;
    if (inWindow(measured)) return finish(allocation, step, measured);
    const bias = predictedPsnr(allocation) - measured;
    step = solveStep((s) => predictedPsnr(allocateAt(s)) - bias, aim, step, input.signal);
    allocation = allocateAt(step);
    measured = (await measureAllocation(allocation)) ?? Infinity;
    if (inWindow(measured)) return finish(allocation, step, measured);
    // 2. Those components, finer or coarser: every plane's step scaled by c. The measured PSNR is
    //    continuous and decreasing in c, so regula falsi on (log c, measured) lands in the window.
    const ranks = ranksOf(allocation);
    const baseSteps = allocation.planes.map((plane) => plane.step);
    const scaled = (c: number) => allocate(layout, svds, step * c, { ranks, steps: baseSteps.map((s) => s * c) });
    let low = { c: 1, psnr: measured, allocation };
    let high = { c: 1, psnr: measured, allocation };
    // Bracket: a scale above the goal (low c) and one below it (high c).
    for (let factor = measured < goal ? 0.85 : 1.18, i = 0; i < 12 && (low.psnr < goal || high.psnr >= goal); i++) {
      throwIfAborted(input.signal);
      // Keep moving from the last scale that missed: below the goal, finer; above the window, coarser.
      const edge = measured < goal ? high : low;
      const c = edge.c * factor;
      const next = scaled(c);
      const psnr = (await measureAllocation(next)) ?? Infinity;
      if (inWindow(psnr)) return finish(next, step * c, psnr);
      if (psnr >= goal) low = { c, psnr, allocation: next };
      else high = { c, psnr, allocation: next };
      if (measured < goal && psnr < goal) high = { c, psnr, allocation: next };
      if (measured >= goal && psnr >= goal) low = { c, psnr, allocation: next };
    }
    for (let i = 0; i < 8 && low.psnr >= goal && high.psnr < goal && high.c / low.c > 1.0001; i++) {
      throwIfAborted(input.signal);
      const x0 = Math.log(low.c);
      const x1 = Math.log(high.c);
      let x = x0 + ((low.psnr - aim) * (x1 - x0)) / (low.psnr - high.psnr);
      if (!(x > x0 && x < x1)) x = (x0 + x1) / 2;
      const c = Math.exp(x);
      const next = scaled(c);
      const psnr = (await measureAllocation(next)) ?? Infinity;
      if (inWindow(psnr)) return finish(next, step * c, psnr);
      if (psnr >= goal) low = { c, psnr, allocation: next };
      else high = { c, psnr, allocation: next };
    }
    // The closest file at or above the goal (or, out of reach, the finest there is).
    return finish(low.allocation, step * low.c, low.psnr);
  }

  // Byte budget: the largest quality whose file fits.
  const budget = target.maxBytes;
  const fixedBytes = headerBytes(input);
  const fits = (s: number) => fixedBytes + allocateAt(s).bits / 8 <= budget;
  // A budget of B bytes over V values is about 8B/V bits per value; Δ ≈ peak·2^(−bits).
  const guess = peak * 2 ** -Math.min(16, (8 * budget) / outputValues + 1);
  const smallest = guess / 64;
  const largest = Math.max(guess * 64, peak * 4);
  let step = searchStep(smallest, largest, (s) => !fits(s), input.signal, true);
  for (let attempt = 0; attempt < 20; attempt++) {
    throwIfAborted(input.signal);
    const allocation = allocateAt(step);
    const written = write(allocation);
    if (written.bytes.length <= budget) {
      return {
        ...written,
        ranks: allocation.planes.map((plane) => plane.components.length),
        psnr: await measureAllocation(allocation),
        step,
        reached: true,
      };
    }
    step *= 1.02;
  }
  const allocation = allocateAt(largest);
  const written = write(allocation);
  return {
    ...written,
    ranks: allocation.planes.map((plane) => plane.components.length),
    psnr: await measureAllocation(allocation),
    step: largest,
    reached: written.bytes.length <= budget,
  };
}

/**
 * The largest step whose quality f(step) (decreasing in the step, about linear in log step, as
 * PSNR is) is at least `aim`: a bracket found from `start` by doubling, then regula falsi on
 * log step (Illinois variant), to 0.01 dB or a step ratio of 1.005 — about five evaluations.
 */
function solveStep(f: (step: number) => number, aim: number, start: number, signal?: AbortSignal): number {
  let low = start; // f(low) ≥ aim
  let high = start; // f(high) < aim
  let fLow = f(start);
  let fHigh = fLow;
  if (fLow >= aim) {
    do {
      throwIfAborted(signal);
      low = high;
      fLow = fHigh;
      high = low * 2;
      fHigh = f(high);
    } while (fHigh >= aim && high < start * 2 ** 20);
    if (fHigh >= aim) return high;
  } else {
    do {
      throwIfAborted(signal);
      high = low;
      fHigh = fLow;
      low = high / 2;
      fLow = f(low);
    } while (fLow < aim && low > start / 2 ** 20);
    if (fLow < aim) return low;
  }
  let side = 0;
  for (let i = 0; i < 30 && high / low > 1.005 && fLow - aim > 0.02; i++) {
    throwIfAborted(signal);
    const x0 = Math.log(low);
    const x1 = Math.log(high);
    const y0 = fLow - aim;
    const y1 = fHigh - aim;
    let x = x0 - (y0 * (x1 - x0)) / (y1 - y0);
    if (!(x > x0 && x < x1)) x = (x0 + x1) / 2;
    const middle = Math.exp(x);
    const value = f(middle);
    if (value >= aim) {
      low = middle;
      fLow = value;
      if (side === 1) fHigh = aim + (fHigh - aim) / 2; // Illinois: halve the stale end's weight
      side = 1;
    } else {
      high = middle;
      fHigh = value;
      if (side === -1) fLow = aim + (fLow - aim) / 2;
      side = -1;
    }
  }
  return low;
}

/**
 * Bisection on log Δ in [low, high] for the boundary of a predicate that holds for small steps
 * and fails for large ones: the largest step where it holds (or, with `smallestFailing`, the
 * smallest step where it fails — for "too big" predicates, the first step that fits).
 */
function searchStep(low: number, high: number, holds: (step: number) => boolean, signal?: AbortSignal, smallestFailing = false): number {
  if (!holds(low)) return low;
  if (holds(high)) return high;
  for (let i = 0; i < 24 && high / low > 1.01; i++) {
    throwIfAborted(signal);
    const middle = Math.sqrt(low * high);
    if (holds(middle)) low = middle;
    else high = middle;
  }
  return smallestFailing ? high : low;
}

/** Version 1's step rule with share ρ: Δ² = 12·ρ·E_k / (k·(rows + cols)), E_k the truncation error at rank k. */
function rankStep(svd: TruncatedSvd, rank: number, rowsPlusCols: number): number {
  const k = Math.max(1, Math.min(rank, svd.rank));
  let kept = 0;
  for (let i = 0; i < Math.min(rank, svd.rank); i++) kept += svd.sigma[i] * svd.sigma[i];
  const truncation = Math.max(svd.frobeniusNormSquared - kept, (svd.u.rows * svd.v.rows) / 12);
  return Math.sqrt((12 * RANK_TARGET_SHARE * truncation) / (k * rowsPlusCols));
}

/**
 * The squared error (summed over R, G and B) that 4:2:0 chroma costs before any coding: the
 * image against itself with its chroma planes halved and interpolated back. 0 for other layouts.
 */
function headerBytes(input: EncodeFileInput): number {
  return V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * input.layout.planes.length + encodeMetadata(input.metadata).length + CHECKSUM_BYTES;
}

/** The file for an allocation: header, planes, metadata, index, segments, checksum. */
function writeFile(input: EncodeFileInput, allocation: Allocation): { bytes: Uint8Array; coding: EncodedSvdFile['coding'] } {
  const { layout, image } = input;
  const segments: { plane: number; gain: number; bytes: Uint8Array }[] = [];
  let idealBits = 0;
  if (layout.alpha === 'lossless') {
    const alpha = alphaPlaneOf(image)!;
    const encoder = new RangeEncoder();
    codeVector(encoder, new FactorModels(), Int32Array.from(alpha), alphaShape(layout), null);
    segments.push({ plane: ALPHA_SEGMENT_PLANE, gain: 0, bytes: encoder.finish() });
    idealBits += encoder.idealBits;
  }
  const states = layout.planes.map((plane) => ({
    shapes: vectorShapes(layout, plane),
    u: new FactorModels(),
    v: new FactorModels(),
    previousU: null as Int32Array | null,
    previousV: null as Int32Array | null,
  }));
  for (const component of storageOrder(layout, allocation)) {
    const state = states[component.plane];
    const encoder = new RangeEncoder();
    codeVector(encoder, state.u, component.u, state.shapes.u, state.previousU);
    codeVector(encoder, state.v, component.v, state.shapes.v, state.previousV);
    state.previousU = nextActivity(state.previousU, component.u);
    state.previousV = nextActivity(state.previousV, component.v);
    segments.push({ plane: component.plane, gain: component.gain, bytes: encoder.finish() });
    idealBits += encoder.idealBits;
  }
  const metadata = encodeMetadata(input.metadata);
  const planesEnd = V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * layout.planes.length;
  const indexStart = planesEnd + metadata.length;
  const payloadStart = indexStart + V2_SEGMENT_ENTRY_BYTES * segments.length;
  const payloadBytes = segments.reduce((sum, segment) => sum + segment.bytes.length, 0);
  const bytes = new Uint8Array(payloadStart + payloadBytes + CHECKSUM_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint16(8, FORMAT_VERSION_2, true);
  bytes[10] = layout.channels;
  bytes[11] = layout.colorSpace === 'ycbcr' ? 1 : 0;
  view.setUint32(12, layout.width, true);
  view.setUint32(16, layout.height, true);
  bytes[20] = layout.bitDepth;
  bytes[21] = ALPHA_CODES[layout.alpha];
  bytes[22] = MODEL_CODES[layout.model];
  bytes[23] = layout.patchSize;
  bytes[24] = CHROMA_CODES[layout.chroma];
  bytes[25] = input.deblock && layout.model === 'patch' ? FLAG_DEBLOCK : 0;
  bytes[26] = layout.planes.length;
  view.setUint32(28, metadata.length, true);
  view.setUint32(32, segments.length, true);
  view.setUint32(36, payloadBytes, true);
  allocation.planes.forEach((plane, p) => view.setUint16(V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * p, plane.components.length, true));
  bytes.set(metadata, planesEnd);
  let offset = payloadStart;
  segments.forEach((segment, s) => {
    const at = indexStart + V2_SEGMENT_ENTRY_BYTES * s;
    bytes[at] = segment.plane;
    view.setFloat32(at + 1, segment.gain, true);
    view.setUint32(at + 5, segment.bytes.length, true);
    bytes.set(segment.bytes, offset);
    offset += segment.bytes.length;
  });
  view.setUint32(bytes.length - CHECKSUM_BYTES, crc32(bytes, 0, bytes.length - CHECKSUM_BYTES), true);
  return { bytes, coding: { codedBytes: payloadBytes, idealBytes: idealBits / 8 } };
}
