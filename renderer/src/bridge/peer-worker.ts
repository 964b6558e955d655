/**
 * A worker that holds the open image and its factors (the preview worker, the analysis worker)
 * and gets them from the engine worker, not from the main thread: when it starts (and each time
 * it restarts after a call was cut short) it is connected to the engine by a MessageChannel,
 * and the engine sends it the current image and factors.
 */
import * as Comlink from 'comlink';
import type { EngineWorkerApi, PeerRole } from '../workers/engine/engine.worker.js';
import { WorkerBridge } from './worker-bridge.js';

interface Connectable {
  connect(port: MessagePort): void;
}

export function peerWorker<Api extends Connectable>(
  role: PeerRole,
  create: () => Worker,
  engine: WorkerBridge<EngineWorkerApi>,
): WorkerBridge<Api> {
  return new WorkerBridge<Api>(
    create,
    async (remote) => {
      const channel = new MessageChannel();
      await (remote as unknown as Comlink.Remote<Connectable>).connect(Comlink.transfer(channel.port1, [channel.port1]));
      const engineApi = await engine.remote();
      await engineApi.attach(role, Comlink.transfer(channel.port2, [channel.port2]));
    },
    role,
  );
}
