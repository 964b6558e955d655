/**
 * .svd version 2: round trips for both models, the colour spaces, bit depths and alpha; the PSNR
 * target met on the decoded file within [target, target + 0.1 dB]; byte budgets never exceeded;
 * any prefix of the segments a valid file of lower rank; the planes and colour transforms
 * against direct formulas; the whole-image model decoded straight into pixels against its planes.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  chromaSubsamplingError,
  colorSquaredError,
  decodeSvd,
  decodedColorSquaredError,
  decodedPlaneSamples,
  decodedSvdPixels,
  encodeSvdFile,
  imageLayout,
  planeMatrices,
  readSvdHeader,
  svdFilePrefix,
  svdFileSubset,
  planeSamples,
  planeSamplesOf,
  planesToPixels,
  patchComponentsInto,
  type LayoutOptions,
  type SvdTarget,
} from '../../core/codec/index.js';
import { downsampleHalf, halfChroma, rgbToYCbCr, rgbToYCbCrHalf, upsampleBilinear, yCbCrToRgb } from '../../core/image/color.js';
import { fromPatchMatrix, toPatchMatrix } from '../../core/image/patches.js';
import { createKernels, meanSquaredError, peakValue, reconstructPixels, truncatedSvd, type PixelImage } from '../../core/index.js';
import { samplesDir } from '../helpers/samples.js';

/** A sample (or a crop of it: its centre), 16-bit when asked, gray JPEGs as one channel. */
async function sample(file: string, crop?: { width: number; height: number }, sixteen = false): Promise<PixelImage> {
  let pipeline = sharp(samplesDir + file);
  const { width = 0, height = 0, channels } = await pipeline.metadata();
  if (crop)
    pipeline = pipeline.extract({ left: Math.floor((width - crop.width) / 2), top: Math.floor((height - crop.height) / 2), ...crop });
  if (sixteen) pipeline = pipeline.toColourspace('rgb16');
  else if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  const { data, info } = await pipeline.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const pixels = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2).slice() : new Uint8Array(data);
  return { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4, bitDepth: sixteen ? 16 : 8, pixels };
}

function psnr(a: PixelImage, b: PixelImage): number {
  return 10 * Math.log10(peakValue(a.bitDepth) ** 2 / meanSquaredError(a, b));
}

async function encode(image: PixelImage, options: LayoutOptions, target: SvdTarget, rank = 64) {
  const layout = imageLayout(image, options);
  const svds = await Promise.all(planeMatrices(image, layout).map((matrix) => truncatedSvd(matrix, { rank })));
  return { layout, ...(await encodeSvdFile({ image, layout, svds, target })) };
}

