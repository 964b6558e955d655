/**
 * Peak resident memory of `svd-studio compress` on large photos (issue 15): the whole-image
 * model at rank 128 and the default patch model, on the 12 MP sample and on a 50 MP photo made
 * from it (sharp's Lanczos upscale to 8660 × 5774, written as a quality-92 JPEG into a temporary
 * folder: for memory only — an upscaled photo's spectrum is not a real photo's). Each run is its
 * own process; its peak is the kernel's VmHWM (the process with its worker threads), read from
 * /proc every 50 ms until it exits.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { PHOTO_FILE, ROOT, SAMPLES_DIR } from '../bench/lib/config.js';
import { printTable } from '../bench/lib/table.js';

const CLI = `${ROOT}dist/electron/cli.mjs`;
/** Issue 15's ceiling for the 50 MP photo. */
export const TARGET_PEAK_BYTES = 2.5 * 2 ** 30;

interface MemoryRun {
  label: string;
  pixels: number;
  args: string;
  peakBytes: number;
  seconds: number;
  code: number | null;
}

function peakOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    return kb * 1024;
  } catch {
    return 0;
  }
}

async function measure(label: string, pixels: number, input: string, args: string[], outDir: string): Promise<MemoryRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'compress', input, ...args, '--out-dir', outDir, '--force'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakOf(child.pid!))), 50);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  if (code !== 0) console.error(`  ${label} ${args.join(' ')}: exit ${code}: ${stderr.trim().split('\n').at(-1)}`);
  return {
    label,
    pixels,
    args: args.join(' ') || '(defaults: patch model, --psnr 36)',
    peakBytes: peak,
    seconds: (performance.now() - started) / 1000,
    code,
  };
}

export async function cliMemory(tempDir: string): Promise<void> {
  const photo = `${SAMPLES_DIR}${PHOTO_FILE}`;
  const big = join(tempDir, 'mountain_sunset_8660x5774_50mp_upscaled.jpg');
  console.error('… making the 50 MP photo');
  await sharp(photo).resize(8660, 5774, { kernel: 'lanczos3' }).jpeg({ quality: 92 }).toFile(big);
  const inputs = [
    { label: '12 MP', pixels: 4272 * 2848, path: photo },
    { label: '50 MP', pixels: 8660 * 5774, path: big },
  ];
  const runs: MemoryRun[] = [];
  for (const input of inputs) {
    for (const args of [['--model', 'whole', '-k', '128'], []]) {
      console.error(`… compress ${input.label} ${args.join(' ') || '(defaults)'}`);
      runs.push(await measure(input.label, input.pixels, input.path, args, tempDir));
    }
  }
  printTable(
    'svd-studio compress: peak resident memory (VmHWM of the process and its worker threads)',
    ['photo', 'options', 'exit', 'seconds', 'peak MB', 'bytes per pixel', `≤ ${TARGET_PEAK_BYTES / 2 ** 30} GiB`],
    runs.map((run) => [
      run.label,
      run.args,
      String(run.code),
      run.seconds.toFixed(1),
      (run.peakBytes / 2 ** 20).toFixed(0),
      (run.peakBytes / run.pixels).toFixed(1),
      run.label === '50 MP' ? (run.peakBytes <= TARGET_PEAK_BYTES ? 'yes' : 'NO') : '',
    ]),
    { notes: ['50 MP: the 12 MP sample upscaled (Lanczos) to 8660 × 5774 in a temporary folder, for memory only.'] },
  );
}
