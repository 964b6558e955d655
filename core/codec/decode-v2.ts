/**
 * Reading `.svd` version 2 (SPEC.md, "Version 2"). As for version 1, every file is hostile: the
 * header's fields are checked against the format's limits and against each other before anything
 * is allocated (plane count and kinds from channels, colour space and alpha; each rank ≤ the
 * plane matrix's short side; the decoded factor values bounded; the segment index consistent
 * with the ranks; the lengths summing to the file's size), and the CRC-32 is checked before any
 * segment is decoded. A segment decodes exactly rows + cols values whatever its bytes (a range
 * decoder reads zeros past its end), so time and memory follow from the validated header.
 */
import { colorChannelCount } from '../image/channels.js';
import type { TruncatedSvd } from '../types.js';
import { planeFactors } from './components.js';
import { FactorModels, nextActivity, decodeVector, type VectorShape } from './factor-coding.js';
import { ALPHA_CODES, CHECKSUM_BYTES, MAX_SIDE, SvdFormatError, crc32, type AlphaStorage, type SvdFileHeader } from './format.js';
import {
  ALPHA_SEGMENT_PLANE,
  CHROMA_CODES,
  FLAG_DEBLOCK,
  FORMAT_VERSION_2,
  MAX_METADATA_BYTES,
  METADATA_EXIF,
  METADATA_ICC,
  MODEL_CODES,
  V2_FIXED_HEADER_BYTES,
  V2_PLANE_ENTRY_BYTES,
  V2_SEGMENT_ENTRY_BYTES,
  planeKindsOf,
  type SvdMetadata,
} from './format-v2.js';
import { imageLayout, type ImageLayout, type PlaneLayout } from './planes.js';
import { RangeDecoder } from './range-coder.js';

export interface SegmentEntry {
  /** The plane (0 … P − 1), or ALPHA_SEGMENT_PLANE for a lossless alpha plane. */
  plane: number;
  gain: number;
  offset: number;
  length: number;
}

export interface V2Header {
  header: SvdFileHeader;
  layout: ImageLayout;
  deblock: boolean;
  metadata: SvdMetadata;
  segments: SegmentEntry[];
}

export interface V2Limits {
  maxPixels: number;
  maxFactorValues: number;
}

const DECODE_MODELS = Object.entries(MODEL_CODES);
const CHROMA = Object.entries(CHROMA_CODES);

