// Runtime smoke test (Deno, Bun, Node): load a model folder with the built package, 10 greedy tokens, print JSON.
import { createStoryteller } from '../../dist/index.js';

const model = (globalThis.Deno ? Deno.args : process.argv.slice(2))[0];
const teller = await createStoryteller({ model, device: 'wasm', cache: false });
let text = '';
const stream = teller.generate('从前', { temperature: 0, maxNewTokens: 10 });
for await (const piece of stream) text += piece;
const r = await stream.result;
await teller.dispose();
console.log(JSON.stringify({ ids: r.tokenIds, device: r.device, text, finishReason: r.finishReason }));
