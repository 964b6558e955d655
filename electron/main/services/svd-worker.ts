/**
 * The Node worker_threads side of the SVD pool: runs one channel job at a time with the core
 * engine and posts progress, each stage's result and the final result back. Bundled to
 * dist/electron/svd-worker.mjs by scripts/build-node.mjs.
 */
import { parentPort } from 'node:worker_threads';
import { normalizeStages, progressiveTruncatedSvd } from '../../../core/index.js';
import type { ChannelJob, TruncatedSvd } from '../../../core/index.js';
import type { WorkerReply } from './svd-pool.js';

if (!parentPort) throw new Error('svd-worker must run in a worker thread');
const port = parentPort;

function transferList(result: TruncatedSvd): ArrayBuffer[] {
  return [result.u.data.buffer as ArrayBuffer, result.v.data.buffer as ArrayBuffer, result.sigma.buffer as ArrayBuffer];
}

function clone(result: TruncatedSvd): TruncatedSvd {
  return {
    ...result,
    sigma: Float64Array.from(result.sigma),
    u: { ...result.u, data: Float32Array.from(result.u.data) },
    v: { ...result.v, data: Float32Array.from(result.v.data) },
  };
}

port.on('message', async (job: ChannelJob) => {
  try {
    const stages = normalizeStages(job.stages, job.channel.rows, job.channel.cols);
    const finalStage = stages.length - 1;
    const result = await progressiveTruncatedSvd(job.channel, {
      stages,
      seed: job.seed,
      kernels: job.kernels,
      onProgress: (fraction) => port.postMessage({ type: 'progress', fraction } satisfies WorkerReply),
      onStage: (stageResult, stage) => {
        // The last stage's arrays travel with 'done'; earlier ones are copied, then moved.
        if (stage === finalStage) return;
        const copy = clone(stageResult);
        port.postMessage({ type: 'stage', stage, result: copy } satisfies WorkerReply, transferList(copy));
      },
    });
    port.postMessage({ type: 'done', stage: finalStage, result } satisfies WorkerReply, transferList(result));
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: 'error', name: err.name, message: err.message } satisfies WorkerReply);
  }
});
