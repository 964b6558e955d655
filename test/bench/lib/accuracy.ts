/**
 * Accuracy of a truncated SVD against the fixture's LAPACK singular values: the residual curve
 * against the optimal one, σ errors, orthonormality. The same measures are computed for
 * sklearn's results (in Python, float64) and compared here.
 */
import type { Matrix, TruncatedSvd } from '../../../core/index.js';
import type { ReferenceCase } from '../../helpers/samples.js';
import { actualSquaredErrors, optimalSquaredErrors, orthonormalityError } from '../../helpers/svd-checks.js';

export interface Accuracy {
  /** max over 1 ≤ k ≤ rank of ‖A − A_k‖_F / optimal. */
  worstResidualRatio: number;
  /** Worst relative σ error for i ≤ rank/2 and for i ≤ rank. */
  sigmaErrorHalf: number;
  sigmaErrorAll: number;
  orthonormality: number;
  /** ‖A − A_rank‖_F. */
  residual: number;
}

/** `squaredErrors[k]` = ‖A − A_k‖_F² for k = 0 … rank. */
export function accuracyFrom(
  sigma: ArrayLike<number>,
  squaredErrors: ArrayLike<number>,
  orthonormality: number,
  reference: ReferenceCase,
  residual: number,
): Accuracy {
  const rank = sigma.length;
  const optimal = optimalSquaredErrors(reference.frobeniusNormSquared, reference.sigma, rank);
  let worstResidualRatio = 0;
  for (let k = 1; k <= rank; k++) worstResidualRatio = Math.max(worstResidualRatio, Math.sqrt(squaredErrors[k] / optimal[k]));
  const sigmaError = (count: number) => {
    let worst = 0;
    for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(sigma[i] - reference.sigma[i]) / reference.sigma[i]);
    return worst;
  };
  return { worstResidualRatio, sigmaErrorHalf: sigmaError(Math.ceil(rank / 2)), sigmaErrorAll: sigmaError(rank), orthonormality, residual };
}

export function engineAccuracy(a: Matrix, svd: TruncatedSvd, reference: ReferenceCase): Accuracy {
  const errors = actualSquaredErrors(a, svd);
  const orthonormality = Math.max(orthonormalityError(svd.u), orthonormalityError(svd.v));
  return accuracyFrom(svd.sigma, errors, orthonormality, reference, Math.sqrt(Math.max(0, errors[svd.rank])));
}
