/** s3rver on 127.0.0.1, its ObjectCreated events normalised to what S3 would report. */
import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';
import type { RunningServer } from './running-server.ts';

/** An object-created event as s3rver reports it, normalised. `key` is the raw (decoded) object key. */
export interface LocalObjectCreatedEvent {
  /** 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' */
  eventName: string;
  eventTime: string;
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  sequencer: string;
  sourceIp: string;
}

let sequence = 0n;
function nextSequencer(): string {
  // real S3 sequencers are hex strings that order events for the same key; time + counter keeps them increasing
  sequence += 1n;
  return (BigInt(Date.now()) * 1_000_000n + (sequence % 1_000_000n)).toString(16).toUpperCase().padStart(18, '0');
}

export async function startS3(directory: string, events: EventEmitter, log: (msg: string) => void): Promise<RunningServer> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: false });
  server.on('event', (raw: S3rver.S3rverEvent) => {
    void (async () => {
      for (const record of raw.Records) {
        if (!record.eventName.startsWith('ObjectCreated:')) continue;
        const object = record.s3.object;
        let eTag = object.eTag;
        let eventName = record.eventName;
        if (eTag === undefined) {
          // s3rver leaves the ETag out of Copy events; real S3 includes it
          try {
            const meta = await server.store.getMetadata(record.s3.bucket.name, object.key);
            if (meta.etag) eTag = String(JSON.parse(meta.etag));
          } catch {
            /* leave it out */
          }
        }
        // s3rver reports multipart completions as Post; their ETag has the "-<parts>" suffix
        if (eventName === 'ObjectCreated:Post' && eTag !== undefined && /-\d+$/.test(eTag)) {
          eventName = 'ObjectCreated:CompleteMultipartUpload';
        }
        const event: LocalObjectCreatedEvent = {
          eventName,
          eventTime: record.eventTime,
          bucket: record.s3.bucket.name,
          key: object.key,
          size: Number(object.size ?? 0),
          ...(eTag !== undefined ? { eTag } : {}),
          sequencer: nextSequencer(),
          sourceIp: record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
        };
        try {
          events.emit('objectCreated', event);
        } catch (err) {
          log(`s3: objectCreated listener failed: ${String(err)}`);
        }
      }
    })();
  });
  const address = await server.run();
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
