// Runs `tinyzh-train prepare` (the built CLI) in this process and prints its peak RSS (worker threads
// included) as a JSON line on stderr when it exits. Used by prepare.mjs. TINYZH_CLI: the cli.js to run.
process.on('exit', () => {
  const u = process.resourceUsage();
  const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
  process.stderr.write(`\n@@BENCH ${JSON.stringify({ maxRssBytes: u.maxRSS * 1024, cpuSeconds })}\n`);
});
process.argv = [process.argv[0], 'tinyzh-train', 'prepare', ...process.argv.slice(2)];
await import(process.env.TINYZH_CLI ?? '../dist/cli.js');
