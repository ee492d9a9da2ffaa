/** s3rver on 127.0.0.1, its ObjectCreated events normalised to what S3 would report. */
import type { EventEmitter } from 'node:events';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  atomicObjects(server.store as unknown as FilesystemStore);
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

/** The part of s3rver's FilesystemStore that atomicObjects replaces or uses. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  putObject(object: { bucket: string; key: string; metadata: unknown; content: Buffer | Readable }): Promise<{ size: number; md5: string }>;
}

/**
 * Object writes as atomic as S3's. s3rver writes an object in place (truncating the file) and serves a GET by taking the
 * file's size, then streaming it: a GET racing a PUT of the same key (a redelivered job rewriting what another job
 * reads) announced the old length and sent the new, shorter body, and the SDK waited for the missing bytes until the
 * function timed out. S3 gives a reader the old object or the new one, whole. Here a PUT writes a temporary file and
 * renames it over the object, and per key the rename with its metadata, and a GET's size-and-open, take turns; an
 * open stream keeps reading the file it opened.
 */
function atomicObjects(store: FilesystemStore): void {
  const turns = new Map<string, Promise<unknown>>();
  const inTurn = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const before = turns.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const settled = mine.catch(() => undefined);
    turns.set(key, settled);
    void settled.then(() => {
      if (turns.get(key) === settled) turns.delete(key);
    });
    return mine;
  };
  const getObject = store.getObject.bind(store);
  store.getObject = (bucket, key, options) => inTurn(`${bucket}/${key}`, () => getObject(bucket, key, options));
  store.putObject = async (object) => {
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    // Not named like an object (`._S3rver_object` at the end), so no listing shows it.
    const temporary = `${path}.${randomUUID()}.part`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      const content = Buffer.isBuffer(object.content) ? [object.content] : object.content;
      await pipeline(
        content,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            md5.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(temporary),
      );
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    const digest = md5.digest('hex');
    return inTurn(`${object.bucket}/${object.key}`, async () => {
      await rename(temporary, path);
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      return { size, md5: digest };
    });
  };
}