describe('planes', () => {
  it.each([
    [13, 7, 3, false],
    [8, 6, 4, false],
    [1, 1, 3, false],
    [9, 5, 3, true],
  ])(
    'half-resolution YCbCr two rows at a time equals full planes downsampled, to the bit (%i × %i, %i channels, 16-bit %s)',
    (width, height, channels, sixteen) => {
      const count = width * height;
      const pixels = sixteen ? new Uint16Array(count * channels) : new Uint8Array(count * channels);
      for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919 + 13) % (sixteen ? 65536 : 256);
      const [y, cb, cr] = rgbToYCbCr(pixels, count, channels);
      const shared: Float32Array[] = [];
      const [hy, hcb, hcr] = rgbToYCbCrHalf(pixels, width, height, channels, (length) => {
        const array = new Float32Array(new SharedArrayBuffer(4 * length));
        shared.push(array);
        return array;
      });
      expect(hy).toEqual(y);
      expect(hcb).toEqual(downsampleHalf(cb, width, height));
      expect(hcr).toEqual(downsampleHalf(cr, width, height));
      // Every output is the allocator's.
      expect(shared).toEqual([hy, hcb, hcr]);
      expect(shared.every((array) => array.buffer instanceof SharedArrayBuffer)).toBe(true);
      // The chroma alone (no luma plane made) is the same, and so is what halving it costs.
      expect(halfChroma(pixels, width, height, channels)).toEqual([hcb, hcr]);
      const image = { width, height, channels: channels as 3 | 4, bitDepth: sixteen ? 16 : 8, pixels } as PixelImage;
      const layout = imageLayout(image, { model: 'whole', colorSpace: 'ycbcr' });
      const floor = chromaSubsamplingError(image, layout, planeSamples(image, layout));
      expect(chromaSubsamplingError(image, layout)).toBe(floor);
      if (width > 1) expect(floor).toBeGreaterThan(0);
    },
  );

  it('patch matrices put every sample back where it was, padding cropped', () => {
    const width = 13;
    const height = 7;
    const plane = Float32Array.from({ length: width * height }, (_, i) => i);
    const matrix = toPatchMatrix(plane, width, height, 4);
    expect(matrix.rows).toBe(Math.ceil(height / 4) * Math.ceil(width / 4));
    expect(matrix.cols).toBe(16);
    // Block (0, 1), position (2, 3): sample (y 2, x 4 + 3).
    expect(matrix.data[1 * 16 + 2 * 4 + 3]).toBe(2 * width + 7);
    // Padding repeats the last column and row.
    expect(matrix.data[3 * 16 + 0 * 4 + 3]).toBe(0 * width + 12);
    expect(Array.from(fromPatchMatrix(matrix.data, width, height, 4))).toEqual(Array.from(plane));
  });

  it('YCbCr is BT.601 full range with centred chroma, and inverts to the same RGB', () => {
    const pixels = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128);
    const [y, cb, cr] = rgbToYCbCr(pixels, 4, 3);
    expect(y[0]).toBeCloseTo(76.245, 3);
    expect(cb[0]).toBeCloseTo(-43.0275, 3); // JPEG's Cb of pure red, minus 128
    expect(cr[0]).toBeCloseTo(127.5, 3);
    expect(cb[3]).toBeCloseTo(0, 5);
    const [r, g, b] = yCbCrToRgb(y, cb, cr);
    for (let i = 0; i < 4; i++) {
      expect(r[i]).toBeCloseTo(pixels[3 * i], 3);
      expect(g[i]).toBeCloseTo(pixels[3 * i + 1], 3);
      expect(b[i]).toBeCloseTo(pixels[3 * i + 2], 3);
    }
  });

  it('half-resolution chroma: 2 × 2 means down, bilinear up, constants and ramps kept', () => {
    const width = 9;
    const height = 5;
    const ramp = Float32Array.from({ length: width * height }, (_, i) => 3 * (i % width) + 7 * Math.floor(i / width));
    const half = downsampleHalf(ramp, width, height);
    expect(half.length).toBe(5 * 3);
    expect(half[0]).toBeCloseTo((0 + 3 + 7 + 10) / 4, 5);
    const up = upsampleBilinear(half, width, height);
    // A linear ramp comes back exactly away from the clamped borders.
    for (let y = 1; y < height - 2; y++) for (let x = 1; x < width - 2; x++) expect(up[y * width + x]).toBeCloseTo(ramp[y * width + x], 4);
    expect(Array.from(upsampleBilinear(new Float32Array(15).fill(42), width, height)).every((value) => Math.abs(value - 42) < 1e-4)).toBe(
      true,
    );
  });
});

