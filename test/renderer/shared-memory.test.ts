import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PixelImage, TruncatedSvd } from '../../core/index.js';
import { canShare, isShared, movable, newSamples, sharedFactors, sharedImage } from '../../renderer/src/shared/shared-memory.js';

function image(pixels: Uint8Array | Uint16Array, bitDepth: 8 | 16): PixelImage {
  return { width: 2, height: 2, channels: 3, bitDepth, pixels };
}

describe('shared pixels', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('on a page that is not cross-origin isolated: ordinary buffers, images as they are, every buffer movable', () => {
    vi.stubGlobal('crossOriginIsolated', false);
    expect(canShare()).toBe(false);
    const samples = newSamples(8, 12);
    expect(samples).toBeInstanceOf(Uint8Array);
    expect(samples.buffer).toBeInstanceOf(ArrayBuffer);
    const original = image(
      Uint8Array.from({ length: 12 }, (_, i) => i),
      8,
    );
    expect(sharedImage(original)).toBe(original);
    expect(movable(original.pixels)).toEqual([original.pixels.buffer]);
  });

  it('on an isolated page: zeroed samples of the bit depth in a SharedArrayBuffer', () => {
    vi.stubGlobal('crossOriginIsolated', true);
    expect(canShare()).toBe(true);
    const bytes = newSamples(8, 12);
    const words = newSamples(16, 12);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(words).toBeInstanceOf(Uint16Array);
    expect([bytes.length, words.length]).toEqual([12, 12]);
    expect([bytes.buffer.byteLength, words.buffer.byteLength]).toEqual([12, 24]);
    expect(isShared(bytes) && isShared(words)).toBe(true);
    expect(bytes.every((value) => value === 0) && words.every((value) => value === 0)).toBe(true);
  });

  it('copies unshared pixels into shared memory once, values and type kept, and leaves shared ones as they are', () => {
    vi.stubGlobal('crossOriginIsolated', true);
    const original = image(
      Uint16Array.from({ length: 12 }, (_, i) => 1000 * i + 7),
      16,
    );
    const shared = sharedImage(original);
    expect(shared).not.toBe(original);
    expect(isShared(shared.pixels)).toBe(true);
    expect(shared.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(shared.pixels)).toEqual(Array.from(original.pixels));
    expect({ ...shared, pixels: null }).toEqual({ ...original, pixels: null });
    expect(sharedImage(shared)).toBe(shared);
  });

  it('shares the factors U and V (values kept), keeps σ and the Krylov space as they are, and shares nothing where it cannot', () => {
    const svd: TruncatedSvd = {
      rank: 2,
      sigma: Float64Array.of(3, 1),
      u: { rows: 3, cols: 2, data: Float32Array.of(1, 2, 3, 4, 5, 6) },
      v: { rows: 2, cols: 2, data: Float32Array.of(0.5, -0.5, 0.25, 0.75) },
      frobeniusNormSquared: 10,
    };
    vi.stubGlobal('crossOriginIsolated', false);
    expect(sharedFactors(svd)).toBe(svd);
    vi.stubGlobal('crossOriginIsolated', true);
    const shared = sharedFactors(svd);
    expect(isShared(shared.u.data) && isShared(shared.v.data)).toBe(true);
    expect(Array.from(shared.u.data)).toEqual(Array.from(svd.u.data));
    expect(Array.from(shared.v.data)).toEqual(Array.from(svd.v.data));
    expect([shared.u.rows, shared.u.cols, shared.v.rows, shared.v.cols]).toEqual([3, 2, 2, 2]);
    expect(shared.sigma).toBe(svd.sigma);
    expect(shared.frobeniusNormSquared).toBe(10);
    expect(sharedFactors(shared).u.data).toBe(shared.u.data);
  });

  it('never lists a SharedArrayBuffer to be moved (a message that tried would fail)', () => {
    vi.stubGlobal('crossOriginIsolated', true);
    const shared = newSamples(8, 4);
    const own = new Float32Array(4);
    expect(movable(shared, own)).toEqual([own.buffer]);
    // What a worker's postMessage does with that list: the shared buffer goes by reference.
    const { port1, port2 } = new MessageChannel();
    try {
      expect(() => port1.postMessage({ shared, own }, movable(shared, own))).not.toThrow();
      expect(() => port1.postMessage({ shared }, [shared.buffer as unknown as ArrayBuffer])).toThrow();
    } finally {
      port1.close();
      port2.close();
    }
  });
});
