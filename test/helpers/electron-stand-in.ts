/**
 * A stand-in for Electron's unpacked Linux distribution (the contents of
 * electron-v<version>-linux-<arch>.zip), so that electron-builder can package the app where the
 * real Electron binary cannot be downloaded (CI here reaches npm but not github.com).
 *
 * electron-builder's `electronDist` option accepts an already-unpacked distribution directory:
 * it copies that directory into the output, renames `electron` to the app's executable name,
 * moves `LICENSE` to `LICENSE.electron.txt`, and then flips the Electron fuses in the executable
 * with @electron/fuses. @electron/fuses refuses a file without the fuse wire, so the stand-in
 * executable carries one, laid out as Electron documents it (docs/tutorial/fuses.md, "The hard
 * way"): the sentinel string, one byte for the wire's version, one byte for its length, then one
 * byte per fuse: "0" (0x30) disabled, "1" (0x31) enabled, "r" (0x72) removed. The wire starts with
 * Electron's documented defaults, so a packaged stand-in shows exactly which fuses the build flipped.
 *
 * The executable itself is a shell script that refuses to run, so nothing can mistake it for
 * Electron; the fuse wire sits in a comment line after its `exit`.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The bytes that mark the start of the fuse wire in every Electron binary since Electron 12. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Fuse schema version 1, the only one @electron/fuses knows. */
export const FUSE_WIRE_VERSION = 1;
/** A fuse's byte in the wire: disabled or enabled ("r", 0x72, marks a fuse removed from an Electron). */
export const FUSE_DISABLED = 0x30;
export const FUSE_ENABLED = 0x31;

/**
 * The V1 fuses in wire order (the indices of @electron/fuses' FuseV1Options), named as
 * electron-builder's `electronFuses` option names them, with Electron's documented defaults.
 */
export const ELECTRON_DEFAULT_FUSES = [
  ['runAsNode', true],
  ['enableCookieEncryption', false],
  ['enableNodeOptionsEnvironmentVariable', true],
  ['enableNodeCliInspectArguments', true],
  ['enableEmbeddedAsarIntegrityValidation', false],
  ['onlyLoadAppFromAsar', false],
  ['loadBrowserProcessSpecificV8Snapshot', false],
  ['grantFileProtocolExtraPrivileges', true],
] as const;

export type FuseName = (typeof ELECTRON_DEFAULT_FUSES)[number][0];

/** Where the stand-in distribution lives and what it claims to be. */
export interface ElectronStandIn {
  /** The directory to pass as electron-builder's `electronDist`. */
  dir: string;
  /** The stand-in executable (`<dir>/electron`). */
  executable: string;
  /** The Electron version written to `<dir>/version`. */
  version: string;
}

/** The fuse wire as it sits in the binary: sentinel, version, length, one state byte per fuse. */
export function fuseWireBytes(states: readonly boolean[] = ELECTRON_DEFAULT_FUSES.map(([, on]) => on)): Buffer {
  return Buffer.concat([
    Buffer.from(FUSE_SENTINEL, 'latin1'),
    Buffer.from([FUSE_WIRE_VERSION, states.length]),
    Buffer.from(states.map((on) => (on ? FUSE_ENABLED : FUSE_DISABLED))),
  ]);
}

/**
 * Writes a stand-in Electron distribution into `dir` (created if missing): the executable
 * `electron` (mode 755) carrying a fuse wire with Electron's defaults, `LICENSE`,
 * `LICENSES.chromium.html`, `version`, one locale (`locales/en-US.pak`) and an empty `resources/`
 * (where electron-builder writes app.asar), as in Electron's own Linux zip.
 */
export async function createElectronStandIn(dir: string, version: string): Promise<ElectronStandIn> {
  await mkdir(join(dir, 'resources'), { recursive: true });
  await mkdir(join(dir, 'locales'), { recursive: true });
  const executable = join(dir, 'electron');
  const script = Buffer.from(
    '#!/bin/sh\n' +
      `echo "This is a test stand-in for the Electron ${version} binary (SVD Studio's packaging test); it cannot run." >&2\n` +
      'exit 127\n' +
      '# fuse wire: ',
    'latin1',
  );
  await writeFile(executable, Buffer.concat([script, fuseWireBytes(), Buffer.from('\n', 'latin1')]));
  await chmod(executable, 0o755);
  await writeFile(join(dir, 'LICENSE'), "Stand-in for Electron's LICENSE (MIT), written by SVD Studio's packaging test.\n");
  await writeFile(join(dir, 'LICENSES.chromium.html'), "<!doctype html><title>Stand-in for Chromium's licences</title>\n");
  await writeFile(join(dir, 'version'), version);
  await writeFile(join(dir, 'locales', 'en-US.pak'), '');
  return { dir, executable, version };
}

/**
 * Electron-builder's option name for the fuse @electron/fuses calls `FuseV1Options[index]`
 * (for example RunAsNode → runAsNode): the wire index is the position in ELECTRON_DEFAULT_FUSES.
 */
export function fuseNameAt(index: number): FuseName {
  const entry = ELECTRON_DEFAULT_FUSES[index];
  if (entry === undefined) throw new Error(`no V1 fuse at wire index ${index}`);
  return entry[0];
}
