import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { freshId, localApp } from '../helpers/local-app.ts';

/**
 * The local S3 is as atomic as S3: a GET racing PUTs of the same key gets one whole object, old or new. (s3rver wrote
 * objects in place: a GET announced the old length and streamed the new, shorter body, and the reader hung until its
 * function timed out — a fan-out chunk job reading summaries that a redelivered job was rewriting.)
 */
const app = localApp();

describe('local S3: object writes are atomic', () => {
  it('gives every GET racing 40 PUTs of different sizes one whole body', { timeout: 60_000 }, async () => {
    const key = `staging/${freshId()}/summary.json`;
    const bodies = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}:${'x'.repeat(200_000 - i * 4_000)}`);
    const { s3 } = app.clients;
    const bucket = app.names.bucket;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bodies[0] }));
    const reads: Promise<string>[] = [];
    const writes = bodies.map(async (body, i) => {
      await new Promise((r) => setTimeout(r, i * 5));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    });
    for (let i = 0; i < 120; i++) {
      reads.push(
        (async () => {
          await new Promise((r) => setTimeout(r, i * 2));
          const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: AbortSignal.timeout(20_000) });
          return res.Body!.transformToString();
        })(),
      );
    }
    await Promise.all(writes);
    const got = await Promise.all(reads);
    const whole = new Set(bodies);
    for (const g of got) expect(whole.has(g), `a read of ${g.length} characters starting ${g.slice(0, 3)} is no body that was written`).toBe(true);
    expect(new Set(got.map((g) => g.slice(0, 2))).size).toBeGreaterThan(1); // the reads did race the writes
    const last = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await last.Body!.transformToString()).toBe(bodies.at(-1));
  });
});