/** Parses and checks a version 2 header, metadata and index (the magic, version and checksum are checked by the caller). */
export function readV2Header(bytes: Uint8Array, limits: V2Limits): V2Header {
  if (bytes.length < V2_FIXED_HEADER_BYTES + CHECKSUM_BYTES)
    throw new SvdFormatError('truncated', `The file ends after ${bytes.length} bytes, inside its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channels = bytes[10];
  const colorSpaceCode = bytes[11];
  const width = view.getUint32(12, true);
  const height = view.getUint32(16, true);
  const bitDepth = bytes[20];
  const alphaCode = bytes[21];
  const modelCode = bytes[22];
  const patchSize = bytes[23];
  const chromaCode = bytes[24];
  const flags = bytes[25];
  const planeCount = bytes[26];
  const metadataBytes = view.getUint32(28, true);
  const segmentCount = view.getUint32(32, true);
  const payloadBytes = view.getUint32(36, true);

  if (channels < 1 || channels > 4) throw new SvdFormatError('header', `The header says ${channels} channels; an image has 1 to 4`);
  if (colorSpaceCode > 1) throw new SvdFormatError('header', `Unknown colour space ${colorSpaceCode}`);
  const colorChannels = colorChannelCount(channels);
  if (colorSpaceCode === 1 && colorChannels !== 3) throw new SvdFormatError('header', 'A gray image cannot be stored as YCbCr');
  if (bitDepth !== 8 && bitDepth !== 16) throw new SvdFormatError('header', `The header says ${bitDepth}-bit samples; 8 or 16 are allowed`);
  const hasAlphaChannel = channels === 2 || channels === 4;
  const alpha = (Object.keys(ALPHA_CODES) as AlphaStorage[]).find((key) => ALPHA_CODES[key] === alphaCode);
  if (alpha === undefined || (alpha === 'none') !== !hasAlphaChannel)
    throw new SvdFormatError('header', `Alpha storage ${alphaCode} does not fit a ${channels}-channel image`);
  const model = DECODE_MODELS.find(([, code]) => code === modelCode)?.[0] as 'whole' | 'patch' | undefined;
  if (!model) throw new SvdFormatError('header', `Unknown model ${modelCode}`);
  if ((model === 'whole' && patchSize !== 0) || (model === 'patch' && ![4, 8, 16].includes(patchSize))) {
    throw new SvdFormatError('header', `Patch size ${patchSize} does not fit the ${model} model`);
  }
  const chroma = CHROMA.find(([, code]) => code === chromaCode)?.[0] as 'full' | 'half' | undefined;
  if (!chroma || (chroma === 'half' && colorSpaceCode !== 1))
    throw new SvdFormatError('header', `Chroma code ${chromaCode} does not fit colour space ${colorSpaceCode}`);
  if ((flags & ~FLAG_DEBLOCK) !== 0) throw new SvdFormatError('header', `Unknown flags 0x${flags.toString(16)}`);
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new SvdFormatError('dimensions', `The header says ${width} × ${height} pixels; each side must be 1…${MAX_SIDE}`);
  }
  if (width * height > limits.maxPixels) {
    throw new SvdFormatError(
      'dimensions',
      `The image would be ${width} × ${height} = ${width * height} pixels, above the limit of ${limits.maxPixels}`,
    );
  }
  const kinds = planeKindsOf(colorChannels, colorSpaceCode === 1 ? 'ycbcr' : 'rgb', alpha === 'low-rank');
  if (planeCount !== kinds.length)
    throw new SvdFormatError('header', `The header says ${planeCount} planes; this image has ${kinds.length}`);
  if (bytes[27] !== 0) throw new SvdFormatError('header', 'A reserved header byte is not 0');

  const layout = imageLayout(
    { width, height, channels: channels as 1 | 2 | 3 | 4, bitDepth: bitDepth as 8 | 16 },
    { model, patchSize: patchSize || undefined, colorSpace: colorSpaceCode === 1 ? 'ycbcr' : 'rgb', chroma, alpha },
  );
  const planesEnd = V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * planeCount;
  if (bytes.length < planesEnd + CHECKSUM_BYTES) throw new SvdFormatError('truncated', 'The file ends inside its plane entries');
  const ranks: number[] = [];
  let factorValues = 0;
  layout.planes.forEach((plane: PlaneLayout, index) => {
    const at = V2_FIXED_HEADER_BYTES + V2_PLANE_ENTRY_BYTES * index;
    const rank = view.getUint16(at, true);
    if (view.getUint16(at + 2, true) !== 0) throw new SvdFormatError('header', `Plane ${index}'s reserved field is not 0`);
    if (rank > Math.min(plane.rows, plane.cols)) {
      throw new SvdFormatError(
        'rank',
        `Plane ${index} (${plane.kind}) claims rank ${rank}; its ${plane.rows} × ${plane.cols} matrix allows at most ${Math.min(plane.rows, plane.cols)}`,
      );
    }
    ranks.push(rank);
    factorValues += rank * (plane.rows + plane.cols);
  });
  if (factorValues > limits.maxFactorValues) {
    throw new SvdFormatError('rank', `The ranks need ${factorValues} factor values; this reader allows at most ${limits.maxFactorValues}`);
  }
  const expectedSegments = ranks.reduce((sum, rank) => sum + rank, 0) + (alpha === 'lossless' ? 1 : 0);
  if (segmentCount !== expectedSegments)
    throw new SvdFormatError('header', `The header says ${segmentCount} segments; the ranks need ${expectedSegments}`);
  if (metadataBytes > MAX_METADATA_BYTES)
    throw new SvdFormatError('header', `The metadata would be ${metadataBytes} bytes; at most ${MAX_METADATA_BYTES} are allowed`);
  const indexStart = planesEnd + metadataBytes;
  const payloadStart = indexStart + V2_SEGMENT_ENTRY_BYTES * segmentCount;
  const expectedLength = payloadStart + payloadBytes + CHECKSUM_BYTES;
  if (bytes.length < expectedLength)
    throw new SvdFormatError('truncated', `The file is ${bytes.length} bytes; its header describes ${expectedLength}`);
  if (bytes.length > expectedLength)
    throw new SvdFormatError('payload', `The file has ${bytes.length - expectedLength} bytes after its checksum's place`);
  const stored = view.getUint32(bytes.length - CHECKSUM_BYTES, true);
  const computed = crc32(bytes, 0, bytes.length - CHECKSUM_BYTES);
  if (stored !== computed) throw new SvdFormatError('checksum', 'The file is damaged: its checksum does not match its contents');

  const metadata = readMetadata(bytes, planesEnd, metadataBytes);
  const segments: SegmentEntry[] = [];
  const seen = new Array<number>(planeCount).fill(0);
  let offset = payloadStart;
  for (let s = 0; s < segmentCount; s++) {
    const at = indexStart + V2_SEGMENT_ENTRY_BYTES * s;
    const plane = bytes[at];
    const gain = view.getFloat32(at + 1, true);
    const length = view.getUint32(at + 5, true);
    if (plane === ALPHA_SEGMENT_PLANE) {
      if (alpha !== 'lossless' || s !== 0)
        throw new SvdFormatError('header', 'A lossless alpha segment must come first, and only with lossless alpha');
    } else {
      if (plane >= planeCount) throw new SvdFormatError('header', `Segment ${s} names plane ${plane}; the file has ${planeCount}`);
      if (!Number.isFinite(gain)) throw new SvdFormatError('payload', `Segment ${s}'s gain is not a finite number`);
      seen[plane]++;
    }
    if (length > payloadStart + payloadBytes - offset) throw new SvdFormatError('payload', `Segment ${s}'s length runs past the payload`);
    segments.push({ plane, gain, offset, length });
    offset += length;
  }
  if (alpha === 'lossless' && segments[0]?.plane !== ALPHA_SEGMENT_PLANE)
    throw new SvdFormatError('header', 'The lossless alpha segment is missing');
  seen.forEach((count, plane) => {
    if (count !== ranks[plane]) throw new SvdFormatError('header', `Plane ${plane} has ${count} segments; its rank says ${ranks[plane]}`);
  });
  if (offset !== payloadStart + payloadBytes)
    throw new SvdFormatError('payload', `The segments add up to ${offset - payloadStart} bytes; the header says ${payloadBytes}`);

  const header: SvdFileHeader = {
    version: FORMAT_VERSION_2,
    width,
    height,
    channels: channels as 1 | 2 | 3 | 4,
    colorSpace: colorSpaceCode === 1 ? 'ycbcr' : 'rgb',
    bitDepth: bitDepth as 8 | 16,
    alpha,
    model,
    patchSize,
    chroma,
    lowRank: ranks.map((rank) => ({ rank, step: 0 })),
    payloadOffset: payloadStart,
    payloadBytes,
    inflatedBytes: payloadBytes,
    fileBytes: bytes.length,
  };
  return { header, layout, deblock: (flags & FLAG_DEBLOCK) !== 0, metadata, segments };
}

