/**
 * One samples manifest (assets/samples/samples.json) for the welcome screen, the About box,
 * ATTRIBUTION.md and the installers: the files it names exist with their licence excerpts,
 * nothing else sits beside them, ATTRIBUTION.md reads as the manifest says, the About box
 * credits every shipped photo, and electron-builder.yml leaves out exactly the photos whose
 * licences keep them out of installers (and their welcome-screen thumbnails).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import manifest from '../../assets/samples/samples.json';
import { ABOUT_TEXT } from '../../electron/main/about.js';
import { attributionMarkdown } from '../helpers/attribution.js';
import { samplesDir } from '../helpers/samples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the samples manifest', () => {
  it('names every photo in assets/samples (and only those), each with its licence excerpt', () => {
    const photos = readdirSync(samplesDir).filter((name) => /\.(png|jpe?g|webp|avif)$/i.test(name));
    expect(manifest.samples.map((sample) => sample.file).sort()).toEqual(photos.sort());
    const excerpts = new Set(readdirSync(samplesDir + 'licenses'));
    for (const sample of manifest.samples) {
      expect(sample.licenceFile.startsWith('licenses/'), sample.file).toBe(true);
      expect(excerpts.has(sample.licenceFile.slice('licenses/'.length)), sample.licenceFile).toBe(true);
      expect(readFileSync(samplesDir + sample.licenceFile, 'utf8'), `${sample.licenceFile} names ${sample.file}'s licence`).toMatch(
        sample.licence === 'Public domain'
          ? /public domain/i
          : new RegExp(
              sample.licence.replace(/ /g, '-').replace('BSD-3-Clause', 'BSD-3-clause').replace('LGPL-3', 'LGPLv3').replace(/\./g, '\\.'),
            ),
      );
    }
    // Every excerpt is used, and short: excerpts, not whole copyright files.
    for (const excerpt of excerpts) {
      expect(
        manifest.samples.some((sample) => sample.licenceFile === `licenses/${excerpt}`),
        excerpt,
      ).toBe(true);
      expect(readFileSync(`${samplesDir}licenses/${excerpt}`, 'utf8').split('\n').length, excerpt).toBeLessThan(80);
    }
  });

  it('ATTRIBUTION.md is the table the manifest gives', () => {
    const expected = attributionMarkdown();
    const actual = readFileSync(samplesDir + 'ATTRIBUTION.md', 'utf8');
    expect(actual, `assets/samples/ATTRIBUTION.md must read:\n${expected}`).toBe(expected);
  });

  it('the About box credits every photo the installers carry', () => {
    for (const sample of manifest.samples.filter((s) => s.ships)) {
      expect(ABOUT_TEXT).toContain(`${sample.title} — ${sample.credit}, ${sample.licence}`);
    }
    for (const sample of manifest.samples.filter((s) => !s.ships)) expect(ABOUT_TEXT).not.toContain(sample.title);
  });

  it("electron-builder.yml's file filters leave out exactly the photos that do not ship", async () => {
    const { getConfig } = await import('app-builder-lib/out/util/config/config.js');
    const config = await getConfig(root, null, null);
    // getConfig normalizes `files` to [{filter: [...]}].
    const filters = (config.files as (string | { filter?: string[] })[]).flatMap((entry) =>
      typeof entry === 'string' ? [entry] : (entry.filter ?? []),
    );
    const patterns = filters.filter((pattern) => pattern.includes('samples'));
    const excluded = patterns
      .filter((pattern) => pattern.startsWith('!dist/renderer/samples/'))
      .map((pattern) => pattern.slice('!dist/renderer/samples/'.length));
    // Each photo and its welcome-screen thumbnail (renderer/vite.config.ts).
    expect(excluded.sort()).toEqual(
      manifest.samples
        .filter((s) => !s.ships)
        .flatMap((s) => [s.file, `thumbnails/${s.file}.webp`])
        .sort(),
    );
    // Nothing else about samples (no wildcard that would drop a shipped photo).
    expect(patterns).toHaveLength(excluded.length);
  });
});
