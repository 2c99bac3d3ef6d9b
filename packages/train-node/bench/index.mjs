// `npm run bench` for @tinyzh/train-node: runs each bench module and prints ONE JSON object (the merged
// results) as the last stdout line; progress goes to stderr. Add a bench by appending its module here;
// each module exports `async function run(): Promise<object>`.
const benches = ['./prepare.mjs', './prepare-dedup-memory.mjs', './train.mjs', './export.mjs'];

const results = {};
for (const path of benches) {
  const mod = await import(path);
  Object.assign(results, await mod.run());
}
console.log(JSON.stringify(results));
