/** The window's size and position, remembered between sessions (a JSON file in the data folder). */
import { readFile } from 'node:fs/promises';
import type { Rectangle } from 'electron';
import { writeFileAtomic } from '../../io/atomic-write.js';

export interface WindowState {
  bounds?: Rectangle;
  maximized?: boolean;
}

export async function loadWindowState(file: string): Promise<WindowState> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as WindowState;
    const b = value.bounds;
    const valid = b && [b.x, b.y, b.width, b.height].every((n) => Number.isInteger(n)) && b.width >= 400 && b.height >= 300;
    return { bounds: valid ? b : undefined, maximized: value.maximized === true };
  } catch {
    return {};
  }
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await writeFileAtomic(file, new TextEncoder().encode(JSON.stringify(state)), { overwrite: true }).catch(() => {});
}
