/**
 * EXIF orientation: reading the Orientation tag (0x0112) from an encoded file's bytes, and
 * turning decoded pixels upright. Browser codecs (the web host's WebAssembly decoders) hand back
 * the pixels as stored, so a phone photo taken in portrait would otherwise appear on its side.
 *
 * The eight EXIF values describe how the stored pixels must be transformed for display:
 *   1 as stored          2 mirrored left–right     3 rotated 180°          4 mirrored top–bottom
 *   5 transposed         6 rotated 90° clockwise   7 transversed           8 rotated 90° anticlockwise
 * (5–8 swap width and height.)
 *
 * The reader never throws: any file it cannot follow (garbage, truncated, unusual layouts) is
 * orientation 1, the value a viewer assumes when there is no tag. Every loop is bounded by the
 * number of bytes, and every read is range-checked.
 */
import { validatePixelImage, type PixelImage } from './channels.js';

const ORIENTATION_TAG = 0x0112;
const TIFF_SHORT = 3;
/** IFD0 rarely has more than a few dozen entries; a larger count means a corrupt header. */
const MAX_IFD_ENTRIES = 1024;

/** A big- or little-endian reader over a byte range that answers -1 when a read falls outside it. */
function u16(bytes: Uint8Array, offset: number, littleEndian: boolean): number {
  if (offset < 0 || offset + 2 > bytes.length) return -1;
  return littleEndian ? bytes[offset] | (bytes[offset + 1] << 8) : (bytes[offset] << 8) | bytes[offset + 1];
}

function u32(bytes: Uint8Array, offset: number, littleEndian: boolean): number {
  if (offset < 0 || offset + 4 > bytes.length) return -1;
  const b0 = bytes[offset],
    b1 = bytes[offset + 1],
    b2 = bytes[offset + 2],
    b3 = bytes[offset + 3];
  return littleEndian ? b0 + b1 * 0x100 + b2 * 0x10000 + b3 * 0x1000000 : b3 + b2 * 0x100 + b1 * 0x10000 + b0 * 0x1000000;
}

function startsWith(bytes: Uint8Array, offset: number, ascii: string): boolean {
  if (offset < 0 || offset + ascii.length > bytes.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[offset + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Where IFD0's Orientation value sits in a TIFF structure (an EXIF payload), or null. */
function orientationEntry(tiff: Uint8Array): { offset: number; littleEndian: boolean } | null {
  let littleEndian: boolean;
  if (startsWith(tiff, 0, 'II')) littleEndian = true;
  else if (startsWith(tiff, 0, 'MM')) littleEndian = false;
  else return null;
  if (u16(tiff, 2, littleEndian) !== 42) return null;
  const ifd = u32(tiff, 4, littleEndian);
  const entries = u16(tiff, ifd, littleEndian);
  if (ifd < 8 || entries < 0 || entries > MAX_IFD_ENTRIES) return null;
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + 12 * i;
    const tag = u16(tiff, entry, littleEndian);
    if (tag < 0) return null; // the IFD runs past the end of the payload
    if (tag !== ORIENTATION_TAG) continue;
    // A SHORT with count 1 sits in the first two bytes of the 4-byte value field.
    if (u16(tiff, entry + 2, littleEndian) !== TIFF_SHORT || u32(tiff, entry + 4, littleEndian) !== 1) return null;
    return { offset: entry + 8, littleEndian };
  }
  return null;
}

/** The Orientation value in IFD0 of a TIFF structure (an EXIF payload), or 1. */
function orientationFromTiff(tiff: Uint8Array): number {
  const entry = orientationEntry(tiff);
  const value = entry ? u16(tiff, entry.offset, entry.littleEndian) : 1;
  return value >= 1 && value <= 8 ? value : 1;
}

/**
 * A copy of an EXIF payload (with or without "Exif\0\0") whose Orientation says 1: for pixels
 * that were already turned upright, so no reader turns them again.
 */
export function exifWithoutOrientation(payload: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(payload);
  const tiff = startsWith(copy, 0, 'Exif\0\0') ? copy.subarray(6) : copy;
  const entry = orientationEntry(tiff);
  if (entry) {
    tiff[entry.offset] = entry.littleEndian ? 1 : 0;
    tiff[entry.offset + 1] = entry.littleEndian ? 0 : 1;
  }
  return copy;
}

/** An EXIF payload, with or without the "Exif\0\0" prefix that JPEG requires and some writers copy into PNG and WebP. */
function orientationFromExifPayload(payload: Uint8Array): number {
  return orientationFromTiff(startsWith(payload, 0, 'Exif\0\0') ? payload.subarray(6) : payload);
}

/** JPEG: the markers before the first scan, looking for APP1 "Exif\0\0". */
function jpegOrientation(bytes: Uint8Array): number {
  let offset = 2;
  // Each step advances by at least one byte, so this ends within bytes.length iterations.
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return 1; // not at a marker: corrupt
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++; // fill byte before a marker
      continue;
    }
    // Markers without a length: TEM, RSTn; SOS and EOI end the header.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = u16(bytes, offset + 2, false);
    if (length < 2 || offset + 2 + length > bytes.length) return 1;
    if (marker === 0xe1 && startsWith(bytes, offset + 4, 'Exif\0\0')) {
      return orientationFromTiff(bytes.subarray(offset + 10, offset + 2 + length));
    }
    offset += 2 + length;
  }
  return 1;
}

