/**
 * The .svd container, version 1: header layout, limits, errors and the CRC-32. The byte layout
 * is specified in SPEC.md beside this file:
 *
 *   0  magic (8) · 8 version u16 · 10 channels u8 · 11 colour space u8 · 12 width u32
 *   16 height u32 · 20 bit depth u8 · 21 alpha storage u8 · 22 flags u16
 *   24 payload length u32 · 28 inflated length u32 · 32 per low-rank channel: rank u16, 0 u16,
 *   step f32 · payload (raw DEFLATE) · CRC-32 u32 of everything before it
 */
import { colorChannelCount } from '../image/channels.js';

export const MAGIC = Uint8Array.of(0x89, 0x53, 0x56, 0x44, 0x0d, 0x0a, 0x1a, 0x0a);
export const FORMAT_VERSION = 1;
export const FIXED_HEADER_BYTES = 32;
export const CHANNEL_ENTRY_BYTES = 8;
export const CHECKSUM_BYTES = 4;
export const MAX_SIDE = 65535;
/** Default reader limit on the decoded factor values, Σ_c k_c·(h + w) (2^26 floats = 256 MiB). */
export const DEFAULT_MAX_FACTOR_VALUES = 2 ** 26;
/** DEFLATE cannot expand data by more than about 1032:1; a payload claiming more is a lie. */
export const MAX_DEFLATE_RATIO = 1032;

export type ColorSpace = 'rgb' | 'ycbcr';
export type AlphaStorage = 'none' | 'lossless' | 'low-rank';

export const COLOR_SPACE_CODES: Record<ColorSpace, number> = { rgb: 0, ycbcr: 1 };
export const ALPHA_CODES: Record<AlphaStorage, number> = { none: 0, lossless: 1, 'low-rank': 2 };

export interface SvdFileHeader {
  version: number;
  width: number;
  height: number;
  /** Channels of the image: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  colorSpace: ColorSpace;
  bitDepth: 8 | 16;
  alpha: AlphaStorage;
  /** Version 2: the whole-image or the patch model (version 1 files are whole-image). */
  model: 'whole' | 'patch';
  /** The patch model's p (0 for the whole-image model). */
  patchSize: number;
  /** YCbCr chroma at full or half resolution ('full' for RGB and gray). */
  chroma: 'full' | 'half';
  /**
   * Rank of each low-rank plane (colour planes, then alpha if low rank) and, in version 1 files,
   * its quantization step (version 2 stores a gain per component instead: step 0).
   */
  lowRank: { rank: number; step: number }[];
  payloadBytes: number;
  inflatedBytes: number;
  /** Offset of the payload in the file. */
  payloadOffset: number;
  /** Size of the whole file. */
  fileBytes: number;
}

export type SvdFormatErrorCode =
  'magic' | 'version' | 'header' | 'dimensions' | 'rank' | 'truncated' | 'checksum' | 'inflate' | 'overflow' | 'payload';

/** Every problem with a .svd file's bytes; `code` says which check failed. */
export class SvdFormatError extends Error {
  override name = 'SvdFormatError';
  readonly code: SvdFormatErrorCode;
  constructor(code: SvdFormatErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Number of low-rank channels for an image's channel count and alpha storage. */
export function lowRankChannelCount(channels: number, alpha: AlphaStorage): number {
  return colorChannelCount(channels) + (alpha === 'low-rank' ? 1 : 0);
}

/** The smallest inflated payload a header allows: every component's σ and coding bytes, and alpha. */
export function minInflatedBytes(header: Pick<SvdFileHeader, 'width' | 'height' | 'bitDepth' | 'alpha' | 'lowRank'>): number {
  let bytes = 0;
  for (const { rank } of header.lowRank) bytes += 6 * rank;
  if (header.alpha === 'lossless') bytes += header.width * header.height * (header.bitDepth === 16 ? 2 : 1);
  return bytes;
}

/** The largest inflated payload a header allows (as a float64: it may exceed 2³²). */
export function maxInflatedBytes(header: Pick<SvdFileHeader, 'width' | 'height' | 'bitDepth' | 'alpha' | 'lowRank'>): number {
  const { width, height } = header;
  let bytes = 0;
  for (const { rank } of header.lowRank) bytes += rank * (6 + 4 * (width + height));
  if (header.alpha === 'lossless') bytes += width * height * (header.bitDepth === 16 ? 2 : 1);
  return bytes;
}

// CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF), one
// table lookup per byte.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
