/** The UI benchmark's flags, viewport, slider workload, timeouts and the targets from the issue. */
import { resolve } from 'node:path';
import { QUICK, ROOT } from '../lib/config.js';

export const RUNS = (() => {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--runs');
  if (at < 0) return QUICK ? 1 : 3;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error('ui-bench: --runs needs a positive whole number');
    process.exit(2);
  }
  return n;
})();

/**
 * `--busy N`: N processes that each keep a core busy for the whole benchmark (none by default),
 * to see the studio on a loaded machine, or one with fewer free cores, beside a quiet run.
 */
export const BUSY = (() => {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--busy');
  if (at < 0) return 0;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < 0) {
    console.error('ui-bench: --busy needs a whole number of busy processes (0 or more)');
    process.exit(2);
  }
  return n;
})();

/**
 * `--only window` (the opening and slider runs, the tables and the export's bytes), `--only
 * equal-bytes` or `--only learn` (three runs on the 12 MP photo each); null: everything.
 */
export const ONLY: 'window' | 'equal-bytes' | 'learn' | null = (() => {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--only');
  if (at < 0) return null;
  const value = argv[at + 1];
  if (value !== 'window' && value !== 'equal-bytes' && value !== 'learn') {
    console.error('ui-bench: --only takes one value: window, equal-bytes or learn');
    process.exit(2);
  }
  return value;
})();
export const ONLY_EQUAL_BYTES = ONLY === 'equal-bytes';

/** Learn mode: each view within this long of opening it on the 12 MP photo (issue 14). */
export const TARGET_LEARN_VIEW_S = 3;

/**
 * The built studio the benchmark serves: dist/renderer, or `--renderer DIR` (another build, say
 * an earlier commit's, measured on the same machine for a before and after).
 */
export const RENDERER_DIR = (() => {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--renderer');
  if (at < 0) return `${ROOT}dist/renderer`;
  const dir = argv[at + 1];
  if (!dir) {
    console.error('ui-bench: --renderer needs a folder (a built studio, with index.html)');
    process.exit(2);
  }
  return resolve(dir);
})();
/**
 * Served as the desktop app serves the studio, cross-origin isolated (its threads share a photo's
 * pixels), unless `--plain-server`: no COOP/COEP headers, as any static file server, where each
 * worker copies them.
 */
export const ISOLATED = !process.argv.slice(2).includes('--plain-server');

/**
 * After loading, a run waits for the studio's 'studio:warm' mark (its workers started and their
 * WebAssembly compiled: what happens before a person could choose a file) at most this long
 * before choosing the photo; a build without the mark waits this long.
 */
export const WARM_TIMEOUT_MS = 15_000;
/** Then this much longer, so that whatever else starting up left running is done (the same for every build). */
export const SETTLE_MS = 3000;
export const VIEWPORT = { width: 1280, height: 800 };

/** The slider starts at the studio's initial rank (core's DEFAULT_STAGES[0], the first stage) and drags up by this much and back. */
export const START_RANK = 32;
export const DRAG_SPAN = QUICK ? 20 : 60;
export const JUMP = 64;
export const JUMPS = QUICK ? 10 : 30;
export const JUMP_TIMEOUT_MS = 2000;
/** A drag's queue has drained when no rank-preview measure arrived for this long (after the last event). */
export const DRAIN_QUIET_MS = 300;
export const DRAIN_TIMEOUT_MS = 5000;
export const OPEN_TIMEOUT_MS = 180_000;
/**
 * After the slider runs: how long the measurements at the last rank (the .svd file, JPEG and WebP
 * at its bytes, SSIM, the patch model's comparison with its decomposition) may take to finish, and
 * then the analysis worker to be ended as idle (the studio's ANALYSIS_IDLE_MS) before "at rest".
 */
export const MEASURE_TIMEOUT_MS = 180_000;
/**
 * The studio's mark that the measurements at the controls' rest are all in: 'studio:measured',
 * or `--measured-mark NAME` for an earlier build without it (its last measurement's mark, such as
 * studio:webp-exact-answer).
 */
export const MEASURED_MARK = (() => {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--measured-mark');
  if (at < 0) return 'studio:measured';
  const name = argv[at + 1];
  if (!name) {
    console.error('ui-bench: --measured-mark needs a mark name');
    process.exit(2);
  }
  return name;
})();
export const RELEASE_TIMEOUT_MS = 30_000;

export const TARGET_FIRST_PREVIEW_S = 2;
/** The window's first-preview measure may exceed its decode measure by at most this (seconds). */
export const TARGET_AFTER_DECODE_S = 0.5;
export const TARGET_PEAK_MB = 900;
export const TARGET_READY_MB = 700;
export const TARGET_DRAG_P95_MS = 33;
export const TARGET_JUMP_P95_MS = 150;
export const TARGET_SIZE_RATIO = 1.5;
