/**
 * Split a byte stream into lines (`\n`, an optional `\r` before it removed) without decoding it,
 * so that invalid UTF-8 can be reported per line. Memory: one line plus one chunk.
 *
 * @param chunks bytes, e.g. a file or gunzip stream
 * @yields each line's bytes (without the terminator) and its 1-based line number; a last line without
 *   a terminator is yielded too
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<{ bytes: Buffer; line: number }> {
  let pending: Buffer[] = [];
  let line = 0;
  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      let bytes = buf.subarray(start, nl);
      if (pending.length > 0) {
        pending.push(bytes);
        bytes = Buffer.concat(pending);
        pending = [];
      }
      if (bytes.length > 0 && bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
      line++;
      yield { bytes, line };
      start = nl + 1;
    }
    if (start < buf.length) pending.push(buf.subarray(start));
  }
  if (pending.length > 0) {
    let bytes = Buffer.concat(pending);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
    line++;
    yield { bytes, line };
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decode UTF-8 strictly (WHATWG Encoding, `fatal: true`). A leading BOM is dropped.
 * @returns the text, or `undefined` when the bytes are not valid UTF-8
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
