// What every runtime computes from the same checkpoint, for test/edge/matrix.test.ts to compare bit for bit:
// a seeded continuation with its log-probabilities and a held-out perplexity, through the full package
// (LanguageModel) and the generation-only entry point (TextGenerator). Self-contained (no imports), so the
// Chromium page runs it from its source text.
export async function job(full, generate, checkpoint) {
  const prefix = 'time traveller ';
  const options = { length: 80, seed: 7, temperature: 0.9, topK: 10 };
  const heldOut = 'the time traveller for so it will be convenient to speak of him was expounding a recondite matter';
  const run = async (model) => {
    const tokens = [];
    for await (const t of model.stream(prefix, options)) tokens.push(t);
    const result = {
      text: tokens.map((t) => t.text).join(''),
      logProbs: tokens.map((t) => t.logProb),
      perplexity: await model.evaluate(heldOut),
      backend: model.backend,
    };
    model.dispose();
    return result;
  };
  // A long generation that a timer aborts: it stops only if generation yields to the event loop in this
  // runtime (src/pace.ts picks setImmediate, a MessageChannel message or setTimeout by what is there).
  const abortedByTimer = async (model) => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const text = await model.generate(prefix, { length: 200_000, signal: stop.signal });
    model.dispose();
    return text.length > 0 && text.length < 200_000;
  };
  return {
    full: await run(await full.LanguageModel.load(checkpoint)),
    generate: await run(await generate.TextGenerator.load(checkpoint)),
    abortedByTimer: await abortedByTimer(await generate.TextGenerator.load(checkpoint)),
  };
}
