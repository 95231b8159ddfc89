/** Where a command writes; the real process by default, a buffer in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export const PROCESS_OUTPUT: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
