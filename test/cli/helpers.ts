/** Shared by the CLI tests: main() run in-process with its output captured, and a small model's flags. */
import { main } from '../../src/cli/main.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `deeprnn ...argv` in this process (signals can then be emitted to it with process.emit). */
export async function runMain(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** A one-layer, 8-unit model on short sequences: trains in a fraction of a second. */
export const TINY = ['--layers', '1', '--hidden', '8', '--batch-size', '4', '--num-steps', '8', '--backend', 'wasm'];
