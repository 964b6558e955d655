/** The tables printed for each photo: wall time, pool scaling, progressive milestones, accuracy. */
import type { Accuracy } from './accuracy.js';
import { PREVIEW_RANK, PROGRESSIVE_STAGES, RANKS, SKLEARN_DTYPES, WORKING_RANK } from './config.js';
import { findRow, POOL, type PhotoResults, type ProgressiveRow } from './engine-runs.js';
import type { Timing } from './measure.js';
import { dtypeTag, sklearnAccuracy, sklearnLabel, sklearnSetupNotes, sklearnSkipNote, sklearnTiming, type SklearnRun } from './sklearn.js';
import { printTable, range, ratio, scientific, seconds } from './table.js';

/** One "÷ sklearn" cell per input type: `median` over sklearn's median with that type. */
function ratioCells(median: number, run: SklearnRun, rank: number): string[] {
  return SKLEARN_DTYPES.map((dtype) => {
    const reference = sklearnTiming(run, rank, dtype);
    return reference ? ratio(median / reference.median) : '-';
  });
}

export function printTimings(results: PhotoResults): void {
  const { photo, sklearnOne, sklearnThree } = results;
  const rows: string[][] = [];
  const timingCells = (t: Timing) => [String(t.runs), seconds(t.median), range(t)];
  for (const rank of RANKS) {
    for (const row of results.rows.filter((r) => r.rank === rank)) {
      const t = row.measured.timing;
      rows.push([row.configuration, String(rank), ...timingCells(t), ...ratioCells(t.median, row.sklearn, rank)]);
    }
    for (const row of results.cold.filter((r) => r.rank === rank))
      rows.push([row.configuration, String(rank), '1', seconds(row.seconds), '-', '-', '-']);
    for (const run of [sklearnOne, sklearnThree]) {
      for (const dtype of SKLEARN_DTYPES) {
        const t = sklearnTiming(run, rank, dtype);
        if (t) rows.push([sklearnLabel(run, dtype), String(rank), ...timingCells(t), ...ratioCells(t.median, run, rank)]);
      }
    }
  }
  const [strict, usual] = SKLEARN_DTYPES.map(dtypeTag);
  const notes = [
    `1-channel rows: channel ${'RGB'[photo.checkChannel]}; "÷ sklearn ${strict}/${usual}" divide by sklearn with the same channel count (1 ch: 1 thread, 3 ch: 2 threads)`,
    `and float32 / float64 input (${usual}: A.astype(np.float64) before the clock starts, as randomized_svd is usually called; ${strict} is the same type as ours).`,
    'Pool rows include copying the channels to the workers; the 1- and 2-worker runs alternate. Timed rows follow a warm-up',
    '(3 rounds on the 1 MP crop); "(cold)" rows are first calls: a fresh process\'s first decomposition, or a fresh pool\'s',
    'first job (worker start included). Calling-thread rows reuse one kernel backend per kind (its WebAssembly workspace),',
    "as each host's SVD worker does after its first job; a fresh workspace's first touch adds ~0.2 s at 12 MP on this VM.",
  ];
  const skipped = new Set([sklearnOne, sklearnThree].map(sklearnSkipNote).filter((note) => note !== null));
  notes.push(...skipped, ...sklearnSetupNotes(sklearnOne, sklearnThree));
  printTable(
    `Wall time — ${photo.label}, seconds`,
    ['configuration', 'rank', 'N', 'median', 'min–max', ...SKLEARN_DTYPES.map((dtype) => `÷ sklearn ${dtypeTag(dtype)}`)],
    rows,
    { notes },
  );
}

export function printScaling(results: PhotoResults): void {
  const channels = results.photo.channels.length;
  const ideal = channels / Math.ceil(channels / 2);
  const rows = RANKS.map((rank) => {
    const one = findRow(results, POOL(1), rank)!.measured.timing;
    const two = findRow(results, POOL(2), rank)!.measured.timing;
    const sklearn = SKLEARN_DTYPES.map((dtype) => sklearnTiming(results.sklearnThree, rank, dtype));
    return [
      String(rank),
      seconds(one.median),
      seconds(two.median),
      `${ratio(one.median / two.median)}×`,
      `${ratio(ideal)}×`,
      ...sklearn.map((t) => (t ? seconds(t.median) : '-')),
    ];
  });
  printTable(
    `Pool scaling — ${results.photo.label}, three channels, stages = [rank], medians in seconds`,
    ['rank', '1 worker', '2 workers', 'speed-up', 'ideal', ...SKLEARN_DTYPES.map((dtype) => `sklearn ${dtypeTag(dtype)} 2 thr`)],
    rows,
    { notes: ['ideal: with one stage each channel is one job, so three channels on two workers take two rounds (3 ÷ 2).'] },
  );
}

