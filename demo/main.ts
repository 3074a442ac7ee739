/**
 * The page: wires the forms to the training worker and shows what it reports (progress, the chart, live
 * samples, the model summary, generated text). All model work happens in worker.ts; the pieces of the
 * page live in chart.ts, output.ts, form.ts and data.ts.
 */
import type { EpochEvent, TrainProgress } from '../dist/browser/index.js';
import { addEpoch, resetChart, wireChart } from './chart.js';
import { trainingText, wireData } from './data.js';
import { $, clearError, fmt, showError, status } from './dom.js';
import {
  checkGenerate,
  checkTraining,
  generateChoice,
  modelChoice,
  threadsChoice,
  trainChoice,
  wasmBuild,
  wireOptimizer,
} from './form.js';
import { addSample, appendOutput, clearOutput, clearSamples, startOutput, wireOutput } from './output.js';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.js';

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const post = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);

let busy: 'training' | 'generating' | 'loading' | 'saving' | undefined;
let model: ModelInfo | undefined;
let lastEpoch: EpochEvent | undefined;
/** The text the current run trains on, for the summary. */
let textName = '';

function setBusy(next: typeof busy): void {
  busy = next;
  document.body.dataset.busy = next ?? '';
  $<HTMLButtonElement>('train').disabled = next !== undefined;
  $<HTMLButtonElement>('stop').disabled = next !== 'training' && next !== 'generating';
  $<HTMLButtonElement>('stop-generate').disabled = next !== 'generating';
  $<HTMLButtonElement>('generate').disabled = next !== undefined || model === undefined;
  $<HTMLButtonElement>('save').disabled = next !== undefined || model === undefined;
  // A live region that changes every chunk would flood screen readers: they read it once it is done.
  $('output').setAttribute('aria-busy', String(next === 'generating'));
  $<HTMLInputElement>('load-file').disabled = next !== undefined;
}

function setProgress(id: string, share: number, text: string): void {
  const bar = $<HTMLProgressElement>(id);
  bar.value = Math.min(1, Math.max(0, share));
  bar.textContent = text; // shown by browsers that cannot draw <progress>
  bar.title = text;
}

function showProgress({ epoch, epochs, batch, batches }: TrainProgress): void {
  const inEpoch = batches > 0 ? batch / batches : 0;
  setProgress('epoch-progress', inEpoch, `batch ${fmt(batch)} of ${fmt(batches)}`);
  setProgress('run-progress', (epoch - 1 + inEpoch) / epochs, `epoch ${fmt(epoch)} of ${fmt(epochs)}`);
  $('progress-text').textContent = `Epoch ${fmt(epoch)} of ${fmt(epochs)}, batch ${fmt(batch)} of ${fmt(batches)}`;
}

/** Back to "nothing run yet" for the chart, the samples, the numbers and the bars (a new run or a loaded model). */
function resetPanels(chartMessage: string): void {
  lastEpoch = undefined;
  resetChart(chartMessage);
  clearSamples();
  clearOutput();
  for (const id of ['epoch', 'perplexity', 'val-perplexity', 'speed', 'lr-now']) $(id).textContent = '—';
  setProgress('epoch-progress', 0, 'not started');
  setProgress('run-progress', 0, 'not started');
  $('progress-text').textContent = '';
}

const cellName = (cell: string): string => (cell === 'rnn' ? 'RNN' : cell.toUpperCase());

function describeRecipe({ optimizer, lr, clip, lrDecay }: NonNullable<ModelInfo['trained']>['recipe']): string {
  const decay = lrDecay ? `lr × ${lrDecay.rate} each epoch from epoch ${lrDecay.after}` : 'no lr decay';
  return `${optimizer === 'adam' ? 'Adam' : 'SGD'}, lr ${lr}, ${Number.isFinite(clip) ? `clip ${clip}` : 'no clipping'}, ${decay}`;
}

/** Names the model and lists its shape, size and where it runs. */
function showSummary(info: ModelInfo, textName: string): void {
  const { cell, layers, hidden, dropout, vocabSize, parameters, backend, threads, threadsNotice, trained, loaded } =
    info;
  $('model-name').textContent = loaded ? `Loaded from ${loaded.name}` : `Trained here on ${textName}`;
  $('sum-model').textContent = `${cellName(cell)}, ${layers} layer${layers === 1 ? '' : 's'} × ${hidden} hidden`;
  $('sum-dropout').textContent = dropout > 0 ? String(dropout) : 'none';
  $('sum-params').textContent = fmt(parameters);
  $('sum-params').dataset.params = String(parameters);
  $('sum-vocab').textContent = `${fmt(vocabSize)} tokens`;
  $('backend-used').textContent = backend === 'webgpu' ? 'WebGPU' : 'WebAssembly';
  $('backend-used').dataset.backend = backend;
  $('sum-threads').textContent = `${threads} thread${threads === 1 ? '' : 's'}`;
  $('sum-threads').dataset.threads = String(threads);
  $('threads-note').textContent = threadsNotice ?? '';
  $('threads-note').hidden = threadsNotice === undefined;
  if (trained) {
    $('sum-training').textContent = describeRecipe(trained.recipe);
    $('sum-data').textContent =
      `${fmt(trained.train)} training tokens, ${trained.validation > 0 ? `${fmt(trained.validation)} held out` : 'none held out'}`;
  } else {
    const last = loaded?.last;
    const val = last?.valPerplexity !== undefined ? `, validation ${last.valPerplexity.toFixed(2)}` : '';
    $('sum-training').textContent = last
      ? `${fmt(last.epoch)} epochs in the checkpoint's record, perplexity ${last.trainPerplexity.toFixed(2)}${val}`
      : 'no training record in the checkpoint';
    $('sum-data').textContent = '—';
  }
}

