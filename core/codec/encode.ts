/**
 * Writing .svd files (layout in SPEC.md). The encoder quantizes each component's vectors with
 * step Δ/σ_i, codes each vector as 0-, 1-, 2- or 4-byte integers (plain or as differences,
 * whichever is smaller), interleaves components across channels in order of decreasing σ, and
 * compresses the payload with DEFLATE (fflate).
 */
import { hasAlpha } from '../image/channels.js';
import { deflateSync } from 'fflate';
import type { TruncatedSvd } from '../types.js';
import {
  ALPHA_CODES,
  CHANNEL_ENTRY_BYTES,
  CHECKSUM_BYTES,
  COLOR_SPACE_CODES,
  FIXED_HEADER_BYTES,
  FORMAT_VERSION,
  MAGIC,
  MAX_SIDE,
  crc32,
  lowRankChannelCount,
  type AlphaStorage,
} from './format.js';
import { DEFAULT_QUANTIZATION_SHARE, dequantizeInto, quantizationStep, quantizeColumn } from './quantize.js';
import { encodeVector, vectorCoding, writeAlphaPlane, type VectorCoding } from './vector-coding.js';

export interface EncodeInput {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  /** One decomposition per low-rank channel: the colour channels, then alpha if stored low rank. */
  svds: readonly TruncatedSvd[];
  /** Components to store per low-rank channel (clamped to each decomposition's rank). */
  ranks: readonly number[];
  /** How alpha is stored when the image has it (default 'lossless'). */
  alpha?: AlphaStorage;
  /** The alpha plane (width · height samples), for lossless alpha. */
  alphaPlane?: Uint8Array | Uint16Array;
  /** Share of the truncation error that quantization may add (default 0.035). */
  quantizationShare?: number;
  /** DEFLATE level 0–9 (default 9). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

export interface EncodedSvd {
  bytes: Uint8Array;
  /** Exactly the factors a decoder of `bytes` reconstructs, one per low-rank channel. */
  quantized: TruncatedSvd[];
}

interface StoredComponent {
  channel: number;
  sigma: number;
  u: Int32Array;
  v: Int32Array;
  uCoding: VectorCoding;
  vCoding: VectorCoding;
}

export function encodeSvd(input: EncodeInput): EncodedSvd {
  const { width, height, channels, bitDepth } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new RangeError(`A .svd file holds 1…${MAX_SIDE} × 1…${MAX_SIDE} pixels, not ${width} × ${height}`);
  }
  const alpha: AlphaStorage = hasAlpha(channels) ? (input.alpha ?? 'lossless') : 'none';
  const lowRankCount = lowRankChannelCount(channels, alpha);
  if (input.svds.length !== lowRankCount || input.ranks.length !== lowRankCount) {
    throw new RangeError(`A ${channels}-channel image with ${alpha} alpha has ${lowRankCount} low-rank channels`);
  }
  if (alpha === 'lossless' && (!input.alphaPlane || input.alphaPlane.length !== width * height)) {
    throw new RangeError(`Lossless alpha needs the alpha plane (${width * height} samples)`);
  }

  const share = input.quantizationShare ?? DEFAULT_QUANTIZATION_SHARE;
  const entries: { rank: number; step: number }[] = [];
  const perChannel: StoredComponent[][] = [];
  const quantized: TruncatedSvd[] = [];
  input.svds.forEach((svd, channel) => {
    if (svd.u.rows !== height || svd.v.rows !== width) {
      throw new RangeError(`Channel ${channel}'s decomposition is ${svd.u.rows} × ${svd.v.rows}, the image ${height} × ${width}`);
    }
    const rank = Math.max(0, Math.min(Math.floor(input.ranks[channel]), svd.rank));
    const step = quantizationStep(svd, rank, share);
    entries.push({ rank, step });
    const components: StoredComponent[] = [];
    const u = new Float32Array(height * rank);
    const v = new Float32Array(width * rank);
    const sigma = new Float64Array(rank);
    for (let i = 0; i < rank; i++) {
      const storedSigma = Math.fround(svd.sigma[i]);
      const scale = storedSigma / step;
      const qu = quantizeColumn(svd.u.data, svd.rank, i, height, scale);
      const qv = quantizeColumn(svd.v.data, svd.rank, i, width, scale);
      components.push({ channel, sigma: storedSigma, u: qu, v: qv, uCoding: vectorCoding(qu), vCoding: vectorCoding(qv) });
      sigma[i] = storedSigma;
      dequantizeInto(qu, step, storedSigma, u, rank, i);
      dequantizeInto(qv, step, storedSigma, v, rank, i);
    }
    perChannel.push(components);
    quantized.push({
      rank,
      sigma,
      u: { rows: height, cols: rank, data: u },
      v: { rows: width, cols: rank, data: v },
      frobeniusNormSquared: svd.frobeniusNormSquared,
    });
  });

  // Payload: component-major, so a prefix decodes to a lower rank.
  const ordered: StoredComponent[] = [];
  const longest = Math.max(0, ...entries.map((entry) => entry.rank));
  for (let i = 0; i < longest; i++) for (const components of perChannel) if (i < components.length) ordered.push(components[i]);
  const alphaBytes = alpha === 'lossless' ? width * height * (bitDepth === 16 ? 2 : 1) : 0;
  let payloadLength = alphaBytes;
  for (const component of ordered) payloadLength += 6 + component.uCoding.bytes + component.vCoding.bytes;
  const payload = new Uint8Array(payloadLength);
  const view = new DataView(payload.buffer);
  let at = 0;
  for (const component of ordered) {
    view.setFloat32(at, component.sigma, true);
    payload[at + 4] = component.uCoding.code;
    payload[at + 5] = component.vCoding.code;
    at += 6;
    at = encodeVector(component.u, component.uCoding, payload, at);
    at = encodeVector(component.v, component.vCoding, payload, at);
  }
  if (alpha === 'lossless') writeAlphaPlane(input.alphaPlane!, width, height, bitDepth, payload, at);

  const compressed = deflateSync(payload, { level: input.level ?? 9 });
  const headerBytes = FIXED_HEADER_BYTES + CHANNEL_ENTRY_BYTES * entries.length;
  const bytes = new Uint8Array(headerBytes + compressed.length + CHECKSUM_BYTES);
  const header = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  header.setUint16(8, FORMAT_VERSION, true);
  header.setUint8(10, channels);
  header.setUint8(11, COLOR_SPACE_CODES.rgb);
  header.setUint32(12, width, true);
  header.setUint32(16, height, true);
  header.setUint8(20, bitDepth);
  header.setUint8(21, ALPHA_CODES[alpha]);
  header.setUint16(22, 0, true);
  header.setUint32(24, compressed.length, true);
  header.setUint32(28, payload.length, true);
  entries.forEach((entry, index) => {
    const offset = FIXED_HEADER_BYTES + CHANNEL_ENTRY_BYTES * index;
    header.setUint16(offset, entry.rank, true);
    header.setUint16(offset + 2, 0, true);
    header.setFloat32(offset + 4, entry.step, true);
  });
  bytes.set(compressed, headerBytes);
  header.setUint32(bytes.length - CHECKSUM_BYTES, crc32(bytes, 0, bytes.length - CHECKSUM_BYTES), true);
  return { bytes, quantized };
}
