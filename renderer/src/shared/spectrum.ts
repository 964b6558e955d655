/**
 * What the spectrum alone tells, instantly at every rank (DESIGN.md, "Measure"):
 * ‖A − A_k‖²_F = ‖A‖²_F − Σ_{i≤k} σ_i², so MSE, PSNR and energy kept need no reconstruction
 * (core/svd/error.ts computes them; a query is O(rank · channels), microseconds while the
 * slider is dragged).
 */
import {
  colorChannelCount,
  energyKept,
  psnrFromMse,
  squaredErrorAtRank,
  type ImageLayout,
  type Spectrum,
  type TruncatedSvd,
} from '../../../core/index.js';

/** One colour channel's spectrum, with the number of values it has (rows · cols). */
export interface ChannelSpectrum extends Spectrum {
  values: number;
}

/** What a spectrum is made from: a decomposition, or just its σ and size (what the engine worker reports). */
export type SpectrumSource = TruncatedSvd | { sigma: Float64Array; frobeniusNormSquared: number; rank: number; rows: number; cols: number };

export function spectrumOf(source: SpectrumSource): ChannelSpectrum {
  const values = 'u' in source ? source.u.rows * source.v.rows : source.rows * source.cols;
  return { sigma: source.sigma.slice(), frobeniusNormSquared: source.frobeniusNormSquared, rank: source.rank, values };
}

export interface InstantMetrics {
  /** Mean squared error per colour sample of the output (R, G, B or gray), before rounding. */
  mse: number;
  /** null when the error is zero. */
  psnr: number | null;
  /** Σσ² kept over ‖A‖², all planes together. */
  energy: number;
}

/**
 * The error of the unquantized reconstruction at `ranks`, from the spectra alone: each plane's
 * ‖A − A_k‖² weighted by what a unit of it costs in R, G, B (its layout weight: 1 for R, G, B,
 * more for Y, Cb, Cr), plus `floor` (what half-resolution chroma loses before any truncation).
 * For the whole image in RGB this is exact; for the others it is the allocation's own estimate
 * (interpolation and patch padding make it approximate; the decoded file is measured at rest).
 */
export function instantMetrics(
  spectra: readonly ChannelSpectrum[],
  ranks: readonly number[],
  peak: number,
  layout?: Pick<ImageLayout, 'planes' | 'width' | 'height' | 'channels'>,
  floor = 0,
): InstantMetrics {
  let mse: number;
  if (!layout) {
    mse = 0;
    spectra.forEach((spectrum, c) => (mse += squaredErrorAtRank(spectrum, ranks[c] ?? 0) / spectrum.values));
    mse /= Math.max(1, spectra.length);
  } else {
    let squared = floor;
    spectra.forEach((spectrum, p) => (squared += (layout.planes[p]?.weight ?? 1) * squaredErrorAtRank(spectrum, ranks[p] ?? 0)));
    mse = squared / (layout.width * layout.height * colorChannelCount(layout.channels));
  }
  return { mse, psnr: psnrFromMse(mse, peak), energy: energyKept(spectra, ranks) };
}

/** The table of σᵢ, energy share and cumulative energy share per channel, as CSV (RFC 4180, '.' decimals). */
export function spectrumCsv(spectra: readonly ChannelSpectrum[], channelNames: readonly string[]): string {
  const header = ['index'];
  for (const name of channelNames) header.push(`sigma_${name}`, `energy_${name}`, `cumulative_energy_${name}`);
  const lines = [header.join(',')];
  const rows = Math.max(0, ...spectra.map((s) => s.rank));
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [String(i + 1)];
    for (const s of spectra) {
      if (i < s.rank) {
        const share = s.frobeniusNormSquared === 0 ? 0 : (s.sigma[i] * s.sigma[i]) / s.frobeniusNormSquared;
        cells.push(s.sigma[i].toPrecision(10), share.toPrecision(8), energyKept([s], i + 1).toPrecision(10));
      } else {
        cells.push('', '', '');
      }
    }
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
