/**
 * The page: reads the form, talks to the training worker, draws the perplexity curve (the library's own
 * curveSvg, redrawn each epoch) and streams generated text. All model work happens in worker.ts.
 */
import { curveSvg, loadTimeMachine, type EpochRecord } from '../dist/browser/index.js';
import type { FromWorker, KernelBuild, ModelInfo, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from index.html`);
  return el as T;
};
const value = (id: string): string => $<HTMLInputElement | HTMLSelectElement>(id).value;
const number = (id: string): number => Number(value(id));

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const post = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);

let userText: { name: string; text: string } | undefined;
let timeMachine: Promise<string> | undefined;
let history: EpochRecord[] = [];
let busy: 'training' | 'generating' | 'loading' | 'saving' | undefined;
let model: ModelInfo | undefined;

function status(text: string): void {
  $('status').textContent = text;
}

function setBusy(next: typeof busy): void {
  busy = next;
  document.body.dataset.busy = next ?? '';
  $<HTMLButtonElement>('train').disabled = next !== undefined;
  $<HTMLButtonElement>('stop').disabled = next !== 'training' && next !== 'generating';
  $<HTMLButtonElement>('generate').disabled = next !== undefined || model === undefined;
  $<HTMLButtonElement>('save').disabled = next !== undefined || model === undefined;
  // A live region that changes every token would flood screen readers: they read it once it is done.
  $('output').setAttribute('aria-busy', String(next === 'generating'));
  $<HTMLInputElement>('load-file').disabled = next !== undefined;
}

function wasmBuild(): KernelBuild | undefined {
  return $<HTMLInputElement>('relaxed').checked ? 'nn-relaxed' : undefined;
}

async function trainingText(): Promise<string> {
  if (userText) return userText.text;
  // The book ships with deeprnn (dist/browser/datasets/timemachine.js, loaded on first use): no server copy.
  timeMachine ??= loadTimeMachine();
  return timeMachine.catch((error: unknown) => {
    timeMachine = undefined;
    throw error;
  });
}

function drawChart(): void {
  const chart = $('chart');
  const last = history[history.length - 1];
  chart.innerHTML = curveSvg(history, { width: 640, height: 360 });
  chart.dataset.history = JSON.stringify(history.map((r) => r.trainPerplexity));
  chart.setAttribute('aria-label', last ? `Training perplexity over ${history.length} epochs, now ${last.trainPerplexity.toFixed(2)}` : 'Training perplexity per epoch (no data yet)');
}

async function startTraining(): Promise<void> {
  setBusy('training');
  history = [];
  drawChart();
  for (const id of ['backend-used', 'epoch', 'perplexity', 'speed']) $(id).textContent = '—';
  try {
    status('Loading text…');
    const text = await trainingText();
    const maxTokens = number('max-tokens');
    status('Building the vocabulary and the model…');
    post({
      type: 'train', text,
      model: { cell: value('cell') as 'lstm', layers: number('layers'), hidden: number('hidden'), seed: number('seed'), backend: value('backend') as 'auto', wasmBuild: wasmBuild() },
      train: { epochs: number('epochs'), lr: number('lr'), batchSize: number('batch-size'), numSteps: number('num-steps'), maxTokens: maxTokens > 0 ? maxTokens : undefined },
    });
  } catch (error) {
    status(`Error: ${error instanceof Error ? error.message : String(error)}`);
    setBusy(undefined);
  }
}

function startGenerating(): void {
  setBusy('generating');
  const prefix = value('prefix');
  $('output').textContent = prefix;
  const temperature = number('temperature');
  const topK = number('top-k');
  status('Generating…');
  post({ type: 'generate', prefix, length: number('length'), temperature, topK: topK > 0 ? topK : undefined, seed: number('gen-seed') });
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
      const { backend, cell, layers, hidden, vocabSize, tokens } = m.info;
      $('backend-used').textContent = backend === 'webgpu' ? 'WebGPU' : 'WebAssembly';
      $('backend-used').dataset.backend = backend;
      const what = `${cell.toUpperCase()}, ${layers} × ${hidden}, vocabulary ${vocabSize}`;
      status(busy === 'training' ? `Training ${what} on ${tokens} tokens…` : `Loaded ${what}.`);
      if (busy === 'loading') setBusy(undefined);
      break;
    }
    case 'epoch': {
      history.push(m.event);
      $('epoch').textContent = `${m.event.epoch} / ${m.event.epochs}`;
      $('perplexity').textContent = m.event.trainPerplexity.toFixed(2);
      $('speed').textContent = Math.round(m.event.tokensPerSecond).toLocaleString('en');
      drawChart();
      break;
    }
    case 'trained':
      status(m.aborted ? 'Stopped. The model keeps every finished step.' : 'Training done.');
      setBusy(undefined);
      break;
    case 'token':
      $('output').textContent += m.text;
      break;
    case 'generated':
      status('Done.');
      setBusy(undefined);
      break;
    case 'saved':
      download(m.bytes, model ? `deeprnn-${model.cell}-${model.layers}x${model.hidden}.safetensors` : 'deeprnn.safetensors');
      status('Saved.');
      setBusy(undefined);
      break;
    case 'error':
      status(`Error [${m.code}]: ${m.message}`);
      setBusy(undefined);
      break;
  }
};

async function useFile(file: File): Promise<void> {
  userText = { name: file.name, text: await file.text() };
  $('data-status').textContent = `${file.name} (${userText.text.length.toLocaleString('en')} characters).`;
}

$('train-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void startTraining();
});
$('generate-form').addEventListener('submit', (e) => {
  e.preventDefault();
  startGenerating();
});
$('stop').addEventListener('click', () => post({ type: 'stop' }));
$('save').addEventListener('click', () => {
  setBusy('saving');
  post({ type: 'save' });
});
$<HTMLInputElement>('data-file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) void useFile(file);
});
$<HTMLInputElement>('load-file').addEventListener('change', async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return;
  setBusy('loading');
  status(`Loading ${file.name}…`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  input.value = '';
  post({ type: 'load', bytes, backend: value('backend') as 'auto', wasmBuild: wasmBuild() }, [bytes.buffer]);
});

const drop = $('data');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('dragging');
});
drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('dragging');
  const file = e.dataTransfer?.files[0];
  if (file) void useFile(file);
});

drawChart();
setBusy(undefined);
