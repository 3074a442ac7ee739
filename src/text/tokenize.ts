/** preprocess() and tokenize(): the first two steps of d2l §9.2, in the WASM text core. */
import { checkStatus, withCore } from './core.js';
import {
  checkText,
  levelCode,
  modeCode,
  resolveTokenizeOptions,
  type PreprocessMode,
  type TextInput,
  type TokenizeOptions,
} from './options.js';
import { check } from '../errors.js';

/**
 * The text after preprocessing: 'd2l' gives d2l's lines joined with "\n" (so `.split('\n')` is
 * read_time_machine()), 'none' gives the text with \r\n and \r read as \n.
 */
export function preprocess(text: TextInput, mode: PreprocessMode = 'd2l'): string {
  checkText(text);
  check(mode === 'd2l' || mode === 'none', `preprocess must be 'd2l' or 'none', got ${String(mode)}`);
  return withCore((call) => {
    const [src, n] = call.text(text);
    const status = call.wasm.text_preprocess(src, n, modeCode(mode));
    checkStatus(call, status, () => 'preprocess failed');
    return call.outString(0);
  });
}

/**
 * The tokens of `text` (see TokenizeOptions): d2l's tokenize(read_time_machine(), 'char') flattened, by
 * default. A text with no tokens gives [].
 */
export function tokenize(text: TextInput, options?: TokenizeOptions): string[] {
  checkText(text);
  const o = resolveTokenizeOptions(options);
  return withCore((call) => {
    const [src, n] = call.text(text);
    const count = call.wasm.text_tokenize(src, n, modeCode(o.preprocess), levelCode(o.tokenize), o.newlines);
    checkStatus(call, count, () => 'tokenize failed');
    const processed = call.outString(0);
    const starts = call.outI32(1);
    const lengths = call.outI32(2);
    const tokens = new Array<string>(count);
    for (let i = 0; i < count; i++) tokens[i] = processed.slice(starts[i], starts[i] + lengths[i]);
    return tokens;
  });
}
