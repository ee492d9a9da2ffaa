import { SendRawEmailCommand, type SendRawEmailCommandOutput } from '@aws-sdk/client-ses';
import nodemailer from 'nodemailer';
import { MailOutcomeUnknownError, type Mailer, type OutgoingMail } from '../../domain/use-cases/mail-ports.ts';

/** Errors raised before a connection existed: nothing reached SES. */
const BEFORE_CONNECTION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export type SendFailure = 'retry' | 'not-sent' | 'unknown';

/**
 * What a failed SendRawEmail means. An HTTP error response (4xx/5xx) is SES saying no: not sent ('retry' for
 * throttling and 5xx). No connection at all: not sent, 'retry'. Anything else without a response (a timeout, a reset
 * or a broken pipe once the socket was open, a 2xx that could not be read) may have been accepted: 'unknown'.
 */
export function classifySendError(err: unknown): SendFailure {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 400) return status >= 500 || status === 429 || /Throttl/.test(e.name ?? '') ? 'retry' : 'not-sent';
  if (typeof status === 'number') return 'unknown';
  if (BEFORE_CONNECTION.has(e?.code ?? '') || e?.name === 'CredentialsProviderError') return 'retry';
  if (/did not establish a connection/.test(e?.message ?? '')) return 'retry';
  return 'unknown';
}

/**
 * SES (v1 API) with a MIME message built by nodemailer: HTML and text alternatives plus attachments in one
 * SendRawEmail call. A simple token bucket keeps each worker under `maxPerSecond` (the account's send rate is
 * shared by all workers, so the queue's maximum concurrency × this rate must stay under it). Retries happen here,
 * only for failures that certainly sent nothing (the SES client itself must not retry: `maxAttempts: 1`); a failure
 * that may have sent the message rejects with MailOutcomeUnknownError and is never retried.
 */
export class SesMailer implements Mailer {
  private readonly ses: { send(command: SendRawEmailCommand): Promise<SendRawEmailCommandOutput> };
  private readonly from: string;
  private readonly configurationSet: string | undefined;
  private readonly interval: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private next = 0;
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(opts: {
    ses: { send(command: SendRawEmailCommand): Promise<SendRawEmailCommandOutput> };
    from: string;
    configurationSet?: string;
    maxPerSecond: number;
    attempts?: number;
    retryDelayMs?: number;
  }) {
    this.ses = opts.ses;
    this.from = opts.from;
    this.configurationSet = opts.configurationSet || undefined;
    this.interval = 1000 / Math.max(0.1, opts.maxPerSecond);
    this.attempts = opts.attempts ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 200;
  }

  async send(mail: OutgoingMail): Promise<string> {
    const built = await this.composer.sendMail({
      from: this.from,
      to: mail.to,
      ...(mail.cc?.length ? { cc: mail.cc } : {}),
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    });
    const command = new SendRawEmailCommand({
      RawMessage: { Data: built.message as Buffer },
      Source: this.from,
      ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
      ...(mail.tags ? { Tags: Object.entries(mail.tags).map(([Name, Value]) => ({ Name, Value: Value.replace(/[^A-Za-z0-9_.-]/g, '_') })) } : {}),
    });
    for (let attempt = 1; ; attempt++) {
      await this.throttle();
      let res: SendRawEmailCommandOutput;
      try {
        res = await this.ses.send(command);
      } catch (err) {
        const failure = classifySendError(err);
        if (failure === 'unknown') throw new MailOutcomeUnknownError(`SES may have accepted the message: ${(err as Error).message}`, { cause: err });
        if (failure === 'not-sent' || attempt >= this.attempts) throw err;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** (attempt - 1)));
        continue;
      }
      // Accepted without an id to record: as good as unknown for the outbox.
      if (!res.MessageId) throw new MailOutcomeUnknownError('SES returned no MessageId');
      return res.MessageId;
    }
  }

  private async throttle(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.interval;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
