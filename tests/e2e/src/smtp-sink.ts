import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted: its envelope and the parsed MIME message. */
export interface SunkMail {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/** How the sink answers one RCPT TO: accept (null), or an SMTP code and text. */
export type SmtpReply = { code: number; message: string } | null;

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` for HERALD_SMTP_URL. */
  url: string;
  mails: SunkMail[];
  /** Every RCPT TO the sink was asked, answered or not, in order. */
  rcpts: string[];
  /** Changes how later recipients are answered (`tries` counts this recipient's RCPT TOs so far, from 1). */
  reply(handler: (recipient: string, tries: number) => SmtpReply): void;
  /** Resolves once `count` messages were accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<SunkMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on a free local port, in the test: it
 * records every message it accepts, parsed with mailparser, and answers each
 * recipient as the test says (e.g. 421 to make Herald retry, 550 to refuse).
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const rcpts: string[] = [];
  const tries = new Map<string, number>();
  let answer: (recipient: string, tries: number) => SmtpReply = () => null;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const recipient = address.address.toLowerCase();
      rcpts.push(recipient);
      const n = (tries.get(recipient) ?? 0) + 1;
      tries.set(recipient, n);
      const reply = answer(recipient, n);
      if (!reply) return callback();
      const error = Object.assign(new Error(reply.message), { responseCode: reply.code });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            raw,
            parsed,
          });
          for (const w of waiters.filter((w) => mails.length >= w.count)) w.resolve();
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    rcpts,
    reply(handler) {
      answer = handler;
    },
    waitFor(count, timeoutMs = 15_000) {
      if (mails.length >= count) return Promise.resolve(mails);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} mails, got ${mails.length}`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(mails);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
