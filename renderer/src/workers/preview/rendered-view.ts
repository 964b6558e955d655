/**
 * What the preview worker sends back (DOM types, hence apart from protocol.ts): the rendered
 * picture's RGBA bytes, which the viewer puts on a canvas it keeps and gives back with its next
 * request (no new memory per slider step on either side), and the original as an ImageBitmap
 * (asked for only when the view's geometry changes).
 */
import type { Region } from '../../../../core/index.js';
import type { ViewMode } from './protocol.js';

export interface RenderedView {
  imageId: number;
  region: Region;
  width: number;
  height: number;
  /** The ranks actually used (clamped to what each channel has). */
  ranks: number[];
  mode: ViewMode;
  original: ImageBitmap | null;
  /** width × height RGBA, straight alpha; owns its whole buffer (transferred). */
  pixels: Uint8ClampedArray<ArrayBuffer>;
  /** Mode 'component': the contrast stretch applied (display value = 128 + scale · component). */
  componentScale?: number;
}
