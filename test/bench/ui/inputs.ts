/** The two inputs: the 12 MP sample photo and a 1 MP centre crop of it (made with sharp into a temporary folder). */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { PHOTO_FILE, SAMPLES_DIR } from '../lib/config.js';

const CROP = { width: 1224, height: 816 };

export interface Input {
  /** "12 MP" or "1 MP". */
  label: string;
  path: string;
  description: string;
}

export async function makeInputs(tempDir: string): Promise<Input[]> {
  const photo = `${SAMPLES_DIR}${PHOTO_FILE}`;
  const meta = await sharp(photo).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const left = Math.floor((width - CROP.width) / 2);
  const top = Math.floor((height - CROP.height) / 2);
  const cropPath = join(tempDir, `mountain_sunset_centre_${CROP.width}x${CROP.height}_1mp.png`);
  await sharp(photo).extract({ left, top, width: CROP.width, height: CROP.height }).png().toFile(cropPath);
  const fileSize = (path: string) => `${(statSync(path).size / 2 ** 20).toFixed(2)} MB`;
  return [
    {
      label: '1 MP',
      path: cropPath,
      description: `centre crop ${CROP.width} × ${CROP.height} (${((CROP.width * CROP.height) / 1e6).toFixed(2)} MP, from x ${left}, y ${top}) of the 12 MP photo, lossless PNG made with sharp, ${fileSize(cropPath)}`,
    },
    { label: '12 MP', path: photo, description: `assets/samples/${PHOTO_FILE}, ${width} × ${height} JPEG, ${fileSize(photo)}` },
  ];
}
