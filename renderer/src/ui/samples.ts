/**
 * The sample photographs on the welcome screen (assets/samples/, served as ./samples/…),
 * with the attribution their licences ask for (assets/samples/ATTRIBUTION.md has the details).
 */
export interface Sample {
  file: string;
  title: string;
  detail: string;
  credit: string;
  licence: string;
  /** Shipped in the desktop installers (licence without conditions the app cannot meet); the others are test fixtures there. */
  ships: boolean;
}

export const SAMPLES: readonly Sample[] = [
  { file: 'mountain_sunset_4272x2848_12mp.jpg', title: 'Mountain sunset', detail: '12 MP photo', credit: 'Aitzol Berasategi', licence: 'CC BY 4.0', ships: true },
  { file: 'paintbrushes_1365x1074.jpg', title: 'Paintbrushes', detail: '1.5 MP, fine detail', credit: 'Trevor "Freespace"', licence: 'CC BY 4.0', ships: true },
  { file: 'dogs_exif_orientation6_3088x2048.jpg', title: 'Dogs', detail: '6 MP, EXIF-rotated', credit: 'Aitzol Berasategi', licence: 'CC BY 4.0', ships: true },
  { file: 'astronaut_512x512_rgb.png', title: 'Astronaut', detail: '512 × 512 PNG', credit: 'NASA', licence: 'Public domain', ships: true },
  { file: 'architecture_gray_2560x1600.jpg', title: 'Architecture', detail: '4 MP greyscale', credit: 'Sigi Sagi (KDE)', licence: 'LGPL-3', ships: false },
  { file: 'tulips_alpha_500x500_rgba.png', title: 'Tulips', detail: 'PNG with alpha', credit: 'wesaturate / riaphotographs', licence: 'CC0', ships: true },
  { file: 'room_16bit_676x449.png', title: 'Room', detail: '16-bit PNG', credit: 'JPEG XL Project Authors', licence: 'BSD-3-Clause', ships: false },
];

export function sampleUrl(sample: Sample): string {
  return new URL(`samples/${sample.file}`, document.baseURI).href;
}
