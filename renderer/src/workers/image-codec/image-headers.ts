/**
 * What can be learned from an image file's first bytes before handing it to a decoder: its
 * format (by magic bytes, never by file name), its dimensions (so a huge image is refused
 * without decoding it) and whether its container is whole.
 *
 * The structure checks exist because the WebAssembly decoders are lenient or fragile with
 * damaged files: mozjpeg fills a truncated JPEG with gray and reports success, and the Rust PNG
 * decoder aborts (a WebAssembly trap) instead of returning an error. Checking the container
 * first turns both into a clear "damaged or truncated" message.
 *
 * All readers are range-checked and bounded by the byte count; none throws on garbage.
 */
import { MAGIC as SVD_MAGIC, crc32 } from '../../../../core/codec/format.js';

import type { ImageFormat } from '../../../../core/image/formats.js';

export interface HeaderInfo {
  width: number;
  height: number;
  /** Bits per sample as stored (PNG only: 1, 2, 4, 8 or 16). */
  bitDepth?: number;
  /** Why the decoders cannot open a file the header shows to be valid (a CMYK JPEG), or undefined. */
  unsupported?: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** ISOBMFF brands that mean an AVIF image or image sequence. */
const AVIF_BRANDS = ['avif', 'avis'];
/** How far into an AVIF file to look for its image-size boxes (they sit in the leading meta box). */
const AVIF_HEADER_SCAN = 1 << 16;

function ascii(bytes: Uint8Array, offset: number, text: string): boolean {
  if (offset < 0 || offset + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

function be16(bytes: Uint8Array, offset: number): number {
  return offset >= 0 && offset + 2 <= bytes.length ? (bytes[offset] << 8) | bytes[offset + 1] : -1;
}

function be32(bytes: Uint8Array, offset: number): number {
  return offset >= 0 && offset + 4 <= bytes.length
    ? ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
    : -1;
}

function le16(bytes: Uint8Array, offset: number): number {
  return offset >= 0 && offset + 2 <= bytes.length ? bytes[offset] | (bytes[offset + 1] << 8) : -1;
}

function le24(bytes: Uint8Array, offset: number): number {
  return offset >= 0 && offset + 3 <= bytes.length ? bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) : -1;
}

function le32(bytes: Uint8Array, offset: number): number {
  return offset >= 0 && offset + 4 <= bytes.length ? le24(bytes, offset) + bytes[offset + 3] * 0x1000000 : -1;
}

function startsWithBytes(bytes: Uint8Array, signature: ArrayLike<number>): boolean {
  if (bytes.length < signature.length) return false;
  for (let i = 0; i < signature.length; i++) if (bytes[i] !== signature[i]) return false;
  return true;
}

/** The file's format from its magic bytes: an image format, an SVD Studio .svd file, or null. */
export function detectFormat(bytes: Uint8Array): ImageFormat | 'svd' | null {
  if (startsWithBytes(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWithBytes(bytes, SVD_MAGIC)) return 'svd';
  if (startsWithBytes(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp';
  // ISOBMFF: a leading 'ftyp' box whose major or compatible brands include avif/avis.
  if (ascii(bytes, 4, 'ftyp')) {
    const boxSize = be32(bytes, 0);
    const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 16, 4096);
    for (let offset = 8; offset + 4 <= end; offset += 4) {
      if (offset !== 12 && AVIF_BRANDS.some((brand) => ascii(bytes, offset, brand))) return 'avif'; // 12: minor version
    }
  }
  return null;
}

/** JPEG segments before the image data: calls `visit(marker, segmentStart, segmentLength)`; returns the offset after the first SOS header, or -1. */
function walkJpegSegments(bytes: Uint8Array, visit: (marker: number, start: number, length: number) => boolean | void): number {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return -1;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9) return -1;
    const length = be16(bytes, offset + 2);
    if (length < 2 || offset + 2 + length > bytes.length) return -1;
    if (visit(marker, offset + 4, length - 2) === true) return offset;
    if (marker === 0xda) return offset + 2 + length;
    offset += 2 + length;
  }
  return -1;
}

const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function jpegHeader(bytes: Uint8Array): HeaderInfo | null {
  let info: HeaderInfo | null = null;
  walkJpegSegments(bytes, (marker, start) => {
    if (!isStartOfFrame(marker)) return false;
    const precision = bytes[start];
    const height = be16(bytes, start + 1);
    const width = be16(bytes, start + 3);
    const components = bytes[start + 5];
    // mozjpeg is built for 8-bit samples and converts only gray and YCbCr/RGB to RGBA.
    const unsupported =
      components === 4
        ? 'it is a CMYK JPEG; convert it to RGB first'
        : precision !== 8
          ? `it is a ${precision}-bit JPEG, which this studio cannot decode`
          : undefined;
    // A height of 0 is defined later by a DNL marker: unknown until decoded.
    if (width > 0 && height > 0) info = { width, height, unsupported };
    else if (unsupported) info = { width: 0, height: 0, unsupported };
    return true;
  });
  return info;
}

function pngHeader(bytes: Uint8Array): HeaderInfo | null {
  if (be32(bytes, 8) !== 13 || !ascii(bytes, 12, 'IHDR') || bytes.length < 29) return null;
  return { width: be32(bytes, 16), height: be32(bytes, 20), bitDepth: bytes[24] };
}

function webpHeader(bytes: Uint8Array): HeaderInfo | null {
  if (ascii(bytes, 12, 'VP8X')) return { width: le24(bytes, 24) + 1, height: le24(bytes, 27) + 1 };
  if (ascii(bytes, 12, 'VP8 ') && bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a) {
    return { width: le16(bytes, 26) & 0x3fff, height: le16(bytes, 28) & 0x3fff };
  }
  if (ascii(bytes, 12, 'VP8L') && bytes[20] === 0x2f && bytes.length >= 25) {
    const bits = le32(bytes, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return null;
}

/**
 * AVIF: the largest 'ispe' (image spatial extents) box near the start. A file can hold several
 * (the primary image, grid tiles, an alpha plane, a thumbnail); the largest is the primary
 * image, and taking it errs on the side of refusing.
 */
function avifHeader(bytes: Uint8Array): HeaderInfo | null {
  let best: HeaderInfo | null = null;
  const end = Math.min(bytes.length, AVIF_HEADER_SCAN) - 12;
  for (let offset = 4; offset <= end; offset++) {
    if (bytes[offset] !== 0x69 || !ascii(bytes, offset, 'ispe')) continue; // 'i'
    const width = be32(bytes, offset + 8);
    const height = be32(bytes, offset + 12);
    if (width > 0 && height > 0 && (!best || width * height > best.width * best.height)) best = { width, height };
  }
  return best;
}

/** Width and height (and PNG's bit depth) from the header, or null when the header does not say. */
export function readHeader(bytes: Uint8Array, format: ImageFormat): HeaderInfo | null {
  switch (format) {
    case 'png':
      return pngHeader(bytes);
    case 'jpeg':
      return jpegHeader(bytes);
    case 'webp':
      return webpHeader(bytes);
    case 'avif':
      return avifHeader(bytes);
  }
}

/**
 * Whether the container is whole: null if so, else a short reason. PNG: every chunk inside the
 * file with a correct CRC, IHDR first, image data, and IEND. JPEG: an end-of-image marker after
 * the first scan (entropy-coded data cannot contain FF D9, so a truncated file has none; an
 * embedded EXIF thumbnail's EOI comes before the scan and does not count). WebP: the RIFF size
 * fits the file. AVIF is left to its decoder, which reports truncation itself.
 */
export function checkContainer(bytes: Uint8Array, format: ImageFormat): string | null {
  switch (format) {
    case 'png': {
      if (!pngHeader(bytes)) return 'the PNG header is damaged';
      let offset = 8;
      let sawData = false;
      while (offset + 12 <= bytes.length) {
        const length = be32(bytes, offset);
        if (offset + 12 + length > bytes.length) return 'the file is truncated';
        if (crc32(bytes, offset + 4, offset + 8 + length) !== be32(bytes, offset + 8 + length))
          return 'the file is damaged (a PNG chunk fails its checksum)';
        if (ascii(bytes, offset + 4, 'IDAT')) sawData = true;
        if (ascii(bytes, offset + 4, 'IEND')) return sawData ? null : 'the PNG holds no image data';
        offset += 12 + length;
      }
      return 'the file is truncated';
    }
    case 'jpeg': {
      const scan = walkJpegSegments(bytes, () => false);
      if (scan < 0) return 'the JPEG header is damaged or truncated';
      for (let i = bytes.length - 2; i >= scan; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return null;
      return 'the file is truncated';
    }
    case 'webp': {
      const riffSize = le32(bytes, 4);
      return riffSize >= 4 && 8 + riffSize <= bytes.length ? null : 'the file is truncated';
    }
    case 'avif':
      return null;
  }
}
