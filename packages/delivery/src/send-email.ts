import type { MailTransport } from '@herald/outbound';
import { buildEmailMessage, type EmailContent } from './email-message.js';
import type { RequestFormat } from './request-format.js';
import type { SentAttempt } from './send-attempt.js';
import type { WebhookEvent } from './webhook-request.js';

/** How email attempts are sent: the one mail transport and Herald's settings. */
export interface EmailSender {
  mail: MailTransport;
  /** HERALD_EMAIL_FROM, as configured (the From header). */
  from: string;
  /** Its address alone. */
  fromAddress: string;
  /** HERALD_HEADER_PREFIX. */
  headerPrefix: string;
  /** HERALD_ENVIRONMENT, or null. */
  environment: string | null;
}

/** The address of a From value (`Name <a@x.com>` or `a@x.com`). */
export function addressOf(from: string): string {
  return /<([^>]+)>$/.exec(from)?.[1] ?? from;
}

/**
 * Builds one event's email to one recipient and sends it. Never throws for
 * the server's sake: its reply (or why there was none) is the result. The
 * attempt records the headers sent (From, To, Subject and Herald's own).
 */
export async function sendEmailAttempt(
  sender: EmailSender,
  { event, recipient, tenant }: { event: WebhookEvent; recipient: string; tenant: EmailContent['tenant'] },
): Promise<SentAttempt> {
  const content: EmailContent = { tenant, environment: sender.environment };
  const message = buildEmailMessage(event, content, { fromAddress: sender.fromAddress, headerPrefix: sender.headerPrefix });
  const format: RequestFormat = { body: 'email', environment: content.environment, tenant: { id: tenant.id, name: tenant.name, external_id: tenant.externalId } };
  const result = await sender.mail.send({ to: recipient, subject: message.subject, text: message.text, html: message.html, headers: message.headers });
  return {
    headers: { From: sender.from, To: recipient, Subject: message.subject, ...message.headers },
    body: message.text,
    format,
    result,
    finishedAt: new Date(),
  };
}
