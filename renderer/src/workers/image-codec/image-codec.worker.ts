/**
 * The image-codec worker: decodes files (images with Squoosh's codecs, .svd files with core's
 * reader) and shrinks images above the working limit, off the main thread. The web host keeps one
 * for the files a person opens. The analysis worker starts its own for encoding and decoding
 * (analysis/codec-workers.ts), each ended when its work is done: the codecs' WebAssembly memory
 * never shrinks, and goes with the worker.
 */
import * as Comlink from 'comlink';
import {
  decodeSvd,
  decodedSvdPixels,
  downscaleImage,
  type ImageLayout,
  type PixelImage,
  type SvdFileHeader,
  type TruncatedSvd,
} from '../../../../core/index.js';
import {
  decodeImage,
  detectFormat,
  encodeImage,
  ImageDecodeError,
  warmDecoders,
  type DecodeSize,
  type ImageFormat,
  type RgbaMade,
} from './image-codecs.js';
import { codingLayout, type Coding } from '../../shared/coding.js';
import { epochNow } from '../../shared/timeline.js';
import { movable } from '../../shared/shared-memory.js';

/** The window's coding for a file's layout, when the window's own layout for it is the same. */
function windowCoding(layout: ImageLayout): Coding | null {
  const coding: Coding = { model: layout.model, colorSpace: layout.colorSpace };
  const own = codingLayout(layout, coding);
  const same =
    own.patchSize === layout.patchSize &&
    own.chroma === layout.chroma &&
    own.alpha === layout.alpha &&
    own.planes.length === layout.planes.length &&
    own.planes.every(
      (plane, p) => plane.kind === layout.planes[p].kind && plane.rows === layout.planes[p].rows && plane.cols === layout.planes[p].cols,
    );
  return same ? coding : null;
}

export type DecodedFile = (
  | {
      kind: 'image';
      format: ImageFormat;
      image: PixelImage;
      /** Its colour planes, made with the pixels (decodeImage's withPlanes) and moved with them: what the SVD workers decompose. */
      planes?: Uint8Array[];
    }
  /**
   * A .svd file: its pixels (every stored component decoded), and its factors with the coding
   * they are in when that is one the window shows (the whole image or 8 × 8 patches, RGB or
   * YCbCr 4:2:0, alpha lossless); other layouts (4 × 4 or 16 × 16 patches, full-resolution
   * chroma, low-rank alpha) come as pixels only, and the studio decomposes them as it would an image.
   */
  | {
      kind: 'svd';
      format: 'svd';
      image: PixelImage;
      header: SvdFileHeader;
      version: 1 | 2;
      stored?: { coding: Coding; svds: TruncatedSvd[] };
    }
) & {
  /** When the pixels existed (shared/timeline.ts epochNow()): the end of the page's 'decode' measure. */
  decodedAt: number;
};

function transferables(file: DecodedFile): ArrayBuffer[] {
  // Shared pixels (shared-memory.ts) go by reference, not moved.
  const list = movable(file.image.pixels);
  if (file.kind === 'image' && file.planes) list.push(...movable(...file.planes));
  if (file.kind === 'svd')
    for (const svd of file.stored?.svds ?? [])
      list.push(svd.u.data.buffer as ArrayBuffer, svd.v.data.buffer as ArrayBuffer, svd.sigma.buffer as ArrayBuffer);
  return list;
}

/** The image encodeHeld() encodes, and the RGBA made of it so far. */
let held: { image: PixelImage; made: RgbaMade } | null = null;

const api = {
  /** Loads the decoders now (warmDecoders), before the first file is chosen. */
  warm(): Promise<void> {
    return warmDecoders();
  },

  /**
   * Decodes a file's bytes; errors carry one-line messages naming the file. `onSize`: an image's
   * size, once its header gives it (decodeImage). `planesUpTo`: an image of at most this many
   * pixels comes with its colour planes where it can (a photo the studio decomposes as it is).
   */
  async decode(
    bytes: Uint8Array,
    name: string,
    maxPixels: number,
    onSize?: (size: DecodeSize) => void,
    planesUpTo = 0,
  ): Promise<DecodedFile> {
    const format = detectFormat(bytes);
    let file: DecodedFile;
    if (format === 'svd') {
      let decoded;
      try {
        decoded = decodeSvd(bytes, { maxPixels });
      } catch (error) {
        throw new ImageDecodeError(name, `"${name}" is not a valid .svd file: ${(error as Error).message}`);
      }
      const image = await decodedSvdPixels(decoded);
      const coding = windowCoding(decoded.layout);
      const version = bytes[8] === 1 ? 1 : 2;
      file = {
        kind: 'svd',
        format: 'svd',
        image,
        header: decoded.header,
        version,
        ...(coding ? { stored: { coding, svds: decoded.channels } } : {}),
        decodedAt: epochNow(),
      };
    } else {
      // A photo of up to `planesUpTo` pixels and 8-bit samples comes with its colour planes
      // (unless it is gray or has alpha), moved along with it to the SVD workers.
      const withPlanes = (width: number, height: number, bitDepth: number) => bitDepth === 8 && width * height <= planesUpTo;
      const announce = onSize && ((size: DecodeSize) => onSize({ ...size, planes: withPlanes(size.width, size.height, size.bitDepth) }));
      const { image, planes } = await decodeImage(bytes, name, maxPixels, announce, withPlanes);
      file = { kind: 'image', format: format as ImageFormat, image, ...(planes ? { planes } : {}), decodedAt: epochNow() };
    }
    return Comlink.transfer(file, transferables(file));
  },

  /** Keeps an image for encodeHeld() (replacing the one kept before). */
  hold(image: PixelImage): void {
    held = { image, made: new Map() };
  },

  /** The held image as a file (encodeImage), its RGBA made once for every quality asked. */
  async encodeHeld(format: ImageFormat, quality?: number): Promise<Uint8Array> {
    if (!held) throw new Error('The image-codec worker holds no image to encode');
    const bytes = await encodeImage(held.image, format, quality, held.made);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },

  downscale(image: PixelImage, width: number, height: number): PixelImage {
    const result = downscaleImage(image, width, height);
    return Comlink.transfer(result, [result.pixels.buffer as ArrayBuffer]);
  },
};

export type ImageCodecWorkerApi = typeof api;
Comlink.expose(api);
