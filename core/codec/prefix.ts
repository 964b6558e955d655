/**
 * A `.svd` version 2 file cut after its first n segments: the components the encoder valued most,
 * a smaller file of lower rank, made without decoding anything (the index, the ranks and the
 * checksum rewritten; the segments copied). A lossless alpha segment (always first) is kept.
 */
import { readV2Header } from './decode-v2.js';
import { CHECKSUM_BYTES, SvdFormatError, crc32 } from './format.js';
import { ALPHA_SEGMENT_PLANE, FORMAT_VERSION_2, V2_FIXED_HEADER_BYTES, V2_PLANE_ENTRY_BYTES, V2_SEGMENT_ENTRY_BYTES } from './format-v2.js';

/** The file with only its first `segments` segments (at least the alpha segment when there is one). */
export function svdFilePrefix(bytes: Uint8Array, segments: number): Uint8Array {
  if (bytes.length < 10 || (bytes[8] | (bytes[9] << 8)) !== FORMAT_VERSION_2) {
    throw new SvdFormatError('version', 'Only version 2 files can be cut to a prefix of their segments');
  }
  const parsed = readV2Header(bytes, { maxPixels: Infinity, maxFactorValues: Infinity });
  const all = parsed.segments;
  const alphaFirst = all[0]?.plane === ALPHA_SEGMENT_PLANE ? 1 : 0;
  const keep = Math.max(alphaFirst, Math.min(all.length, Math.floor(segments)));
  const kept = all.slice(0, keep);
  const planeCount = parsed.layout.planes.length;
  const ranks = new Array<number>(planeCount).fill(0);
  for (const segment of kept) if (segment.plane !== ALPHA_SEGMENT_PLANE) ranks[segment.plane]++;

  const planesEnd = V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * planeCount;
  const metadataBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(28, true);
  const indexStart = planesEnd + metadataBytes;
  const payloadStart = indexStart + V2_SEGMENT_ENTRY_BYTES * keep;
  const payloadBytes = kept.reduce((sum, segment) => sum + segment.length, 0);
  const out = new Uint8Array(payloadStart + payloadBytes + CHECKSUM_BYTES);
  // Header, plane entries and metadata as they were; then the counts and ranks rewritten.
  out.set(bytes.subarray(0, indexStart), 0);
  const view = new DataView(out.buffer);
  view.setUint32(32, keep, true);
  view.setUint32(36, payloadBytes, true);
  ranks.forEach((rank, p) => view.setUint16(V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * p, rank, true));
  const oldIndexStart = indexStart;
  out.set(bytes.subarray(oldIndexStart, oldIndexStart + V2_SEGMENT_ENTRY_BYTES * keep), indexStart);
  let at = payloadStart;
  for (const segment of kept) {
    out.set(bytes.subarray(segment.offset, segment.offset + segment.length), at);
    at += segment.length;
  }
  view.setUint32(out.length - CHECKSUM_BYTES, crc32(out, 0, out.length - CHECKSUM_BYTES), true);
  return out;
}