/** PNG: the eXIf chunk (before or after the image data). */
function pngOrientation(bytes: Uint8Array): number {
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = u32(bytes, offset, false);
    const dataStart = offset + 8;
    if (length < 0 || dataStart + length + 4 > bytes.length) return 1;
    if (startsWith(bytes, offset + 4, 'eXIf')) return orientationFromExifPayload(bytes.subarray(dataStart, dataStart + length));
    if (startsWith(bytes, offset + 4, 'IEND')) return 1;
    offset = dataStart + length + 4; // + CRC; always advances by at least 12
  }
  return 1;
}

/** WebP (RIFF): the EXIF chunk of an extended (VP8X) file. */
function webpOrientation(bytes: Uint8Array): number {
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const size = u32(bytes, offset + 4, true);
    const dataStart = offset + 8;
    if (size < 0 || dataStart + size > bytes.length) return 1;
    if (startsWith(bytes, offset, 'EXIF')) return orientationFromExifPayload(bytes.subarray(dataStart, dataStart + size));
    offset = dataStart + size + (size & 1); // chunks are padded to an even size
  }
  return 1;
}

/**
 * The EXIF Orientation (1…8) of a JPEG, PNG or WebP file; 1 when the file has none, when it is
 * another format (AVIF stores its orientation in irot/imir boxes, not read here), or when the
 * bytes are malformed. Never throws.
 */
export function readExifOrientation(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) return 1;
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegOrientation(bytes);
  if (startsWith(bytes, 0, '\x89PNG\r\n\x1a\n')) return pngOrientation(bytes);
  if (startsWith(bytes, 0, 'RIFF') && startsWith(bytes, 8, 'WEBP')) return webpOrientation(bytes);
  return 1;
}

/**
 * Where output pixel (x, y) comes from in the stored image, as source column = a + b·x + c·y and
 * source row = d + e·x + f·y, for a stored image w wide and h tall.
 */
function sourceMapping(orientation: number, w: number, h: number): [number, number, number, number, number, number] {
  switch (orientation) {
    case 2:
      return [w - 1, -1, 0, 0, 0, 1]; // mirror left–right
    case 3:
      return [w - 1, -1, 0, h - 1, 0, -1]; // rotate 180°
    case 4:
      return [0, 1, 0, h - 1, 0, -1]; // mirror top–bottom
    case 5:
      return [0, 0, 1, 0, 1, 0]; // transpose
    case 6:
      return [0, 0, 1, h - 1, -1, 0]; // rotate 90° clockwise
    case 7:
      return [w - 1, 0, -1, h - 1, -1, 0]; // transverse
    case 8:
      return [w - 1, 0, -1, 0, 1, 0]; // rotate 90° anticlockwise
    default:
      return [0, 1, 0, 0, 0, 1];
  }
}

/** The size of a width × height picture displayed for an EXIF orientation: 5 to 8 turn it a quarter, swapping the two. */
export function orientedSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return Number.isInteger(orientation) && orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

/**
 * The image as it should be displayed for an EXIF orientation: a new image for 2–8 (5–8 swap
 * width and height), the input itself for 1 or any value outside 1…8. Any channel count and
 * bit depth; samples are copied unchanged. `allocate`, if given, makes the new image's samples
 * (the studio's are shared between threads).
 */
export function applyOrientation(
  image: PixelImage,
  orientation: number,
  allocate?: (bitDepth: 8 | 16, length: number) => Uint8Array | Uint16Array,
): PixelImage {
  if (!Number.isInteger(orientation) || orientation <= 1 || orientation > 8) return image;
  validatePixelImage(image);
  const { width, height, channels, bitDepth, pixels } = image;
  const { width: outWidth, height: outHeight } = orientedSize(width, height, orientation);
  const [a, b, c, d, e, f] = sourceMapping(orientation, width, height);
  const out = allocate
    ? allocate(bitDepth, pixels.length)
    : bitDepth === 16
      ? new Uint16Array(pixels.length)
      : new Uint8Array(pixels.length);
  // Along an output row the source index moves by a constant step, so each row is one strided copy.
  const step = (e * width + b) * channels;
  let target = 0;
  for (let y = 0; y < outHeight; y++) {
    let source = ((d + f * y) * width + (a + c * y)) * channels;
    if (channels === 1) {
      for (let x = 0; x < outWidth; x++, source += step) out[target++] = pixels[source];
    } else {
      for (let x = 0; x < outWidth; x++, source += step) {
        for (let k = 0; k < channels; k++) out[target++] = pixels[source + k];
      }
    }
  }
  return { width: outWidth, height: outHeight, channels, bitDepth, pixels: out };
}