describe('.svd version 2 round trips', () => {
  it.each([
    { name: 'patch model, YCbCr 4:2:0', options: { model: 'patch', colorSpace: 'ycbcr' } as LayoutOptions, planes: ['y', 'cb', 'cr'] },
    {
      name: 'patch model, RGB, 4 × 4 patches',
      options: { model: 'patch', colorSpace: 'rgb', patchSize: 4 } as LayoutOptions,
      planes: ['r', 'g', 'b'],
    },
    {
      name: 'whole-image model, YCbCr 4:4:4',
      options: { model: 'whole', colorSpace: 'ycbcr', chroma: 'full' } as LayoutOptions,
      planes: ['y', 'cb', 'cr'],
    },
    { name: 'whole-image model, RGB', options: { model: 'whole', colorSpace: 'rgb' } as LayoutOptions, planes: ['r', 'g', 'b'] },
  ])('$name: the header says what was written, and the file decodes to what the encoder measured', async ({ options, planes }) => {
    const image = await sample('astronaut_512x512_rgb.png', { width: 320, height: 240 });
    const encoded = await encode(image, options, { ranks: 12 }, 16);
    const header = readSvdHeader(encoded.bytes);
    expect(header).toMatchObject({
      version: 2,
      width: 320,
      height: 240,
      channels: 3,
      bitDepth: 8,
      model: options.model,
      colorSpace: options.colorSpace,
    });
    expect(header.lowRank.map((entry) => entry.rank)).toEqual(encoded.ranks);
    expect(encoded.ranks).toEqual([12, 12, 12]);
    const decoded = decodeSvd(encoded.bytes);
    expect(decoded.layout.planes.map((plane) => plane.kind)).toEqual(planes);
    const pixels = await decodedSvdPixels(decoded);
    expect(psnr(image, pixels)).toBeCloseTo(encoded.psnr!, 10);
    expect(encoded.psnr!).toBeGreaterThan(18);
    // Fewer components decode too, and lose quality.
    expect(psnr(image, await decodedSvdPixels(decoded, 3))).toBeLessThan(encoded.psnr!);
  });

  it('RGBA keeps its alpha exactly (lossless alpha), or low rank as a fourth plane', async () => {
    const image = await sample('tulips_alpha_500x500_rgba.png', { width: 200, height: 160 });
    const lossless = await encode(image, { model: 'patch', colorSpace: 'ycbcr' }, { psnr: 30 });
    const pixels = await decodedSvdPixels(decodeSvd(lossless.bytes));
    for (let i = 3; i < pixels.pixels.length; i += 4) expect(pixels.pixels[i]).toBe(image.pixels[i]);
    const lowRank = await encode(image, { model: 'patch', colorSpace: 'ycbcr', alpha: 'low-rank' }, { ranks: [20, 6, 6, 20] });
    const decoded = decodeSvd(lowRank.bytes);
    expect(decoded.header.alpha).toBe('low-rank');
    expect(decoded.layout.planes.map((plane) => plane.kind)).toEqual(['y', 'cb', 'cr', 'alpha']);
    expect(decoded.header.lowRank.map((entry) => entry.rank)).toEqual([20, 6, 6, 20]);
  });

  it('gray (one plane) and 16-bit samples', async () => {
    const gray = await sample('architecture_gray_2560x1600.jpg', { width: 400, height: 256 });
    expect(gray.channels).toBe(1);
    const grayFile = await encode(gray, { model: 'patch', colorSpace: 'ycbcr' }, { psnr: 33 });
    const grayDecoded = decodeSvd(grayFile.bytes);
    expect(grayDecoded.header.colorSpace).toBe('rgb');
    expect(grayDecoded.layout.planes.map((plane) => plane.kind)).toEqual(['gray']);
    const grayPixels = await decodedSvdPixels(grayDecoded);
    expect(grayPixels.channels).toBe(1);
    expect(psnr(gray, grayPixels)).toBeGreaterThanOrEqual(33);

    const deep = await sample('room_16bit_676x449.png', { width: 256, height: 192 }, true);
    expect(deep.bitDepth).toBe(16);
    const deepFile = await encode(deep, { model: 'patch', colorSpace: 'ycbcr' }, { psnr: 38 });
    const deepPixels = await decodedSvdPixels(decodeSvd(deepFile.bytes));
    expect(deepPixels.pixels).toBeInstanceOf(Uint16Array);
    const measured = psnr(deep, deepPixels);
    expect(measured).toBeGreaterThanOrEqual(38);
    expect(measured).toBeLessThanOrEqual(38.1);
  });
});

