/**
 * Reading .svd files. Every file is treated as hostile: each header field is checked against
 * the format's limits before anything is allocated, every allocation is derived from the
 * validated header, the payload is inflated in small pieces so it can never grow past the
 * length the header declares, and any failure is an SvdFormatError with a `code` and a message
 * that says what is wrong.
 */
import { Inflate } from 'fflate';
import { hasAlpha } from '../image/channels.js';
import { decodeV2Segments, readV2Header, type V2Limits } from './decode-v2.js';
import { FORMAT_VERSION_2, type SvdMetadata } from './format-v2.js';
import { imageLayout, type ImageLayout } from './planes.js';
import { MAX_IMAGE_PIXELS } from '../image/formats.js';
import type { TruncatedSvd } from '../types.js';
import {
  CHANNEL_ENTRY_BYTES,
  CHECKSUM_BYTES,
  FIXED_HEADER_BYTES,
  FORMAT_VERSION,
  MAGIC,
  MAX_SIDE,
  MAX_DEFLATE_RATIO,
  DEFAULT_MAX_FACTOR_VALUES,
  SvdFormatError,
  minInflatedBytes,
  crc32,
  lowRankChannelCount,
  maxInflatedBytes,
  type AlphaStorage,
  type SvdFileHeader,
} from './format.js';
import { dequantizeInto } from './quantize.js';
import { DELTA_BIT, WIDTH_OF_CODE, decodeVector, readAlphaPlane } from './vector-coding.js';

export interface DecodeOptions {
  /** Largest width · height accepted (default 2^28). */
  maxPixels?: number;
  /** Largest number of decoded factor values Σ_c k_c·(h + w) accepted (default 2^26). */
  maxFactorValues?: number;
}

export interface DecodedSvd {
  header: SvdFileHeader;
  /** The planes and how they map to pixels (a version 1 file: whole-image RGB or gray). */
  layout: ImageLayout;
  /** The decoded decomposition of each plane (colour planes, then alpha if low rank). */
  channels: TruncatedSvd[];
  /** The alpha plane, when stored losslessly. */
  alphaPlane?: Uint8Array | Uint16Array;
  /** Version 2: the decoder smooths the patch grid's block edges. */
  deblock: boolean;
  /** Version 2: an ICC profile and EXIF fields carried along. */
  metadata: SvdMetadata;
}

/**
 * Compressed input is inflated this many bytes at a time: at most ~1,032× that (~260 kB) comes out
 * per step, so a payload that inflates past its declared size is stopped after little work
 * (fflate slows down on very large expansions: 4 kB pieces of a bomb took ~0.1–0.4 s each).
 */
const INFLATE_PIECE = 256;

/** The format version of a .svd file (its magic checked), before anything else is read. */
function fileVersion(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) throw new SvdFormatError('header', 'A .svd file must be given as bytes');
  if (bytes.length < MAGIC.length || MAGIC.some((value, i) => bytes[i] !== value)) {
    throw new SvdFormatError('magic', 'This is not a .svd file (its first bytes are not the .svd signature)');
  }
  if (bytes.length < 10) throw new SvdFormatError('truncated', `The file is truncated: ${bytes.length} bytes, shorter than a .svd header`);
  const version = bytes[8] | (bytes[9] << 8);
  if (version !== FORMAT_VERSION && version !== FORMAT_VERSION_2) {
    throw new SvdFormatError('version', `This .svd file is version ${version}; this reader understands versions 1 and 2`);
  }
  return version;
}

function limitsOf(options: DecodeOptions): V2Limits {
  return { maxPixels: options.maxPixels ?? MAX_IMAGE_PIXELS, maxFactorValues: options.maxFactorValues ?? DEFAULT_MAX_FACTOR_VALUES };
}

