/**
 * The web host's image codecs: PNG, JPEG, WebP and AVIF files ⇄ core PixelImages, with Squoosh's
 * WebAssembly codecs (@jsquash/*). Runs in a module Web Worker built by Vite (each codec loads
 * its .wasm through `new URL(…, import.meta.url)`, so the renderer's Vite config must exclude
 * the @jsquash packages from optimizeDeps).
 *
 * Why not the browser's own decoders (createImageBitmap + canvas): a canvas premultiplies alpha
 * (so transparent pixels lose their colour and semi-transparent ones are rounded), stops at 8
 * bits, and may colour-manage or downscale. These codecs give the samples as stored: straight
 * alpha, 16-bit PNGs kept at 16 bits.
 *
 * Same conventions as the Node host (electron/io/image-io.ts): EXIF orientation
 * applied, gray stays one channel, alpha only when something is transparent, 16-bit sources
 * rounded to 8 bits for the lossy formats, JPEG alpha composited over white, same default
 * qualities. Unlike the Node host there is no colour management: embedded ICC profiles are
 * ignored and the stored values are taken as sRGB.
 */
import decodeAvif from '@jsquash/avif/decode.js';
import avifEncoderFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import { defaultOptions as avifDefaults } from '@jsquash/avif/meta.js';
import { decode as decodeJpeg, encode as encodeJpeg } from '@jsquash/jpeg';
import { decode as decodePng, encode as encodePng } from '@jsquash/png';
import { decode as decodeWebp, encode as encodeWebp } from '@jsquash/webp';
import { applyOrientation, orientedSize, readExifOrientation } from '../../../../core/image/orientation.js';
import {
  colorChannelCount,
  everyChannelSamples,
  hasAlpha,
  LITTLE_ENDIAN,
  peakValue,
  validatePixelImage,
  withoutAlpha,
  withoutAlphaAndPlanes,
  type BitDepth,
  type ChannelCount,
  type PixelImage,
} from '../../../../core/image/channels.js';
import { DEFAULT_QUALITY, MAX_IMAGE_PIXELS, type ImageFormat } from '../../../../core/image/formats.js';
import { newSamples, sharedImage } from '../../shared/shared-memory.js';
import { checkContainer, detectFormat, readHeader } from './image-headers.js';

export { detectFormat, type ImageFormat };

/** Refuse images with more pixels than this unless the caller says otherwise (as the Node host). */

/** A file that cannot be opened as an image; the message is one line naming the file. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** An ArrayBuffer holding exactly these bytes (the decoders take whole buffers). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}

interface RgbaPixels {
  width: number;
  height: number;
  bitDepth: BitDepth;
  /** width · height · 4 samples, straight alpha, owning its whole ArrayBuffer. */
  rgba: Uint8Array | Uint16Array;
  /** Every alpha sample is the peak, as the format says (a JPEG has no alpha: the decoder writes 255): reduceChannels does not look. */
  opaque?: true;
}

function fromImageData(image: ImageData | null | undefined): RgbaPixels {
  if (!image) throw new Error('the decoder returned no image');
  const { data, width, height } = image;
  const rgba = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? new Uint8Array(data.buffer) : new Uint8Array(data);
  return { width, height, bitDepth: 8, rgba };
}

async function decodeRgba(bytes: Uint8Array, format: ImageFormat, sixteenBitPng: boolean): Promise<RgbaPixels> {
  const buffer = ownBuffer(bytes);
  switch (format) {
    case 'png': {
      if (!sixteenBitPng) return fromImageData(await decodePng(buffer));
      // The 16-bit result is a view into the decoder's WebAssembly memory: copy it, then free it.
      const result = await decodePng(buffer, { bitDepth: 16 });
      try {
        return { width: result.width, height: result.height, bitDepth: 16, rgba: result.data.slice() };
      } finally {
        result.free();
      }
    }
    case 'jpeg':
      // Orientation is applied below for every format alike, so the decoder must not rotate.
      return { ...fromImageData(await decodeJpeg(buffer, { preserveOrientation: false })), opaque: true };
    case 'webp':
      return fromImageData(await decodeWebp(buffer));
    case 'avif':
      return fromImageData(await decodeAvif(buffer));
  }
}

