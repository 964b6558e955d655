/**
 * Opening a file for the renderer: images are decoded here with sharp (EXIF orientation, sRGB,
 * alpha and 16 bits kept: image-io.ts) and cross to the renderer as raw pixels, one copy;
 * .svd files cross as their bytes (the renderer's codec worker decodes them, as in the browser).
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { InputImageFormat, OpenedFile } from '../../shared/ipc-contract.js';
import { decodeImage, ImageIoError } from '../../io/image-io.js';
import { MAX_OPEN_BYTES } from './file-access.js';
import { MAGIC as SVD_MAGIC } from '../../../core/codec/format.js';

const FORMATS: readonly InputImageFormat[] = ['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif'];

async function readSmallFile(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_OPEN_BYTES) throw new ImageIoError(basename(path), 'the file is too large to open (the limit is 1 GB)');
    const bytes = new Uint8Array(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(bytes, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === size ? bytes : bytes.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Opens the file at `path` (main must have obtained or checked the path). */
export async function openFile(path: string, maxPixels?: number): Promise<OpenedFile> {
  const chosenAt = epochNow();
  const name = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = await readSmallFile(path);
  } catch (error) {
    if (error instanceof ImageIoError) throw error;
    throw new ImageIoError(name, 'the file could not be read');
  }
  if (bytes.length >= SVD_MAGIC.length && SVD_MAGIC.every((value, i) => bytes[i] === value)) {
    return { kind: 'svd', name, fileBytes: bytes.length, bytes };
  }
  const image = await decodeImage({ name, bytes }, { maxPixels });
  const decodedAt = epochNow();
  const format = (FORMATS as readonly string[]).includes(image.format)
    ? (image.format as InputImageFormat)
    : image.format === 'heif'
      ? 'avif'
      : 'png';
  return {
    kind: 'image',
    name,
    fileBytes: bytes.length,
    format,
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitDepth: image.bitDepth,
    pixels: image.pixels,
    timing: { chosenAt, decodedAt },
  };
}

/** Milliseconds since the Unix epoch, high resolution, as the renderer's threads count them (its shared/timeline.ts). */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
