/**
 * A worker that holds the open image and its factors (the preview worker, the analysis worker)
 * and gets them from the engine worker, not from the main thread: when it starts (and each time
 * it starts afresh after a call was cut short or it was ended when idle) it is connected to the
 * engine by a MessageChannel, and the engine sends it the current image and factors.
 */
import * as Comlink from 'comlink';
import type { PeerLinks, PeerRole } from '../workers/engine/protocol.js';
import { WorkerBridge, WorkerStoppedError } from './worker-bridge.js';

interface Connectable {
  connect(port: MessagePort): void;
}

/** Each engine bridge's peers, by role (the latest bridge made for a role). */
const peersOf = new WeakMap<object, Map<PeerRole, WorkerBridge<Connectable>>>();

/** Connects a running peer to an engine: a new MessageChannel, one end each. */
async function connect(role: PeerRole, remote: Comlink.Remote<Connectable>, engineApi: Comlink.Remote<PeerLinks>): Promise<void> {
  const channel = new MessageChannel();
  await remote.connect(Comlink.transfer(channel.port1, [channel.port1]));
  await engineApi.attach(role, Comlink.transfer(channel.port2, [channel.port2]));
}

/**
 * `idleMs`: end the worker that long after its last call (WorkerBridge's idle release). When an
 * analysis or learn worker ends, the engine forgets it (no copies for a worker that is gone) until
 * a fresh one connects.
 *
 * A peer's start attaches it through a call on the engine's bridge, so an engine that stops
 * meanwhile (an uncaught error, killed) fails the attach instead of leaving it unanswered: the
 * start then attaches once more, to the engine worker that replaces it.
 */
export function peerWorker<Api extends Connectable, Engine extends PeerLinks>(
  role: PeerRole,
  create: () => Worker,
  engine: WorkerBridge<Engine>,
  idleMs?: number,
): WorkerBridge<Api> {
  const attach = (remote: Comlink.Remote<Connectable>) => engine.call((engineApi) => connect(role, remote, engineApi));
  const bridge = new WorkerBridge<Api>(create, {
    onStart: async (remote) => {
      const peer = remote as unknown as Comlink.Remote<Connectable>;
      try {
        await attach(peer);
      } catch (error) {
        if (!(error instanceof WorkerStoppedError)) throw error;
        await attach(peer);
      }
    },
    // Sent once an engine that is starting has started (its onStart may be connecting this very
    // peer), and before a fresh peer's attach, which waits for the same start.
    onStop: role === 'preview' ? undefined : () => void engine.starting?.then((api) => api.detach(role)).catch(() => {}),
    name: role,
    idleMs,
  });
  let peers = peersOf.get(engine);
  if (!peers) peersOf.set(engine, (peers = new Map()));
  peers.set(role, bridge as unknown as WorkerBridge<Connectable>);
  return bridge;
}

/**
 * After the engine worker restarted (the one before stopped): connects the peers that are
 * running to the new one (those not running connect when they start). `engineApi` is the new
 * engine's, before its start completes: a peer that is not running is not started here (its
 * start waits for the engine). Only the preview worker is waited for: the analysis or learn
 * worker may be in the middle of seconds of work, and connect when it has finished.
 */
export async function reattachPeers<Engine extends PeerLinks>(
  engine: WorkerBridge<Engine>,
  engineApi: Comlink.Remote<Engine>,
): Promise<void> {
  const peers = peersOf.get(engine);
  if (!peers) return;
  for (const [role, bridge] of peers) {
    const remote = bridge.running;
    if (!remote) continue;
    if (role === 'preview') await connect(role, remote, engineApi);
    else void connect(role, remote, engineApi).catch(() => {});
  }
}
