/**
 * Counts what a page's main thread receives from its workers and sends to them: run in the page
 * before the studio loads (Playwright's addInitScript). Every message on a Worker or MessagePort
 * listener, and every postMessage, adds the bytes of the ArrayBuffers it carries (and of
 * ImageBitmaps, 4 bytes a pixel) to globalThis.__messageBytes; the viewer's pictures are also
 * tallied apart: ImageBitmaps and a rendered view's RGBA bytes (its `pixels`) coming in, and
 * those bytes given back (a render request's `spare`) going out.
 * The UI benchmark's export measurement and the main-thread test share it.
 */

/** What __messageBytes holds. */
export interface MessageBytes {
  received: number;
  sent: number;
  messagesIn: number;
  messagesOut: number;
  /** Of `received`: the viewer's pictures (ImageBitmaps, and the `pixels` of rendered views). */
  picturesIn: number;
  /** Of `sent`: picture bytes given back to the preview worker (render requests' `spare`). */
  picturesOut: number;
}

/** What was counted between two readings of __messageBytes. */
export function messageBytesSince(after: MessageBytes, before: MessageBytes): MessageBytes {
  return {
    received: after.received - before.received,
    sent: after.sent - before.sent,
    messagesIn: after.messagesIn - before.messagesIn,
    messagesOut: after.messagesOut - before.messagesOut,
    picturesIn: after.picturesIn - before.picturesIn,
    picturesOut: after.picturesOut - before.picturesOut,
  };
}

/**
 * Runs in the page before the studio loads (plain JavaScript: the page's types are not Node's):
 * wraps the message listeners and postMessage of Worker and MessagePort.
 */
export const COUNT_MESSAGE_BYTES = `(() => {
  const counts = { received: 0, sent: 0, messagesIn: 0, messagesOut: 0, picturesIn: 0, picturesOut: 0 };
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
  // The viewer's pictures: ImageBitmaps anywhere, and the bytes under \`key\` of a rendered view
  // or a view request ('pixels' in, 'spare' out: objects with ranks, mode and region beside it;
  // a PixelImage's pixels are not pictures).
  const isView = (value) => 'ranks' in value && 'mode' in value && 'region' in value;
  const picturesOf = (value, key, depth = 0) => {
    if (value === null || typeof value !== 'object' || depth > 8) return 0;
    if (value instanceof ImageBitmap) return value.width * value.height * 4;
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return 0;
    let total = 0;
    for (const name of Object.keys(value)) {
      const item = value[name];
      if (name === key && isView(value) && (item instanceof ArrayBuffer || ArrayBuffer.isView(item))) total += item.byteLength;
      else total += picturesOf(item, key, depth + 1);
    }
    return total;
  };
  for (const type of [Worker, MessagePort]) {
    const add = type.prototype.addEventListener;
    type.prototype.addEventListener = function (kind, listener, options) {
      if (kind !== 'message' || typeof listener !== 'function') return add.call(this, kind, listener, options);
      return add.call(this, kind, function (event) {
        counts.received += sizeOf(event.data);
        counts.picturesIn += picturesOf(event.data, 'pixels');
        counts.messagesIn++;
        return listener.call(this, event);
      }, options);
    };
    const post = type.prototype.postMessage;
    type.prototype.postMessage = function (message, ...rest) {
      counts.sent += sizeOf(message);
      counts.picturesOut += picturesOf(message, 'spare');
      counts.messagesOut++;
      return post.call(this, message, ...rest);
    };
  }
})();`;
