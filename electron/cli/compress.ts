/**
 * `svd-studio compress`: images to .svd (version 2) files at a PSNR, a size or a number of
 * components per plane, with the patch or the whole-image model, in YCbCr or RGB.
 */
import { mkdir } from 'node:fs/promises';
import {
  computeMetrics,
  encodeSvdFile,
  energyKept,
  type LayoutOptions,
  type SvdMetadata,
  type SvdModel,
  type SvdPool,
  type SvdTarget,
} from '../../core/index.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { cliKernels, colorSpaceName, decodedPixels, inputReport, prepareImage, type InputReport, type PreparedImage } from './pipeline.js';
import { TargetError, outputPathFor } from './options.js';
import type { Progress } from './progress.js';

/**
 * With no target: 36 dB for the patch model (about JPEG quality 80–90 on photos), 64 components per
 * plane for the whole-image model (which needs hundreds of components to reach 36 dB on a photo).
 */
export const DEFAULT_PATCH_PSNR = 36;
export const DEFAULT_WHOLE_RANK = 64;

export type RankTarget = { kind: 'rank'; rank: number } | { kind: 'psnr'; decibels: number } | { kind: 'bytes'; bytes: number };

export interface CompressOptions {
  /** undefined: the model's default (DEFAULT_PATCH_PSNR or DEFAULT_WHOLE_RANK). */
  target?: RankTarget;
  model: SvdModel;
  colorSpace: 'rgb' | 'ycbcr';
  patchSize: number;
  /** Components the whole-image model computes per plane (its working rank). */
  maxRank: number;
  /** Refuse inputs above this many pixels (default: the shared 100 MP limit). */
  maxPixels?: number;
  output?: string;
  outDir?: string;
  force: boolean;
  /** Carry the input's ICC profile and EXIF fields in the file. */
  keepMetadata?: boolean;
  deblock?: boolean;
}

export interface CompressReport {
  input: InputReport;
  output: string;
  model: SvdModel;
  color_space: 'rgb' | 'ycbcr' | 'gray';
  rank: number[];
  metrics: { mse: number; psnr: number | null; ssim: number; energy: number; alpha_mse?: number };
  size: { file_bytes: number; raw_bytes: number; ratio: number; bpp: number };
  timings_ms: { decode: number; svd: number; encode: number };
}

export function defaultTarget(model: SvdModel): RankTarget {
  return model === 'patch' ? { kind: 'psnr', decibels: DEFAULT_PATCH_PSNR } : { kind: 'rank', rank: DEFAULT_WHOLE_RANK };
}

export async function compressOne(
  path: string,
  options: CompressOptions,
  pool: SvdPool,
  progress: Progress,
  signal?: AbortSignal,
  metadataOf?: (path: string) => Promise<SvdMetadata | undefined>,
  /** Called once the planes are decomposed (the last file: the pool's workers and their workspaces can go before encoding). */
  decomposed?: () => void,
  /** Called once the output file is written (before it is measured: an interrupt after this point leaves it complete). */
  written?: () => void,
): Promise<CompressReport> {
  const output = outputPathFor(path, '.svd', options);
  const target = options.target ?? defaultTarget(options.model);
  const layoutOptions: LayoutOptions = { model: options.model, colorSpace: options.colorSpace, patchSize: options.patchSize };
  const workingRank = target.kind === 'rank' ? target.rank : options.maxRank;
  const prepared = await prepareImage(path, pool, { layout: layoutOptions, workingRank }, progress, signal, options.maxPixels);
  decomposed?.();
  const started = performance.now();
  progress.stage(`${path}: encoding`);
  const encoded = await encodeSvdFile({
    image: prepared.image,
    layout: prepared.layout,
    svds: prepared.svds,
    samples: takeSamples(prepared, target),
    target: coreTarget(target),
    deblock: options.deblock,
    metadata: options.keepMetadata ? await metadataOf?.(path) : undefined,
    kernels: await cliKernels(),
    signal,
  });
  const encode = performance.now() - started;
  if (!encoded.reached) throw new TargetError(unreached(path, target, encoded.psnr, encoded.bytes.length, options));
  if (options.outDir) await mkdir(options.outDir, { recursive: true });
  await writeFileAtomic(output, encoded.bytes, { overwrite: options.force });
  written?.();

  progress.stage(`${path}: measuring`);
  // Metrics of what was written, decoded as any reader would decode it.
  const decoded = await decodedPixels(encoded.bytes);
  const metrics = computeMetrics(prepared.image, decoded);
  const { image } = prepared;
  const rawBytes = image.width * image.height * image.channels * (image.bitDepth / 8);
  return {
    input: inputReport(path, image),
    output,
    model: prepared.layout.model,
    color_space: colorSpaceName(image.channels, prepared.layout.colorSpace),
    rank: encoded.ranks,
    metrics: {
      mse: metrics.mse,
      psnr: metrics.psnr,
      ssim: metrics.ssim,
      energy: energyKept(prepared.svds, encoded.ranks),
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

/**
 * The samples (a float plane per plane) for the encoder, taken out of `prepared`: only a PSNR or
 * size target's chroma estimate reads them, and measuring the written file does not, so they
 * are freed once the encoder returns (or before it starts, for a rank target).
 */
function takeSamples(prepared: PreparedImage, target: RankTarget): Float32Array[] | undefined {
  const { samples } = prepared;
  prepared.samples = undefined;
  return target.kind === 'rank' ? undefined : samples;
}

function coreTarget(target: RankTarget): SvdTarget {
  if (target.kind === 'psnr') return { psnr: target.decibels };
  if (target.kind === 'bytes') return { maxBytes: target.bytes };
  return { ranks: target.rank };
}

function unreached(path: string, target: RankTarget, psnr: number | null, bytes: number, options: CompressOptions): string {
  if (target.kind === 'bytes')
    return `${path}: the smallest file this image gives is ${bytes} bytes, more than --max-bytes ${target.bytes}`;
  const hint =
    options.model === 'whole'
      ? `allow more components with --max-rank (now ${options.maxRank})`
      : options.colorSpace === 'ycbcr'
        ? 'half-resolution chroma caps it: try --color-space rgb'
        : 'the patch model holds no more';
  return `${path}: the best file reaches only ${psnr === null ? '∞' : psnr.toFixed(2)} dB, below --psnr ${target.kind === 'psnr' ? target.decibels : ''}; ${hint}`;
}

export function describeCompress(report: CompressReport): string {
  const { size, metrics } = report;
  const psnr = metrics.psnr === null ? 'lossless' : `PSNR ${metrics.psnr.toFixed(2)} dB`;
  return (
    `${report.input.path} → ${report.output}: ${report.model} ${report.color_space.toUpperCase()}, rank ${report.rank.join('/')}, ` +
    `${size.file_bytes.toLocaleString('en-US')} bytes (ratio ${size.ratio.toFixed(1)}, ${size.bpp.toFixed(3)} bpp), ${psnr}, ` +
    `SSIM ${metrics.ssim.toFixed(4)}, energy ${(100 * metrics.energy).toFixed(3)} %`
  );
}
