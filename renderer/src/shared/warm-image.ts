/**
 * A small 8-bit RGB image of fixed pseudo-random samples for the workers' warm-ups: work on it
 * runs the code a photo's work runs (the same kinds of arrays: its pixels are shared where the
 * page shares a photo's, newSamples), before a photo comes.
 */
import type { PixelImage } from '../../../core/index.js';
import { newSamples } from './shared-memory.js';

export function warmImage(width: number, height: number): PixelImage {
  const pixels = newSamples(8, width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return { width, height, channels: 3, bitDepth: 8, pixels };
}
