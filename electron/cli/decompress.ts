/** `svd-studio decompress IN.svd -o OUT.(png|jpg|webp|avif) [-k RANK]`: a .svd file to an image file. */
import { MAX_IMAGE_PIXELS, decodeSvd } from '../../core/index.js';
import { OutputExistsError, writeFileAtomic } from '../io/atomic-write.js';
import { encodeImage, outputFormatFromPath } from '../io/image-io.js';
import { exists, throwIfAborted } from './options.js';
import { pixelsOf, readSvdFile } from './pipeline.js';

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
  const decoded = decodeSvd(await readSvdFile(path), { maxPixels: options.maxPixels ?? MAX_IMAGE_PIXELS });
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
