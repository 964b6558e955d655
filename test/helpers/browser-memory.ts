/** The whole browser's memory, sampled while a photo opens (Linux only). */
import { readFileSync, readdirSync } from 'node:fs';
import { CHROMIUM_PATH } from './chromium.js';

/**
 * Memory of the whole browser (every Chromium process: browser, renderer, GPU, and the page's
 * workers, which live in the renderer process), as the sum of their proportional set sizes
 * (PSS: shared pages divided among the processes sharing them, so nothing is counted twice).
 * Linux only (/proc/<pid>/smaps_rollup); null elsewhere.
 */
export function chromiumPssMb(): number | null {
  let total = 0;
  let found = false;
  for (const { pid } of chromiumProcesses()) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match) {
        total += Number(match[1]);
        found = true;
      }
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return found ? total / 1024 : null;
}

/**
 * The running Chromium processes (Linux only; none elsewhere): pid and command line (NUL-separated
 * arguments, as /proc/<pid>/cmdline holds them).
 */
export function chromiumProcesses(): { pid: string; command: string }[] {
  if (process.platform !== 'linux' || !CHROMIUM_PATH) return [];
  const found: { pid: string; command: string }[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (command.startsWith(CHROMIUM_PATH) || command.includes('/chromium/chromium')) found.push({ pid, command });
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return found;
}

/** Samples chromiumPssMb() every 200 ms until stopped; keeps the peak. */
export function memorySampler(): { stop(): { peakMb: number | null; lastMb: number | null } } {
  let peak: number | null = null;
  let last: number | null = null;
  const sample = () => {
    last = chromiumPssMb();
    if (last !== null) peak = Math.max(peak ?? 0, last);
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakMb: peak, lastMb: last };
    },
  };
}
