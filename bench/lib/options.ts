export interface BenchOptions {
  /** Interleaved rounds per case. */
  rounds: number;
  /** Length of one HTTP measurement. */
  seconds: number;
}
