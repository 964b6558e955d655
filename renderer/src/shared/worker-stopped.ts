/**
 * A promise that rejects once `worker` stops with an uncaught error (its 'error' event, handled
 * here so it goes no further): raced against a call to it, the call fails rather than wait
 * forever. Used where a worker starts its own workers (the engine's SVD pool, the learn
 * worker's helper); the main thread's WorkerBridge does the same for its workers.
 */
export function workerStopped(worker: Worker, what: string): Promise<never> {
  const stopped = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(new Error(`${what} stopped${event.message ? `: ${event.message}` : ''}`));
    });
  });
  stopped.catch(() => {});
  return stopped;
}
