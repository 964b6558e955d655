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

/**
 * Each engine bridge's peers, by role (the latest bridge made for a role). Keyed by `object`: a
 * bridge's type is invariant in its API, so no one bridge type covers every engine's.
 */
const peersOf = new WeakMap<object, Map<PeerRole, WorkerBridge<Connectable>>>();

/**
 * Connects a running peer to an engine: a new MessageChannel, one end each. A peer that stops
 * before it has taken its end (`stopped`, its bridge's signal) never answers: the connect then
 * rejects with the signal's reason, and the engine is not asked to attach it.
 */
async function connect(
  role: PeerRole,
  remote: Comlink.Remote<Connectable>,
  stopped: AbortSignal,
  engineApi: Comlink.Remote<PeerLinks>,
): Promise<void> {
  stopped.throwIfAborted();
  const channel = new MessageChannel();
  let onStop = () => {};
  const peerStopped = new Promise<never>((_, reject) => {
    onStop = () => reject(stopped.reason);
    stopped.addEventListener('abort', onStop, { once: true });
  });
  try {
    await Promise.race([remote.connect(Comlink.transfer(channel.port1, [channel.port1])), peerStopped]);
  } catch (error) {
    channel.port2.close();
    throw error;
  } finally {
    stopped.removeEventListener('abort', onStop);
  }
  await engineApi.attach(role, Comlink.transfer(channel.port2, [channel.port2]));
}

/**
 * `idleMs`: end the worker that long after its last call (WorkerBridge's idle release). When an
 * analysis or learn worker ends, the engine forgets it (no copies for a worker that is gone) until
 * a fresh one connects.
 *
 * A peer's start attaches it through a call on the engine's bridge, so an engine that stops
 * meanwhile (an uncaught error, killed) fails the attach instead of leaving it unanswered: the
 * start then attaches once more, to the engine worker that replaces it. A peer that stops during
 * its own start ends that call too (see connect), so the engine has no call left waiting on it.
 */
export function peerWorker<Api extends Connectable, Engine extends PeerLinks>(
  role: PeerRole,
  create: () => Worker,
  engine: WorkerBridge<Engine>,
  idleMs?: number,
): WorkerBridge<Api> {
  const bridge = new WorkerBridge<Api>(create, {
    onStart: async (remote, stopped) => {
      const attach = () => engine.call((engineApi) => connect(role, remote as unknown as Comlink.Remote<Connectable>, stopped, engineApi));
      try {
        await attach();
      } catch (error) {
        // Only the engine's stop is worth another try: a stopped peer's start is over.
        if (stopped.aborted || !(error instanceof WorkerStoppedError)) throw error;
        await attach();
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
 * worker may be in the middle of seconds of work, and connect when it has finished. A peer that
 * stops meanwhile is not waited for: it attaches again when it starts afresh.
 */
export async function reattachPeers<Engine extends PeerLinks>(
  engine: WorkerBridge<Engine>,
  engineApi: Comlink.Remote<Engine>,
): Promise<void> {
  const peers = peersOf.get(engine);
  if (!peers) return;
  for (const [role, bridge] of peers) {
    const remote = bridge.running;
    const stopped = bridge.stopped;
    if (!remote || !stopped) continue;
    const connected = connect(role, remote, stopped, engineApi).catch((error: unknown) => {
      if (!stopped.aborted) throw error;
    });
    if (role === 'preview') await connected;
    else void connected.catch(() => {});
  }
}
