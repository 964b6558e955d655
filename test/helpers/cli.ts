/**
 * The built svd-studio command line (dist/electron/cli.mjs, made by `npm run build`), run as a
 * real process by the CLI tests.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const cli = fileURLToPath(new URL('../../dist/electron/cli.mjs', import.meta.url));
if (!existsSync(cli)) throw new Error('dist/electron/cli.mjs is missing: run `npm run build` first (npm test does)');

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `svd-studio args…` to the end; a non-zero exit is a result, not an exception. */
export async function svdStudio(args: string[], cwd?: string): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
