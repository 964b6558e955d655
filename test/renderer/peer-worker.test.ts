/**
 * peerWorker's start and reattachPeers: a peer (the analysis worker, say) that starts while the
 * engine worker dies attaches to the engine that replaces it, and a peer that stops while it is
 * being connected leaves nothing waiting for its answer, on the engine's bridge or in the
 * engine's restart. The "workers" are comlink endpoints on MessageChannels (Node has no Web Workers); a
 * crash is the 'error' event a worker's uncaught error fires.
 */
import type { MessagePort as NodeMessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { peerWorker, reattachPeers } from '../../renderer/src/bridge/peer-worker.js';
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

interface EngineApi extends PeerLinks {
  ping(): string;
}

/** A promise and the function that resolves it. */
function signal(): { arrived: Promise<void>; arrive: () => void } {
  let arrive = () => {};
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  return { arrived, arrive };
}

/** What `promise` settled to, or 'still pending' after `ms` (standing for "never"). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still pending'> {
  return Promise.race([promise, new Promise<'still pending'>((resolve) => setTimeout(() => resolve('still pending'), ms))]);
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
    expect(await within(ping, 5000)).toBe('pong');
    expect(engines).toHaveLength(2);
    expect(attached).toEqual([1]);
  });

  it('a peer stopped while it is being connected leaves no call waiting on the engine', async () => {
    const attached: string[] = [];
    const engine = new WorkerBridge<PeerLinks>(
      () => new FakeWorker({ attach: (role: string) => void attached.push(role), detach: () => {} }) as unknown as Worker,
      { name: 'engine' },
    );
    bridges.push(engine);
    const connectArrived = signal();
    // The peer takes the connect and never answers: it is being closed (Learn closed as it opens).
    const peer = peerWorker<PeerApi, PeerLinks>(
      'learn',
      () =>
        new FakeWorker({
          connect: () => {
            connectArrived.arrive();
            return new Promise<void>(() => {});
          },
          ping: () => 'pong',
        }) as unknown as Worker,
      engine,
    );
    bridges.push(peer);

    const ping = peer.call((api) => api.ping());
    await connectArrived.arrived;
    peer.terminate();
    await expect(ping).rejects.toThrow(/cancelled/);
    // Before, the engine's call for the attach waited for the stopped peer's answer for good, so the
    // engine's bridge never counted itself idle (release() refuses while a call is in flight).
    let released = false;
    for (let i = 0; i < 50 && !released; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      released = engine.release();
    }
    expect(released).toBe(true);
    expect(attached).toEqual([]);
  });

  it("an engine's restart does not wait for a preview worker that stops while it is reconnected", async () => {
    const engines: FakeWorker[] = [];
    let starts = 0;
    const engine: WorkerBridge<EngineApi> = new WorkerBridge<EngineApi>(
      () => {
        const worker = new FakeWorker({ attach: () => {}, detach: () => {}, ping: () => 'pong' });
        engines.push(worker);
        return worker as unknown as Worker;
      },
      // As the studio's engine: a restarted engine reconnects the running peers first.
      { onStart: (api) => (starts++ === 0 ? Promise.resolve() : reattachPeers(engine, api)), name: 'engine' },
    );
    bridges.push(engine);
    let connects = 0;
    const reconnectArrived = signal();
    const preview = peerWorker<PeerApi, EngineApi>(
      'preview',
      () =>
        new FakeWorker({
          // The first connect (its start) is answered; the engine's reconnect is not: the worker is being ended.
          connect: () => {
            if (connects++ === 0) return;
            reconnectArrived.arrive();
            return new Promise<void>(() => {});
          },
          ping: () => 'pong',
        }) as unknown as Worker,
      engine,
    );
    bridges.push(preview);

    expect(await preview.call((api) => api.ping())).toBe('pong');
    engines[0].crash('injected crash');
    const enginePing = engine.call((api) => api.ping());
    await reconnectArrived.arrived;
    preview.terminate();
    // Before, the new engine's start waited for the ended preview's answer: every engine call hung.
    expect(await within(enginePing, 5000)).toBe('pong');
    expect(engines).toHaveLength(2);
  });
});
