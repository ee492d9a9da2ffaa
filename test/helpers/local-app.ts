import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { makeClients } from '../../functions/commons/clients.ts';
import { stores } from '../../functions/adapters/ports.ts';
import type { FileOutcome } from '../../domain/use-cases/ports.ts';
import { encodeS3EventKey } from '../../local/notifications.ts';
import type { SentMail } from '../../local/servers.ts';

/** Clients and stores on the test run's local stack (see test/global-setup.ts), plus helpers to drive it. */
export function localApp() {
  const handle = inject('localApp');
  Object.assign(process.env, handle.env);
  const clients = makeClients();
  const s = stores(clients, handle.names.table);
  const { names } = handle;

  async function idle(): Promise<void> {
    // Give the S3 → SQS forwarder a moment to enqueue, then wait for the functions to drain the queue.
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${handle.control}/idle`);
    if (!res.ok) throw new Error(`local stack: ${await res.text()}`);
  }

  async function put(key: string, body: string | Uint8Array): Promise<string> {
    await clients.s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: key, Body: body }));
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: names.bucket, Key: key }));
    return (head.ETag ?? '').replace(/"/g, '');
  }

  /** Uploads and waits until processed; returns the file's latest outcome. */
  async function upload(key: string, body: string | Uint8Array): Promise<FileOutcome & { etag: string }> {
    const etag = await put(key, body);
    await idle();
    const outcome = (await s.files.list()).filter((f) => f.key === key && f.etag === etag).pop();
    if (!outcome) throw new Error(`${key} was not processed`);
    return { ...outcome, etag };
  }

  /** Sends the S3 notification for an existing object straight to the ingest queue, as S3 would on a redelivery. */
  async function redeliver(key: string, etag: string, size: number): Promise<void> {
    const body = JSON.stringify(s3ObjectCreated(names.bucket, key, etag, size));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: names.ingestQueue, MessageBody: body }));
  }

  /** Every raw item (DynamoDB JSON) whose key mentions one of the given fragments, sorted: a byte-exact snapshot. */
  async function snapshot(fragments: readonly string[]): Promise<string> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, never> | undefined;
    do {
      const res = await clients.dynamo.send(new ScanCommand({ TableName: names.table, ExclusiveStartKey: start }));
      items.push(...((res.Items ?? []) as Record<string, unknown>[]));
      start = res.LastEvaluatedKey as typeof start;
    } while (start);
    const pk = (i: Record<string, unknown>) => (i.pk as { S: string }).S + '|' + (i.sk as { S: string }).S;
    return JSON.stringify(
      items.filter((i) => fragments.some((f) => pk(i).includes(f))).sort((a, b) => (pk(a) < pk(b) ? -1 : 1)).map(sortKeys),
    );
  }

  async function invoke<T = unknown>(functionName: string, event: unknown): Promise<T> {
    const res = await fetch(`${handle.control}/invoke/${functionName}`, { method: 'POST', body: JSON.stringify(event) });
    if (!res.ok) throw new Error(`${functionName}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  /**
   * Runs the population classification job as its schedule would ({} → ClassifyPopulation), and waits out a run that
   * holds the lease, so segments reflect every file processed so far.
   */
  async function classify(): Promise<{ ran: boolean; reason?: string; classified?: number; moved?: number; version: number }> {
    for (let attempt = 0; ; attempt++) {
      const r = await invoke<{ ran: boolean; reason?: string; classified?: number; moved?: number; version: number }>('ClassifyPopulation', {});
      if (r.ran || r.reason !== 'busy' || attempt >= 60) return r;
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  /** Sent mail in the SES emulator (every test's), optionally only mail to these addresses. */
  async function mail(to?: (address: string) => boolean): Promise<SentMail[]> {
    const store = (await (await fetch(`${handle.control}/mail`)).json()) as { emails: SentMail[] };
    return to ? store.emails.filter((m) => m.destination.to.some((a) => to(a.toLowerCase()))) : store.emails;
  }

  /** Runs the functions at this time (the local day follows from it), or on the real clock again with `undefined`. */
  function setClock(at: string | undefined): void {
    if (at === undefined) rmSync(handle.clockFile, { force: true });
    else writeFileSync(handle.clockFile, at);
  }

  /** The lines a function has logged so far in this test run (test/global-setup.ts writes them to test/artifacts/logs). */
  async function functionLog(functionName: string): Promise<string[]> {
    return (await readFile(`test/artifacts/logs/${functionName}.log`, 'utf8')).split('\n');
  }

  return { clients, stores: s, names, idle, put, upload, redeliver, snapshot, invoke, classify, mail, setClock, functionLog };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** The S3 event notification S3 sends for a new object (eventVersion 2.1, key URL-encoded as S3 encodes it). */
export function s3ObjectCreated(bucket: string, key: string, etag: string, size: number) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodeS3EventKey(key), size, eTag: etag, sequencer: '0' } },
      },
    ],
  };
}

/** A fresh id prefix per test so data from other tests never collides. */
export function freshId(): string {
  return `T${randomBytes(3).toString('hex').toUpperCase()}`;
}
