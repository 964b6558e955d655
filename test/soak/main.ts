/**
 * `npm run soak`: what takes minutes (issue 15), printed as tables — peak memory of the command
 * line on a 50 MP photo (cli-memory.ts), and a long session of 20 photos in one page of the
 * built studio with the browser's memory after each (long-session.ts). The minutes-long tests (a
 * 200-file batch, 200 hostile files, 64 MP photos in the window, Learn mode on the 12 MP photo)
 * are in `npm run test:full`.
 *
 *   npm run soak                          (builds, then runs both)
 *   node dist/bench/soak.mjs [--only cli|session]   (after `npm run build`)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gitCommit } from '../bench/lib/config.js';
import { cliMemory } from './cli-memory.js';
import { longSession } from './long-session.js';

const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;

async function main(): Promise<number> {
  const started = performance.now();
  const tempDir = mkdtempSync(join(os.tmpdir(), 'svd-soak-'));
  try {
    const cpus = os.cpus();
    console.log('SVD Studio soak');
    console.log(`commit ${gitCommit() ?? 'unknown (no git)'}, measured ${new Date().toISOString()}`);
    console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
    if (ONLY !== 'session') await cliMemory(tempDir);
    if (ONLY !== 'cli') await longSession(tempDir);
    console.log(`\nsoak time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } catch (error) {
    console.error(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
