/**
 * The .svd codec: round trips reproduce the quantized reconstruction exactly; the quantization
 * costs little PSNR; hostile files get SvdFormatError (the fuzz suite is in codec-fuzz.test.ts).
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { encodeSvd, decodeSvd, readSvdHeader, SvdFormatError, crc32, type DecodedSvd, type EncodeInput } from '../../core/codec/index.js';
import {
  alphaPlaneOf,
  colorChannelCount,
  reconstruct,
  reconstructPixels,
  splitChannels,
  truncatedSvd,
  mergeChannels,
  type PixelImage,
  type TruncatedSvd,
} from '../../core/index.js';
import { computeMetrics } from '../../core/metrics/index.js';
import { samplesDir } from '../helpers/samples.js';

async function loadSample(file: string): Promise<PixelImage> {
  const { data, info } = await sharp(samplesDir + file)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4, bitDepth: 8, pixels: new Uint8Array(data) };
}

async function decomposeColor(image: PixelImage, rank: number): Promise<TruncatedSvd[]> {
  const planes = splitChannels(image);
  return Promise.all(planes.slice(0, colorChannelCount(image.channels)).map((plane) => truncatedSvd(plane, { rank })));
}

/** A decoded file's pixels at these ranks (every stored component by default), as a reader of it sees them. */
function decodedPixels(decoded: DecodedSvd, ranks?: readonly number[]): Promise<PixelImage> {
  return reconstructPixels(decoded.header, decoded.channels, ranks, decoded.alphaPlane);
}

