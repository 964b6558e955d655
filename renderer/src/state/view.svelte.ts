/**
 * Where the viewer looks: zoom (fit, or a scale in CSS pixels per image pixel), the image point
 * at the canvas centre, the compare split, the component shown in component mode. The geometry
 * (visible region, target pixels, where to draw) is pure arithmetic in view-geometry.ts.
 */
export { viewGeometry, type ViewGeometry } from '../shared/view-geometry.js';

export const ZOOM_STEPS = [1 / 32, 1 / 16, 1 / 8, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32];
const MAX_SCALE = 32;

export class ViewState {
  /** 'fit' or CSS pixels per image pixel. */
  zoom = $state<'fit' | number>('fit');
  centerX = $state(0);
  centerY = $state(0);
  /** Compare split, as a fraction of the canvas width. */
  split = $state(0.5);
  /** 1-based component index (component mode). */
  component = $state(1);
  /** Canvas size in CSS pixels, set by the viewer. */
  width = $state(0);
  height = $state(0);
  imageWidth = $state(0);
  imageHeight = $state(0);

  readonly fitScale = $derived(this.imageWidth && this.width ? Math.min(this.width / this.imageWidth, this.height / this.imageHeight) : 1);
  readonly scale = $derived(this.zoom === 'fit' ? this.fitScale : this.zoom);

  reset(imageWidth: number, imageHeight: number): void {
    this.imageWidth = imageWidth;
    this.imageHeight = imageHeight;
    this.zoom = 'fit';
    this.centerX = imageWidth / 2;
    this.centerY = imageHeight / 2;
    this.component = 1;
  }

  fit(): void {
    this.zoom = 'fit';
    this.centerX = this.imageWidth / 2;
    this.centerY = this.imageHeight / 2;
  }

  /** Zooms to `scale`, keeping the image point under canvas point (x, y) (CSS px) in place. */
  zoomTo(scale: number, x = this.width / 2, y = this.height / 2): void {
    // Never smaller than fit (the whole image is then on screen) or 100 % for a small image, never beyond 32×.
    const next = Math.min(MAX_SCALE, Math.max(Math.min(this.fitScale, 1), scale));
    const old = this.scale;
    const imageX = this.centerX + (x - this.width / 2) / old;
    const imageY = this.centerY + (y - this.height / 2) / old;
    this.zoom = Math.abs(next - this.fitScale) < 1e-9 ? 'fit' : next;
    this.centerX = imageX - (x - this.width / 2) / next;
    this.centerY = imageY - (y - this.height / 2) / next;
    this.#clampCenter();
  }

  zoomIn(x?: number, y?: number): void {
    const next = ZOOM_STEPS.find((step) => step > this.scale * 1.001) ?? MAX_SCALE;
    this.zoomTo(next, x, y);
  }

  zoomOut(x?: number, y?: number): void {
    const next = [...ZOOM_STEPS].reverse().find((step) => step < this.scale / 1.001) ?? ZOOM_STEPS[0];
    if (next <= this.fitScale) this.fit();
    else this.zoomTo(next, x, y);
  }

  /** Moves the view by (dx, dy) CSS pixels. */
  pan(dx: number, dy: number): void {
    if (this.zoom === 'fit') return;
    this.centerX -= dx / this.scale;
    this.centerY -= dy / this.scale;
    this.#clampCenter();
  }

  #clampCenter(): void {
    const halfW = this.width / 2 / this.scale;
    const halfH = this.height / 2 / this.scale;
    const clamp = (c: number, half: number, size: number) => (half * 2 >= size ? size / 2 : Math.min(size - half, Math.max(half, c)));
    this.centerX = clamp(this.centerX, halfW, this.imageWidth);
    this.centerY = clamp(this.centerY, halfH, this.imageHeight);
  }
}
