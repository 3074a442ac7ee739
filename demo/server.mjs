#!/usr/bin/env node
// `npm run demo`: serves the demo page, its compiled scripts (build/demo) and the browser bundle
// (dist/browser, with the Time Machine that ships in it) on 127.0.0.1 only. A fixed table of routes, so
// no request can reach any other file.
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

async function respond(req, res) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
  if (path === '/' || path === '/demo') {
    res.writeHead(302, { location: '/demo/' });
    return res.end();
  }
  const route = routes.get(path);
  if (route === undefined) return send(res, 404, 'text/plain', 'not found\n');
  let body;
  try {
    body = await route.read();
  } catch (error) {
    const hint = error.code === 'ENOENT' ? ' (run `npm run build` first)' : '';
    return send(res, 500, 'text/plain', `could not read ${route.path}: ${error.message}${hint}\n`);
  }
  send(res, 200, route.type, req.method === 'HEAD' ? '' : body);
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/** Starts the server; port 0 picks a free one. Resolves to its base URL and a close() function. */
export async function startDemoServer({ port = 8080, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    respond(req, res).catch((error) => send(res, 500, 'text/plain', `${error.message}\n`));
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
    const { url } = await startDemoServer({ port });
    console.log(`deeprnn demo: ${url}  (Ctrl-C to stop)`);
  } catch (error) {
    const hint = error.code === 'EADDRINUSE' ? ` (port ${port} is taken: pass --port N)` : '';
    console.error(`deeprnn demo: cannot listen on 127.0.0.1:${port}: ${error.message}${hint}`);
    process.exit(1);
  }
}