/**
 * The decoders always give RGBA; keep only the channels the picture uses: alpha only when some
 * sample is below the peak (not looked for where the format has none: a 12 MP JPEG's 48 MB took
 * 27 ms), one gray channel when R = G = B everywhere. 8-bit alpha is checked four pixels at a
 * time (whole little-endian words), and opaque colour is packed by core's withoutAlpha (four
 * pixels at a time too). `withPlanes`: an RGB photo comes with its colour planes too (DecodedPixels.planes),
 * made in the same pass as its RGB samples (withoutAlphaAndPlanes).
 */
function reduceChannels({ width, height, bitDepth, rgba, opaque: known }: RgbaPixels, withPlanes: boolean): DecodedPixels {
  const peak = peakValue(bitDepth);
  const total = width * height * 4;
  const opaque = known ?? allOpaque(rgba, peak);
  let gray = true;
  for (let i = 0; i < total; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) {
      gray = false;
      break;
    }
  }
  const channels = ((gray ? 1 : 3) + (opaque ? 0 : 1)) as ChannelCount;
  if (channels === 4) return { image: { width, height, channels, bitDepth, pixels: rgba } };
  // Shared where the page can share (shared-memory.ts): the photo's pixels are made once, here.
  const allocate = (length: number) => newSamples(bitDepth, length);
  const colour = { width, height, channels: 4, bitDepth, pixels: rgba } as const;
  if (channels === 3 && withPlanes && bitDepth === 8) {
    const { image, planes } = withoutAlphaAndPlanes(colour, allocate);
    return { image, planes: planes as Uint8Array[] };
  }
  if (channels === 3) return { image: withoutAlpha(colour, allocate) };
  const pixels = allocate(width * height * channels);
  for (let i = 0, j = 0; i < total; i += 4) {
    pixels[j++] = rgba[i];
    if (!opaque) pixels[j++] = rgba[i + 3];
  }
  return { image: { width, height, channels, bitDepth, pixels } };
}

/** Whether every alpha sample of RGBA pixels is `peak`. */
function allOpaque(rgba: Uint8Array | Uint16Array, peak: number): boolean {
  if (rgba instanceof Uint8Array && LITTLE_ENDIAN && rgba.byteOffset % 4 === 0)
    return allOpaqueWords(new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length / 4));
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== peak) return false;
  return true;
}

/** Words per opaqueWords call (a function call per chunk, so that V8 optimizes the loop after a few). */
const OPAQUE_CHUNK = 16384;

/** Whether every 8-bit RGBA pixel (a little-endian word each) has alpha 255. */
function allOpaqueWords(words: Uint32Array): boolean {
  for (let from = 0; from < words.length; from += OPAQUE_CHUNK) {
    if (!opaqueWords(words, from, Math.min(words.length, from + OPAQUE_CHUNK))) return false;
  }
  return true;
}

function opaqueWords(words: Uint32Array, from: number, to: number): boolean {
  let all = 0xff;
  for (let i = from; i < to; i++) all &= words[i] >>> 24;
  return all === 0xff;
}

function tooLarge(name: string, width: number, height: number, maxPixels: number): ImageDecodeError {
  return new ImageDecodeError(
    name,
    `"${name}" is too large to open: ${count(width)} × ${count(height)} = ${count(width * height)} pixels is more than the limit of ${count(maxPixels)} pixels`,
  );
}

/** An image's size as decoding will give it (EXIF orientation applied), known from its header. */
export interface DecodeSize {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  /** The decoded file will come with its colour planes (DecodedFile's `planes`), unless it turns out to be gray or to have alpha. */
  planes?: boolean;
}

/** A decoded image, and its colour planes where they were asked for (decodeImage's `withPlanes`) and it has them. */
export interface DecodedPixels {
  image: PixelImage;
  /**
   * An 8-bit RGB photo's colour channels' samples as planes of their own (unshared: they are
   * moved to the SVD workers, which decompose them as they are and end with them; else each of
   * them takes its channel from the pixels after decoding). None for gray, 16-bit or alpha.
   */
  planes?: Uint8Array[];
}

