/**
 * The main thread's handle on a worker that holds the image and its factors (the analysis worker,
 * the preview worker). It remembers what it handed over, so a worker that was terminated to cut
 * a slow call short is given the same image and factors again when it restarts.
 */
import type * as Comlink from 'comlink';
import type { PixelImage, TruncatedSvd } from '../../../core/index.js';
import { WorkerBridge } from './worker-bridge.js';

interface ImageHolder {
  setImage(imageId: number, image: PixelImage): void | Promise<void>;
  setFactors(imageId: number, channel: number, svd: TruncatedSvd): void | Promise<void>;
}

export class ImageWorkerClient<Api extends ImageHolder> {
  readonly bridge: WorkerBridge<Api>;
  #imageId = -1;
  #image: PixelImage | null = null;
  #factors: (TruncatedSvd | null)[] = [];

  constructor(create: () => Worker) {
    this.bridge = new WorkerBridge<Api>(create, async (remote) => {
      const holder = remote as unknown as Comlink.Remote<ImageHolder>;
      if (!this.#image) return;
      await holder.setImage(this.#imageId, this.#image);
      for (const [channel, svd] of this.#factors.entries()) if (svd) await holder.setFactors(this.#imageId, channel, svd);
    });
  }

  async setImage(imageId: number, image: PixelImage): Promise<void> {
    this.#imageId = imageId;
    this.#image = image;
    this.#factors = [];
    if (this.bridge.running) await (await this.#holder()).setImage(imageId, image);
    else await this.bridge.remote();
  }

  async setFactors(imageId: number, channel: number, svd: TruncatedSvd): Promise<void> {
    if (imageId !== this.#imageId) return;
    this.#factors[channel] = svd;
    if (this.bridge.running) await (await this.#holder()).setFactors(imageId, channel, svd);
  }

  async #holder(): Promise<Comlink.Remote<ImageHolder>> {
    return (await this.bridge.remote()) as unknown as Comlink.Remote<ImageHolder>;
  }
}
