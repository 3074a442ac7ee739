/**
 * The perplexity chart: the library's curveSvg drawn at the size it is shown (so its 12 px labels stay
 * 12 px on a phone), redrawn when its box changes width, with an empty state before any training.
 */
import { curveSvg, type EpochEvent } from '../dist/browser/index.js';
import { $ } from './dom.js';

let records: EpochEvent[] = [];
let empty = 'No training yet.';
let drawnWidth = 0;

const chart = (): HTMLElement => $('chart');

function draw(): void {
  const el = chart();
  const width = Math.floor(el.clientWidth);
  drawnWidth = width;
  el.dataset.history = JSON.stringify(records.map((r) => r.trainPerplexity));
  el.dataset.validation = JSON.stringify(
    records.flatMap((r) => (r.valPerplexity !== undefined ? [r.valPerplexity] : [])),
  );
  el.dataset.lr = JSON.stringify(records.map((r) => r.lr));
  const last = records[records.length - 1];
  if (last === undefined || width === 0) {
    el.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = empty;
    el.append(p);
    el.setAttribute('aria-label', `Perplexity chart: ${empty}`);
    return;
  }
  const height = Math.round(Math.min(360, Math.max(220, width * 0.55)));
  el.innerHTML = curveSvg(records, { width, height, title: 'Perplexity per epoch (lower is better)' });
  const val = last.valPerplexity !== undefined ? `, validation ${last.valPerplexity.toFixed(2)}` : '';
  el.setAttribute(
    'aria-label',
    `Perplexity over ${records.length} epochs: now training ${last.trainPerplexity.toFixed(2)}${val}`,
  );
}

/** Starts over, with the message the empty chart shows. */
export function resetChart(message = 'No training yet.'): void {
  records = [];
  empty = message;
  draw();
}

export function addEpoch(event: EpochEvent): void {
  records.push(event);
  draw();
}

export function wireChart(): void {
  // Height follows width, so only a width change needs a redraw (and redrawing cannot loop).
  new ResizeObserver(() => {
    if (Math.floor(chart().clientWidth) !== drawnWidth) draw();
  }).observe(chart());
  draw();
}
