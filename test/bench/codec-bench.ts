/**
 * Rate–distortion benchmark of the .svd codec (`npm run bench`, after the engine benchmark):
 * the bytes each codec needs to reach 28, 32, 36 and 40 dB (PSNR over R, G, B or gray of the
 * decoded, rounded pixels) on every sample photo — .svd version 1 (one rank for all channels, the
 * smallest that reaches it), version 2 with the whole-image model and with the patch model
 * (YCbCr 4:2:0, rate allocation, arithmetic coding; the patch model also with deblocking), and
 * mozjpeg (sharp, 4:2:0), WebP and AVIF (sharp) at the lowest quality that reaches it. The RGBA
 * photo is compared on its colour only (alpha left out of every codec); the 16-bit one is reported,
 * not judged (JPEG, WebP and AVIF store it at 8 bits). Then the arithmetic coder's bytes against
 * its model's ideal code length, and 12 MP timings; the targets beside them (✔/✘).
 * Usage: node dist/bench/codec-bench.mjs [--quick | --timings]
 *   --quick: the two small photos only (no 12 MP timings); --timings: the 12 MP photo at 36 dB only
 *   (its row and the timings, in a minute or two).
 */
import { basename, join } from 'node:path';
import {
  atBitDepth,
  colorChannelCount,
  decodeSvd,
  decodedSvdPixels,
  encodeSvd,
  encodeSvdFile,
  imageLayout,
  meanSquaredError,
  peakValue,
  planeMatrices,
  psnrFromMse,
  reconstructPixels,
  withoutAlpha,
  type ImageFormat,
  type PixelImage,
  type SvdModel,
  type SvdPool,
  type TruncatedSvd,
} from '../../core/index.js';
import { createNodeSvdPool, sharedFloat32Array } from '../../electron/cli/svd-pool.js';
import { decodeImage, encodeImage } from '../../electron/io/image-io.js';
import { QUICK, SAMPLES_DIR } from './lib/config.js';
import { printTable } from './lib/table.js';

/** The whole-image model and version 1 decompose up to this rank (as the command line's --max-rank). */
const WORKING_RANK = 256;
const TIMINGS_ONLY = process.argv.includes('--timings');
const TARGETS = TIMINGS_ONLY ? [36] : [28, 32, 36, 40];
const FILES = TIMINGS_ONLY
  ? ['mountain_sunset_4272x2848_12mp.jpg']
  : QUICK
    ? ['astronaut_512x512_rgb.png', 'tulips_alpha_500x500_rgba.png']
    : [
        'astronaut_512x512_rgb.png',
        'tulips_alpha_500x500_rgba.png',
        'paintbrushes_1365x1074.jpg',
        'dogs_exif_orientation6_3088x2048.jpg',
        'mountain_sunset_4272x2848_12mp.jpg',
        'architecture_gray_2560x1600.jpg',
        'room_16bit_676x449.png',
      ];
const PHOTO_12MP = 'mountain_sunset_4272x2848_12mp.jpg';

const psnrOf = (reference: PixelImage, candidate: PixelImage) =>
  psnrFromMse(meanSquaredError(reference, candidate), peakValue(reference.bitDepth)) ?? Infinity;

async function decompose(pool: SvdPool, image: PixelImage, model: SvdModel | 'v1'): Promise<{ svds: TruncatedSvd[]; seconds: number }> {
  const layout = imageLayout(image, model === 'v1' ? { model: 'whole', colorSpace: 'rgb' } : { model, colorSpace: 'ycbcr' });
  const matrices = planeMatrices(image, layout).map((matrix) => {
    const data = sharedFloat32Array(matrix.data.length);
    data.set(matrix.data);
    return { ...matrix, data };
  });
  const started = performance.now();
  const svds = await pool.decompose(matrices, { stages: [model === 'patch' ? 64 : WORKING_RANK] });
  return { svds, seconds: (performance.now() - started) / 1000 };
}

