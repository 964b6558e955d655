/**
 * `svd-studio sweep`: the rate–distortion table of both models. For each rank (components per
 * plane: the whole-image model at that rank, the patch model at min(rank, p²)), the .svd bytes
 * and the PSNR and SSIM of the decoded file, beside JPEG (sharp's mozjpeg) and WebP at the quality
 * whose size is closest to those bytes — measured the same way on their decoded pixels — and the
 * bytes JPEG and WebP need to reach the .svd's PSNR.
 */
import {
  atBitDepth,
  computeMetrics,
  encodeSvdFile,
  withoutAlpha,
  type ImageFormat,
  type SvdModel,
  type SvdPool,
} from '../../core/index.js';
import { decodeImage, encodeImage } from '../io/image-io.js';
import { cliKernels, decodedPixels, inputReport, prepareImage, type InputReport, type PreparedImage } from './pipeline.js';
import { throwIfAborted } from './options.js';
import type { Progress } from './progress.js';

export const DEFAULT_SWEEP_RANKS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export interface CodecPoint {
  quality: number;
  file_bytes: number;
  psnr: number | null;
  ssim: number;
}

export interface SweepRow {
  model: SvdModel;
  rank: number;
  file_bytes: number;
  psnr: number | null;
  ssim: number;
  /** mozjpeg and WebP at the quality whose size is closest to the .svd's. */
  jpeg: CodecPoint;
  webp: CodecPoint;
  /** The smallest JPEG and WebP files whose PSNR reaches the .svd's (null: none does). */
  equal_psnr: { jpeg_bytes: number | null; webp_bytes: number | null };
}

export interface SweepReport {
  input: InputReport;
  color_space: 'rgb' | 'ycbcr';
  rows: SweepRow[];
}

export async function sweep(
  path: string,
  ranks: readonly number[],
  pool: SvdPool,
  progress: Progress,
  options: { colorSpace: 'rgb' | 'ycbcr'; patchSize: number; maxPixels?: number; signal?: AbortSignal },
): Promise<SweepReport> {
  const { signal } = options;
  const whole = await prepareImage(
    path,
    pool,
    { layout: { model: 'whole', colorSpace: options.colorSpace }, workingRank: Math.max(...ranks) },
    progress,
    signal,
    options.maxPixels,
  );
  const patch = await prepareImage(
    path,
    pool,
    { layout: { model: 'patch', colorSpace: options.colorSpace, patchSize: options.patchSize }, workingRank: 0 },
    progress,
    signal,
    options.maxPixels,
  );
  const others = new ImageCodecs(whole);
  const rows: SweepRow[] = [];
  for (const prepared of [whole, patch]) {
    const top = Math.max(...prepared.svds.map((svd) => svd.rank));
    const usable = [...new Set(ranks.map((rank) => Math.min(rank, top)))].sort((a, b) => a - b);
    for (const [index, rank] of usable.entries()) {
      progress.stage(`${path}: ${prepared.layout.model} model, rank ${rank} (${index + 1} of ${usable.length})`);
      const encoded = await encodeSvdFile({
        image: prepared.image,
        layout: prepared.layout,
        svds: prepared.svds,
        target: { ranks: rank },
        kernels: await cliKernels(),
        signal,
      });
      const metrics = computeMetrics(prepared.image, await decodedPixels(encoded.bytes));
      const jpeg = await others.atBytes('jpeg', encoded.bytes.length);
      const webp = await others.atBytes('webp', encoded.bytes.length);
      const equal_psnr = {
        jpeg_bytes: metrics.psnr === null ? null : await others.bytesAtPsnr('jpeg', metrics.psnr),
        webp_bytes: metrics.psnr === null ? null : await others.bytesAtPsnr('webp', metrics.psnr),
      };
      rows.push({
        model: prepared.layout.model,
        rank,
        file_bytes: encoded.bytes.length,
        psnr: metrics.psnr,
        ssim: metrics.ssim,
        jpeg,
        webp,
        equal_psnr,
      });
      throwIfAborted(signal);
    }
  }
  return { input: inputReport(path, whole.image), color_space: options.colorSpace, rows };
}

