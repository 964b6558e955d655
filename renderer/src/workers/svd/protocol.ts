/**
 * What the SVD workers and their client share. Kept apart from svd.worker.ts: importing a value
 * from a worker module would bundle that worker's code (and its Comlink.expose) into the importer.
 */
import type { Matrix, PixelImage } from '../../../../core/index.js';

export interface SvdJobMessage {
  /** Identifies the channel. */
  key: string;
  /** The channel as a float plane (when the client has one)… */
  channel?: Matrix;
  /** …or where the worker extracts it from: colour channel `index` of an image (sent once per worker and image). */
  source?: { imageKey: string; index: number; image?: PixelImage };
  rank: number;
  seed: number;
  kernels?: 'simd' | 'plain' | 'auto';
}

/** Thrown when a job names a channel or image the worker does not hold; the client resends it. */
export const MISSING_CHANNEL = 'svd-worker: missing channel';