/**
 * The colour planes (DecodedPixels.planes) split from an image's pixels in one pass
 * (everyChannelSamples): for a photo its EXIF orientation turns, whose planes were not made with
 * its RGB samples (reduceChannels). Undefined for other images (gray, 16-bit, with alpha).
 */
function splitColourPlanes(image: PixelImage): Uint8Array[] | undefined {
  if (!(image.pixels instanceof Uint8Array) || image.channels !== 3) return undefined;
  return everyChannelSamples(image) as Uint8Array[];
}

/**
 * Decodes a PNG, JPEG, WebP or AVIF file to pixels as displayed (EXIF orientation applied).
 * 16-bit PNGs stay 16-bit; everything else is 8-bit. Throws ImageDecodeError, naming the file,
 * for an empty, unrecognised, damaged, truncated or too large file; the pixel limit is checked
 * on the header, before decoding, wherever the header states the size. `onSize`: called with that
 * size once the header has passed its checks, before the pixels are decoded (the studio prepares
 * for them meanwhile). `withPlanes(width, height, bitDepth)`: whether an RGB photo of that size
 * comes with its colour planes (DecodedPixels.planes; made with its RGB samples, in one pass, unless the
 * EXIF orientation turns it).
 */
export async function decodeImage(
  bytes: Uint8Array,
  name: string,
  maxPixels = MAX_IMAGE_PIXELS,
  onSize?: (size: DecodeSize) => void,
  withPlanes: (width: number, height: number, bitDepth: number) => boolean = () => false,
): Promise<DecodedPixels> {
  if (!(maxPixels >= 1)) throw new RangeError(`decodeImage: maxPixels must be a number ≥ 1, got ${String(maxPixels)}`);
  if (bytes.byteLength === 0) throw new ImageDecodeError(name, `"${name}" is empty`);
  const format = detectFormat(bytes);
  if (format === 'svd') {
    throw new ImageDecodeError(name, `"${name}" is an SVD Studio .svd file, not an image: open it as a compressed file`);
  }
  if (format === null) {
    throw new ImageDecodeError(name, `"${name}" is not an image this studio can open (it is not PNG, JPEG, WebP or AVIF)`);
  }
  const damaged = (cause?: unknown) =>
    new ImageDecodeError(
      name,
      `"${name}" could not be decoded: the file is damaged or truncated`,
      cause === undefined ? undefined : { cause },
    );

  const header = readHeader(bytes, format);
  if (header && header.width * header.height > maxPixels) throw tooLarge(name, header.width, header.height, maxPixels);
  if (header?.unsupported) throw new ImageDecodeError(name, `"${name}" cannot be opened: ${header.unsupported}`);
  const problem = checkContainer(bytes, format);
  if (problem !== null) throw damaged(new Error(problem));
  const orientation = readExifOrientation(bytes);
  if (header && onSize) {
    const bitDepth = format === 'png' && header.bitDepth === 16 ? 16 : 8;
    onSize({ ...orientedSize(header.width, header.height, orientation), bitDepth });
  }

  let decoded: RgbaPixels;
  try {
    decoded = await decodeRgba(bytes, format, format === 'png' && header?.bitDepth === 16);
  } catch (error) {
    throw damaged(error);
  }
  const { width, height, rgba } = decoded;
  if (!(width >= 1 && height >= 1) || rgba.length !== width * height * 4)
    throw damaged(new Error(`the decoder returned ${width} × ${height} with ${rgba.length} samples`));
  // For files whose header did not state the size (an AVIF without 'ispe', a JPEG with DNL).
  if (width * height > maxPixels) throw tooLarge(name, width, height, maxPixels);

  const oriented = orientedSize(width, height, orientation);
  const planesWanted = withPlanes(oriented.width, oriented.height, decoded.bitDepth);
  const reduced = reduceChannels(decoded, planesWanted && orientation === 1);
  // Turned into shared samples too; an RGBA photo's pixels are the decoder's own, copied into shared memory here.
  const image = sharedImage(applyOrientation(reduced.image, orientation, newSamples));
  // Planes made with the RGB samples are only asked for of a photo that is not turned.
  if (reduced.planes) return { image, planes: reduced.planes };
  const planes = planesWanted ? splitColourPlanes(image) : undefined;
  return planes ? { image, planes } : { image };
}

