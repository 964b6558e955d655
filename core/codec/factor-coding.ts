/**
 * Coding one quantized factor vector of `.svd` v2 (a column of U or of V, as integers) with the
 * range coder: a predictor turns the values into residuals, and each residual is coded as a zero
 * flag, a sign, an Exp-Golomb class (unary) and a mantissa whose top bit is modelled and whose
 * other bits are sent as they are. The zero flag and class bits take their context from the
 * residuals already coded around the value and from the same position of the plane's previous
 * component (a busy block stays busy from one component to the next).
 *
 * A vector is 1-D (whole-image factors, length h or w) or 2-D (the patch model: a column of U is
 * a coefficient image, blocks down × blocks across; a column of V a p × p patch), which decides
 * the neighbours and the predictors:
 *   0 raw: the value itself;
 *   1 previous: the value minus its left neighbour (along the vector for 1-D);
 *   2 MED (2-D only): the value minus the median-edge predictor of LOCO-I/JPEG-LS from its left,
 *     upper and upper-left neighbours.
 * The encoder picks the predictor whose residuals are cheapest (Σ log₂(1 + |r|), a close proxy)
 * and sends its number in two direct bits.
 */
import { SvdFormatError } from './format.js';
import { BitModels, type BitSink, type RangeDecoder } from './range-coder.js';

export type Predictor = 0 | 1 | 2;

/** A vector's shape: `columns` values per row for a 2-D map, 0 for a 1-D vector. */
export interface VectorShape {
  length: number;
  columns: number;
}

/** Residual magnitudes fit 2^MAX_CLASS … 2^(MAX_CLASS+1) − 1 at most. */
export const MAX_CLASS = 30;
const NEIGHBOUR_BUCKETS = 8;
const PREVIOUS_BUCKETS = 5;
const CONTEXTS = NEIGHBOUR_BUCKETS * PREVIOUS_BUCKETS;

/** The adaptive contexts of one kind of vector of one plane (the U columns, or the V columns). */
export class FactorModels {
  readonly zero = new BitModels(CONTEXTS);
  readonly sign = new BitModels(3);
  readonly magnitudeClass = new BitModels(CONTEXTS * (MAX_CLASS + 1));
  readonly mantissa = new BitModels(MAX_CLASS + 1);
}

function neighbourBucket(sum: number): number {
  if (sum <= 2) return sum;
  if (sum <= 4) return 3;
  if (sum <= 8) return 4;
  if (sum <= 16) return 5;
  if (sum <= 64) return 6;
  return 7;
}

function previousBucket(activity: number): number {
  return activity === 0 ? 0 : activity <= 1 ? 1 : activity <= 3 ? 2 : activity <= 7 ? 3 : 4;
}

/**
 * The activity at each position after coding `values`: half the activity before plus |value|, so
 * it remembers the plane's last few components there (a textured block keeps its coefficients
 * busy from one component to the next). null before the first component.
 */
export function nextActivity(activity: Int32Array | null, values: Int32Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = (activity ? activity[i] >> 1 : 0) + Math.min(1 << 20, v < 0 ? -v : v);
  }
  return out;
}

function magnitudeClassOf(magnitude: number): number {
  return 31 - Math.clz32(magnitude);
}

/** The median-edge predictor: min/max of left and up at an edge, else left + up − up-left. */
function med(left: number, up: number, upLeft: number): number {
  const low = left < up ? left : up;
  const high = left < up ? up : left;
  if (upLeft >= high) return low;
  if (upLeft <= low) return high;
  return left + up - upLeft;
}

/** The residual of `values[i]` under a predictor (values before i are known to the decoder). */
function predicted(values: Int32Array, i: number, shape: VectorShape, predictor: Predictor): number {
  if (predictor === 0) return 0;
  const columns = shape.columns;
  if (columns === 0) return i > 0 ? values[i - 1] : 0;
  const x = i % columns;
  const left = x > 0 ? values[i - 1] : i >= columns ? values[i - columns] : 0;
  if (predictor === 1) return left;
  const up = i >= columns ? values[i - columns] : left;
  const upLeft = i >= columns && x > 0 ? values[i - columns - 1] : up;
  return med(left, up, upLeft);
}

/** The residuals of a vector under a predictor. */
export function residualsOf(values: Int32Array, shape: VectorShape, predictor: Predictor): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] - predicted(values, i, shape, predictor);
  return out;
}

/** The predictor with the cheapest residuals (Σ of 2 + 2·class over nonzero residuals, a proxy of their bits), and those residuals. */
export function choosePredictor(values: Int32Array, shape: VectorShape): { predictor: Predictor; residuals: Int32Array } {
  const candidates: Predictor[] = shape.columns === 0 ? [0, 1] : [0, 1, 2];
  let best: Predictor = 0;
  let bestCost = Infinity;
  for (const predictor of candidates) {
    // Long vectors are judged on every 5th value: enough to tell the predictors apart.
    const stride = values.length > 4096 ? 5 : 1;
    let cost = 0;
    for (let i = 0; i < values.length && cost < bestCost; i += stride) {
      const r = values[i] - predicted(values, i, shape, predictor);
      if (r !== 0) cost += 2 + 2 * magnitudeClassOf(r < 0 ? -r : r);
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = predictor;
    }
  }
  return { predictor: best, residuals: best === 0 ? values : residualsOf(values, shape, best) };
}

