/** The About box's text: the licence and the attributions of the samples the installers carry (assets/samples/samples.json). */
import manifest from '../../assets/samples/samples.json';

const shipped = manifest.samples.filter((sample) => sample.ships);

export const ABOUT_TEXT = [
  'A desktop image-compression studio built on the singular value decomposition. MIT licence.',
  '',
  'Sample photographs:',
  ...shipped.map(
    (sample) => `• ${sample.title} — ${sample.credit}, ${sample.licence}${sample.licenceUrl ? ` (${sample.licenceUrl})` : ''}.`,
  ),
  '',
  'Image codecs: sharp (libvips, Apache-2.0) in the app; Squoosh’s codecs (Apache-2.0) in the renderer.',
].join('\n');
