/**
 * What the SVD workers and their client share. Kept apart from svd.worker.ts: importing a value
 * from a worker module would bundle that worker's code (and its Comlink.expose) into the importer.
 */
import type { Matrix } from '../../../core/index.js';

export interface SvdJobMessage {
  /** Identifies the channel (image and channel index): sent with `channel` when the worker lacks it. */
  key: string;
  channel?: Matrix;
  rank: number;
  seed: number;
  kernels?: 'simd' | 'plain' | 'auto';
}

/** Thrown when a job names a channel the worker does not hold; the client resends it. */
export const MISSING_CHANNEL = 'svd-worker: missing channel';
