/**
 * Which text the model trains on: The Time Machine that ships with deeprnn, or a file the user picked
 * or dropped. The panel always names the text in use and its length; a file that looks binary is
 * warned about, and one with no text at all is refused (as `deeprnn train` does).
 */
import { TIME_MACHINE, binaryShare, loadTimeMachine } from '../dist/browser/index.js';
import { $, clearError, fmt, showError } from './dom.js';

export interface TrainingText {
  name: string;
  text: string;
}

/** Above this share of control characters and U+FFFD a file is warned about (the CLI's threshold). */
const BINARY_WARNING = 0.1;
const BOOK_NAME = `${TIME_MACHINE.title} (H. G. Wells, ships with deeprnn)`;

let user: TrainingText | undefined;
let book: Promise<string> | undefined;

function loadBook(): Promise<string> {
  book ??= loadTimeMachine().catch((error: unknown) => {
    book = undefined; // a later Train tries again
    throw error;
  });
  return book;
}

function show(text: string, warning = false): void {
  const el = $('data-status');
  el.textContent = text;
  el.classList.toggle('warning', warning);
  $<HTMLButtonElement>('use-book').disabled = user === undefined;
}

export async function trainingText(): Promise<TrainingText> {
  return user ?? { name: TIME_MACHINE.title, text: await loadBook() };
}

export function useBook(): void {
  user = undefined;
  $<HTMLInputElement>('data-file').value = '';
  show(`${BOOK_NAME}.`);
  loadBook().then(
    (text) => user === undefined && show(`${BOOK_NAME}: ${fmt(text.length)} characters.`),
    (error: unknown) =>
      user === undefined &&
      show(`${BOOK_NAME}: could not load it (${error instanceof Error ? error.message : String(error)}).`, true),
  );
}

export async function useFile(file: File): Promise<void> {
  const text = await file.text(); // bytes that are not UTF-8 become U+FFFD, which binaryShare counts
  const share = binaryShare(text);
  if (text.length > 0 && share === 1) {
    useBook();
    showError(
      `Error: ${file.name} holds no text (every character is a control character or not UTF-8). Still using ${TIME_MACHINE.title}.`,
    );
    return;
  }
  clearError();
  user = { name: file.name, text };
  const what = `${file.name}: ${fmt(text.length)} characters.`;
  if (share > BINARY_WARNING)
    show(
      `${what} Warning: it looks binary, not text: ${(share * 100).toFixed(0)}% of its characters are control characters or not UTF-8.`,
      true,
    );
  else show(what);
}

/** The file input, drag and drop onto the Text panel, and the way back to the book. */
export function wireData(): void {
  $<HTMLInputElement>('data-file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    // A cancelled or cleared picker leaves no file: the user no longer wants the old one.
    if (file) void useFile(file);
    else useBook();
  });
  // Browsers that keep the old selection on Cancel leave files in place: only an empty input means the book.
  $<HTMLInputElement>('data-file').addEventListener('cancel', (e) => {
    if (((e.target as HTMLInputElement).files?.length ?? 0) === 0) useBook();
  });
  $('use-book').addEventListener('click', () => {
    clearError();
    useBook();
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
    if (!file) return;
    $<HTMLInputElement>('data-file').value = ''; // else the input would name a file no longer in use
    void useFile(file);
  });
  useBook();
}
