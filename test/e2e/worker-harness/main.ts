/**
 * Test page: runs core's truncatedSvd in a module Web Worker bundled by Vite, the way the
 * studio's renderer will, so the end-to-end test can check that the WebAssembly SIMD kernels
 * load and compute in a real browser worker.
 */
export interface WorkerResult {
  kernels: string;
  rank: number;
  sigma: number[];
  milliseconds: number;
}

const worker = new Worker(new URL('./svd.worker.ts', import.meta.url), { type: 'module' });

function runSvd(rows: number, cols: number, values: number[], rank: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerResult | { error: string }>) => {
      if ('error' in event.data) reject(new Error(event.data.error));
      else resolve(event.data);
    };
    const data = Float32Array.from(values);
    worker.postMessage({ rows, cols, data, rank }, [data.buffer]);
  });
}

(window as unknown as { runSvd: typeof runSvd }).runSvd = runSvd;
document.getElementById('status')!.textContent = 'ready';
