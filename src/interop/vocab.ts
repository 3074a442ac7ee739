/**
 * The vocabulary of an imported model. deeprnn's own exports carry it (metadata `vocab` and `text`, the
 * same JSON as in a .safetensors checkpoint); other tools' files do not, so the caller may give it.
 */
import { readVocabMetadata, type TextOptions } from '../checkpoint/index.js';
import { DeepRnnError } from '../errors.js';
import { Vocab } from '../text/index.js';

/** A Vocab, or the token list in index order ('<unk>' first; d2l's `vocab.idx_to_token`), read as d2l chars. */
export type VocabOption = Vocab | readonly string[];

const D2L_CHARS: TextOptions = { preprocess: 'd2l', tokenize: 'char' };

/**
 * The tokens and text options of a model with `vocabSize` outputs: from `option` when given (it wins over
 * the file's), else from the file's metadata, else E_BAD_CHECKPOINT saying how to supply them.
 */
export function modelVocab(
  metadata: Record<string, string>,
  vocabSize: number,
  option: VocabOption | undefined,
  what: string,
): { vocab: string[]; text: TextOptions } {
  if (option !== undefined) {
    const given =
      option instanceof Vocab
        ? { vocab: [...option.tokens], text: { ...option.options, reserved: [...option.reserved] } }
        : Array.isArray(option)
          ? { vocab: [...option], text: D2L_CHARS }
          : null;
    if (given === null)
      throw new DeepRnnError('E_BAD_OPTION', 'the vocab option must be a Vocab or an array of tokens');
    try {
      return readVocabMetadata({ vocab: JSON.stringify(given.vocab), text: JSON.stringify(given.text) }, vocabSize);
    } catch (e) {
      throw new DeepRnnError('E_BAD_OPTION', `the vocab option does not fit ${what}: ${(e as Error).message}`);
    }
  }
  if (metadata.vocab === undefined)
    throw new DeepRnnError(
      'E_BAD_CHECKPOINT',
      `${what} has no vocabulary: pass { vocab } (a Vocab, or its ${vocabSize} tokens with '<unk>' first) when loading it (CLI: deeprnn export --vocab FILE --format safetensors), or store 'vocab' and 'text' in its metadata (README: ONNX and TensorFlow.js)`,
    );
  return readVocabMetadata(metadata, vocabSize);
}
