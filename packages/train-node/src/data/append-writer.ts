import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * An append-only file that can be cut back to a known length and continued — the work files of the
 * cleaning stage, which resumes from checkpoints. {@link AppendWriter.sync} returns the length once
 * everything written so far is on disk (in the OS), the value to store in a checkpoint.
 */
export class AppendWriter {
  private constructor(readonly path: string, private readonly stream: WriteStream, private length: number) {}

  /**
   * Open `path` for appending after truncating it to `keep` bytes (0 = start empty).
   * @throws Error when the file is shorter than `keep` (the checkpoint does not match the file)
   */
  static async open(path: string, keep = 0): Promise<AppendWriter> {
    const fh = await open(path, keep === 0 ? 'w' : 'r+');
    try {
      const { size } = await fh.stat();
      if (size < keep) throw new Error(`${path} is shorter (${size} bytes) than its checkpoint (${keep} bytes)`);
      await fh.truncate(keep);
    } finally {
      await fh.close();
    }
    return new AppendWriter(path, createWriteStream(path, { flags: 'a' }), keep);
  }

  /** Append; resolves when the stream can take more. */
  async write(data: string): Promise<void> {
    this.length += Buffer.byteLength(data);
    if (!this.stream.write(data)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
  }

  /** Wait until everything written so far is flushed; returns the file length. */
  async sync(): Promise<number> {
    await new Promise<void>((resolve, reject) => this.stream.write('', (e) => (e ? reject(e) : resolve())));
    return this.length;
  }

  /** Flush and close. */
  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}
