/**
 * Accuracy of the engine on the sample photos against LAPACK (test/fixtures/engine-reference.json,
 * written by test/fixtures/make-engine-fixtures.py), from a Gaussian start and, at rank 32, from
 * the coarse start. Targets (issue 2):
 *   residual ‖A − A_k‖_F ≤ 1.01 × optimal for every k ≤ rank;
 *   σ_i within 1 % for i ≤ rank/2, within 5 % for i ≤ rank;
 *   ‖UᵀU − I‖_max, ‖VᵀV − I‖_max ≤ 1e-4;
 *   the error from the spectrum equals the actual reconstruction's error to 1e-4 relative.
 */
import { describe, expect, it } from 'vitest';
import {
  lanczosPlan,
  progressiveTruncatedSvd,
  squaredErrorAtRank,
  truncatedSvd,
  type Matrix,
  type TruncatedSvd,
} from '../../core/index.js';
import { loadReferenceMatrix, referenceCase, type ReferenceCase } from '../helpers/samples.js';
import { actualSquaredErrors, directSquaredErrors, optimalSquaredErrors, orthonormalityError } from '../helpers/svd-checks.js';

function checkAgainstReference(a: Matrix, reference: ReferenceCase, svd: TruncatedSvd, rank: number) {
  expect(svd.rank).toBe(rank);
  expect(svd.u.rows).toBe(a.rows);
  expect(svd.v.rows).toBe(a.cols);
  expect(svd.frobeniusNormSquared / reference.frobeniusNormSquared).toBeCloseTo(1, 10);
  for (let i = 1; i < rank; i++) expect(svd.sigma[i]).toBeLessThanOrEqual(svd.sigma[i - 1]);

  let worstHalf = 0;
  let worstAll = 0;
  for (let i = 0; i < rank; i++) {
    const relative = Math.abs(svd.sigma[i] - reference.sigma[i]) / reference.sigma[i];
    if (i < rank / 2) worstHalf = Math.max(worstHalf, relative);
    worstAll = Math.max(worstAll, relative);
  }
  expect(worstHalf).toBeLessThanOrEqual(0.01);
  expect(worstAll).toBeLessThanOrEqual(0.05);

  expect(orthonormalityError(svd.u)).toBeLessThanOrEqual(1e-4);
  expect(orthonormalityError(svd.v)).toBeLessThanOrEqual(1e-4);

  const actual = actualSquaredErrors(a, svd);
  const optimal = optimalSquaredErrors(reference.frobeniusNormSquared, reference.sigma, rank);
  let worstExcess = 0;
  for (let k = 1; k <= rank; k++) worstExcess = Math.max(worstExcess, Math.sqrt(actual[k]) / Math.sqrt(optimal[k]));
  expect(worstExcess).toBeLessThanOrEqual(1.01);

  // The spectrum's error against the error of the reconstruction formed pixel by pixel.
  const ranks = [1, Math.ceil(rank / 2), rank];
  const direct = directSquaredErrors(a, svd, ranks);
  ranks.forEach((k, i) => expect(Math.abs(squaredErrorAtRank(svd, k) - direct[i]) / direct[i]).toBeLessThanOrEqual(1e-4));
  return { worstHalf, worstAll, worstExcess };
}

describe('truncatedSvd against LAPACK on the sample photos', () => {
  it('a 1 MP crop at rank 64 takes the randomized path, with both kernels', async () => {
    const reference = referenceCase('mountain-crop-red');
    const a = await loadReferenceMatrix(reference);
    const plan = lanczosPlan(64);
    // The Krylov space must stay well below the short side, or the dense path would be used.
    expect(plan.blockSize * plan.steps).toBeLessThan(0.6 * Math.min(a.rows, a.cols));
    for (const kernels of ['relaxed', 'simd', 'plain'] as const) {
      const svd = await truncatedSvd(a, { rank: 64, kernels });
      checkAgainstReference(a, reference, svd, 64);
    }
  });

  it('a 1.5 MP photo at rank 128 (randomized path)', async () => {
    const reference = referenceCase('paintbrushes-green');
    const a = await loadReferenceMatrix(reference);
    const svd = await truncatedSvd(a, { rank: 128 });
    checkAgainstReference(a, reference, svd, 128);
  });

  it('a 512 × 512 photo at rank 256 (close to its short side: the exact dense path)', async () => {
    const reference = referenceCase('astronaut-green');
    const a = await loadReferenceMatrix(reference);
    const svd = await truncatedSvd(a, { rank: 256 });
    checkAgainstReference(a, reference, svd, 256);
  });

  it('a first look at rank 32 (coarseStart) on the 1 MP crop, the 1.5 MP photo and the 12 MP photo, then rank 128 extending it', async () => {
    for (const name of ['mountain-crop-red', 'paintbrushes-green', 'mountain-green']) {
      const reference = referenceCase(name);
      const a = await loadReferenceMatrix(reference);
      const first = await truncatedSvd(a, { rank: 32, coarseStart: true, keepKrylov: true });
      checkAgainstReference(a, reference, first, 32);
      if (name === 'mountain-green') continue;
      checkAgainstReference(a, reference, await truncatedSvd(a, { rank: 128, krylov: first.krylov }), 128);
    }
  });

  it('the 12 MP photo at rank 256 through a first look (coarseStart, then blocks of 32)', async () => {
    const reference = referenceCase('mountain-green');
    const a = await loadReferenceMatrix(reference);
    const svd = await progressiveTruncatedSvd(a, { stages: [32, 256], coarseStart: true });
    checkAgainstReference(a, reference, svd, 256);
  });

  it('the 12 MP photo at rank 256', async () => {
    const reference = referenceCase('mountain-green');
    const a = await loadReferenceMatrix(reference);
    const svd = await truncatedSvd(a, { rank: 256 });
    checkAgainstReference(a, reference, svd, 256);
  });
});