/** Largest quality 1–100 whose value(q) ≤ target, for a value that grows with quality (bisection). */
export async function bisectQuality(value: (quality: number) => Promise<number>, target: number): Promise<number> {
  let low = 1;
  let high = 100;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((await value(middle)) <= target) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The quality whose size(q) is closest to `target` (JPEG size grows with quality, nearly monotone). */
export async function closestQuality(size: (quality: number) => Promise<number>, target: number): Promise<number> {
  const low = await bisectQuality(size, target);
  if (low === 100) return low;
  return Math.abs((await size(low + 1)) - target) < Math.abs((await size(low)) - target) ? low + 1 : low;
}

/** JPEG and WebP encodings of an image's colour channels (no alpha, 8 bits), by quality, with their metrics; cached. */
class ImageCodecs {
  readonly #reference;
  readonly #points = new Map<string, Promise<CodecPoint>>();

  constructor(prepared: PreparedImage) {
    // JPEG has no alpha and 8 bits: both are compared on the colour channels, at the source's depth.
    this.#reference = withoutAlpha(prepared.image);
  }

  at(format: Extract<ImageFormat, 'jpeg' | 'webp'>, quality: number): Promise<CodecPoint> {
    const key = `${format}:${quality}`;
    let point = this.#points.get(key);
    if (!point) {
      point = (async () => {
        const bytes = await encodeImage(this.#reference, format, { quality });
        const decoded = await decodeImage({ name: format, bytes });
        const metrics = computeMetrics(this.#reference, atBitDepth(withoutAlpha(decoded), this.#reference.bitDepth));
        return { quality, file_bytes: bytes.length, psnr: metrics.psnr, ssim: metrics.ssim };
      })();
      this.#points.set(key, point);
    }
    return point;
  }

  async atBytes(format: 'jpeg' | 'webp', target: number): Promise<CodecPoint> {
    return this.at(format, await closestQuality(async (q) => (await this.at(format, q)).file_bytes, target));
  }

  /** The bytes of the lowest quality whose PSNR reaches `psnr` (null when even quality 100 does not); PSNR grows with quality. */
  async bytesAtPsnr(format: 'jpeg' | 'webp', psnr: number): Promise<number | null> {
    const reaches = async (q: number) => ((await this.at(format, q)).psnr ?? Infinity) >= psnr;
    if (!(await reaches(100))) return null;
    let low = 1;
    let high = 100;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (await reaches(middle)) high = middle;
      else low = middle + 1;
    }
    return (await this.at(format, low)).file_bytes;
  }
}

export function describeSweep(report: SweepReport): string {
  const db = (value: number | null) => (value === null ? 'lossless' : value.toFixed(2));
  const count = (value: number | null) => (value === null ? '—' : value.toLocaleString('en-US'));
  const header = [
    'model',
    'rank',
    '.svd bytes',
    'PSNR dB',
    'SSIM',
    'JPEG q',
    'JPEG bytes',
    'JPEG PSNR',
    'WebP bytes',
    'WebP PSNR',
    'JPEG @PSNR',
    'WebP @PSNR',
  ];
  const cells = report.rows.map((row) => [
    row.model,
    String(row.rank),
    count(row.file_bytes),
    db(row.psnr),
    row.ssim.toFixed(4),
    String(row.jpeg.quality),
    count(row.jpeg.file_bytes),
    db(row.jpeg.psnr),
    count(row.webp.file_bytes),
    db(row.webp.psnr),
    count(row.equal_psnr.jpeg_bytes),
    count(row.equal_psnr.webp_bytes),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i])).join('  ');
  const { input } = report;
  return [
    `${input.path}: ${input.width} × ${input.height}, ${input.channels} channel(s), ${input.bit_depth}-bit; ${report.color_space.toUpperCase()} planes`,
    line(header),
    ...cells.map(line),
    'JPEG and WebP at the quality whose size is closest to the .svd file\'s; "@PSNR": the bytes they need to reach its PSNR.',
  ].join('\n');
}
