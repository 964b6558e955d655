/**
 * Benchmark of Learn mode's computations (core/learn) on the 12 MP sample photo's red channel
 * (2848 × 4272), on the calling thread as the learn worker and its helper run them: the
 * eigenpairs of AᵀA and of the centred rows' CᵀC (one Lanczos run on the Gram operator) with
 * their agreement against the SVD and the rows' PCA from them, the rows' PCA alone (its own
 * Lanczos on CᵀC), Eckart–Young at k = 32, the colour covariance and the orthogonality of V₆₄. Each
 * is timed cold (the first call in this process: V8 compiles the code, as in the learn worker,
 * which is fresh whenever Learn mode opens) and warm (median of 3 later calls). The same
 * eigenpairs and PCA are computed by SciPy/scikit-learn in the same run as the reference
 * (test/bench/learn_bench.py: ARPACK's eigsh on a LinearOperator for AᵀA, and PCA with the
 * randomized solver), float64, the best OpenBLAS core.
 *
 *   npm run bench                                     (builds, then runs every benchmark)
 *   node dist/bench/learn-bench.mjs [--quick]         (after `npm run build`; --quick: 1 warm run)
 *
 * The window's side (the time each view takes to appear after Learn mode opens, in Chromium) is
 * in the UI benchmark (test/bench/ui/learn.ts).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import sharp from 'sharp';
import {
  GramOperator,
  channelSamples,
  colorCovariance,
  createKernels,
  eckartYoung,
  eigenAgreement,
  gramEigen,
  orthogonality,
  rowPca,
  singularVectorRows,
  truncatedSvd,
  type KernelBackend,
  type PixelImage,
  type SampleMatrix,
  type TruncatedSvd,
} from '../../core/index.js';
import { enableRelaxedSimd } from '../../electron/cli/relaxed-simd.js';
import { PHOTO_FILE, PYTHON, QUICK, ROOT, SAMPLES_DIR, gitCommit } from './lib/config.js';
import { summarize } from './lib/measure.js';
import { chooseOpenBlasCore, sklearnEnvironment } from './lib/sklearn.js';
import { printTable, range, scientific, seconds } from './lib/table.js';

/** The learn worker's counts (renderer/src/workers/learn/learn.worker.ts). */
const EIGEN_COUNT = 32;
const PCA_RANK = 16;
const K = 32;
const WARM_RUNS = QUICK ? 1 : 3;
const LEARN_SCRIPT = `${ROOT}test/bench/learn_bench.py`;

interface Phase {
  name: string;
  cold: number;
  warm: number[];
}

async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - start) / 1000 };
}

/**
 * What the learn helper's eigen() and pca() do: the operator, one Lanczos run for the pairs of
 * AᵀA and of the centred rows' CᵀC, AᵀA vᵢ for the agreement, then the PCA's scores from those
 * pairs.
 */
async function eigenView(a: SampleMatrix, svd: TruncatedSvd, kernels: KernelBackend) {
  const operator = new GramOperator(a, kernels);
  const eigen = await gramEigen(a, EIGEN_COUNT, { kernels, operator, centred: PCA_RANK });
  const vRows = singularVectorRows(svd.v, EIGEN_COUNT);
  const images = operator.apply(vRows, EIGEN_COUNT);
  const agreement = await eigenAgreement(svd.sigma, vRows, images, eigen, EIGEN_COUNT);
  const pca = await rowPca(a, PCA_RANK, { kernels, operator, pairs: eigen.centred });
  return { eigen, agreement, pca };
}

interface Reference {
  eigsh_seconds: number;
  eigenvalues: number[];
  pca_seconds: number;
  ratios: number[];
  openblas_coretype: string;
}

