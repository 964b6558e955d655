/**
 * peerWorker's start: a peer (the analysis worker, say) that starts while the engine worker dies
 * attaches to the engine that replaces it, instead of waiting for an answer the dead one never
 * sends. The "workers" are comlink endpoints on MessageChannels (Node has no Web Workers); a
 * crash is the 'error' event a worker's uncaught error fires.
 */
import type { MessagePort as NodeMessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { peerWorker } from '../../renderer/src/bridge/peer-worker.js';
import { WorkerBridge } from '../../renderer/src/bridge/worker-bridge.js';
import { FakeWorker } from '../helpers/fake-worker.js';
import type { PeerLinks } from '../../renderer/src/workers/engine/protocol.js';

// The tests compile without the DOM, where MessagePort is only a value (Node's): the bridge and
// the peers' protocol name the type, which Node's port stands in for.
declare global {
  type MessagePort = NodeMessagePort;
}

interface PeerApi {
  connect(port: unknown): void;
  ping(): string;
}

const bridges: { terminate(): void }[] = [];

afterEach(() => {
  for (const bridge of bridges.splice(0)) bridge.terminate();
});

describe('peerWorker', () => {
  it('a peer that starts while the engine dies attaches to the engine that replaces it', async () => {
    const engines: FakeWorker[] = [];
    const attached: number[] = [];
    let firstAttachArrived = () => {};
    const firstAttach = new Promise<void>((resolve) => (firstAttachArrived = resolve));
    const engine = new WorkerBridge<PeerLinks>(
      () => {
        const index = engines.length;
        const worker = new FakeWorker({
          // The first engine takes the attach and never answers: it is dying.
          attach: () => {
            if (index === 0) {
              firstAttachArrived();
              return new Promise<void>(() => {});
            }
            attached.push(index);
          },
          detach: () => {},
        });
        engines.push(worker);
        return worker as unknown as Worker;
      },
      { name: 'engine' },
    );
    bridges.push(engine);
    const peer = peerWorker<PeerApi, PeerLinks>(
      'analysis',
      () => new FakeWorker({ connect: () => {}, ping: () => 'pong' }) as unknown as Worker,
      engine,
    );
    bridges.push(peer);

    const ping = peer.call((api) => api.ping());
    await firstAttach;
    engines[0].crash('injected crash');
    // Before, the start waited for the dead engine's answer: the call stayed pending for good (5 s stands for that here).
    const outcome = await Promise.race([ping, new Promise((resolve) => setTimeout(() => resolve('still pending'), 5000))]);
    expect(outcome).toBe('pong');
    expect(engines).toHaveLength(2);
    expect(attached).toEqual([1]);
  });
});
