// The matrix test's Worker: GET / runs job.mjs with the package as a Worker gets it (`deeprnn`,
// `deeprnn/generate` under the workerd condition) on the checkpoint bundled as a data module. Loaded by a
// plain workerd config and, bundled by esbuild the way wrangler does, by a second one (matrix.test.ts).
import * as full from 'deeprnn';
import * as generate from 'deeprnn/generate';
import checkpoint from './model.safetensors';
import { job } from './job.mjs';

export default {
  async fetch() {
    try {
      const book = await full.loadTimeMachine(); // the book chunk loads here too
      return Response.json({ packaged: await job(full, generate, checkpoint), book: book.length });
    } catch (error) {
      return new Response(String(error?.stack ?? error), { status: 500 });
    }
  },
};
