/**
 * Benchmark of the studio window in Chromium (`npm run bench`, after the engine and codec
 * benchmarks): how soon the first low-rank preview is on screen after a photo is opened, how
 * soon the decomposition is done, how fast the rank slider answers (dragged one step per frame,
 * and jumps of 64 ranks), and which long tasks block the main thread meanwhile. Inputs: the 12 MP
 * sample photo and a 1 MP centre crop of it (made with sharp into a temporary folder).
 *
 *   npm run bench                                   (builds, then runs every benchmark)
 *   node dist/bench/ui-bench.mjs [--runs N] [--quick] [--only window|equal-bytes|learn] [--renderer DIR] [--busy N] [--plain-server] [--measured-mark NAME]   (after `npm run build`)
 *
 * It serves dist/renderer/ (the built studio) with an in-process static server, cross-origin
 * isolated as the desktop app serves it (with --plain-server: no COOP/COEP, as any file server
 * would, so the page's workers copy the pixels instead of sharing them), drives Chromium with Playwright's browser API (not
 * the test runner; the same browser and flags as playwright.config.ts), a fresh browser context
 * per run, and reads what the page itself records:
 *   - viewer states: a MutationObserver on the viewer's data-state (performance.now() per change);
 *   - the first picture (the studio shows the original while it computes): the first drawImage on
 *     the viewer canvas, plus one animation frame; the preview drawn: the compare handle appears
 *     (it comes with the first rank-k picture), plus one animation frame;
 *   - slider latency: the studio's own performance.measure('rank-preview') entries (start = the
 *     input event's timeStamp, end = the animation frame after the preview was drawn);
 *   - long tasks ('longtask') and long animation frames ('long-animation-frame', for attribution);
 *     then one more opening per input with Chromium's trace on, for each long task's CPU time;
 *   - the studio's user-timing marks (studio:open, studio:decoded, studio:planes, studio:stage-…);
 *   - once the measurements are in and the analysis worker has ended, the same drag again as the
 *     studio warms the next photo's SVD workers (their runs take both cores for about half a second);
 *   - at the end of each run, once that warm-up is done, the same file opened again in that page (a
 *     person's next photo): its decode and first-preview measures.
 * Runs alternate between the inputs (1 MP, 12 MP, 1 MP, …) so the machine's slow phases hit both
 * alike; the 12 MP ÷ 1 MP slider ratios compare the two inputs of the same run. Medians across runs.
 * Exits non-zero only when something fails to run, never because a target is missed.
 *
 * This file only sets up, runs and reports; the folder holds one concern each: settings (flags,
 * viewport, slider workload, timeouts, targets), server (the static file server), inputs (the
 * 12 MP photo and the 1 MP crop), instrument (what is injected into the page and the records read
 * back), slider (the drag and jump ranks and their in-page drivers), attribution (long tasks →
 * scripts), trace (one traced opening per input: long tasks' wall against CPU time), runs (one run's flow), stats (per-run slider and long-task statistics) and report
 * (the tables). Shared helpers come from ../lib/ (config, measure, table) and ../../helpers/
 * (browser-memory: Chromium's PSS, shared with the e2e tests and the soak). esbuild bundles it
 * all into dist/bench/ui-bench.mjs (scripts/build-node.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/chromium.js';
import { QUICK, gitCommit } from '../lib/config.js';
import { printTable } from '../lib/table.js';
import { measureEqualBytes, RANK, type EqualBytesRun } from './equal-bytes.js';
import { measureExportBytes } from './export-bytes.js';
import { makeInputs, type Input } from './inputs.js';
import { printCpuOpenings, printInputTables, printLongTasks, printMilestones, printSummary, printTracedTasks } from './report.js';
import { cpuOpening, type CpuOpening } from './cpu-opening.js';
import { runOnce, type RunResult } from './runs.js';
import { serveStatic } from './server.js';
import { traceOpening, type TraceResult } from './trace.js';
import { LEARN_VIEWS, measureLearn, type LearnRun } from './learn.js';
import { BUSY, ISOLATED, ONLY, RENDERER_DIR, RUNS, TARGET_LEARN_VIEW_S, VIEWPORT } from './settings.js';

const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

async function main(): Promise<number> {
  const started = performance.now();
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    console.error(`ui-bench: ${RENDERER_DIR}/index.html is missing; run \`npm run build\` first`);
    return 1;
  }
  const tempDir = mkdtempSync(join(os.tmpdir(), 'svd-ui-bench-'));
  let server: Server | null = null;
  let browser: Browser | null = null;
  // --busy N: a spinning Node process per core to take (killed in `finally`).
  const busy: ChildProcess[] = Array.from({ length: BUSY }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    const inputs = await makeInputs(tempDir);
    const served = await serveStatic(RENDERER_DIR, ISOLATED);
    server = served.server;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, `--window-size=${VIEWPORT.width},${VIEWPORT.height}`],
    });
    const cpus = os.cpus();
    console.log('SVD Studio UI benchmark' + (QUICK ? ' (--quick: 1 run, shorter drag and fewer jumps)' : ''));
    console.log(`commit ${gitCommit() ?? 'unknown (no git)'} (the benchmark's checkout), measured ${new Date().toISOString()}`);
    console.log(
      `machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores (available parallelism ${os.availableParallelism()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    );
    console.log(
      `browser: Chromium ${browser.version()} (${CHROMIUM_PATH ?? "Playwright's own"}), headless, ${VIEWPORT.width} × ${VIEWPORT.height}, device scale 1; node ${process.version}`,
    );
    console.log(
      `studio: ${RENDERER_DIR} served at ${served.url} (in-process static server, ${ISOLATED ? 'COOP/COEP as the desktop app: pixels shared' : 'no COOP/COEP: pixels copied'}); ${RUNS} run${RUNS === 1 ? '' : 's'} per input, a fresh browser context each`,
    );
    for (const input of inputs) console.log(`input ${input.label}: ${input.description}`);
    console.log(`load average at the start: ${loadAverage()} (1, 5, 15 min; other work on this machine slows the studio too)`);
    if (BUSY)
      console.log(
        `--busy ${BUSY}: ${BUSY} process${BUSY === 1 ? '' : 'es'} spinning on ${BUSY === 1 ? 'a core' : 'cores'} throughout (a loaded machine, or one with fewer free cores); the targets below were set for a quiet one`,
      );

    const byInput = new Map<Input, RunResult[]>(inputs.map((input) => [input, []]));
    for (let run = 0; run < (ONLY && ONLY !== 'window' ? 0 : RUNS); run++) {
      for (const input of inputs) {
        console.error(`… run ${run + 1}/${RUNS}: ${input.label}`);
        const result = await runOnce(browser, served.url, input, run);
        byInput.get(input)!.push(result);
        if (result.errors.length) for (const error of result.errors.slice(0, 5)) console.error(`  ${input.label} run ${run + 1}: ${error}`);
      }
    }
    const photo = inputs[inputs.length - 1];
    if (!ONLY || ONLY === 'window') {
      for (const input of inputs) printInputTables(input, byInput.get(input)!);
      printMilestones(inputs, byInput);
      printLongTasks(inputs, byInput);
      const traced = new Map<Input, TraceResult>();
      for (const input of inputs) {
        console.error(`… traced opening: ${input.label}`);
        traced.set(input, await traceOpening(browser, served.url, input));
      }
      printTracedTasks(inputs, traced);
      const cpu = new Map<Input, CpuOpening>();
      for (const input of inputs) {
        console.error(`… CPU by thread while opening: ${input.label}`);
        cpu.set(input, await cpuOpening(browser, served.url, input));
      }
      printCpuOpenings(inputs, cpu);
      printSummary(byInput, inputs[1], inputs[0]);
      console.error(`… PNG export of the ${photo.label} photo`);
      const exported = await measureExportBytes(browser, served.url, photo);
      const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
      console.log(
        `\nmain thread during one ${photo.label} PNG export (choosing PNG → the saved file on screen, ${exported.download}): ` +
          `received ${mb(exported.received)} in ${exported.messagesIn} messages (${mb(exported.picturesIn)} of it the viewer's pictures), ` +
          `sent ${mb(exported.sent)} in ${exported.messagesOut} (${mb(exported.picturesOut)} of it pictures' bytes given back to the preview worker)`,
      );
    }
    if (ONLY === null || ONLY === 'equal-bytes') {
      // JPEG (and WebP) at the same bytes on the 12 MP photo: the first answer and the exact one.
      const equalRuns: EqualBytesRun[] = [];
      for (let run = 0; run < (ONLY ? 3 : Math.max(1, Math.min(RUNS, 3))); run++) {
        console.error(`… equal-bytes JPEG${run === 0 ? ' and WebP' : ''}, run ${run + 1}: ${photo.label}`);
        equalRuns.push(await measureEqualBytes(browser, served.url, photo, run === 0));
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
      const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      // Quality 0: the codec cannot make a file this small (its quality 1 is larger).
      const answerText = (answer: { quality: number; bytes: number }) =>
        answer.quality > 0 ? `q${answer.quality} ${(answer.bytes / 1000).toFixed(1)} kB` : 'none this small';
      console.log(`
  JPEG at the same bytes as the .svd file, ${photo.label} photo at rank ${RANK} (from the search's start; medians of ${equalRuns.length}):`);
      console.log(
        `  first answer ${seconds(median(equalRuns.map((r) => r.jpeg.first)))} (target < 3 s), exact ${seconds(median(equalRuns.map((r) => r.jpeg.exact)))}; ` +
          equalRuns.map((r) => `${answerText(r.jpeg)} for ${(r.svdBytes / 1000).toFixed(1)} kB`).join(', '),
      );
      const webp = equalRuns[0].webp;
      if (webp)
        console.log(
          `WebP at the same bytes (1 run): first answer ${seconds(webp.first)}, exact ${seconds(webp.exact)}, ${answerText(webp)}`,
        );
    }
    // Learn mode on the 12 MP photo: the time each view takes to show its numbers.
    if (ONLY === null || ONLY === 'learn') {
      const learnRuns: LearnRun[] = [];
      for (let run = 0; run < (ONLY ? 3 : Math.max(1, Math.min(RUNS, 3))); run++) {
        console.error(`… Learn mode, run ${run + 1}: ${photo.label}`);
        learnRuns.push(await measureLearn(browser, served.url, photo));
      }
      const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
      printTable(
        `Learn mode on the ${photo.label} photo: seconds from opening it (1 s after ready) to each view's numbers`,
        ['view', ...learnRuns.map((_, run) => `run ${run + 1}`), `median of ${learnRuns.length}`, `≤ ${TARGET_LEARN_VIEW_S} s`],
        LEARN_VIEWS.map(([id, label]) => {
          const times = learnRuns.map((run) => run[id]);
          const median = middle(times);
          return [label, ...times.map((t) => t.toFixed(2)), median.toFixed(2), median <= TARGET_LEARN_VIEW_S ? 'yes' : 'NO'];
        }),
        {
          notes: [
            'each run a fresh browser context: the learn worker and its helper start when the mode opens (Node-side costs: dist/bench/learn-bench.mjs)',
          ],
        },
      );
    }
    const errors = [...byInput.values()].flat().flatMap((r) => r.errors.map((e) => `${r.input.label} run ${r.run + 1}: ${e}`));
    if (errors.length) {
      console.log(`\npage errors and console warnings (${errors.length}):`);
      for (const error of [...new Set(errors)].slice(0, 10)) console.log(`  ${error}`);
    }
    console.log(`\nload average at the end: ${loadAverage()}`);
    console.log(`UI benchmark time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } catch (error) {
    console.error(`ui-bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    for (const child of busy) child.kill();
    await browser?.close().catch(() => undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(tempDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
