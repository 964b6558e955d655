/**
 * `svd-studio sweep`: the rate–distortion table. For each rank, the .svd bytes and the PSNR and
 * SSIM of the decoded file, beside JPEG (sharp's mozjpeg) at the quality whose file size is
 * closest to those bytes, measured the same way on its decoded pixels.
 */
import { atBitDepth, computeMetrics, withoutAlpha, type SvdPool } from '../../core/index.js';
import { decodeImage, encodeImage } from '../io/image-io.js';
import { computedRank, decodedPixels, encodeAtRank, inputReport, prepareImage, type InputReport, type PreparedImage } from './pipeline.js';
import { throwIfAborted } from './options.js';
import type { Progress } from './progress.js';

export const DEFAULT_SWEEP_RANKS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export interface SweepRow {
  rank: number;
  file_bytes: number;
  psnr: number | null;
  ssim: number;
  jpeg: { quality: number; file_bytes: number; psnr: number | null; ssim: number };
}

export interface SweepReport {
  input: InputReport;
  rows: SweepRow[];
}

export async function sweep(
  path: string,
  ranks: readonly number[],
  pool: SvdPool,
  progress: Progress,
  signal?: AbortSignal,
  maxPixels?: number,
): Promise<SweepReport> {
  const prepared = await prepareImage(path, pool, Math.max(...ranks), progress, signal, maxPixels);
  const top = computedRank(prepared);
  const usable = [...new Set(ranks.map((rank) => Math.min(rank, top)))].sort((a, b) => a - b);
  const rows: SweepRow[] = [];
  for (const [index, rank] of usable.entries()) {
    progress.stage(`${path}: rank ${rank} (${index + 1} of ${usable.length})`);
    const encoded = encodeAtRank(prepared, rank);
    const metrics = computeMetrics(prepared.image, await decodedPixels(encoded.bytes));
    const jpeg = await jpegAtBytes(prepared, encoded.bytes.length);
    rows.push({ rank, file_bytes: encoded.bytes.length, psnr: metrics.psnr, ssim: metrics.ssim, jpeg });
    throwIfAborted(signal);
  }
  const { image } = prepared;
  return {
    input: inputReport(path, image),
    rows,
  };
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

/** JPEG at the quality (1–100) whose size is closest to `target` bytes, and its metrics. */
async function jpegAtBytes(prepared: PreparedImage, target: number): Promise<SweepRow['jpeg']> {
  // JPEG has no alpha and 8 bits: it is compared on the colour channels, at the source's depth.
  const reference = withoutAlpha(prepared.image);
  const sizes = new Map<number, Uint8Array>();
  const encode = async (quality: number) => {
    let bytes = sizes.get(quality);
    if (!bytes) {
      bytes = await encodeImage(reference, 'jpeg', { quality });
      sizes.set(quality, bytes);
    }
    return bytes;
  };
  const quality = await closestQuality(async (q) => (await encode(q)).length, target);
  const bytes = await encode(quality);
  const decoded = await decodeImage({ name: 'jpeg', bytes });
  const metrics = computeMetrics(reference, atBitDepth(decoded, reference.bitDepth));
  return { quality, file_bytes: bytes.length, psnr: metrics.psnr, ssim: metrics.ssim };
}

export function describeSweep(report: SweepReport): string {
  const header = ['rank', '.svd bytes', 'PSNR dB', 'SSIM', 'JPEG q', 'JPEG bytes', 'JPEG PSNR', 'JPEG SSIM'];
  const cells = report.rows.map((row) => [
    String(row.rank),
    row.file_bytes.toLocaleString('en-US'),
    row.psnr === null ? 'lossless' : row.psnr.toFixed(2),
    row.ssim.toFixed(4),
    String(row.jpeg.quality),
    row.jpeg.file_bytes.toLocaleString('en-US'),
    row.jpeg.psnr === null ? 'lossless' : row.jpeg.psnr.toFixed(2),
    row.jpeg.ssim.toFixed(4),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i])).join('  ');
  const { input } = report;
  return [
    `${input.path}: ${input.width} × ${input.height}, ${input.channels} channel(s), ${input.bit_depth}-bit`,
    line(header),
    ...cells.map(line),
  ].join('\n');
}
