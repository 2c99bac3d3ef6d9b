#!/usr/bin/env node
// tinyzh: the project's command line. `tinyzh story [prompt] [options]` streams a story to the terminal.
import { runStory, UsageError, CliError } from '../src/story.mjs';
import { USAGE } from '../src/args.mjs';

const [command, ...rest] = process.argv.slice(2);

/** Prints a one-line error (the stack only with TINYZH_DEBUG=1) and returns its exit code. */
function report(err) {
  if (process.env.TINYZH_DEBUG) console.error(err);
  const usage = err instanceof UsageError;
  const known = usage || err instanceof CliError;
  const msg = known ? err.message : String(err?.message ?? err).split('\n')[0];
  process.stderr.write(`tinyzh: error: ${msg}\n`);
  if (usage) process.stderr.write('run `tinyzh story --help` for the options\n');
  return usage ? 2 : 1;
}

async function main() {
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'story') {
    throw new UsageError(`unknown command "${command}" (the only command is: story)`);
  }
  // Ctrl-C: while the model loads it quits at once (nothing to keep); during generation the first one aborts it
  // (the text so far stays, exit code 130) and a second one quits at once.
  const controller = new AbortController();
  let generating = false;
  process.on('SIGINT', () => {
    if (!generating || controller.signal.aborted) process.exit(130);
    controller.abort();
  });
  // `tinyzh story | head`: stop generating when the reader goes away.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') {
      controller.abort();
      process.exit(0);
    }
  });
  const onGenerate = () => (generating = true);
  return runStory(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal: controller.signal, onGenerate });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = report(err);
  },
);
