/** Argument checking and output paths shared by the commands. */
import { access, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { SUPPORTED_INPUT_EXTENSIONS } from '../io/image-io.js';

/** Bad command-line usage: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A valid request the input cannot satisfy (a PSNR or size target out of reach): exit code 1. */
export class TargetError extends Error {
  override name = 'TargetError';
}

/** Stops between phases once Ctrl-C (or SIGTERM) has been received. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const error = new Error('interrupted');
    error.name = 'AbortError';
    throw error;
  }
}

/** A whole number ≥ minimum from a flag's text. */
export function integerOption(
  name: string,
  text: string | undefined,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${name} takes a whole number, not '${text}'`);
  const value = Number(text);
  if (value < minimum || value > maximum) throw new UsageError(`${name} must be ${minimum}…${maximum}, not ${value}`);
  return value;
}

export function numberOption(name: string, text: string | undefined, minimum: number, maximum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${name} takes a number, not '${text}'`);
  if (value < minimum || value > maximum) throw new UsageError(`${name} must be ${minimum}…${maximum}, not ${value}`);
  return value;
}

/** Inputs: files as given, folders expanded to the images directly inside them (sorted). */
export async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      files.push(input); // reported by the decoder as a missing file, with its name
      continue;
    }
    if (info.isDirectory()) {
      const names = (await readdir(input))
        .filter((name) => SUPPORTED_INPUT_EXTENSIONS.includes(extname(name).toLowerCase()) && !name.startsWith('.'))
        .sort();
      if (names.length === 0) throw new UsageError(`${input}: the folder holds no image files`);
      files.push(...names.map((name) => join(input, name)));
    } else {
      files.push(input);
    }
  }
  return files;
}

/** Whether something exists at the path. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Where an output goes: -o, else --out-dir/name.ext, else beside the input with the new extension. */
export function outputPathFor(input: string, extension: string, options: { output?: string; outDir?: string }): string {
  if (options.output) return options.output;
  const name = basename(input, extname(input)) + extension;
  return join(options.outDir ?? dirname(input), name);
}