describe('decoding the whole-image model straight into pixels', () => {
  it.each([
    ['RGB', 'paintbrushes_1365x1074.jpg', { width: 120, height: 96 }, false, {}],
    ['RGBA, lossless alpha', 'tulips_alpha_500x500_rgba.png', { width: 100, height: 84 }, false, {}],
    ['RGBA, low-rank alpha', 'tulips_alpha_500x500_rgba.png', { width: 100, height: 84 }, false, { alpha: 'low-rank' as const }],
    ['gray', 'architecture_gray_2560x1600.jpg', { width: 90, height: 130 }, false, {}],
    ['16-bit RGB', 'room_16bit_676x449.png', { width: 64, height: 48 }, true, {}],
  ])(
    '%s: the same pixels, bit for bit, as rounding full float planes (every rank and lower ones), and the same squared error',
    async (_name, file, crop, sixteen, extra) => {
      const image = await sample(file, crop, sixteen);
      const { bytes } = await encode(image, { model: 'whole', colorSpace: 'rgb', ...extra }, { ranks: 24 }, 24);
      const decoded = decodeSvd(bytes);
      expect(decoded.layout.model).toBe('whole');
      for (const ranks of [undefined, 5, decoded.channels.map((_, p) => 3 + 7 * p), 0]) {
        const direct = await decodedSvdPixels(decoded, ranks);
        const throughPlanes = planesToPixels(decoded.layout, await decodedPlaneSamples(decoded, ranks), decoded.alphaPlane);
        expect(direct.channels).toBe(image.channels);
        expect(direct.bitDepth).toBe(image.bitDepth);
        expect(direct.pixels).toEqual(throughPlanes.pixels);
      }
      // Decoded at the file's ranks it is close to the photo (a wrong place or channel would not be).
      expect(psnr(image, await decodedSvdPixels(decoded))).toBeGreaterThan(20);
      // The encoder's error, band by band, is the planes' error; with a plane cut to nothing too.
      const cut = { ...decoded, channels: decoded.channels.map((svd, p) => (p === 0 ? { ...svd, rank: 0 } : svd)) };
      for (const file of [decoded, cut]) {
        const expected = colorSquaredError(file.layout, await decodedPlaneSamples(file), image);
        expect(await decodedColorSquaredError(file, image)).toBe(expected);
        expect(expected).toBeGreaterThan(0);
      }
    },
  );

  it('reconstructPixels refuses factors that do not make the image', async () => {
    const image = await sample('paintbrushes_1365x1074.jpg', { width: 40, height: 32 });
    const layout = imageLayout(image, { model: 'whole', colorSpace: 'rgb' });
    const svds = await Promise.all(planeMatrices(image, layout).map((matrix) => truncatedSvd(matrix, { rank: 4 })));
    await expect(reconstructPixels(image, svds.slice(0, 2))).rejects.toThrow(/3-channel image needs 3 planes, got 2/);
    await expect(reconstructPixels({ ...image, width: 32, height: 40 }, svds)).rejects.toThrow(/must be 40 × 32, got 32 × 40/);
    await expect(reconstructPixels({ ...image, channels: 4 }, svds, undefined, new Uint8Array(5))).rejects.toThrow(
      /alpha plane needs 1280 values/,
    );
  });
});

describe('measuring a patch-model file', () => {
  it.each([
    ['YCbCr, half chroma', 8, 'paintbrushes_1365x1074.jpg', { width: 123, height: 150 }, false, { colorSpace: 'ycbcr' as const }],
    ['YCbCr, half chroma, 4 × 4', 4, 'paintbrushes_1365x1074.jpg', { width: 61, height: 75 }, false, { colorSpace: 'ycbcr' as const }],
    [
      'YCbCr, full chroma',
      8,
      'paintbrushes_1365x1074.jpg',
      { width: 96, height: 131 },
      false,
      { colorSpace: 'ycbcr' as const, chroma: 'full' as const },
    ],
    ['RGB, 16 × 16', 16, 'paintbrushes_1365x1074.jpg', { width: 100, height: 300 }, false, {}],
    ['RGB, low-rank alpha', 8, 'tulips_alpha_500x500_rgba.png', { width: 100, height: 140 }, false, { alpha: 'low-rank' as const }],
    ['gray', 8, 'architecture_gray_2560x1600.jpg', { width: 90, height: 200 }, false, {}],
    ['16-bit YCbCr', 8, 'room_16bit_676x449.png', { width: 70, height: 133 }, true, { colorSpace: 'ycbcr' as const }],
  ])(
    'the encoder’s error, made 8 block rows at a time, is the planes’ error exactly; deblocked, the deblocked planes’ (%s)',
    async (_name, patchSize, file, crop, sixteen, extra) => {
      const image = await sample(file, crop, sixteen);
      const { bytes } = await encode(image, { model: 'patch', colorSpace: 'rgb', patchSize, ...extra }, { ranks: 12 }, 12);
      const decoded = decodeSvd(bytes);
      expect(decoded.layout.model).toBe('patch');
      expect(decoded.layout.patchSize).toBe(patchSize);
      expect(decoded.deblock).toBe(false);
      // Taller than two bands of 8 block rows, with a last band that is cut short.
      expect(image.height).toBeGreaterThan(16 * patchSize);
      expect(image.height % (8 * patchSize)).not.toBe(0);
      const cut = { ...decoded, channels: decoded.channels.map((svd, p) => (p === 0 ? { ...svd, rank: 0 } : svd)) };
      const deblocked = { ...decoded, deblock: true };
      // One scratch for all: band buffers and planes are used again from one file to the next.
      const scratch = { matrices: [], planes: [] };
      const sums: number[] = [];
      for (const version of [decoded, cut, decoded, deblocked, decoded]) {
        const expected = colorSquaredError(version.layout, await decodedPlaneSamples(version), image);
        expect(expected).toBeGreaterThan(0);
        expect(await decodedColorSquaredError(version, image)).toBe(expected);
        expect(await decodedColorSquaredError(version, image, undefined, scratch)).toBe(expected);
        sums.push(expected);
      }
      // The cut plane and the deblocking filter change the sum (else the test could not tell).
      expect(sums[1]).not.toBe(sums[0]);
      expect(sums[3]).not.toBe(sums[0]);
    },
  );
});

