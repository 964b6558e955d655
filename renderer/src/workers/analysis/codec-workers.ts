/**
 * Squoosh's codecs for one call of the analysis worker, run in image-codec workers of its own:
 * one that encodes and one that decodes, never both at once (starting one ends the other), and
 * none once the call is over (end()). A codec's WebAssembly memory never shrinks and goes only
 * with its worker: on the 12 MP photo mozjpeg's encoder keeps ~170 MB and its decoder ~80 MB,
 * libwebp's ~120 and ~30 MB. Run in the analysis worker itself, they added up over a JPEG search,
 * a WebP search and the exports for as long as it lived.
 *
 * An image is sent once to an encoding worker (hold) and turned into the encoders' RGBA once
 * there, whatever the number of qualities asked; shared pixels are not copied
 * (shared-memory.ts).
 */
import * as Comlink from 'comlink';
import type { PixelImage } from '../../../../core/index.js';
import type { ImageCodecWorkerApi } from '../image-codec/image-codec.worker.js';
import type { ImageFormat } from '../image-codec/image-codecs.js';
import { imageForMessage, movable } from '../../shared/shared-memory.js';
import { workerStopped } from '../../shared/worker-stopped.js';

interface CodecWorker {
  task: 'encode' | 'decode';
  api: Comlink.Remote<ImageCodecWorkerApi>;
  /** Rejects once the worker stops (an uncaught error) or is ended: a call on it fails rather than wait forever. */
  gone: Promise<never>;
  end: () => void;
  /** The image the worker holds for encoding. */
  held: PixelImage | null;
}

export class CodecWorkers {
  #current: CodecWorker | null = null;

  /**
   * A file of `image` (image-codecs.ts's encodeImage). `handOver`: the caller is done with the
   * image, so its pixels are moved to the worker rather than copied (where not shared).
   */
  async encode(image: PixelImage, format: ImageFormat, quality?: number, handOver = false): Promise<Uint8Array> {
    const codec = this.#for('encode');
    if (codec.held !== image) {
      codec.held = null;
      const message = handOver ? image : imageForMessage(image);
      await Promise.race([codec.api.hold(Comlink.transfer(message, movable(message.pixels))), codec.gone]);
      codec.held = image;
    }
    return Promise.race([codec.api.encodeHeld(format, quality), codec.gone]);
  }

  /** A file's pixels (an image's, or a .svd file's), with no limit on their number. */
  async decode(bytes: Uint8Array, name: string): Promise<PixelImage> {
    const codec = this.#for('decode');
    return (await Promise.race([codec.api.decode(bytes, name, Infinity), codec.gone])).image;
  }

  /** Ends the worker running (its calls in flight fail). */
  end(): void {
    this.#current?.end();
    this.#current = null;
  }

  #for(task: CodecWorker['task']): CodecWorker {
    if (this.#current?.task === task) return this.#current;
    this.end();
    const worker = new Worker(new URL('../image-codec/image-codec.worker.ts', import.meta.url), {
      type: 'module',
      name: `image-codec (${task})`,
    });
    const api = Comlink.wrap<ImageCodecWorkerApi>(worker);
    let end = () => {};
    const ended = new Promise<never>((_, reject) => {
      end = () => {
        api[Comlink.releaseProxy]();
        worker.terminate();
        reject(new Error(`The analysis worker's ${task} worker was ended`));
      };
    });
    ended.catch(() => {});
    const gone = Promise.race([workerStopped(worker, `The analysis worker's ${task} worker`), ended]);
    gone.catch(() => {});
    this.#current = { task, api, gone, end, held: null };
    return this.#current;
  }
}
