/** `svd-studio info IN.svd`: what a .svd file's header says, without decoding its factors. */
import { readSvdHeader } from '../../core/index.js';
import { colorSpaceName, readSvdFile } from './pipeline.js';

export interface InfoReport {
  version: number;
  width: number;
  height: number;
  channels: number;
  color_space: 'rgb' | 'ycbcr' | 'gray';
  model: 'whole' | 'patch';
  /** The patch model's p (0 for the whole-image model). */
  patch_size: number;
  bit_depth: number;
  rank: number[];
  file_bytes: number;
  alpha?: string;
}

export async function info(path: string): Promise<InfoReport> {
  // info only reads the header: it may describe files larger than this machine would decode.
  const header = readSvdHeader(await readSvdFile(path), { maxPixels: Infinity, maxFactorValues: Infinity });
  return {
    version: header.version,
    width: header.width,
    height: header.height,
    channels: header.channels,
    color_space: colorSpaceName(header.channels, header.colorSpace),
    model: header.model,
    patch_size: header.patchSize,
    bit_depth: header.bitDepth,
    rank: header.lowRank.map((entry) => entry.rank),
    file_bytes: header.fileBytes,
    ...(header.alpha !== 'none' ? { alpha: header.alpha } : {}),
  };
}
