/** CPU time of the browser's threads, read from Linux's /proc, for the UI benchmark. */
import { readFileSync, readdirSync } from 'node:fs';
import { chromiumProcesses } from './browser-memory.js';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux's usual builds). */
const TICKS_PER_SECOND = 100;

export interface ThreadCpu {
  /** The process's --type (renderer, gpu-process, utility…), or 'browser'. */
  process: string;
  /** The thread's name as the kernel holds it (15 characters at most: 'DedicatedWorker', 'ThreadPoolForeg'…). */
  thread: string;
  /** The process's main thread (its thread id is the process id). */
  main: boolean;
  /** CPU time so far (user and system), ms. */
  ms: number;
}

/** Every thread of every Chromium process, by pid/tid (empty where /proc cannot tell). */
export function chromiumThreadCpu(): Map<string, ThreadCpu> {
  const threads = new Map<string, ThreadCpu>();
  for (const { pid, command } of chromiumProcesses()) {
    const type = /--type=([\w-]+)/.exec(command)?.[1] ?? 'browser';
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        // "tid (name) state …": the name may hold spaces and parentheses; utime and stime are fields 14 and 15.
        const close = stat.lastIndexOf(')');
        const fields = stat.slice(close + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        threads.set(`${pid}/${tid}`, {
          process: type,
          thread: stat.slice(stat.indexOf('(') + 1, close),
          main: tid === pid,
          ms: (ticks * 1000) / TICKS_PER_SECOND,
        });
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return threads;
}

/** The whole machine's busy and total CPU time so far (all cores, /proc/stat), ms; null where there is none. */
export function machineCpu(): { busyMs: number; totalMs: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …
    const idle = fields[3] + fields[4];
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { busyMs: ((total - idle) * 1000) / TICKS_PER_SECOND, totalMs: (total * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}
