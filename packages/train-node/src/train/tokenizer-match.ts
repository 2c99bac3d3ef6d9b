import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { PreparedIndex } from './data-loader.js';

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Refuse to pair a checkpoint with prepared data tokenized by another tokenizer (docs/formats.md "Prepared data":
 * `index.json` `tokenizer.sha256`; "Checkpoints": the checkpoint's own `tokenizer.json`).
 *
 * Compares the SHA-256 of `<checkpoint>/tokenizer.json` with the data's tokenizer: the hash of `DIR/<tokenizer.file>`
 * when that file exists, else `index.json`'s `tokenizer.sha256`. A checkpoint without tokenizer.json (e.g. some
 * imported ones) is not compared. Then checks that every data id fits the model: `index.vocab_size ≤ modelVocab`.
 *
 * @param what the flag or command the message starts with (`--init`, `--resume`, `eval`)
 * @throws UserError with one line saying how to fix it (prepare with `--tokenizer <checkpoint>/tokenizer.json`)
 */
export function checkTokenizerMatch(what: string, checkpoint: string, dataDir: string, index: PreparedIndex, modelVocab: number): void {
  const ckTok = join(checkpoint, 'tokenizer.json');
  const fix = `prepare the data with the checkpoint's tokenizer: tinyzh-train prepare --input … --out NEWDIR --tokenizer ${ckTok}`;
  if (existsSync(ckTok)) {
    const dataTok = join(dataDir, index.tokenizer.file);
    const dataSha = existsSync(dataTok) ? sha256File(dataTok) : index.tokenizer.sha256;
    const ckSha = sha256File(ckTok);
    if (ckSha !== dataSha) {
      throw new UserError(
        `${what}: ${dataDir} was tokenized with another tokenizer than the checkpoint ${checkpoint} ` +
          `(sha256 ${dataSha.slice(0, 12)}… vs ${ckSha.slice(0, 12)}…, vocab ${index.vocab_size} vs model ${modelVocab}); ${fix}`,
      );
    }
  }
  if (index.vocab_size > modelVocab) {
    throw new UserError(`${what}: the data in ${dataDir} has vocab_size ${index.vocab_size}, larger than the model's ${modelVocab} (its token ids would not fit); ${fix}`);
  }
}