describe('.svd version 2 targets', () => {
  it.each([
    { model: 'patch' as const, colorSpace: 'ycbcr' as const, psnr: 30 },
    { model: 'patch' as const, colorSpace: 'ycbcr' as const, psnr: 36 },
    { model: 'patch' as const, colorSpace: 'rgb' as const, psnr: 33 },
    { model: 'whole' as const, colorSpace: 'ycbcr' as const, psnr: 31 },
  ])(
    '$model $colorSpace, PSNR $psnr dB: the decoded file lies in [target, target + 0.1 dB]',
    async ({ model, colorSpace, psnr: target }) => {
      const image = await sample('paintbrushes_1365x1074.jpg', { width: 384, height: 256 });
      const encoded = await encode(image, { model, colorSpace }, { psnr: target }, model === 'whole' ? 128 : 64);
      expect(encoded.reached).toBe(true);
      const measured = psnr(image, await decodedSvdPixels(decodeSvd(encoded.bytes)));
      expect(measured).toBeGreaterThanOrEqual(target);
      expect(measured).toBeLessThanOrEqual(target + 0.1);
      expect(encoded.psnr).toBeCloseTo(measured, 10);
    },
  );

  it('a byte budget is never exceeded, and mostly used', async () => {
    const image = await sample('paintbrushes_1365x1074.jpg', { width: 384, height: 256 });
    for (const maxBytes of [4_000, 12_000, 40_000]) {
      const encoded = await encode(image, { model: 'patch', colorSpace: 'ycbcr' }, { maxBytes });
      expect(encoded.bytes.length).toBeLessThanOrEqual(maxBytes);
      expect(encoded.bytes.length).toBeGreaterThan(0.85 * maxBytes);
    }
  });

  it('a PSNR beyond what the decompositions hold is reported as not reached', async () => {
    const image = await sample('paintbrushes_1365x1074.jpg', { width: 256, height: 192 });
    const encoded = await encode(image, { model: 'whole', colorSpace: 'rgb' }, { psnr: 60 }, 8);
    expect(encoded.reached).toBe(false);
    expect(encoded.psnr!).toBeLessThan(60);
  });
});

describe('.svd version 2 prefixes', () => {
  it('every prefix of the segments is a file of lower rank that decodes like the full file at those ranks', async () => {
    const image = await sample('tulips_alpha_500x500_rgba.png', { width: 160, height: 128 });
    const encoded = await encode(image, { model: 'patch', colorSpace: 'ycbcr' }, { psnr: 34 });
    const full = decodeSvd(encoded.bytes);
    const total = encoded.ranks.reduce((sum, rank) => sum + rank, 0) + 1; // + the alpha segment
    let previousBytes = 0;
    let previousPsnr = 0;
    expect(total).toBeGreaterThan(8);
    for (const keep of [1, 2, 5, Math.floor(total / 2), total]) {
      const cut = svdFilePrefix(encoded.bytes, keep);
      expect(cut.length).toBeGreaterThanOrEqual(previousBytes);
      const decoded = decodeSvd(cut);
      const ranks = decoded.header.lowRank.map((entry) => entry.rank);
      expect(ranks.reduce((sum, rank) => sum + rank, 0)).toBe(keep - 1);
      const pixels = await decodedSvdPixels(decoded);
      expect(Array.from(pixels.pixels)).toEqual(Array.from((await decodedSvdPixels(full, ranks)).pixels));
      const quality = psnr(image, pixels);
      expect(quality).toBeGreaterThanOrEqual(previousPsnr - 1e-9);
      previousBytes = cut.length;
      previousPsnr = quality;
    }
    expect(svdFilePrefix(encoded.bytes, total)).toEqual(encoded.bytes);
  });
});

