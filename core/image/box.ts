/**
 * Box (area-weighted) filtering's shared arithmetic: which source lines each target line covers
 * and with what weights, and the checks on a region and a target size. The reconstruction of
 * factors (reconstruct.ts) and the resampling of pixels (resample.ts) filter with exactly these
 * spans, so the two sides of the preview are filtered alike.
 */
import type { Region } from './reconstruct.js';

/** For each of `count` target lines over `span` source lines from `start`: the first source line and the weights. */
export interface Spans {
  first: Int32Array;
  length: Int32Array;
  /** weights[t][j]: the share of source line first[t] + j in target line t (they sum to 1). */
  weights: Float64Array[];
}

export function boxSpans(start: number, span: number, count: number): Spans {
  const step = span / count;
  const first = new Int32Array(count);
  const length = new Int32Array(count);
  const weights: Float64Array[] = [];
  for (let t = 0; t < count; t++) {
    const from = t * step;
    const to = (t + 1) * step;
    const lo = Math.floor(from);
    const hi = Math.min(span, Math.ceil(to));
    const w = new Float64Array(hi - lo);
    for (let line = lo; line < hi; line++) w[line - lo] = (Math.min(to, line + 1) - Math.max(from, line)) / step;
    first[t] = start + lo;
    length[t] = hi - lo;
    weights.push(w);
  }
  return { first, length, weights };
}

/** Throws a RangeError unless `region` lies inside width × height and the target is 1…region's size. */
export function checkView(region: Region, targetWidth: number, targetHeight: number, width: number, height: number, noun: string): void {
  const { x, y, width: w, height: h } = region;
  if (![x, y, w, h].every(Number.isInteger) || x < 0 || y < 0 || w < 1 || h < 1 || x + w > width || y + h > height) {
    throw new RangeError(`The region ${w} × ${h} at (${x}, ${y}) is not inside the ${width} × ${height} ${noun}`);
  }
  if (
    !Number.isInteger(targetWidth) ||
    !Number.isInteger(targetHeight) ||
    targetWidth < 1 ||
    targetHeight < 1 ||
    targetWidth > w ||
    targetHeight > h
  ) {
    throw new RangeError(`The target size ${targetWidth} × ${targetHeight} must be 1…${w} × 1…${h}`);
  }
}
