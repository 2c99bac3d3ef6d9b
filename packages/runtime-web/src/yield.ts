/** The one MessageChannel used for yielding in browsers, with the resolvers of the yields in flight. */
let channel: { port: MessagePort; waiting: (() => void)[] } | undefined;

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
    document?: unknown;
    WorkerGlobalScope?: unknown;
  };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  if (typeof g.MessageChannel === 'function') {
    // Browsers keep one channel for the whole module (a new MessageChannel per step cost ~0.1 ms in Chromium: 667 →
    // 836 tokens/s in a worker, bench/chromium.mjs). Elsewhere (Deno, workerd) an open port could keep the process
    // alive, so each call gets its own channel, closed after use.
    const browserLike = g.document !== undefined || g.WorkerGlobalScope !== undefined;
    if (!browserLike) {
      return new Promise((resolve) => {
        const ch = new g.MessageChannel!();
        ch.port1.onmessage = () => {
          ch.port1.close();
          resolve();
        };
        ch.port2.postMessage(0);
      });
    }
    if (!channel) {
      const ch = new g.MessageChannel!();
      const waiting: (() => void)[] = [];
      ch.port1.onmessage = () => waiting.shift()?.();
      channel = { port: ch.port2, waiting };
    }
    const c = channel;
    return new Promise((resolve) => {
      c.waiting.push(resolve);
      c.port.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}
