/** What the preview worker sends back: the rendered pictures as ImageBitmaps (DOM types, hence apart from protocol.ts). */
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
  image: ImageBitmap;
  /** Mode 'component': the contrast stretch applied (display value = 128 + scale · component). */
  componentScale?: number;
}
