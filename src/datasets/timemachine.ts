/**
 * d2l's *The Time Machine* (H. G. Wells, 1895, public domain), the exact timemachine.txt that d2l's
 * DATA_HUB serves, shipped inside the package gzipped (69 KB) so that it loads offline everywhere.
 *
 * Its own entry point (`deeprnn/datasets/timemachine`) and its own chunk: `loadTimeMachine()` imports it
 * lazily, so the main bundle stays small. It imports nothing else of deeprnn, so bundling it splits off
 * no shared chunk; gunzipping, the sha1 check and decoding are `loadTimeMachine()`'s.
 */
import { timeMachineGzipBase64 } from '../generated/timemachine.js';

/** d2l's timemachine.txt gzipped (gzip -9 -n; 178,979 bytes when unpacked). */
export function timeMachineGzip(): Uint8Array {
  return Uint8Array.from(atob(timeMachineGzipBase64), (ch) => ch.charCodeAt(0));
}
