/**
 * The viewer's geometry, pure arithmetic (tested without a DOM): which part of the image is
 * visible, how many pixels to render for it (device pixels, never more than the source has:
 * DESIGN.md, "Slide"), and where it lands on the canvas.
 */
import type { Region } from '../../../core/index.js';

export interface ViewGeometry {
  region: Region;
  /** Target pixels (device pixels, at most the region's). */
  targetWidth: number;
  targetHeight: number;
  /** Where the region lands on the canvas, in CSS pixels. */
  dx: number;
  dy: number;
  dw: number;
  dh: number;
}

/** The visible region of the image and the pixels to render for it (DESIGN.md, "Slide"). */
export function viewGeometry(
  imageWidth: number,
  imageHeight: number,
  canvasWidth: number,
  canvasHeight: number,
  scale: number,
  centerX: number,
  centerY: number,
  devicePixelRatio: number,
): ViewGeometry | null {
  if (imageWidth < 1 || imageHeight < 1 || canvasWidth < 1 || canvasHeight < 1 || !(scale > 0)) return null;
  const x0 = Math.max(0, Math.floor(centerX - canvasWidth / 2 / scale));
  const y0 = Math.max(0, Math.floor(centerY - canvasHeight / 2 / scale));
  const x1 = Math.min(imageWidth, Math.ceil(centerX + canvasWidth / 2 / scale));
  const y1 = Math.min(imageHeight, Math.ceil(centerY + canvasHeight / 2 / scale));
  if (x1 <= x0 || y1 <= y0) return null;
  const region = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const targetWidth = Math.max(1, Math.min(region.width, Math.round(region.width * scale * devicePixelRatio)));
  const targetHeight = Math.max(1, Math.min(region.height, Math.round(region.height * scale * devicePixelRatio)));
  return {
    region,
    targetWidth,
    targetHeight,
    dx: (x0 - centerX) * scale + canvasWidth / 2,
    dy: (y0 - centerY) * scale + canvasHeight / 2,
    dw: region.width * scale,
    dh: region.height * scale,
  };
}
