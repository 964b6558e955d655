/**
 * Learn mode's numbers (core/learn) against numpy/LAPACK (test/fixtures/learn-reference.json,
 * made by test/fixtures/make-learn-fixtures.py): eigenpairs of AᵀA (dense and Lanczos) and their
 * agreement with the SVD, orthogonality, Eckart–Young, PCA of the rows, the colour covariance.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GramOperator,
  colorCovariance,
  createKernels,
  eckartYoung,
  eigenAgreement,
  gramEigen,
  orthogonality,
  randomProjectionEnergy,
  rowPca,
  singularVectorRows,
  truncatedSvd,
  type KernelBackend,
  type PixelImage,
  type SampleMatrix,
} from '../../core/index.js';
import { loadReferenceMatrix, samplesDir } from '../helpers/samples.js';

interface LearnCase {
  name: string;
  file: string;
  channel: number;
  rows: number;
  cols: number;
  sha256: string;
  gramEigenvalues: number[];
  gramEigenvectors: number[][];
  pcaSigma: number[];
  pcaTotal: number;
  pcaRatios: number[];
  pcaScores?: number[][];
  meanRow: number[];
  colorMean: number[];
  colorCovariance: number[];
  colorEigenvalues: number[];
  colorEigenvectors: number[][];
}

const cases: LearnCase[] = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/learn-reference.json', import.meta.url)), 'utf8'),
).cases;
const byName = (name: string) => cases.find((c) => c.name === name)!;

async function channelOf(reference: LearnCase): Promise<SampleMatrix> {
  const matrix = await loadReferenceMatrix({ ...reference, crop: null, frobeniusNormSquared: 0, sigma: [] });
  return { rows: matrix.rows, cols: matrix.cols, data: Uint8Array.from(matrix.data) };
}

async function rgbOf(file: string): Promise<PixelImage> {
  const { data, info } = await sharp(samplesDir + file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, bitDepth: 8, pixels: new Uint8Array(data) };
}

/** The angle between two lines (unit vectors up to sign). */
function angle(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let product = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    product += x[i] * y[i];
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  return Math.acos(Math.min(1, Math.abs(product) / Math.sqrt(xx * yy)));
}

const relative = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);

let kernels: KernelBackend;
beforeAll(async () => {
  kernels = await createKernels('auto');
});

describe('eigenpairs of AᵀA, computed without the SVD', () => {
  it('dense (n = 512): the exact Gram matrix, eigenvalues within 1e-12 of numpy.linalg.eigh, vectors within 1e-6 rad', async () => {
    const reference = byName('astronaut-green');
    const a = await channelOf(reference);
    const eigen = await gramEigen(a, 32, { kernels });
    expect(eigen.method).toBe('dense');
    expect(eigen.values.length).toBe(32);
    eigen.values.forEach((value, i) => expect(relative(value, reference.gramEigenvalues[i])).toBeLessThan(1e-12));
    // The fixture's vectors carry 8 significant digits.
    reference.gramEigenvectors.forEach((vector, i) =>
      expect(angle(eigen.vectors.subarray(i * a.cols, (i + 1) * a.cols), vector)).toBeLessThan(1e-6),
    );
    for (const residual of eigen.residuals) expect(residual).toBeLessThan(1e-11);
  });

  for (const [name, denseLimit] of [
    ['astronaut-green', 0],
    ['paintbrushes-green', undefined],
  ] as const) {
    it(`Lanczos on x ↦ Aᵀ(Ax) (${name}): 32 eigenvalues within 1e-5, the first 8 vectors within 2e-5 rad, every residual at the float32 floor`, async () => {
      const reference = byName(name);
      const a = await channelOf(reference);
      const eigen = await gramEigen(a, 32, { kernels, denseLimit });
      expect(eigen.method).toBe('lanczos');
      // Measured: ≤ 2.1e-6 and ≤ 2.8e-6 rad (float32 products, shifted by the mean as in the engine).
      eigen.values.forEach((value, i) => expect(relative(value, reference.gramEigenvalues[i])).toBeLessThan(1e-5));
      reference.gramEigenvectors.forEach((vector, i) =>
        expect(angle(eigen.vectors.subarray(i * a.cols, (i + 1) * a.cols), vector)).toBeLessThan(2e-5),
      );
      // The stopping rule: ‖AᵀA y − θ y‖ ≤ 2e-6·θ₁ for every wanted pair (or the space's limit, not reached here).
      eigen.residuals.forEach((residual, i) => expect(residual * eigen.values[i]).toBeLessThanOrEqual(2e-6 * eigen.values[0]));
      expect(eigen.dimension).toBeLessThan(128);
      // Orthonormal eigenvectors (as the columns of an n × 32 matrix).
      const columns = new Float32Array(a.cols * 32);
      for (let i = 0; i < 32; i++) for (let j = 0; j < a.cols; j++) columns[j * 32 + i] = eigen.vectors[i * a.cols + j];
      expect(orthogonality({ rows: a.cols, cols: 32, data: columns }, 32).maxDeviation).toBeLessThan(1e-6);
    });
  }

  it('agrees with the SVD: σᵢ² against λᵢ, vᵢ against the eigenvectors, and the SVD pair’s own residual', async () => {
    const reference = byName('paintbrushes-green');
    const a = await channelOf(reference);
    const eigen = await gramEigen(a, 32, { kernels });
    const svd = await truncatedSvd(a, { rank: 64, kernels });
    const vRows = singularVectorRows(svd.v, 32);
    const images = new GramOperator(a, kernels).apply(vRows, 32);
    const agreement = await eigenAgreement(svd.sigma, vRows, images, eigen, 32);
    // Independent references: LAPACK's eigenvalues against the SVD's σ² too.
    svd.sigma.slice(0, 32).forEach((s, i) => expect(relative(s * s, reference.gramEigenvalues[i])).toBeLessThan(1e-4));
    for (let i = 0; i < 32; i++) {
      expect(agreement.relativeDifference[i]).toBeLessThan(i < 16 ? 1e-5 : 1e-4);
      expect(agreement.angles[i]).toBeLessThan(i < 16 ? 1e-4 : 2e-2);
      expect(agreement.residuals[i]).toBeLessThan(i < 16 ? 1e-3 : 2e-2);
    }
    // A cluster's angle is the largest principal angle between the two subspaces: the same for each member.
    for (const [first, end] of agreement.clusters) {
      expect(end - first).toBeGreaterThan(1);
      for (let i = first; i < end; i++) expect(agreement.angles[i]).toBe(agreement.angles[first]);
    }
  });
});

