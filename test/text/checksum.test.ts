// loadTimeMachine checks the sha1 of the book it unpacks: an altered package is E_CHECKSUM, not a wrong text.
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { loadTimeMachine } from '../../src/text/index.js';
import { timeMachineBytes } from '../helpers/data.js';
import { expectCodeAsync } from './helpers.js';

vi.mock('../../src/datasets/timemachine.js', () => ({
  timeMachineGzip: () => {
    const altered = Buffer.from(timeMachineBytes());
    altered[100] ^= 1;
    return gzipSync(altered);
  },
}));

describe('loadTimeMachine', () => {
  it("refuses a book whose sha1 is not d2l's with E_CHECKSUM", async () => {
    const error = await expectCodeAsync(() => loadTimeMachine(), 'E_CHECKSUM');
    expect(error.message).toContain('reinstall deeprnn');
  });
});
