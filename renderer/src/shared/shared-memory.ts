/**
 * A photo's pixels and its factors (U and V of each plane), shared by the page's threads where
 * the page allows it. On a cross-origin isolated page (COOP/COEP headers: the desktop app's
 * app:// protocol, `npm run web`, the test and benchmark servers) they live in
 * SharedArrayBuffers: the engine, preview, analysis and learn workers all read the one buffer,
 * and a message carrying them copies nothing. Elsewhere (any plain static server) they are
 * ordinary buffers and each worker gets its own copy. Shared arrays are never written once another
 * thread can see them; a buffer goes once no thread holds it.
 */
import type { PixelImage, TruncatedSvd } from '../../../core/index.js';

/** Whether this thread can share pixels (a worker of an isolated page is isolated too). */
export function canShare(): boolean {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

export function isShared(samples: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === 'function' && samples.buffer instanceof SharedArrayBuffer;
}

/** `length` zeroed samples of `bitDepth` bits, on a SharedArrayBuffer where this thread can share (canShare). */
export function newSamples(bitDepth: 8 | 16, length: number): Uint8Array | Uint16Array {
  const bytes = bitDepth === 16 ? 2 * length : length;
  const buffer = canShare() ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return bitDepth === 16 ? new Uint16Array(buffer) : new Uint8Array(buffer);
}

/** `image` with its pixels shared (copied once into a SharedArrayBuffer when they are not yet); itself where this thread cannot share. */
export function sharedImage(image: PixelImage): PixelImage {
  if (!canShare() || isShared(image.pixels)) return image;
  const pixels = newSamples(image.bitDepth, image.pixels.length);
  pixels.set(image.pixels);
  return { ...image, pixels };
}

/**
 * `image` for a message to another thread: itself when its pixels are in shared memory (the
 * message shares them), else a copy of them (into `into` when given) that the message moves.
 */
export function imageForMessage(image: PixelImage, into?: Uint8Array | Uint16Array): PixelImage {
  if (isShared(image.pixels)) return image;
  into?.set(image.pixels);
  return { ...image, pixels: into ?? image.pixels.slice() };
}

/** `svd` with U and V copied into shared memory where this thread can share (canShare) and they are not yet; σ is small and stays. */
export function sharedFactors(svd: TruncatedSvd): TruncatedSvd {
  if (!canShare()) return svd;
  return { ...svd, u: { ...svd.u, data: sharedFloats(svd.u.data) }, v: { ...svd.v, data: sharedFloats(svd.v.data) } };
}

function sharedFloats(values: Float32Array): Float32Array {
  if (isShared(values)) return values;
  const shared = newFloats(values.length);
  shared.set(values);
  return shared;
}

/** `length` zeroed floats, on a SharedArrayBuffer where this thread can share (canShare). */
export function newFloats(length: number): Float32Array {
  return new Float32Array(canShare() ? new SharedArrayBuffer(4 * length) : new ArrayBuffer(4 * length));
}

/** The buffers of `arrays` that a message can move (transfer): a SharedArrayBuffer is shared by the message, never moved. */
export function movable(...arrays: ArrayBufferView[]): ArrayBuffer[] {
  return arrays.filter((array) => !isShared(array)).map((array) => array.buffer as ArrayBuffer);
}