/** Parses and checks the header and the checksum (version 1 or 2); decodes no factors. */
export function readSvdHeader(bytes: Uint8Array, options: DecodeOptions = {}): SvdFileHeader {
  if (fileVersion(bytes) === FORMAT_VERSION_2) return readV2Header(bytes, limitsOf(options)).header;
  return readV1Header(bytes, options);
}

function readV1Header(bytes: Uint8Array, options: DecodeOptions): SvdFileHeader {
  if (bytes.length < FIXED_HEADER_BYTES + CHECKSUM_BYTES) {
    throw new SvdFormatError('truncated', `The file is truncated: ${bytes.length} bytes, shorter than a .svd header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = FORMAT_VERSION;
  const channels = view.getUint8(10);
  if (channels < 1 || channels > 4) throw new SvdFormatError('header', `The header says ${channels} channels; a .svd image has 1 to 4`);
  const colorSpaceCode = view.getUint8(11);
  if (colorSpaceCode === 1)
    throw new SvdFormatError('header', 'This file stores YCbCr channels, which this version of SVD Studio cannot decode');
  if (colorSpaceCode !== 0) throw new SvdFormatError('header', `Unknown colour space ${colorSpaceCode}`);
  const width = view.getUint32(12, true);
  const height = view.getUint32(16, true);
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new SvdFormatError('dimensions', `The header says ${width} × ${height} pixels; each side must be 1…${MAX_SIDE}`);
  }
  if (width * height > maxPixels) {
    throw new SvdFormatError(
      'dimensions',
      `The image would be ${width} × ${height} = ${width * height} pixels, above the limit of ${maxPixels}`,
    );
  }
  const bitDepth = view.getUint8(20);
  if (bitDepth !== 8 && bitDepth !== 16)
    throw new SvdFormatError('header', `The header says ${bitDepth}-bit samples; only 8 and 16 are valid`);
  const alphaCode = view.getUint8(21);
  const alpha: AlphaStorage | undefined = hasAlpha(channels)
    ? ({ 1: 'lossless', 2: 'low-rank' } as const)[alphaCode as 1 | 2]
    : alphaCode === 0
      ? 'none'
      : undefined;
  if (!alpha) throw new SvdFormatError('header', `Alpha storage ${alphaCode} is not valid for a ${channels}-channel image`);
  const flags = view.getUint16(22, true);
  if (flags !== 0) throw new SvdFormatError('header', `Unknown header flags 0x${flags.toString(16)}`);
  const payloadBytes = view.getUint32(24, true);
  const inflatedBytes = view.getUint32(28, true);
  const lowRankCount = lowRankChannelCount(channels, alpha);
  const payloadOffset = FIXED_HEADER_BYTES + CHANNEL_ENTRY_BYTES * lowRankCount;
  const expectedLength = payloadOffset + payloadBytes + CHECKSUM_BYTES;
  if (bytes.length < expectedLength) {
    throw new SvdFormatError('truncated', `The file is truncated: it has ${bytes.length} bytes, its header describes ${expectedLength}`);
  }
  if (bytes.length > expectedLength) {
    throw new SvdFormatError('header', `The file has ${bytes.length - expectedLength} bytes after its end`);
  }
  const stored = view.getUint32(bytes.length - CHECKSUM_BYTES, true);
  const computed = crc32(bytes, 0, bytes.length - CHECKSUM_BYTES);
  if (stored !== computed) {
    throw new SvdFormatError('checksum', `The file is damaged: its checksum is ${hex(stored)}, its contents give ${hex(computed)}`);
  }
  const shortSide = Math.min(width, height);
  const lowRank: { rank: number; step: number }[] = [];
  for (let c = 0; c < lowRankCount; c++) {
    const offset = FIXED_HEADER_BYTES + CHANNEL_ENTRY_BYTES * c;
    const rank = view.getUint16(offset, true);
    const reserved = view.getUint16(offset + 2, true);
    const step = view.getFloat32(offset + 4, true);
    if (rank > shortSide) throw new SvdFormatError('rank', `Channel ${c} claims rank ${rank}, above min(width, height) = ${shortSide}`);
    if (reserved !== 0) throw new SvdFormatError('header', `Channel ${c}'s reserved field is not zero`);
    if (!(step > 0) || !Number.isFinite(step))
      throw new SvdFormatError('header', `Channel ${c}'s quantization step ${step} is not a positive number`);
    lowRank.push({ rank, step });
  }
  const header: SvdFileHeader = {
    version,
    width,
    height,
    channels: channels as 1 | 2 | 3 | 4,
    colorSpace: 'rgb',
    bitDepth,
    alpha,
    model: 'whole',
    patchSize: 0,
    chroma: 'full',
    lowRank,
    payloadBytes,
    inflatedBytes,
    payloadOffset,
    fileBytes: bytes.length,
  };
  const limit = maxInflatedBytes(header);
  if (inflatedBytes > limit) {
    throw new SvdFormatError('header', `The header declares a payload of ${inflatedBytes} bytes; its ranks allow at most ${limit}`);
  }
  const least = minInflatedBytes(header);
  if (inflatedBytes < least) {
    throw new SvdFormatError('header', `The header declares a payload of ${inflatedBytes} bytes; its ranks need at least ${least}`);
  }
  if (inflatedBytes > MAX_DEFLATE_RATIO * payloadBytes + 1024) {
    throw new SvdFormatError('header', `${payloadBytes} compressed bytes cannot inflate to the ${inflatedBytes} the header declares`);
  }
  const factorValues = lowRank.reduce((sum, { rank }) => sum + rank * (width + height), 0);
  const maxFactorValues = options.maxFactorValues ?? DEFAULT_MAX_FACTOR_VALUES;
  if (factorValues > maxFactorValues) {
    throw new SvdFormatError('dimensions', `The file's factors would hold ${factorValues} values, above the limit of ${maxFactorValues}`);
  }
  return header;
}

/** Checks and decodes a whole .svd file (version 1 or 2). */
export function decodeSvd(bytes: Uint8Array, options: DecodeOptions = {}): DecodedSvd {
  try {
    if (fileVersion(bytes) === FORMAT_VERSION_2) {
      const parsed = readV2Header(bytes, limitsOf(options));
      const decoded = decodeV2Segments(bytes, parsed);
      return {
        header: parsed.header,
        layout: parsed.layout,
        channels: decoded.planes,
        alphaPlane: decoded.alphaPlane,
        deblock: parsed.deblock,
        metadata: parsed.metadata,
      };
    }
    const header = readV1Header(bytes, options);
    const payload = inflateBounded(bytes.subarray(header.payloadOffset, header.payloadOffset + header.payloadBytes), header.inflatedBytes);
    return parsePayload(header, payload);
  } catch (error) {
    // Sizes are bounded above, but an allocation can still fail where memory is short.
    if (error instanceof RangeError) throw new SvdFormatError('dimensions', `The file is too large to decode here (${error.message})`);
    throw error;
  }
}

function inflateBounded(compressed: Uint8Array, declared: number): Uint8Array {
  const out = new Uint8Array(declared);
  let written = 0;
  let finished = false;
  const inflater = new Inflate((chunk, final) => {
    if (written + chunk.length > declared) {
      throw new SvdFormatError('overflow', `The payload inflates past the ${declared} bytes its header declares`);
    }
    out.set(chunk, written);
    written += chunk.length;
    if (final) finished = true;
  });
  try {
    for (let at = 0; at < compressed.length; at += INFLATE_PIECE) {
      // A stream that ended before its last piece has bytes after it.
      if (finished) throw new SvdFormatError('payload', 'The compressed payload has data after its end');
      const end = Math.min(compressed.length, at + INFLATE_PIECE);
      inflater.push(compressed.subarray(at, end), end === compressed.length);
    }
    if (compressed.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof SvdFormatError) throw error;
    throw new SvdFormatError('inflate', `The compressed payload is corrupt (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!finished || written !== declared) {
    throw new SvdFormatError('payload', `The payload inflates to ${written} bytes, not the ${declared} its header declares`);
  }
  return out;
}

function parsePayload(header: SvdFileHeader, payload: Uint8Array): DecodedSvd {
  const { width, height, lowRank } = header;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const channels = lowRank.map(({ rank }) => ({
    sigma: new Float64Array(rank),
    u: new Float32Array(height * rank),
    v: new Float32Array(width * rank),
  }));
  const uValues = new Int32Array(height);
  const vValues = new Int32Array(width);
  const longest = Math.max(0, ...lowRank.map(({ rank }) => rank));
  let at = 0;
  const need = (count: number, what: string) => {
    if (at + count > payload.length) throw new SvdFormatError('payload', `The payload ends in the middle of ${what}`);
  };
  for (let i = 0; i < longest; i++) {
    for (let c = 0; c < lowRank.length; c++) {
      const { rank, step } = lowRank[c];
      if (i >= rank) continue;
      const what = `component ${i + 1} of channel ${c}`;
      need(6, what);
      const sigma = view.getFloat32(at, true);
      if (!(sigma > 0) || !Number.isFinite(sigma)) throw new SvdFormatError('payload', `${what} has σ = ${sigma}; it must be positive`);
      if (i > 0 && sigma > channels[c].sigma[i - 1])
        throw new SvdFormatError('payload', `${what} has a larger σ than the component before it`);
      if (!Number.isFinite(step / sigma) || !Number.isFinite((step / sigma) * 2 ** 31)) {
        throw new SvdFormatError('payload', `${what} has σ = ${sigma}, too small for the channel's step ${step}`);
      }
      const uCode = payload[at + 4];
      const vCode = payload[at + 5];
      at += 6;
      for (const code of [uCode, vCode]) {
        if (code & ~(DELTA_BIT | 3)) throw new SvdFormatError('payload', `${what} has an unknown coding byte 0x${code.toString(16)}`);
      }
      const uWidth = WIDTH_OF_CODE[uCode & 3];
      const vWidth = WIDTH_OF_CODE[vCode & 3];
      need(uWidth * height + vWidth * width, what);
      at = decodeVector(payload, at, height, uWidth, (uCode & DELTA_BIT) !== 0, uValues);
      at = decodeVector(payload, at, width, vWidth, (vCode & DELTA_BIT) !== 0, vValues);
      channels[c].sigma[i] = sigma;
      dequantizeInto(uValues, step, sigma, channels[c].u, rank, i);
      dequantizeInto(vValues, step, sigma, channels[c].v, rank, i);
    }
  }
  let alphaPlane: Uint8Array | Uint16Array | undefined;
  if (header.alpha === 'lossless') {
    const count = width * height * (header.bitDepth === 16 ? 2 : 1);
    need(count, 'the alpha plane');
    alphaPlane = readAlphaPlane(payload, at, width, height, header.bitDepth);
    at += count;
  }
  if (at !== payload.length) throw new SvdFormatError('payload', `The payload has ${payload.length - at} bytes after its last component`);
  return {
    header,
    layout: imageLayout(header, { model: 'whole', colorSpace: 'rgb', alpha: header.alpha }),
    deblock: false,
    metadata: {},
    channels: channels.map((channel, c) => {
      const rank = lowRank[c].rank;
      // σ and the factors as decoded; ‖A‖² is not stored, so report the energy of what is kept.
      let kept = 0;
      for (let i = 0; i < rank; i++) kept += channel.sigma[i] * channel.sigma[i];
      return {
        rank,
        sigma: channel.sigma,
        u: { rows: height, cols: rank, data: channel.u },
        v: { rows: width, cols: rank, data: channel.v },
        frobeniusNormSquared: kept,
      };
    }),
    alphaPlane,
  };
}

function hex(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}
