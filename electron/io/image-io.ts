/**
 * Image input and output on the Node side, with sharp: the `svd-studio` command line and the
 * Electron main process both use it. `decodeImage` returns the same shape as the renderer's
 * Host.openImage().
 *
 * Pixel layout, both directions: a core PixelImage — samples interleaved (gray, gray+alpha,
 * RGB or RGBA), rows top to bottom, 8-bit in a Uint8Array or 16-bit in a Uint16Array (platform
 * byte order), sRGB, straight (not premultiplied) alpha. Decoded pixels own their ArrayBuffer,
 * so they can be transferred to a worker.
 *
 * What decoding does, and what sharp 0.35 needs for it (measured on assets/samples):
 *  - EXIF orientation applied (`autoOrient()`), so width and height are as displayed.
 *  - sRGB: CMYK (through sharp's built-in CMYK profile when none is embedded), ICC-tagged
 *    and other colour spaces are converted; grayscale stays one channel, alpha is kept.
 *  - 16 bits are kept only when the output colourspace is itself 16-bit: `raw({depth:
 *    'ushort'})` alone merely widens sharp's 8-bit result (every value ≤ 255). So a source
 *    whose metadata space is 'rgb16' or 'grey16' (sharp's own test for "16-bit") is decoded
 *    with `toColourspace('rgb16' | 'grey16')` and `raw({depth: 'ushort'})`.
 *  - For an 'rgb16' source with an embedded ICC profile, sharp converts to Display P3 (its
 *    16-bit "processing profile"), not sRGB, and leaves the P3 values as they are: on
 *    room_16bit_676x449.png (Rec. 2020 primaries, HLG curve) up to 19 of 255 levels off.
 *    `withIccProfile('srgb')` adds the P3 → sRGB transform, still at 16 bits. Only for tagged
 *    sources: on an untagged rgb16 source it would wrongly treat the sRGB values as P3.
 *  - With a 'b-w' output sharp's raw writer keeps band 0 only, dropping alpha, so 8-bit
 *    gray+alpha is decoded as sRGB+alpha (R = G = B) and bands 0 and 3 are picked here.
 *  - Multi-frame files (GIF, WebP, TIFF) give their first frame. libvips gives GIFs an alpha
 *    channel, transparent or not. 16-bit CMYK comes out 8-bit (sharp's CMYK transform is 8-bit).
 *  - Pixel limit: checked on the header before any pixel is decoded, and passed to sharp as
 *    `limitInputPixels` too. `failOn: 'error'` rejects truncated and corrupt data (tested) but,
 *    unlike sharp's default 'warning', not files whose decoder merely warns.
 *  - Vector and document formats sharp may read (SVG, PDF) and libvips' own formats are
 *    refused: this studio compresses photographs, and an SVG can reference other files.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import {
  DEFAULT_QUALITY,
  IMAGE_FORMATS,
  MAX_IMAGE_PIXELS,
  colorChannelCount,
  exifWithoutOrientation,
  hasAlpha,
  validatePixelImage,
  type ImageFormat,
  type BitDepth,
  type ChannelCount,
  type PixelImage,
} from '../../core/index.js';

export interface DecodedImage extends PixelImage {
  /** The file's name (the last part of a path). */
  name: string;
  /** Width and height as displayed, after EXIF orientation. */
  width: number;
  height: number;
  channels: ChannelCount;
  bitDepth: BitDepth;
  pixels: Uint8Array | Uint16Array;
  /** Size of the encoded file. */
  fileBytes: number;
  /** The container's format: jpeg, png, webp, avif, heic, tiff, gif, jp2, jxl. */
  format: string;
}

export type ImageSource = string | { name: string; bytes: Uint8Array };

export interface DecodeOptions {
  /** Refuse images with more pixels than this (default 100 million); Infinity for no limit. */
  maxPixels?: number;
}

export interface EncodeOptions {
  /** 1–100 for jpeg, webp and avif (defaults in DEFAULT_QUALITY); PNG is lossless and ignores it. */
  quality?: number;
  /**
   * Embed an sRGB ICC profile, the only metadata a PixelImage implies (EXIF and XMP of a source
   * are not part of it; its orientation is already applied to the pixels). Done for 8-bit RGB
   * outputs and every WebP/AVIF output; 16-bit PNGs and grayscale JPEG/PNG stay untagged
   * (sRGB by convention): sharp's only way to attach a profile transforms from Display P3 for
   * 16-bit images and expands gray to RGB. Without it (the default) the output carries no metadata.
   */
  keepMetadata?: boolean;
}

