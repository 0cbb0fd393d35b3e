import { createTransport as createNodemailerTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** One email as Herald sends it: one recipient, a text and an HTML part, and extra headers. */
export interface OutboundMail {
  /** The one recipient, already validated (EmailAddressSchema). */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers (Auto-Submitted, List-Unsubscribe, X-Herald-*); values never contain line breaks. */
  headers: Record<string, string>;
}

/** What the SMTP server said: its reply to the message (any code), or why there was none. */
export type MailResult =
  | {
      kind: 'smtp';
      /** The SMTP reply code: 250 accepted, 4xx try again later, 5xx refused for good. */
      code: number;
      /** The server's reply text, e.g. `550 5.1.1 <a@x.com>: user unknown`. */
      response: string;
      latencyMs: number;
    }
  | {
      kind: 'error';
      /** No reply: the connection failed, was cut, or timed out. */
      error: 'timeout' | 'network';
      message: string;
      latencyMs: number;
    };

export interface MailTransportOptions {
  /** HERALD_SMTP_URL. */
  url: string;
  /** HERALD_EMAIL_FROM. */
  from: string;
  /** Longest a connection, greeting or reply may take (ms). */
  timeoutMs?: number;
}

/** The one way Herald sends email. */
export interface MailTransport {
  /** Sends one message; never throws. */
  send(mail: OutboundMail): Promise<MailResult>;
  close(): void;
}

/** nodemailer's error fields that say what the server answered, when it did. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/**
 * Sends email over SMTP with nodemailer (one connection per message: no pool
 * whose state a 421 could leave half-closed). The envelope names the one
 * recipient explicitly, so nothing in the headers can add another; nodemailer
 * encodes header values, and Herald's values carry no line breaks anyway.
 */
export function createMailTransport({ url, from, timeoutMs = 30_000 }: MailTransportOptions): MailTransport {
  const options: SMTPTransport.Options & { url: string } = {
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const transporter = createNodemailerTransport(options, { from });
  const envelopeFrom = /<([^>]+)>$/.exec(from)?.[1] ?? from;
  return {
    async send(mail) {
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      try {
        const info = await transporter.sendMail({
          to: mail.to,
          envelope: { from: envelopeFrom, to: [mail.to] },
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: mail.headers,
        });
        const response = String(info.response ?? '250 OK');
        return { kind: 'smtp', code: Number(/^\d{3}/.exec(response)?.[0] ?? 250), response, latencyMs: latency() };
      } catch (caught) {
        const error = caught as SmtpError;
        if (typeof error.responseCode === 'number') {
          return { kind: 'smtp', code: error.responseCode, response: String(error.response ?? error.message ?? ''), latencyMs: latency() };
        }
        const message = String(error.message ?? caught);
        return { kind: 'error', error: TIMEOUT_CODES.has(error.code ?? '') || /timeout/i.test(message) ? 'timeout' : 'network', message, latencyMs: latency() };
      }
    },
    close() {
      transporter.close();
    },
  };
}