async function pythonReference(file: string): Promise<Reference> {
  await chooseOpenBlasCore();
  const out = execFileSync(PYTHON, [LEARN_SCRIPT, file, String(EIGEN_COUNT), String(PCA_RANK), String(WARM_RUNS)], {
    encoding: 'utf8',
    env: sklearnEnvironment(1),
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out) as Reference;
}

async function main(): Promise<void> {
  enableRelaxedSimd();
  const cpus = os.cpus();
  console.log('SVD Studio Learn-mode benchmark' + (QUICK ? ' (--quick: 1 warm run)' : ''));
  console.log(`commit ${gitCommit() ?? 'unknown (no git)'}, measured ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}`,
  );
  const file = `${SAMPLES_DIR}${PHOTO_FILE}`;
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const image: PixelImage = {
    width: info.width,
    height: info.height,
    channels: 3,
    bitDepth: 8,
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
  const a: SampleMatrix = { rows: image.height, cols: image.width, data: channelSamples(image, 0) };
  const kernels = await createKernels('auto');
  console.error('… the SVD of the red channel (rank 64), as the studio has it');
  const svd = await truncatedSvd(a, { rank: 64, kernels });

  const phases: Phase[] = [];
  const work: [string, () => Promise<unknown>][] = [
    [`eigenpairs of AᵀA and CᵀC (one Lanczos run) + agreement + PCA`, () => eigenView(a, svd, kernels)],
    [`rows' PCA alone, ${PCA_RANK} components`, () => rowPca(a, PCA_RANK, { kernels })],
    [`Eckart–Young, k = ${K}`, () => eckartYoung(a, svd, K, kernels)],
    ['colour covariance (3 × 3)', () => colorCovariance(image)],
    ['orthogonality, V₆₄ᵀV₆₄', async () => orthogonality(svd.v, 64)],
  ];
  let eigenResult: Awaited<ReturnType<typeof eigenView>> | null = null;
  let pcaRatios: Float64Array | null = null;
  for (const [name, run] of work) {
    console.error(`… ${name}`);
    const cold = await timed(run);
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const result = await timed(run);
      warm.push(result.seconds);
      if (name.startsWith('eigen')) eigenResult = result.value as typeof eigenResult;
      if (name.startsWith('rows')) pcaRatios = (result.value as Awaited<ReturnType<typeof rowPca>>).ratios;
    }
    phases.push({ name, cold: cold.seconds, warm });
  }
  console.error('… SciPy / scikit-learn reference');
  const reference = await pythonReference(file);

  const warmTiming = (p: Phase) => summarize(p.warm);
  printTable(
    `Learn mode's computations, 12 MP red channel (${a.rows}×${a.cols}), calling thread (s)`,
    ['computation', 'cold (first call)', `warm median of ${WARM_RUNS}`, 'range'],
    phases.map((p) => [p.name, seconds(p.cold), seconds(warmTiming(p).median), range(warmTiming(p))]),
    {
      notes: [
        'cold: the first call in this process, as in a fresh learn worker (V8 compiles the code); warm: later calls.',
        `the helper runs the first, the learn worker Eckart–Young and the quick ones; the studio's view times (from opening Learn mode) are in the UI benchmark.`,
      ],
    },
  );
  const eigen = eigenResult!;
  const differences = Array.from(eigen.eigen.values, (value, i) => Math.abs(value - reference.eigenvalues[i]) / reference.eigenvalues[i]);
  const ratioDifferences = Array.from(pcaRatios!, (value, i) => Math.abs(value - reference.ratios[i]));
  const eigenWarm = summarize(phases[0].warm).median;
  const pcaWarm = summarize(phases[1].warm).median;
  printTable(
    'Against SciPy / scikit-learn in the same run (float64, OpenBLAS core ' + reference.openblas_coretype + ')',
    ['computation', 'studio warm (s)', 'reference (s)', 'ratio', 'agreement'],
    [
      [
        `top ${EIGEN_COUNT} eigenvalues of AᵀA (studio: with CᵀC and the PCA)`,
        seconds(eigenWarm),
        seconds(reference.eigsh_seconds),
        (eigenWarm / reference.eigsh_seconds).toFixed(2),
        `max |λ−λ_ref|/λ_ref ${scientific(Math.max(...differences.slice(0, 10)))} (first 10), ${scientific(Math.max(...differences))} (all)`,
      ],
      [
        `PCA, ${PCA_RANK} components`,
        seconds(pcaWarm),
        seconds(reference.pca_seconds),
        (pcaWarm / reference.pca_seconds).toFixed(2),
        `max |ratio − ratio_ref| ${scientific(Math.max(...ratioDifferences))}`,
      ],
    ],
    {
      notes: [
        `reference: scipy.sparse.linalg.eigsh(LinearOperator x ↦ Aᵀ(Ax), k=${EIGEN_COUNT}) and sklearn PCA(${PCA_RANK}, svd_solver='randomized'), float64.`,
        `studio: Lanczos blocks of 8 on float32 products (${eigen.eigen.products} products, a ${eigen.eigen.dimension}-dimensional Krylov space); largest |λ−σ²|/σ² (first 10) ${scientific(Math.max(...eigen.agreement.relativeDifference.slice(0, 10)))}.`,
      ],
    },
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
