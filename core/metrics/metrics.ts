/**
 * Image-quality metrics between a reference and a candidate PixelImage, as the command line's
 * `--json` reports them (DESIGN.md, "Command line"):
 *
 * - Colour channels are the first 1 (gray, gray+alpha) or 3 (RGB, RGBA) interleaved channels;
 *   a remaining alpha channel is measured separately and never enters the overall numbers.
 * - mse is the mean over colour channels of each channel's mean squared error, in sample units
 *   (0…255 or 0…65535); psnr = 10·log10(peak² / mse), null when mse is 0; peak is 255 for 8-bit
 *   and 65535 for 16-bit samples.
 * - ssim is scikit-image's structural_similarity (see ./ssim.ts) per colour channel, averaged.
 *
 * Squared differences are summed per row, then across rows, in float64: a row of 8-bit
 * differences sums exactly, and a 16-bit row stays below 2^53 for widths up to ~2 million.
 */
import { PixelFormatError, colorChannelCount, peakValue, validatePixelImage, type PixelImage } from '../image/channels.js';
import { structuralSimilarity } from './ssim.js';

export interface ChannelMetrics {
  mse: number;
  /** null when mse is 0 (identical channel). */
  psnr: number | null;
  ssim: number;
}

export interface ImageMetrics {
  /** Mean of the colour channels' mse. */
  mse: number;
  psnr: number | null;
  /** Mean of the colour channels' SSIM. */
  ssim: number;
  /** 255 or 65535. */
  peak: number;
  perChannel: ChannelMetrics[];
  /** Present when the images have an alpha channel. */
  alpha?: { mse: number; psnr: number | null };
}

export interface MetricsOptions {
  /**
   * How many leading channels are colour; at most one channel may remain, and it is alpha.
   * Default: 1 for gray and gray+alpha, 3 for RGB and RGBA.
   */
  colorChannels?: number;
}

export class MetricsError extends Error {
  override name = 'MetricsError';
}

/** 10·log10(peak² / mse) in dB; null when mse is 0. */
export function psnrFromMse(mse: number, peak: number): number | null {
  return mse === 0 ? null : 10 * Math.log10((peak * peak) / mse);
}

/**
 * Mean squared error of one interleaved channel, or, with no channel given, the mean over the
 * colour channels (the `mse` that computeMetrics reports).
 */
export function meanSquaredError(reference: PixelImage, candidate: PixelImage, channel?: number): number {
  checkPair(reference, candidate);
  if (channel === undefined) {
    const color = colorChannelCount(reference.channels);
    let sum = 0;
    for (let c = 0; c < color; c++) sum += channelMeanSquaredError(reference, candidate, c);
    return sum / color;
  }
  if (!Number.isInteger(channel) || channel < 0 || channel >= reference.channels) {
    throw new MetricsError(`Channel ${channel} does not exist in a ${reference.channels}-channel image`);
  }
  return channelMeanSquaredError(reference, candidate, channel);
}

/** Compares `candidate` with `reference` (same width, height, channels and bit depth). Inputs are not modified. */
export function computeMetrics(reference: PixelImage, candidate: PixelImage, options: MetricsOptions = {}): ImageMetrics {
  checkPair(reference, candidate);
  const { width, height, channels, bitDepth } = reference;
  const color = options.colorChannels ?? colorChannelCount(channels);
  if (!Number.isInteger(color) || color < 1 || color > channels || channels - color > 1) {
    throw new MetricsError(`colorChannels must leave at most one (alpha) channel of ${channels}, got ${options.colorChannels}`);
  }
  const peak = peakValue(bitDepth);
  const perChannel: ChannelMetrics[] = [];
  for (let c = 0; c < color; c++) {
    const mse = channelMeanSquaredError(reference, candidate, c);
    const ssim = structuralSimilarity({
      reference: reference.pixels,
      candidate: candidate.pixels,
      width,
      height,
      channels,
      channel: c,
      peak,
    });
    perChannel.push({ mse, psnr: psnrFromMse(mse, peak), ssim });
  }
  const mse = perChannel.reduce((sum, m) => sum + m.mse, 0) / color;
  const ssim = perChannel.reduce((sum, m) => sum + m.ssim, 0) / color;
  const metrics: ImageMetrics = { mse, psnr: psnrFromMse(mse, peak), ssim, peak, perChannel };
  if (channels > color) {
    const alphaMse = channelMeanSquaredError(reference, candidate, color);
    metrics.alpha = { mse: alphaMse, psnr: psnrFromMse(alphaMse, peak) };
  }
  return metrics;
}

function channelMeanSquaredError(reference: PixelImage, candidate: PixelImage, channel: number): number {
  const { width, height, channels } = reference;
  const a = reference.pixels;
  const b = candidate.pixels;
  const rowStride = width * channels;
  let total = 0;
  for (let row = 0; row < height; row++) {
    const end = (row + 1) * rowStride;
    let rowSum = 0;
    for (let i = row * rowStride + channel; i < end; i += channels) {
      const d = a[i] - b[i];
      rowSum += d * d;
    }
    total += rowSum;
  }
  return total / (width * height);
}

function checkPair(reference: PixelImage, candidate: PixelImage): void {
  for (const [role, image] of [
    ['reference', reference],
    ['candidate', candidate],
  ] as const) {
    try {
      validatePixelImage(image);
    } catch (error) {
      if (error instanceof PixelFormatError) throw new MetricsError(`The ${role} image is invalid: ${error.message}`, { cause: error });
      throw error;
    }
  }
  if (reference.width !== candidate.width || reference.height !== candidate.height) {
    throw new MetricsError(
      `Image sizes differ: reference ${reference.width} × ${reference.height}, candidate ${candidate.width} × ${candidate.height}`,
    );
  }
  if (reference.channels !== candidate.channels) {
    throw new MetricsError(`Channel counts differ: reference ${reference.channels}, candidate ${candidate.channels}`);
  }
  if (reference.bitDepth !== candidate.bitDepth) {
    throw new MetricsError(`Bit depths differ: reference ${reference.bitDepth}-bit, candidate ${candidate.bitDepth}-bit`);
  }
}
