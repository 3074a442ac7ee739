/** The demo server answers only its fixed routes, on 127.0.0.1. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../demo/server.mjs';

let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  server = await startDemoServer({ port: 0 });
});
afterAll(async () => server?.close());

/** A raw request, so paths reach the server exactly as written (fetch would normalize `..`). */
function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; type?: string; location?: string; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (body += c))
        .on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            location: res.headers.location,
            body,
          }),
        );
    });
    req.on('error', reject).end();
  });
}

describe('demo/server.mjs', () => {
  it('listens on 127.0.0.1 and redirects / to the page', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/demo\/$/);
    expect(await get('/')).toMatchObject({ status: 302, location: '/demo/' });
    const page = await get('/demo/');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(page.body).toContain('<script type="module" src="main.js">');
  });

  it('serves the compiled scripts, the browser bundle and the Time Machine chunk', async () => {
    for (const module of ['main', 'worker', 'protocol', 'chart', 'data', 'dom', 'form', 'output']) {
      expect(await get(`/demo/${module}.js`), module).toMatchObject({
        status: 200,
        type: 'text/javascript; charset=utf-8',
      });
    }
    expect((await get('/dist/browser/index.js')).body).toContain('class LanguageModel');
    const book = await get('/dist/browser/datasets/timemachine.js');
    expect(book).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(book.body).toContain('export { timeMachineGzip }');
  });

  it('serves nothing else', async () => {
    for (const path of [
      '/package.json',
      '/demo/../package.json',
      '/demo/%2e%2e/package.json',
      '/dist/node/index.js',
      '/demo/main.ts',
      '/data/timemachine.txt',
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await get('/demo/', 'POST')).status).toBe(405);
  });
});
