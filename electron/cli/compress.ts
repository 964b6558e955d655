/** `svd-studio compress`: images to .svd files at a rank, a PSNR or a size. */
import { mkdir } from 'node:fs/promises';
import { computeMetrics, energyKept, meanSquaredError, peakValue, psnrFromMse, type EncodedSvd, type SvdPool } from '../../core/index.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import {
  computedRank,
  decodedPixels,
  encodeAtRank,
  inputReport,
  prepareImage,
  quantizedPixels,
  type InputReport,
  type PreparedImage,
} from './pipeline.js';
import { TargetError, outputPathFor } from './options.js';
import type { Progress } from './progress.js';

export const DEFAULT_COMPRESS_RANK = 64;

export type RankTarget = { kind: 'rank'; rank: number } | { kind: 'psnr'; decibels: number } | { kind: 'bytes'; bytes: number };

export interface CompressOptions {
  target: RankTarget;
  maxRank: number;
  /** Refuse inputs above this many pixels (default: image-io's 100 MP). */
  maxPixels?: number;
  output?: string;
  outDir?: string;
  force: boolean;
}

export interface CompressReport {
  input: InputReport;
  output: string;
  rank: number[];
  metrics: { mse: number; psnr: number | null; ssim: number; energy: number; alpha_mse?: number };
  size: { file_bytes: number; raw_bytes: number; ratio: number; bpp: number };
  timings_ms: { decode: number; svd: number; encode: number };
}

export async function compressOne(
  path: string,
  options: CompressOptions,
  pool: SvdPool,
  progress: Progress,
  signal?: AbortSignal,
): Promise<CompressReport> {
  const output = outputPathFor(path, '.svd', options);
  const workingRank = options.target.kind === 'rank' ? options.target.rank : options.maxRank;
  const prepared = await prepareImage(path, pool, workingRank, progress, signal, options.maxPixels);
  const started = performance.now();
  progress.stage(`${path}: encoding`);
  const { rank, encoded } = await chooseRank(prepared, options.target);
  const encode = performance.now() - started;
  if (options.outDir) await mkdir(options.outDir, { recursive: true });
  await writeFileAtomic(output, encoded.bytes, { overwrite: options.force });

  progress.stage(`${path}: measuring`);
  // Metrics of what was written, decoded as any reader would decode it.
  const decoded = await decodedPixels(encoded.bytes);
  const metrics = computeMetrics(prepared.image, decoded);
  const { image } = prepared;
  const rawBytes = image.width * image.height * image.channels * (image.bitDepth / 8);
  return {
    input: inputReport(path, image),
    output,
    rank: prepared.svds.map((svd) => Math.min(rank, svd.rank)),
    metrics: {
      mse: metrics.mse,
      psnr: metrics.psnr,
      ssim: metrics.ssim,
      energy: energyKept(prepared.svds, rank),
      ...(metrics.alpha && metrics.alpha.mse > 0 ? { alpha_mse: metrics.alpha.mse } : {}),
    },
    size: {
      file_bytes: encoded.bytes.length,
      raw_bytes: rawBytes,
      ratio: rawBytes / encoded.bytes.length,
      bpp: (8 * encoded.bytes.length) / (image.width * image.height),
    },
    timings_ms: { decode: Math.round(prepared.timings.decode), svd: Math.round(prepared.timings.svd), encode: Math.round(encode) },
  };
}

/** The rank a target asks for, and its encoding. */
async function chooseRank(prepared: PreparedImage, target: RankTarget): Promise<{ rank: number; encoded: EncodedSvd }> {
  const top = computedRank(prepared);
  if (target.kind === 'rank') {
    const rank = Math.min(target.rank, top);
    return { rank, encoded: encodeAtRank(prepared, rank) };
  }
  if (target.kind === 'bytes') {
    // The largest rank whose file fits: sizes grow with rank, so bisect.
    const smallest = encodeAtRank(prepared, 1);
    if (smallest.bytes.length > target.bytes) {
      throw new TargetError(`${prepared.path}: even rank 1 needs ${smallest.bytes.length} bytes, more than --max-bytes ${target.bytes}`);
    }
    let low = 1;
    let best = smallest;
    let high = top;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      const encoded = encodeAtRank(prepared, middle);
      if (encoded.bytes.length <= target.bytes) {
        low = middle;
        best = encoded;
      } else {
        high = middle - 1;
      }
    }
    return { rank: low, encoded: best };
  }
  // --psnr: the smallest rank whose decoded file reaches the target, measured on real pixels.
  // The quantized factors are exactly what a decoder reconstructs, so no need to decode the bytes.
  const psnrAt = async (rank: number) => {
    const encoded = encodeAtRank(prepared, rank);
    const pixels = await quantizedPixels(prepared, encoded);
    const mse = meanSquaredError(prepared.image, pixels);
    return { encoded, psnr: psnrFromMse(mse, peakValue(prepared.image.bitDepth)) ?? Infinity };
  };
  const best = await psnrAt(top);
  if (best.psnr < target.decibels) {
    throw new TargetError(
      `${prepared.path}: rank ${top} reaches only ${best.psnr.toFixed(2)} dB, below --psnr ${target.decibels}; allow more components with --max-rank`,
    );
  }
  let low = 1;
  let high = top;
  let found = best;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const attempt = await psnrAt(middle);
    if (attempt.psnr >= target.decibels) {
      high = middle;
      found = attempt;
    } else {
      low = middle + 1;
    }
  }
  return { rank: low, encoded: found.encoded };
}

export function describeCompress(report: CompressReport): string {
  const { size, metrics } = report;
  const psnr = metrics.psnr === null ? 'lossless' : `PSNR ${metrics.psnr.toFixed(2)} dB`;
  return (
    `${report.input.path} → ${report.output}: rank ${report.rank.join('/')}, ${size.file_bytes.toLocaleString('en-US')} bytes ` +
    `(ratio ${size.ratio.toFixed(1)}, ${size.bpp.toFixed(3)} bpp), ${psnr}, SSIM ${metrics.ssim.toFixed(4)}, ` +
    `energy ${(100 * metrics.energy).toFixed(3)} %`
  );
}