/** A file that cannot be read or decoded, or a name that cannot be written; the message is one line. */
export class ImageIoError extends Error {
  override name = 'ImageIoError';
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}

/** HEVC-coded HEIF needs a libheif with an HEVC decoder, which sharp's prebuilt binaries lack. */
const heicReadable = ['.heic', '.heif'].some((suffix) => sharp.format.heif?.input.fileSuffix?.includes(suffix));

/** Lower-case extensions with their dot, for file dialogs (strip the dot for Electron's filters) and drop checks. */
export const SUPPORTED_INPUT_EXTENSIONS: readonly string[] = Object.freeze([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.avif',
  '.tif',
  '.tiff',
  '.gif',
  ...(heicReadable ? ['.heic', '.heif'] : []),
]);

/** sharp's metadata().format values accepted for decoding. */
const DECODABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'jp2', 'jxl']);
const READABLE_NAMES = `JPEG, PNG, WebP, AVIF, TIFF${heicReadable ? ', HEIC' : ''} and GIF`;

const OUTPUT_EXTENSIONS: Readonly<Record<string, ImageFormat>> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.avif': 'avif',
};

/** The output format a file name asks for, from its extension (case-insensitive). */
export function outputFormatFromPath(path: string): ImageFormat {
  const extension = extname(path).toLowerCase();
  const format = OUTPUT_EXTENSIONS[extension];
  if (format) return format;
  const wanted = '.png, .jpg, .jpeg, .webp or .avif';
  throw new ImageIoError(
    path,
    extension ? `cannot write ${extension} files; use ${wanted}` : `the output name needs an extension: ${wanted}`,
  );
}

const count = (n: number) => n.toLocaleString('en-US');

/** First line of an error, without control characters and at most 200 characters. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line =
    text
      .split('\n')
      .map((part) => part.trim())
      .find((part) => part.length > 0) ?? 'unknown error';
  const printable = Array.from(line, (character) =>
    character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f ? ' ' : character,
  ).join('');
  return printable.replace(/:$/, '').slice(0, 200);
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a folder, not an image file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read the file (${code ?? firstLine(error)})`;
  }
}

function pixelLimitReason(width: number, height: number, maxPixels: number): string {
  return `${count(width)} × ${count(height)} = ${count(width * height)} pixels is more than the limit of ${count(maxPixels)} pixels`;
}

function decodeFailure(file: string, error: unknown): ImageIoError {
  const line = firstLine(error);
  if (/unsupported image format/i.test(line)) {
    return new ImageIoError(file, `not an image in a format SVD Studio reads (${READABLE_NAMES})`, { cause: error });
  }
  if (/corrupt header/i.test(line)) return new ImageIoError(file, 'corrupt image header', { cause: error });
  return new ImageIoError(file, `corrupt or truncated image data (${line})`, { cause: error });
}

async function readSource(source: ImageSource): Promise<{ file: string; name: string; bytes: Uint8Array }> {
  if (typeof source === 'string') {
    try {
      return { file: source, name: basename(source), bytes: await readFile(source) };
    } catch (error) {
      throw new ImageIoError(source, readFailure(error), { cause: error });
    }
  }
  if (typeof source !== 'object' || source === null || typeof source.name !== 'string' || !(source.bytes instanceof Uint8Array)) {
    throw new TypeError('decodeImage: the source must be a path or { name: string, bytes: Uint8Array }');
  }
  return { file: source.name, name: source.name, bytes: source.bytes };
}

/**
 * sharp's output (from toUint8Array(), whose ArrayBuffer is transferable even where a Buffer's
 * is not, e.g. in Electron) as an array owning its whole ArrayBuffer; copied only if it is a view.
 */
function ownedBytes(data: Uint8Array): Uint8Array {
  // A plain Uint8Array view, not sharp's Buffer subclass: callers compare and transfer it as one.
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return new Uint8Array(data.buffer);
  return Uint8Array.prototype.slice.call(data);
}

function ownedSamples16(data: Uint8Array): Uint16Array {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return new Uint16Array(data.buffer, 0, data.byteLength / 2);
  const out = new Uint16Array(data.byteLength / 2);
  new Uint8Array(out.buffer).set(data);
  return out;
}

