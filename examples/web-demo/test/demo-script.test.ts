// `npm run demo` (README): builds the site and serves dist/ on localhost.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './model-folder';

const demoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A TCP port that was free a moment ago. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as { port: number }).port;
  await new Promise((ok) => srv.close(ok));
  return port;
}

describe('npm run demo', () => {
  it('builds and serves the page and the model next to it', async () => {
    const port = await freePort();
    // The root script runs `npm run demo -w examples/web-demo -- <args>`; here the workspace script directly.
    const child = spawn('npm', ['run', 'demo', '--', '--port', String(port), '--host', '127.0.0.1'], {
      cwd: demoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    try {
      const base = `http://127.0.0.1:${port}/`;
      const deadline = Date.now() + 150_000;
      let page: Response | undefined;
      while (Date.now() < deadline && child.exitCode === null) {
        page = await fetch(base).catch(() => undefined);
        if (page?.ok) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(page?.ok, `npm run demo did not serve ${base}:\n${log.slice(-2000)}`).toBe(true);
      const html = await page!.text();
      expect(html).toMatch(/<title>tinyzh/);
      expect(page!.headers.get('cross-origin-embedder-policy')).toBeNull();
      const hasDefaultModel = (await import('node:fs')).existsSync(
        `${repoRoot}/packages/runtime-web/models/tinyzh-stories-tiny/manifest.json`,
      );
      if (hasDefaultModel) {
        const manifest = await fetch(`${base}models/tinyzh-stories-tiny/manifest.json`);
        expect(manifest.ok).toBe(true);
        expect((await manifest.json()).format).toBe('tinyzh-model');
      }
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
});
