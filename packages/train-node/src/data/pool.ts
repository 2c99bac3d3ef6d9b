/**
 * A pool of `worker_threads` that run the CPU-heavy tasks of `prepare` (cleaning, tokenizing) on all cores.
 *
 * The worker entry point is this very module: when it is loaded in a worker thread started by
 * {@link WorkerPool}, it answers task messages instead of being a library. With `size = 0` (or when running
 * from TypeScript sources, e.g. under vitest) tasks run in the calling thread — same results, one core.
 *
 * Callers keep results in input order by awaiting the promises in the order they submitted them.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Cleaner, type CleanConfig, type CleanResult } from './clean-task.js';
import { TokenizeTask, type TokenizeResult } from './tokenize-task.js';

/** The tasks a worker can run. */
interface Tasks {
  clean: { setup: CleanConfig; input: string[]; output: CleanResult };
  tokenize: { setup: { tokenizerJson: string; dtype: 'uint16' | 'uint32' }; input: string[]; output: TokenizeResult };
}
type TaskName = keyof Tasks;

/** State of one thread (a worker, or the main thread in in-process mode). */
class TaskRunner {
  private cleaner: Cleaner | undefined;
  private tokenizer: TokenizeTask | undefined;

  async setup<T extends TaskName>(task: T, config: Tasks[T]['setup']): Promise<void> {
    if (task === 'clean') this.cleaner = new Cleaner(config as CleanConfig);
    else this.tokenizer = await TokenizeTask.create(config as Tasks['tokenize']['setup']);
  }

  run<T extends TaskName>(task: T, input: string[]): Tasks[T]['output'] {
    if (task === 'clean') {
      if (!this.cleaner) throw new Error('clean task not set up');
      return this.cleaner.run(input) as Tasks[T]['output'];
    }
    if (!this.tokenizer) throw new Error('tokenize task not set up');
    return this.tokenizer.run(input) as Tasks[T]['output'];
  }
}

function transferables(out: unknown): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const v of Object.values(out as Record<string, unknown>)) {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) list.push(v.buffer);
  }
  return list;
}

type Message = { id: number; kind: 'setup'; task: TaskName; config: unknown } | { id: number; kind: 'run'; task: TaskName; input: string[] };

if (!isMainThread && parentPort && (workerData as { tinyzhDataWorker?: boolean } | undefined)?.tinyzhDataWorker) {
  const runner = new TaskRunner();
  const port = parentPort;
  port.on('message', async (m: Message) => {
    try {
      if (m.kind === 'setup') {
        await runner.setup(m.task, m.config as never);
        port.postMessage({ id: m.id, ok: true });
      } else {
        const out = runner.run(m.task, m.input);
        port.postMessage({ id: m.id, ok: true, out }, transferables(out));
      }
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: (e as Error).stack ?? String(e) });
    }
  });
}

/**
 * Runs tasks on `size` worker threads (round-robin), or in the calling thread when `size` is 0.
 * Always call {@link WorkerPool.close} (in `finally`).
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly local: TaskRunner | undefined;
  private nextId = 0;
  private next = 0;

  constructor(size: number) {
    const url = new URL(import.meta.url);
    // Worker threads need the built JavaScript; from TypeScript sources (tests) run in-process.
    if (size <= 0 || url.pathname.endsWith('.ts')) {
      this.local = new TaskRunner();
      return;
    }
    for (let i = 0; i < size; i++) {
      const w = new Worker(url, { workerData: { tinyzhDataWorker: true } });
      w.on('message', (m: { id: number; ok: boolean; out?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.out);
        else p.reject(new Error(`worker task failed: ${m.error}`));
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(w);
    }
  }

  /** Number of threads doing the work (1 when in-process). */
  get size(): number {
    return this.local ? 1 : this.workers.length;
  }

  private send(w: Worker, msg: Message): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject });
      w.postMessage(msg);
    });
  }

  /** Prepare every thread for `task` (e.g. load the tokenizer). */
  async setup<T extends TaskName>(task: T, config: Tasks[T]['setup']): Promise<void> {
    if (this.local) return this.local.setup(task, config);
    await Promise.all(this.workers.map((w) => this.send(w, { id: this.nextId++, kind: 'setup', task, config })));
  }

  /** Run one batch on the next thread. */
  run<T extends TaskName>(task: T, input: string[]): Promise<Tasks[T]['output']> {
    if (this.local) {
      try {
        return Promise.resolve(this.local.run(task, input));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const w = this.workers[this.next++ % this.workers.length];
    return this.send(w, { id: this.nextId++, kind: 'run', task, input }) as Promise<Tasks[T]['output']>;
  }

  /** Stop the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/**
 * Keep up to `limit` promises in flight and hand their results to `consume` in submission order.
 */
export class OrderedQueue<T> {
  private readonly queue: Promise<T>[] = [];
  constructor(private readonly limit: number, private readonly consume: (v: T) => Promise<void> | void) {}
  /** Add a promise; waits for (and consumes) the oldest ones while the queue is full. */
  async push(p: Promise<T>): Promise<void> {
    p.catch(() => undefined); // handled when consumed
    this.queue.push(p);
    while (this.queue.length >= this.limit) await this.consume(await this.queue.shift()!);
  }
  /** Consume everything still in flight. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.consume(await this.queue.shift()!);
  }
}
