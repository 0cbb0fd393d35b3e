/** What `herald` exits with; scripts branch on these, so each means one thing. */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** Bad arguments or options, no confirmation, or declined at the prompt: nothing was sent. */
  Usage: 1,
  /** The api refused the request (4xx): its message and details are printed. */
  ApiRefused: 2,
  /** The api could not be reached (connection refused, DNS, timeout). */
  ApiUnreachable: 3,
  /** Some replays were queued and some were refused. */
  PartialFailure: 4,
  /** The api answered with a server error (5xx), e.g. a dependency of it is down; retrying later may work. */
  ApiFailed: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit codes as `herald --help` lists them. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  usage error (bad arguments, no --yes without a terminal, declined at the prompt)
  2  the api refused the request (4xx; its message and details are printed)
  3  the api is unreachable (connection refused, timeout)
  4  partial failure (some replays failed, the others were queued)
  5  the api failed (5xx; try again later)`;

/**
 * An error that ends the command with `exitCode`; `message` goes to stderr
 * (nothing when empty: the command has already said what happened).
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly hint?: string,
    /** Lines printed under the message, e.g. the api's error details. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error: the command was not run. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(ExitCode.Usage, message, hint);
}