describe('.svd version 2 subsets', () => {
  it('the first k_p components of each plane: a file no larger, decoding like the full file at those ranks', async () => {
    const image = await sample('tulips_alpha_500x500_rgba.png', { width: 160, height: 128 });
    const encoded = await encode(image, { model: 'whole', colorSpace: 'ycbcr' }, { ranks: [12, 6, 4] });
    const full = decodeSvd(encoded.bytes);
    expect(encoded.ranks).toEqual([12, 6, 4]);
    let previousBytes = Infinity;
    for (const ranks of [
      [12, 6, 4],
      [12, 6, 3],
      [8, 2, 4],
      [3, 0, 1],
      [0, 0, 0],
    ]) {
      const cut = svdFileSubset(encoded.bytes, ranks);
      expect(cut.length).toBeLessThanOrEqual(encoded.bytes.length);
      const decoded = decodeSvd(cut);
      expect(decoded.header.lowRank.map((entry) => entry.rank)).toEqual(ranks);
      // Same factors as the full file's first k: the same pixels, alpha kept.
      expect(Array.from((await decodedSvdPixels(decoded)).pixels)).toEqual(Array.from((await decodedSvdPixels(full, ranks)).pixels));
      expect(decoded.alphaPlane).toEqual(full.alphaPlane);
      if (ranks.every((rank, p) => rank <= [12, 6, 4][p])) expect(cut.length).toBeLessThanOrEqual(previousBytes);
      previousBytes = cut.length;
    }
    expect(svdFileSubset(encoded.bytes, [12, 6, 4])).toEqual(encoded.bytes);
    // More than a plane holds keeps what it has.
    expect(svdFileSubset(encoded.bytes, [99, 99, 99])).toEqual(encoded.bytes);
  });
});

describe('one plane at a time', () => {
  it('planeSamplesOf gives each plane exactly as planeSamples does', async () => {
    const image = await sample('tulips_alpha_500x500_rgba.png', { width: 61, height: 37 });
    for (const colorSpace of ['rgb', 'ycbcr'] as const) {
      for (const alpha of ['lossless', 'low-rank'] as const) {
        const layout = imageLayout(image, { model: 'whole', colorSpace, alpha });
        const all = planeSamples(image, layout);
        layout.planes.forEach((_, p) => expect(Array.from(planeSamplesOf(image, layout, p))).toEqual(Array.from(all[p])));
      }
    }
  });

  it('patch components added and removed in steps equal the plane rebuilt from scratch (float32 round-off)', async () => {
    const image = await sample('paintbrushes_1365x1074.jpg', { width: 75, height: 42 });
    const layout = imageLayout(image, { model: 'patch', colorSpace: 'ycbcr' });
    const plane = layout.planes[0];
    const svd = await truncatedSvd(planeMatrices(image, layout)[0], { rank: 64 });
    const kernels = await createKernels('auto');
    const steps = new Float32Array(plane.width * plane.height);
    patchComponentsInto(svd, 0, 5, 0, kernels, plane, 8, steps);
    patchComponentsInto(svd, 5, 30, 1, kernels, plane, 8, steps);
    patchComponentsInto(svd, 20, 30, -1, kernels, plane, 8, steps);
    const direct = new Float32Array(plane.width * plane.height);
    patchComponentsInto(svd, 0, 20, 0, kernels, plane, 8, direct);
    // The reference: Σ_{i<20} σᵢ uᵢ vᵢᵀ in float64, put back into the plane.
    const blockMatrix = new Float64Array(svd.u.rows * 64);
    for (let b = 0; b < svd.u.rows; b++)
      for (let c = 0; c < 64; c++) {
        let sum = 0;
        for (let i = 0; i < 20; i++) sum += svd.sigma[i] * svd.u.data[b * svd.rank + i] * svd.v.data[c * svd.rank + i];
        blockMatrix[b * 64 + c] = sum;
      }
    const reference = fromPatchMatrix(Float32Array.from(blockMatrix), plane.width, plane.height, 8);
    let worst = 0;
    for (let i = 0; i < reference.length; i++)
      worst = Math.max(worst, Math.abs(direct[i] - reference[i]), Math.abs(steps[i] - reference[i]));
    expect(worst).toBeLessThan(1e-3);
  });
});
