import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { resolveConnection, type Connection, type GlobalOptions } from './config.js';
import type { CliIo } from './io.js';

const KEY_HINT = 'pass a tenant API key with --key or set HERALD_API_KEY (read for lists and stats, admin for replay)';
const ROOT_HINT = 'pass the root token with --root-token or set HERALD_ROOT_TOKEN (the value the api was started with)';

/** What a command's action works with: the api clients, the output mode and the streams. */
export class CommandContext {
  readonly json: boolean;
  private readonly connection: Connection;

  constructor(
    readonly io: CliIo,
    options: GlobalOptions,
    private readonly userAgent: string,
  ) {
    this.json = options.json === true;
    this.connection = resolveConnection(options, io.env);
  }

  /** The context of the command being run, from its own and the program's options. */
  static of(command: Command, io: CliIo, userAgent: string): CommandContext {
    return new CommandContext(io, command.optsWithGlobals<GlobalOptions>(), userAgent);
  }

  /** The api with the tenant key. */
  api(): ApiClient {
    return this.client(this.connection.key, KEY_HINT);
  }

  /** The api with the root token (tenant management). */
  rootApi(): ApiClient {
    return this.client(this.connection.rootToken, ROOT_HINT);
  }

  now(): Date {
    return this.io.now?.() ?? new Date();
  }

  /** Human output on stdout. */
  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Notes, warnings and progress on stderr, never mixed into --json output. */
  note(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The --json answer: the only thing on stdout; indented for a person at a terminal, one line for a pipe. */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, this.io.stdout.isTTY ? 2 : undefined)}\n`);
  }

  private client(token: string | undefined, unauthorizedHint: string): ApiClient {
    return new ApiClient({
      baseUrl: this.connection.baseUrl,
      token,
      unauthorizedHint,
      fetch: this.io.fetch,
      userAgent: this.userAgent,
    });
  }
}
