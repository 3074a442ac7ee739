export interface JobRun {
  text: string;
  logProbs: number[];
  perplexity: number;
  backend: string;
}
export function job(
  full: unknown,
  generate: unknown,
  checkpoint: Uint8Array | ArrayBuffer,
): Promise<{ full: JobRun; generate: JobRun; abortedByTimer: boolean }>;
