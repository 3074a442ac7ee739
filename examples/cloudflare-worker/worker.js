// A Cloudflare Worker that streams generated text as the response body:
//   GET /?prefix=time%20traveller&length=200&seed=1   (also temperature, topK, topP)
//   GET /status                                         streams running, served and cancelled
// `deeprnn/generate` resolves to its workerd build (the `workerd` export condition): generation alone, its
// WASM imported as precompiled modules. The model is a `.safetensors` checkpoint imported as a data module.
// Run it offline with `npx workerd serve config.capnp`, or deploy it with wrangler (wrangler.toml); see the
// README's "Deploying at the edge".
import { DeepRnnError, TextGenerator } from 'deeprnn/generate';
import checkpoint from './model.safetensors';

/** The longest continuation one request may ask for: each character costs one step of CPU time. */
const MAX_LENGTH = 5000;
/** Characters per chunk of the response body (one chunk per token would cost a write each). */
const CHUNK_CHARS = 16;

// Loaded on the first request and shared by every request after it: each stream carries its own state.
let loading;
const stats = { streams: 0, served: 0, cancelled: 0 };

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/status') return Response.json(stats);
    if (url.pathname !== '/' || request.method !== 'GET') return new Response('not found\n', { status: 404 });
    loading ??= TextGenerator.load(checkpoint).catch((error) => {
      loading = undefined; // the next request tries again
      throw error;
    });
    const generator = await loading;
    const controller = new AbortController();
    let tokens;
    let first;
    try {
      const { prefix, ...options } = generateOptions(url.searchParams);
      tokens = generator.stream(prefix, { ...options, signal: controller.signal })[Symbol.asyncIterator]();
      first = await tokens.next(); // bad options fail here, as a 400, before the response starts
    } catch (error) {
      if (error instanceof DeepRnnError) return new Response(`${error.code}: ${error.message}\n`, { status: 400 });
      throw error;
    }
    stats.streams++;
    let open = true;
    let cancelled = false;
    const finish = () => {
      if (!open) return;
      open = false;
      stats.streams--;
      stats.served++;
    };
    const encoder = new TextEncoder();
    const body = new ReadableStream({
      async pull(stream) {
        let text = '';
        while (text.length < CHUNK_CHARS) {
          const next = first ?? (await tokens.next());
          first = undefined;
          if (cancelled) return; // the stream is gone: nothing more may be written to it
          if (next.done) {
            if (text) stream.enqueue(encoder.encode(text));
            finish();
            stream.close();
            return;
          }
          text += next.value.text;
        }
        stream.enqueue(encoder.encode(text));
      },
      // The client went away: stop generating (the signal ends a token loop under way) and close the
      // generator; only then is the stream no longer counted as running.
      async cancel() {
        cancelled = true;
        controller.abort();
        stats.cancelled++;
        await tokens.return();
        finish();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};

/** GenerateOptions from the query string; anything out of range is left to deeprnn's checks (E_BAD_OPTION). */
function generateOptions(query) {
  const number = (name) => (query.has(name) ? Number(query.get(name)) : undefined);
  const length = number('length') ?? 200;
  if (length > MAX_LENGTH) throw new DeepRnnError('E_BAD_OPTION', `length must be at most ${MAX_LENGTH}`);
  const options = { prefix: query.get('prefix') ?? 'time traveller', length, seed: number('seed') ?? 0 };
  for (const name of ['temperature', 'topK', 'topP']) if (query.has(name)) options[name] = number(name);
  return options;
}
