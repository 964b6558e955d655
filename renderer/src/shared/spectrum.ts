/**
 * What the spectrum alone tells, instantly at every rank (DESIGN.md, "Measure"):
 * ‖A − A_k‖²_F = ‖A‖²_F − Σ_{i≤k} σ_i², so MSE, PSNR and energy kept need no reconstruction.
 * Prefix sums of σ² make each query O(channels) while the slider is dragged.
 */
import { colorChannelCount, psnrFromMse, type TruncatedSvd } from '../../../core/index.js';

export interface Spectrum {
  /** σ, descending. */
  sigma: Float64Array;
  /** energyBefore[k] = Σ_{i<k} σ_i², k = 0…rank. */
  energyBefore: Float64Array;
  /** ‖A‖²_F of the channel. */
  total: number;
  rank: number;
  /** rows · cols of the channel. */
  values: number;
}

/** What a spectrum is made from: a decomposition, or just its σ and size (what the engine worker reports). */
export type SpectrumSource = TruncatedSvd | { sigma: Float64Array; frobeniusNormSquared: number; rank: number; rows: number; cols: number };

export function spectrumOf(source: SpectrumSource): Spectrum {
  const energyBefore = new Float64Array(source.rank + 1);
  for (let i = 0; i < source.rank; i++) energyBefore[i + 1] = energyBefore[i] + source.sigma[i] * source.sigma[i];
  const values = 'u' in source ? source.u.rows * source.v.rows : source.rows * source.cols;
  return { sigma: source.sigma.slice(), energyBefore, total: source.frobeniusNormSquared, rank: source.rank, values };
}

export interface InstantMetrics {
  /** Mean over colour channels of the mean squared error per value (before rounding). */
  mse: number;
  /** null when the error is zero. */
  psnr: number | null;
  /** Σσ² kept over ‖A‖², all colour channels together. */
  energy: number;
}

function squaredErrorAt(spectrum: Spectrum, k: number): number {
  const kk = Math.max(0, Math.min(spectrum.rank, Math.floor(k)));
  return Math.max(0, spectrum.total - spectrum.energyBefore[kk]);
}

export function instantMetrics(spectra: readonly Spectrum[], ranks: readonly number[], peak: number): InstantMetrics {
  let mse = 0;
  let lost = 0;
  let total = 0;
  spectra.forEach((spectrum, c) => {
    const error = squaredErrorAt(spectrum, ranks[c] ?? 0);
    mse += error / spectrum.values;
    lost += error;
    total += spectrum.total;
  });
  mse /= Math.max(1, spectra.length);
  return { mse, psnr: psnrFromMse(mse, peak), energy: total === 0 ? 1 : 1 - lost / total };
}

/** Share of all colour channels' ‖A‖² kept by their first k components (1 when all are zero). */
export function cumulativeEnergy(spectra: readonly Spectrum[], k: number): number {
  const total = spectra.reduce((sum, s) => sum + s.total, 0);
  return total === 0 ? 1 : spectra.reduce((sum, s) => sum + s.energyBefore[Math.max(0, Math.min(k, s.rank))], 0) / total;
}

/** The table of σᵢ, energy share and cumulative energy share per channel, as CSV (RFC 4180, '.' decimals). */
export function spectrumCsv(spectra: readonly Spectrum[], channelNames: readonly string[]): string {
  const header = ['index'];
  for (const name of channelNames) header.push(`sigma_${name}`, `energy_${name}`, `cumulative_energy_${name}`);
  const lines = [header.join(',')];
  const rows = Math.max(0, ...spectra.map((s) => s.rank));
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [String(i + 1)];
    for (const s of spectra) {
      if (i < s.rank) {
        const share = s.total === 0 ? 0 : (s.sigma[i] * s.sigma[i]) / s.total;
        const cumulative = s.total === 0 ? 1 : s.energyBefore[i + 1] / s.total;
        cells.push(s.sigma[i].toPrecision(10), share.toPrecision(8), cumulative.toPrecision(10));
      } else {
        cells.push('', '', '');
      }
    }
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function channelNames(channels: number): string[] {
  return colorChannelCount(channels) === 3 ? ['red', 'green', 'blue'] : ['gray'];
}
