/** Where output goes; process.stdout and process.stderr fit, and so do test doubles. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Everything a command touches outside itself, passed in so tests can drive the real program. */
export interface CliIo {
  stdout: Output;
  /** Also the prompt's output, so stdout stays clean for --json. */
  stderr: Output & NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Defaults to the clock; `--since 2h` counts back from it. */
  now?: () => Date;
}
