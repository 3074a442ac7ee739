/**
 * workerd configs for the edge tests, written next to the checkpoint with embed paths relative to them:
 * a worker's modules by name (as a Worker imports them) and file.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './runtimes.js';

export interface WorkerModule {
  name: string;
  kind: 'esModule' | 'wasm' | 'data';
  /** Absolute path of the file. */
  file: string;
}

/** The modules of the package's workerd build under the names a Worker's imports resolve to. */
export function packageModules(): WorkerModule[] {
  const dist = (f: string) => join(ROOT, 'dist/workerd', f);
  return [
    { name: 'deeprnn', kind: 'esModule', file: dist('index.js') },
    { name: 'text.wasm', kind: 'wasm', file: dist('text.wasm') },
    { name: 'nn.wasm', kind: 'wasm', file: dist('nn.wasm') },
    { name: 'datasets/timemachine.js', kind: 'esModule', file: dist('datasets/timemachine.js') },
    { name: 'deeprnn/generate', kind: 'esModule', file: dist('generate.js') },
    { name: 'deeprnn/text.wasm', kind: 'wasm', file: dist('text.wasm') },
    { name: 'deeprnn/nn-forward.wasm', kind: 'wasm', file: dist('nn-forward.wasm') },
  ];
}

/** Writes `dir/<name>.capnp` serving `modules` (the first is the main module) on a socket 'http'; returns its path. */
export function writeConfig(dir: string, name: string, modules: WorkerModule[]): string {
  const list = modules
    .map((m) => `    (name = ${JSON.stringify(m.name)}, ${m.kind} = embed ${JSON.stringify(relative(dir, m.file))}),`)
    .join('\n');
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
${list}
  ],
  compatibilityDate = "2025-09-01",
);
`;
  const path = join(dir, `${name}.capnp`);
  writeFileSync(path, config);
  return path;
}
