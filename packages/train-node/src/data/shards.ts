/**
 * Token shards in the nanoGPT / llama2.c layout: flat little-endian `uint16` (or `uint32`) token files,
 * `</s>` after each story, plus, per shard, a `.offsets` file of little-endian `uint32` start offsets of its
 * documents (`documents + 1` values: the last one is the shard's token count). Shards end on a document
 * boundary once they reach `shardTokens`, so the layout depends only on the documents and that setting.
 * See docs/formats.md, "Prepared data".
 */
import { endianness } from 'node:os';
import { AtomicWriter } from './atomic.js';
import type { TokenizeResult } from './tokenize-task.js';

/** One finished shard as listed in `index.json`. */
export interface ShardInfo {
  /** Token file, relative to the output folder. */
  file: string;
  /** Document start offsets (uint32 LE, documents + 1 values), relative to the output folder. */
  offsets: string;
  tokens: number;
  documents: number;
  /** Unicode code points of the shard's stories. */
  chars: number;
}

/** File name of shard `i` of `split`. */
export function shardName(split: string, i: number): string {
  return `${split}/shard-${String(i).padStart(5, '0')}.bin`;
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes one split's shards, each file atomically; reports every finished shard to `onShard`. */
export class ShardWriter {
  private writer: AtomicWriter | undefined;
  private offsets: number[] = [];
  private tokens = 0;
  private chars = 0;
  private index: number;

  /**
   * @param outDir output folder
   * @param split `train` or `val`
   * @param shardTokens a shard is closed after the first document that brings it to this many tokens
   * @param firstIndex index of the first shard to write (when resuming)
   * @param onShard called (and awaited) after each shard file is in place
   * @throws Error on a big-endian machine (the files are little-endian)
   */
  constructor(
    private readonly outDir: string,
    private readonly split: string,
    private readonly shardTokens: number,
    firstIndex: number,
    private readonly onShard: (info: ShardInfo) => Promise<void>,
  ) {
    if (endianness() !== 'LE') throw new Error('writing token shards needs a little-endian machine');
    this.index = firstIndex;
  }

  /** Append a tokenized batch. */
  async add(batch: TokenizeResult): Promise<void> {
    let start = 0;
    let o = 0;
    for (let i = 0; i < batch.lengths.length; i++) {
      if (!this.writer) {
        this.writer = await AtomicWriter.open(`${this.outDir}/${shardName(this.split, this.index)}`);
      }
      this.offsets.push(this.tokens);
      this.tokens += batch.lengths[i];
      this.chars += batch.chars[i];
      o += batch.lengths[i];
      if (this.tokens >= this.shardTokens) {
        await this.writer.write(bytesOf(batch.tokens.subarray(start, o)));
        start = o;
        await this.closeShard();
      }
    }
    if (o > start) await this.writer!.write(bytesOf(batch.tokens.subarray(start, o)));
  }

  private async closeShard(): Promise<void> {
    if (!this.writer) return;
    const file = shardName(this.split, this.index);
    const offsetsFile = file.replace(/\.bin$/, '.offsets');
    const offsets = new Uint32Array(this.offsets.length + 1);
    offsets.set(this.offsets);
    offsets[this.offsets.length] = this.tokens;
    const ow = await AtomicWriter.open(`${this.outDir}/${offsetsFile}`);
    await ow.write(bytesOf(offsets));
    await ow.commit();
    await this.writer.commit();
    const info: ShardInfo = { file, offsets: offsetsFile, tokens: this.tokens, documents: this.offsets.length, chars: this.chars };
    this.writer = undefined;
    this.offsets = [];
    this.tokens = 0;
    this.chars = 0;
    this.index++;
    await this.onShard(info);
  }

  /** Close the last (partial) shard. */
  async finish(): Promise<void> {
    await this.closeShard();
  }

  /** Remove the unfinished shard's temporary file (after an error). */
  async abort(): Promise<void> {
    await this.writer?.abort();
    this.writer = undefined;
  }
}
