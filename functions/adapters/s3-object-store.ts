import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { type FileRef, ObjectChangedError, type ObjectStore, type StoredObject } from '../../domain/use-cases/ports.ts';

const unquote = (etag: string | undefined): string => (etag ?? '').replace(/"/g, '');

export class S3ObjectStore implements ObjectStore {
  private readonly s3: S3Client;
  constructor(s3: S3Client) {
    this.s3 = s3;
  }

  /**
   * GetObject of the event's version (versioned bucket; needs s3:GetObjectVersion), else of the key with If-Match on
   * the event's ETag. The returned ETag is checked as well: an emulator without If-Match, or a version that is not the
   * announced content, fails the read rather than handing over another object's bytes.
   */
  async read(file: FileRef): Promise<StoredObject> {
    return this.get(file);
  }

  /** A ranged GET (bytes start…end-1) of the same exact object; S3 answers 206 with the object's own ETag. */
  async readRange(file: FileRef, start: number, end: number): Promise<StoredObject> {
    if (end <= start) return { body: (async function* () {})() };
    return this.get(file, `bytes=${start}-${end - 1}`);
  }

  private async get(file: FileRef, range?: string): Promise<StoredObject> {
    const where = `s3://${file.bucket}/${file.key}`;
    let res;
    try {
      res = await this.s3.send(
        new GetObjectCommand({
          Bucket: file.bucket,
          Key: file.key,
          ...(file.versionId ? { VersionId: file.versionId } : {}),
          ...(file.etag ? { IfMatch: `"${file.etag}"` } : {}),
          ...(range ? { Range: range } : {}),
        }),
      );
    } catch (err) {
      const name = err instanceof S3ServiceException ? err.name : '';
      if (name === 'PreconditionFailed' || name === 'NoSuchKey' || name === 'NoSuchVersion') {
        throw new ObjectChangedError(`${where} (ETag ${file.etag}) was overwritten or deleted after its event (${name}); nothing of it was read`);
      }
      throw err;
    }
    if (!res.Body) throw new Error(`${where} has no body`);
    const etag = unquote(res.ETag);
    if (file.etag && etag !== file.etag) {
      (res.Body as Readable).destroy();
      throw new ObjectChangedError(`${where} changed after its event: it was announced with ETag ${file.etag} and now has ${etag}; nothing of it was read`);
    }
    return { body: res.Body as Readable, ...(res.LastModified ? { lastModified: res.LastModified } : {}) };
  }

  async stage(bucket: string, key: string, body: Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  async readStaged(bucket: string, key: string): Promise<Uint8Array> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!res.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    return res.Body.transformToByteArray();
  }

  async writeReport(bucket: string, key: string, body: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv; charset=utf-8' }));
  }
}