/** Gray + alpha from sRGB + alpha (R = G = B): bands 0 and 3 of each pixel. */
function grayAlphaFromRgba(rgba: Uint8Array): Uint8Array {
  const pixelCount = rgba.length / 4;
  const out = new Uint8Array(pixelCount * 2);
  for (let i = 0, j = 0; i < pixelCount; i++, j += 4) {
    out[2 * i] = rgba[j];
    out[2 * i + 1] = rgba[j + 3];
  }
  return out;
}

function containerFormat(metadata: Metadata): string {
  if (metadata.format === 'heif') return metadata.compression === 'av1' ? 'avif' : 'heic';
  return metadata.format;
}

/**
 * Decodes an image file (a path, or a name and its bytes) to sRGB pixels, as displayed.
 * Throws ImageIoError, naming the file, for a missing, unreadable, corrupt, unsupported or
 * too large image.
 */
let srgbProfile: Promise<Uint8Array | undefined> | null = null;

/**
 * What `compress --keep-metadata` carries into a .svd file: the input's EXIF block with its
 * Orientation set to 1 (the pixels are already upright) and, since decoding converts to sRGB, an
 * sRGB ICC profile (sharp's own). Either may be missing.
 */
export async function carriedMetadata(path: string): Promise<{ icc?: Uint8Array; exif?: Uint8Array }> {
  const { exif } = await sharp(path).metadata();
  srgbProfile ??= sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
    .withIccProfile('srgb')
    .png()
    .toBuffer()
    .then(async (png) => {
      const icc = (await sharp(png).metadata()).icc;
      return icc ? new Uint8Array(icc) : undefined;
    });
  const icc = await srgbProfile;
  return { ...(icc ? { icc } : {}), ...(exif ? { exif: exifWithoutOrientation(new Uint8Array(exif)) } : {}) };
}

