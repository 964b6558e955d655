/**
 * The photos the benchmark decomposes: the 12 MP sample decoded with sharp, split into R, G and
 * B float32 matrices (row-major, one value per pixel), and the 1 MP crop the fixture describes.
 * Each is checked against the fixture's SHA-256 before use, so the LAPACK singular values in
 * test/fixtures/engine-reference.json belong to the matrix that is timed.
 *
 * This is the bench's own decoding rather than test/helpers/samples.ts, whose paths are
 * relative to its own file and so wrong once bundled (config.ts finds the root instead).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { splitChannels, type Matrix } from '../../../core/index.js';
import { sharedFloat32Array } from '../../../electron/cli/svd-pool.js';
import type { ReferenceCase } from '../../helpers/samples.js';
import { PHOTO_FILE, QUICK, RANKS, REFERENCE_FIXTURE, SAMPLES_DIR } from './config.js';

export interface Photo {
  label: string;
  /** R, G, B. */
  channels: Matrix[];
  /** The channel with LAPACK singular values in the fixture (accuracy is measured on it). */
  checkChannel: number;
  reference: ReferenceCase;
  repeats: number;
  /** Single-channel plain-kernel runs: which ranks, how many times. */
  plain: { ranks: readonly number[]; repeats: number };
}

interface Fixture {
  cases: ReferenceCase[];
}

function readReference(name: string): ReferenceCase {
  const fixture = JSON.parse(readFileSync(REFERENCE_FIXTURE, 'utf8')) as Fixture;
  const found = fixture.cases.find((c) => c.name === name);
  if (!found) throw new Error(`The fixture has no case ${name}`);
  return found;
}

function cropMatrix(m: Matrix, crop: NonNullable<ReferenceCase['crop']>): Matrix {
  const { top, left, height, width } = crop;
  const data = new Float32Array(height * width);
  for (let r = 0; r < height; r++) data.set(m.data.subarray((top + r) * m.cols + left, (top + r) * m.cols + left + width), r * width);
  return { rows: height, cols: width, data };
}

/** Fails loudly if the channel is not the matrix the fixture's singular values belong to. */
function verifyChannel(m: Matrix, reference: ReferenceCase): void {
  const bytes = Uint8Array.from(m.data);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (m.rows !== reference.rows || m.cols !== reference.cols || sha !== reference.sha256) {
    throw new Error(`${reference.name}: decoded pixels differ from the fixture (SHA-256 ${sha})`);
  }
}

/** The 12 MP photo's R, G and B channels, decoded with sharp. */
export async function decodePhoto(): Promise<Matrix[]> {
  const { data, info } = await sharp(`${SAMPLES_DIR}${PHOTO_FILE}`).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${PHOTO_FILE}: expected RGB, got ${info.channels} channels`);
  // Planes on SharedArrayBuffers, as the command line makes them: the pool then copies nothing.
  return splitChannels(
    { width: info.width, height: info.height, channels: 3, bitDepth: 8, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) },
    sharedFloat32Array,
  );
}

/** The 1 MP crop, then (unless --quick) the whole 12 MP photo. */
export async function loadPhotos(): Promise<Photo[]> {
  const full = await decodePhoto();

  const cropReference = readReference('mountain-crop-red');
  const crop: Photo = {
    label: `1 MP crop (${cropReference.rows}×${cropReference.cols})`,
    channels: full.map((channel) => cropMatrix(channel, cropReference.crop!)),
    checkChannel: cropReference.channel,
    reference: cropReference,
    repeats: QUICK ? 2 : 5,
    plain: { ranks: RANKS, repeats: QUICK ? 1 : 5 },
  };
  verifyChannel(crop.channels[crop.checkChannel], cropReference);
  if (QUICK) return [crop];

  const fullReference = readReference('mountain-green');
  const photo: Photo = {
    label: `12 MP (${full[0].rows}×${full[0].cols})`,
    channels: full,
    checkChannel: fullReference.channel,
    reference: fullReference,
    repeats: 3,
    plain: { ranks: [32], repeats: 1 },
  };
  verifyChannel(photo.channels[photo.checkChannel], fullReference);
  return [crop, photo];
}
