/**
 * A stand-in for a Web Worker in Node tests of the renderer's bridges: a comlink endpoint on a
 * MessageChannel (Node has no Web Workers), whose 'error' event crash() fires as a worker's
 * uncaught error would.
 */
import * as Comlink from 'comlink';

type ErrorListener = (event: { message?: string; preventDefault(): void }) => void;
type MessageListener = (event: unknown) => void;

/** The part of a MessagePort the fake worker uses (the tests' types have no DOM). */
interface Port {
  postMessage(message: unknown, transfer: unknown[]): void;
  addEventListener(type: 'message', listener: MessageListener): void;
  removeEventListener(type: 'message', listener: MessageListener): void;
  start(): void;
  close(): void;
}

export class FakeWorker {
  terminated = false;
  readonly #port: Port;
  readonly #errorListeners: ErrorListener[] = [];

  /** A worker that serves `api`. */
  constructor(api: object) {
    const channel = new MessageChannel();
    Comlink.expose(api, channel.port2 as unknown as Comlink.Endpoint);
    this.#port = channel.port1 as unknown as Port;
  }

  postMessage(message: unknown, transfer: unknown[] = []): void {
    if (!this.terminated) this.#port.postMessage(message, transfer);
  }

  addEventListener(type: string, listener: MessageListener | ErrorListener): void {
    if (type === 'message') this.#port.addEventListener('message', listener as MessageListener);
    if (type === 'error') this.#errorListeners.push(listener as ErrorListener);
  }

  removeEventListener(type: string, listener: MessageListener): void {
    if (type === 'message') this.#port.removeEventListener('message', listener);
  }

  start(): void {
    this.#port.start();
  }

  terminate(): void {
    this.terminated = true;
    this.#port.close();
  }

  /** An uncaught error in the worker: its 'error' event. */
  crash(message: string): void {
    for (const listener of this.#errorListeners) listener({ message, preventDefault() {} });
  }
}
