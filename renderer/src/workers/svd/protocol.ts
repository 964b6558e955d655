/**
 * What the SVD workers and their client share. Kept apart from svd.worker.ts: importing a value
 * from a worker module would bundle that worker's code (and its Comlink.expose) into the importer.
 */
import type { ImageLayout, KernelKind, KrylovState, Matrix, PixelImage } from '../../../../core/index.js';

export interface SvdJobMessage {
  /** Identifies the plane. */
  key: string;
  /** The plane's matrix (when the client has one)… */
  channel?: Matrix;
  /**
   * …or where the worker makes it from: plane `index` of an image under `layout` (core's
   * planeMatrixOf), given either the one colour channel the plane is (`channel`: width × height
   * values, for gray, R, G, B and alpha planes) or the whole image (`image`: for Y, Cb and Cr
   * planes, and for any plane when its pixels are shared, the worker taking a colour plane's
   * channel from them); neither is kept once the plane is made. A job with neither a matrix nor a source is
   * for the plane the worker holds (`key`).
   */
  source?: {
    index: number;
    layout: ImageLayout;
    image?: PixelImage;
    channel?: Uint8Array | Uint16Array;
  };
  rank: number;
  seed: number;
  kernels?: KernelKind | 'auto';
  /** The plane's Krylov space from its previous stage, to extend (copied, not transferred: a job may be sent twice). */
  krylov?: KrylovState;
  /** Return the Krylov space with the result (transferred back). */
  keepKrylov?: boolean;
  /** A piece of a split decomposition: the steps up to this many, the space only. */
  krylovSteps?: number;
  /** Start coarse where it applies (core's SvdOptions.coarseStart). */
  coarseStart?: boolean;
}

/** Thrown when a job names a plane the worker does not hold; the client resends it with what the plane is made from. */
export const MISSING_CHANNEL = 'svd-worker: missing channel';
