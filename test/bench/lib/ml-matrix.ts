/** ml-matrix's full SVD of the 1 MP crop (one slow run), for the "≥ 100× faster" target. */
import { Matrix as MlMatrix, SingularValueDecomposition } from 'ml-matrix';
import type { Matrix } from '../../../core/index.js';
import type { ReferenceCase } from '../../helpers/samples.js';
import { ENGINE_KERNELS, RANKS } from './config.js';
import { CALLING_THREAD, findRow, type PhotoResults } from './engine-runs.js';
import { printTable, scientific, seconds } from './table.js';

export interface MlMatrixResult {
  seconds: number;
  sigmaError: number;
}

export function mlMatrixSvd(a: Matrix, reference: ReferenceCase): MlMatrixResult {
  const rows = Array.from({ length: a.rows }, (_, r) => Array.from(a.data.subarray(r * a.cols, (r + 1) * a.cols)));
  const start = performance.now();
  const svd = new SingularValueDecomposition(new MlMatrix(rows), {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: true,
    autoTranspose: true,
  });
  const elapsed = (performance.now() - start) / 1000;
  const sigma = svd.diagonal;
  let sigmaError = 0;
  for (let i = 0; i < Math.min(256, sigma.length); i++)
    sigmaError = Math.max(sigmaError, Math.abs(sigma[i] - reference.sigma[i]) / reference.sigma[i]);
  return { seconds: elapsed, sigmaError };
}

export function printMlMatrix(crop: PhotoResults, ml: MlMatrixResult | null): void {
  if (!ml) {
    console.log('\nml-matrix: skipped (--quick)');
    return;
  }
  const rows = RANKS.map((rank) => {
    const ours = findRow(crop, CALLING_THREAD(ENGINE_KERNELS), rank)!.measured.timing.median;
    return [
      `ours, rank ${rank}, 1 ch, ${ENGINE_KERNELS}`,
      seconds(ours),
      (ours / ml.seconds).toFixed(4),
      `${(ml.seconds / ours).toFixed(0)}×`,
    ];
  });
  rows.unshift(['ml-matrix full SVD (U and V), 1 run', seconds(ml.seconds), '1.0000', '1×']);
  printTable(
    `ml-matrix SingularValueDecomposition — ${crop.photo.label}, channel ${'RGB'[crop.photo.checkChannel]}, seconds`,
    ['configuration', 'time', 'ours / ml-matrix', 'speed-up'],
    rows,
    { notes: [`ml-matrix σ error (i ≤ 256) vs LAPACK: ${scientific(ml.sigmaError)}`] },
  );
}
