// Run by scripts/check-runtimes.mjs in Bun and Deno: the parity texts through dist/index.js with the default loader.
const pkg = new URL('../../', import.meta.url);
const { Tokenizer } = await import(new URL('dist/index.js', pkg).href);
const fix = new URL('test/fixtures/', pkg).pathname;
const read = async (p) => (typeof Deno !== 'undefined' ? Deno.readTextFile(p) : (await import('node:fs/promises')).readFile(p, 'utf8'));
const tok = await Tokenizer.fromJSON(await read(fix + 'tokenizer.json'));
const golden = JSON.parse(await read(fix + 'parity.json'));
let bad = 0;
for (const t of golden.texts) {
  const ids = Array.from(tok.encode(t.text));
  if (JSON.stringify(ids) !== JSON.stringify(t.ids) || tok.decode(ids) !== t.text) bad++;
}
console.log(`${golden.texts.length - bad}/${golden.texts.length} parity texts match`);
