/**
 * Counts what a page's main thread receives from its workers and sends to them: run in the page
 * before the studio loads (Playwright's addInitScript). Every message on a Worker or MessagePort
 * listener, and every postMessage, adds the bytes of the ArrayBuffers it carries (and of
 * ImageBitmaps, 4 bytes a pixel; also tallied apart in bitmapsIn) to globalThis.__messageBytes.
 * The UI benchmark's export measurement and the main-thread test share it.
 */

/** What __messageBytes holds. */
export interface MessageBytes {
  received: number;
  sent: number;
  messagesIn: number;
  messagesOut: number;
  /** Of `received`: the bytes of ImageBitmaps (the viewer's pictures). */
  bitmapsIn: number;
}

/** What was counted between two readings of __messageBytes. */
export function messageBytesSince(after: MessageBytes, before: MessageBytes): MessageBytes {
  return {
    received: after.received - before.received,
    sent: after.sent - before.sent,
    messagesIn: after.messagesIn - before.messagesIn,
    messagesOut: after.messagesOut - before.messagesOut,
    bitmapsIn: after.bitmapsIn - before.bitmapsIn,
  };
}

/**
 * Runs in the page before the studio loads (plain JavaScript: the page's types are not Node's):
 * wraps the message listeners and postMessage of Worker and MessagePort.
 */
export const COUNT_MESSAGE_BYTES = `(() => {
  const counts = { received: 0, sent: 0, messagesIn: 0, messagesOut: 0, bitmapsIn: 0 };
  globalThis.__messageBytes = counts;
  const sizeOf = (value, seen = new Set(), depth = 0) => {
    if (value === null || typeof value !== 'object' || depth > 8) return 0;
    if (value instanceof ArrayBuffer) return seen.has(value) ? 0 : (seen.add(value), value.byteLength);
    if (ArrayBuffer.isView(value)) return seen.has(value.buffer) ? 0 : (seen.add(value.buffer), value.byteLength);
    if (value instanceof ImageBitmap) return value.width * value.height * 4;
    let total = 0;
    for (const key of Object.keys(value)) total += sizeOf(value[key], seen, depth + 1);
    return total;
  };
  const bitmapsOf = (value, depth = 0) => {
    if (value === null || typeof value !== 'object' || depth > 8) return 0;
    if (value instanceof ImageBitmap) return value.width * value.height * 4;
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return 0;
    let total = 0;
    for (const key of Object.keys(value)) total += bitmapsOf(value[key], depth + 1);
    return total;
  };
  for (const type of [Worker, MessagePort]) {
    const add = type.prototype.addEventListener;
    type.prototype.addEventListener = function (kind, listener, options) {
      if (kind !== 'message' || typeof listener !== 'function') return add.call(this, kind, listener, options);
      return add.call(this, kind, function (event) {
        counts.received += sizeOf(event.data);
        counts.bitmapsIn += bitmapsOf(event.data);
        counts.messagesIn++;
        return listener.call(this, event);
      }, options);
    };
    const post = type.prototype.postMessage;
    type.prototype.postMessage = function (message, ...rest) {
      counts.sent += sizeOf(message);
      counts.messagesOut++;
      return post.call(this, message, ...rest);
    };
  }
})();`;