export async function decodeImage(source: ImageSource, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  if (typeof maxPixels !== 'number' || !(maxPixels >= 1)) {
    throw new RangeError(`decodeImage: maxPixels must be a number ≥ 1, got ${String(maxPixels)}`);
  }
  const { file, name, bytes } = await readSource(source);
  if (bytes.byteLength === 0) throw new ImageIoError(file, 'the file is empty');
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let metadata: Metadata;
  try {
    metadata = await sharp(input, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeFailure(file, error);
  }
  if (!DECODABLE_FORMATS.has(metadata.format)) {
    throw new ImageIoError(file, `${metadata.format.toUpperCase()} files are not supported; SVD Studio reads ${READABLE_NAMES}`);
  }
  if (metadata.format === 'heif' && metadata.compression === 'hevc' && !heicReadable) {
    throw new ImageIoError(
      file,
      'HEIC (HEVC-coded) images cannot be decoded by this build of sharp; convert the file to JPEG or PNG first',
    );
  }
  // Orientation only swaps the sides, so the product is the same either way.
  if (metadata.width * metadata.height > maxPixels) {
    throw new ImageIoError(file, pixelLimitReason(metadata.width, metadata.height, maxPixels));
  }

  const sixteenBit = metadata.space === 'rgb16' || metadata.space === 'grey16';
  const gray = metadata.channels - (metadata.hasAlpha ? 1 : 0) === 1;
  const grayWithAlpha8 = gray && metadata.hasAlpha && !sixteenBit;
  const colourspace = gray ? (sixteenBit ? 'grey16' : grayWithAlpha8 ? 'srgb' : 'b-w') : sixteenBit ? 'rgb16' : 'srgb';

  let pipeline = sharp(input, {
    failOn: 'error',
    limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false,
  })
    .autoOrient()
    .toColourspace(colourspace);
  if (metadata.space === 'rgb16' && metadata.hasProfile) pipeline = pipeline.withIccProfile('srgb', { attach: false });

  let data: Uint8Array;
  let info: OutputInfo;
  try {
    ({ data, info } = await pipeline.raw({ depth: sixteenBit ? 'ushort' : 'uchar' }).toUint8Array());
  } catch (error) {
    if (/exceeds pixel limit/i.test(firstLine(error))) {
      throw new ImageIoError(file, pixelLimitReason(metadata.width, metadata.height, maxPixels), { cause: error });
    }
    throw decodeFailure(file, error);
  }

  let pixels: Uint8Array | Uint16Array = sixteenBit ? ownedSamples16(data) : ownedBytes(data);
  let channels = info.channels as number;
  if (grayWithAlpha8 && channels === 4) {
    pixels = grayAlphaFromRgba(pixels as Uint8Array);
    channels = 2;
  }
  if (channels < 1 || channels > 4 || pixels.length !== info.width * info.height * channels) {
    throw new ImageIoError(
      file,
      `unexpected decoder output (${info.width} × ${info.height}, ${channels} channels, ${pixels.length} samples)`,
    );
  }
  return {
    name,
    width: info.width,
    height: info.height,
    channels: channels as ChannelCount,
    bitDepth: sixteenBit ? 16 : 8,
    pixels,
    fileBytes: bytes.byteLength,
    format: containerFormat(metadata),
  };
}

function resolveQuality(format: ImageFormat, quality: number | undefined): number | undefined {
  if (format === 'png') {
    if (quality !== undefined && !(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
      throw new RangeError(`Quality must be an integer from 1 to 100, got ${quality}`);
    }
    return undefined;
  }
  const value = quality ?? DEFAULT_QUALITY[format];
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new RangeError(`${format.toUpperCase()} quality must be an integer from 1 to 100, got ${value}`);
  }
  return value;
}

/** 16-bit samples to 8-bit, rounding to nearest (65535 / 257 = 255 exactly). */
function eightBitSamples(samples: Uint16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.round(samples[i] / 257);
  return out;
}

/**
 * Encodes sRGB pixels.
 *  - PNG is lossless and keeps 16 bits. Adaptive row filters with zlib level 6: on the 12 MP
 *    sample 8.66 MB in 1.0 s, against 8.06 MB in 6.3 s at level 9 and 13.2 MB in 0.7 s at
 *    level 9 without adaptive filters.
 *  - JPEG (mozjpeg), WebP and AVIF are 8-bit: 16-bit sources are rounded to 8 bits first.
 *  - JPEG has no alpha: transparent pixels are composited over white, as image editors and
 *    browsers show a transparent picture on a page (refusing would make every RGBA export fail).
 *  - Grayscale stays one channel in PNG and JPEG; WebP and AVIF store it as RGB.
 *  - No metadata unless `keepMetadata` (see EncodeOptions).
 */
export async function encodeImage(image: PixelImage, format: ImageFormat, options: EncodeOptions = {}): Promise<Uint8Array> {
  validatePixelImage(image);
  if (!IMAGE_FORMATS.includes(format)) {
    throw new RangeError(`Unknown output format ${String(format)}; use png, jpeg, webp or avif`);
  }
  const quality = resolveQuality(format, options.quality);
  const { width, height, channels } = image;
  const gray = colorChannelCount(channels) === 1;
  const alpha = hasAlpha(channels);
  const keepSixteen = format === 'png' && image.bitDepth === 16;
  const pixels = image.bitDepth === 16 && !keepSixteen ? eightBitSamples(image.pixels as Uint16Array) : image.pixels;

  let pipeline = sharp(pixels, { raw: { width, height, channels } });
  switch (format) {
    case 'png':
      pipeline = pipeline
        .toColourspace(gray ? (keepSixteen ? 'grey16' : 'b-w') : keepSixteen ? 'rgb16' : 'srgb')
        .png({ compressionLevel: 6, adaptiveFiltering: true });
      break;
    case 'jpeg':
      if (alpha) pipeline = pipeline.flatten({ background: '#ffffff' });
      pipeline = pipeline.toColourspace(gray ? 'b-w' : 'srgb').jpeg({ quality, mozjpeg: true });
      break;
    case 'webp':
      pipeline = pipeline.toColourspace('srgb').webp({ quality });
      break;
    case 'avif':
      pipeline = pipeline.toColourspace('srgb').avif({ quality });
      break;
  }
  // Attaching a profile is safe only on 8-bit RGB output (see EncodeOptions.keepMetadata).
  const rgbOutput = !gray || format === 'webp' || format === 'avif';
  if (options.keepMetadata === true && !keepSixteen && rgbOutput) pipeline = pipeline.withIccProfile('srgb');

  try {
    const { data } = await pipeline.toUint8Array();
    return ownedBytes(data);
  } catch (error) {
    throw new ImageIoError(`${format.toUpperCase()} output`, `encoding failed (${firstLine(error)})`, { cause: error });
  }
}
