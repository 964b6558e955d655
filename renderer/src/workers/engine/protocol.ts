/**
 * How the preview, analysis and learn workers (the engine's peers) are connected to the engine
 * worker (types only: the engine worker, the main thread's bridge and Node tests of the bridge
 * import this file, so it names no DOM types but MessagePort, which Node has too).
 */

export type PeerRole = 'preview' | 'analysis' | 'learn';

/** The peers that get a photo's image once it has factors; the preview worker gets it first. */
export type LaterPeer = 'analysis' | 'learn';

/** The engine worker's calls that connect a peer to it and forget one. */
export interface PeerLinks {
  /** Connects a peer (again, after a restart) over `port` and gives it the current image and factors. */
  attach(role: PeerRole, port: MessagePort): Promise<void>;
  /** Forgets an analysis or learn worker that ended: no more copies for it. */
  detach(role: LaterPeer): void;
}
