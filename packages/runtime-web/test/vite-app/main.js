// A fresh Vite app using @tinyzh/runtime-web exactly as the README says (worker on by default in browsers).
import { createStoryteller } from '@tinyzh/runtime-web';

window.tell = async (device, prompt, n) => {
  const teller = await createStoryteller({ model: new URL('model/', location.href).href, device, cache: false });
  let text = '';
  const stream = teller.generate(prompt, { temperature: 0, maxNewTokens: n });
  for await (const piece of stream) text += piece;
  const r = await stream.result;
  await teller.dispose();
  return { text, ids: r.tokenIds, device: r.device };
};
document.title = 'ready';
