/**
 * The exact error of the rank-k reconstruction from the spectrum alone:
 * ‖A − A_k‖²_F = ‖A‖²_F − Σ_{i≤k} σ_i², for every k ≤ rank, in float64. What it needs of a
 * decomposition is its Spectrum (a TruncatedSvd is one; so are the σ a worker reports).
 */

/** σ (descending, `rank` of them) and ‖A‖²_F of one channel. */
export interface Spectrum {
  rank: number;
  sigma: Float64Array;
  frobeniusNormSquared: number;
}

/** Squared Frobenius error of the rank-k reconstruction (k clamped to 0…rank). */
export function squaredErrorAtRank(spectrum: Spectrum, k: number): number {
  const kk = Math.max(0, Math.min(spectrum.rank, Math.floor(k)));
  let kept = 0;
  for (let i = 0; i < kk; i++) kept += spectrum.sigma[i] * spectrum.sigma[i];
  return Math.max(0, spectrum.frobeniusNormSquared - kept);
}

/** errors[k] = ‖A − A_k‖²_F for k = 0…rank. */
export function squaredErrorCurve(spectrum: Spectrum): Float64Array {
  const errors = new Float64Array(spectrum.rank + 1);
  let kept = 0;
  errors[0] = spectrum.frobeniusNormSquared;
  for (let k = 1; k <= spectrum.rank; k++) {
    kept += spectrum.sigma[k - 1] * spectrum.sigma[k - 1];
    errors[k] = Math.max(0, spectrum.frobeniusNormSquared - kept);
  }
  return errors;
}

/**
 * Energy kept: the share of Σ_c ‖A_c‖²_F that the channels' first components keep — `ranks` is
 * one rank for every channel or one per channel. 1 when every channel is zero.
 */
export function energyKept(spectra: readonly Spectrum[], ranks: number | readonly number[]): number {
  let total = 0;
  let lost = 0;
  spectra.forEach((spectrum, c) => {
    total += spectrum.frobeniusNormSquared;
    lost += squaredErrorAtRank(spectrum, typeof ranks === 'number' ? ranks : (ranks[c] ?? 0));
  });
  return total === 0 ? 1 : 1 - lost / total;
}
