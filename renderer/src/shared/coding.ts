/**
 * How the window decomposes the open image: a model (the whole image, or its 8 × 8 patches) and
 * a colour space (R, G, B planes, or Y and half-resolution Cb, Cr) — core's `.svd` v2 layouts. The
 * window opens on the whole-image model in RGB (what the rank slider teaches); each coding keeps
 * its own decomposition, so switching back and forth re-uses what is computed.
 */
import {
  DEFAULT_PATCH_SIZE,
  colorChannelCount,
  imageLayout,
  type ImageLayout,
  type PixelImage,
  type PlaneColorSpace,
  type PlaneKind,
  type SvdModel,
} from '../../../core/index.js';

export interface Coding {
  model: SvdModel;
  colorSpace: PlaneColorSpace;
}

export const WHOLE_RGB: Coding = { model: 'whole', colorSpace: 'rgb' };
/** The coding the size panel compares with: the smallest files at equal PSNR. */
export const PATCH_YCBCR: Coding = { model: 'patch', colorSpace: 'ycbcr' };
export const CODINGS: readonly Coding[] = [
  { model: 'whole', colorSpace: 'rgb' },
  { model: 'whole', colorSpace: 'ycbcr' },
  { model: 'patch', colorSpace: 'rgb' },
  { model: 'patch', colorSpace: 'ycbcr' },
];

/** A document opened from a .svd file: its bytes, version and coding (lower ranks are cut from the bytes). */
export interface StoredFile {
  bytes: Uint8Array;
  version: 1 | 2;
  coding: Coding;
}

type Shape = Pick<PixelImage, 'width' | 'height' | 'channels' | 'bitDepth'>;

/** The coding as it applies to an image: a gray image has one plane, whatever the colour switch says. */
export function codingFor(image: Pick<PixelImage, 'channels'>, coding: Coding): Coding {
  return colorChannelCount(image.channels) === 1 ? { model: coding.model, colorSpace: 'rgb' } : coding;
}

/** 'whole-rgb', 'patch-ycbcr', …: the key of a coding's decomposition. */
export function codingKey(coding: Coding): string {
  return `${coding.model}-${coding.colorSpace}`;
}

export function parseCodingKey(key: string): Coding {
  const [model, colorSpace] = key.split('-');
  if ((model !== 'whole' && model !== 'patch') || (colorSpace !== 'rgb' && colorSpace !== 'ycbcr'))
    throw new RangeError(`Unknown coding "${key}"`);
  return { model, colorSpace };
}

export function sameCoding(a: Coding, b: Coding): boolean {
  return a.model === b.model && a.colorSpace === b.colorSpace;
}

/** The planes of `image` under a coding (alpha, when present, is kept losslessly, outside the planes). */
export function codingLayout(image: Shape, coding: Coding): ImageLayout {
  return imageLayout(image, { model: coding.model, colorSpace: coding.colorSpace, patchSize: DEFAULT_PATCH_SIZE, alpha: 'lossless' });
}

const PLANE_NAMES: Record<PlaneKind, string> = {
  gray: 'gray',
  r: 'red',
  g: 'green',
  b: 'blue',
  y: 'Y',
  cb: 'Cb',
  cr: 'Cr',
  alpha: 'alpha',
};
const PLANE_LABELS: Record<PlaneKind, string> = { gray: 'Gray', r: 'R', g: 'G', b: 'B', y: 'Y', cb: 'Cb', cr: 'Cr', alpha: 'A' };

/** Names of the planes (CSV columns, per-plane rank labels): red/green/blue, Y/Cb/Cr or gray. */
export function planeNames(layout: ImageLayout): string[] {
  return layout.planes.map((plane) => PLANE_NAMES[plane.kind]);
}

/** Short labels (R, G, B, Y, Cb, Cr, Gray). */
export function planeLabels(layout: ImageLayout): string[] {
  return layout.planes.map((plane) => PLANE_LABELS[plane.kind]);
}

export function codingLabel(coding: Coding): string {
  return `${coding.model === 'whole' ? 'Whole image' : `Patches ${DEFAULT_PATCH_SIZE}×${DEFAULT_PATCH_SIZE}`}, ${coding.colorSpace === 'rgb' ? 'RGB' : 'YCbCr'}`;
}
