import { SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import nodemailer from 'nodemailer';
import type { Mailer, OutgoingMail } from '../../domain/use-cases/mail-ports.ts';

/**
 * SES (v1 API) with a MIME message built by nodemailer: HTML and text alternatives plus attachments in one
 * SendRawEmail call. A simple token bucket keeps each worker under `maxPerSecond` (the account's send rate is
 * shared by all workers, so the queue's maximum concurrency × this rate must stay under it).
 */
export class SesMailer implements Mailer {
  private readonly ses: SESClient;
  private readonly from: string;
  private readonly configurationSet: string | undefined;
  private readonly interval: number;
  private next = 0;
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(opts: { ses: SESClient; from: string; configurationSet?: string; maxPerSecond: number }) {
    this.ses = opts.ses;
    this.from = opts.from;
    this.configurationSet = opts.configurationSet || undefined;
    this.interval = 1000 / Math.max(0.1, opts.maxPerSecond);
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
    await this.throttle();
    const res = await this.ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: built.message as Buffer },
        Source: this.from,
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        ...(mail.tags ? { Tags: Object.entries(mail.tags).map(([Name, Value]) => ({ Name, Value: Value.replace(/[^A-Za-z0-9_.-]/g, '_') })) } : {}),
      }),
    );
    if (!res.MessageId) throw new Error('SES returned no MessageId');
    return res.MessageId;
  }

  private async throttle(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.interval;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
