/**
 * Yields to the event loop (a macrotask, not a microtask) so that messages — an abort from the main thread to the
 * worker, a comlink call — are handled between decoder steps even when ORT resolves every step without a real
 * asynchronous wait. Uses `setImmediate` in Node/Bun/Deno, a MessageChannel round trip in browsers and workers
 * (queued behind messages already posted, and not clamped like nested `setTimeout`), else `setTimeout(0)`.
 * Not `scheduler.yield()`: Chromium runs its continuation ahead of pending message tasks.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as {
    setImmediate?: (f: () => void) => unknown;
    MessageChannel?: typeof MessageChannel;
  };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  if (typeof g.MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new g.MessageChannel!();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}