describe('.svd round trip', async () => {
  const astronaut = await loadSample('astronaut_512x512_rgb.png');
  const svds = await decomposeColor(astronaut, 64);

  it('decode(encode(x)) reproduces the quantized factors and reconstruction exactly', async () => {
    const input: EncodeInput = { width: 512, height: 512, channels: 3, bitDepth: 8, svds, ranks: [64, 64, 64] };
    const { bytes, quantized } = encodeSvd(input);
    const decoded = decodeSvd(bytes);
    expect(decoded.header).toMatchObject({ width: 512, height: 512, channels: 3, bitDepth: 8, colorSpace: 'rgb', alpha: 'none' });
    expect(decoded.header.lowRank.map((entry) => entry.rank)).toEqual([64, 64, 64]);
    decoded.channels.forEach((channel, c) => {
      expect(channel.sigma).toEqual(quantized[c].sigma);
      expect(channel.u.data).toEqual(quantized[c].u.data);
      expect(channel.v.data).toEqual(quantized[c].v.data);
    });
    const pixels = (await decodedPixels(decoded)).pixels;
    // The same pixels as the encoder's own quantized factors give…
    expect(pixels).toEqual((await reconstructPixels(decoded.header, quantized)).pixels);
    // …and within one level of rounding of the float64 reconstruction (the kernels sum in float32).
    const float64 = mergeChannels(
      quantized.map((svd) => reconstruct(svd, 64)),
      512,
      512,
      8,
    );
    let worst = 0;
    for (let i = 0; i < pixels.length; i++) worst = Math.max(worst, Math.abs(pixels[i] - float64[i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('quantization costs under 0.3 dB of PSNR and makes the file much smaller than float32 factors', () => {
    const { bytes, quantized } = encodeSvd({ width: 512, height: 512, channels: 3, bitDepth: 8, svds, ranks: [64, 64, 64] });
    const exact = mergeChannels(
      svds.map((svd) => reconstruct(svd, 64)),
      512,
      512,
      8,
    );
    const stored = mergeChannels(
      quantized.map((svd) => reconstruct(svd, 64)),
      512,
      512,
      8,
    );
    const exactPsnr = computeMetrics(astronaut, { ...astronaut, pixels: exact }).psnr!;
    const storedPsnr = computeMetrics(astronaut, { ...astronaut, pixels: stored }).psnr!;
    expect(exactPsnr - storedPsnr).toBeLessThan(0.3);
    const floatBytes = 3 * 64 * (512 + 512 + 1) * 4;
    expect(bytes.length).toBeLessThan(floatBytes / 6);
  });

  it('a lower rank asked of a decoded file uses its first components', async () => {
    const { bytes } = encodeSvd({ width: 512, height: 512, channels: 3, bitDepth: 8, svds, ranks: [64, 64, 64] });
    const decoded = decodeSvd(bytes);
    const low = await decodedPixels(decoded, [8, 8, 8]);
    const high = await decodedPixels(decoded);
    const lowMetrics = computeMetrics(astronaut, low);
    const highMetrics = computeMetrics(astronaut, high);
    expect(highMetrics.psnr!).toBeGreaterThan(lowMetrics.psnr!);
  });

  it('gray, RGBA with lossless alpha, 16-bit, and different ranks per channel', async () => {
    const tulips = await loadSample('tulips_alpha_500x500_rgba.png');
    expect(tulips.channels).toBe(4);
    const colorSvds = await decomposeColor(tulips, 24);
    const alphaPlane = alphaPlaneOf(tulips);
    const encoded = encodeSvd({ width: 500, height: 500, channels: 4, bitDepth: 8, svds: colorSvds, ranks: [24, 12, 6], alphaPlane });
    const decoded = decodeSvd(encoded.bytes);
    expect(decoded.header.alpha).toBe('lossless');
    expect(decoded.alphaPlane).toEqual(alphaPlane);
    expect(decoded.channels.map((c) => c.rank)).toEqual([24, 12, 6]);
    const image = await decodedPixels(decoded);
    for (let i = 3; i < image.pixels.length; i += 4 * 97) expect(image.pixels[i]).toBe(tulips.pixels[i]);

    const gray: PixelImage = {
      width: 40,
      height: 30,
      channels: 1,
      bitDepth: 16,
      pixels: new Uint16Array(1200).map((_, i) => (i * 977) % 65536),
    };
    const [graySvd] = await decomposeColor(gray, 30);
    const grayEncoded = encodeSvd({ width: 40, height: 30, channels: 1, bitDepth: 16, svds: [graySvd], ranks: [30] });
    const grayDecoded = decodeSvd(grayEncoded.bytes);
    expect(grayDecoded.header.bitDepth).toBe(16);
    const grayImage = await decodedPixels(grayDecoded);
    expect(grayImage.pixels).toBeInstanceOf(Uint16Array);
    // Full rank of a 30-row matrix: lossless or nearly (PSNR null means identical pixels).
    const grayPsnr = computeMetrics(gray, grayImage).psnr;
    expect(grayPsnr === null || grayPsnr > 60).toBe(true);
  });

  it('an all-zero channel (rank 0) encodes and decodes', async () => {
    const red: PixelImage = {
      width: 16,
      height: 8,
      channels: 3,
      bitDepth: 8,
      pixels: new Uint8Array(16 * 8 * 3).map((_, i) => (i % 3 === 0 ? 200 : 0)),
    };
    const channelSvds = await decomposeColor(red, 4);
    expect(channelSvds.map((svd) => svd.rank)).toEqual([1, 0, 0]);
    const { bytes } = encodeSvd({ width: 16, height: 8, channels: 3, bitDepth: 8, svds: channelSvds, ranks: [4, 4, 4] });
    const decoded = decodeSvd(bytes);
    expect(decoded.header.lowRank.map((entry) => entry.rank)).toEqual([1, 0, 0]);
    expect((await decodedPixels(decoded)).pixels).toEqual(red.pixels);
  });

  it('a tiny file that claims huge factors is refused before anything is allocated', () => {
    // 8192 × 8192 at rank 8192 per channel: a few hundred bytes of header and payload.
    const { bytes } = encodeSvd({ width: 512, height: 512, channels: 3, bitDepth: 8, svds, ranks: [4, 4, 4] });
    const forged = Uint8Array.from(bytes);
    const view = new DataView(forged.buffer);
    view.setUint32(12, 8192, true);
    view.setUint32(16, 8192, true);
    for (let c = 0; c < 3; c++) view.setUint16(32 + 8 * c, 8192, true);
    view.setUint32(forged.length - 4, crc32(forged, 0, forged.length - 4), true);
    // Refused by the header's own bounds (the declared factors cannot fit the payload), so
    // nothing was inflated or allocated for them.
    expect(() => decodeSvd(forged)).toThrow(
      expect.objectContaining({ name: 'SvdFormatError', code: 'header', message: expect.stringMatching(/ranks need at least/) }),
    );
    // The inflated size must also be reachable from the compressed size.
    const inflated = Uint8Array.from(bytes);
    new DataView(inflated.buffer).setUint32(28, 1032 * new DataView(bytes.buffer).getUint32(24, true) + 5000, true);
    new DataView(inflated.buffer).setUint32(inflated.length - 4, crc32(inflated, 0, inflated.length - 4), true);
    expect(() => decodeSvd(inflated)).toThrow(/cannot inflate|allow at most/);
  });

  it('readSvdHeader reads without inflating and rejects garbage', () => {
    const { bytes } = encodeSvd({ width: 512, height: 512, channels: 3, bitDepth: 8, svds, ranks: [10, 20, 30] });
    expect(readSvdHeader(bytes)).toMatchObject({ width: 512, fileBytes: bytes.length });
    expect(() => readSvdHeader(new TextEncoder().encode('hello, world, not an svd file at all'))).toThrow(SvdFormatError);
    expect(() => readSvdHeader(bytes.subarray(0, 100))).toThrow(/truncated/);
    const flipped = Uint8Array.from(bytes);
    flipped[200] ^= 1;
    expect(() => decodeSvd(flipped)).toThrow(/checksum/);
  });
});