/** An 8 × 8 grey JPEG (quality 50) and PNG, made with sharp: the smallest work that loads each decoder. */
const WARM_FILES: readonly [ImageFormat, string][] = [
  [
    'jpeg',
    '/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAUAQEAAAAAAAAAAAAAAAAAAAAA/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AAA//2Q==',
  ],
  ['png', 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAD0lEQVQImWNowAEYhpYEAILzYAEeEbvlAAAAAElFTkSuQmCC'],
];

/**
 * Loads and compiles the JPEG and PNG decoders (the formats photos come in) by decoding a tiny
 * file of each, so that the first photo opened does not wait for them.
 */
export async function warmDecoders(): Promise<void> {
  for (const [format, base64] of WARM_FILES) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    await decodeImage(bytes, `warm-up.${format}`);
  }
}

function resolveQuality(format: Exclude<ImageFormat, 'png'>, quality: number | undefined): number {
  const value = quality ?? DEFAULT_QUALITY[format];
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new RangeError(`${format.toUpperCase()} quality must be an integer from 1 to 100, got ${value}`);
  }
  return value;
}

/**
 * Interleaved RGBA at the image's bit depth (or rounded to 8 bits with `narrow`: v / 257, so
 * 65535 → 255), in a fresh buffer (the encoders read `data.buffer` whole). With `overWhite`,
 * alpha is composited over white and the result is opaque (for JPEG, which has no alpha).
 */
function toRgba(image: PixelImage, narrow: boolean, overWhite: boolean): Uint8Array | Uint16Array {
  const { width, height, channels, bitDepth, pixels } = image;
  const sixteen = bitDepth === 16 && !narrow;
  const peak = sixteen ? 65535 : 255;
  const shrink = bitDepth === 16 && narrow ? 1 / 257 : 1;
  const count = width * height;
  const out = sixteen ? new Uint16Array(count * 4) : new Uint8Array(count * 4);
  const gray = colorChannelCount(channels) === 1;
  const alpha = hasAlpha(channels);
  for (let i = 0, s = 0, t = 0; i < count; i++, s += channels, t += 4) {
    let r = pixels[s],
      g = gray ? r : pixels[s + 1],
      b = gray ? r : pixels[s + 2];
    let a = alpha ? pixels[s + channels - 1] : peak;
    if (shrink !== 1) {
      r = Math.round(r * shrink);
      g = Math.round(g * shrink);
      b = Math.round(b * shrink);
      a = alpha ? Math.round(a * shrink) : peak;
    }
    if (overWhite && a !== peak) {
      const f = a / peak;
      r = Math.round(r * f + peak * (1 - f));
      g = Math.round(g * f + peak * (1 - f));
      b = Math.round(b * f + peak * (1 - f));
      a = peak;
    }
    out[t] = r;
    out[t + 1] = g;
    out[t + 2] = b;
    out[t + 3] = a;
  }
  return out;
}

function imageData(rgba: Uint8Array, width: number, height: number): ImageData {
  return new ImageData(new Uint8ClampedArray(rgba.buffer as ArrayBuffer, rgba.byteOffset, rgba.length), width, height);
}

/** The single-threaded libavif build, made once. */
interface AvifEncoderModule {
  encode(data: Uint8Array, width: number, height: number, options: typeof avifDefaults): Uint8Array | null;
}
let avifEncoder: Promise<AvifEncoderModule> | undefined;

