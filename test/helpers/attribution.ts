/** ATTRIBUTION.md as the samples manifest says it must read (test/electron/samples.test.ts compares the two). */
import manifest from '../../assets/samples/samples.json';

export function attributionMarkdown(): string {
  const rows = manifest.samples.map(
    (sample) =>
      `| ${sample.file} | ${sample.licence} | ${sample.credit} | ${sample.source} | [${sample.licenceFile.replace(/^licenses\//, '')}](${sample.licenceFile}) | ${sample.ships ? 'yes' : 'no'} | ${sample.notes} |`,
  );
  return [
    '# Sample photographs',
    '',
    "Copied from the Debian packages named below; `licenses/` has the excerpt of each package's",
    'copyright file that covers the photograph. The manifest is `samples.json` (the welcome screen,',
    "the desktop app's About box and the installers read it); this table is written from it.",
    '"Ships": the desktop installers carry the photo (public domain, CC0, or CC BY with the',
    'attribution shown in About); the others are test fixtures and benchmark inputs only.',
    '',
    '| File | Licence | Attribution | Source | Licence text | Ships | Notes |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
