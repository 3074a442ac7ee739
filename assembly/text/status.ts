// Status codes returned by the entry points; the host maps them to DeepRnnError codes (src/text/core.ts).
// Scalar slot 0 then holds the index of the offending element where there is one.
export const OK: i32 = 0;
export const E_EMPTY_CORPUS: i32 = -1;
export const E_BAD_VOCAB: i32 = -2;
export const E_TOKEN_RANGE: i32 = -3;
export const E_BAD_LOGITS: i32 = -4;
export const E_CORPUS_TOO_SMALL: i32 = -5;
