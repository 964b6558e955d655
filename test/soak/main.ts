/**
 * `npm run soak`: what takes minutes (issue 15), printed as tables — peak memory of the command
 * line on a 50 MP photo (cli-memory.ts). The minutes-long tests (a 200-file batch, Learn mode on
 * the 12 MP photo, the long fuzz runs) are in `npm run test:full`.
 *
 *   npm run soak                 (builds, then runs)
 *   node dist/bench/soak.mjs     (after `npm run build`)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gitCommit } from '../bench/lib/config.js';
import { cliMemory } from './cli-memory.js';

async function main(): Promise<number> {
  const started = performance.now();
  const tempDir = mkdtempSync(join(os.tmpdir(), 'svd-soak-'));
  try {
    const cpus = os.cpus();
    console.log('SVD Studio soak');
    console.log(`commit ${gitCommit() ?? 'unknown (no git)'}, measured ${new Date().toISOString()}`);
    console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
    await cliMemory(tempDir);
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
