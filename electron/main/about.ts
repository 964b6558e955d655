/** The About box's text: the licence and the attributions the bundled samples require. */
export const ABOUT_TEXT = [
  'A desktop image-compression studio built on the singular value decomposition. MIT licence.',
  '',
  'Sample photographs:',
  '• Mountain sunset and Dogs — Aitzol Berasategi, 2018, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); Dogs rotated losslessly.',
  '• Paintbrushes — Trevor "Freespace", 2018, CC BY 4.0.',
  '• Astronaut (Eileen Collins) — NASA, public domain.',
  '• Tulips — wesaturate / riaphotographs, CC0.',
  '',
  'Image codecs: sharp (libvips, Apache-2.0) in the app; Squoosh’s codecs (Apache-2.0) in the renderer.',
].join('\n');
