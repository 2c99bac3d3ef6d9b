/**
 * Streaming decoding for token-by-token generation. Text is emitted as soon as it is complete; the bytes of a
 * character spread over several byte-fallback tokens (`<0xE4>` `<0xBD>` `<0xA0>`) are held until the character is
 * complete, so valid output never contains a broken character. Invalid byte sequences become one U+FFFD per byte,
 * as in `Tokenizer.decode` (which follows the Hugging Face `ByteFallback` decoder).
 */
import { utf8SecondByteRange, utf8SequenceLength } from './utf8.js';

/** What the stream needs from its tokenizer. */
interface TokenSource {
  readonly vocabSize: number;
  idToToken(id: number): string | undefined;
}

const REPLACEMENT = '\uFFFD';

/** Whether `b` may follow `lead` as the second byte. */
function secondOk(lead: number, b: number): boolean {
  const [lo, hi] = utf8SecondByteRange(lead);
  return b >= lo && b <= hi;
}

export class DecodeStream {
  private pending: number[] = [];
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  /** @internal Created by `Tokenizer.createDecodeStream()`. */
  constructor(
    private readonly tok: TokenSource,
    private readonly byteOf: Int16Array,
    private readonly special: Uint8Array,
    private readonly skipSpecial: boolean,
  ) {}

  /**
   * Adds one id; returns the text completed by it (possibly `""`).
   * @throws Error for an id that is not an integer in `0 .. vocabSize - 1`.
   */
  write(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tok.vocabSize) {
      throw new Error(`decode stream: invalid token id ${id} (vocabulary size ${this.tok.vocabSize})`);
    }
    if (this.skipSpecial && this.special[id]) return '';
    const b = this.byteOf[id];
    if (b >= 0) return this.pushByte(b);
    return this.flush() + (this.tok.idToToken(id) as string);
  }

  private pushByte(b: number): string {
    const p = this.pending;
    if (p.length > 0) {
      const ok = p.length === 1 ? secondOk(p[0], b) : b >= 0x80 && b <= 0xbf;
      if (!ok) {
        // The pending sequence can never complete; it is broken, start over with `b`.
        return this.flush() + this.pushByte(b);
      }
      p.push(b);
    } else {
      const n = utf8SequenceLength(b);
      if (n === 0) return REPLACEMENT;
      p.push(b);
    }
    if (p.length === utf8SequenceLength(p[0])) {
      const s = this.utf8.decode(Uint8Array.from(p));
      p.length = 0;
      return s;
    }
    return '';
  }

  /** Ends the stream: returns U+FFFD for each byte of an incomplete character still held (none for valid input). */
  flush(): string {
    const n = this.pending.length;
    this.pending.length = 0;
    return REPLACEMENT.repeat(n);
  }
}
