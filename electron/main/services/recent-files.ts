/**
 * The recent-files list (File ▸ Open Recent): the last ten paths main opened, newest first,
 * kept in a JSON file in the app's data folder, written atomically. A damaged file is ignored.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';

export const MAX_RECENT = 10;

export class RecentFiles {
  readonly #file: string;
  #paths: string[] = [];
  #loaded = false;

  constructor(file: string) {
    this.#file = file;
  }

  async list(): Promise<string[]> {
    if (!this.#loaded) {
      this.#loaded = true;
      try {
        const value = JSON.parse(await readFile(this.#file, 'utf8'));
        if (Array.isArray(value)) this.#paths = value.filter((entry): entry is string => typeof entry === 'string').slice(0, MAX_RECENT);
      } catch {
        this.#paths = [];
      }
    }
    return [...this.#paths];
  }

  async add(path: string): Promise<void> {
    const paths = (await this.list()).filter((entry) => entry !== path);
    this.#paths = [path, ...paths].slice(0, MAX_RECENT);
    await this.#save();
  }

  async remove(path: string): Promise<void> {
    this.#paths = (await this.list()).filter((entry) => entry !== path);
    await this.#save();
  }

  async clear(): Promise<void> {
    this.#paths = [];
    this.#loaded = true;
    await this.#save();
  }

  async names(): Promise<{ index: number; name: string }[]> {
    return (await this.list()).map((path, index) => ({ index, name: basename(path) }));
  }

  async #save(): Promise<void> {
    await writeFileAtomic(this.#file, new TextEncoder().encode(JSON.stringify(this.#paths)), { overwrite: true }).catch(() => {
      // Recent files are a convenience: a read-only data folder does not stop the studio.
    });
  }
}
