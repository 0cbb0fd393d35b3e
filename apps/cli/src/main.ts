import { run } from './cli.js';

// exitCode, not exit(): stdout is a pipe for --json and must be flushed first.
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
