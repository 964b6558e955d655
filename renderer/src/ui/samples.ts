/**
 * The sample photographs on the welcome screen, from the one samples manifest
 * (assets/samples/samples.json, with the attribution their licences ask for). The renderer build
 * copies exactly these files to ./samples/, with a thumbnail of each (renderer/vite.config.ts).
 */
import manifest from '../../../assets/samples/samples.json';

export interface Sample {
  file: string;
  title: string;
  detail: string;
  credit: string;
  licence: string;
  /** Shipped in the desktop installers (a licence whose conditions the app meets); the others are test fixtures there. */
  ships: boolean;
}

export const SAMPLES: readonly Sample[] = manifest.samples;

/** The sample's card picture: a small WebP the renderer build makes from it (renderer/vite.config.ts). */
export function sampleThumbnailUrl(sample: Sample): string {
  return new URL(`samples/thumbnails/${sample.file}.webp`, document.baseURI).href;
}

export function sampleUrl(sample: Sample): string {
  return new URL(`samples/${sample.file}`, document.baseURI).href;
}
