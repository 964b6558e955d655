/**
 * Quantization of the factors (see SPEC.md, "Quantization"): component i's vectors are stored
 * as integers round(u·σ_i/Δ), so each component adds the same expected squared error
 * (h + w)·Δ²/12 whatever its σ, and Δ is chosen from the truncation error at the stored rank.
 */
import type { TruncatedSvd } from '../types.js';

/** Default share of the truncation error the quantization may add (0.035 ≈ 0.15 dB of PSNR; measured ≤ 0.3 dB on the samples up to rank 256 by the codec benchmark). */
export const DEFAULT_QUANTIZATION_SHARE = 0.035;

/**
 * The step Δ for storing `rank` components of a channel: Δ² = 12·ρ·E_k / (k·(h + w)) with E_k
 * the squared truncation error at rank k (from the spectrum). When the truncation is exact,
 * the quantization error is held to ρ/12 per pixel of the (integer) pixel rounding error.
 */
export function quantizationStep(svd: TruncatedSvd, rank: number, share = DEFAULT_QUANTIZATION_SHARE): number {
  const height = svd.u.rows;
  const width = svd.v.rows;
  const stored = Math.max(0, Math.min(rank, svd.rank));
  const k = Math.max(1, stored); // a channel storing nothing still gets a valid (unused) step
  let kept = 0;
  for (let i = 0; i < stored; i++) kept += svd.sigma[i] * svd.sigma[i];
  const truncation = Math.max(0, svd.frobeniusNormSquared - kept);
  const floor = (width * height) / 12; // the error of rounding every pixel to an integer
  const budget = share * Math.max(truncation, floor);
  const step = Math.sqrt((12 * budget) / (k * (width + height)));
  // Stored as float32: round now so encoder and decoder use the same value.
  const rounded = Math.fround(step);
  if (!(rounded > 0) || !Number.isFinite(rounded)) throw new RangeError(`No valid quantization step for this channel (${step})`);
  return rounded;
}

/** Integers round(x·σ/Δ) of a column of a row-major factor. */
export function quantizeColumn(factor: Float32Array, stride: number, column: number, length: number, scale: number): Int32Array {
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.round(factor[i * stride + column] * scale);
  return out;
}

/** The factor values a decoder gets back: q·Δ/σ in float64, stored as float32. */
export function dequantizeInto(values: Int32Array, step: number, sigma: number, out: Float32Array, stride: number, column: number): void {
  const scale = step / sigma;
  for (let i = 0; i < values.length; i++) out[i * stride + column] = values[i] * scale;
}
