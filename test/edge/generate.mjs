// Runs job.mjs in Node, Deno or Bun on the checkpoint file argv[2], with the package as that runtime
// resolves it (`deeprnn`, `deeprnn/generate`: a self-reference from inside the package) and with the
// browser build; prints one JSON line.
import { readFileSync } from 'node:fs';
import { job } from './job.mjs';

const checkpoint = new Uint8Array(readFileSync(process.argv[2]));
const packaged = await job(await import('deeprnn'), await import('deeprnn/generate'), checkpoint);
const browser = await job(
  await import('../../dist/browser/index.js'),
  await import('../../dist/browser/generate.js'),
  checkpoint,
);
const resolved = [import.meta.resolve('deeprnn'), import.meta.resolve('deeprnn/generate')];
console.log(JSON.stringify({ resolved, packaged, browser }));
