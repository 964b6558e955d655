/**
 * What the `.svd` encoder's allocation will choose, estimated from the spectra alone while a
 * target control is dragged (the real allocation runs in the analysis worker when it rests).
 *
 * The allocation keeps, across all planes, the components that remove the most error per bit; in
 * error terms that is every component whose weighted energy wₚσᵢ² is above one threshold. So
 * for a PSNR target: keep components from the largest wₚσᵢ² down until what is left (the
 * truncation error) plus half-resolution chroma's floor fits in the error the target allows,
 * less the share quantization will add. That share is calibrated by the last exact answer
 * (`calibrate`): estimates then follow the encoder closely near it.
 */
import { peakValue, squaredErrorAtRank, type ImageLayout } from '../../../core/index.js';
import type { ChannelSpectrum } from './spectrum.js';

type Layout = Pick<ImageLayout, 'planes' | 'width' | 'height' | 'channels' | 'bitDepth'>;

/** Share of the allowed error left to truncation before any calibration (quantization takes the rest). */
export const DEFAULT_TRUNCATION_SHARE = 0.55;

/** The squared error (summed over the output's colour samples) a PSNR target allows, rounding to integers taken out. */
export function allowedSquaredError(layout: Layout, psnr: number): number {
  const values = layout.width * layout.height * (layout.channels >= 3 ? 3 : 1);
  const peak = peakValue(layout.bitDepth);
  const mse = (peak * peak) / 10 ** (psnr / 10) - 1 / 12;
  return Math.max(0, mse) * values;
}

/**
 * Per-plane ranks whose weighted truncation error, with `floor`, is at most `share` of what the
 * PSNR target allows: the fewest components, taken by decreasing wₚσᵢ² across planes. Every
 * plane keeps at least one component; none more than its spectrum has.
 */
export function ranksForPsnr(
  spectra: readonly ChannelSpectrum[],
  layout: Layout,
  floor: number,
  psnr: number,
  share = DEFAULT_TRUNCATION_SHARE,
): number[] {
  const budget = share * allowedSquaredError(layout, psnr) - floor;
  const weights = spectra.map((_, p) => layout.planes[p]?.weight ?? 1);
  const ranks = spectra.map((spectrum) => Math.min(1, spectrum.rank));
  let error = spectra.reduce((sum, spectrum, p) => sum + weights[p] * squaredErrorAtRank(spectrum, ranks[p]), 0);
  // Merge the planes' components by weighted energy (each plane's σ are decreasing).
  while (error > budget) {
    let pick = -1;
    let largest = 0;
    spectra.forEach((spectrum, p) => {
      if (ranks[p] >= spectrum.rank) return;
      const value = weights[p] * spectrum.sigma[ranks[p]] ** 2;
      if (value > largest) {
        largest = value;
        pick = p;
      }
    });
    if (pick < 0) break;
    ranks[pick]++;
    error -= largest;
  }
  return ranks;
}

/**
 * The truncation share that makes ranksForPsnr give `measuredRanks` (what the encoder chose for
 * that PSNR), by bisection; the default when the measurement says nothing (no spectra).
 */
export function calibrate(
  spectra: readonly ChannelSpectrum[],
  layout: Layout,
  floor: number,
  psnr: number,
  measuredRanks: readonly number[],
): number {
  const total = measuredRanks.reduce((sum, k) => sum + k, 0);
  if (spectra.length === 0 || total === 0) return DEFAULT_TRUNCATION_SHARE;
  const count = (share: number) => ranksForPsnr(spectra, layout, floor, psnr, share).reduce((sum, k) => sum + k, 0);
  let lo = 0.05;
  let hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    // A larger share allows more truncation error: fewer components.
    if (count(mid) > total) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Ranks for a byte budget, interpolated from exact answers (bytes → ranks) seen for this coding; null without any. */
export function ranksForBytes(points: readonly { fileBytes: number; ranks: readonly number[] }[], maxBytes: number): number[] | null {
  if (points.length === 0) return null;
  const sorted = [...points].sort((a, b) => a.fileBytes - b.fileBytes);
  const below = sorted.filter((point) => point.fileBytes <= maxBytes).pop();
  const above = sorted.find((point) => point.fileBytes > maxBytes);
  if (below && above) {
    const t = (maxBytes - below.fileBytes) / (above.fileBytes - below.fileBytes);
    return below.ranks.map((k, p) => Math.max(1, Math.round(k + t * ((above.ranks[p] ?? k) - k))));
  }
  const nearest = (below ?? above)!;
  const scale = maxBytes / nearest.fileBytes;
  return nearest.ranks.map((k) => Math.max(1, Math.round(k * scale)));
}
