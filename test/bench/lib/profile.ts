/**
 * Where one rank-256 run spends its time, phase by phase (core's LanczosProfile: products,
 * the mean shift and column norms around them, reorthogonalization, CholeskyQR, copies, the small
 * dense problem, the back-transform, the float64 refinement, and yields to the event loop), per
 * kernel backend: relaxed SIMD and SIMD128 on the 12 MP channel (median of PROFILE_RUNS each),
 * plain TypeScript on the 1 MP crop (one run: it is ~10× slower); and the studio's first look, a
 * rank-32 run started coarse, on the 12 MP channel's 8-bit samples with relaxed SIMD (its coarse
 * start — the shrunk matrix and that matrix's own run — is outside the profiled Lanczos run).
 */
import {
  createKernels,
  DEFAULT_STAGES,
  LANCZOS_PHASES,
  runTruncatedSvd,
  type KernelKind,
  type LanczosPhase,
  type LanczosProfile,
  type Matrix,
  type SvdInput,
  type SvdOptions,
} from '../../../core/index.js';
import { QUICK, WORKING_RANK } from './config.js';
import { printTable } from './table.js';

const PROFILE_RUNS = QUICK ? 1 : 3;
/** The rank of the studio's first preview (its first stage, started coarse). */
const FIRST_LOOK_RANK = DEFAULT_STAGES[0];

/** Milliseconds per phase and in total, medians over `runs` runs (after one warm-up run). */
async function profileRuns(
  kind: KernelKind,
  a: SvdInput,
  runs: number,
  options: SvdOptions = { rank: WORKING_RANK },
): Promise<{ phases: Record<LanczosPhase, number>; total: number }> {
  const backend = await createKernels(kind);
  const samples: { phases: Record<LanczosPhase, number>; total: number }[] = [];
  for (let run = 0; run <= runs; run++) {
    const profile: LanczosProfile = {
      clock: () => performance.now(),
      milliseconds: Object.fromEntries(LANCZOS_PHASES.map((phase) => [phase, 0])) as Record<LanczosPhase, number>,
    };
    const start = performance.now();
    await runTruncatedSvd(a, { ...options, profile }, backend);
    if (run > 0) samples.push({ phases: profile.milliseconds, total: performance.now() - start });
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor((values.length - 1) / 2)];
  return {
    phases: Object.fromEntries(LANCZOS_PHASES.map((phase) => [phase, median(samples.map((s) => s.phases[phase]))])) as Record<
      LanczosPhase,
      number
    >,
    total: median(samples.map((s) => s.total)),
  };
}

export async function printProfile(large: Matrix, largeLabel: string, small: Matrix, smallLabel: string): Promise<void> {
  const columns: { label: string; result: { phases: Record<LanczosPhase, number>; total: number } }[] = [];
  for (const kind of ['relaxed', 'simd'] as const) {
    console.error(`… profile: ${largeLabel}, rank ${WORKING_RANK}, ${kind}`);
    columns.push({ label: `${kind}, ${largeLabel}`, result: await profileRuns(kind, large, PROFILE_RUNS) });
  }
  console.error(`… profile: ${smallLabel}, rank ${WORKING_RANK}, plain`);
  columns.push({ label: `plain, ${smallLabel}`, result: await profileRuns('plain', small, 1) });
  console.error(`… profile: ${largeLabel}, rank ${FIRST_LOOK_RANK} started coarse, relaxed`);
  columns.push({
    label: `first look: relaxed, ${largeLabel}, rank ${FIRST_LOOK_RANK} coarse`,
    // As the studio sends a channel: its 8-bit samples (the photo's values are whole numbers 0…255).
    result: await profileRuns('relaxed', { ...large, data: Uint8Array.from(large.data) }, PROFILE_RUNS, {
      rank: FIRST_LOOK_RANK,
      coarseStart: true,
      keepKrylov: true,
    }),
  });
  const cell = (ms: number, total: number) => `${ms.toFixed(0)} ms ${((100 * ms) / total).toFixed(1).padStart(4)} %`;
  const rows = LANCZOS_PHASES.map((phase) => [phase, ...columns.map(({ result }) => cell(result.phases[phase], result.total))]);
  const accounted = columns.map(({ result }) => LANCZOS_PHASES.reduce((sum, phase) => sum + result.phases[phase], 0));
  rows.push(['(outside the Lanczos run)', ...columns.map(({ result }, i) => cell(result.total - accounted[i], result.total))]);
  rows.push(['total', ...columns.map(({ result }) => `${result.total.toFixed(0)} ms`)]);
  printTable(
    `Profile of one run on the calling thread: rank ${WORKING_RANK} per backend, and the first preview's rank-${FIRST_LOOK_RANK} first look (median of ${PROFILE_RUNS} after a warm-up; plain: 1 run)`,
    ['phase', ...columns.map((c) => c.label)],
    rows,
    {
      notes: [
        'products: A·X and Aᵀ·Y; shift and norms: the mean term added back and the column norms around them;',
        'reorthogonalization and CholeskyQR include their own products with the basis; outside: input statistics, validation, allocation,',
        '  and for the first look its coarse start (the 4× shrunk matrix and its own rank-32 run); the first look runs as the studio runs it:',
        '  8-bit samples, coarseStart, keepKrylov',
      ],
    },
  );
}