describe('orthogonality of the singular vectors', () => {
  it('UₖᵀUₖ and VₖᵀVₖ are the identity to float32 precision, and a broken basis shows', async () => {
    const a = await channelOf(byName('astronaut-green'));
    const svd = await truncatedSvd(a, { rank: 64, kernels });
    for (const q of [svd.u, svd.v]) {
      const result = orthogonality(q, 64);
      expect(result.k).toBe(64);
      expect(result.maxDeviation).toBeLessThan(1e-5);
      expect(result.maxOffDiagonal).toBeLessThanOrEqual(result.maxDeviation);
      expect(result.gram[0]).toBeCloseTo(1, 5);
    }
    const broken = { ...svd.v, data: svd.v.data.slice() };
    for (let r = 0; r < broken.rows; r++) broken.data[r * broken.cols + 1] += 0.01 * broken.data[r * broken.cols];
    expect(orthogonality(broken, 8).maxOffDiagonal).toBeCloseTo(0.01, 3);
  });
});

describe('Eckart–Young', () => {
  it('the truncation error on the pixels equals √(Σ_{i>k} σᵢ²), and k random directions do worse', async () => {
    const reference = byName('paintbrushes-green');
    const a = await channelOf(reference);
    const svd = await truncatedSvd(a, { rank: 64, kernels });
    for (const k of [1, 8, 32]) {
      const result = await eckartYoung(a, svd, k, kernels);
      expect(result.k).toBe(k);
      expect(relative(result.measured, result.fromSpectrum)).toBeLessThan(1e-4);
      expect(result.random).toBeGreaterThan(result.measured);
      // LAPACK's σ: Σ_{i>k} σᵢ² = ‖A‖² − Σ_{i≤k} λᵢ.
      const kept = reference.gramEigenvalues.slice(0, k).reduce((sum, value) => sum + value, 0);
      expect(relative(result.fromSpectrum, Math.sqrt(result.norm ** 2 - kept))).toBeLessThan(1e-4);
    }
  });

  it('a Gram operator handed in for the random projection is used, and still holds the workspace afterwards', async () => {
    const a = await channelOf(byName('paintbrushes-green'));
    const svd = await truncatedSvd(a, { rank: 16, kernels });
    const alone = await eckartYoung(a, svd, 8, kernels);
    let made = 0;
    const shared = await eckartYoung(a, svd, 8, kernels, {
      gram: () => {
        made++;
        return new GramOperator(a, kernels);
      },
    });
    expect(made).toBe(1);
    expect(shared).toEqual(alone);
    // The reconstruction ran first: the operator made for the projection is the workspace's last user.
    expect(kernels.holds).toBeInstanceOf(GramOperator);
  });

  it('the random projection keeps more energy with more directions (nested bases) and all of it with n of them', async () => {
    const rows = 40;
    const cols = 24;
    const data = new Uint8Array(rows * cols).map((_, i) => (i * 37 + ((i * i) % 11)) & 255);
    const a = { rows, cols, data };
    let normSquared = 0;
    for (const value of data) normSquared += value * value;
    const energies = Array.from({ length: cols + 1 }, (_, k) => randomProjectionEnergy(a, k, kernels, 3));
    expect(energies[0]).toBe(0);
    for (let k = 1; k <= cols; k++) expect(energies[k]).toBeGreaterThanOrEqual(energies[k - 1] * (1 - 1e-6));
    expect(relative(energies[cols], normSquared)).toBeLessThan(1e-6);
    const svd = await truncatedSvd(a, { rank: 16, kernels });
    for (const k of [1, 5, 12]) {
      const result = await eckartYoung(a, svd, k, kernels, { seed: 3 });
      expect(result.random).toBeCloseTo(Math.sqrt(normSquared - energies[k]), 6);
      expect(result.random).toBeGreaterThanOrEqual(result.measured);
    }
  });
});

