/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), headless, with WebGPU on
 * SwiftShader, a fresh profile per launch, and the demo server on a free port. Every console error and
 * uncaught page error is collected, so a test can assert there were none.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { startDemoServer } from '../../demo/server.mjs';
import { CHROMIUM_INSTALL, unavailable } from '../helpers/requires.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe` for suites that drive Chromium: a skip with one line when it is not installed (a failure under CI). */
export function describeChromium(): typeof describe | typeof describe.skip {
  if (existsSync(CHROMIUM)) return describe;
  unavailable({ missing: `no Chromium at ${CHROMIUM}`, install: CHROMIUM_INSTALL });
  return describe.skip;
}

const ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Session {
  context: BrowserContext;
  page: Page;
  /** The demo page's URL (http://127.0.0.1:<port>/demo/). */
  url: string;
  /** Console errors and page errors seen so far, as text. */
  errors: string[];
  close(): Promise<void>;
}

/** `isolated: false`: the demo server leaves out COOP/COEP, so the page has no SharedArrayBuffer. */
export async function openSession(viewport = { width: 1200, height: 900 }, { isolated = true } = {}): Promise<Session> {
  const server = await startDemoServer({ port: 0, isolated });
  const profile = await mkdtemp(join(tmpdir(), 'deeprnn-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport,
      acceptDownloads: true,
    });
  } catch (error) {
    await server.close();
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // Errors inside the demo's module worker surface here, not as page errors.
  page.on('worker', (w) =>
    w.on('console', (m) => {
      if (m.type() === 'error') errors.push(`worker console: ${m.text()}`);
    }),
  );
  return {
    context,
    page,
    url: server.url,
    errors,
    async close() {
      await context.close();
      await server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
