/** The Node worker_threads pool (electron/cli/svd-pool.ts), with the bundled worker. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeSvdPool } from '../../electron/cli/svd-pool.js';
import {
  SvdPool,
  progressiveTruncatedSvd,
  splitChannels,
  truncatedSvd,
  type ChannelJob,
  type KrylovState,
  type Matrix,
  type TruncatedSvd,
} from '../../core/index.js';
import sharp from 'sharp';
import { samplesDir } from '../helpers/samples.js';

const workerUrl = new URL('../../dist/electron/svd-worker.mjs', import.meta.url);
if (!existsSync(fileURLToPath(workerUrl))) {
  throw new Error('dist/electron/svd-worker.mjs is missing: run `npm run build` first (npm test does)');
}

async function astronautChannels(): Promise<Matrix[]> {
  const { data, info } = await sharp(samplesDir + 'astronaut_512x512_rgb.png')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return splitChannels({ width: info.width, height: info.height, channels: 3, bitDepth: 8, pixels: new Uint8Array(data) });
}

/** What a fake worker answers: a rank-`rank` result with no components. */
function emptyResult(rank: number): TruncatedSvd {
  return {
    rank,
    sigma: new Float64Array(0),
    u: { rows: 1, cols: 0, data: new Float32Array(0) },
    v: { rows: 1, cols: 0, data: new Float32Array(0) },
    frobeniusNormSquared: 0,
  };
}

describe('SvdPool scheduling (fake workers)', () => {
  it('close() during a decomposition leaves no worker running; idle workers stay within the size', async () => {
    const alive = new Set<object>();
    const spawn = () => {
      const worker = {
        run: (job: { rank: number }) => new Promise<TruncatedSvd>((resolve) => setTimeout(() => resolve(emptyResult(job.rank)), 20)),
        terminate: () => alive.delete(worker),
      };
      alive.add(worker);
      return worker;
    };
    const pool = new SvdPool(2, spawn);
    const channel = { rows: 4, cols: 4, data: new Float32Array(16) };
    // Four concurrent calls spawn up to eight workers; afterwards at most two stay idle.
    await Promise.all([0, 1, 2, 3].map(() => pool.decompose([channel, channel], { stages: [2] })));
    expect(alive.size).toBeLessThanOrEqual(2);
    const running = pool.decompose([channel, channel, channel], { stages: [1, 2] });
    pool.close();
    await running;
    expect(alive.size).toBe(0);
  });
});

describe('SvdPool reserve', () => {
  it('spawns up to the count asked, has each map the workspace, and the next call starts its jobs on those workers', async () => {
    const reserved: [number, number[]][] = [];
    const finishReserve: (() => void)[] = [];
    const ran: number[] = [];
    let spawned = 0;
    const spawn = () => {
      const id = spawned++;
      return {
        run: (job: { rank: number; channel: Matrix }) => {
          ran.push(id);
          return Promise.resolve(emptyResult(job.rank));
        },
        terminate: () => {},
        reserve: (rows: number, cols: number, rank: number, eightBit: boolean) =>
          new Promise<void>((resolve) => {
            reserved.push([id, [rows, cols, rank, Number(eightBit)]]);
            finishReserve.push(resolve);
          }),
      };
    };
    const pool = new SvdPool(4, spawn);
    const reserving = pool.reserve(30, 40, 32, true, 3);
    expect(spawned).toBe(3);
    // One worker after another: the next is asked once the one before has mapped.
    for (let asked = 1; asked <= 3; asked++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(reserved).toHaveLength(asked);
      finishReserve[asked - 1]();
    }
    await reserving;
    expect(reserved.sort(([a], [b]) => a - b)).toEqual([0, 1, 2].map((id) => [id, [30, 40, 32, 1]]));
    const channel = { rows: 30, cols: 40, data: new Float32Array(1200) };
    await pool.decompose([channel, channel, channel], { stages: [32] });
    expect(spawned).toBe(3);
    expect(new Set(ran)).toEqual(new Set([0, 1, 2]));
    // Two of the three idle workers reserve, none is spawned, and a call on two channels runs on those two.
    reserved.length = 0;
    ran.length = 0;
    const again = pool.reserve(30, 40, 32, true, 2);
    expect(spawned).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 5));
    finishReserve[3]();
    await new Promise((resolve) => setTimeout(resolve, 5));
    finishReserve[4]();
    await again;
    expect(reserved).toHaveLength(2);
    await pool.decompose([channel, channel], { stages: [32] });
    expect(new Set(ran)).toEqual(new Set(reserved.map(([id]) => id)));
    pool.close();
    await pool.reserve(30, 40, 32, true, 3);
    expect(spawned).toBe(3);
  });
});

