import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { FileRef, ObjectStore } from '../../domain/use-cases/ports.ts';

export class S3ObjectStore implements ObjectStore {
  private readonly s3: S3Client;
  constructor(s3: S3Client) {
    this.s3 = s3;
  }

  async read(file: FileRef): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: file.bucket, Key: file.key }));
    if (!res.Body) throw new Error(`s3://${file.bucket}/${file.key} has no body`);
    return res.Body as Readable;
  }

  async writeReport(bucket: string, key: string, body: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv; charset=utf-8' }));
  }
}
