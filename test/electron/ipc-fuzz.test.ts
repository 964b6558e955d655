/**
 * The main process's IPC handlers fed random argument lists (issue 15): 10,000 calls in all,
 * at least 1,000 per channel, through dispatch() — what ipcMain.handle runs after checking the
 * sender — with real services over temporary folders (the recent list, sharp, atomic saves). The
 * arguments mix wrong types, huge and non-finite numbers, long strings, typed arrays of the wrong
 * kind and length, prototype-polluting objects and, one call in ten, a valid request. Every call
 * must resolve to {ok: true} or a one-line {ok: false}; nothing may be written except at the save
 * dialog's choice; Object.prototype must stay clean. The outcome counts are printed.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createHandlers, dispatch } from '../../electron/main/ipc/handlers.js';
import { RecentFiles } from '../../electron/main/services/recent-files.js';
import { INVOKE_CHANNELS } from '../../electron/shared/ipc-contract.js';
import { samplesDir } from '../helpers/samples.js';
import { seededRandom } from '../helpers/random.js';

const CALLS_PER_CHANNEL = 1_700;

const root = mkdtempSync(join(tmpdir(), 'svd-ipc-fuzz-'));
const userData = join(root, 'user-data');
const dialogDir = join(root, 'dialog');
const images = join(root, 'images');
mkdirSync(userData);
mkdirSync(dialogDir);
mkdirSync(images);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

describe('IPC handlers under random arguments', () => {
  it(`${CALLS_PER_CHANNEL * INVOKE_CHANNELS.length} calls: each refused with one line or handled; main never throws; nothing written outside the dialog's choice`, async () => {
    const next = seededRandom(20261202);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const photo = join(images, 'small.png');
    await sharp(join(samplesDir, 'astronaut_512x512_rgb.png')).resize(32, 32).png().toFile(photo);
    writeFileSync(join(images, 'notes.txt'), 'not an image');
    const saveChoice = join(dialogDir, 'chosen.svd');
    let saveAnswer: string | null = null;
    let openAnswer: string | null = null;
    const handlers = createHandlers({
      chooseFileToOpen: async () => openAnswer,
      chooseSavePath: async () => saveAnswer,
      recent: new RecentFiles(join(userData, 'recent.json')),
    });

    const strings = () =>
      pick([
        '',
        'x'.repeat(1 + Math.floor(next() * 5000)),
        'é'.repeat(1 << 16),
        '../../etc/passwd',
        '/etc/shadow',
        '\u0000',
        'a\u0000b.png',
        photo,
        join(images, 'notes.txt'),
        '/',
        '.',
        '..',
        'name.svd',
        'C:\\Windows\\win.ini',
        '%s%n',
        '🙂.png',
      ]);
    const numbers = () =>
      pick([0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), NaN, Infinity, -Infinity, 0.5, 1e308, Number.MIN_VALUE, 99, 100, 65535, 65536]);
    const typed = () => {
      const length = pick([0, 1, 3, 12, 4096, 3 * 32 * 32]);
      return pick([
        new Uint8Array(length),
        new Uint16Array(length),
        new Int8Array(length),
        new Float32Array(length),
        new Float64Array(length),
        new Uint8ClampedArray(length),
        new BigInt64Array(Math.min(length, 64)),
        new DataView(new ArrayBuffer(length)),
        new ArrayBuffer(length),
      ]);
    };
    const polluting = () =>
      pick([
        JSON.parse('{"__proto__": {"polluted": "yes"}, "width": 4}') as unknown,
        JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}') as unknown,
        Object.assign(Object.create(null) as object, { toString: 'x', valueOf: 1 }),
        { __defineGetter__: 1, hasOwnProperty: 'no', bytes: new Uint8Array(2), suggestedName: '__proto__' },
      ]);
    const value = (depth = 0): unknown => {
      const kind = Math.floor(next() * (depth > 1 ? 7 : 9));
      switch (kind) {
        case 0:
          return strings();
        case 1:
          return numbers();
        case 2:
          return pick([null, undefined, true, false, 10n, Symbol('s')]);
        case 3:
          return typed();
        case 4:
          return polluting();
        case 5:
          return pick([() => 1, new Date(0), /re/, new Map(), new Set([1]), new Error('e')]);
        case 6:
          return {};
        case 7:
          return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
        default: {
          const object: Record<string, unknown> = {};
          for (const key of ['width', 'height', 'channels', 'bitDepth', 'pixels', 'format', 'quality', 'bytes', 'suggestedName']) {
            if (next() < 0.6) object[key] = value(depth + 1);
          }
          return object;
        }
      }
    };
    /** A valid request for `channel` (one call in ten), so the handlers' own paths run too. */
    const valid = (channel: string): unknown[] => {
      const n = 2 + Math.floor(next() * 6);
      switch (channel) {
        case 'image:open-dropped':
          return [pick([photo, join(images, 'notes.txt'), join(images, 'missing.png')])];
        case 'image:open-recent':
          return [Math.floor(next() * 12)];
        case 'image:encode':
          return [
            {
              width: n,
              height: n,
              channels: 3,
              bitDepth: 8,
              pixels: new Uint8Array(n * n * 3).fill(90),
              format: pick(['png', 'jpeg', 'webp']),
              quality: 80,
            },
          ];
        case 'file:save':
          return [{ bytes: new Uint8Array(n).fill(1), suggestedName: pick(['a.svd', 'b.png', 'x']) }];
        default:
          return [];
      }
    };

    const counts = new Map<string, { handled: number; failed: number; refused: number }>();
    let threw = 0;
    for (const channel of INVOKE_CHANNELS) {
      const count = { handled: 0, failed: 0, refused: 0 };
      counts.set(channel, count);
      for (let i = 0; i < CALLS_PER_CHANNEL; i++) {
        saveAnswer = next() < 0.5 ? saveChoice : null;
        openAnswer = pick([null, photo, join(images, 'notes.txt')]);
        const args = next() < 0.1 ? valid(channel) : Array.from({ length: pick([0, 1, 1, 1, 2, 3]) }, () => value());
        let result: Awaited<ReturnType<typeof dispatch>>;
        try {
          result = await dispatch(handlers, channel, args);
        } catch {
          threw++;
          continue;
        }
        if (result.ok) count.handled++;
        else {
          expect(typeof result.error).toBe('string');
          expect(result.error.length).toBeGreaterThan(0);
          expect(result.error, `${channel}: one line`).not.toMatch(/\n/);
          if (result.error.startsWith('Refused: ')) count.refused++;
          else count.failed++;
        }
      }
    }
    // Channels that do not exist: refused by name.
    let unknown = 0;
    for (const channel of ['', 'image:open', '__proto__', 'constructor', 'file:save ', 42, null, {}]) {
      const result = await dispatch(handlers, channel, []);
      if (!result.ok && result.error.startsWith('Unknown channel')) unknown++;
    }

    const table = [...counts].map(([channel, c]) => `${channel.padEnd(20)} handled ${c.handled}, failed ${c.failed}, refused ${c.refused}`);
    console.log(`IPC fuzz (${CALLS_PER_CHANNEL} calls per channel):\n  ${table.join('\n  ')}\n  unknown channels refused: ${unknown} of 8`);

    expect(threw).toBe(0);
    expect(unknown).toBe(8);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    for (const c of counts.values()) {
      expect(c.handled + c.failed + c.refused).toBe(CALLS_PER_CHANNEL);
      // Random arguments are mostly refused; the valid tenth is handled (or fails cleanly).
      expect(c.refused).toBeGreaterThan(CALLS_PER_CHANNEL / 2);
    }
    expect(counts.get('file:save')!.handled).toBeGreaterThan(10);
    expect(counts.get('image:encode')!.handled).toBeGreaterThan(10);
    // Written: only the dialog's choice (and the recent list in the user-data folder); the
    // source images are untouched.
    expect(filesUnder(dialogDir)).toEqual(['chosen.svd']);
    expect(filesUnder(userData)).toEqual(['recent.json']);
    expect(filesUnder(images)).toEqual(['notes.txt', 'small.png']);
    expect(readFileSync(join(images, 'notes.txt'), 'utf8')).toBe('not an image');
  });
});