describe('SvdPool reserve and a decomposition', () => {
  it('a worker a decomposition takes while others reserve is not asked to reserve', async () => {
    const asked: number[] = [];
    const finishReserve: (() => void)[] = [];
    let spawned = 0;
    const spawn = () => {
      const id = spawned++;
      return {
        run: (job: ChannelJob) => new Promise<TruncatedSvd>((resolve) => setTimeout(() => resolve(emptyResult(job.rank)), 20)),
        terminate: () => {},
        reserve: () =>
          new Promise<void>((resolve) => {
            asked.push(id);
            finishReserve.push(resolve);
          }),
      };
    };
    const pool = new SvdPool(3, spawn);
    const reserving = pool.reserve(30, 40, 32, true, 3);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(asked).toHaveLength(1);
    // A decomposition takes all three idle workers while the first still maps.
    const channel = { rows: 30, cols: 40, data: new Float32Array(1200) };
    const running = pool.decompose([channel, channel, channel], { stages: [32] });
    finishReserve[0]();
    await reserving;
    expect(asked).toHaveLength(1);
    await running;
  });
});

describe('SvdPool workers and planes', () => {
  it('four workers, three channels: three run, and each channel stays on its worker through the later stages', async () => {
    const ran: { worker: number; channel: number; rank: number }[] = [];
    let spawned = 0;
    const spawn = () => {
      const id = spawned++;
      return {
        run: (job: ChannelJob) =>
          new Promise<TruncatedSvd>((resolve) => {
            ran.push({ worker: id, channel: job.channel.data[0], rank: job.rank });
            // Uneven durations, so the channels finish their stages in changing orders.
            setTimeout(() => resolve(emptyResult(job.rank)), 5 + ((job.channel.data[0] * 7 + job.rank * 3) % 11));
          }),
        terminate: () => {},
      };
    };
    const channels = [0, 1, 2].map((c) => ({ rows: 8, cols: 8, data: new Float32Array(64).fill(c) }));
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let firstStages = 0;
    const done = new SvdPool(4, spawn).decompose(channels, {
      stages: [1, 2, 3],
      laterStagesAfter: gate,
      onStage: (_channel, stage) => {
        if (stage === 0 && ++firstStages === channels.length) setTimeout(open, 5);
      },
    });
    await done;
    expect(spawned).toBe(3);
    expect(ran).toHaveLength(9);
    for (const channel of [0, 1, 2]) {
      const workers = new Set(ran.filter((job) => job.channel === channel).map((job) => job.worker));
      expect(workers.size, `channel ${channel} ran on workers ${[...workers]}`).toBe(1);
    }
  });
});

