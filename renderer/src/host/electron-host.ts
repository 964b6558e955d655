/**
 * The desktop host: window.studio from the preload (electron/preload/api.ts). Files are opened by
 * the main process — its native dialog, a dropped file's path (taken by the preload, checked by
 * main), the OS — and decoded there with sharp; exports are encoded with sharp and written by
 * main after its save dialog. .svd files, bundled samples and downscaling go through the same
 * image-codec worker as in the browser.
 */
import type { ImageFormat, PixelImage } from '../../../core/index.js';
import type { MenuCommand, OpenedFile, StudioApi } from '../../../electron/shared/ipc-contract.js';
import { onThisTimeline } from '../shared/timeline.js';
import { WebHost } from './web-host.js';
import { HostError, type Host, type OpenOptions, type OpenSource, type OpenedImage, type SaveResult } from './host.js';

export class ElectronHost implements Host {
  readonly kind = 'electron' as const;
  readonly #studio: StudioApi;
  /** The browser host's image-codec worker, for what the desktop does the same way. */
  readonly #web = new WebHost();

  constructor(studio: StudioApi) {
    this.#studio = studio;
  }

  async openImage(source: OpenSource, options: OpenOptions): Promise<OpenedImage | null> {
    switch (source.kind) {
      case 'dialog': {
        const opened = await this.#studio.openDialog();
        return opened ? this.#fromMain(opened, options) : null;
      }
      case 'file':
        return this.#fromMain(await this.#studio.openDropped(source.file), options);
      case 'opened':
        return this.#fromMain(source.opened as OpenedFile, options);
      case 'url':
        return this.#web.openImage(source, options);
    }
  }

  async #fromMain(opened: OpenedFile, options: OpenOptions): Promise<OpenedImage> {
    if (opened.kind === 'svd') return this.#web.decodeBytes(opened.bytes, opened.name, options);
    if (opened.width * opened.height > options.maxPixels) throw new HostError(`"${opened.name}" is too large to open`);
    const { name, fileBytes, width, height, channels, bitDepth, pixels, timing } = opened;
    return {
      name,
      fileBytes,
      inputFormat: opened.format,
      width,
      height,
      channels,
      bitDepth,
      pixels,
      timing: { chosenAt: onThisTimeline(timing.chosenAt), decodedAt: onThisTimeline(timing.decodedAt) },
    };
  }

  downscale(image: PixelImage, width: number, height: number): Promise<PixelImage> {
    return this.#web.downscale(image, width, height);
  }

  encodeImage(image: PixelImage, format: ImageFormat, quality: number | undefined): Promise<Uint8Array> {
    return this.#studio.encodeImage({
      width: image.width,
      height: image.height,
      channels: image.channels,
      bitDepth: image.bitDepth,
      pixels: image.pixels,
      format,
      quality,
    });
  }

  saveFile(bytes: Uint8Array, suggestedName: string): Promise<SaveResult | null> {
    return this.#studio.saveFile({ bytes, suggestedName });
  }

  subscribe(handlers: {
    command(command: MenuCommand): void;
    opened(source: OpenSource): void;
    failed(message: string): void;
  }): () => void {
    const off = [
      this.#studio.onMenuCommand((command) => handlers.command(command)),
      this.#studio.onFileOpened((opened) => handlers.opened({ kind: 'opened', name: opened.name, opened })),
      this.#studio.onFileOpenFailed((message) => handlers.failed(message)),
    ];
    return () => off.forEach((unsubscribe) => unsubscribe());
  }
}
