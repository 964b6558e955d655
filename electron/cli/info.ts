/** `svd-studio info IN.svd`: what a .svd file's header says, without decoding its factors. */
import { readSvdHeader } from '../../core/index.js';
import { readSvdFile } from './pipeline.js';

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