/** Version 1: the smallest single rank whose decoded file reaches `target` (bisection; null when rank 256 does not). */
async function v1Bytes(image: PixelImage, svds: TruncatedSvd[], target: number): Promise<number | null> {
  const at = async (rank: number) => {
    const encoded = encodeSvd({
      width: image.width,
      height: image.height,
      channels: image.channels,
      bitDepth: image.bitDepth,
      svds,
      ranks: svds.map(() => rank),
    });
    return { bytes: encoded.bytes.length, psnr: psnrOf(image, await reconstructPixels(image, encoded.quantized)) };
  };
  const top = Math.max(...svds.map((svd) => svd.rank));
  if ((await at(top)).psnr < target) return null;
  let low = 1;
  let high = top;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await at(middle)).psnr >= target) high = middle;
    else low = middle + 1;
  }
  return (await at(low)).bytes;
}

/** An image codec's lowest quality reaching each PSNR, with a cache of (quality → bytes, PSNR). */
function imageCodec(reference: PixelImage, format: Exclude<ImageFormat, 'png'>) {
  const cache = new Map<number, Promise<{ bytes: number; psnr: number }>>();
  const at = (quality: number) => {
    let entry = cache.get(quality);
    if (!entry) {
      entry = (async () => {
        const bytes = await encodeImage(reference, format, { quality });
        const decoded = atBitDepth(withoutAlpha(await decodeImage({ name: format, bytes })), reference.bitDepth);
        const candidate =
          decoded.channels === reference.channels ? decoded : { ...reference, pixels: expandGray(decoded, reference.channels) };
        return { bytes: bytes.length, psnr: psnrOf(reference, candidate) };
      })();
      cache.set(quality, entry);
    }
    return entry;
  };
  return async (target: number): Promise<number | null> => {
    if ((await at(100)).psnr < target) return null;
    let low = 1;
    let high = 100;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if ((await at(middle)).psnr >= target) high = middle;
      else low = middle + 1;
    }
    return (await at(low)).bytes;
  };
}

function expandGray(image: PixelImage, channels: number): Uint8Array | Uint16Array {
  const count = image.width * image.height;
  const out = image.bitDepth === 16 ? new Uint16Array(count * channels) : new Uint8Array(count * channels);
  for (let i = 0; i < count; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = image.pixels[i * image.channels];
  return out;
}

const kb = (bytes: number | null) => (bytes === null ? '—' : (bytes / 1000).toFixed(1));
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '—' : (a / b).toFixed(2));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? NaN
    : sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const mark = (ok: boolean) => (ok ? '✔' : '✘');