describe('PCA of the rows', () => {
  it('the centred SVD: σ, explained-variance ratios and PC1/PC2 coordinates match numpy', async () => {
    const reference = byName('astronaut-green');
    const a = await channelOf(reference);
    const pca = await rowPca(a, 32, { kernels });
    reference.meanRow.forEach((value, c) => expect(pca.mean[c]).toBeCloseTo(value, 9));
    expect(relative(pca.total, reference.pcaTotal)).toBeLessThan(1e-12);
    for (let i = 0; i < 16; i++) {
      expect(relative(pca.sigma[i], reference.pcaSigma[i])).toBeLessThan(1e-4);
      expect(relative(pca.ratios[i], reference.pcaRatios[i])).toBeLessThan(2e-4);
    }
    const scores = reference.pcaScores!;
    let worst = 0;
    const scale = Math.sqrt(reference.pcaTotal / a.rows);
    for (let r = 0; r < a.rows; r++)
      for (let k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(pca.scores[r * 2 + k] - scores[k][r]) / scale);
    expect(worst).toBeLessThan(1e-4);
    // Centring matters: the uncentred SVD's first share is far larger (the mean brightness).
    const uncentred = await truncatedSvd(a, { rank: 1, kernels });
    expect(uncentred.sigma[0] ** 2 / uncentred.frobeniusNormSquared).toBeGreaterThan(pca.ratios[0]);
    expect(pca.method).toBe('lanczos');
  });

  for (const name of ['astronaut-green', 'paintbrushes-green']) {
    it(`${name}: the eigensolver's Lanczos run on AᵀA gives the same PCA (CᵀC's pairs from its Krylov space)`, async () => {
      const reference = byName(name);
      const a = await channelOf(reference);
      const operator = new GramOperator(a, kernels);
      const eigen = await gramEigen(a, 32, { kernels, operator, denseLimit: 0, centred: 16 });
      for (let i = 0; i < 32; i++) expect(relative(eigen.values[i], reference.gramEigenvalues[i])).toBeLessThan(1e-5);
      const pca = await rowPca(a, 16, { kernels, operator, pairs: eigen.centred });
      expect(relative(pca.total, reference.pcaTotal)).toBeLessThan(1e-12);
      for (let i = 0; i < 16; i++) {
        expect(relative(pca.sigma[i], reference.pcaSigma[i])).toBeLessThan(1e-6);
        expect(relative(pca.ratios[i], reference.pcaRatios[i])).toBeLessThan(1e-6);
      }
      if (reference.pcaScores) {
        const scale = Math.sqrt(reference.pcaTotal / a.rows);
        for (let r = 0; r < a.rows; r++)
          for (let k = 0; k < 2; k++) expect(Math.abs(pca.scores[r * 2 + k] - reference.pcaScores[k][r]) / scale).toBeLessThan(1e-5);
      }
    });
  }

  it('a narrow channel (dense path): every axis satisfies BᵀB v = σ² v, the axes are orthonormal, the ratios sum to 1', async () => {
    // 300 rows of 40 values with a few strong directions, 16-bit.
    const rows = 300;
    const cols = 40;
    const data = new Uint16Array(rows * cols).map((_, i) => {
      const r = Math.floor(i / cols);
      const c = i % cols;
      return 20000 + 9000 * Math.sin(r / 17 + c / 5) + 3000 * Math.cos(r / 3) * (c % 7) + ((i * 7919) % 101);
    });
    const a = { rows, cols, data };
    const pca = await rowPca(a, cols, { kernels });
    expect(pca.method).toBe('dense');
    // B, its Gram matrix and the total, in float64 here.
    const mean = new Float64Array(cols);
    for (let i = 0; i < data.length; i++) mean[i % cols] += data[i] / rows;
    const b = Float64Array.from(data, (value, i) => value - mean[i % cols]);
    const total = b.reduce((sum, value) => sum + value * value, 0);
    expect(relative(pca.total, total)).toBeLessThan(1e-12);
    const gram = new Float64Array(cols * cols);
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) gram[i * cols + j] += b[r * cols + i] * b[r * cols + j];
    const largest = pca.sigma[0] ** 2;
    for (let k = 0; k < cols; k++) {
      const v = pca.axes.subarray(k * cols, (k + 1) * cols);
      for (let i = 0; i < cols; i++) {
        let product = 0;
        for (let j = 0; j < cols; j++) product += gram[i * cols + j] * v[j];
        expect(Math.abs(product - pca.sigma[k] ** 2 * v[i])).toBeLessThan(1e-10 * largest);
      }
      for (let l = 0; l <= k; l++) {
        let dot = 0;
        for (let i = 0; i < cols; i++) dot += v[i] * pca.axes[l * cols + i];
        expect(Math.abs(dot - (l === k ? 1 : 0))).toBeLessThan(1e-10);
      }
      if (k > 0) expect(pca.sigma[k]).toBeLessThanOrEqual(pca.sigma[k - 1]);
    }
    expect(pca.ratios.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 10);
    // Row r's scores are B v₁ and B v₂ (float32).
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < 2; k++) {
        let score = 0;
        for (let c = 0; c < cols; c++) score += b[r * cols + c] * pca.axes[k * cols + c];
        expect(Math.abs(pca.scores[r * 2 + k] - score)).toBeLessThan(1e-5 * pca.sigma[0]);
      }
    }
  });

  it('rows that are all the same have no variance: zero ratios and scores, no error', async () => {
    const rows = 50;
    const cols = 100;
    const data = new Uint8Array(rows * cols).map((_, i) => (i % cols) * 2);
    const pca = await rowPca({ rows, cols, data }, 16, { kernels });
    expect(pca.total).toBe(0);
    expect(Array.from(pca.ratios)).toEqual(new Array(16).fill(0));
    expect(pca.scores.every((value) => value === 0)).toBe(true);
    pca.mean.forEach((value, c) => expect(value).toBe(c * 2));
  });
});

