/** The exit codes of `sirocco`, for scripts (documented in DOCS-cli.md). */
export const EXIT = {
  ok: 0,
  /** the thing run or checked failed: an execution ended in ERROR, a definition is invalid, the API refused */
  failed: 1,
  /** the command line is wrong (unknown command or option, missing argument, bad value) */
  usage: 2,
  /** Sirocco or Keystone cannot be reached, or the credentials are refused */
  unreachable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports on one line and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }

  static usage(message: string): CliError {
    return new CliError(message, EXIT.usage);
  }

  static unreachable(message: string): CliError {
    return new CliError(message, EXIT.unreachable);
  }
}