const pool = createNodeSvdPool({ workerUrl: new URL('../electron/svd-worker.mjs', import.meta.url) });
const rows: string[][] = [];
const judged = {
  patchOverJpeg: [] as number[],
  patchAboveJpegAt32And36: [] as string[],
  wholeOverV1: [] as { photo: string; target: number; ratio: number }[],
};
let coded = 0;
let ideal = 0;
const timings: string[][] = [];
for (const file of FILES) {
  const decoded = await decodeImage(join(SAMPLES_DIR, file));
  // Colour only, for every codec: alpha is left out of the comparison.
  const image = withoutAlpha(decoded);
  const color = colorChannelCount(image.channels) === 3;
  const judgedPhoto = color && image.bitDepth === 8;
  const v1 = await decompose(pool, image, 'v1');
  const whole = await decompose(pool, image, 'whole');
  const patch = await decompose(pool, image, 'patch');
  const jpeg = imageCodec(image, 'jpeg');
  const webp = imageCodec(image, 'webp');
  const avif = imageCodec(image, 'avif');
  for (const target of TARGETS) {
    const v2 = async (model: SvdModel, svds: TruncatedSvd[], deblock = false) => {
      const layout = imageLayout(image, { model, colorSpace: 'ycbcr' });
      const started = performance.now();
      const encoded = await encodeSvdFile({ image, layout, svds, target: { psnr: target }, deblock });
      const seconds = (performance.now() - started) / 1000;
      if (!encoded.reached) return { bytes: null, seconds, encoded };
      coded += encoded.coding.codedBytes;
      ideal += encoded.coding.idealBytes;
      return { bytes: encoded.bytes.length, seconds, encoded };
    };
    const v1File = await v1Bytes(image, v1.svds, target);
    const wholeFile = await v2('whole', whole.svds);
    const patchFile = await v2('patch', patch.svds);
    const deblocked = await v2('patch', patch.svds, true);
    const [jpegBytes, webpBytes, avifBytes] = [await jpeg(target), await webp(target), await avif(target)];
    if (judgedPhoto && patchFile.bytes !== null && jpegBytes !== null) {
      judged.patchOverJpeg.push(patchFile.bytes / jpegBytes);
      if ((target === 32 || target === 36) && patchFile.bytes > jpegBytes) judged.patchAboveJpegAt32And36.push(`${file} at ${target} dB`);
    }
    if (judgedPhoto && wholeFile.bytes !== null && v1File !== null)
      judged.wholeOverV1.push({ photo: file, target, ratio: v1File / wholeFile.bytes });
    rows.push([
      basename(file).slice(0, 30) + (judgedPhoto ? '' : ' *'),
      String(target),
      kb(v1File),
      kb(wholeFile.bytes),
      kb(patchFile.bytes),
      kb(deblocked.bytes),
      kb(jpegBytes),
      kb(webpBytes),
      kb(avifBytes),
      ratio(v1File, wholeFile.bytes),
      ratio(patchFile.bytes, jpegBytes),
      patchFile.bytes === null ? '—' : patchFile.encoded.ranks.join('/'),
    ]);
    if (file === PHOTO_12MP && target === 36) {
      const bytes = patchFile.encoded.bytes;
      // Median of three decodes (the first also compiles the decoder's code).
      const decodeTimes: number[] = [];
      let pixels: PixelImage | null = null;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        pixels = await decodedSvdPixels(decodeSvd(bytes));
        decodeTimes.push((performance.now() - started) / 1000);
      }
      const decodeSeconds = median(decodeTimes);
      timings.push(
        ['12 MP: decompose the patch planes (2 workers)', patch.seconds.toFixed(2), ''],
        ['12 MP: encode at 36 dB (patch model, after decomposing)', patchFile.seconds.toFixed(2), `< 5 s ${mark(patchFile.seconds < 5)}`],
        ['12 MP: decompose + encode', (patch.seconds + patchFile.seconds).toFixed(2), ''],
        ['12 MP: decode the 36 dB file to pixels (median of 3)', decodeSeconds.toFixed(2), `< 1 s ${mark(decodeSeconds < 1)}`],
        ['  (its PSNR)', psnrOf(image, pixels!).toFixed(2), ''],
      );
    }
  }
}
printTable(
  `.svd rate–distortion: kilobytes to reach each PSNR (${QUICK ? 'quick' : 'all sample photos'}; YCbCr 4:2:0 for v2)`,
  [
    'photo',
    'dB',
    'v1',
    'v2 whole',
    'v2 patch',
    'patch+deblock',
    'mozjpeg',
    'WebP',
    'AVIF',
    'v1 ÷ whole',
    'patch ÷ JPEG',
    'patch ranks Y/Cb/Cr',
  ],
  rows,
  { notes: ['— : not reached (v1 and the whole-image model stop at rank 256). * reported, not judged (gray or 16-bit).'] },
);

const gap = coded / ideal - 1;
const worstWhole = judged.wholeOverV1.reduce((worst, entry) => (entry.ratio < worst.ratio ? entry : worst), {
  photo: '',
  target: 0,
  ratio: Infinity,
});
const medianPatch = median(judged.patchOverJpeg);
printTable(
  'Targets',
  ['target', 'measured', ''],
  [
    [
      'whole-image model ≥ 1.8× smaller than v1 at every point',
      `worst ${worstWhole.ratio.toFixed(2)}× (${basename(worstWhole.photo)} ${worstWhole.target} dB)`,
      mark(worstWhole.ratio >= 1.8),
    ],
    [
      'patch model ≤ mozjpeg at 32 and 36 dB on every colour photo',
      judged.patchAboveJpegAt32And36.length ? `above at ${judged.patchAboveJpegAt32And36.join(', ')}` : 'never above',
      mark(judged.patchAboveJpegAt32And36.length === 0),
    ],
    ['patch ÷ mozjpeg, median over colour photos and points ≤ 0.8', medianPatch.toFixed(2), mark(medianPatch <= 0.8)],
    [
      'arithmetic coder within 2 % of its model’s ideal code length',
      `${(100 * gap).toFixed(2)} % (${Math.round(coded).toLocaleString('en-US')} bytes for ${Math.round(ideal).toLocaleString('en-US')} ideal)`,
      mark(gap <= 0.02),
    ],
  ],
);
if (timings.length) {
  printTable('Timings (this machine, one run)', ['', 'seconds', 'target'], timings);
}
pool.close();
