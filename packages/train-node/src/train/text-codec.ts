import { readFileSync } from 'node:fs';

/** Encode/decode text for prompts and samples. */
export interface TextCodec {
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  /** true when this is the full `@tinyzh/tokenizer` (false: the vocabulary-only fallback) */
  exact: boolean;
}

/**
 * A codec for a `tokenizer.json`: `@tinyzh/tokenizer` (the real BPE) when it loads, else a fallback that decodes by
 * concatenating vocabulary strings (byte tokens `<0xNN>` joined as UTF-8) and encodes greedily by longest match —
 * good enough to show samples, never used for data.
 */
export async function loadTextCodec(tokenizerJsonPath: string): Promise<TextCodec> {
  const text = readFileSync(tokenizerJsonPath, 'utf8');
  try {
    const mod: any = await import('@tinyzh/tokenizer' as string);
    if (mod.initTokenizer) await mod.initTokenizer();
    const tok = await mod.Tokenizer.fromJSON(text);
    return {
      encode: (s) => Array.from(tok.encode(s, { addBos: false }) as Uint32Array),
      decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }),
      exact: true,
    };
  } catch {
    return vocabCodec(JSON.parse(text));
  }
}

function vocabCodec(json: any): TextCodec {
  const vocab: Record<string, number> = json?.model?.vocab ?? {};
  const byId: string[] = [];
  for (const [t, id] of Object.entries(vocab)) byId[id] = t;
  for (const a of json?.added_tokens ?? []) byId[a.id] = a.content;
  const special = new Set<number>((json?.added_tokens ?? []).filter((a: any) => a.special).map((a: any) => a.id));
  const maxLen = Math.max(1, ...Object.keys(vocab).map((k) => k.length));
  return {
    exact: false,
    decode(ids) {
      const bytes: number[] = [];
      let s = '';
      const flush = () => {
        if (bytes.length) s += Buffer.from(bytes).toString('utf8');
        bytes.length = 0;
      };
      for (const id of Array.from(ids)) {
        if (special.has(id)) continue;
        const t = byId[id] ?? '';
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
        if (m) bytes.push(parseInt(m[1]!, 16));
        else {
          flush();
          s += t.replace(/▁/g, ' ');
        }
      }
      flush();
      return s;
    },
    encode(text) {
      const out: number[] = [];
      let i = 0;
      const chars = Array.from(text);
      while (i < chars.length) {
        let found = -1;
        let len = 0;
        for (let l = Math.min(maxLen, chars.length - i); l >= 1; l--) {
          const id = vocab[chars.slice(i, i + l).join('')];
          if (id !== undefined) { found = id; len = l; break; }
        }
        if (found < 0) {
          for (const b of Buffer.from(chars[i]!, 'utf8')) {
            const id = vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`];
            if (id !== undefined) out.push(id);
          }
          i++;
        } else {
          out.push(found);
          i += len;
        }
      }
      return out;
    },
  };
}
