/** `svd-studio decompress` and `svd-studio info`. */
import { readFile } from 'node:fs/promises';
import { decodeSvd, readSvdHeader } from '../../core/index.js';
import { OutputExistsError, writeFileAtomic } from '../main/services/atomic-write.js';
import { DEFAULT_MAX_PIXELS, encodeImage, outputFormatFromPath, ImageIoError } from '../main/services/image-io.js';
import { exists, throwIfAborted } from './options.js';
import { pixelsOf } from './pipeline.js';

async function readSvdFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImageIoError(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a .svd file' : `cannot read it (${code ?? String(error)})`);
  }
}

export interface DecompressReport {
  input: string;
  output: string;
  width: number;
  height: number;
  rank: number[];
  file_bytes: number;
}

export async function decompress(
  path: string,
  output: string,
  options: { rank?: number; quality?: number; keepMetadata?: boolean; maxPixels?: number; force: boolean; signal?: AbortSignal },
): Promise<DecompressReport> {
  const format = outputFormatFromPath(output);
  if (!options.force && (await exists(output))) throw new OutputExistsError(output);
  // The same pixel limit as for input images: a .svd file is untrusted input too.
  const decoded = decodeSvd(await readSvdFile(path), { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS });
  throwIfAborted(options.signal);
  const pixels = await pixelsOf(decoded, options.rank);
  throwIfAborted(options.signal);
  const bytes = await encodeImage(pixels, format, { quality: options.quality, keepMetadata: options.keepMetadata });
  throwIfAborted(options.signal);
  await writeFileAtomic(output, bytes, { overwrite: options.force });
  return {
    input: path,
    output,
    width: decoded.header.width,
    height: decoded.header.height,
    rank: decoded.channels.map((svd) => Math.min(options.rank ?? svd.rank, svd.rank)),
    file_bytes: bytes.length,
  };
}

export interface InfoReport {
  width: number;
  height: number;
  channels: number;
  color_space: string;
  bit_depth: number;
  rank: number[];
  file_bytes: number;
  alpha?: string;
}

export async function info(path: string): Promise<InfoReport> {
  // info only reads the header: it may describe files larger than this machine would decode.
  const header = readSvdHeader(await readSvdFile(path), { maxPixels: Infinity, maxFactorValues: Infinity });
  return {
    width: header.width,
    height: header.height,
    channels: header.channels,
    color_space: header.colorSpace,
    bit_depth: header.bitDepth,
    rank: header.lowRank.map((entry) => entry.rank),
    file_bytes: header.fileBytes,
    ...(header.alpha !== 'none' ? { alpha: header.alpha } : {}),
  };
}
