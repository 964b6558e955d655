/**
 * Rate–distortion benchmark of the .svd codec (`npm run bench`, after the engine benchmark).
 * For each sample photo and rank: the .svd bytes against the float32 U/Σ/V bytes, the PSNR
 * and SSIM of the decoded file, the PSNR of the unquantized rank-k reconstruction (so the cost
 * of quantization), and JPEG (sharp, mozjpeg) at the same bytes and at the same PSNR.
 * Usage: node dist/bench/codec-bench.mjs [--quick]
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  computeMetrics,
  decodeSvd,
  meanSquaredError,
  mergeChannels,
  peakValue,
  psnrFromMse,
  reconstructFullResolution,
  atBitDepth,
  withoutAlpha,
  type PixelImage,
} from '../../core/index.js';
import { createNodeSvdPool } from '../../electron/cli/svd-pool.js';
import { decodeImage, encodeImage } from '../../electron/io/image-io.js';
import { encodeAtRank, pixelsOf, prepareImage, type PreparedImage } from '../../electron/cli/pipeline.js';
import { createProgress } from '../../electron/cli/progress.js';
import { bisectQuality, closestQuality } from '../../electron/cli/sweep.js';

const QUICK = process.argv.includes('--quick');
const RANKS = [16, 64, 256];

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'assets', 'samples'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find assets/samples above the benchmark');
    dir = parent;
  }
  return dir;
}

const SAMPLES = join(repositoryRoot(), 'assets', 'samples');
const FILES = QUICK
  ? ['astronaut_512x512_rgb.png', 'tulips_alpha_500x500_rgba.png']
  : [
      'astronaut_512x512_rgb.png',
      'tulips_alpha_500x500_rgba.png',
      'room_16bit_676x449.png',
      'paintbrushes_1365x1074.jpg',
      'architecture_gray_2560x1600.jpg',
      'dogs_exif_orientation6_3088x2048.jpg',
      'mountain_sunset_4272x2848_12mp.jpg',
    ];

/** JPEG encodings of the colour channels by quality, cached. */
function jpegOf(reference: PixelImage) {
  const cache = new Map<number, { bytes: Uint8Array; psnr: number; ssim?: number; decoded: PixelImage }>();
  return async (quality: number) => {
    let entry = cache.get(quality);
    if (!entry) {
      const bytes = await encodeImage(reference, 'jpeg', { quality });
      const decoded = atBitDepth(await decodeImage({ name: 'jpeg', bytes }), reference.bitDepth);
      const psnr = psnrFromMse(meanSquaredError(reference, decoded), peakValue(reference.bitDepth)) ?? Infinity;
      entry = { bytes, psnr, decoded };
      cache.set(quality, entry);
    }
    return entry;
  };
}

async function unquantizedPsnr(prepared: PreparedImage, rank: number): Promise<number> {
  const { image, svds, alphaPlane } = prepared;
  const planes: Float32Array[] = [];
  for (const svd of svds) planes.push(await reconstructFullResolution(svd, rank));
  if (alphaPlane) planes.push(Float32Array.from(alphaPlane));
  const pixels = mergeChannels(planes, image.width, image.height, image.bitDepth);
  return psnrFromMse(meanSquaredError(image, { ...image, pixels }), peakValue(image.bitDepth)) ?? Infinity;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

const pool = createNodeSvdPool({ workerUrl: new URL('../electron/svd-worker.mjs', import.meta.url) });
const silent = createProgress(process.stderr, false);
const rows: string[][] = [];
let worstLoss = 0;
console.log(`\n.svd rate–distortion (${QUICK ? 'quick' : 'all sample photos'}; JPEG is sharp's mozjpeg on the colour channels)`);
for (const file of FILES) {
  const prepared = await prepareImage(join(SAMPLES, file), pool, Math.max(...RANKS), silent);
  const { image } = prepared;
  const reference = withoutAlpha(image);
  const jpeg = jpegOf(reference);
  const colorChannels = reference.channels;
  for (const requested of RANKS) {
    const rank = Math.min(requested, ...prepared.svds.map((svd) => svd.rank));
    if (rank < requested && requested !== RANKS[0]) continue;
    const encoded = encodeAtRank(prepared, rank);
    const decoded = await pixelsOf(decodeSvd(encoded.bytes, { maxPixels: Infinity }));
    const metrics = computeMetrics(image, decoded);
    const psnr = metrics.psnr ?? Infinity;
    const exact = await unquantizedPsnr(prepared, rank);
    worstLoss = Math.max(worstLoss, exact - psnr);
    const floatBytes = colorChannels * rank * (image.width + image.height + 1) * 4;
    // JPEG at the same bytes: the quality whose size is closest.
    const atBytesQuality = await closestQuality(async (q) => (await jpeg(q)).bytes.length, encoded.bytes.length);
    const atBytes = await jpeg(atBytesQuality);
    const atBytesSsim = computeMetrics(reference, atBytes.decoded).ssim;
    // JPEG at the same PSNR: the lowest quality that reaches it.
    const psnrQuality = Math.min(
      100,
      (await bisectQuality(async (q) => (await jpeg(q)).psnr, psnr - 1e-9)) + ((await jpeg(1)).psnr >= psnr ? 0 : 1),
    );
    const atPsnr = await jpeg(psnrQuality);
    rows.push([
      basename(file).slice(0, 28),
      String(rank),
      encoded.bytes.length.toLocaleString('en-US'),
      floatBytes.toLocaleString('en-US'),
      (floatBytes / encoded.bytes.length).toFixed(1),
      psnr.toFixed(2),
      (exact - psnr).toFixed(3),
      metrics.ssim.toFixed(4),
      `q${atBytesQuality} ${atBytes.bytes.length.toLocaleString('en-US')}`,
      atBytes.psnr.toFixed(2),
      atBytesSsim.toFixed(4),
      `q${psnrQuality} ${atPsnr.bytes.length.toLocaleString('en-US')}`,
      (encoded.bytes.length / atPsnr.bytes.length).toFixed(2),
    ]);
  }
}
printTable(
  [
    'photo',
    'rank',
    '.svd bytes',
    'float32 U,Σ,V',
    'float ÷ svd',
    'PSNR dB',
    'quant. loss dB',
    'SSIM',
    'JPEG same bytes',
    'its PSNR',
    'its SSIM',
    'JPEG same PSNR',
    'svd ÷ JPEG',
  ],
  rows,
);
console.log(`worst PSNR loss from quantization: ${worstLoss.toFixed(3)} dB (target < 0.3 dB)`);
console.log(
  'float32 U,Σ,V = colour channels × rank × (width + height + 1) × 4 bytes; "svd ÷ JPEG" = .svd bytes over the bytes JPEG needs for the same PSNR.',
);
pool.close();
