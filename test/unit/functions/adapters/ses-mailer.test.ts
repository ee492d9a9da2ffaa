import type { SendRawEmailCommand, SendRawEmailCommandOutput } from '@aws-sdk/client-ses';
import { describe, expect, it } from 'vitest';
import { classifySendError, SesMailer } from '../../../../functions/adapters/ses-mailer.ts';
import { MailOutcomeUnknownError } from '../../../../domain/use-cases/mail-ports.ts';

const mail = { subject: 's', text: 't', html: '<p>t</p>', attachments: [], to: ['a@example.com'] };
const http = (status: number, name = 'ServiceError') => Object.assign(new Error(`HTTP ${status}`), { name, $metadata: { httpStatusCode: status } });
const net = (code: string, name = 'Error', message = code) => Object.assign(new Error(message), { code, name });

/** A fake SES client answering each call with the next of `answers` (an error is thrown). */
function ses(answers: (Error | string)[]) {
  let calls = 0;
  return {
    calls: () => calls,
    client: {
      send: async (_c: SendRawEmailCommand): Promise<SendRawEmailCommandOutput> => {
        const a = answers[calls++];
        if (a instanceof Error) throw a;
        return { MessageId: a ?? 'id', $metadata: {} };
      },
    },
  };
}

describe('SES send failures: not sent (safe to retry) or unknown (never resent blindly)', () => {
  it('classifies HTTP answers, connection failures and failures after the request left', () => {
    expect(classifySendError(http(503))).toBe('retry');
    expect(classifySendError(http(400, 'Throttling'))).toBe('retry');
    expect(classifySendError(http(429))).toBe('retry');
    expect(classifySendError(http(400, 'MessageRejected'))).toBe('not-sent');
    expect(classifySendError(net('ECONNREFUSED'))).toBe('retry');
    expect(classifySendError(net('ENOTFOUND'))).toBe('retry');
    expect(classifySendError(new Error('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 3000 ms.'))).toBe('retry');
    expect(classifySendError(net('ECONNRESET', 'TimeoutError', 'socket hang up'))).toBe('unknown');
    expect(classifySendError(net('ETIMEDOUT', 'TimeoutError', 'a request has exceeded the configured 20000 ms requestTimeout.'))).toBe('unknown');
    expect(classifySendError(net('EPIPE', 'TimeoutError'))).toBe('unknown');
    expect(classifySendError(Object.assign(new Error('Unexpected end of XML'), { $metadata: { httpStatusCode: 200 } }))).toBe('unknown');
  });

  it('retries what SES refused with 5xx, then succeeds', async () => {
    const s = ses([http(503), http(503), 'm-1']);
    const mailer = new SesMailer({ ses: s.client, from: 'f@example.com', maxPerSecond: 1000, retryDelayMs: 1 });
    expect(await mailer.send(mail)).toBe('m-1');
    expect(s.calls()).toBe(3);
  });

  it('gives up on a 4xx rejection at once, as not sent', async () => {
    const s = ses([http(400, 'MessageRejected')]);
    const mailer = new SesMailer({ ses: s.client, from: 'f@example.com', maxPerSecond: 1000, retryDelayMs: 1 });
    const err = await mailer.send(mail).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'MessageRejected' });
    expect(err).not.toBeInstanceOf(MailOutcomeUnknownError);
    expect(s.calls()).toBe(1);
  });

  it('never retries a reset or timeout after the request left: one call, MailOutcomeUnknownError', async () => {
    for (const err of [net('ECONNRESET', 'TimeoutError', 'socket hang up'), net('ETIMEDOUT', 'TimeoutError')]) {
      const s = ses([err, 'm-2']);
      const mailer = new SesMailer({ ses: s.client, from: 'f@example.com', maxPerSecond: 1000, retryDelayMs: 1 });
      await expect(mailer.send(mail)).rejects.toBeInstanceOf(MailOutcomeUnknownError);
      expect(s.calls()).toBe(1);
    }
  });
});
