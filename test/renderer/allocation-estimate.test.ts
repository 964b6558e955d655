/**
 * The target control's estimate (renderer/src/shared/allocation-estimate.ts) against the real
 * allocation (core's encodeSvdFile with a PSNR target) on a crop of a sample photo: the estimate
 * keeps its own error budget, rises with the PSNR, and once calibrated on one exact answer lands
 * near the encoder's ranks for nearby targets.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { encodeSvdFile, planeMatrices, squaredErrorAtRank, truncatedSvd, type PixelImage } from '../../core/index.js';
import { allowedSquaredError, calibrate, ranksForBytes, ranksForPsnr } from '../../renderer/src/shared/allocation-estimate.js';
import { codingLayout } from '../../renderer/src/shared/coding.js';
import { spectrumOf } from '../../renderer/src/shared/spectrum.js';
import { samplesDir } from '../helpers/samples.js';

async function crop(): Promise<PixelImage> {
  const { data, info } = await sharp(`${samplesDir}paintbrushes_1365x1074.jpg`)
    .extract({ left: 400, top: 300, width: 320, height: 240 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, bitDepth: 8, pixels: new Uint8Array(data) };
}

describe('allocation estimate', () => {
  it('keeps within its budget, rises with the PSNR, and follows the encoder once calibrated', async () => {
    const image = await crop();
    const layout = codingLayout(image, { model: 'patch', colorSpace: 'ycbcr' });
    const svds = await Promise.all(planeMatrices(image, layout).map((matrix) => truncatedSvd(matrix, { rank: 64 })));
    const spectra = svds.map((svd) => spectrumOf(svd));
    let previous = 0;
    for (const psnr of [26, 30, 34, 38]) {
      const ranks = ranksForPsnr(spectra, layout, 0, psnr, 0.5);
      const total = ranks.reduce((sum, k) => sum + k, 0);
      expect(total).toBeGreaterThanOrEqual(previous);
      previous = total;
      for (const k of ranks) {
        expect(k).toBeGreaterThanOrEqual(1);
        expect(k).toBeLessThanOrEqual(64);
      }
      const error = ranks.reduce((sum, k, p) => sum + layout.planes[p].weight * squaredErrorAtRank(spectra[p], k), 0);
      // Within budget, and one component fewer anywhere would not be (or it is at the floor of one).
      if (total > 3) expect(error).toBeLessThanOrEqual(0.5 * allowedSquaredError(layout, psnr) + 1e-6);
    }
    // Calibrated on the encoder's answer at 32 dB, the estimate at 32 and 33 dB is close to the encoder's.
    const at32 = await encodeSvdFile({ image, layout, svds, target: { psnr: 32 } });
    const share = calibrate(spectra, layout, 0, 32, at32.ranks);
    const estimate32 = ranksForPsnr(spectra, layout, 0, 32, share);
    const sum = (ranks: readonly number[]) => ranks.reduce((total, k) => total + k, 0);
    expect(Math.abs(sum(estimate32) - sum(at32.ranks))).toBeLessThanOrEqual(2);
    const at33 = await encodeSvdFile({ image, layout, svds, target: { psnr: 33 } });
    const estimate33 = ranksForPsnr(spectra, layout, 0, 33, share);
    expect(Math.abs(sum(estimate33) - sum(at33.ranks)) / sum(at33.ranks)).toBeLessThan(0.25);
  });

  it('byte budgets interpolate between exact answers', () => {
    const points = [
      { fileBytes: 1000, ranks: [10, 2, 2] },
      { fileBytes: 3000, ranks: [30, 6, 4] },
    ];
    expect(ranksForBytes(points, 2000)).toEqual([20, 4, 3]);
    expect(ranksForBytes(points, 6000)).toEqual([60, 12, 8]);
    expect(ranksForBytes([], 6000)).toBeNull();
  });
});
