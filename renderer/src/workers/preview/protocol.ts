/**
 * Requests from the studio's main thread to its preview worker (types only: both sides import
 * this file, and so do Node tests of the renderer, so it names no DOM types).
 */
import type { Region } from '../../../../core/index.js';

/** What the viewer shows: the split comparison, the error heat map, the residual A − A_k, or one component σᵢuᵢvᵢᵀ. */
export type ViewMode = 'compare' | 'error' | 'residual' | 'component';

export interface ViewRequest {
  imageId: number;
  /** Visible part of the image, in source pixels. */
  region: Region;
  /** Pixels to produce (device pixels; never more than the region's). */
  width: number;
  height: number;
  /** The coding whose factors to show (shared/coding.ts's codingKey). */
  coding: string;
  /** Rank per plane of that coding. */
  ranks: readonly number[];
  mode: ViewMode;
  /** 1-based component index, for mode 'component'. */
  component: number;
  /** Amplification of |error| (mode 'error') and of A − A_k (mode 'residual'). */
  gain: number;
  /** Also return the original at this geometry (compare mode, when the geometry changed). */
  withOriginal: boolean;
  /** That "original" is the reference set with setReference (JPEG or WebP at the same bytes), when there is one. */
  reference: boolean;
  /**
   * 'live': the reconstruction (per `mode`); 'saved': the decoded exported file (setSaved);
   * 'original': the original alone (before the first preview).
   */
  source: 'live' | 'saved' | 'original';
  /** A picture's bytes the viewer is done with (an earlier RenderedView's, transferred back): the render writes into them when they fit. */
  spare?: ArrayBuffer;
}
