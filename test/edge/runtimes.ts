/**
 * The JavaScript runtimes the edge tests run deeprnn in: Deno, Bun and workerd come as npm packages
 * (devDependencies) whose binaries land in node_modules/.bin. Without one a suite skips with one line
 * (fails under CI=true, test/helpers/requires.ts). workerd serves a config on 127.0.0.1, on a port it
 * picks and reports through its control descriptor, so no port is guessed.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { unavailable } from '../helpers/requires.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

export type Runtime = 'node' | 'deno' | 'bun' | 'workerd';

export function binary(runtime: Runtime): string {
  return runtime === 'node' ? process.execPath : join(ROOT, 'node_modules/.bin', runtime);
}

/** `describe` for a suite that needs `runtime`'s binary: a one-line skip without it (a failure under CI). */
export function describeRuntime(runtime: Exclude<Runtime, 'node'>): typeof describe | typeof describe.skip {
  if (existsSync(binary(runtime))) return describe;
  unavailable({
    missing: `no ${runtime} binary at node_modules/.bin/${runtime}`,
    install: `run npm install (the npm package '${runtime}' is a devDependency)`,
  });
  return describe.skip;
}

/** Runs a script file with node, deno or bun; resolves to its stdout. */
export async function runScript(runtime: Exclude<Runtime, 'workerd'>, script: string, args: string[]): Promise<string> {
  const argv =
    runtime === 'deno' ? ['run', '--allow-read', '--allow-env', '--no-lock', script, ...args] : [script, ...args];
  const { stdout } = await run(binary(runtime), argv, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export interface Workerd {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Its stderr so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * `workerd serve config` with the config's socket 'http' moved to 127.0.0.1 on a free port; resolves once
 * it listens. stop() ends it (SIGTERM, then SIGKILL after 5 s) and waits for its exit.
 */
export async function startWorkerd(config: string, cwd: string): Promise<Workerd> {
  const child = spawn(binary('workerd'), ['serve', config, '--socket-addr', 'http=127.0.0.1:0', '--control-fd', '3'], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const port = await new Promise<number>((done, fail) => {
    let control = '';
    child.stdio[3]!.on('data', (d) => {
      control += d;
      const lines = control.split('\n');
      control = lines.pop()!; // a line still being written
      for (const line of lines) {
        const event = line.trim() ? JSON.parse(line) : undefined;
        if (event?.event === 'listen' && event.socket === 'http') done(event.port);
      }
    });
    child.once('exit', (code) => fail(new Error(`workerd exited (${code}) before listening:\n${stderr}`)));
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return { url: `http://127.0.0.1:${port}`, log: () => stderr, stop };
}