function readMetadata(bytes: Uint8Array, start: number, length: number): SvdMetadata {
  const metadata: SvdMetadata = {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = start;
  const end = start + length;
  while (at < end) {
    if (end - at < 5) throw new SvdFormatError('header', 'A metadata entry is cut short');
    const type = bytes[at];
    const size = view.getUint32(at + 1, true);
    if (size > end - at - 5) throw new SvdFormatError('header', 'A metadata entry runs past the metadata');
    const value = bytes.slice(at + 5, at + 5 + size);
    if (type === METADATA_ICC) metadata.icc = value;
    else if (type === METADATA_EXIF) metadata.exif = value;
    else throw new SvdFormatError('header', `Unknown metadata entry type ${type}`);
    at += 5 + size;
  }
  return metadata;
}

/** The shapes of a plane's U and V columns (2-D maps for the patch model). */
export function vectorShapes(layout: ImageLayout, plane: PlaneLayout): { u: VectorShape; v: VectorShape } {
  if (layout.model === 'patch') {
    return {
      u: { length: plane.rows, columns: Math.ceil(plane.width / layout.patchSize) },
      v: { length: plane.cols, columns: layout.patchSize },
    };
  }
  return { u: { length: plane.rows, columns: 0 }, v: { length: plane.cols, columns: 0 } };
}

/** The alpha plane's shape (a 2-D map, width columns). */
export function alphaShape(layout: ImageLayout): VectorShape {
  return { length: layout.width * layout.height, columns: layout.width };
}

export interface V2Decoded {
  /** One decomposition per plane: σ = g·|q_u|·|q_v|, u = q_u/|q_u|, v = q_v/|q_v| (descending order not guaranteed). */
  planes: TruncatedSvd[];
  alphaPlane?: Uint8Array | Uint16Array;
}

/** Decodes every segment of a checked file (readV2Header) into its planes' factors. */
export function decodeV2Segments(bytes: Uint8Array, parsed: V2Header): V2Decoded {
  const { layout, segments } = parsed;
  const planes = layout.planes.map((plane) => ({
    plane,
    shapes: vectorShapes(layout, plane),
    uModels: new FactorModels(),
    vModels: new FactorModels(),
    previousU: null as Int32Array | null,
    previousV: null as Int32Array | null,
    components: [] as { u: Int32Array; v: Int32Array; gain: number }[],
  }));
  let alphaPlane: Uint8Array | Uint16Array | undefined;
  for (const segment of segments) {
    const decoder = new RangeDecoder(bytes, segment.offset, segment.offset + segment.length);
    if (segment.plane === ALPHA_SEGMENT_PLANE) {
      const values = decodeVector(decoder, new FactorModels(), alphaShape(layout), null);
      const peak = layout.bitDepth === 16 ? 65535 : 255;
      alphaPlane = layout.bitDepth === 16 ? new Uint16Array(values.length) : new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) alphaPlane[i] = Math.max(0, Math.min(peak, values[i]));
      continue;
    }
    const state = planes[segment.plane];
    const u = decodeVector(decoder, state.uModels, state.shapes.u, state.previousU);
    const v = decodeVector(decoder, state.vModels, state.shapes.v, state.previousV);
    state.previousU = nextActivity(state.previousU, u);
    state.previousV = nextActivity(state.previousV, v);
    state.components.push({ u, v, gain: segment.gain });
  }
  return { planes: planes.map((state) => planeFactors(state.components, state.plane.rows, state.plane.cols)), alphaPlane };
}