async function startTraining(): Promise<void> {
  clearError();
  const train = trainChoice();
  const problem = checkTraining(train);
  if (problem) return showError(`Error: ${problem}`);
  setBusy('training');
  resetPanels('Waiting for the first epoch…');
  try {
    status('Loading text…');
    const { name, text } = await trainingText();
    textName = name;
    status('Building the vocabulary and the model…');
    post({ type: 'train', text, model: modelChoice(), train });
    const section = $('progress-section').getBoundingClientRect();
    if (section.top > innerHeight || section.bottom < 0) $('progress-section').scrollIntoView({ block: 'start' });
  } catch (error) {
    status('');
    showError(`Error: ${error instanceof Error ? error.message : String(error)}`);
    setBusy(undefined);
  }
}

function startGenerating(): void {
  clearError();
  const choice = generateChoice();
  const problem = checkGenerate(choice);
  if (problem) {
    showError(`Error: ${problem}`);
    return;
  }
  setBusy('generating');
  startOutput(choice.prefix);
  status('Generating…');
  post({ type: 'generate', ...choice });
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'model': {
      model = m.info;
      const { cell, layers, hidden, vocabSize, loaded, trained } = m.info;
      const what = `${cellName(cell)}, ${layers} × ${hidden}, vocabulary ${vocabSize}`;
      if (loaded) resetPanels(`No training in this page yet: ${loaded.name} is loaded.`);
      showSummary(m.info, textName);
      status(trained ? `Training ${what} on ${fmt(trained.train)} tokens…` : `Loaded ${what} from ${loaded?.name}.`);
      if (busy === 'loading') setBusy(undefined);
      break;
    }
    case 'progress':
      showProgress(m.progress);
      break;
    case 'epoch': {
      const { epoch, epochs, trainPerplexity, valPerplexity, tokensPerSecond, lr } = m.event;
      lastEpoch = m.event;
      addEpoch(m.event);
      $('epoch').textContent = `${fmt(epoch)} / ${fmt(epochs)}`;
      $('perplexity').textContent = trainPerplexity.toFixed(2);
      $('val-perplexity').textContent = valPerplexity !== undefined ? valPerplexity.toFixed(2) : '—';
      $('speed').textContent = fmt(Math.round(tokensPerSecond));
      $('lr-now').textContent = String(Number(lr.toPrecision(4)));
      setProgress('run-progress', epoch / epochs, `epoch ${fmt(epoch)} of ${fmt(epochs)} done`);
      break;
    }
    case 'sample':
      addSample(m.epoch, lastEpoch?.epoch === m.epoch ? lastEpoch.trainPerplexity : undefined, m.prefix, m.text);
      break;
    case 'trained':
      status(m.aborted ? 'Stopped. The model keeps every finished step.' : 'Training done.');
      setBusy(undefined);
      break;
    case 'token':
      appendOutput(m.text);
      break;
    case 'generated':
      status('Done.');
      setBusy(undefined);
      break;
    case 'saved':
      download(
        m.bytes,
        model ? `deeprnn-${model.cell}-${model.layers}x${model.hidden}.safetensors` : 'deeprnn.safetensors',
      );
      status('Saved.');
      setBusy(undefined);
      break;
    case 'error':
      if (busy === 'training' && lastEpoch === undefined)
        resetChart('No training yet: the run failed before its first epoch.');
      status('');
      showError(`Error [${m.code}]: ${m.message}`);
      setBusy(undefined);
      break;
  }
};

$('train-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void startTraining();
});
$('generate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  startGenerating();
});
for (const id of ['stop', 'stop-generate']) {
  $(id).addEventListener('click', () => {
    status(busy === 'training' ? 'Stopping after this batch…' : 'Stopping…');
    post({ type: 'stop' });
  });
}
$('save').addEventListener('click', () => {
  clearError();
  setBusy('saving');
  post({ type: 'save' });
});
$<HTMLInputElement>('load-file').addEventListener('change', async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return;
  clearError();
  setBusy('loading');
  status(`Loading ${file.name}…`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  input.value = '';
  post(
    {
      type: 'load',
      name: file.name,
      bytes,
      backend: $<HTMLSelectElement>('backend').value as 'auto',
      wasmBuild: wasmBuild(),
      threads: threadsChoice(),
    },
    [bytes.buffer],
  );
});

wireData();
wireOptimizer();
wireOutput();
wireChart();
resetPanels('No training yet.');
setBusy(undefined);
