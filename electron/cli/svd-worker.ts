/**
 * The Node worker_threads side of the SVD pool: runs one job (one channel at one rank) at a
 * time with the core engine and posts progress and the result back. Bundled to
 * dist/electron/svd-worker.mjs by scripts/build-node.mjs.
 */
import { parentPort } from 'node:worker_threads';
import { createKernels, truncatedSvd, type KernelBackend } from '../../core/index.js';
import type { ChannelJob, TruncatedSvd } from '../../core/index.js';
import type { WorkerJob, WorkerReply } from './svd-pool.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

// Inherited from the CLI's process already; set here too for any other host that starts the pool.
enableRelaxedSimd();

if (!parentPort) throw new Error('svd-worker must run in a worker thread');
const port = parentPort;

function transferList(result: TruncatedSvd): ArrayBuffer[] {
  const buffers = [result.u.data.buffer, result.v.data.buffer, result.sigma.buffer];
  if (result.krylov) buffers.push(result.krylov.p.buffer, result.krylov.q.buffer, result.krylov.m.buffer);
  return buffers as ArrayBuffer[];
}

// One kernel backend per worker and kernel kind: its WebAssembly memory is reused by every job,
// instead of a new instance per job waiting for the garbage collector.
const backends = new Map<string, Promise<KernelBackend>>();

// The last channel's matrix: a later job on the same channel gets this very object, so the
// engine finds its copy of it still in the backend's workspace (an extension skips copying it in).
let last: { key: number; matrix: ChannelJob['channel'] } | null = null;

port.on('message', async (job: WorkerJob) => {
  try {
    if (last?.key !== job.channelKey) last = { key: job.channelKey, matrix: job.channel };
    const kind = job.kernels ?? 'auto';
    if (!backends.has(kind)) backends.set(kind, createKernels(kind));
    const backend = await backends.get(kind)!;
    const result = await truncatedSvd(last.matrix, {
      rank: job.rank,
      seed: job.seed,
      kernels: backend,
      krylov: job.krylov,
      keepKrylov: job.keepKrylov,
      krylovSteps: job.krylovSteps,
      coarseStart: job.coarseStart,
      onProgress: (fraction) => port.postMessage({ type: 'progress', fraction } satisfies WorkerReply),
    });
    port.postMessage({ type: 'done', result } satisfies WorkerReply, transferList(result));
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: 'error', name: err.name, message: err.message } satisfies WorkerReply);
  }
});
