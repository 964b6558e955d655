/**
 * Smaller `.svd` version 2 files cut from a larger one without decoding anything (the index, the
 * ranks and the checksum rewritten; the kept segments copied):
 *   - svdFilePrefix: the first n segments, the components the encoder valued most;
 *   - svdFileSubset: the first k_p components of each plane p, the file's rank-(k_p) version.
 * Both are decodable because a plane's adaptive models run over that plane's segments in file
 * order only: dropping a plane's later segments (or other planes' segments) leaves the earlier
 * ones decoding as before. A lossless alpha segment (always first) is kept.
 */
import { readV2Header, type SegmentEntry, type V2Header } from './decode-v2.js';
import { CHECKSUM_BYTES, SvdFormatError, crc32 } from './format.js';
import { ALPHA_SEGMENT_PLANE, FORMAT_VERSION_2, V2_FIXED_HEADER_BYTES, V2_PLANE_ENTRY_BYTES, V2_SEGMENT_ENTRY_BYTES } from './format-v2.js';

function parseV2(bytes: Uint8Array, what: string): V2Header {
  if (bytes.length < 10 || (bytes[8] | (bytes[9] << 8)) !== FORMAT_VERSION_2) {
    throw new SvdFormatError('version', `Only version 2 files can be cut to ${what}`);
  }
  return readV2Header(bytes, { maxPixels: Infinity, maxFactorValues: Infinity });
}

/** The file with only its first `segments` segments (at least the alpha segment when there is one). */
export function svdFilePrefix(bytes: Uint8Array, segments: number): Uint8Array {
  const parsed = parseV2(bytes, 'a prefix of their segments');
  const all = parsed.segments;
  const alphaFirst = all[0]?.plane === ALPHA_SEGMENT_PLANE ? 1 : 0;
  const keep = Math.max(alphaFirst, Math.min(all.length, Math.floor(segments)));
  return withSegments(
    bytes,
    parsed,
    all.slice(0, keep).map((_, index) => index),
  );
}

/**
 * The file with only the first ranks[p] components of each plane p (a plane keeps all it has when
 * asked for more). Never larger than the file it is cut from.
 */
export function svdFileSubset(bytes: Uint8Array, ranks: readonly number[]): Uint8Array {
  const parsed = parseV2(bytes, 'fewer components per plane');
  const seen = new Array<number>(parsed.layout.planes.length).fill(0);
  const kept: number[] = [];
  parsed.segments.forEach((segment, index) => {
    if (segment.plane === ALPHA_SEGMENT_PLANE) kept.push(index);
    else if (seen[segment.plane]++ < Math.max(0, Math.floor(ranks[segment.plane] ?? 0))) kept.push(index);
  });
  return withSegments(bytes, parsed, kept);
}

/** A copy of the file holding only the segments at `indices` (increasing), in their order. */
function withSegments(bytes: Uint8Array, parsed: V2Header, indices: readonly number[]): Uint8Array {
  const kept: SegmentEntry[] = indices.map((index) => parsed.segments[index]);
  const planeCount = parsed.layout.planes.length;
  const ranks = new Array<number>(planeCount).fill(0);
  for (const segment of kept) if (segment.plane !== ALPHA_SEGMENT_PLANE) ranks[segment.plane]++;

  const planesEnd = V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * planeCount;
  const metadataBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(28, true);
  const indexStart = planesEnd + metadataBytes;
  const payloadStart = indexStart + V2_SEGMENT_ENTRY_BYTES * kept.length;
  const payloadBytes = kept.reduce((sum, segment) => sum + segment.length, 0);
  const out = new Uint8Array(payloadStart + payloadBytes + CHECKSUM_BYTES);
  // Header, plane entries and metadata as they were; then the counts and ranks rewritten.
  out.set(bytes.subarray(0, indexStart), 0);
  const view = new DataView(out.buffer);
  view.setUint32(32, kept.length, true);
  view.setUint32(36, payloadBytes, true);
  ranks.forEach((rank, p) => view.setUint16(V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * p, rank, true));
  // The index entries of the kept segments, in order.
  indices.forEach((index, i) =>
    out.set(
      bytes.subarray(indexStart + V2_SEGMENT_ENTRY_BYTES * index, indexStart + V2_SEGMENT_ENTRY_BYTES * (index + 1)),
      indexStart + V2_SEGMENT_ENTRY_BYTES * i,
    ),
  );
  let at = payloadStart;
  for (const segment of kept) {
    out.set(bytes.subarray(segment.offset, segment.offset + segment.length), at);
    at += segment.length;
  }
  view.setUint32(out.length - CHECKSUM_BYTES, crc32(out, 0, out.length - CHECKSUM_BYTES), true);
  return out;
}
