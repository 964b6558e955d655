/**
 * The photo as an m × n × 3 tensor: every pixel a point in RGB space. The 3 × 3 covariance of
 * those points (population covariance, over every pixel), its eigenvectors — the photo's own
 * colour axes, the first usually close to brightness — and how much variance each carries, beside
 * the fixed axes of YCbCr (BT.601, as the codec's YCbCr planes use it).
 */
import { colorChannelCount, type PixelImage } from '../image/channels.js';
import { LUMA_WEIGHTS, chromaOf } from '../image/color.js';
import { symmetricEigen } from '../linalg/symmetric-eigen.js';

export interface ColorAxis {
  name: string;
  /** Unit direction in RGB. */
  direction: [number, number, number];
  /** Variance of the pixels along it: dᵀ Σ d. */
  variance: number;
  /** variance / trace(Σ). */
  share: number;
}

export interface ColorCovariance {
  mean: [number, number, number];
  /** 3 × 3, row-major (R, G, B). */
  covariance: Float64Array;
  /** The principal colour axes, by descending variance (their variances are Σ's eigenvalues). */
  principal: ColorAxis[];
  /** Y, Cb and Cr as directions in RGB, with the variance along each. */
  ycbcr: ColorAxis[];
  /** Angle (radians) between each principal axis and the YCbCr axis closest to it. */
  anglesToYCbCr: number[];
}

/** `image` must have three colour channels (RGB or RGBA; alpha is not a colour). */
export async function colorCovariance(image: PixelImage): Promise<ColorCovariance> {
  if (colorChannelCount(image.channels) !== 3) throw new RangeError('A gray photo has one colour channel: there is no colour covariance');
  const { pixels, channels } = image;
  const count = image.width * image.height;
  const sums = [0, 0, 0];
  const products = new Float64Array(9);
  for (let p = 0; p < count; p++) {
    const r = pixels[p * channels];
    const g = pixels[p * channels + 1];
    const b = pixels[p * channels + 2];
    sums[0] += r;
    sums[1] += g;
    sums[2] += b;
    products[0] += r * r;
    products[1] += r * g;
    products[2] += r * b;
    products[4] += g * g;
    products[5] += g * b;
    products[8] += b * b;
  }
  const mean = sums.map((sum) => sum / count) as [number, number, number];
  const covariance = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      const value = products[i * 3 + j] / count - mean[i] * mean[j];
      covariance[i * 3 + j] = value;
      covariance[j * 3 + i] = value;
    }
  }
  const trace = covariance[0] + covariance[4] + covariance[8];
  const axis = (name: string, d: number[]): ColorAxis => {
    const norm = Math.hypot(d[0], d[1], d[2]);
    const direction = [d[0] / norm, d[1] / norm, d[2] / norm] as [number, number, number];
    let variance = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) variance += direction[i] * covariance[i * 3 + j] * direction[j];
    return { name, direction, variance, share: trace > 0 ? variance / trace : 0 };
  };
  const eigen = await symmetricEigen(covariance, 3);
  const principal = [0, 1, 2].map((i) => {
    const v = Array.from(eigen.vectors.subarray(i * 3, i * 3 + 3));
    // Sign: the largest-magnitude component positive (an eigenvector is defined up to sign).
    const largest = v.reduce((best, value) => (Math.abs(value) > Math.abs(best) ? value : best), 0);
    return axis(`PC${i + 1}`, largest < 0 ? v.map((x) => -x) : v);
  });
  const [cbR, crR] = chromaOf(1, 0, 0);
  const [cbG, crG] = chromaOf(0, 1, 0);
  const [cbB, crB] = chromaOf(0, 0, 1);
  const ycbcr = [axis('Y', [...LUMA_WEIGHTS]), axis('Cb', [cbR, cbG, cbB]), axis('Cr', [crR, crG, crB])];
  const anglesToYCbCr = principal.map((p) =>
    Math.min(
      ...ycbcr.map((y) =>
        Math.acos(
          Math.min(1, Math.abs(p.direction[0] * y.direction[0] + p.direction[1] * y.direction[1] + p.direction[2] * y.direction[2])),
        ),
      ),
    ),
  );
  return { mean, covariance, principal, ycbcr, anglesToYCbCr };
}
