/** Which scripts a long task ran: the long animation frames' script entries, with a snippet of the built bundle. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LongFrameRecord, LongTaskRecord } from './instrument.js';
import { RENDERER_DIR } from './settings.js';

/** The scripts of the long animation frames overlapping a long task, longest first, with a snippet of their source. */
export function attributionOf(task: LongTaskRecord, frames: readonly LongFrameRecord[]): string {
  const end = task.start + task.duration;
  const scripts = frames
    .filter((f) => f.start < end && f.start + f.duration > task.start)
    .flatMap((f) => f.scripts)
    .filter((s) => s.start < end + 1 && s.start + s.duration > task.start - 1)
    .sort((a, b) => b.duration - a.duration)
    .slice(0, 2);
  const parts = scripts.map((s) => {
    const file = s.sourceURL ? s.sourceURL.slice(s.sourceURL.lastIndexOf('/') + 1) : '';
    const where = file ? ` ${file}:${s.sourceCharPosition}${s.sourceFunctionName ? ` ${s.sourceFunctionName}()` : ''}` : '';
    const layout = s.forcedStyleAndLayoutDuration >= 1 ? `, forced layout ${s.forcedStyleAndLayoutDuration.toFixed(0)} ms` : '';
    return `${s.invokerType} ${s.invoker} ${s.duration.toFixed(0)} ms${layout}${where}${snippet(s.sourceURL, s.sourceCharPosition)}`;
  });
  const own = task.attribution.filter((a) => a !== 'unknown' && a !== 'self/window').join(', ');
  return parts.length
    ? parts.join('; ') + (own ? ` [${own}]` : '')
    : `no script over 5 ms attributed (GC, structured clone, style/layout or a non-script task)${own ? ` [${own}]` : ''}`;
}

/** A few characters of the built bundle at a script's position, to tell which code it was. */
function snippet(sourceURL: string, position: number): string {
  if (!sourceURL || position < 0) return '';
  try {
    const file = join(RENDERER_DIR, decodeURIComponent(new URL(sourceURL).pathname));
    if (!file.startsWith(RENDERER_DIR) || !existsSync(file)) return '';
    const text = readFileSync(file, 'utf8')
      .slice(position, position + 60)
      .replace(/\s+/g, ' ');
    return text ? ` «${text}»` : '';
  } catch {
    return '';
  }
}
