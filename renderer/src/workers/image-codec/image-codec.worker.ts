/**
 * The web host's image-codec worker: decodes opened files (images with Squoosh's codecs, .svd files with
 * core's reader), shrinks images above the working limit and encodes exports, off the main thread.
 */
import * as Comlink from 'comlink';
import {
  decodeSvd,
  decodedSvdPixels,
  downscaleImage,
  type PixelImage,
  type SvdFileHeader,
  type TruncatedSvd,
} from '../../../../core/index.js';
import { decodeImage, detectFormat, encodeImage, ImageDecodeError, type ImageFormat } from './image-codecs.js';

export type DecodedFile =
  | { kind: 'image'; format: ImageFormat; image: PixelImage }
  /**
   * A .svd file: its pixels, and its factors when they are the whole-image RGB (or gray) planes
   * the studio's slider works on (version 1, or version 2 with that layout); other layouts (patches,
   * YCbCr) come as pixels only, and the studio decomposes them as it would an image.
   */
  | { kind: 'svd'; format: 'svd'; image: PixelImage; header: SvdFileHeader; svds?: TruncatedSvd[] };

function transferables(file: DecodedFile): ArrayBuffer[] {
  const list = [file.image.pixels.buffer as ArrayBuffer];
  if (file.kind === 'svd')
    for (const svd of file.svds ?? [])
      list.push(svd.u.data.buffer as ArrayBuffer, svd.v.data.buffer as ArrayBuffer, svd.sigma.buffer as ArrayBuffer);
  return list;
}

const api = {
  /** Decodes a file's bytes; errors carry one-line messages naming the file. */
  async decode(bytes: Uint8Array, name: string, maxPixels: number): Promise<DecodedFile> {
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
      const slidable = decoded.layout.model === 'whole' && decoded.layout.colorSpace === 'rgb';
      file = { kind: 'svd', format: 'svd', image, header: decoded.header, ...(slidable ? { svds: decoded.channels } : {}) };
    } else {
      const image = await decodeImage(bytes, name, maxPixels);
      file = { kind: 'image', format: format as ImageFormat, image };
    }
    return Comlink.transfer(file, transferables(file));
  },

  downscale(image: PixelImage, width: number, height: number): PixelImage {
    const result = downscaleImage(image, width, height);
    return Comlink.transfer(result, [result.pixels.buffer as ArrayBuffer]);
  },

  async encode(image: PixelImage, format: ImageFormat, quality?: number): Promise<Uint8Array> {
    const bytes = await encodeImage(image, format, quality);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
};

export type ImageCodecWorkerApi = typeof api;
Comlink.expose(api);
