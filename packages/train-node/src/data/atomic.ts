import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A temporary name next to `path`, unique to this process. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/**
 * Write `data` to `path` atomically: write a temporary file in the same folder, then rename it over
 * `path`, so readers see either the old file or the complete new one, never a half-written file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * A write stream whose file appears at `path` only when {@link AtomicWriter.commit} is called
 * (temporary file + rename). {@link AtomicWriter.abort} removes the temporary file.
 */
export class AtomicWriter {
  readonly path: string;
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;

  constructor(path: string) {
    this.path = path;
    this.tmp = tempPathFor(path);
    this.stream = createWriteStream(this.tmp);
    this.stream.on('error', (e) => { this.failed = e; });
  }

  /** Create the parent folder, then open a writer. */
  static async open(path: string): Promise<AtomicWriter> {
    await mkdir(dirname(path), { recursive: true });
    return new AtomicWriter(path);
  }

  /** Append data; resolves when the stream can take more (backpressure). */
  async write(data: string | Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => { this.stream.off('error', onError); resolve(); };
        const onError = (e: Error) => { this.stream.off('drain', onDrain); reject(e); };
        this.stream.once('drain', onDrain);
        this.stream.once('error', onError);
      });
    }
  }

  /** Flush, close and rename the temporary file to its final name. */
  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failed) throw this.failed;
    await rename(this.tmp, this.path);
  }

  /** Close and delete the temporary file. */
  async abort(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.destroy() && this.stream.once('close', () => resolve()));
    await rm(this.tmp, { force: true });
  }
}