/** Context of residual i: its coded neighbours' magnitudes, and the previous component's value there. */
function contextAt(residuals: Int32Array, i: number, shape: VectorShape, previous: Int32Array | null): number {
  let sum: number;
  const columns = shape.columns;
  if (columns === 0) {
    const a = i > 0 ? residuals[i - 1] : 0;
    const b = i > 1 ? residuals[i - 2] : 0;
    sum = (a < 0 ? -a : a) + ((b < 0 ? -b : b) >> 1);
  } else {
    const x = i % columns;
    const left = x > 0 ? residuals[i - 1] : 0;
    const up = i >= columns ? residuals[i - columns] : 0;
    sum = (left < 0 ? -left : left) + (up < 0 ? -up : up);
  }
  const neighbours = neighbourBucket(sum);
  return neighbours * PREVIOUS_BUCKETS + (previous ? previousBucket(previous[i]) : 0);
}

function signContext(residuals: Int32Array, i: number, shape: VectorShape): number {
  const columns = shape.columns;
  const neighbour = columns === 0 || i % columns > 0 ? (i > 0 ? residuals[i - 1] : 0) : i >= columns ? residuals[i - columns] : 0;
  return neighbour === 0 ? 0 : neighbour > 0 ? 1 : 2;
}

/**
 * Codes a vector (with its predictor) into `sink`. `previous` is the plane's previous component's
 * vector of the same kind, or null for the first.
 */
export function codeVector(sink: BitSink, models: FactorModels, values: Int32Array, shape: VectorShape, previous: Int32Array | null): void {
  const { predictor, residuals } = choosePredictor(values, shape);
  sink.direct(predictor, 2);
  for (let i = 0; i < residuals.length; i++) {
    const r = residuals[i];
    const context = contextAt(residuals, i, shape, previous);
    if (r === 0) {
      sink.bit(models.zero, context, 0);
      continue;
    }
    sink.bit(models.zero, context, 1);
    sink.bit(models.sign, signContext(residuals, i, shape), r < 0 ? 1 : 0);
    const magnitude = r < 0 ? -r : r;
    const magnitudeClass = magnitudeClassOf(magnitude);
    if (magnitudeClass > MAX_CLASS) throw new RangeError(`A quantized value is too large to code (${r})`);
    const classBase = context * (MAX_CLASS + 1);
    for (let k = 0; k < magnitudeClass; k++) sink.bit(models.magnitudeClass, classBase + k, 1);
    if (magnitudeClass < MAX_CLASS) sink.bit(models.magnitudeClass, classBase + magnitudeClass, 0);
    if (magnitudeClass > 0) {
      const rest = magnitude - 2 ** magnitudeClass;
      const topBit = Math.floor(rest / 2 ** (magnitudeClass - 1));
      sink.bit(models.mantissa, magnitudeClass, topBit);
      const low = rest - topBit * 2 ** (magnitudeClass - 1);
      directBits(sink, low, magnitudeClass - 1);
    }
  }
}

function directBits(sink: BitSink, value: number, count: number): void {
  // At most 24 bits per call.
  while (count > 24) {
    count -= 24;
    sink.direct(Math.floor(value / 2 ** count) & 0xffffff, 24);
    value %= 2 ** count;
  }
  if (count > 0) sink.direct(value, count);
}

function readDirectBits(decoder: RangeDecoder, count: number): number {
  let value = 0;
  while (count > 24) {
    value = value * 2 ** 24 + decoder.direct(24);
    count -= 24;
  }
  return count > 0 ? value * 2 ** count + decoder.direct(count) : value;
}

/** Decodes a vector coded by codeVector (same models, shape and previous vector). */
export function decodeVector(decoder: RangeDecoder, models: FactorModels, shape: VectorShape, previous: Int32Array | null): Int32Array {
  const predictor = decoder.direct(2);
  if (predictor > 2 || (predictor === 2 && shape.columns === 0))
    throw new SvdFormatError('payload', `A factor names predictor ${predictor}, which its shape does not allow`);
  const residuals = new Int32Array(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const context = contextAt(residuals, i, shape, previous);
    if (decoder.bit(models.zero, context) === 0) continue;
    const negative = decoder.bit(models.sign, signContext(residuals, i, shape)) === 1;
    const classBase = context * (MAX_CLASS + 1);
    let magnitudeClass = 0;
    while (magnitudeClass < MAX_CLASS && decoder.bit(models.magnitudeClass, classBase + magnitudeClass) === 1) magnitudeClass++;
    let magnitude = 1;
    if (magnitudeClass > 0) {
      const topBit = decoder.bit(models.mantissa, magnitudeClass);
      magnitude = 2 ** magnitudeClass + topBit * 2 ** (magnitudeClass - 1) + readDirectBits(decoder, magnitudeClass - 1);
    }
    // Residuals stay within Int32 (|values| < 2^30); a hostile stream's larger ones are clamped.
    residuals[i] = Math.max(-(2 ** 31 - 1), Math.min(2 ** 31 - 1, negative ? -magnitude : magnitude));
  }
  if (predictor === 0) return residuals;
  // Undo the prediction in coding order.
  const values = new Int32Array(shape.length);
  for (let i = 0; i < shape.length; i++) values[i] = residuals[i] + predicted(values, i, shape, predictor as Predictor);
  return values;
}
