import { createInterface } from 'node:readline';

/**
 * Asks a yes/no question on `output` and reads one line from `input`; only
 * `y` or `yes` is a yes. End of input or Ctrl-C is a no.
 */
export function confirm(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<boolean> {
  const rl = createInterface({ input, output });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (yes: boolean) => {
      if (settled) return;
      settled = true;
      rl.close();
      resolve(yes);
    };
    rl.on('SIGINT', () => {
      output.write('\n');
      settle(false);
    });
    rl.on('close', () => settle(false));
    rl.question(`${question} [y/N] `, (answer) => settle(/^y(es)?$/i.test(answer.trim())));
  });
}
