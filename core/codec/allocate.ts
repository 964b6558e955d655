/**
 * Rate allocation for `.svd` v2: which components of which planes a file keeps, at one global
 * quantization step Δ.
 *
 * Each plane's step is Δ_p = Δ/√w_p (w_p: the plane's weight in the output's squared error), so
 * quantization costs every plane the same output error per value. A plane keeps its components in
 * σ order while the output error a component removes, net of its quantization error (w_p·kept),
 * is worth its bits at the exchange rate λ = κ·Δ² — the slope of a uniform quantizer's
 * rate–distortion curve at step Δ (D = Δ²/12 per value, −6 dB per bit: κ = ln 2 / 6). One λ for
 * the whole image, so luma gets the bits and chroma the few it needs. The bits are the range
 * coder's ideal code length with the plane's own adaptive contexts (exact but for each segment's
 * termination), so the allocation counts what the file will hold.
 */
import type { TruncatedSvd } from '../types.js';
import { quantizeComponent, type QuantizedComponent } from './components.js';
import { vectorShapes } from './decode-v2.js';
import { FactorModels, nextActivity, codeVector } from './factor-coding.js';
import { V2_SEGMENT_ENTRY_BYTES } from './format-v2.js';
import type { ImageLayout } from './planes.js';
import { CostCounter } from './range-coder.js';

export const RATE_DISTORTION_SLOPE = Math.LN2 / 6;
/** Bits a segment costs besides its coded values: its index entry and its termination (about a byte). */
export const SEGMENT_OVERHEAD_BITS = 8 * V2_SEGMENT_ENTRY_BYTES + 8;

export interface PlaneAllocation {
  step: number;
  components: QuantizedComponent[];
  /** Coded bits of each kept component, overhead included. */
  bits: number[];
  /** The plane's squared error at its kept rank (truncation and quantization), in its own units. */
  error: number;
}

export interface Allocation {
  step: number;
  planes: PlaneAllocation[];
  /** Σ_p w_p·error_p: the predicted squared error summed over the output's colour channels, before rounding. */
  weightedError: number;
  bits: number;
}

/**
 * What each plane keeps at global step `step`. With `ranks` each plane keeps exactly its rank
 * (clamped to what its decomposition has) at its step, and `steps` gives those steps.
 */
export function allocate(
  layout: ImageLayout,
  svds: readonly TruncatedSvd[],
  step: number,
  fixed?: { ranks: readonly number[]; steps: readonly number[] },
): Allocation {
  const lambda = RATE_DISTORTION_SLOPE * step * step;
  let weightedError = 0;
  let bits = 0;
  const planes = layout.planes.map((plane, p): PlaneAllocation => {
    const svd = svds[p];
    const planeStep = fixed ? fixed.steps[p] : step / Math.sqrt(plane.weight);
    const limit = fixed ? Math.min(svd.rank, Math.max(0, Math.floor(fixed.ranks[p]))) : svd.rank;
    const shapes = vectorShapes(layout, plane);
    const uModels = new FactorModels();
    const vModels = new FactorModels();
    const cost = new CostCounter();
    const components: QuantizedComponent[] = [];
    const componentBits: number[] = [];
    let previousU: Int32Array | null = null;
    let previousV: Int32Array | null = null;
    let kept = 0;
    for (let j = 0; j < limit; j++) {
      const component = quantizeComponent(svd, p, j, planeStep);
      const before = cost.bits;
      codeVector(cost, uModels, component.u, shapes.u, previousU);
      codeVector(cost, vModels, component.v, shapes.v, previousV);
      const componentCost = cost.bits - before + SEGMENT_OVERHEAD_BITS;
      if (!fixed && plane.weight * component.kept < lambda * componentCost) break;
      components.push(component);
      componentBits.push(componentCost);
      previousU = nextActivity(previousU, component.u);
      previousV = nextActivity(previousV, component.v);
      kept += component.kept;
    }
    const error = Math.max(0, svd.frobeniusNormSquared - kept);
    weightedError += plane.weight * error;
    bits += componentBits.reduce((sum, b) => sum + b, 0);
    return { step: planeStep, components, bits: componentBits, error };
  });
  return { step, planes, weightedError, bits };
}

/**
 * The order components are stored in: across planes by decreasing worth per bit (w_p·kept/bits,
 * made non-increasing along each plane), each plane's own components in σ order — so any prefix
 * of the file is the best smaller file the allocation knows.
 */
export function storageOrder(layout: ImageLayout, allocation: Allocation): QuantizedComponent[] {
  const queues = allocation.planes.map((plane, p) => {
    let running = Infinity;
    return plane.components.map((component, j) => {
      running = Math.min(running, (layout.planes[p].weight * component.kept) / plane.bits[j]);
      return { component, worth: running };
    });
  });
  const order: QuantizedComponent[] = [];
  const next = queues.map(() => 0);
  for (;;) {
    let best = -1;
    for (let p = 0; p < queues.length; p++) {
      if (next[p] < queues[p].length && (best < 0 || queues[p][next[p]].worth > queues[best][next[best]].worth)) best = p;
    }
    if (best < 0) return order;
    order.push(queues[best][next[best]++].component);
  }
}
