/**
 * The preview worker: holds the image and the latest factors of each channel (both sent by the
 * engine worker, over the port given to connect()), the decoded saved file and the JPEG or WebP
 * at the same bytes (both sent by the analysis worker, over a port given to linkAnalysis()) and renders the
 * visible region at display resolution for every slider move (render/view-renderer.ts), off the
 * main thread. A picture comes back as its RGBA bytes (transferred; the viewer puts them on a
 * canvas it keeps and returns them with its next request), the original as an ImageBitmap.
 */
import * as Comlink from 'comlink';
import { createKernels, type PixelImage, type TruncatedSvd } from '../../../../core/index.js';
import { ViewRenderer } from './view-renderer.js';
import { imageForMessage, movable } from '../../shared/shared-memory.js';
import { warmRendering } from './warm-rendering.js';
import type { ViewRequest } from './protocol.js';
import type { RenderedView } from './rendered-view.js';

/**
 * The workspace (floats) the view kernels' memory grows to as the worker starts, before the
 * warm-up: address space only, mapped as views need it (reserve()). A 12 MP photo's first view in
 * a 1280 × 800 window takes 8.7 MB of it; up to 64 MB of views then never grow the memory, which
 * would have Chromium throw away the code the warm-up optimised (KernelBackend.expand), as it did
 * at the photo's first view.
 */
const VIEW_WORKSPACE_FLOATS = 16 * 1024 * 1024;
/**
 * The same for the resampling's kernels (boxResample: one target line's sums and source lines):
 * 4 MB: lines of up to 8192 RGBA pixels, over a hundred of them to a target line.
 */
const RESAMPLE_WORKSPACE_FLOATS = 1024 * 1024;

const renderer = Promise.all([createKernels('auto'), createKernels('auto'), createKernels('auto')]).then(([view, patches, resample]) => {
  try {
    view.expand(VIEW_WORKSPACE_FLOATS, 8);
    resample.expand(RESAMPLE_WORKSPACE_FLOATS, 8);
  } catch {
    // No address space for it: a photo's views grow the memory as they need.
  }
  try {
    warmRendering(view, patches, resample);
  } catch {
    // Best effort: a failure only leaves the loops a photo's first view runs cold.
  }
  return new ViewRenderer(view, patches, resample);
});

function bitmap(pixels: Uint8ClampedArray<ArrayBuffer>, width: number, height: number): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(pixels, width, height), { premultiplyAlpha: 'premultiply' });
}

/** Renders waiting for their image. */
const waiting: (() => void)[] = [];
const IMAGE_WAIT_MS = 10_000;

async function imageArrival(imageId: number): Promise<void> {
  const view = await renderer;
  const deadline = performance.now() + IMAGE_WAIT_MS;
  while (view.imageId < imageId && performance.now() < deadline) {
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      setTimeout(resolve, deadline - performance.now());
    });
  }
}

const api = {
  /** Serves this API on a second port too: the engine worker sends the image and factors there. */
  connect(port: MessagePort): void {
    Comlink.expose(api, port);
  },
  async setImage(imageId: number, image: PixelImage): Promise<void> {
    (await renderer).setImage(imageId, image);
    for (const wake of waiting.splice(0)) wake();
  },
  async setFactors(imageId: number, coding: string, plane: number, svd: TruncatedSvd): Promise<void> {
    (await renderer).setFactors(imageId, coding, plane, svd);
  },
  /**
   * For an engine worker that restarted: image `imageId` (imageForMessage: shared pixels as they
   * are, else a copy, moved) and every factor this worker holds for it (U and V shared where they
   * are, else cloned by the message; the other peers may have ended since and hold none); null
   * when this worker holds another image.
   */
  async heldDocument(
    imageId: number,
  ): Promise<{ image: PixelImage; factors: { coding: string; plane: number; svd: TruncatedSvd }[] } | null> {
    const held = await renderer;
    const image = held.imageOf(imageId);
    if (!image) return null;
    const sent = imageForMessage(image);
    return Comlink.transfer({ image: sent, factors: held.factorsOf(imageId) }, movable(sent.pixels));
  },
  /** Serves setSaved and setReference on `port`: the analysis worker sends the pictures it decodes there, not through the main thread. */
  linkAnalysis(port: MessagePort): void {
    Comlink.expose({ setSaved: api.setSaved, setReference: api.setReference } satisfies PreviewPictures, port);
  },
  async setSaved(imageId: number, saved: PixelImage | null): Promise<void> {
    (await renderer).setSaved(imageId, saved);
  },
  async setReference(imageId: number, reference: PixelImage | null): Promise<void> {
    (await renderer).setReference(imageId, reference);
  },
  /** A patch-model component's coefficient image (at most width × height), as a bitmap; null when there is none. */
  async coefficientImage(
    imageId: number,
    coding: string,
    plane: number,
    index: number,
    width: number,
    height: number,
  ): Promise<{ image: ImageBitmap; scale: number } | null> {
    const viewRenderer = await renderer;
    if (viewRenderer.imageId !== imageId) return null;
    const result = viewRenderer.coefficients(coding, plane, index, width, height);
    if (!result) return null;
    const image = await bitmap(result.pixels as Uint8ClampedArray<ArrayBuffer>, result.width, result.height);
    return Comlink.transfer({ image, scale: result.scale }, [image]);
  },

  async render(request: ViewRequest): Promise<RenderedView> {
    const viewRenderer = await renderer;
    if (request.spare) viewRenderer.recycle(new Uint8ClampedArray(request.spare));
    // The image may still be on its way from the engine worker (it sends the decomposition's jobs first).
    if (viewRenderer.imageId < request.imageId) await imageArrival(request.imageId);
    const rendered = viewRenderer.render(request);
    // Sent as they are (their whole buffer, transferred): the viewer puts them on its canvas and gives them back.
    const pixels = rendered.image;
    const original = rendered.original ? await bitmap(rendered.original, request.width, request.height) : null;
    const view: RenderedView = {
      imageId: request.imageId,
      region: request.region,
      width: request.width,
      height: request.height,
      ranks: rendered.ranks,
      mode: request.mode,
      original,
      pixels,
      componentScale: rendered.componentScale,
    };
    return Comlink.transfer(view, original ? [pixels.buffer, original] : [pixels.buffer]);
  },
};

export type PreviewWorkerApi = typeof api;
/** What the analysis worker may call over a port from linkAnalysis(). */
export interface PreviewPictures {
  setSaved(imageId: number, saved: PixelImage | null): Promise<void>;
  setReference(imageId: number, reference: PixelImage | null): Promise<void>;
}
Comlink.expose(api);
