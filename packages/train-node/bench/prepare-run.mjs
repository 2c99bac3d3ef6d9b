// Runs `tinyzh-train prepare` (the built CLI) in this process and prints its peak RSS (worker threads
// included) as a JSON line on stderr when it exits. Used by prepare.mjs.
process.on('exit', () => {
  process.stderr.write(`\n@@BENCH ${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
});
process.argv = [process.argv[0], 'tinyzh-train', 'prepare', ...process.argv.slice(2)];
await import('../dist/cli.js');
