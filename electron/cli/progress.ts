/**
 * Progress on stderr for work longer than a second, only when stderr is a terminal: one line,
 * redrawn in place, cleared when done. Silent otherwise (pipes, CI, --json consumers).
 */
export interface Progress {
  stage(label: string): void;
  fraction(value: number): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY) return { stage() {}, fraction() {}, done() {} };
  let label = '';
  let value = 0;
  let shown = false;
  let startedAt = Date.now();
  let lastDraw = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (now - startedAt < 1000 || (!force && now - lastDraw < 100)) return;
    lastDraw = now;
    shown = true;
    const percent = value > 0 ? ` ${Math.round(value * 100)}%` : '';
    stream.write(`\r\x1b[2K${label}${percent}`);
  };
  const timer = setInterval(() => draw(true), 250);
  timer.unref();
  return {
    stage(next) {
      label = next;
      value = 0;
      startedAt = shown ? startedAt : Date.now();
      draw(true);
    },
    fraction(next) {
      value = next;
      draw();
    },
    done() {
      clearInterval(timer);
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