describe('SvdPool later stages', () => {
  it('wait for laterStagesAfter: every first stage is delivered, nothing else starts, then the rest runs', async () => {
    const started: string[] = [];
    const spawn = () => ({
      run: (job: ChannelJob) => {
        started.push(`${job.channel.data[0]}:${job.rank}`);
        return new Promise<TruncatedSvd>((resolve) =>
          setTimeout(
            () =>
              resolve({
                rank: job.rank,
                sigma: new Float64Array(job.rank).fill(job.channel.data[0]),
                u: { rows: 4, cols: job.rank, data: new Float32Array(4 * job.rank) },
                v: { rows: 4, cols: job.rank, data: new Float32Array(4 * job.rank) },
                frobeniusNormSquared: 0,
              }),
            5,
          ),
        );
      },
      terminate: () => {},
    });
    const channels = [0, 1, 2].map((c) => ({ rows: 4, cols: 4, data: new Float32Array(16).fill(c) }));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const delivered: string[] = [];
    const done = new SvdPool(2, spawn).decompose(channels, {
      stages: [1, 2],
      laterStagesAfter: gate,
      onStage: (channel, stage) => delivered.push(`${channel}:${stage}`),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(delivered.sort()).toEqual(['0:0', '1:0', '2:0']);
    expect(started.sort()).toEqual(['0:1', '1:1', '2:1']);
    open();
    const results = await done;
    expect(started.slice(3).sort()).toEqual(['0:2', '1:2', '2:2']);
    expect(results.map((result) => [result.rank, result.sigma[0]])).toEqual([
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    // A gate that fails opens as well: the decomposition never hangs on it.
    const failed = await new SvdPool(3, spawn).decompose(channels, { stages: [1, 2], laterStagesAfter: Promise.reject(new Error('x')) });
    expect(failed.map((result) => result.rank)).toEqual([2, 2, 2]);
  });
});

/** A job run on the calling thread, as a worker runs it: for fake workers that record their jobs. */
function runHere(job: ChannelJob): Promise<TruncatedSvd> {
  return truncatedSvd(job.channel, {
    rank: job.rank,
    seed: job.seed,
    krylov: job.krylov,
    keepKrylov: job.keepKrylov,
    krylovSteps: job.krylovSteps,
    coarseStart: job.coarseStart,
  });
}

describe('SvdPool splitting', () => {
  it('coarseStart: the first stages start coarse whole; the next stage, split in two, extends their blocks of 32', async () => {
    const channels = await astronautChannels();
    const jobs: { channel: number; coarseStart?: boolean; krylovSteps?: number; resumed: string }[] = [];
    const spawn = () => ({
      run: async (job: ChannelJob) => {
        const resumed = job.krylov ? `${job.krylov.steps} × ${job.krylov.blockSize}` : '-';
        jobs.push({ channel: channels.indexOf(job.channel), coarseStart: job.coarseStart, krylovSteps: job.krylovSteps, resumed });
        return runHere(job);
      },
      terminate: () => {},
    });
    const results = await new SvdPool(2, spawn).decompose(channels, { stages: [32, 64], seed: 3, coarseStart: true });
    // Rank 32: one coarse step each, never split, all three first (the queue is stage by stage).
    // Rank 64 in blocks of 32 is 5 steps, 4 of them new (128 columns, enough to split): up to
    // step 3, then the rest. Which channel's piece runs next depends on which worker is free.
    expect(jobs.slice(0, 3).every((job) => job.coarseStart === true && job.krylovSteps === undefined && job.resumed === '-')).toBe(true);
    for (let channel = 0; channel < 3; channel++) {
      expect(
        jobs.filter((job) => job.channel === channel).map((job) => [job.coarseStart ?? false, job.krylovSteps ?? null, job.resumed]),
      ).toEqual([
        [true, null, '-'],
        [false, 3, '1 × 32'],
        [false, null, '3 × 32'],
      ]);
    }
    for (let index = 0; index < 3; index++) {
      const whole = await progressiveTruncatedSvd(channels[index], { stages: [32, 64], seed: 3 + 1000 * index, coarseStart: true });
      expect(results[index].sigma).toEqual(whole.sigma);
    }
  });

  it('three channels on two workers: each stage in two pieces (the space, then the result), same result as one run', async () => {
    const channels = await astronautChannels();
    const jobs: { worker: number; channel: number; krylovSteps?: number; resumed: number }[] = [];
    let spawned = 0;
    const spawn = () => {
      const id = spawned++;
      return {
        run: async (job: ChannelJob) => {
          jobs.push({ worker: id, channel: channels.indexOf(job.channel), krylovSteps: job.krylovSteps, resumed: job.krylov?.steps ?? 0 });
          return runHere(job);
        },
        terminate: () => {},
      };
    };
    const results = await new SvdPool(2, spawn).decompose(channels, { stages: [64], seed: 3 });
    // Rank 64 is 9 steps of 16 columns: 4 in the first piece, 5 in the second; every channel's
    // first piece before any second piece (a worker takes the channel it ran last when it can).
    expect(jobs.slice(0, 3).map((job) => [job.krylovSteps, job.resumed])).toEqual([
      [4, 0],
      [4, 0],
      [4, 0],
    ]);
    expect(jobs.slice(3).map((job) => [job.krylovSteps ?? null, job.resumed])).toEqual([
      [null, 4],
      [null, 4],
      [null, 4],
    ]);
    expect(new Set(jobs.slice(0, 3).map((job) => job.channel))).toEqual(new Set([0, 1, 2]));
    expect(new Set(jobs.slice(3).map((job) => job.channel))).toEqual(new Set([0, 1, 2]));
    // Both workers took part (how evenly is the benchmark's: these fake workers share one thread).
    expect(new Set(jobs.map((job) => job.worker)).size).toBe(2);
    for (let index = 0; index < 3; index++) {
      const whole = await truncatedSvd(channels[index], { rank: 64, seed: 3 + 1000 * index });
      expect(results[index].sigma).toEqual(whole.sigma);
      expect(results[index].krylov).toBeUndefined();
    }
  });
});

describe('Node SVD pool', () => {
  const pool = createNodeSvdPool({ size: 2, workerUrl });
  afterAll(() => pool.close());

  it("coarseStart: each channel's first stage starts coarse and its second extends it, as progressiveTruncatedSvd does", async () => {
    const channels = await astronautChannels();
    const firstStages: TruncatedSvd[] = [];
    const results = await pool.decompose(channels, {
      stages: [32, 64],
      seed: 3,
      coarseStart: true,
      onStage: (channel, stage, result) => {
        if (stage === 0) firstStages[channel] = result;
      },
    });
    for (let index = 0; index < 3; index++) {
      const local: TruncatedSvd[] = [];
      await progressiveTruncatedSvd(channels[index], {
        stages: [32, 64],
        seed: 3 + 1000 * index,
        coarseStart: true,
        onStage: (result) => local.push(result),
      });
      expect(firstStages[index].sigma).toEqual(local[0].sigma);
      expect(results[index].sigma).toEqual(local[1].sigma);
      expect(results[index].v.data).toEqual(local[1].v.data);
    }
  });

  it('decomposes three channels on two workers, with the same results as the calling thread', async () => {
    const channels = await astronautChannels();
    const copies = channels.map((c) => Float32Array.from(c.data));
    const stagesSeen: string[] = [];
    const progress: number[] = [];
    const results = await pool.decompose(channels, {
      stages: [16, 48],
      seed: 3,
      onStage: (channel, stage, result) => stagesSeen.push(`${channel}:${stage}:${result.rank}`),
      onProgress: (fraction) => progress.push(fraction),
    });
    expect(results).toHaveLength(3);
    expect([...stagesSeen].sort()).toEqual(['0:0:16', '0:1:48', '1:0:16', '1:1:48', '2:0:16', '2:1:48']);
    // Stage by stage: the first two jobs are two channels' rank-16 previews, and each
    // channel's stages arrive in order.
    expect(stagesSeen.slice(0, 2).every((event) => event.split(':')[1] === '0')).toBe(true);
    for (const channel of ['0', '1', '2']) {
      const own = stagesSeen.filter((event) => event.startsWith(channel + ':'));
      expect(own.map((event) => event.split(':')[1])).toEqual(['0', '1']);
    }
    expect(progress.at(-1)).toBe(1);
    channels.forEach((channel, index) => expect(channel.data).toEqual(copies[index]));
    for (let index = 0; index < 3; index++) {
      // The pool seeds channel i with seed + 1000·i (its first stage; later stages extend that space), as progressiveTruncatedSvd.
      const local = await progressiveTruncatedSvd(channels[index], { stages: [16, 48], seed: 3 + 1000 * index });
      expect(results[index].rank).toBe(local.rank);
      expect(results[index].sigma).toEqual(local.sigma);
      expect(results[index].u.data).toEqual(local.u.data);
    }
  });

  it("keeps each channel's Krylov space for a higher rank asked later, which extends it", async () => {
    const channels = await astronautChannels();
    const kept: KrylovState[] = [];
    await pool.decompose(channels, { stages: [16], seed: 3, keepKrylov: true, onKrylov: (channel, state) => (kept[channel] = state) });
    expect(kept.map((state) => state.steps)).toEqual([4, 4, 4]);
    const later = await pool.decompose(channels, { stages: [48], krylov: kept });
    for (let index = 0; index < 3; index++) {
      const local = await progressiveTruncatedSvd(channels[index], { stages: [16, 48], seed: 3 + 1000 * index });
      expect(later[index].sigma).toEqual(local.sigma);
    }
  });

  // Bounded by work, not by the clock: the abort comes once the workers have reported progress,
  // and the pool must reject without delivering any stage (the workers are terminated mid-job).
  it('abort rejects mid-job without delivering a stage, and the pool works again afterwards', async () => {
    const big: Matrix = { rows: 2000, cols: 2500, data: new Float32Array(2000 * 2500).map((_, i) => (i * 7919) % 251) };
    const controller = new AbortController();
    let stagesDelivered = 0;
    let fractionAtAbort = -1;
    const run = pool.decompose([big, big, big], {
      stages: [256],
      signal: controller.signal,
      kernels: 'plain',
      onStage: () => stagesDelivered++,
      onProgress: (fraction) => {
        if (fraction > 0 && !controller.signal.aborted) {
          fractionAtAbort = fraction;
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(fractionAtAbort).toBeGreaterThan(0);
    expect(fractionAtAbort).toBeLessThan(1);
    expect(stagesDelivered).toBe(0);
    const channels = await astronautChannels();
    const results = await pool.decompose(channels.slice(0, 2), { stages: [8] });
    expect(results.map((r) => r.rank)).toEqual([8, 8]);
  });

  it('passes engine errors through with their message', async () => {
    const bad: Matrix = { rows: 2, cols: 2, data: Float32Array.of(1, NaN, 3, 4) };
    await expect(pool.decompose([bad], { stages: [1] })).rejects.toThrow(/NaN at row 0, column 1/);
  });
});
