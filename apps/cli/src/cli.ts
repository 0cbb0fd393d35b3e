import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerDlqCommands } from './commands/dlq.command.js';
import { registerEndpointCommands } from './commands/endpoints.command.js';
import { registerStatsCommand } from './commands/stats.command.js';
import { registerTenantCommands } from './commands/tenant.command.js';
import { ENVIRONMENT_HELP } from './config.js';
import { CommandContext } from './context.js';
import { CliError, EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** This package's version, from package.json (one level above both src/ and dist/). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

const EXAMPLES = `Examples:
  export HERALD_API_URL=https://herald.internal HERALD_API_KEY=herald_admin_...
  herald dlq list --since 2h
  herald dlq replay --endpoint ep_01H... --yes
  herald dlq replay dlv_01H... dlv_01J...
  herald stats --window 7d --json | jq '.data[] | select(.dead > 0)'`;

/** The `herald` program, wired to `io`; exits are thrown (exitOverride), never taken. */
export function createProgram(io: CliIo): Command {
  const version = packageVersion();
  const userAgent = `herald-cli/${version}`;
  const now = () => io.now?.() ?? new Date();
  const contextOf = (command: Command) => CommandContext.of(command, io, userAgent);

  const program = new Command('herald')
    .description('Herald on the command line: dead letters, replay, endpoints and stats, through the api.')
    .version(version, '-V, --version')
    .option('--url <url>', 'the api base URL (env HERALD_API_URL, default http://127.0.0.1:3000)')
    .option('--key <key>', 'a tenant API key (env HERALD_API_KEY; prefer the env, arguments show up in ps)')
    .option('--root-token <token>', 'the root token, for tenant create (env HERALD_ROOT_TOKEN)')
    .option('--json', 'print machine-readable JSON on stdout (and nothing else there)')
    .addHelpText('after', `\n${EXAMPLES}\n\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  // Set before adding subcommands: they inherit exitOverride, output and help settings.

  registerTenantCommands(program, contextOf);
  registerEndpointCommands(program, contextOf);
  registerDlqCommands(program, contextOf, now);
  registerStatsCommand(program, contextOf);
  return program;
}

/** Prints an error the way every command does: message, api details, then a hint. */
function reportError(error: CliError, io: CliIo): void {
  if (error.message) io.stderr.write(`error: ${error.message}\n`);
  for (const line of error.details) io.stderr.write(`  - ${line}\n`);
  if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
}

/** Runs `herald` with `argv` (without node and the script) and answers the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help / version already).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof CliError) {
      reportError(error, io);
      return error.exitCode;
    }
    io.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.Usage;
  }
}
