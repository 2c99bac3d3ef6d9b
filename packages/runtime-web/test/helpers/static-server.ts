/** A loopback-only static file server for browser tests: routes are URL prefixes mapped to folders. */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, extname } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** @param routes e.g. `{ '/model/': '/path/to/model', '/': '/path/to/site' }` (longest prefix wins). */
export function serveStatic(routes: Record<string, string>, headers: Record<string, string> = {}): Promise<StaticServer> {
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    const prefix = prefixes.find((p) => path.startsWith(p));
    const file = prefix !== undefined ? join(routes[prefix]!, path.slice(prefix.length)) : undefined;
    if (!file || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.byteLength, ...headers });
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}