describe('colour covariance', () => {
  for (const reference of cases) {
    it(`${reference.file}: the 3 × 3 covariance and its eigenpairs match numpy`, async () => {
      const result = await colorCovariance(await rgbOf(reference.file));
      result.mean.forEach((value, i) => expect(relative(value, reference.colorMean[i])).toBeLessThan(1e-12));
      Array.from(result.covariance).forEach((value, i) =>
        expect(Math.abs(value - reference.colorCovariance[i])).toBeLessThan(1e-9 * reference.colorEigenvalues[0]),
      );
      result.principal.forEach((axis, i) => {
        expect(relative(axis.variance, reference.colorEigenvalues[i])).toBeLessThan(1e-9);
        expect(angle(axis.direction, reference.colorEigenvectors[i])).toBeLessThan(1e-8);
      });
      const trace = reference.colorEigenvalues.reduce((sum, value) => sum + value, 0);
      expect(result.principal.reduce((sum, axis) => sum + axis.share, 0)).toBeCloseTo(1, 12);
      // No fixed axis carries more variance than the first principal one, nor less than the last.
      for (const axis of result.ycbcr) {
        expect(axis.variance).toBeLessThanOrEqual(reference.colorEigenvalues[0] * (1 + 1e-12));
        expect(axis.variance).toBeGreaterThanOrEqual(reference.colorEigenvalues[2] * (1 - 1e-12));
        expect(axis.share).toBeCloseTo(axis.variance / trace, 12);
      }
      expect(result.ycbcr.map((axis) => axis.name)).toEqual(['Y', 'Cb', 'Cr']);
    });
  }

  it('refuses a gray photo with a clear message', async () => {
    const gray: PixelImage = { width: 2, height: 2, channels: 1, bitDepth: 8, pixels: new Uint8Array(4) };
    await expect(colorCovariance(gray)).rejects.toThrow(/gray photo has one colour channel/);
  });
});

describe('GramOperator', () => {
  it('refuses to multiply once its workspace was allocated for other work', async () => {
    const a = { rows: 16, cols: 12, data: new Uint8Array(192).map((_, i) => (i * 7) & 255) };
    const operator = new GramOperator(a, kernels);
    const x = new Float64Array(12).fill(1);
    expect(operator.apply(x, 1).length).toBe(12);
    kernels.allocate(64, 8);
    expect(() => operator.apply(x, 1)).toThrow(/allocated for other work/);
  });
});
