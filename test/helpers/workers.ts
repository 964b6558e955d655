/**
 * Which of a page's workers run, for the tests and the UI benchmark. Playwright's page.workers()
 * alone is not enough: an analysis worker the studio had ended (terminated by its bridge's
 * release(), idle, before the comparison's decomposition) stayed listed without a close event,
 * never answering, for 15 s to over 2 min, in about one run in four of studio.spec.ts and
 * worker-crash.spec.ts one after the other. A worker that answers an evaluation runs.
 */
import type { Page, Worker } from '@playwright/test';

/** Whether `evaluation` (an evaluation in a worker) succeeds within `withinMs`: false when it fails or takes longer. */
export function answersWithin(evaluation: Promise<unknown>, withinMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), withinMs)));
  const answered = evaluation.then(
    () => true,
    () => false,
  );
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

/** The page's `<script>.worker` workers that Playwright lists. */
export function listedWorkers(page: Page, script: string): Worker[] {
  return page.workers().filter((worker) => worker.url().includes(`/${script}.worker`));
}

/** How many of the page's `<script>.worker` workers run: listed, and answering an evaluation within `withinMs`. */
export async function runningWorkers(page: Page, script: string, withinMs: number): Promise<number> {
  const answers = await Promise.all(
    listedWorkers(page, script).map((worker) =>
      answersWithin(
        worker.evaluate(() => true),
        withinMs,
      ),
    ),
  );
  return answers.filter(Boolean).length;
}