export function printProgressive(results: PhotoResults): void {
  const [usual, coarse] = results.progressive;
  const milestones: [string, (p: ProgressiveRow) => Timing][] = [
    [`all three rank-${PREVIEW_RANK} stages arrived`, (p) => p.allPreviews],
    [`first rank-${PREVIEW_RANK} stage arrived`, (p) => p.firstPreview],
    ['total (all stages, all channels)', (p) => p.total.timing],
  ];
  const rows = milestones.map(([label, of]) => [
    label,
    seconds(of(usual).median),
    range(of(usual)),
    seconds(of(coarse).median),
    range(of(coarse)),
    (of(coarse).median / of(usual).median).toFixed(2) + '×',
  ]);
  printTable(
    `Progressive [${PROGRESSIVE_STAGES.join(', ')}] — ${results.photo.label}, three channels, 2 workers, N = ${usual.total.timing.runs} each (runs alternating), seconds`,
    ['milestone', 'Gaussian start', 'min–max', 'coarse first stage', 'min–max', 'coarse ÷ Gaussian'],
    rows,
    {
      notes: [
        `The pool queues (channel, stage) jobs stage by stage: the three rank-${PREVIEW_RANK} previews run first (two at once, then the third), before any rank-${PROGRESSIVE_STAGES[1]} stage.`,
        `Coarse first stage (core's coarseStart, as the studio starts it): one step of 32 columns from the channel shrunk 4× each way; the later stages extend it in blocks of 32. Gaussian start: blocks of 16 throughout.`,
        'Accuracy of the last stage of both: the accuracy table.',
      ],
    },
  );
}

function accuracyCells(label: string, rank: number, accuracy: Accuracy, sklearnResidual: number | undefined): string[] {
  return [
    label,
    String(rank),
    accuracy.worstResidualRatio.toFixed(6),
    scientific(accuracy.sigmaErrorHalf),
    scientific(accuracy.sigmaErrorAll),
    scientific(accuracy.orthonormality),
    accuracy.residual.toFixed(1),
    sklearnResidual === undefined ? '-' : (accuracy.residual / sklearnResidual).toFixed(6),
  ];
}

export function printAccuracy(results: PhotoResults): void {
  const { photo } = results;
  const rows: string[][] = [];
  const [strict] = SKLEARN_DTYPES;
  for (const rank of RANKS) {
    // "÷ sklearn" is against the float32 run, the same data type as ours.
    const sklearn = sklearnAccuracy(results.sklearnOne, rank, strict, photo.reference);
    for (const row of results.rows.filter((r) => r.rank === rank))
      rows.push(accuracyCells(row.configuration, rank, row.accuracy, sklearn?.residual));
    if (rank === WORKING_RANK) {
      for (const row of results.progressive) {
        const label = `3 ch, progressive${row.coarseStart ? ', coarse first stage' : ''}, 2 workers`;
        rows.push(accuracyCells(label, rank, row.accuracy, sklearn?.residual));
      }
    }
    for (const dtype of SKLEARN_DTYPES) {
      const accuracy = sklearnAccuracy(results.sklearnOne, rank, dtype, photo.reference);
      if (accuracy) rows.push(accuracyCells(`sklearn randomized_svd, ${dtype} input`, rank, accuracy, sklearn?.residual));
    }
  }
  printTable(
    `Accuracy — ${photo.label}, channel ${'RGB'[photo.checkChannel]} vs LAPACK (fixture ${photo.reference.name}); last run of each configuration`,
    ['configuration', 'rank', 'max_k resid/opt', 'σ err ≤r/2', 'σ err ≤r', 'orthonorm', '‖A−A_r‖_F', `÷ sklearn ${dtypeTag(strict)}`],
    rows,
    {
      notes: [
        'resid/opt = max over k ≤ rank of ‖A − A_k‖_F ÷ the optimal ‖A − A_k‖_F; σ err = worst |σ_i − σ_i*| / σ_i*; orthonorm = max |UᵀU − I|, |VᵀV − I|.',
      ],
    },
  );
}
