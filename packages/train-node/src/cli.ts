#!/usr/bin/env node
/**
 * `tinyzh-train`: one binary, one sub-command per stage of the pipeline.
 * Each command lives in `src/commands/<name>.ts` and exports `run(argv: string[]): Promise<number>`
 * (the exit code). Errors that a user can act on are thrown as {@link UserError} and printed
 * without a stack trace.
 */
import { TinyzhError } from '@tinyzh/core';
import { UserError } from './errors.js';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  prepare: { summary: 'ingest, clean, deduplicate, split and tokenize a story corpus', load: () => import('./commands/prepare.js') },
  tokenizer: { summary: 'train a byte-fallback BPE tokenizer on a corpus', load: () => import('./commands/tokenizer.js') },
  train: { summary: 'pretrain or fine-tune a Llama model on prepared shards', load: () => import('./commands/train.js') },
  eval: { summary: 'evaluate a checkpoint on the validation shards', load: () => import('./commands/eval.js') },
  sample: { summary: 'generate text from a checkpoint', load: () => import('./commands/sample.js') },
  export: { summary: 'export a checkpoint to a model folder (safetensors, ONNX, llama2.c)', load: () => import('./commands/export.js') },
  'import-hf': { summary: 'import a Hugging Face Llama checkpoint as a tinyzh checkpoint', load: () => import('./commands/import-hf.js') },
};

/** A Node system error from the file system (it has an errno `code`, a `syscall` and usually a `path`). */
function isFileSystemError(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException | undefined;
  return x instanceof Error && typeof x.code === 'string' && typeof x.syscall === 'string';
}

function usage(): string {
  const lines = ['usage: tinyzh-train <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `tinyzh-train <command> --help` for the options of one command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    console.error(usage());
    return 2;
  }
  if (name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`tinyzh-train: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest);
}

// A closed stdout (`tinyzh-train … | head`) is not an error of the command: output is dropped from then on (train
// also saves a checkpoint and stops, see commands/train.ts); without this handler Node would crash on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    // UserError (bad flags, files, records) and core's TinyzhError (bad config.json, safetensors, manifest) name
    // the file and field: one line, no stack trace.
    if (err instanceof UserError || err instanceof TinyzhError) {
      console.error(`tinyzh-train: ${err.message}`);
      process.exitCode = 1;
    } else if (isFileSystemError(err)) {
      // e.g. ENOTDIR/EACCES/ENOSPC/EROFS on an --out or --input path: Node's message names the call and the path.
      console.error(`tinyzh-train: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(err);
      process.exitCode = 70;
    }
  },
);
