/**
 * One SVD worker of the renderer's pool: runs core's truncated SVD on one (channel, rank) job at
 * a time (core/pool.ts schedules them). The channel it last worked on is kept by key, so a later
 * stage of the same channel on this worker costs no copy; only one is kept, so a worker never
 * holds more than one channel's memory. Exposed with comlink; the UI imports only the type.
 */
import * as Comlink from 'comlink';
import { createKernels, truncatedSvd, type KernelBackend, type Matrix, type TruncatedSvd } from '../../../core/index.js';
import { MISSING_CHANNEL, type SvdJobMessage } from './svd-protocol.js';

const KEEP_CHANNELS = 1;

const channels = new Map<string, Matrix>();
const backends = new Map<string, Promise<KernelBackend>>();

const api = {
  async run(job: SvdJobMessage, onProgress: (fraction: number) => void): Promise<TruncatedSvd> {
    if (job.channel) {
      channels.delete(job.key);
      channels.set(job.key, job.channel);
      while (channels.size > KEEP_CHANNELS) channels.delete(channels.keys().next().value!);
    }
    const channel = channels.get(job.key);
    if (!channel) throw new Error(MISSING_CHANNEL);
    const kind = job.kernels ?? 'auto';
    if (!backends.has(kind)) backends.set(kind, createKernels(kind));
    const result = await truncatedSvd(channel, { rank: job.rank, seed: job.seed, kernels: await backends.get(kind)!, onProgress });
    return Comlink.transfer(result, [result.u.data.buffer, result.v.data.buffer, result.sigma.buffer] as ArrayBuffer[]);
  },
};

export type SvdWorkerApi = typeof api;
Comlink.expose(api);
