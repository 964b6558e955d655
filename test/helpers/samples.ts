import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Matrix } from '../../core/index.js';

export const samplesDir = fileURLToPath(new URL('../../assets/samples/', import.meta.url));

export interface ReferenceCase {
  name: string;
  file: string;
  channel: number;
  crop: { top: number; left: number; height: number; width: number } | null;
  rows: number;
  cols: number;
  sha256: string;
  frobeniusNormSquared: number;
  sigma: number[];
}

export function referenceCases(): ReferenceCase[] {
  const path = fileURLToPath(new URL('../fixtures/engine-reference.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')).cases;
}

export function referenceCase(name: string): ReferenceCase {
  const found = referenceCases().find((c) => c.name === name);
  if (!found) throw new Error(`No reference case ${name}`);
  return found;
}

/** The reference case's channel as a float32 matrix, decoded with sharp, checked against the fixture's SHA-256. */
export async function loadReferenceMatrix(reference: ReferenceCase): Promise<Matrix> {
  const { data, info } = await sharp(samplesDir + reference.file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { top, left, height, width } = reference.crop ?? { top: 0, left: 0, height: info.height, width: info.width };
  const bytes = new Uint8Array(height * width);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) bytes[r * width + c] = data[((top + r) * info.width + left + c) * info.channels + reference.channel];
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== reference.sha256) {
    throw new Error(`${reference.name}: sharp decoded different pixels than the fixture generator (SHA-256 ${sha})`);
  }
  return { rows: height, cols: width, data: Float32Array.from(bytes) };
}

/** Deterministic pseudo-random matrix with entries in [-1, 1). */
export function randomMatrix(rows: number, cols: number, seed = 7): Matrix {
  let state = seed >>> 0;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 31 - 1;
  }
  return { rows, cols, data };
}
