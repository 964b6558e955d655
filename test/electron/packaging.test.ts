/**
 * The desktop app as electron-builder really packages it, without Electron's binary.
 *
 * Approach: electron-builder's programmatic `build` runs with this repository's
 * electron-builder.yml and four overrides that only concern where things come from or go:
 * `electronDist` names a stand-in Electron distribution written to a temp folder
 * (test/helpers/electron-stand-in.ts: an `electron` file carrying a real fuse wire, LICENSE,
 * version, locales/, resources/) instead of the zip electron-builder would download from
 * github.com; `electronVersion` is the installed `electron` package's version; `npmRebuild: false`
 * skips @electron/rebuild (which fetches Electron's headers; sharp ships prebuilt N-API binaries
 * and needs no rebuild); `directories.output` is the temp folder, never the repository.
 * Everything else is electron-builder's own code on the real dist/ (`npm run build` first):
 * collecting the production node_modules, the `files` filters, app.asar with `asarUnpack`,
 * the executable rename and the fuses flipped by @electron/fuses in the stand-in executable.
 *
 * The Linux installer targets go as far as they can without their tools: electron-builder's
 * `effectiveOptionComputed` hook (PackagerOptions, used by electron-builder's own tests) receives
 * what a target has computed just before it runs its external tool, and returning true stops it
 * there. The AppImage target hands over its .desktop entry before it would download appimagetool;
 * the deb target hands over fpm's arguments (with the .desktop file and the shared-mime-info XML
 * it installs) before it would download fpm. The deb target runs as its own build on the
 * unpacked app (`prepackaged`), so a deb failure does not hide the other checks.
 *
 * What cannot be checked here: that the app starts (the stand-in is not Electron) and the
 * installers' bytes (appimagetool and fpm are downloaded from github.com at build time).
 * Linux only: other hosts have other sharp binaries installed and other Electron layouts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AfterPackContext } from 'electron-builder';
import { extractFile, getRawHeader, type DirectoryRecord, type FileRecord } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import manifest from '../../assets/samples/samples.json';
import { ELECTRON_DEFAULT_FUSES, FUSE_DISABLED, FUSE_ENABLED, createElectronStandIn, fuseNameAt } from '../helpers/electron-stand-in.js';

// builder-util installs source-map-support when it loads (unless under Jest), which replaces
// Error.prepareStackTrace and leaves Vitest reporting failures at the wrong lines: load
// electron-builder (and electron-builder's config loader) here and put Vitest's handler back.
const vitestPrepareStackTrace = Error.prepareStackTrace;
const { LinuxPackager, Platform, archFromString, build } = await import('electron-builder');
const { getConfig } = await import('app-builder-lib/out/util/config/config.js');
Error.prepareStackTrace = vitestPrepareStackTrace;

const root = fileURLToPath(new URL('../../', import.meta.url));
const electronVersion = (JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const productName = 'SVD Studio';
const svdMimeType = 'application/x-svd-studio';
/** Samples whose licences keep them out of installers (assets/samples/samples.json: "ships": false). */
const licenceExcludedSamples = manifest.samples.filter((sample) => !sample.ships).map((sample) => sample.file);

/** Why this host cannot run the packaging test, or null when it can. */
function skipReason(): string | null {
  if (process.platform !== 'linux') return `packaging is tested on Linux only (this host is ${process.platform})`;
  if (!['x64', 'arm64'].includes(process.arch)) return `no Electron Linux layout for ${process.arch}`;
  return null;
}
const skip = skipReason();

/** What the AppImage and deb targets handed to effectiveOptionComputed before their tools. */
interface AppImageComputed {
  desktop: string;
  desktopFileName: string;
}
interface DebComputed {
  fpmArgs: string[];
  desktop: string;
  mimeXml: string | null;
}

/** A file of app.asar, by its path inside the archive (no leading slash). */
type AsarFiles = Map<string, FileRecord>;

