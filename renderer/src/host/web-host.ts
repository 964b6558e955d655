/**
 * The browser host: bytes come from a File (input, drop, paste) or a sample URL, decoding (and
 * shrinking) runs in the image-codec worker with Squoosh's codecs, exports are encoded by the
 * analysis worker's own image-codec workers with the same codecs (no encodeImage), saving is a download.
 */
import * as Comlink from 'comlink';
import { EXPORT_EXTENSIONS, MIME_TYPES, type ExportFormat, type PixelImage } from '../../../core/index.js';
import { WorkerBridge } from '../bridge/worker-bridge.js';
import { onThisTimeline } from '../shared/timeline.js';
import { movable } from '../shared/shared-memory.js';
import type { ImageCodecWorkerApi, DecodedFile } from '../workers/image-codec/image-codec.worker.js';
import { HostError, type Host, type OpenOptions, type OpenSource, type OpenedImage, type SaveResult } from './host.js';

/** Decodes at least this large are followed by a fresh image-codec worker (see decodeBytes). */
const LARGE_DECODE_PIXELS = 4_000_000;

/** Files larger than this are refused before reading (a 100 MP 16-bit PNG is well below it). */
const MAX_FILE_BYTES = 1 << 30;

export class WebHost implements Host {
  readonly kind = 'web' as const;
  readonly #imageCodecs = new WorkerBridge<ImageCodecWorkerApi>(
    () => new Worker(new URL('../workers/image-codec/image-codec.worker.ts', import.meta.url), { type: 'module', name: 'image-codec' }),
    { name: 'image codec' },
  );

  /** Starts the image-codec worker and loads its decoders, before the first file is chosen. */
  warm(): Promise<void> {
    return this.#imageCodecs.call((codecs) => codecs.warm());
  }

  async openImage(source: OpenSource, options: OpenOptions): Promise<OpenedImage | null> {
    if (source.kind === 'dialog' || source.kind === 'opened')
      throw new HostError('The browser studio opens files with the Open button, drag and drop or paste');
    const { name, bytes } = await readSource(source);
    return this.decodeBytes(bytes, name, options);
  }

  /** Decodes a file's bytes in the image-codec worker (images and .svd files): an opened file, or a .svd the desktop host was handed. */
  async decodeBytes(bytes: Uint8Array, name: string, options: OpenOptions): Promise<OpenedImage> {
    if (bytes.length === 0) throw new HostError(`"${name}" is empty`);
    const decoded = await this.#imageCodecs.call(
      (codecs) =>
        codecs.decode(
          bytes,
          name,
          options.maxPixels,
          options.onSize && Comlink.proxy(options.onSize),
          options.planesUpTo,
        ) as Promise<DecodedFile>,
      options.signal,
    );
    // A WebAssembly memory never shrinks: after a large decode the image-codec worker would keep its
    // peak (~4 bytes per pixel and more) for the session. A fresh one starts in ~50 ms. (Released:
    // ended only if no other call is in flight.)
    if (decoded.image.width * decoded.image.height >= LARGE_DECODE_PIXELS) this.#imageCodecs.release();
    const base = {
      ...decoded.image,
      name,
      fileBytes: bytes.length,
      inputFormat: decoded.format,
      timing: { decodedAt: onThisTimeline(decoded.decodedAt) },
      ...(decoded.kind === 'image' && decoded.planes ? { planes: decoded.planes } : {}),
    };
    if (decoded.kind !== 'svd' || !decoded.stored) return base;
    return {
      ...base,
      svd: { header: decoded.header, svds: decoded.stored.svds, coding: decoded.stored.coding, version: decoded.version, bytes },
    };
  }

  // Takes ownership of the image: its pixels are transferred to the image-codec worker (copying
  // tens of megabytes on this thread would block it), or shared with it when they are shared.
  downscale(image: PixelImage, width: number, height: number): Promise<PixelImage> {
    return this.#imageCodecs.call((codecs) => codecs.downscale(transferred(image), width, height));
  }

  async saveFile(bytes: Uint8Array, suggestedName: string): Promise<SaveResult | null> {
    const extension = suggestedName.split('.').pop() ?? '';
    const format = (Object.keys(EXPORT_EXTENSIONS) as ExportFormat[]).find(
      (key) => EXPORT_EXTENSIONS[key] === extension || key === extension,
    );
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: format ? MIME_TYPES[format] : 'application/octet-stream' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = suggestedName;
    link.style.display = 'none';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has taken its copy once the click's task ends.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return { name: suggestedName };
  }
}

function transferred(image: PixelImage): PixelImage {
  const plain: PixelImage = {
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitDepth: image.bitDepth,
    pixels: image.pixels,
  };
  return Comlink.transfer(plain, movable(image.pixels));
}

async function readSource(source: Extract<OpenSource, { kind: 'file' | 'url' }>): Promise<{ name: string; bytes: Uint8Array }> {
  if (source.kind === 'file') {
    const { file } = source;
    if (file.size > MAX_FILE_BYTES)
      throw new HostError(`"${file.name}" is too large to open (${Math.round(file.size / 2 ** 20)} MB; the limit is 1 GB)`);
    try {
      return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
    } catch {
      throw new HostError(`"${file.name}" could not be read`);
    }
  }
  let response: Response;
  try {
    response = await fetch(source.url);
  } catch {
    throw new HostError(`"${source.name}" could not be loaded`);
  }
  if (!response.ok) throw new HostError(`"${source.name}" could not be loaded (HTTP ${response.status})`);
  return { name: source.name, bytes: new Uint8Array(await response.arrayBuffer()) };
}
