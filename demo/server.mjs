#!/usr/bin/env node
// `npm run demo`: serves the demo page, its compiled scripts (build/demo) and the browser bundle
// (dist/browser, with the Time Machine that ships in it) on 127.0.0.1 only. A fixed table of routes, so
// no request can reach any other file. Every response carries COOP/COEP, which make the page cross-origin
// isolated: only then does a browser give it SharedArrayBuffer, which WASM threads need (--no-isolation,
// or { isolated: false }, serves without them, as most hosting does by default).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** A route: its content type and how to read its body. */
const file = (path) => ({
  type: TYPES[path.slice(path.lastIndexOf('.'))],
  read: () => readFile(join(root, path)),
  path,
});

const routes = new Map([
  ['/demo/', file('demo/index.html')],
  ['/demo/index.html', file('demo/index.html')],
  ['/demo/style.css', file('demo/style.css')],
  ...['main', 'worker', 'protocol', 'chart', 'data', 'dom', 'form', 'output'].map((name) => [
    `/demo/${name}.js`,
    file(`build/demo/${name}.js`),
  ]),
  ['/dist/browser/index.js', file('dist/browser/index.js')],
  ['/dist/browser/interop.js', file('dist/browser/interop.js')],
  ['/dist/browser/datasets/timemachine.js', file('dist/browser/datasets/timemachine.js')],
]);

/** The headers that make a page cross-origin isolated (its resources are all same-origin). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

async function respond(req, res, isolated) {
  const send = (status, type, body) => reply(res, status, type, body, isolated);
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
  if (path === '/' || path === '/demo') {
    res.writeHead(302, { location: '/demo/' });
    return res.end();
  }
  const route = routes.get(path);
  if (route === undefined) return send(404, 'text/plain', 'not found\n');
  let body;
  try {
    body = await route.read();
  } catch (error) {
    const hint = error.code === 'ENOENT' ? ' (run `npm run build` first)' : '';
    return send(500, 'text/plain', `could not read ${route.path}: ${error.message}${hint}\n`);
  }
  send(200, route.type, req.method === 'HEAD' ? '' : body);
}

function reply(res, status, type, body, isolated) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(isolated ? ISOLATION : {}),
  });
  res.end(body);
}

/**
 * Starts the server; port 0 picks a free one; `isolated: false` leaves out COOP/COEP. Resolves to its
 * base URL and a close() function.
 */
export async function startDemoServer({ port = 8080, host = '127.0.0.1', isolated = true } = {}) {
  const server = createServer((req, res) => {
    respond(req, res, isolated).catch((error) => reply(res, 500, 'text/plain', `${error.message}\n`, isolated));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/demo/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = process.argv.indexOf('--port');
  const given = arg > 0 ? process.argv[arg + 1] : (process.env.PORT ?? '8080');
  const port = Number(given);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`deeprnn demo: --port must be an integer in [0, 65535], got ${given}`);
    process.exit(2);
  }
  try {
    const { url } = await startDemoServer({ port, isolated: !process.argv.includes('--no-isolation') });
    console.log(`deeprnn demo: ${url}  (Ctrl-C to stop)`);
  } catch (error) {
    const hint = error.code === 'EADDRINUSE' ? ` (port ${port} is taken: pass --port N)` : '';
    console.error(`deeprnn demo: cannot listen on 127.0.0.1:${port}: ${error.message}${hint}`);
    process.exit(1);
  }
}