/** Every file in an asar header (directories walked, symlinks left out). */
function asarFiles(directory: DirectoryRecord, prefix = '', out: AsarFiles = new Map()): AsarFiles {
  for (const [name, entry] of Object.entries(directory.files)) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    if ('files' in entry) asarFiles(entry as DirectoryRecord, path, out);
    else if (!('link' in entry)) out.set(path, entry as FileRecord);
  }
  return out;
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** The package a bare import names (`sharp`, `@img/colour`), or null for node: and relative imports. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The package names an ES module or CommonJS bundle imports (static, dynamic and require). */
function importedPackages(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g,
  )) {
    const name = packageOf(match[1] ?? match[2] ?? match[3]);
    if (name !== null) names.add(name);
  }
  return names;
}

// A regular expression for a `files` glob made of `**/` (any folders), `**` (anything), `*` (within a name) and literal characters.
function globRegExp(glob: string): RegExp {
  const source = glob
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) =>
      part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}

describe.skipIf(skip !== null)(
  skip === null ? 'electron-builder packages the app (stand-in Electron)' : `electron-builder packaging: SKIPPED, ${skip}`,
  () => {
    let work = '';
    let appOutDir = '';
    let executableName = '';
    let asarPath = '';
    let unpackedDir = '';
    let files: AsarFiles = new Map();
    let unpackedFiles: string[] = [];
    let appImage: AppImageComputed | null = null;
    let deb: DebComputed | null = null;
    let debError: Error | null = null;
    let fileConfig: { electronFuses?: Record<string, boolean | undefined> | null; files?: unknown } = {};
    let packSeconds = 0;

    beforeAll(async () => {
      for (const built of ['dist/electron/main.mjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
        if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
      }
      // electron-builder.yml as electron-builder itself loads it, without this test's overrides.
      fileConfig = (await getConfig(root, null, null)) as typeof fileConfig;

      work = await mkdtemp(join(tmpdir(), 'svd-studio-packaging-'));
      const standIn = await createElectronStandIn(join(work, 'electron-dist'), electronVersion);
      const output = join(work, 'release');
      const arch = archFromString(process.arch);
      const overrides = { electronDist: standIn.dir, electronVersion, npmRebuild: false, directories: { output } };

      // 1. Pack (the `dir` target) and run the AppImage target up to appimagetool.
      const started = performance.now();
      await build({
        projectDir: root,
        publish: 'never',
        targets: Platform.LINUX.createTarget(['dir', 'AppImage'], arch),
        config: {
          ...overrides,
          // Keeps the packager's own answers: where it packed and what it named the executable.
          afterPack: async (context: AfterPackContext) => {
            appOutDir = context.appOutDir;
            if (context.packager instanceof LinuxPackager) executableName = context.packager.executableName;
          },
        },
        effectiveOptionComputed: async (computed: unknown) => {
          const options = computed as Partial<AppImageComputed>;
          if (typeof options.desktop === 'string' && typeof options.desktopFileName === 'string') {
            appImage = { desktop: options.desktop, desktopFileName: options.desktopFileName };
          }
          return true; // stop before the external tool
        },
      });
      packSeconds = (performance.now() - started) / 1000;

      // 2. The deb target on the packed app, up to fpm. Its temp files are read while they exist.
      try {
        await build({
          projectDir: root,
          publish: 'never',
          prepackaged: appOutDir,
          targets: Platform.LINUX.createTarget(['deb'], arch),
          // fpm needs a project homepage and package.json has none yet (the project has no public
          // URL): the check supplies a reserved placeholder so it can look at what the deb installs.
          // `npm run dist` on Linux stops at "Please specify project homepage" until one is set.
          config: { ...overrides, extraMetadata: { homepage: 'https://svd-studio.invalid/' } },
          effectiveOptionComputed: async (computed: unknown) => {
            if (Array.isArray(computed) && Array.isArray(computed[0]) && typeof computed[1] === 'string') {
              const fpmArgs = computed[0] as string[];
              const source = (destination: string) => {
                const arg = fpmArgs.find((candidate) => candidate.endsWith(`=${destination}`));
                return arg === undefined ? null : arg.slice(0, arg.lastIndexOf('='));
              };
              const mimeFile = source(`/usr/share/mime/packages/${executableName}.xml`);
              deb = {
                fpmArgs,
                desktop: await readFile(computed[1], 'utf8'),
                mimeXml: mimeFile === null ? null : await readFile(mimeFile, 'utf8'),
              };
            }
            return true;
          },
        });
      } catch (error) {
        debError = error instanceof Error ? error : new Error(String(error));
      }

      asarPath = join(appOutDir, 'resources', 'app.asar');
      unpackedDir = `${asarPath}.unpacked`;
      files = asarFiles(getRawHeader(asarPath).header);
      unpackedFiles = existsSync(unpackedDir) ? await filesUnder(unpackedDir) : [];
    });

    afterAll(async () => {
      if (process.env.KEEP_PACKAGING_OUTPUT) console.log(`packaging output kept in ${work}`);
      else if (work !== '') await rm(work, { recursive: true, force: true });
    });

    it("packs linux-unpacked from the stand-in: the executable renamed, Electron's licence kept, app.asar beside", async () => {
      expect(basename(appOutDir)).toMatch(/^linux(-[a-z0-9]+)?-unpacked$/);
      expect(executableName).toBe('svd-studio');
      expect((await stat(join(appOutDir, executableName))).mode & 0o111).not.toBe(0);
      expect(existsSync(join(appOutDir, 'electron'))).toBe(false);
      expect(existsSync(join(appOutDir, 'LICENSE.electron.txt'))).toBe(true);
      expect(readFileSync(join(appOutDir, 'version'), 'utf8')).toBe(electronVersion);
      const asarBytes = (await stat(asarPath)).size;
      let unpackedBytes = 0;
      for (const file of unpackedFiles) unpackedBytes += (await stat(join(unpackedDir, file))).size;
      const packedCount = [...files.values()].filter((record) => !record.unpacked).length;
      const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
      console.log(
        `packaging: app.asar ${mb(asarBytes)} MB (${asarBytes.toLocaleString('en-US')} bytes, ${packedCount} files inside), ` +
          `app.asar.unpacked ${mb(unpackedBytes)} MB (${unpackedFiles.length} files); electron-builder packed in ${packSeconds.toFixed(1)} s (Electron ${electronVersion})`,
      );
    });

    it('flips the fuses electron-builder.yml sets, in the packaged executable', async () => {
      const configured = fileConfig.electronFuses ?? {};
      const wire = await getCurrentFuseWire(join(appOutDir, executableName));
      expect(wire.version).toBe('1');
      const states = Object.entries(wire).filter(([key]) => key !== 'version');
      expect(states).toHaveLength(ELECTRON_DEFAULT_FUSES.length);
      const flipped: string[] = [];
      for (const [index, state] of states) {
        const name = fuseNameAt(Number(index));
        // The helper's names are @electron/fuses' names with a lower-case first letter.
        const fuseLibName = FuseV1Options[Number(index)];
        expect(name).toBe(fuseLibName.charAt(0).toLowerCase() + fuseLibName.slice(1));
        const wanted = configured[name];
        expect(wanted, `electron-builder.yml sets fuse ${name}`).toBeTypeOf('boolean');
        expect(state, `fuse ${name}`).toBe(wanted ? FUSE_ENABLED : FUSE_DISABLED);
        if (wanted !== ELECTRON_DEFAULT_FUSES[Number(index)][1]) flipped.push(name);
      }
      // The file sets every fuse, and the binary now differs from Electron's defaults where it matters.
      expect(Object.keys(configured).sort()).toEqual(ELECTRON_DEFAULT_FUSES.map(([name]) => name).sort());
      expect(flipped).toEqual(
        expect.arrayContaining([
          'runAsNode',
          'enableNodeOptionsEnvironmentVariable',
          'enableNodeCliInspectArguments',
          'onlyLoadAppFromAsar',
        ]),
      );
    });

    it('app.asar holds package.json (main → dist/electron/main.mjs), main, the preload and the renderer', () => {
      for (const path of ['package.json', 'dist/electron/main.mjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
        expect(files.has(path), `${path} in app.asar`).toBe(true);
        expect(files.get(path)?.unpacked ?? false, `${path} packed, not unpacked`).toBe(false);
      }
      const packagedJson = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as Record<string, unknown>;
      expect(packagedJson.main).toBe('dist/electron/main.mjs');
      expect(packagedJson.productName).toBe(productName);
      expect(packagedJson).not.toHaveProperty('devDependencies');
      // The packed main and preload are the built files, byte for byte (asar's own SHA-256).
      for (const path of ['dist/electron/main.mjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
        const built = createHash('sha256')
          .update(readFileSync(join(root, path)))
          .digest('hex');
        expect(files.get(path)?.integrity.hash, path).toBe(built);
      }
    });

    it('ships every built renderer file except source maps and the licence-excluded samples', async () => {
      const filters = ([] as unknown[])
        .concat(fileConfig.files ?? [])
        .flatMap((set) => (typeof set === 'string' ? [set] : ((set as { filter?: string[] }).filter ?? [])));
      const exclusions = filters.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
      for (const sample of licenceExcludedSamples) {
        expect(exclusions).toContain(`dist/renderer/samples/${sample}`);
        expect(exclusions).toContain(`dist/renderer/samples/thumbnails/${sample}.webp`);
      }
      // The renderer files that the `files` exclusions leave.
      const excluded = exclusions.map((pattern) => globRegExp(pattern));
      const built = (await filesUnder(join(root, 'dist/renderer'))).map((path) => `dist/renderer/${path}`);
      const expected = built.filter((path) => !path.endsWith('.map') && !excluded.some((regExp) => regExp.test(path))).sort();
      const packed = [...files.keys()].filter((path) => path.startsWith('dist/renderer/')).sort();
      expect(packed).toEqual(expected);
      for (const sample of licenceExcludedSamples) {
        expect(
          [...files.keys(), ...unpackedFiles].filter((path) => path.endsWith(sample) || path.endsWith(`${sample}.webp`)),
          sample,
        ).toEqual([]);
      }
      // Of dist/electron only main and the preload go in (not the CLI, its worker or the benchmarks).
      expect([...files.keys()].filter((path) => path.startsWith('dist/') && !path.startsWith('dist/renderer/')).sort()).toEqual([
        'dist/electron/main.mjs',
        'dist/electron/preload.cjs',
      ]);
    });

    it("unpacks sharp's native module and libvips beside app.asar, identical to node_modules", async () => {
      const nativeModules = unpackedFiles.filter((path) => /^node_modules\/@img\/sharp-[a-z0-9]+-[a-z0-9]+\/lib\/[^/]+\.node$/.test(path));
      const libvips = unpackedFiles.filter((path) =>
        /^node_modules\/@img\/sharp-libvips-[a-z0-9]+-[a-z0-9]+\/lib\/libvips[^/]*\.so[.0-9]*$/.test(path),
      );
      expect(nativeModules, 'sharp-*.node in app.asar.unpacked').toHaveLength(1);
      expect(libvips.length, 'libvips .so in app.asar.unpacked').toBeGreaterThan(0);
      for (const path of [...nativeModules, ...libvips]) {
        // Listed in the archive as unpacked, and the same bytes as the installed package.
        expect(files.get(path)?.unpacked, `${path} marked unpacked in app.asar`).toBe(true);
        expect((await stat(join(unpackedDir, path))).size).toBe((await stat(join(root, path))).size);
      }
      // sharp's JavaScript is unpacked with it, so its loader finds the binary by relative path.
      expect(unpackedFiles).toContain('node_modules/sharp/package.json');
    });

    it('packs every npm package main imports, with their dependencies', () => {
      const has = (path: string) => files.has(path) || unpackedFiles.includes(path);
      /** Node's lookup of `name` from a package directory inside the app: node_modules upwards. */
      const resolve = (fromDir: string, name: string): string | null => {
        for (let dir = fromDir; ; dir = dirname(dir)) {
          const candidate = posix.join(dir === '.' ? '' : dir, 'node_modules', name);
          if (has(`${candidate}/package.json`)) return candidate;
          if (dir === '.' || dir === '') return null;
        }
      };
      const imported = [
        ...importedPackages(readFileSync(join(root, 'dist/electron/main.mjs'), 'utf8')),
        ...importedPackages(readFileSync(join(root, 'dist/electron/preload.cjs'), 'utf8')),
      ].filter((name) => name !== 'electron');
      expect(imported).toEqual(expect.arrayContaining(['sharp']));
      const missing: string[] = [];
      const seen = new Set<string>();
      const visit = (fromDir: string, name: string, optional: boolean) => {
        const location = resolve(fromDir, name);
        if (location === null) {
          // An optional dependency counts only where npm installed it here (sharp's platform packages).
          if (!optional || existsSync(join(root, 'node_modules', name, 'package.json'))) missing.push(`${name} (needed from ${fromDir})`);
          return;
        }
        if (seen.has(location)) return;
        seen.add(location);
        const manifest = JSON.parse(extractFile(asarPath, `${location}/package.json`).toString('utf8')) as {
          dependencies?: Record<string, string>;
          optionalDependencies?: Record<string, string>;
        };
        for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(location, dependency, false);
        for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) visit(location, dependency, true);
      };
      for (const name of new Set(imported)) visit('.', name, false);
      expect(missing).toEqual([]);
    });

    it('ships no source maps, test files or Python files', () => {
      const everything = [...new Set([...files.keys(), ...unpackedFiles])];
      expect(
        everything.filter((path) => path.endsWith('.map')),
        'source maps',
      ).toEqual([]);
      expect(
        everything.filter((path) => /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$/.test(path)),
        'test files',
      ).toEqual([]);
      expect(
        everything.filter((path) => path.endsWith('.py')),
        'Python files',
      ).toEqual([]);
    });

    it("app.asar carries per-file SHA-256 integrity for Electron's embedded asar integrity check", () => {
      const packed = [...files.entries()].filter(([, record]) => !record.unpacked);
      expect(packed.length).toBeGreaterThan(0);
      for (const [path, record] of packed) {
        expect(record.integrity?.algorithm, path).toBe('SHA256');
        expect(record.integrity?.hash, path).toMatch(/^[0-9a-f]{64}$/);
      }
    });

    it('AppImage target: its .desktop entry declares the .svd MIME type (computed before appimagetool)', () => {
      const entry = appImage;
      if (entry === null) throw new Error('the AppImage target never reached effectiveOptionComputed');
      expect(entry.desktopFileName).toBe(`${executableName}.desktop`);
      const lines = entry.desktop.split('\n');
      expect(lines[0]).toBe('[Desktop Entry]');
      expect(lines).toContain(`Name=${productName}`);
      expect(lines).toContain('Type=Application');
      expect(lines).toContain('Categories=Graphics;');
      expect(entry.desktop).toMatch(/^Exec=AppRun .*%U$/m);
      const mimeTypes = (lines.find((line) => line.startsWith('MimeType='))?.slice('MimeType='.length) ?? '').split(';').filter(Boolean);
      expect(mimeTypes).toContain(svdMimeType);
      // Photos get "Open with", and no type is listed twice.
      expect(mimeTypes).toEqual(expect.arrayContaining(['image/png', 'image/jpeg', 'image/webp', 'image/avif']));
      expect(new Set(mimeTypes).size).toBe(mimeTypes.length);
    });

    it('deb target: fpm gets the app, a .desktop entry with the .svd MIME type and its shared-mime-info glob (computed before fpm)', () => {
      if (debError !== null) throw new Error(`electron-builder's deb target stopped before fpm: ${debError.message}`);
      const computed = deb;
      if (computed === null) throw new Error('the deb target never reached effectiveOptionComputed');
      const installDir = `/opt/${productName}`;
      expect(computed.fpmArgs).toContain(`${appOutDir}/=${installDir}`);
      expect(computed.fpmArgs.some((arg) => arg.endsWith(`=/usr/share/applications/${executableName}.desktop`))).toBe(true);
      // The .desktop entry launches the executable electron-builder put in the package.
      const exec = /^Exec="?([^"\n]+?)"? %U$/m.exec(computed.desktop);
      expect(exec?.[1]).toBe(`${installDir}/${executableName}`);
      expect(existsSync(join(appOutDir, (exec?.[1] ?? '').slice(installDir.length + 1)))).toBe(true);
      const mimeTypes = (/^MimeType=(.*)$/m.exec(computed.desktop)?.[1] ?? '').split(';').filter(Boolean);
      expect(mimeTypes).toContain(svdMimeType);
      // /usr/share/mime/packages/svd-studio.xml maps *.svd to the MIME type.
      expect(computed.mimeXml).not.toBeNull();
      const mimeXml = computed.mimeXml ?? '';
      expect(mimeXml).toContain('<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">');
      expect(mimeXml).toMatch(new RegExp(`<mime-type type="${svdMimeType}">\\s*<glob pattern="\\*\\.svd"/>`));
    });
  },
);
