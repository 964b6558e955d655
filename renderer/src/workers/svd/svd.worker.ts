/**
 * One SVD worker of the renderer's pool: runs core's truncated SVD on one (plane, rank) job at
 * a time (core/pool.ts schedules them). Its plane comes as a matrix, or as an index into the
 * image's planes under a layout with what it is made from — the plane's own colour channel
 * (1 byte or 2 per pixel), or the whole image (shared pixels, or a copy for a Y/Cb/Cr plane) — and
 * the worker makes the plane itself (a Y/Cb/Cr plane or a patch matrix as floats; a colour plane
 * from its channel's samples, taken from the image here when the image came; a whole-image
 * colour plane is those samples, which core takes as they are), so the planes of a photo are made in
 * parallel, by the workers that need them, instead of one after the other before any work
 * starts. It keeps the last plane (a later stage of the same plane costs no copy), not what it
 * was made from: a 12 MP photo's image is 36 MB in each worker, for the whole decomposition, when
 * kept. A later stage extends the Krylov space of the stage before, which comes with the job
 * (from whichever worker ran that stage). Exposed with comlink; others import only the type.
 */
import * as Comlink from 'comlink';
import {
  channelSamples,
  createKernels,
  planeMatrix,
  planeChannel,
  planeMatrixOf,
  svdWorkspace,
  truncatedSvd,
  type KernelBackend,
  type KernelKind,
  type SvdInput,
  type TruncatedSvd,
} from '../../../../core/index.js';
import { MISSING_CHANNEL, type SvdJobMessage } from './protocol.js';
import { canShare, movable, newFloats } from '../../shared/shared-memory.js';
import { MappedBuffers } from '../../shared/mapped-buffers.js';

let channel: { key: string; matrix: SvdInput } | null = null;
/** Jobs running (a job yields to the event loop; a reserve() arriving then waits for none). */
let running = 0;
const backends = new Map<string, Promise<KernelBackend>>();
/**
 * The buffer for the next colour channel this worker takes from shared pixels, mapped by
 * reserve() while the photo decodes, so the channel's page faults are not taken in the first job.
 */
let mappedChannel: MappedBuffers | null = null;

function channelFor(job: SvdJobMessage): SvdInput {
  if (job.channel) channel = { key: job.key, matrix: job.channel };
  if (channel?.key === job.key) return channel.matrix;
  if (!job.source) throw new Error(MISSING_CHANNEL);
  channel = null; // free the old plane before making the new one
  const { index, layout, image } = job.source;
  const colour = planeChannel(layout, index);
  // A colour channel's plane: the channel sent, or taken here from the (shared) pixels sent.
  const samples =
    job.source.channel ??
    (image && colour !== null
      ? channelSamples(image, colour, image.bitDepth === 8 ? mappedChannel?.take(image.width * image.height) : undefined)
      : undefined);
  if (samples) {
    if (layout.model === 'whole') {
      // The channel's own values are the matrix: core copies them into its workspace as floats.
      const plane = layout.planes[index];
      channel = { key: job.key, matrix: { rows: plane.rows, cols: plane.cols, data: samples } };
    } else {
      channel = { key: job.key, matrix: planeMatrix(Float32Array.from(samples), layout, index) };
    }
  } else if (image) {
    channel = { key: job.key, matrix: planeMatrixOf(image, layout, index) };
  } else {
    throw new Error(MISSING_CHANNEL);
  }
  return channel.matrix;
}

function backend(kind: KernelKind | 'auto'): Promise<KernelBackend> {
  let kernels = backends.get(kind);
  if (!kernels) {
    kernels = createKernels(kind);
    backends.set(kind, kernels);
  }
  return kernels;
}

const api = {
  /**
   * Maps the workspace of a rank-`rank` job on a rows × cols plane now (core's pool.reserve), on
   * the backend jobs use by default, unless a job runs (growing the memory would move it under
   * the job's views). On a page that shares pixels (canShare), for 8-bit samples that this worker
   * will take its plane from (`makesPlane`; not when the decoder made the planes), it also maps
   * the buffer the next channel is taken into (mappedChannel), job or not; one no job takes goes
   * with the next reserve() or with this worker (the engine replaces its pool after each photo's
   * decomposition).
   */
  async reserve(rows: number, cols: number, rank: number, eightBit: boolean, makesPlane = true): Promise<void> {
    const workspace = svdWorkspace(rows, cols, rank, eightBit);
    const kernels = await backend('auto');
    if (workspace && running === 0) kernels.reserve(workspace.floats, workspace.thinColumns);
    mappedChannel?.drop();
    mappedChannel = null;
    if (eightBit && makesPlane && canShare()) {
      // Mapped now (MappedBuffers.map would wait a task): a job that arrives next finds it.
      mappedChannel = new MappedBuffers();
      mappedChannel.mapNow(rows * cols);
    }
  },

  /** Lets go of the plane (another image is open; a channel buffer mapped for it stays). */
  release(): void {
    channel = null;
  },

  async run(job: SvdJobMessage, onProgress: (fraction: number) => void): Promise<TruncatedSvd> {
    const matrix = channelFor(job);
    running++;
    let result: TruncatedSvd;
    try {
      result = await truncatedSvd(matrix, {
        rank: job.rank,
        seed: job.seed,
        kernels: await backend(job.kernels ?? 'auto'),
        krylov: job.krylov,
        keepKrylov: job.keepKrylov,
        krylovSteps: job.krylovSteps,
        coarseStart: job.coarseStart,
        // U and V made shared where the page can share (shared-memory.ts).
        allocate: newFloats,
        onProgress,
      });
    } finally {
      running--;
    }
    // U and V are shared where the page can share (core wrote them into newFloats' arrays): the
    // engine passes them on to the preview, analysis and learn workers, which then read this one
    // copy. The rest is moved.
    const buffers = movable(result.u.data, result.v.data, result.sigma);
    if (result.krylov) buffers.push(...movable(result.krylov.p, result.krylov.q, result.krylov.m));
    return Comlink.transfer(result, buffers);
  },
};

export type SvdWorkerApi = typeof api;
Comlink.expose(api);