/**
 * AVIF through the single-threaded encoder, bypassing @jsquash/avif's encode(), which picks
 * its multithreaded build whenever WebAssembly threads are available. That build needs
 * SharedArrayBuffer (a cross-origin isolated page: COOP/COEP headers, which a plain static
 * server does not send) and starts nested workers of its own; importing only the single-threaded module
 * keeps the behaviour the same everywhere and keeps the threaded build out of the bundle.
 */
async function encodeAvif(data: ImageData, quality: number): Promise<ArrayBuffer> {
  avifEncoder ??= (avifEncoderFactory as unknown as (options: object) => Promise<AvifEncoderModule>)({ noInitialRun: true });
  let module: AvifEncoderModule;
  try {
    module = await avifEncoder;
  } catch (error) {
    avifEncoder = undefined; // let a later call retry (e.g. after a network hiccup fetching the .wasm)
    throw error;
  }
  const output = module.encode(new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength), data.width, data.height, {
    ...avifDefaults,
    quality,
  });
  if (!output) throw new Error('the AVIF encoder failed');
  return output.byteOffset === 0 && output.byteLength === output.buffer.byteLength ? (output.buffer as ArrayBuffer) : output.slice().buffer;
}

/** Swaps each 16-bit sample's bytes in place (platform little-endian ⇄ PNG's big-endian). */
function swapBytes16(samples: Uint16Array): void {
  for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] >>> 8) | ((samples[i] & 0xff) << 8);
}

/**
 * The 8-bit RGBA an image was turned into for the encoders (toRgba), by whether alpha was
 * composited over white: encoding one image at many qualities turns it once. The encoders copy
 * their input into their own memory and leave it as it was.
 */
export type RgbaMade = Map<'straight' | 'over white', Uint8Array>;

/**
 * Encodes pixels as a file (`made`: RgbaMade for this image, filled and reused).
 *  - PNG is lossless; 16-bit images give a 16-bit PNG. The encoder always writes RGBA (8 or
 *    16 bits per sample), whatever the channel count; the values are exact.
 *  - JPEG (mozjpeg), WebP and AVIF take quality 1–100 (defaults DEFAULT_QUALITY) and 8-bit
 *    samples: 16-bit images are rounded (v / 257). Gray images give a grayscale JPEG; JPEG
 *    has no alpha, so transparent pixels are composited over white.
 */
export async function encodeImage(image: PixelImage, format: ImageFormat, quality?: number, made?: RgbaMade): Promise<Uint8Array> {
  validatePixelImage(image);
  const { width, height, channels, bitDepth } = image;
  const rgba8 = (overWhite: boolean): Uint8Array => {
    const key = overWhite ? 'over white' : 'straight';
    const rgba = made?.get(key) ?? (toRgba(image, true, overWhite) as Uint8Array);
    made?.set(key, rgba);
    return rgba;
  };
  let encoded: ArrayBuffer;
  switch (format) {
    case 'png': {
      if (quality !== undefined && !(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
        throw new RangeError(`Quality must be an integer from 1 to 100, got ${quality}`);
      }
      if (bitDepth === 16) {
        const rgba = toRgba(image, false, false) as Uint16Array;
        swapBytes16(rgba); // the encoder copies the bytes as they are into the big-endian PNG
        encoded = await encodePng({ data: rgba, width, height }, { bitDepth: 16 });
      } else {
        encoded = await encodePng(imageData(rgba8(false), width, height));
      }
      break;
    }
    case 'jpeg': {
      const q = resolveQuality(format, quality);
      // 1 = grayscale, 3 = YCbCr (mozjpeg's MozJpegColorSpace).
      encoded = await encodeJpeg(imageData(rgba8(hasAlpha(channels)), width, height), {
        quality: q,
        color_space: colorChannelCount(channels),
      });
      break;
    }
    case 'webp':
      encoded = await encodeWebp(imageData(rgba8(false), width, height), {
        quality: resolveQuality(format, quality),
      });
      break;
    case 'avif':
      encoded = await encodeAvif(imageData(rgba8(false), width, height), resolveQuality(format, quality));
      break;
    default:
      throw new RangeError(`Unknown output format ${String(format)}; use png, jpeg, webp or avif`);
  }
  return new Uint8Array(encoded);
}
