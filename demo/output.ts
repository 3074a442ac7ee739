/**
 * Text the model wrote: the Generate output (its prefix marked apart from the continuation, with a Copy
 * button) and the live samples drawn between training epochs.
 */
import { $ } from './dom.js';

function prefixMark(prefix: string): HTMLElement {
  const mark = document.createElement('mark');
  mark.className = 'prefix';
  mark.textContent = prefix;
  return mark;
}

export function startOutput(prefix: string): void {
  $('output').replaceChildren(prefixMark(prefix));
  copied('');
}

/** A new text node each time: appending to textContent would copy the whole text on every chunk. */
export function appendOutput(text: string): void {
  $('output').append(text);
  $<HTMLButtonElement>('copy').disabled = false;
}

export function clearOutput(): void {
  $('output').replaceChildren();
  $<HTMLButtonElement>('copy').disabled = true;
  copied('');
}

/** Lines kept in the samples list. */
const MAX_SAMPLES = 12;

export function addSample(epoch: number, perplexity: number | undefined, prefix: string, text: string): void {
  const li = document.createElement('li');
  li.dataset.epoch = String(epoch);
  const label = document.createElement('span');
  label.className = 'sample-epoch';
  label.textContent = `epoch ${epoch}${perplexity !== undefined ? ` · ppl ${perplexity.toFixed(1)}` : ''}`;
  const line = document.createElement('span');
  line.className = 'sample-text';
  line.append(prefixMark(prefix), text);
  li.append(label, line);
  const list = $('samples');
  list.append(li);
  // A long run would list hundreds: keep the first line, to compare with, and the latest ones.
  if (list.children.length > MAX_SAMPLES) list.children[1].remove();
  $('samples-empty').hidden = true;
}

export function clearSamples(): void {
  $('samples').replaceChildren();
  $('samples-empty').hidden = false;
}

function copied(text: string): void {
  $('copy-status').textContent = text;
}

/** Where the Clipboard API is missing or refused (an insecure page, a denied permission), select the text instead. */
function selectOutput(): void {
  const range = document.createRange();
  range.selectNodeContents($('output'));
  const selection = getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}

export function wireOutput(): void {
  $('copy').addEventListener('click', async () => {
    const text = $('output').textContent ?? '';
    try {
      if (!navigator.clipboard) throw new Error('no Clipboard API');
      await navigator.clipboard.writeText(text);
      copied(`Copied ${text.length.toLocaleString('en')} characters.`);
    } catch {
      selectOutput();
      copied('This browser did not let the page copy: the text is selected, press Ctrl+C (⌘C on a Mac).');
    }
  });
  clearOutput();
}
